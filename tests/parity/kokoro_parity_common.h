// What the Kokoro parity tests share: the installed model, the Python with onnxruntime, the
// sentences (the Python front end's phonemes of ../shared/data/tatoeba-eng-jpn.dev.tsv, from
// tests/golden/g2p/tatoeba-dev.tsv), running tools/kokoro/ort_intermediates.py on them, and the
// comparison of native tensors with onnxruntime's.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "models/model_store.h"
#include "tts/g2p/kokoro_vocab.h"

namespace stream_tts::kokoro::parity {

namespace fs = std::filesystem;

// The installed kokoro-ja folder, or "" when it is not installed.
inline std::string model_dir() {
  try {
    return models::resolve_model("kokoro-ja").string();
  } catch (const std::exception&) {
    return "";
  }
}

// STREAM_TTS_PARITY_PYTHON, else the kokoro-ja worker's venv; "" when it has no onnxruntime.
inline std::string reference_python() {
  std::string python;
  if (const char* p = std::getenv("STREAM_TTS_PARITY_PYTHON")) {
    python = p;
  } else if (const char* home = std::getenv("HOME")) {
    python = std::string(home) + "/.cache/stream-tts/venv-workers/bin/python";
  }
  if (python.empty() ||
      std::system(("'" + python + "' -c 'import onnxruntime, numpy' 2>/dev/null").c_str()) != 0) {
    return "";
  }
  return python;
}

// Why the parity tests cannot run here ("" when they can): the model or onnxruntime is missing.
inline std::string missing_reference() {
  if (model_dir().empty()) return "needs the kokoro-ja model: stream-tts models install kokoro-ja";
  if (reference_python().empty()) {
    return "needs onnxruntime: scripts/setup-workers.sh (or STREAM_TTS_PARITY_PYTHON=a python with "
           "onnxruntime and numpy)";
  }
  return "";
}

inline std::vector<float> read_f32(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> v(bytes.size() / 4);
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

// [channels x steps] -> [steps x channels]
inline std::vector<float> transposed(const std::vector<float>& v, size_t channels) {
  const size_t steps = channels == 0 ? 0 : v.size() / channels;
  std::vector<float> out(v.size());
  for (size_t c = 0; c < channels; ++c)
    for (size_t t = 0; t < steps; ++t) out[t * channels + c] = v[c * steps + t];
  return out;
}

// Native values against onnxruntime's: how many differ, relative L2, largest difference.
struct Diff {
  size_t values = 0, different = 0;
  double max_abs = 0, diff_squares = 0, ref_squares = 0;
  void add(const std::vector<float>& native, const std::vector<float>& ort) {
    if (native.size() != ort.size()) {
      ADD_FAILURE() << native.size() << " native values, " << ort.size() << " from onnxruntime";
      different += std::max(native.size(), ort.size());
      return;
    }
    for (size_t i = 0; i < ort.size(); ++i) {
      ++values;
      const double d = static_cast<double>(native[i]) - ort[i];
      diff_squares += d * d;
      ref_squares += static_cast<double>(ort[i]) * ort[i];
      if (native[i] != ort[i]) {
        ++different;
        max_abs = std::max(max_abs, std::abs(d));
      }
    }
  }
  double relative_l2() const { return std::sqrt(diff_squares / (ref_squares + 1e-30)); }
  std::string text() const {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%zu of %zu values differ, rel-L2 %.2e, max |diff| %.3g",
                  different, values, relative_l2(), max_abs);
    return buf;
  }
};

// The first `count` phoneme strings of the golden G2P file as token ids, with the padding 0s.
inline std::vector<std::vector<int64_t>> sentence_tokens(const g2p::KokoroVocab& vocab, size_t count) {
  std::ifstream in(std::string(STREAM_TTS_GOLDEN_DIR) + "/g2p/tatoeba-dev.tsv");
  std::vector<std::vector<int64_t>> out;
  std::string line;
  while (out.size() < count && std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::vector<int64_t> ids = vocab.encode(line.substr(tab + 1));
    if (ids.empty() || ids.size() > 510) continue;
    ids.insert(ids.begin(), 0);
    ids.push_back(0);
    out.push_back(std::move(ids));
  }
  return out;
}

// A fresh temporary folder.
inline fs::path temp_dir(const char* prefix) {
  std::string pattern = (fs::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  return ::mkdtemp(pattern.data());
}

// Runs onnxruntime over `sentences` (voice jf_alpha, speed 1, one thread) and writes each named
// graph value (alias, value name) as `dir`/<sentence>/<alias>.f32. False when the script fails.
inline bool run_onnxruntime(const std::string& python, const std::string& model,
                            const std::vector<std::vector<int64_t>>& sentences, const fs::path& dir,
                            const std::vector<std::pair<std::string, std::string>>& names) {
  {
    std::ofstream list(dir / "tokens.txt");
    for (const auto& tokens : sentences) {
      for (size_t i = 0; i < tokens.size(); ++i) list << (i ? "," : "") << tokens[i];
      list << "\n";
    }
  }
  std::string cmd = "'" + python + "' '" + std::string(STREAM_TTS_SOURCE_DIR) +
                    "/tools/kokoro/ort_intermediates.py' '" + model + "' '" + dir.string() + "' '@" +
                    (dir / "tokens.txt").string() + "'";
  for (const auto& [alias, name] : names) cmd += " '" + alias + "=" + name + "'";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace stream_tts::kokoro::parity
