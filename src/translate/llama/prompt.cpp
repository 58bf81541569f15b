#include "translate/llama/prompt.h"

#include <algorithm>
#include <utility>

namespace stream_tts::llama {

std::string PromptOptions::default_system_prompt() {
  // Written for coding-assistant prose that is read aloud. "Copy ... exactly" keeps the words a
  // listener must recognise (identifiers, commands) in their original form; small models otherwise
  // transliterate them into katakana or translate their parts.
  return "You translate English text written by a programming assistant into natural, polite "
         "Japanese "
         "(desu/masu style) that will be read aloud. Reply with the Japanese translation only: no "
         "explanations, no notes, no quotation marks, no romaji. Copy code identifiers, file "
         "names, "
         "commands, URLs, version numbers, numbers with units and product names exactly as "
         "written, in "
         "Latin letters. Text inside backticks is code: copy it unchanged, with its backticks.";
}

std::vector<TranslationPair> PromptOptions::default_examples() {
  // One example per rule of the instruction: a backticked identifier, a command and a quantity with
  // its unit, a file and a product name, a URL and a version.
  return {
      {"I found the bug: `parse_config` returns None when the file is empty.",
       "バグを見つけました。ファイルが空のとき、`parse_config` が None を返します。"},
      {"Run npm test again; the cache now uses 512 MB of memory.",
       "もう一度 npm test を実行してください。キャッシュは現在 512 MB のメモリを使っています。"},
      {"Next, I'll update README.md and push the changes to GitHub.",
       "次に README.md を更新して、変更を GitHub にプッシュします。"},
      {"See https://docs.python.org/3/ for the details of Python 3.12.",
       "Python 3.12 の詳細は https://docs.python.org/3/ を参照してください。"},
  };
}

PromptBuilder::PromptBuilder(std::string chat_template, PromptOptions options)
    : template_(std::move(chat_template)), options_(std::move(options)) {
  auto msgs = prefix_messages();
  auto prefix = apply_chat_template(template_, msgs, false);
  if (!prefix) throw Error(prefix.status());
  // Some formats hold the system text back until the first user turn (Gemma merges it there): the
  // prefix is only usable when a longer conversation starts with exactly the same text.
  msgs.push_back({"user", "probe"});
  auto full = apply_chat_template(template_, msgs, true);
  if (!full) throw Error(full.status());
  if (full->compare(0, prefix->size(), *prefix) == 0) prefix_ = std::move(prefix.value());
}

std::vector<ChatMessage> PromptBuilder::prefix_messages() const {
  std::vector<ChatMessage> msgs;
  if (!options_.system.empty()) msgs.push_back({"system", options_.system});
  for (const auto& ex : options_.examples) {
    msgs.push_back({"user", ex.source});
    msgs.push_back({"assistant", ex.target});
  }
  return msgs;
}

Result<std::string> PromptBuilder::suffix(std::span<const TranslationPair> context,
                                          std::string_view sentence) const {
  auto msgs = prefix_messages();
  for (const auto& c : context) {
    msgs.push_back({"user", c.source});
    msgs.push_back({"assistant", c.target});
  }
  msgs.push_back({"user", std::string(sentence)});
  auto full = apply_chat_template(template_, msgs, true);
  if (!full) return full.status();
  if (full->compare(0, prefix_.size(), prefix_) != 0) {
    return Status(StatusCode::kInternal,
                  "chat template rendered a different prefix for this sentence");
  }
  return full->substr(prefix_.size());
}

int output_token_bound(int input_tokens, int max_tokens) {
  int bound = 3 * std::max(input_tokens, 0) + 16;
  return std::max(1, std::min(bound, max_tokens));
}

}  // namespace stream_tts::llama
