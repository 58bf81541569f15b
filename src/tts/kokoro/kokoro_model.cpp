#include "tts/kokoro/kokoro_model.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "tts/kokoro/albert_encoder.h"
#include "tts/kokoro/clauses.h"
#include "tts/kokoro/decoder.h"
#include "tts/kokoro/duration_predictor.h"
#include "tts/kokoro/f0n_predictor.h"
#include "tts/kokoro/frame_features.h"
#include "tts/kokoro/generator.h"
#include "tts/kokoro/kokoro_weights.h"
#include "tts/kokoro/text_encoder.h"

namespace stream_tts::kokoro {
namespace {

std::string require_file(const std::string& dir, const char* name) {
  const std::filesystem::path p = std::filesystem::path(dir) / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) {
    throw Error(StatusCode::kNotFound,
                "Kokoro model folder " + dir + " has no " + name +
                    " (run: stream-tts models install kokoro-ja)");
  }
  return p.string();
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

struct KokoroModel::Impl {
  explicit Impl(const std::string& dir)
      : weights(KokoroWeights::load(require_file(dir, "kokoro-v1.0.int8.onnx"))),
        voices(KokoroVoices::load(require_file(dir, "voices_ja.npz"))),
        vocab(g2p::KokoroVocab::load(require_file(dir, "vocab.json"))),
        albert(weights),
        text_encoder(weights),
        durations(weights),
        frames(weights),
        f0n(weights),
        decoder(weights),
        generator(weights) {}

  KokoroWeights weights;
  KokoroVoices voices;
  g2p::KokoroVocab vocab;
  AlbertEncoder albert;
  TextEncoder text_encoder;
  DurationPredictor durations;
  FrameFeatures frames;
  F0NPredictor f0n;
  KokoroDecoder decoder;
  KokoroGenerator generator;
};

KokoroModel::KokoroModel(const std::string& model_dir) : impl_(std::make_unique<Impl>(model_dir)) {}
KokoroModel::~KokoroModel() = default;

const KokoroVoices& KokoroModel::voices() const { return impl_->voices; }
const g2p::KokoroVocab& KokoroModel::vocab() const { return impl_->vocab; }

Result<std::vector<float>> KokoroModel::synthesize(std::span<const int64_t> tokens,
                                                   std::span<const float> style_table,
                                                   const Options& options, std::stop_token stop,
                                                   Timing* timing) const {
  if (tokens.empty() || tokens.size() > kMaxModelTokens) {
    return Status(StatusCode::kInvalidArgument,
                  "Kokoro takes 1.." + std::to_string(kMaxModelTokens) + " phoneme tokens, got " +
                      std::to_string(tokens.size()));
  }
  if (!(options.speed > 0.0f) || options.speed > 4.0f || !(options.pitch >= -12.0f) ||
      options.pitch > 12.0f) {
    return Status(StatusCode::kInvalidArgument,
                  "Kokoro speed must be in (0, 4] and pitch in [-12, 12] semitones");
  }
  if (style_table.empty() || style_table.size() % KokoroVoices::kStyleDim != 0) {
    return Status(StatusCode::kInvalidArgument, "Kokoro style table must be rows x 256 floats");
  }
  const Impl& m = *impl_;
  const auto cancelled = [&] { return Status(StatusCode::kCancelled, "synthesis cancelled"); };
  auto t0 = std::chrono::steady_clock::now();
  std::vector<int64_t> padded;
  padded.reserve(tokens.size() + 2);
  padded.push_back(0);
  padded.insert(padded.end(), tokens.begin(), tokens.end());
  padded.push_back(0);
  const std::span<const float> style = KokoroVoices::style_row(style_table, tokens.size());

  auto bert = m.albert.forward(padded);
  if (!bert) return bert.status();
  if (stop.stop_requested()) return cancelled();
  auto predicted = m.durations.forward(bert->projected, padded.size(), style, options.speed);
  if (!predicted) return predicted.status();
  auto frames = m.frames.forward(predicted->d, predicted->durations);
  if (!frames) return frames.status();
  if (stop.stop_requested()) return cancelled();
  auto curves = m.f0n.forward(frames->shared, frames->frames, style);
  if (!curves) return curves.status();
  if (options.pitch != 0.0f) {
    // Both the decoder and the generator's harmonic source read the curve, so scaling it moves
    // the voice's pitch without changing its timing.
    const float scale = std::exp2(options.pitch / 12.0f);
    for (float& f : curves->f0) f *= scale;
  }
  auto t_en = m.text_encoder.forward(padded);
  if (!t_en) return t_en.status();
  if (stop.stop_requested()) return cancelled();
  if (timing) timing->front_ms = ms_since(t0);

  t0 = std::chrono::steady_clock::now();
  auto decoded = m.decoder.forward(*t_en, predicted->durations, curves->f0, curves->n, style);
  if (!decoded) return decoded.status();
  if (timing) timing->decoder_ms = ms_since(t0);
  if (stop.stop_requested()) return cancelled();

  t0 = std::chrono::steady_clock::now();
  auto audio = m.generator.forward(decoded->x, decoded->frames2, curves->f0, style);
  if (!audio) return audio.status();
  if (timing) timing->generator_ms = ms_since(t0);
  return audio;
}

}  // namespace stream_tts::kokoro
