// The one place translator backends are named.
#include "translate/none/none_translator.h"
#include "translate/translator.h"

namespace stream_tts {

std::vector<std::string> translator_backends() { return {"none"}; }

std::unique_ptr<Translator> make_translator(const TranslatorConfig& config) {
  if (config.backend == "none" || config.backend.empty()) return std::make_unique<NoneTranslator>();
  throw Error(StatusCode::kInvalidArgument,
              "unknown translator backend '" + config.backend + "' (available: none)");
}

}  // namespace stream_tts
