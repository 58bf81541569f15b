#include "tts/openjtalk/hts_voice.h"

#include <cstring>
#include <filesystem>

namespace stream_tts {

HtsVoice::HtsVoice(const std::string& path) : path_(path) {
  namespace fs = std::filesystem;
  HTS_Engine_initialize(&engine_);
  std::error_code ec;
  // The library reports a missing file only on stderr; check first to give the caller a precise
  // error.
  if (!fs::is_regular_file(path, ec)) {
    HTS_Engine_clear(&engine_);
    throw Error(StatusCode::kNotFound,
                "HTS voice not found: " + path + " (apt install hts-voice-nitech-jp-atr503-m001)");
  }
  char* voices[] = {path_.data()};
  if (HTS_Engine_load(&engine_, voices, 1) != TRUE) {
    HTS_Engine_clear(&engine_);
    throw Error(StatusCode::kDataError, "cannot load HTS voice " + path);
  }
  // Open JTalk's labels only fit voices trained on them; any other voice would load but babble.
  const char* format = HTS_Engine_get_fullcontext_label_format(&engine_);
  if (format == nullptr || std::strcmp(format, "HTS_TTS_JPN") != 0) {
    HTS_Engine_clear(&engine_);
    throw Error(StatusCode::kDataError,
                "HTS voice " + path + " is not for Open JTalk's Japanese labels (format '" +
                    std::string(format != nullptr ? format : "") + "', want HTS_TTS_JPN)");
  }
  sample_rate_ = static_cast<int>(HTS_Engine_get_sampling_frequency(&engine_));
  name_ = fs::path(path).stem().string();
}

HtsVoice::~HtsVoice() {
  HTS_Engine_refresh(&engine_);  // HTS_Engine_clear frees the model but not a prepared utterance
  HTS_Engine_clear(&engine_);
}

Result<uint64_t> HtsVoice::prepare(const std::vector<std::string>& labels, double speed,
                                   double half_tones) {
  // Invalidate the previous utterance first: whatever fails below, no older ticket may read the
  // engine.
  ++ticket_;
  prepared_ = false;
  HTS_Engine_set_speed(&engine_, speed);
  HTS_Engine_add_half_tone(&engine_, half_tones);
  label_ptrs_.clear();
  // The label loader only reads the strings (it copies them), whatever its char** signature says.
  for (const std::string& label : labels) label_ptrs_.push_back(const_cast<char*>(label.c_str()));
  // _from_strings refreshes the engine first, freeing the previous utterance's buffers.
  if (HTS_Engine_generate_state_sequence_from_strings(&engine_, label_ptrs_.data(),
                                                      label_ptrs_.size()) != TRUE) {
    HTS_Engine_refresh(&engine_);
    return Status(StatusCode::kDataError, "the HTS engine rejected the labels of this text");
  }
  if (HTS_Engine_generate_parameter_sequence(&engine_) != TRUE) {
    HTS_Engine_refresh(&engine_);
    return Status(StatusCode::kDataError,
                  "the HTS engine could not generate parameters for this text");
  }
  prepared_ = true;
  return ticket_;
}

void HtsVoice::release(uint64_t ticket) {
  if (!holds(ticket)) return;
  HTS_Engine_refresh(&engine_);
  prepared_ = false;
}

}  // namespace stream_tts
