#include "tts/kokoro/generator.h"

namespace stream_tts::kokoro {

// Skeleton: the stages land in sine_source.*, istft.*, snake_resblock.*, generator_convs.*.
class SineSource {};
class SnakeResBlock {};
class StftAnalysis {};
class IstftSynthesis {};
class GeneratorConvs {};

KokoroGenerator::KokoroGenerator(const KokoroWeights& /*weights*/) {}
KokoroGenerator::~KokoroGenerator() = default;
KokoroGenerator::KokoroGenerator(KokoroGenerator&&) noexcept = default;
KokoroGenerator& KokoroGenerator::operator=(KokoroGenerator&&) noexcept = default;

Result<std::vector<float>> KokoroGenerator::forward(std::span<const float> x, size_t frames2,
                                                    std::span<const float> f0,
                                                    std::span<const float> style) const {
  return forward(x, frames2, f0, style, nullptr);
}

Result<std::vector<float>> KokoroGenerator::forward(std::span<const float> /*x*/,
                                                    size_t /*frames2*/,
                                                    std::span<const float> /*f0*/,
                                                    std::span<const float> /*style*/,
                                                    Trace* /*trace*/) const {
  return Status(StatusCode::kInternal, "KokoroGenerator: not implemented yet");
}

}  // namespace stream_tts::kokoro
