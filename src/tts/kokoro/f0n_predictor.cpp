#include "tts/kokoro/f0n_predictor.h"

#include <string>

#include "tts/kokoro/module_params.h"

namespace stream_tts::kokoro {

F0NPredictor::F0NPredictor(const KokoroWeights& w) {
  for (const char* name : {"F0", "N"}) {
    auto& blocks = std::string(name) == "F0" ? f0_blocks_ : n_blocks_;
    const std::string m = std::string("encoder.predictor.") + name;
    // Block 0 reads the shared LSTM's time-major output; the others a block's channels-first one.
    blocks.emplace_back(w, m + ".0", false);
    blocks.emplace_back(w, m + ".1", true);
    blocks.emplace_back(w, m + ".2", true);
    if (!blocks[1].upsamples() || blocks[0].out_channels() != blocks[1].channels() ||
        blocks[1].out_channels() != blocks[2].channels()) {
      throw Error(StatusCode::kDataError, "Kokoro weights: " + m + " blocks do not chain");
    }
    const std::string proj = std::string("encoder.predictor.") + name + "_proj";
    QuantizedConv1d conv(require_param(w, proj, "weight"), &require_param(w, proj, "bias"), 0);
    if (conv.in_channels() != blocks[2].out_channels() || conv.out_channels() != 1) {
      throw Error(StatusCode::kDataError, "Kokoro weights: " + proj + " is not 256 -> 1");
    }
    (std::string(name) == "F0" ? f0_proj_ : n_proj_) = std::move(conv);
  }
}

std::vector<float> F0NPredictor::curve(const std::vector<AdainResBlock>& blocks,
                                       const QuantizedConv1d& proj, std::span<const float> shared,
                                       size_t frames, const QuantizedActivations& style) const {
  std::vector<float> x(shared.begin(), shared.end());
  size_t n = frames;
  for (const AdainResBlock& block : blocks) {
    x = block.forward(x, n, style);
    if (block.upsamples()) n *= 2;
  }
  std::vector<float> y;
  proj.forward(x, n, &y);
  return y;
}

Result<F0NPredictor::Output> F0NPredictor::forward(std::span<const float> shared, size_t frames,
                                                   std::span<const float> style) const {
  if (frames == 0 || shared.size() != frames * f0_blocks_[0].channels() || style.size() != 256) {
    return Status(StatusCode::kInvalidArgument,
                  "the F0/N predictor takes [frames x 512] features and a 256-value style");
  }
  QuantizedActivations style_q;  // the predictor's half of the style, as every AdaIN fc reads it
  dynamic_quantize_linear(style.subspan(128), &style_q);
  Output out;
  out.f0 = curve(f0_blocks_, f0_proj_, shared, frames, style_q);
  out.n = curve(n_blocks_, n_proj_, shared, frames, style_q);
  return out;
}

}  // namespace stream_tts::kokoro
