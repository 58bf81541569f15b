// The translation prompt: instruction, few-shot pairs, optional context turns, and the split into a
// fixed prefix (evaluated once per session; its KV cache is reused) and a per-sentence suffix.
// Pure: no model needed (templates render through llama.cpp's model-free renderer).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stream_tts/status.h"
#include "translate/llama/chat_template.h"

namespace stream_tts::llama {

struct TranslationPair {
  std::string source;  // English
  std::string target;  // Japanese
};

struct PromptOptions {
  // The instruction (system turn).
  std::string system = default_system_prompt();
  // Few-shot turns after the instruction.
  std::vector<TranslationPair> examples = default_examples();

  static std::string default_system_prompt();
  static std::vector<TranslationPair> default_examples();
};

class PromptBuilder {
 public:
  // Throws Error(kInvalidArgument) when `chat_template` cannot be rendered.
  explicit PromptBuilder(std::string chat_template, PromptOptions options = {});

  const std::string& chat_template() const { return template_; }
  // System turn + few-shot turns + the opening of the next user turn (the part every sentence's
  // prompt starts with, up to the sentence's text). Only the turns when the template renders the
  // opening otherwise; empty when it does not render a conversation's start as a prefix of the
  // longer conversation (then nothing can be cached and suffix() is the whole prompt).
  const std::string& prefix() const { return prefix_; }
  // What follows prefix() for one sentence: the context turns (earlier sentences and their
  // translations, oldest first), the sentence's user turn (from its text on, when prefix() holds the
  // opening) and the opening of the assistant's turn.
  Result<std::string> suffix(std::span<const TranslationPair> context,
                             std::string_view sentence) const;

 private:
  std::vector<ChatMessage> prefix_messages() const;
  void extend_prefix_to_the_sentence();

  std::string template_;
  PromptOptions options_;
  std::string prefix_;
};

// Upper bound on generated tokens for a sentence of `input_tokens` tokens: Japanese takes about as
// many tokens as English in these vocabularies, so 3x leaves room for a verbose but sane answer
// while a runaway (repetition, notes) is cut early. Capped by `max_tokens`; never below 1.
int output_token_bound(int input_tokens, int max_tokens);

}  // namespace stream_tts::llama
