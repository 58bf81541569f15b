// The CPU `nmt` path's half of nmt_cpu_parity.py: greedy sequences, and the logits behind them, of a
// model directory for source ids read from stdin, for comparison with transformers on the same weights.
//   bench_nmt_cpu_parity --model DIR --bos ID [--tokens 32] [--int8] [--threads 2]
//                        [--logits N --logits-out FILE]
// stdin: one source a line (ids separated by spaces or commas). stdout: one line per source, the
// decoder sequence: decoder start, the forced BOS, then tokens - 1 argmax choices (EOS not special:
// exactly `tokens` generated, as the GPU benchmark's forced runs). The argmax is the one a user's greedy
// decoding takes (NmtRunner::argmax: through the int8 screen for fp32), and for the first N sources it
// is also checked against std::max_element over logits(), whose [tokens, vocab] float32 rows (the
// logits after each fed token) are appended to FILE. Ends with a line "screen_mismatches K".
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include "nn/cpu/kernels.h"
#include "translate/nmt/nmt_model.h"

using namespace stream_tts;

namespace {

std::vector<int> parse_ids(std::string line) {
  std::replace(line.begin(), line.end(), ',', ' ');
  std::stringstream ss(line);
  std::vector<int> ids;
  for (int id; ss >> id;) ids.push_back(id);
  return ids;
}

void check(const Status& st) {
  if (!st) throw std::runtime_error(st.to_string());
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_dir, logits_out;
  int tokens = 32, bos = -1, logits_n = 0, threads = 2;
  bool int8 = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--model") model_dir = next();
    else if (a == "--int8") int8 = true;
    else if (a == "--tokens") tokens = std::stoi(next());
    else if (a == "--bos") bos = std::stoi(next());
    else if (a == "--threads") threads = std::stoi(next());
    else if (a == "--logits") logits_n = std::stoi(next());
    else if (a == "--logits-out") logits_out = next();
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (model_dir.empty() || bos < 0 || tokens < 2 || (logits_n > 0 && logits_out.empty())) {
    std::fprintf(stderr,
                 "usage: bench_nmt_cpu_parity --model DIR --bos ID [--tokens 32] [--int8] [--threads N] "
                 "[--logits N --logits-out FILE]\n");
    return 2;
  }
  try {
    nn::cpu::set_threads(threads);
    // fp32 greedy decoding as the translator sets it up: the LM head read through its int8 screen.
    auto model = NmtModel::load(model_dir, int8, /*argmax_screen=*/!int8);
    NmtRunner runner(model);
    const int vocab = model->config.decoder_vocab_size;
    std::ofstream lf;
    if (logits_n > 0) lf.open(logits_out, std::ios::binary | std::ios::trunc);
    int n = 0, screen_mismatches = 0;
    for (std::string line; std::getline(std::cin, line);) {
      const std::vector<int> src = parse_ids(line);
      if (src.empty()) continue;
      const bool dump = n < logits_n;
      check(runner.encode(src, tokens + 1));
      std::vector<int> seq = {model->config.decoder_start_token_id};
      for (int t = 0; t < tokens; ++t) {
        check(runner.advance(seq.back()));
        int next = t == 0 ? bos : runner.argmax({});
        if (dump) {
          const float* lg = runner.logits();
          lf.write(reinterpret_cast<const char*>(lg), static_cast<std::streamsize>(sizeof(float) * vocab));
          const int full = static_cast<int>(std::max_element(lg, lg + vocab) - lg);
          if (t > 0 && full != next) ++screen_mismatches;
        }
        seq.push_back(next);
      }
      for (size_t i = 0; i < seq.size(); ++i) std::printf(i ? " %d" : "%d", seq[i]);
      std::printf("\n");
      std::fflush(stdout);
      ++n;
    }
    std::printf("screen_mismatches %d\n", screen_mismatches);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
