// One loaded .htsvoice and the HTS engine that runs it. The engine keeps the model (read-only after
// load) and the state of one utterance (labels, state and parameter sequences) side by side, so a
// voice serves one utterance at a time: prepare() hands out a ticket and a later prepare()
// invalidates earlier tickets.
#pragma once

#include <HTS_engine.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "stream_tts/status.h"

namespace stream_tts {

class HtsVoice {
 public:
  // Loads `path`. Throws Error(kNotFound) when the file is missing, Error(kDataError) when it is
  // not an HTS voice for Open JTalk's Japanese labels.
  explicit HtsVoice(const std::string& path);
  ~HtsVoice();
  HtsVoice(const HtsVoice&) = delete;
  HtsVoice& operator=(const HtsVoice&) = delete;

  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }  // the file name without .htsvoice
  int sample_rate() const { return sample_rate_; }

  // Runs the first two synthesis steps on `labels` (Open JTalk full-context labels): durations and
  // state sequence, then the parameter trajectories of the whole utterance (which need all of it:
  // the smoothing and global-variance steps look at every frame). `speed` scales the speaking rate;
  // `half_tones` shifts F0. Returns the ticket of this utterance; engine() then holds its
  // parameters until release(ticket) or the next prepare(). Errors: kDataError when the engine
  // rejects the labels.
  Result<uint64_t> prepare(const std::vector<std::string>& labels, double speed, double half_tones);
  // True while `ticket` names the utterance the engine holds.
  bool holds(uint64_t ticket) const { return ticket == ticket_ && prepared_; }
  // Frees the utterance's buffers if `ticket` still names it.
  void release(uint64_t ticket);

  HTS_Engine* engine() { return &engine_; }

 private:
  HTS_Engine engine_;
  std::string path_;
  std::string name_;
  int sample_rate_ = 0;
  uint64_t ticket_ = 0;
  bool prepared_ = false;
  std::vector<char*> label_ptrs_;  // the C API takes char**; it copies the strings
};

}  // namespace stream_tts
