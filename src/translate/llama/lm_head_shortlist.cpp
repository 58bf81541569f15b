#include "translate/llama/lm_head_shortlist.h"

#include <fcntl.h>
#include <ggml-cpu.h>
#include <ggml.h>
#include <gguf.h>
#include <llama.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/utf8.h"
#include "translate/llama/llama_model.h"

namespace stream_tts::llama {
namespace {

bool japanese_output_char(char32_t cp) {
  if (cp < 0x80) {
    // ASCII: whitespace, digits, punctuation; not letters (an English word is copied from the
    // source, whose tokens are added per sentence).
    return !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) && (cp >= 0x20 || cp == '\n' ||
                                                                       cp == '\t' || cp == '\r');
  }
  return (cp >= 0x2000 && cp <= 0x2BFF) ||   // general punctuation, symbols, arrows, shapes
         (cp >= 0x3000 && cp <= 0x30FF) ||   // CJK punctuation, hiragana, katakana
         (cp >= 0x31F0 && cp <= 0x31FF) ||   // katakana phonetic extensions
         (cp >= 0x3400 && cp <= 0x4DBF) ||   // CJK extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||   // CJK unified ideographs
         (cp >= 0xF900 && cp <= 0xFAFF) ||   // CJK compatibility ideographs
         (cp >= 0xFF00 && cp <= 0xFFEF) ||   // full- and half-width forms
         cp == 0x00B7 || cp == 0x00D7;       // middle dot, multiplication sign
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

bool is_japanese_output_piece(std::string_view piece) {
  if (piece.empty()) return false;
  // A piece of a multi-byte character (byte-level BPE vocabularies split rare kanji into bytes):
  // allowed, since a Japanese character may need it.
  if (!utf8::is_valid(piece)) return true;
  size_t pos = 0;
  while (pos < piece.size()) {
    if (!japanese_output_char(utf8::decode(piece, &pos))) return false;
  }
  return true;
}

std::unique_ptr<LmHeadShortlist> LmHeadShortlist::create(const std::string& path,
                                                         const llama_model* model,
                                                         std::string* why) {
  auto fail = [&](const std::string& reason) {
    if (why != nullptr) *why = reason;
    return std::unique_ptr<LmHeadShortlist>();
  };
  ggml_context* meta = nullptr;
  gguf_init_params params{true, &meta};
  gguf_context* gguf = gguf_init_from_file(path.c_str(), params);
  if (gguf == nullptr) return fail("cannot read the GGUF header of " + path);
  struct Closer {
    gguf_context* g;
    ggml_context* m;
    ~Closer() {
      gguf_free(g);
      if (m != nullptr) ggml_free(m);
    }
  } closer{gguf, meta};

  if (gguf_find_tensor(gguf, "output.bias") >= 0) return fail("the output layer has a bias");
  int64_t id = gguf_find_tensor(gguf, "output.weight");
  const char* name = "output.weight";
  if (id < 0) {
    id = gguf_find_tensor(gguf, "token_embd.weight");
    name = "token_embd.weight";
  }
  if (id < 0) return fail("no output.weight or token_embd.weight tensor");
  const ggml_tensor* t = ggml_get_tensor(meta, name);
  if (t == nullptr) return fail(std::string("no metadata for ") + name);

  std::unique_ptr<LmHeadShortlist> s(new LmHeadShortlist());
  s->vocab_ = llama_model_get_vocab(model);
  s->n_embd_ = llama_model_n_embd(model);
  s->n_vocab_ = llama_vocab_n_tokens(s->vocab_);
  if (t->ne[0] != s->n_embd_ || t->ne[1] != s->n_vocab_ || t->ne[2] != 1)
    return fail(std::string(name) + " is not n_embd x n_vocab");
  const ggml_type_traits_cpu* traits = ggml_get_type_traits_cpu(t->type);
  if (traits == nullptr || traits->vec_dot == nullptr)
    return fail(std::string("no CPU dot kernel for ") + ggml_type_name(t->type));
  const ggml_type_traits_cpu* in_traits = ggml_get_type_traits_cpu(traits->vec_dot_type);
  if (traits->vec_dot_type != GGML_TYPE_F32 &&
      (in_traits == nullptr || in_traits->from_float == nullptr))
    return fail(std::string("no quantiser for ") + ggml_type_name(traits->vec_dot_type));
  if (s->n_embd_ % ggml_blck_size(t->type) != 0 ||
      s->n_embd_ % ggml_blck_size(traits->vec_dot_type) != 0)
    return fail("n_embd is not a whole number of blocks");
  s->type_ = t->type;
  s->vec_dot_type_ = traits->vec_dot_type;
  s->row_bytes_ = ggml_row_size(t->type, s->n_embd_);
  size_t offset = gguf_get_data_offset(gguf) + gguf_get_tensor_offset(gguf, id);
  if (t->nb[1] != s->row_bytes_) return fail(std::string(name) + " has padded rows");

  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail("cannot open " + path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 ||
      static_cast<uint64_t>(st.st_size) < offset + s->row_bytes_ * static_cast<size_t>(s->n_vocab_)) {
    ::close(fd);
    return fail(path + " is shorter than its tensor table says");
  }
  s->map_bytes_ = static_cast<size_t>(st.st_size);
  // The same file llama.cpp maps: the page cache holds it once.
  s->map_ = ::mmap(nullptr, s->map_bytes_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (s->map_ == MAP_FAILED) {
    s->map_ = nullptr;
    return fail("cannot map " + path);
  }
  s->rows_ = static_cast<const uint8_t*>(s->map_) + offset;

  s->in_base_.assign(static_cast<size_t>(s->n_vocab_), 0);
  for (llama_token tok = 0; tok < s->n_vocab_; ++tok) {
    bool keep = llama_vocab_is_eog(s->vocab_, tok) || is_japanese_output_piece(token_piece(s->vocab_, tok, false));
    if (keep) {
      s->in_base_[static_cast<size_t>(tok)] = 1;
      s->base_.push_back(tok);
    }
  }
  // The base rows copied together (46 MB for qwen2.5-coder-1.5b): the scan reads one stream instead
  // of every fourth row of the file, and only the few pages of a sentence's own tokens are touched in
  // the mapping (reading the scattered rows there kept the whole 191 MB matrix resident).
  // The pages read for the copy are let go as the copy passes them (the rows are in file order), so
  // that the peak RSS does not hold the whole matrix either.
  s->base_rows_.resize(s->base_.size() * s->row_bytes_);
  const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  auto* map_begin = static_cast<uint8_t*>(s->map_);
  size_t released = 0;  // bytes of the mapping, from its start, given back
  for (size_t k = 0; k < s->base_.size(); ++k) {
    const uint8_t* row = s->rows_ + static_cast<size_t>(s->base_[k]) * s->row_bytes_;
    std::memcpy(s->base_rows_.data() + k * s->row_bytes_, row, s->row_bytes_);
    const size_t done = static_cast<size_t>(row - map_begin) / page * page;
    if (done >= released + (8u << 20)) {
      ::madvise(map_begin + released, done - released, MADV_DONTNEED);
      released = done;
    }
  }
  ::madvise(map_begin + released, s->map_bytes_ - released, MADV_DONTNEED);
  return s;
}

LmHeadShortlist::~LmHeadShortlist() {
  if (map_ != nullptr) ::munmap(map_, map_bytes_);
}

bool LmHeadShortlist::in_base(int32_t token) const {
  return token >= 0 && token < n_vocab_ && in_base_[static_cast<size_t>(token)] != 0;
}

std::vector<int32_t> LmHeadShortlist::source_tokens(std::string_view sentence) const {
  std::vector<int32_t> out;
  auto add = [&](std::string_view text) {
    if (text.empty()) return;
    for (llama_token t : tokenize_text(vocab_, text, false, false)) {
      if (!in_base(t)) out.push_back(t);
    }
  };
  add(sentence);
  std::string spaced;
  size_t i = 0;
  while (i < sentence.size()) {
    while (i < sentence.size() && sentence[i] == ' ') ++i;
    size_t end = sentence.find(' ', i);
    if (end == std::string_view::npos) end = sentence.size();
    std::string_view word = sentence.substr(i, end - i);
    // The word as written, and its letters and digits without surrounding punctuation.
    size_t b = 0, e = word.size();
    while (b < e && !is_word_char(word[b])) ++b;
    while (e > b && !is_word_char(word[e - 1])) --e;
    for (std::string_view w : {word, word.substr(b, e - b)}) {
      add(w);
      spaced.assign(1, ' ');
      spaced.append(w);
      if (!w.empty()) add(spaced);
    }
    i = end;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

const void* LmHeadShortlist::quantize(const float* hidden, std::vector<uint8_t>& scratch) const {
  if (vec_dot_type_ == GGML_TYPE_F32) return hidden;
  const auto type = static_cast<ggml_type>(vec_dot_type_);
  scratch.resize(ggml_row_size(type, n_embd_));
  ggml_get_type_traits_cpu(type)->from_float(hidden, scratch.data(), n_embd_);
  return scratch.data();
}

const uint8_t* LmHeadShortlist::row(int32_t token) const {
  if (in_base(token)) {
    const size_t k = static_cast<size_t>(std::lower_bound(base_.begin(), base_.end(), token) - base_.begin());
    return base_rows_.data() + k * row_bytes_;
  }
  return rows_ + static_cast<size_t>(token) * row_bytes_;
}

float LmHeadShortlist::dot(int32_t token, const void* q) const {
  float s = 0;
  ggml_get_type_traits_cpu(static_cast<ggml_type>(type_))->vec_dot(n_embd_, &s, 0, row(token), 0, q, 0, 1);
  return s;
}

int32_t LmHeadShortlist::argmax(const float* hidden, const std::vector<int32_t>& extra,
                                std::vector<uint8_t>& scratch, int threads) const {
  const void* q = quantize(hidden, scratch);
  const ggml_vec_dot_t vec_dot = ggml_get_type_traits_cpu(static_cast<ggml_type>(type_))->vec_dot;
  const int64_t n_base = static_cast<int64_t>(base_.size());
  const int64_t n = n_base + static_cast<int64_t>(extra.size());
  int32_t best = -1;
  float best_score = -std::numeric_limits<float>::infinity();
  // Ties go to the lower id, as std::max_element over the full logits does.
  auto better = [](float s, int32_t tok, float than_s, int32_t than_tok) {
    return s > than_s || (s == than_s && tok < than_tok);
  };
  // OpenMP, as llama.cpp's CPU backend: its threads are the ones that just ran the graph (and still
  // spin for a while after it), so the scan splits across the same cores without waking new ones.
#pragma omp parallel num_threads(std::max(1, threads)) if (threads > 1)
  {
    int32_t local = -1;
    float local_score = -std::numeric_limits<float>::infinity();
#pragma omp for schedule(static) nowait
    for (int64_t k = 0; k < n; ++k) {
      const bool in_base = k < n_base;
      const int32_t tok = in_base ? base_[static_cast<size_t>(k)] : extra[static_cast<size_t>(k - n_base)];
      const uint8_t* row = in_base ? base_rows_.data() + static_cast<size_t>(k) * row_bytes_
                                   : rows_ + static_cast<size_t>(tok) * row_bytes_;
      float s = 0;
      vec_dot(n_embd_, &s, 0, row, 0, q, 0, 1);
      if (better(s, tok, local_score, local)) {
        local_score = s;
        local = tok;
      }
    }
#pragma omp critical(stream_tts_lm_head_shortlist)
    if (local >= 0 && better(local_score, local, best_score, best)) {
      best_score = local_score;
      best = local;
    }
  }
  return best;
}

std::vector<float> LmHeadShortlist::scores(const float* hidden, const std::vector<int32_t>& tokens,
                                           std::vector<uint8_t>& scratch) const {
  const void* q = quantize(hidden, scratch);
  std::vector<float> out;
  out.reserve(tokens.size());
  for (int32_t tok : tokens) out.push_back(dot(tok, q));
  return out;
}

}  // namespace stream_tts::llama
