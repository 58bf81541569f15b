// Everything the command line can set, with defaults. Filled by CLI11 in cli.cpp, checked by
// validate(), turned into components by components.cpp.
#pragma once

#include <string>
#include <vector>

#include "engine/pipeline.h"

namespace stream_tts::cli {

struct CliConfig {
  // Input
  std::string input_file;                // empty or "-" = stdin
  std::string input_format = "auto";     // auto|claude|text|jsonl
  std::string field = "text";            // jsonl field path
  size_t max_line_bytes = size_t{16} << 20;
  bool announce_tools = false;
  bool demo = false;                     // speak the bundled Japanese sample transcript
  double demo_speed = 1.0;               // replay speed of the demo (0 = as fast as possible)
  // Text
  std::string code_phrase;               // spoken for a fenced code block; empty = skip
  size_t max_sentence_bytes = 400;
  double idle_flush_ms = 1200.0;
  std::string backlog = "block";         // block|drop-oldest: when sentences come faster than speech
  size_t backlog_sentences = 1024;       // sentences waiting to be spoken before `backlog` applies
  // Translation
  std::string translate = "none";
  std::string model;
  int max_tokens = 256;
  int gpu_layers = 0;                    // layers offloaded to the GPU (CUDA builds)
  int threads = 0;                       // translator and kokoro threads; 0 = all cores
  int context_sentences = 0;             // earlier sentences given to the translator as context
  std::string draft_model;               // speculative decoding: draft model name or path; empty = off
  bool full_vocab = false;               // llama on the CPU: score every token, not the Japanese shortlist
  int draft_tokens = 4;                  // tokens drafted per target step (1..16)
  std::string src_lang = "en";           // nmt: source language (NLLB code such as eng_Latn, or en)
  std::string tgt_lang = "ja";           // nmt: target language (NLLB code such as jpn_Jpan, or ja)
  std::string device = "cpu";            // nmt: cpu|cuda (cuda without a CUDA build is an error)
  bool int8 = false;                     // nmt: int8 weights
  int beams = 1;                         // nmt: beam search width; 1 = greedy
  std::string shortlist;                 // nmt: target-vocabulary shortlist file; empty = every token
  // Speech
  std::string tts = "auto";              // auto|openjtalk|espeak|worker:NAME
  std::string voice;                     // Japanese voice (Open JTalk .htsvoice path or name; a worker's
                                         // voice or blend "a:0.7+b:0.3")
  std::string workers;                   // workers.json; empty = $XDG_CONFIG_HOME/stream-tts/workers.json
  std::string en_voice = "en-us";        // eSpeak NG voice for English
  float rate = 1.0f;
  float pitch = 0.0f;
  float volume = 1.0f;
  // Output
  std::string out = "speaker";
  std::string fallback_out;              // used when `out` cannot be opened
  int sample_rate = 0;                   // files/raw; 0 = 48000
  int buffer_ms = 20000;
  // Reporting
  std::string metrics;                   // JSONL file
  bool quiet = false;                    // no summary at exit
  std::string log_level = "info";

  // Every problem at once, one per line; empty when valid.
  std::vector<std::string> validate() const;
  PipelineOptions pipeline_options() const;
};

}  // namespace stream_tts::cli
