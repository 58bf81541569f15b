// Segmenter: scans the pending text once, left to right, and cuts a sentence as soon as a rule in
// sentence_rules.h (or a Japanese terminator, a hard break, or the length limit) says its end is
// certain. Scanning pauses at a terminator whose next bytes have not arrived and resumes there.
#include "text/segmenter.h"

#include <algorithm>
#include <cstdint>

#include "core/utf8.h"
#include "text/char_class.h"
#include "text/sentence_rules.h"

namespace stream_tts {
namespace {

// Where one push's bytes end (absolute offset from the start of the stream) and when it arrived.
struct Mark {
  uint64_t end = 0;
  double t_ms = 0.0;
};

constexpr std::string_view kIdeographicSpace = "\u3000";

std::string_view trim(std::string_view s) {
  for (;;) {
    if (!s.empty() && text::is_ascii_space(s.front())) {
      s.remove_prefix(1);
    } else if (s.starts_with(kIdeographicSpace)) {
      s.remove_prefix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  for (;;) {
    if (!s.empty() && text::is_ascii_space(s.back())) {
      s.remove_suffix(1);
    } else if (s.ends_with(kIdeographicSpace)) {
      s.remove_suffix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  return s;
}

}  // namespace

struct Segmenter::Impl {
  explicit Impl(SegmenterOptions o) : options(o) {}

  void scan(std::vector<SegmentedSentence>* out);
  bool absorb_after_japanese();
  void cut_long(double t_ms, bool use_marks, std::vector<SegmentedSentence>* out);
  void emit(size_t b, size_t e, double t_ms, std::vector<SegmentedSentence>* out);
  double time_of(size_t index) const;
  void compact();
  void clear();

  SegmenterOptions options;
  std::string buf;     // text not yet emitted (plus an emitted prefix, dropped by compact())
  size_t begin = 0;    // first byte of the current sentence
  size_t cursor = 0;   // first byte not yet scanned
  uint64_t base = 0;   // absolute offset of buf[0]
  std::vector<Mark> marks;
  double last_input_ms = 0.0;
  bool have_input = false;
  // A Japanese terminator was the last byte received: closing brackets that arrive next still
  // belong to that (already emitted) sentence and are dropped instead of starting a new one.
  bool absorb = false;
};

double Segmenter::Impl::time_of(size_t index) const {
  const uint64_t abs = base + index;
  const auto it = std::upper_bound(marks.begin(), marks.end(), abs,
                                   [](uint64_t v, const Mark& m) { return v < m.end; });
  return it != marks.end() ? it->t_ms : (marks.empty() ? 0.0 : marks.back().t_ms);
}

void Segmenter::Impl::emit(size_t b, size_t e, double t_ms, std::vector<SegmentedSentence>* out) {
  const std::string_view sentence = trim(std::string_view(buf).substr(b, e - b));
  // Punctuation alone ("-", "。", "...") is not worth a sentence.
  if (!sentence.empty() && text::has_speakable(sentence)) {
    out->push_back(SegmentedSentence{std::string(sentence), t_ms});
  }
}

bool Segmenter::Impl::absorb_after_japanese() {
  while (absorb && cursor < buf.size()) {
    const auto lead = static_cast<unsigned char>(buf[cursor]);
    if (cursor + utf8::sequence_length(lead) > buf.size()) return false;  // wait for the rest
    size_t p = cursor;
    const char32_t cp = utf8::decode(buf, &p);
    if (text::is_closer(cp) || text::is_ja_terminator(cp) || cp == '!' || cp == '?') {
      cursor = begin = p;
    } else {
      absorb = false;
    }
  }
  return true;
}

// The sentence in progress has grown past max_bytes with no end in sight: cut it at the last clause
// boundary in the first max_bytes. A punctuation boundary wins when it keeps at least half of the
// allowance (a natural pause); otherwise the last space; otherwise a cut between two characters.
void Segmenter::Impl::cut_long(double t_ms, bool use_marks, std::vector<SegmentedSentence>* out) {
  const size_t max = options.max_bytes;
  while (max > 0 && cursor > begin && cursor - begin > max) {
    const size_t limit = begin + max;
    size_t punct_end = 0;
    size_t space_at = 0;
    for (size_t p = begin; p < limit; ++p) {
      const char c = buf[p];
      if (c == ',' || c == ';' || c == ':') {
        punct_end = p + 1;
      } else if (c == ' ' || c == '\t') {
        if (p > begin) space_at = p;
      } else if (p + 3 <= limit && (buf.compare(p, 3, "\u3001") == 0 || buf.compare(p, 3, "\uFF0C") == 0)) {
        punct_end = p + 3;
      }
    }
    size_t end;
    if (punct_end > 0 && punct_end - begin > max / 2) {
      end = punct_end;
    } else if (space_at > 0) {
      end = space_at;
    } else if (punct_end > 0) {
      end = punct_end;
    } else {
      end = limit;
      while (end > begin && (static_cast<unsigned char>(buf[end]) & 0xC0) == 0x80) --end;
      if (end == begin) {
        // max_bytes smaller than one character: take that character whole. decode() steps over
        // an invalid byte alone, and the scan has passed every byte before `cursor`, so the cut
        // stays inside the scanned text (begin <= cursor must hold for compact()).
        size_t next = begin;
        utf8::decode(buf, &next);
        end = std::min(next, cursor);
      }
    }
    emit(begin, end, use_marks ? time_of(end - 1) : t_ms, out);
    begin = end;
    while (begin < cursor && text::is_ascii_space(buf[begin])) ++begin;
  }
}

void Segmenter::Impl::scan(std::vector<SegmentedSentence>* out) {
  while (cursor < buf.size()) {
    if (absorb && !absorb_after_japanese()) break;
    if (cursor >= buf.size()) break;
    const char c = buf[cursor];
    if (cursor == begin && text::is_ascii_space(c)) {  // leading blanks and empty lines
      begin = ++cursor;
      continue;
    }
    if (c == '\n') {  // hard break from the cleaner
      emit(begin, cursor, time_of(cursor), out);
      begin = ++cursor;
      continue;
    }
    // '\xE2' leads "…"; testing it first keeps the common byte on the cheap path.
    if (c == '.' || c == '!' || c == '?' || (c == '\xE2' && text::is_terminator_start(buf, cursor))) {
      const text::BoundaryResult r = text::check_terminator(buf, begin, cursor);
      if (r.kind == text::Boundary::kNeedMore) break;
      if (r.kind == text::Boundary::kYes) {
        emit(begin, r.end, time_of(r.end - 1), out);
        begin = cursor = r.end;
        continue;
      }
      cursor = r.end;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      if (cursor + utf8::sequence_length(static_cast<unsigned char>(c)) > buf.size()) break;
      size_t p = cursor;
      const char32_t cp = utf8::decode(buf, &p);
      if (text::is_ja_terminator(cp)) {
        // No lookahead: the sentence is out now; closers already here join it.
        size_t k = p;
        absorb = true;
        while (k < buf.size()) {
          const auto lead = static_cast<unsigned char>(buf[k]);
          if (k + utf8::sequence_length(lead) > buf.size()) break;
          size_t q = k;
          const char32_t next = utf8::decode(buf, &q);
          if (!text::is_closer(next) && !text::is_ja_terminator(next) && next != '!' && next != '?') {
            absorb = false;
            break;
          }
          k = q;
        }
        emit(begin, k, time_of(k - 1), out);
        begin = cursor = k;
        continue;
      }
      cursor = p;
    } else {
      ++cursor;
    }
    if (options.max_bytes > 0 && cursor - begin > options.max_bytes) cut_long(0.0, true, out);
  }
  cut_long(0.0, /*use_marks=*/true, out);
}

void Segmenter::Impl::compact() {
  if (begin == 0 || (begin < 4096 && begin < buf.size())) return;
  buf.erase(0, begin);
  base += begin;
  cursor -= begin;
  begin = 0;
  const auto first_live = std::upper_bound(marks.begin(), marks.end(), base,
                                           [](uint64_t v, const Mark& m) { return v < m.end; });
  marks.erase(marks.begin(), first_live);
}

void Segmenter::Impl::clear() {
  base += buf.size();
  buf.clear();
  begin = cursor = 0;
  marks.clear();
  absorb = false;
}

Segmenter::Segmenter(SegmenterOptions options) : impl_(std::make_unique<Impl>(options)) {}
Segmenter::~Segmenter() = default;
Segmenter::Segmenter(Segmenter&&) noexcept = default;
Segmenter& Segmenter::operator=(Segmenter&&) noexcept = default;

void Segmenter::push(std::string_view text, double t_ms, std::vector<SegmentedSentence>* out) {
  if (text.empty()) return;
  Impl& s = *impl_;
  s.buf.append(text);
  s.marks.push_back(Mark{s.base + s.buf.size(), t_ms});
  s.last_input_ms = t_ms;
  s.have_input = true;
  s.scan(out);
  s.compact();
}

void Segmenter::flush(double t_ms, std::vector<SegmentedSentence>* out) {
  Impl& s = *impl_;
  // Everything left is one sentence (split by max_bytes), complete now. A trailing partial UTF-8
  // character can no longer be completed and is dropped.
  s.buf.resize(s.begin + utf8::complete_prefix(std::string_view(s.buf).substr(s.begin)));
  s.cursor = s.buf.size();
  while (s.begin < s.cursor && text::is_ascii_space(s.buf[s.begin])) ++s.begin;
  s.cut_long(t_ms, /*use_marks=*/false, out);
  if (s.begin < s.buf.size()) s.emit(s.begin, s.buf.size(), t_ms, out);
  s.clear();
}

void Segmenter::poll(double now_ms, std::vector<SegmentedSentence>* out) {
  const Impl& s = *impl_;
  if (s.options.idle_flush_ms <= 0.0 || !s.have_input || !has_pending()) return;
  if (now_ms - s.last_input_ms >= s.options.idle_flush_ms) flush(now_ms, out);
}

bool Segmenter::has_pending() const {
  const Impl& s = *impl_;
  for (size_t i = s.begin; i < s.buf.size(); ++i) {
    if (!text::is_ascii_space(s.buf[i])) return true;
  }
  return false;
}

void Segmenter::reset() {
  impl_->clear();
  impl_->have_input = false;
}

std::vector<std::string> split_sentences(std::string_view text, const SegmenterOptions& options) {
  Segmenter segmenter(options);
  std::vector<SegmentedSentence> sentences;
  segmenter.push(text, 0.0, &sentences);
  segmenter.flush(0.0, &sentences);
  std::vector<std::string> texts;
  texts.reserve(sentences.size());
  for (SegmentedSentence& s : sentences) texts.push_back(std::move(s.text));
  return texts;
}

}  // namespace stream_tts
