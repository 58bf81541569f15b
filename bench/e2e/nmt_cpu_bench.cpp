// Times the `nmt` backend on a fixed source: encode + exactly N decoder steps (EOS ignored), batch 1,
// like nmt_cpu_bench.py times transformers and CTranslate2 on the same ids. Prints one JSON object.
//   bench_nmt_cpu --model DIR --ids 5,6,7,... --tokens 32 [--int8] [--threads 2] [--runs 10] [--warmup 2]
//                 [--shortlist-ids FILE]
// --serve: after loading, print "ready", then time one sentence per input line and print its ms, so
// that a driver can interleave engines round by round on a machine whose load changes.
// --shortlist-ids FILE: decoder ids (separated by whitespace or commas) as the target-vocabulary
// shortlist (NmtTranslator::set_shortlist_ids; the special tokens are added), for models whose
// tokenizer cannot name the pieces that --shortlist FILE wants; nmt_cpu_bench.py writes the file.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/cpu/gemm_f32.h"
#include "nn/cpu/kernels.h"
#include "translate/nmt/nmt_translator.h"

using namespace stream_tts;

int main(int argc, char** argv) {
  TranslatorConfig tc;
  tc.backend = "nmt";
  tc.threads = 2;
  std::vector<int> ids;
  int tokens = 32, runs = 10, warmup = 2;
  bool serve = false;
  std::string shortlist_ids;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--model") tc.model = next();
    else if (a == "--int8") tc.int8 = true;
    else if (a == "--serve") serve = true;
    else if (a == "--threads") tc.threads = std::stoi(next());
    else if (a == "--tokens") tokens = std::stoi(next());
    else if (a == "--runs") runs = std::stoi(next());
    else if (a == "--warmup") warmup = std::stoi(next());
    else if (a == "--src") tc.source_lang = next();
    else if (a == "--tgt") tc.target_lang = next();
    else if (a == "--shortlist-ids") shortlist_ids = next();
    else if (a == "--ids") {
      std::stringstream ss(next());
      std::string item;
      while (std::getline(ss, item, ',')) ids.push_back(std::stoi(item));
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (tc.model.empty() || ids.empty()) {
    std::fprintf(stderr, "usage: bench_nmt_cpu --model DIR --ids 1,2,3 [--tokens 32] [--int8] [--threads N]\n");
    return 2;
  }
  try {
    const auto t0 = std::chrono::steady_clock::now();
    NmtTranslator translator(tc);
    int shortlist_size = 0;  // ids in the file (0: the whole vocabulary)
    if (!shortlist_ids.empty()) {
      std::ifstream in(shortlist_ids);
      if (!in) throw std::runtime_error("cannot read " + shortlist_ids);
      std::vector<int> list;
      for (std::string item; in >> item;) {
        std::replace(item.begin(), item.end(), ',', ' ');
        std::stringstream ss(item);
        for (int id; ss >> id;) list.push_back(id);
      }
      shortlist_size = static_cast<int>(list.size());
      translator.set_shortlist_ids(std::move(list));
    }
    const double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (serve) {
      std::printf("ready %.1f %s %s %d\n", load_ms, nn::cpu::gemm_kernel_name(static_cast<int>(ids.size())).c_str(),
                  nn::cpu::int8_kernel_name(), shortlist_size);
      std::fflush(stdout);
      char line[64];
      while (std::fgets(line, sizeof line, stdin) != nullptr) {
        const auto s = std::chrono::steady_clock::now();
        if (Status st = translator.generate_forced(ids, tokens); !st) {
          std::fprintf(stderr, "%s\n", st.to_string().c_str());
          return 1;
        }
        std::printf("%.3f\n", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
        std::fflush(stdout);
      }
      return 0;
    }
    std::vector<double> ms;
    for (int r = 0; r < warmup + runs; ++r) {
      const auto s = std::chrono::steady_clock::now();
      if (Status st = translator.generate_forced(ids, tokens); !st) {
        std::fprintf(stderr, "%s\n", st.to_string().c_str());
        return 1;
      }
      const double e = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count();
      if (r >= warmup) ms.push_back(e);
    }
    std::sort(ms.begin(), ms.end());
    const double p50 = ms[ms.size() / 2];
    const double p95 = ms[std::min(ms.size() - 1, static_cast<size_t>(ms.size() * 0.95))];
    std::printf("{\"engine\": \"stream-tts nmt %s\", \"threads\": %d, \"int8_kernel\": \"%s\", \"gemm_kernel\": \"%s\", "
                "\"load_ms\": %.1f, \"shortlist_ids\": %d, "
                "\"p50_ms\": %.2f, \"p95_ms\": %.2f, \"min_ms\": %.2f, \"runs\": %d}\n",
                tc.int8 ? "int8" : "fp32", tc.threads, nn::cpu::int8_kernel_name(),
                nn::cpu::gemm_kernel_name(static_cast<int>(ids.size())).c_str(), load_ms, shortlist_size, p50, p95,
                ms.front(),
                runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
