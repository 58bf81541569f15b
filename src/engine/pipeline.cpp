#include "engine/pipeline.h"

#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "core/bounded_queue.h"
#include "core/clock.h"
#include "core/log.h"
#include "engine/text_stage.h"

namespace stream_tts {

// The state of one run: queues and worker threads. Stages:
//   caller thread: source -> TextStage -> sentences_
//   translate thread: sentences_ -> translator -> utterances_
//   audio thread: utterances_ -> synthesizer -> resampler -> sink, metrics
class Pipeline::Run {
 public:
  Run(Pipeline& p, std::stop_token stop)
      : p_(p),
        stop_(std::move(stop)),
        sentences_(p.options_.sentence_queue),
        utterances_(p.options_.utterance_queue),
        text_(p.options_.cleaner, p.options_.segmenter) {}

  Status read_fd(int fd);
  Status read_text(std::string_view text);
  RunReport report() const { return {next_id_, dropped_}; }

 private:
  void emit(std::vector<SegmentedSentence>* segmented);
  void start_workers();
  Status finish(Status input_status);
  void translate_loop();
  void audio_loop();
  Status speak(Utterance& u, SentenceRecord* record);
  bool stopping() const { return stop_.stop_requested() || failed_.load(); }

  Pipeline& p_;
  std::stop_token stop_;
  BoundedQueue<Sentence> sentences_;
  BoundedQueue<Utterance> utterances_;
  TextStage text_;
  uint64_t next_id_ = 0;
  uint64_t dropped_ = 0;         // reader thread
  bool reported_full_ = false;   // reader thread: the first wait on a full queue was logged
  std::jthread translate_thread_;
  std::jthread audio_thread_;
  std::map<int, std::unique_ptr<Resampler>> resamplers_;  // by input rate; audio thread only
  std::vector<float> resampled_;
  std::atomic<bool> failed_{false};
  Status audio_status_;  // written by the audio thread, read after join
};

void Pipeline::Run::emit(std::vector<SegmentedSentence>* segmented) {
  const double now = now_ms();
  for (auto& s : *segmented) {
    Sentence sentence;
    sentence.id = next_id_++;
    sentence.text = std::move(s.text);
    sentence.times.complete_ms = s.complete_ms;
    sentence.times.segmented_ms = now;
    log::debug("sentence {}: {}", sentence.id, sentence.text);
    if (p_.options_.backlog == BacklogPolicy::kBlock) {
      if (!reported_full_ && sentences_.size() >= p_.options_.sentence_queue) {
        reported_full_ = true;
        log::debug("{} sentences wait to be spoken: reading paused until speech catches up (reported once)",
                   p_.options_.sentence_queue);
      }
      sentences_.push(std::move(sentence));  // blocks while full: backpressure on the reader
      continue;
    }
    std::optional<Sentence> dropped;
    sentences_.push_dropping_oldest(std::move(sentence), &dropped);
    if (dropped) {
      if (dropped_++ == 0) {
        log::warn("speech is {} sentences behind the text; dropping the oldest waiting ones "
                  "(--backlog drop-oldest; the count is reported at the end)",
                  p_.options_.sentence_queue);
      }
      log::debug("sentence {} dropped (backlog full): {}", dropped->id, dropped->text);
    }
  }
  segmented->clear();
}

void Pipeline::Run::start_workers() {
  translate_thread_ = std::jthread([this] { translate_loop(); });
  audio_thread_ = std::jthread([this] { audio_loop(); });
}

Status Pipeline::Run::read_fd(int fd) {
  start_workers();
  auto adapter = make_input_adapter(p_.options_.input);
  LineReader reader(fd, p_.options_.input.max_line_bytes);
  std::vector<LineReader::Line> lines;
  std::vector<TextEvent> events;
  std::vector<SegmentedSentence> segmented;
  Status status;
  // Short waits keep Ctrl-C and the idle-flush rule responsive without busy looping.
  constexpr int kPollMs = 20;
  while (!stopping()) {
    lines.clear();
    status = reader.read(kPollMs, &lines);
    for (const auto& line : lines) {
      adapter->on_line(line.text, line.line_no, line.t_ms, &events);
    }
    if (status.code() == StatusCode::kEndOfStream) {
      adapter->on_end(now_ms(), &events);
    }
    for (const auto& e : events) text_.on_event(e, &segmented);
    events.clear();
    text_.poll(now_ms(), &segmented);
    emit(&segmented);
    if (status.code() == StatusCode::kEndOfStream) {
      status = {};
      break;
    }
    if (!status) break;
  }
  return finish(status);
}

Status Pipeline::Run::read_text(std::string_view text) {
  start_workers();
  std::vector<SegmentedSentence> segmented;
  const double t = now_ms();
  text_.on_event({TextEventKind::kDelta, std::string(text), t}, &segmented);
  text_.on_event({TextEventKind::kSessionEnd, {}, t}, &segmented);
  emit(&segmented);
  return finish({});
}

Status Pipeline::Run::finish(Status input_status) {
  if (stop_.stop_requested()) {
    // Cancellation: drop what is queued and what the device has not played yet.
    sentences_.clear();
    utterances_.clear();
    p_.sink_.discard();
  }
  sentences_.close();
  if (translate_thread_.joinable()) translate_thread_.join();
  utterances_.close();
  if (audio_thread_.joinable()) audio_thread_.join();
  if (!audio_status_) return audio_status_;
  if (stop_.stop_requested()) {
    p_.sink_.discard();
    return {StatusCode::kCancelled, "stopped"};
  }
  if (!input_status) return input_status;
  return p_.sink_.drain();
}

void Pipeline::Run::translate_loop() {
  const std::string target = p_.translator_.target_lang();
  while (auto sentence = sentences_.pop()) {
    if (stopping()) continue;  // drain the queue without work
    Utterance u;
    u.sentence_id = sentence->id;
    u.source = sentence->text;
    u.times = sentence->times;
    auto translated = p_.translator_.translate(sentence->text, stop_);
    // The target language names the voice only when its translation is what gets spoken; an
    // empty or failed translation speaks the source, whose language is guessed from its script.
    const bool use_translation = translated && !translated->empty();
    if (use_translation) {
      u.text = std::move(translated.value());
    } else {
      if (!translated) log::warn("sentence {}: translation failed ({}); speaking the source text",
                                 sentence->id, translated.status().to_string());
      u.text = sentence->text;
    }
    u.lang = VoiceRouter::language_of(u.text, use_translation ? target : std::string());
    u.times.translated_ms = now_ms();
    if (!utterances_.push(std::move(u))) break;
  }
}

void Pipeline::Run::audio_loop() {
  while (auto u = utterances_.pop()) {
    if (stopping()) continue;
    SentenceRecord record;
    record.id = u->sentence_id;
    record.text = u->source;
    record.translated = u->text;
    record.lang = u->lang;
    Status s = speak(*u, &record);
    // The ring running dry from here until the next sentence's first write is a pause, not an underrun.
    p_.sink_.end_utterance();
    record.times = u->times;
    if (!s && s.code() != StatusCode::kCancelled) record.error = s.to_string();
    p_.metrics_.add(std::move(record));
    if (s.code() == StatusCode::kUnavailable) {
      // The sink is gone: nothing more can be heard. Stop the run; run() returns why.
      log::debug("audio output failed: {}", s.message());
      audio_status_ = s;
      failed_.store(true);
    } else if (!s && s.code() != StatusCode::kCancelled) {
      log::warn("sentence {} not spoken: {}", u->sentence_id, s.to_string());
    }
  }
}

Status Pipeline::Run::speak(Utterance& u, SentenceRecord* record) {
  auto route = p_.voices_.route(u.lang);
  if (route.synth == nullptr) return {StatusCode::kInvalidArgument, "no voice for language " + u.lang};
  record->voice = *route.label;
  auto stream = route.synth->start(u.text, p_.options_.synthesis);
  if (!stream) return stream.status();
  const int sink_rate = p_.sink_.sample_rate();
  double audio_samples = 0;
  for (;;) {
    AudioChunk chunk;
    Status s = (*stream)->next(&chunk, stop_);
    if (s.code() == StatusCode::kEndOfStream) break;
    if (!s) return s;
    if (u.times.first_chunk_ms == 0.0) u.times.first_chunk_ms = now_ms();
    std::span<const float> out = chunk.samples;
    if (chunk.sample_rate != sink_rate) {
      auto& rs = resamplers_[chunk.sample_rate];
      if (!rs) rs = std::make_unique<Resampler>(chunk.sample_rate, sink_rate);
      resampled_.clear();
      Status r = rs->process(chunk.samples, chunk.is_last, &resampled_);
      if (!r) return r;
      if (chunk.is_last) rs->reset();
      out = resampled_;
    }
    if (!out.empty()) {
      if (u.times.first_sample_ms == 0.0) u.times.first_sample_ms = now_ms();
      Status w = p_.sink_.write(out);
      if (!w) return {StatusCode::kUnavailable, w.message()};
      audio_samples += static_cast<double>(out.size());
    }
    if (chunk.is_last) break;
  }
  u.times.done_ms = now_ms();
  record->audio_ms = audio_samples * 1000.0 / sink_rate;
  return {};
}

Pipeline::Pipeline(PipelineOptions options, Translator& translator, const VoiceRouter& voices,
                   AudioSink& sink, MetricsLog& metrics)
    : options_(std::move(options)), translator_(translator), voices_(voices), sink_(sink), metrics_(metrics) {}

Status Pipeline::run(int fd, std::stop_token stop) {
  Run run(*this, std::move(stop));
  Status s = run.read_fd(fd);
  last_run_ = run.report();
  return s;
}

Status Pipeline::run_text(std::string_view text, std::stop_token stop) {
  Run run(*this, std::move(stop));
  Status s = run.read_text(text);
  last_run_ = run.report();
  return s;
}

bool parse_backlog_policy(std::string_view name, BacklogPolicy* out) {
  if (name == "block") {
    *out = BacklogPolicy::kBlock;
    return true;
  }
  if (name == "drop-oldest") {
    *out = BacklogPolicy::kDropOldest;
    return true;
  }
  return false;
}

}  // namespace stream_tts
