#include "tts/openjtalk/frame_vocoder.h"

#include <algorithm>
#include <cstring>

// The library's private header, from Debian's htsengine source of the installed version (see
// CMakeLists.txt: the build checks the versions match). It declares the vocoder API and the
// parameter-stream accessors that libHTSEngine exports but HTS_engine.h does not publish. Included
// here only: it defines short macros (DB, PI).
#include "HTS_hidden.h"

namespace stream_tts {

struct FrameVocoder::State {
  HTS_Vocoder vocoder{};
  bool initialized = false;
};

FrameVocoder::FrameVocoder(HTS_Engine* engine)
    : state_(std::make_unique<State>()), engine_(engine) {}

FrameVocoder::~FrameVocoder() {
  if (state_->initialized) HTS_Vocoder_clear(&state_->vocoder);
}

Result<std::unique_ptr<FrameVocoder>> FrameVocoder::create(HTS_Engine* engine) {
  HTS_PStreamSet* pss = &engine->pss;
  const size_t nstream = HTS_PStreamSet_get_nstream(pss);
  // The same checks the library makes before vocoding (HTS_GStreamSet_create): streams are
  // spectrum, log F0 and an optional low-pass filter whose length must be odd.
  if (nstream != 2 && nstream != 3) {
    return Status(StatusCode::kInternal, "HTS voice must have 2 or 3 parameter streams");
  }
  if (HTS_PStreamSet_get_vector_length(pss, 1) != 1) {
    return Status(StatusCode::kInternal,
                  "HTS voice's log F0 stream must have one static coefficient");
  }
  if (nstream == 3 && HTS_PStreamSet_get_vector_length(pss, 2) % 2 == 0) {
    return Status(StatusCode::kInternal,
                  "HTS voice's low-pass filter must have an odd number of taps");
  }

  if (HTS_PStreamSet_get_total_frame(pss) == 0) {
    return Status(StatusCode::kDataError, "nothing to say: the utterance has no frames");
  }

  std::unique_ptr<FrameVocoder> v(new FrameVocoder(engine));
  const HTS_Condition& c = engine->condition;
  v->total_frames_ = HTS_PStreamSet_get_total_frame(pss);
  v->fperiod_ = c.fperiod;
  v->frame_.resize(nstream);
  v->msd_index_.assign(nstream, 0);
  for (size_t i = 0; i < nstream; ++i)
    v->frame_[i].resize(HTS_PStreamSet_get_vector_length(pss, i));
  const size_t order = v->frame_[0].size() - 1;  // spectrum vector = gain + `order` coefficients
  HTS_Vocoder_initialize(&v->state_->vocoder, order, c.stage, c.use_log_gain, c.sampling_frequency,
                         c.fperiod);
  v->state_->initialized = true;
  return v;
}

void FrameVocoder::load_frame(size_t frame) {
  HTS_PStreamSet* pss = &engine_->pss;
  for (size_t i = 0; i < frame_.size(); ++i) {
    std::vector<double>& dst = frame_[i];
    if (HTS_PStreamSet_is_msd(pss, i)) {
      // Multi-space streams (log F0) store parameters only for voiced frames; unvoiced frames read
      // as "no data", which the vocoder turns into noise excitation.
      if (HTS_PStreamSet_get_msd_flag(pss, i, frame)) {
        const double* src = HTS_PStreamSet_get_parameter_vector(pss, i, msd_index_[i]++);
        std::copy(src, src + dst.size(), dst.begin());
      } else {
        std::fill(dst.begin(), dst.end(), HTS_NODATA);
      }
    } else {
      const double* src = HTS_PStreamSet_get_parameter_vector(pss, i, frame);
      std::copy(src, src + dst.size(), dst.begin());
    }
  }
}

size_t FrameVocoder::synthesize(size_t max_frames, std::vector<double>* samples) {
  const size_t n = std::min(max_frames, total_frames_ - next_frame_);
  samples->resize(n * fperiod_);
  const HTS_Condition& c = engine_->condition;
  const size_t order = frame_[0].size() - 1;
  const size_t nlpf = frame_.size() >= 3 ? frame_[2].size() : 0;
  for (size_t k = 0; k < n; ++k) {
    load_frame(next_frame_ + k);
    double* lpf = nlpf > 0 ? frame_[2].data() : nullptr;
    HTS_Vocoder_synthesize(&state_->vocoder, order, frame_[1][0], frame_[0].data(), nlpf, lpf,
                           c.alpha, c.beta, c.volume, samples->data() + k * fperiod_, nullptr);
  }
  next_frame_ += n;
  return n;
}

}  // namespace stream_tts
