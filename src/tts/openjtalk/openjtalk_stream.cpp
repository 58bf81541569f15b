#include "tts/openjtalk/openjtalk_stream.h"

#include <algorithm>
#include <utility>

namespace stream_tts {

OpenJTalkStream::OpenJTalkStream(std::shared_ptr<TextAnalyzer> analyzer,
                                 std::shared_ptr<HtsVoice> voice, std::vector<std::string> pieces,
                                 const UtteranceSettings& settings)
    : analyzer_(std::move(analyzer)),
      voice_(std::move(voice)),
      pieces_(std::move(pieces)),
      settings_(settings),
      scale_(static_cast<double>(settings.gain) / 32768.0) {}

Result<std::unique_ptr<SynthesisStream>> OpenJTalkStream::start(
    std::shared_ptr<TextAnalyzer> analyzer, std::shared_ptr<HtsVoice> voice,
    std::vector<std::string> pieces, const UtteranceSettings& settings) {
  std::unique_ptr<OpenJTalkStream> stream(
      new OpenJTalkStream(std::move(analyzer), std::move(voice), std::move(pieces), settings));
  Status last_skip(StatusCode::kDataError, "nothing to say: the text is empty");
  Status s = stream->prepare_next_piece(&last_skip);
  if (s.code() == StatusCode::kEndOfStream) return last_skip;
  if (!s) return s;
  return std::unique_ptr<SynthesisStream>(std::move(stream));
}

OpenJTalkStream::~OpenJTalkStream() {
  finish_piece();
}

void OpenJTalkStream::finish_piece() {
  vocoder_.reset();          // it reads the engine's parameters: gone before they are freed
  voice_->release(ticket_);  // a no-op when a newer stream holds the engine
}

Status OpenJTalkStream::prepare_next_piece(Status* last_skip) {
  while (next_piece_ < pieces_.size()) {
    const std::string& piece = pieces_[next_piece_++];
    Status s = analyzer_->analyze(piece, &labels_);
    if (s.code() == StatusCode::kDataError) {
      *last_skip = s;
      continue;
    }
    if (!s) return s;
    Result<uint64_t> ticket = voice_->prepare(labels_, settings_.rate, settings_.pitch);
    if (!ticket) return ticket.status();
    ticket_ = *ticket;
    Result<std::unique_ptr<FrameVocoder>> vocoder = FrameVocoder::create(voice_->engine());
    if (!vocoder) {
      voice_->release(ticket_);
      if (vocoder.status().code() != StatusCode::kDataError) return vocoder.status();
      *last_skip = vocoder.status();
      continue;
    }
    vocoder_ = std::move(*vocoder);
    return {};
  }
  return {StatusCode::kEndOfStream, "no more pieces"};
}

Status OpenJTalkStream::next(AudioChunk* chunk, std::stop_token stop) {
  if (!deferred_.is_ok()) {
    finished_ = true;
    return std::exchange(deferred_, Status());
  }
  if (finished_) return {StatusCode::kEndOfStream, "no more audio"};
  if (stop.stop_requested()) return {StatusCode::kCancelled, "synthesis cancelled"};
  if (!vocoder_ || !voice_->holds(ticket_)) {
    return {StatusCode::kCancelled, "superseded: a newer utterance started on the same voice"};
  }
  const size_t frames = first_block_ ? kFirstBlockFrames : kBlockFrames;
  first_block_ = false;
  vocoder_->synthesize(frames, &raw_);
  samples_.resize(raw_.size());
  // Scale in double, then round to float and clamp: what converting the whole-utterance output
  // gives.
  std::transform(raw_.begin(), raw_.end(), samples_.begin(), [this](double x) {
    return std::clamp(static_cast<float>(x * scale_), -1.0f, 1.0f);
  });
  chunk->samples = samples_;
  chunk->sample_rate = voice_->sample_rate();
  chunk->is_last = false;
  if (vocoder_->done()) {
    // Free this piece's parameters now, and prepare the next piece so that is_last is known here.
    finish_piece();
    Status ignored;
    Status s = prepare_next_piece(&ignored);
    if (s.code() == StatusCode::kEndOfStream) {
      chunk->is_last = true;
      finished_ = true;
    } else if (!s) {
      deferred_ = s;
    }
  }
  return {};
}

}  // namespace stream_tts
