// stream-tts: speaks an LLM assistant's streamed output (Claude Code stream-json first) while it is
// still being written. See README.md for usage.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli_config.h"
#include "cmd_models.h"
#include "commands.h"
#include "core/log.h"
#include "signals.h"
#include "stream_tts/status.h"

namespace stream_tts::cli {
namespace {

void add_common_options(CLI::App& app, CliConfig& c) {
  const std::string kText = "Text";
  app.add_option("--code-phrase", c.code_phrase,
                 "Say this in place of a fenced code block (default: skip code silently)")->group(kText);
  app.add_option("--max-sentence-bytes", c.max_sentence_bytes,
                 "Cut sentences longer than this at a clause boundary")->capture_default_str()->group(kText);
  app.add_option("--idle-flush-ms", c.idle_flush_ms,
                 "Speak pending text after this long without input (ms, 0 = never)")->capture_default_str()->group(kText);
  app.add_option("--backlog", c.backlog,
                 "When sentences complete faster than they are spoken and --backlog-sentences wait: "
                 "block (stop reading the input until there is room; nothing is lost) or drop-oldest "
                 "(keep up with the text, dropping the oldest waiting sentences; counted at exit)")
      ->capture_default_str()->group(kText);
  app.add_option("--backlog-sentences", c.backlog_sentences, "Sentences that may wait to be spoken")
      ->capture_default_str()->group(kText);

  const std::string kTranslate = "Translation";
  app.add_option("--translate", c.translate,
                 "Translator backend: none (speak the text as it is), llama (a chat GGUF model, --model), "
                 "nmt (a Hugging Face NLLB/M2M100 or Marian model directory, --model DIR; docs/nmt.md)")
      ->capture_default_str()->group(kTranslate);
  app.add_option("--model", c.model,
                 "Translation model: a name from `stream-tts models list` or a .gguf path (llama), a model "
                 "directory (nmt)")->group(kTranslate);
  app.add_option("--gpu-layers", c.gpu_layers, "Layers to offload to the GPU (builds with CUDA)")
      ->capture_default_str()->group(kTranslate);
  app.add_option("--threads", c.threads, "CPU threads of the translator and of the kokoro voice (0 = all cores)")
      ->capture_default_str()->group(kTranslate);
  app.add_option("--context-sentences", c.context_sentences,
                 "Earlier sentences shown to the translator for consistent terms (0..4)")
      ->capture_default_str()->group(kTranslate);
  app.add_option("--max-tokens", c.max_tokens, "Upper bound on generated tokens per sentence")
      ->capture_default_str()->group(kTranslate);
  app.add_option("--draft-model", c.draft_model,
                 "Speculative decoding: a small model of the same family (same vocabulary) drafts tokens "
                 "that --model checks in one batch; same output, pays on GPUs when most drafts are accepted")
      ->group(kTranslate);
  app.add_option("--draft-tokens", c.draft_tokens, "Tokens drafted per step with --draft-model (1..16)")
      ->capture_default_str()->group(kTranslate);
  app.add_flag("--full-vocab", c.full_vocab,
               "llama on the CPU: score every vocabulary token at each step (by default only the tokens "
               "Japanese text is written with and the sentence's own tokens: about 1/5 less work a token)")
      ->group(kTranslate);
  app.add_option("--src", c.src_lang, "nmt: source language (NLLB code such as eng_Latn; en works too)")
      ->capture_default_str()->group(kTranslate);
  app.add_option("--tgt", c.tgt_lang, "nmt: target language (NLLB code such as jpn_Jpan; ja works too)")
      ->capture_default_str()->group(kTranslate);
  app.add_option("--device", c.device, "nmt: cpu or cuda (cuda needs a CUDA build; never falls back)")
      ->capture_default_str()->group(kTranslate);
  app.add_flag("--int8", c.int8, "nmt: int8 weights (per-row symmetric) with int8 products")->group(kTranslate);
  app.add_option("--beams", c.beams, "nmt: beam search width (1 = greedy; as transformers' num_beams)")
      ->capture_default_str()->group(kTranslate);
  app.add_option("--shortlist", c.shortlist,
                 "nmt: target-vocabulary shortlist, one SentencePiece piece a line (docs/nmt.md); the output "
                 "uses only those, the sentence's own tokens and the special tokens")
      ->group(kTranslate);

  const std::string kSpeech = "Speech";
  app.add_option("--tts", c.tts,
                 "Voice backend: auto (Japanese -> openjtalk, English -> espeak), openjtalk, "
                 "kokoro (native Kokoro-82M neural voice, CPU; stream-tts models install kokoro-ja "
                 "kokoro-ja-g2p), espeak, worker:NAME (an external worker process, e.g. "
                 "worker:kokoro-ja; see --workers)")
      ->capture_default_str()->group(kSpeech);
  app.add_option("--voice", c.voice,
                 "Japanese voice: path to an .htsvoice file (default: the Debian voice); with kokoro or "
                 "worker:NAME a voice (`stream-tts voices`) or a blend such as jf_alpha:0.7,jm_kumo:0.3")
      ->group(kSpeech);
  app.add_option("--workers", c.workers,
                 "Worker definitions (JSON, docs/worker-protocol.md; default: "
                 "$XDG_CONFIG_HOME/stream-tts/workers.json when it exists, plus built-in kokoro-ja)")
      ->group(kSpeech);
  app.add_option("--en-voice", c.en_voice, "eSpeak NG voice for English text")->capture_default_str()->group(kSpeech);
  app.add_option("--rate", c.rate, "Speaking rate factor (0.25..4)")->capture_default_str()->group(kSpeech);
  app.add_option("--pitch", c.pitch, "Pitch shift in semitones (-12..12)")->capture_default_str()->group(kSpeech);
  app.add_option("--volume", c.volume, "Linear gain (0..4)")->capture_default_str()->group(kSpeech);

  const std::string kOutput = "Output";
  app.add_option("--out,-o", c.out,
                 "speaker[:DEVICE] (name substring or index from `stream-tts devices`), wav:FILE, "
                 "raw (signed 16-bit little-endian mono PCM on stdout at --sample-rate), null")
      ->capture_default_str()->group(kOutput);
  app.add_option("--fallback-out", c.fallback_out, "Output to use when --out cannot be opened, e.g. wav:out.wav")
      ->group(kOutput);
  app.add_option("--sample-rate", c.sample_rate, "Sample rate of wav/raw/null output (default 48000)")
      ->group(kOutput);
  app.add_option("--buffer-ms", c.buffer_ms, "Speaker playback buffer (ms)")->capture_default_str()->group(kOutput);

  const std::string kReport = "Reporting";
  app.add_option("--metrics", c.metrics, "Write one JSON object per sentence (timestamps, latency) to FILE")
      ->group(kReport);
  app.add_flag("--quiet,-q", c.quiet, "Do not print the latency summary at exit")->group(kReport);
  app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str()->group(kReport);
}

int main_impl(int argc, char** argv) {
  static std::stop_source stop;  // static: the signal thread may outlive main_impl()
  watch_signals(&stop);

  CliConfig c;
  CLI::App app{
      "stream-tts: speak an LLM assistant's streamed output, sentence by sentence, while it is written.\n"
      "  claude -p \"...\" --output-format stream-json --verbose --include-partial-messages | stream-tts\n"
      "  stream-tts say \"今日はいい天気ですね。\"     echo Hello. | stream-tts --input text\n",
      "stream-tts"};
  app.set_version_flag("--version", "stream-tts 0.1.0");
  app.require_subcommand(0, 1);
  app.add_option("FILE", c.input_file, "Input file (default: stdin)");
  app.add_option("--input,-i", c.input_format, "Input format: auto, claude (stream-json), text, jsonl")
      ->capture_default_str()->group("Input");
  app.add_option("--field", c.field, "JSONL: dotted path of the text field, e.g. message.text")
      ->capture_default_str()->group("Input");
  app.add_option("--max-line-bytes", c.max_line_bytes, "Skip input lines longer than this")
      ->capture_default_str()->group("Input");
  app.add_flag("--announce-tools", c.announce_tools, "Claude: say the name of each tool the assistant calls")
      ->group("Input");
  app.add_flag("--demo", c.demo, "Speak the bundled sample transcript (a Claude Code session in Japanese)")
      ->group("Input");
  app.add_option("--demo-speed", c.demo_speed, "Replay speed of --demo (1 = realistic pacing, 0 = at once)")
      ->capture_default_str()->group("Input");
  add_common_options(app, c);

  std::vector<std::string> say_words;
  auto* say = app.add_subcommand("say", "Speak the given text");
  say->add_option("TEXT", say_words, "Text to speak")->required();
  say->fallthrough();
  auto* translate = app.add_subcommand("translate", "Translate stdin, one sentence per line, to stdout");
  translate->fallthrough();
  auto* devices = app.add_subcommand("devices", "List audio output devices");
  auto* voices = app.add_subcommand("voices", "List the voices of every speech backend and worker");
  voices->fallthrough();  // --workers FILE
  ModelsCommand models(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every real parse error is a usage error (2).
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  auto problems = c.validate();
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << "stream-tts: " << p << "\n";
    std::cerr << "Run with --help for more information.\n";
    return kExitUsage;
  }
  log::Level level;
  log::parse_level(c.log_level, &level);
  log::set_level(level);

  try {
    if (models.selected()) return models.run(stop.get_token());
    if (*say) return run_say(c, say_words, stop.get_token());
    if (*translate) return run_translate(c, stop.get_token());
    if (*devices) return run_devices();
    if (*voices) return run_voices(c);
    return run_speak(c, stop.get_token());
  } catch (const Error& e) {
    log::error("{}", e.what());
    return e.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  } catch (const std::exception& e) {
    log::error("unexpected failure: {}", e.what());
    return kExitFailure;
  }
}

}  // namespace
}  // namespace stream_tts::cli

int main(int argc, char** argv) { return stream_tts::cli::main_impl(argc, argv); }
