#include "tts/kokoro/frame_features.h"

#include <algorithm>
#include <string>

#include "tts/kokoro/module_params.h"

namespace stream_tts::kokoro {

std::vector<float> expand_to_frames(std::span<const float> x, size_t cols,
                                    std::span<const int64_t> durations) {
  size_t frames = 0;
  for (int64_t d : durations) frames += static_cast<size_t>(std::max<int64_t>(d, 0));
  std::vector<float> out;
  out.reserve(frames * cols);
  for (size_t t = 0; t < durations.size(); ++t) {
    const auto row = x.subspan(t * cols, cols);
    for (int64_t k = 0; k < durations[t]; ++k) out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

FrameFeatures::FrameFeatures(const KokoroWeights& w)
    : shared_(require_module(w, "encoder.predictor.shared")) {
  if (shared_.input_size() != kInput || shared_.hidden_size() * shared_.directions() != kOutput) {
    throw Error(StatusCode::kDataError,
                "Kokoro weights: encoder.predictor.shared is not a 640 -> 2 x 256 LSTM");
  }
}

Result<FrameFeatures::Output> FrameFeatures::forward(std::span<const float> d,
                                                     std::span<const int64_t> durations) const {
  if (durations.empty() || d.size() != durations.size() * kInput) {
    return Status(StatusCode::kInvalidArgument,
                  "frame features take [tokens x 640] features and one duration per token");
  }
  for (int64_t n : durations) {
    if (n < 1) return Status(StatusCode::kInvalidArgument, "a token lasts at least one frame");
  }
  Output out;
  out.en = expand_to_frames(d, kInput, durations);
  out.frames = out.en.size() / kInput;
  shared_.forward(out.en, out.frames, &out.shared);
  return out;
}

}  // namespace stream_tts::kokoro
