// The nmt backend's architecture reader (src/translate/nmt/nmt_config.h, parse_nmt_config; the model
// loader reads config.json and generation_config.json and calls it). A rejected pair throws
// Error(kDataError) and nothing else; an accepted one describes a network that can be built (positive
// sizes, heads dividing d_model) and every token id generation uses (pad, eos, decoder start, forced
// BOS/EOS, bad_words_ids) lies inside the decoder vocabulary, with max_length >= 1. Parsing the same
// text again gives the same configuration.
//
// Input: u32 length n, then config.json (the payload's first n bytes, n taken modulo its size + 1),
// then generation_config.json (the rest; empty = no such file).
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "stream_tts/status.h"
#include "translate/nmt/nmt_config.h"

namespace {

using stream_tts::NmtConfig;

bool same(const NmtConfig& a, const NmtConfig& b) {
  return a.arch == b.arch && a.model_type == b.model_type && a.d_model == b.d_model &&
         a.encoder_layers == b.encoder_layers && a.decoder_layers == b.decoder_layers &&
         a.encoder_heads == b.encoder_heads && a.decoder_heads == b.decoder_heads &&
         a.encoder_ffn_dim == b.encoder_ffn_dim && a.decoder_ffn_dim == b.decoder_ffn_dim &&
         a.vocab_size == b.vocab_size && a.decoder_vocab_size == b.decoder_vocab_size &&
         a.max_position_embeddings == b.max_position_embeddings && a.pad_token_id == b.pad_token_id &&
         a.eos_token_id == b.eos_token_id && a.decoder_start_token_id == b.decoder_start_token_id &&
         a.forced_bos_token_id == b.forced_bos_token_id && a.forced_eos_token_id == b.forced_eos_token_id &&
         a.suppressed_token_ids == b.suppressed_token_ids && a.max_length == b.max_length &&
         a.early_stopping == b.early_stopping && a.activation == b.activation;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stream_tts;
  namespace fz = stream_tts::fuzz;
  fz::Params params(data, size, 4);
  const uint32_t n = params.u32();
  const std::string_view payload = params.payload();
  const size_t cut = n % (payload.size() + 1);
  const std::string config(payload.substr(0, cut));
  const std::string generation(payload.substr(cut));
  NmtConfig c;
  try {
    c = parse_nmt_config(config, generation, "model");
  } catch (const Error& e) {
    fz::check(e.status().code() == StatusCode::kDataError, "nmt_config: a bad file is kDataError", "", e.what());
    return 0;
  } catch (const std::exception& e) {
    fz::fail("nmt_config: a bad file throws only stream_tts::Error", "", e.what());
  }
  fz::check(c.model_type == "m2m_100" || c.model_type == "nllb" || c.model_type == "marian",
            "nmt_config: only supported architectures are accepted", "", c.model_type);
  fz::check(c.d_model > 0 && c.encoder_layers > 0 && c.decoder_layers > 0 && c.encoder_heads > 0 &&
                c.decoder_heads > 0 && c.encoder_ffn_dim > 0 && c.decoder_ffn_dim > 0 && c.vocab_size > 0 &&
                c.decoder_vocab_size > 0 && c.max_position_embeddings > 0,
            "nmt_config: sizes are positive");
  fz::check(c.d_model % c.encoder_heads == 0 && c.d_model % c.decoder_heads == 0,
            "nmt_config: heads divide d_model");
  const auto in_vocab = [&](int id) { return id >= 0 && id < c.decoder_vocab_size; };
  fz::check(in_vocab(c.pad_token_id) && in_vocab(c.eos_token_id) && in_vocab(c.decoder_start_token_id),
            "nmt_config: pad, eos and decoder start are inside the decoder vocabulary");
  fz::check(!c.forced_bos_token_id || in_vocab(*c.forced_bos_token_id), "nmt_config: forced BOS in the vocabulary");
  fz::check(!c.forced_eos_token_id || in_vocab(*c.forced_eos_token_id), "nmt_config: forced EOS in the vocabulary");
  for (int id : c.suppressed_token_ids) fz::check(in_vocab(id), "nmt_config: bad_words_ids in the vocabulary");
  fz::check(c.max_length >= 1, "nmt_config: max_length is positive");
  fz::check(same(c, parse_nmt_config(config, generation, "model")), "nmt_config: parsing is deterministic");
  return 0;
}
