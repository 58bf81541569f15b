// The one place translator backends are named.
#include "translate/none/none_translator.h"
#include "translate/translator.h"

#if STREAM_TTS_HAVE_LLAMA
#include "translate/llama/llama_translator.h"
#endif
#include "translate/nmt/nmt_translator.h"

namespace stream_tts {

std::vector<std::string> translator_backends() {
  std::vector<std::string> names = {"none"};
#if STREAM_TTS_HAVE_LLAMA
  names.push_back("llama");
#endif
  names.push_back("nmt");
  return names;
}

std::unique_ptr<Translator> make_translator(const TranslatorConfig& config) {
  if (config.backend == "none" || config.backend.empty()) return std::make_unique<NoneTranslator>();
  if (config.backend == "llama") {
#if STREAM_TTS_HAVE_LLAMA
    return std::make_unique<LlamaTranslator>(config);
#else
    throw Error(
        StatusCode::kInvalidArgument,
        "translator backend 'llama' is not built in (configure with -DSTREAM_TTS_LLAMA=ON after "
        "scripts/fetch-llama.sh)");
#endif
  }
  if (config.backend == "nmt") return std::make_unique<NmtTranslator>(config);
  std::string available;
  for (const auto& n : translator_backends()) available += (available.empty() ? "" : ", ") + n;
  throw Error(StatusCode::kInvalidArgument,
              "unknown translator backend '" + config.backend + "' (available: " + available + ")");
}

}  // namespace stream_tts
