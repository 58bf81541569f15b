// Speculative greedy decoding: a small draft model of the same family (same vocabulary) proposes a few
// tokens, the target model checks them all in one batch, and the longest agreeing run is kept plus the
// target's own next token. The output is the target's greedy output; what changes is how many target
// steps it takes. Both sessions hold the same prompt prefix.
#pragma once

#include <stop_token>
#include <string>
#include <string_view>

#include "stream_tts/status.h"
#include "translate/llama/llama_session.h"

namespace stream_tts::llama {

// Empty when `draft` can draft for `target` (same vocabulary, caches that can drop positions), else
// why not.
std::string speculative_incompatibility(const LlamaSession& target, const LlamaSession& draft);

// Like LlamaSession::generate, with up to `draft_tokens` (1..16) drafted tokens per target step.
Result<Generation> generate_speculative(LlamaSession& target, LlamaSession& draft,
                                        std::string_view suffix, const GenerateOptions& options,
                                        int draft_tokens, std::stop_token stop);

}  // namespace stream_tts::llama
