#include "cli_config.h"

#include <cmath>

#include "core/log.h"

namespace stream_tts::cli {

std::vector<std::string> CliConfig::validate() const {
  std::vector<std::string> problems;
  InputFormat format;
  if (!parse_input_format(input_format, &format)) {
    problems.push_back("--input must be auto, claude, text or jsonl (got '" + input_format + "')");
  }
  const bool worker_tts = tts.rfind("worker:", 0) == 0 && tts.size() > 7;
  if (tts != "auto" && tts != "openjtalk" && tts != "kokoro" && tts != "espeak" && !worker_tts) {
    problems.push_back("--tts must be auto, openjtalk, kokoro, espeak or worker:NAME (got '" + tts + "')");
  }
  if (!(rate >= 0.25f && rate <= 4.0f)) problems.push_back("--rate must be within 0.25..4");
  if (!(std::fabs(pitch) <= 12.0f)) problems.push_back("--pitch must be within -12..12 semitones");
  if (!(volume >= 0.0f && volume <= 4.0f)) problems.push_back("--volume must be within 0..4");
  if (sample_rate != 0 && (sample_rate < 8000 || sample_rate > 192000)) {
    problems.push_back("--sample-rate must be within 8000..192000");
  }
  if (buffer_ms < 100) problems.push_back("--buffer-ms must be at least 100");
  if (max_line_bytes < 1024) problems.push_back("--max-line-bytes must be at least 1024");
  if (max_sentence_bytes < 16) problems.push_back("--max-sentence-bytes must be at least 16");
  if (max_tokens < 1) problems.push_back("--max-tokens must be positive");
  if (gpu_layers < 0) problems.push_back("--gpu-layers must be >= 0");
  if (threads < 0) problems.push_back("--threads must be >= 0");
  if (context_sentences < 0 || context_sentences > 4) problems.push_back("--context-sentences must be 0..4");
  if (draft_tokens < 1 || draft_tokens > 16) problems.push_back("--draft-tokens must be 1..16");
  if (full_vocab && translate != "llama") problems.push_back("--full-vocab needs --translate llama");
  if (!draft_model.empty() && translate != "llama")
    problems.push_back("--draft-model needs --translate llama");
  if (device != "cpu" && device != "cuda") problems.push_back("--device must be cpu or cuda (got '" + device + "')");
  if (int8 && translate != "nmt") problems.push_back("--int8 needs --translate nmt");
  if (beams < 1 || beams > 16) problems.push_back("--beams must be 1..16");
  if (beams > 1 && translate != "nmt") problems.push_back("--beams needs --translate nmt");
  if (!shortlist.empty() && translate != "nmt") problems.push_back("--shortlist needs --translate nmt");
  if (device == "cuda" && translate != "nmt") {
    problems.push_back("--device applies to --translate nmt (llama offloads with --gpu-layers)");
  }
  if (translate == "nmt" && model.empty()) problems.push_back("--translate nmt needs --model DIR");
  BacklogPolicy policy;
  if (!parse_backlog_policy(backlog, &policy)) {
    problems.push_back("--backlog must be block or drop-oldest (got '" + backlog + "')");
  }
  if (backlog_sentences < 1 || backlog_sentences > 1000000) {
    problems.push_back("--backlog-sentences must be within 1..1000000");
  }
  if (demo_speed < 0) problems.push_back("--demo-speed must be >= 0");
  log::Level level;
  if (!log::parse_level(log_level, &level)) {
    problems.push_back("--log-level must be trace, debug, info, warn, error or off");
  }
  if (demo && !input_file.empty()) problems.push_back("--demo and an input FILE exclude each other");
  return problems;
}

PipelineOptions CliConfig::pipeline_options() const {
  PipelineOptions o;
  parse_input_format(input_format, &o.input.format);
  o.input.field_path = field;
  o.input.max_line_bytes = max_line_bytes;
  o.input.announce_tools = announce_tools;
  o.cleaner.code_block_phrase = code_phrase;
  o.segmenter.max_bytes = max_sentence_bytes;
  o.segmenter.idle_flush_ms = idle_flush_ms;
  parse_backlog_policy(backlog, &o.backlog);
  o.sentence_queue = backlog_sentences;
  o.synthesis.rate = rate;
  o.synthesis.pitch = pitch;
  o.synthesis.volume = volume;
  return o;
}

}  // namespace stream_tts::cli
