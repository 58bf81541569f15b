#include "tts/kokoro/kokoro_model.h"

#include <algorithm>
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
      : Impl(dir, KokoroWeights::load(require_file(dir, "kokoro-v1.0.int8.onnx"))) {}
  // Every stage copies what it needs out of the mapped file (packed for its kernels), so the
  // mapping is released when construction ends: ≈ 90 MB less resident memory.
  Impl(const std::string& dir, const KokoroWeights& weights)
      : voices(KokoroVoices::load(require_file(dir, "voices_ja.npz"))),
        vocab(g2p::KokoroVocab::load(require_file(dir, "vocab.json"))),
        albert(weights),
        text_encoder(weights),
        durations(weights),
        frames(weights),
        f0n(weights),
        decoder(weights),
        generator(weights) {}

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
  auto prepared = prepare(tokens, style_table, options, stop, timing);
  if (!prepared) return prepared.status();
  const auto t0 = std::chrono::steady_clock::now();
  auto audio = generate(*prepared, 0, prepared->frames2, 0);
  if (timing) timing->generator_ms = ms_since(t0);
  return audio;
}

Result<KokoroModel::Prepared> KokoroModel::prepare(std::span<const int64_t> tokens,
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
  Prepared p;
  p.frames2 = decoded->frames2;
  p.x = std::move(decoded->x);
  p.source = m.generator.source(curves->f0);
  p.style.assign(style.begin(), style.end());
  p.durations = std::move(predicted->durations);
  if (timing) timing->decoder_ms = ms_since(t0);
  if (stop.stop_requested()) return cancelled();
  return p;
}

Result<std::vector<float>> KokoroModel::generate(const Prepared& p, size_t begin, size_t end,
                                                 size_t context) const {
  if (begin >= end || end > p.frames2) {
    return Status(StatusCode::kInvalidArgument,
                  "Kokoro window [" + std::to_string(begin) + ", " + std::to_string(end) +
                      ") is not inside the utterance's " + std::to_string(p.frames2) + " frames");
  }
  constexpr size_t kChannels = KokoroGenerator::kInputChannels;
  // The generator needs two frames at least: widen a one-frame window at the utterance's edge.
  size_t lo = begin > context ? begin - context : 0;
  size_t hi = std::min(p.frames2, end + context);
  if (hi - lo < 2) {
    if (hi < p.frames2) {
      ++hi;
    } else if (lo > 0) {
      --lo;
    }
  }
  const std::span<const float> x(p.x.data() + lo * kChannels, (hi - lo) * kChannels);
  const std::span<const float> source(p.source.data() + lo * kSamplesPerFrame,
                                      (hi - lo) * kSamplesPerFrame);
  auto audio = impl_->generator.forward_source(x, hi - lo, source, p.style);
  if (!audio) return audio.status();
  if (lo == begin && hi == end) return audio;
  const size_t from = (begin - lo) * kSamplesPerFrame, to = (end - lo) * kSamplesPerFrame;
  if (audio->size() < to) {
    return Status(StatusCode::kInternal, "Kokoro generator returned " +
                                             std::to_string(audio->size()) + " samples, not " +
                                             std::to_string((hi - lo) * kSamplesPerFrame));
  }
  return std::vector<float>(audio->begin() + static_cast<std::ptrdiff_t>(from),
                            audio->begin() + static_cast<std::ptrdiff_t>(to));
}

std::vector<std::pair<size_t, size_t>> KokoroModel::windows(size_t frames2, const WindowPlan& plan) {
  std::vector<std::pair<size_t, size_t>> out;
  const size_t first = std::max<size_t>(plan.first_frames, 2);
  const size_t max = std::max(plan.max_frames, first);
  size_t begin = 0, size = first;
  while (begin < frames2) {
    size_t end = std::min(frames2, begin + size);
    if (frames2 - end < first / 2) end = frames2;  // no tiny last window
    out.emplace_back(begin, end);
    begin = end;
    size = std::min(max, 2 * size);
  }
  return out;
}

}  // namespace stream_tts::kokoro
