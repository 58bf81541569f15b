#include "components.h"

#include "core/log.h"

namespace stream_tts::cli {

std::unique_ptr<Translator> load_translator(const CliConfig& config) {
  TranslatorConfig tc;
  tc.backend = config.translate;
  tc.model = config.model;
  tc.max_tokens = config.max_tokens;
  tc.gpu_layers = config.gpu_layers;
  tc.threads = config.threads;
  tc.context_sentences = config.context_sentences;
  tc.draft_model = config.draft_model;
  tc.full_vocab = config.full_vocab;
  tc.draft_tokens = config.draft_tokens;
  tc.source_lang = config.src_lang;
  tc.target_lang = config.tgt_lang;
  tc.device = config.device;
  tc.int8 = config.int8;
  tc.beams = config.beams;
  tc.shortlist = config.shortlist;
  return make_translator(tc);
}

Voices load_voices(const CliConfig& config) {
  Voices v;
  auto add = [&](const std::string& lang, const std::string& backend, const std::string& voice) {
    SynthesizerConfig sc;
    sc.backend = backend;
    sc.voice = voice;
    sc.threads = config.threads;
    auto synth = make_synthesizer(sc);
    std::string label = backend;
    if (!voice.empty()) label += ":" + voice;
    v.router.add(lang, synth.get(), label);
    v.synths.push_back(std::move(synth));
  };
  if (config.tts.rfind("worker:", 0) == 0) {
    // An explicit worker speaks everything (like --tts openjtalk); it serves the languages it names.
    SynthesizerConfig sc;
    sc.backend = config.tts;
    sc.voice = config.voice;
    sc.workers_file = config.workers;
    auto synth = make_synthesizer(sc);
    std::string label = config.tts;
    if (!config.voice.empty()) label += ":" + config.voice;
    std::vector<std::string> langs = synth->languages();
    if (langs.empty()) langs.push_back("ja");
    for (const auto& lang : langs) v.router.add(lang, synth.get(), label);
    v.synths.push_back(std::move(synth));
  } else if (config.tts == "espeak") {
    add("en", "espeak", config.en_voice);
  } else if (config.tts == "openjtalk") {
    add("ja", "openjtalk", config.voice);
  } else if (config.tts == "kokoro") {
    // Native Kokoro-82M speaks Japanese; English text (untranslated) goes to eSpeak NG.
    add("ja", "kokoro", config.voice);
    add("en", "espeak", config.en_voice);
  } else {
    // auto: Japanese with Open JTalk, English with eSpeak NG (the first added is the fallback).
    add("ja", "openjtalk", config.voice);
    add("en", "espeak", config.en_voice);
  }
  return v;
}

std::unique_ptr<AudioSink> open_output(const CliConfig& config) {
  SinkOptions so;
  so.sample_rate = config.sample_rate;
  so.buffer_ms = config.buffer_ms;
  auto sink = open_sink(config.out, so);
  if (sink) return std::move(sink.value());
  if (config.fallback_out.empty()) throw Error(sink.status());
  log::warn("cannot open --out {}: {}; writing to {} instead", config.out, sink.status().message(),
            config.fallback_out);
  auto fallback = open_sink(config.fallback_out, so);
  if (!fallback) throw Error(fallback.status());
  return std::move(fallback.value());
}

}  // namespace stream_tts::cli
