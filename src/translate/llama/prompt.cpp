#include "translate/llama/prompt.h"

#include <algorithm>
#include <utility>

namespace stream_tts::llama {
namespace {

std::string_view trim_space(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

}  // namespace

std::string PromptOptions::default_system_prompt() {
  // Short on purpose: measured on held-out Tatoeba sentences (README "Models"), the long
  // coding-assistant instruction this replaces (desu/masu style, no notes, no romaji, backtick
  // rules; 291 prefix tokens with its 4 coding examples) scored lower than this one with the
  // examples below, and every prefix token costs attention in each step. "Copy ... exactly" keeps
  // the words a listener must recognise (identifiers, commands) in their original form; small
  // models otherwise transliterate them into katakana or translate their parts.
  return "Translate the user's English text into natural Japanese that will be read aloud. Reply "
         "with the Japanese translation only. Copy code, file names, commands, URLs, numbers and "
         "product names exactly as written.";
}

std::vector<TranslationPair> PromptOptions::default_examples() {
  // Everyday sentences as well as coding prose: with coding examples only, the models translated
  // everyday English worse (BLEU 11.3 against 13.9 on the tuning sentences 100-299 of the dev
  // data, qwen2.5-coder-1.5b); a second coding example (a command and a quantity with its unit)
  // lowered it again (12.5). One example keeps a backticked identifier, with its backticks.
  return {
      {"It rained all day yesterday, so we stayed at home.",
       "昨日は一日中雨が降っていたので、私たちは家にいた。"},
      {"I found the bug: `parse_config` returns None when the file is empty.",
       "バグを見つけました。ファイルが空のとき、`parse_config` が None を返します。"},
      {"Could you tell me where the station is?", "駅はどこか教えていただけますか？"},
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
  extend_prefix_to_the_sentence();
}

void PromptBuilder::extend_prefix_to_the_sentence() {
  // The opening of the sentence's turn ("<|im_start|>user\n", "<start_of_turn>user\n") is the same
  // for every sentence: cached with the prefix, it is not evaluated again per sentence (3 tokens of
  // about 25 that a short sentence's prompt costs; llama-cpp-python reuses them the same way, as the
  // common start of consecutive prompts). The prefix then ends where the first user text after the
  // examples begins: the sentence, or the oldest context turn, whose opening is the same. Found by
  // rendering two different sentences (and one with a context turn) and keeping what they share;
  // left at the turn boundary when the template does not render them that way.
  // Tokens do not change at the cut: the opening ends with a newline, and the tokenizers of these
  // models split at a newline (checked for the packaged models over the dev sentences: the same
  // tokens whether the prompt is tokenized whole or as prefix + suffix).
  auto render = [&](std::span<const TranslationPair> context, const std::string& sentence) {
    auto msgs = prefix_messages();
    for (const auto& c : context) {
      msgs.push_back({"user", c.source});
      msgs.push_back({"assistant", c.target});
    }
    msgs.push_back({"user", sentence});
    return apply_chat_template(template_, msgs, true);
  };
  const std::string a_text = "Alpha one.", b_text = "Beta two.";
  const std::vector<TranslationPair> context = {{"Gamma three.", "ガンマ。"}};
  auto a = render({}, a_text);
  auto b = render({}, b_text);
  auto c = render(context, a_text);
  if (!a || !b || !c) return;
  size_t n = 0;
  while (n < a->size() && n < b->size() && (*a)[n] == (*b)[n]) ++n;
  if (n <= prefix_.size() || a->compare(0, prefix_.size(), prefix_) != 0) return;
  if (a->compare(n, a_text.size(), a_text) != 0 || b->compare(n, b_text.size(), b_text) != 0) return;
  if (c->compare(0, n, *a, 0, n) != 0 || c->compare(n, context[0].source.size(), context[0].source) != 0)
    return;
  prefix_ = a->substr(0, n);
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
  // Whitespace around a sentence means nothing to its translation, and a leading newline would merge
  // with the newline that ends the cached turn opening into one token (Qwen's tokenizer does that),
  // so that the prefix's tokens would no longer be a prefix of the prompt's.
  auto msgs = prefix_messages();
  for (const auto& c : context) {
    msgs.push_back({"user", std::string(trim_space(c.source))});
    msgs.push_back({"assistant", c.target});
  }
  msgs.push_back({"user", std::string(trim_space(sentence))});
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
