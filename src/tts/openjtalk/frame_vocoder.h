// Vocodes an utterance block by block. The HTS engine's public API only vocodes a whole utterance
// at once (HTS_Engine_generate_sample_sequence), so the first sample of a long sentence would wait
// for the last. This class makes, for each frame, the same call with the same data that the
// library's whole-utterance loop (HTS_GStreamSet_create) makes, in the same order and with one
// vocoder state carried across blocks: the samples are bit-identical to the whole-utterance path,
// only available earlier.
#pragma once

#include <HTS_engine.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "stream_tts/status.h"

namespace stream_tts {

class FrameVocoder {
 public:
  // `engine` must have generated its parameter sequence (HTS_Engine_generate_parameter_sequence)
  // and must be neither refreshed nor destroyed while this object lives: it reads engine->pss frame
  // by frame. Errors: kDataError when the utterance has no frames, kInternal when the parameter
  // streams are not what the vocoder expects.
  static Result<std::unique_ptr<FrameVocoder>> create(HTS_Engine* engine);
  ~FrameVocoder();
  FrameVocoder(const FrameVocoder&) = delete;
  FrameVocoder& operator=(const FrameVocoder&) = delete;

  size_t total_frames() const { return total_frames_; }
  size_t frame_period() const { return fperiod_; }  // samples per frame
  bool done() const { return next_frame_ >= total_frames_; }

  // Vocodes up to `max_frames` further frames into *samples (replaced; 16-bit scale, as the library
  // produces them). Returns the number of frames vocoded, 0 once done().
  size_t synthesize(size_t max_frames, std::vector<double>* samples);

 private:
  explicit FrameVocoder(HTS_Engine* engine);
  void load_frame(size_t frame);

  struct State;  // the library's private HTS_Vocoder, kept out of this header
  std::unique_ptr<State> state_;
  HTS_Engine* engine_;
  size_t total_frames_ = 0;
  size_t fperiod_ = 0;
  size_t next_frame_ = 0;
  // One frame of each stream (spectrum, log F0, optional low-pass filter): the vocoder's
  // post-filter rewrites the spectrum in place, so it gets a copy, as the library's own loop gives
  // it.
  std::vector<std::vector<double>> frame_;
  std::vector<size_t> msd_index_;  // per stream: next voiced-frame index into a multi-space stream
};

}  // namespace stream_tts
