// The frame codec and header parser on hand-made bytes: partial reads, limits, bad headers.
#include "worker/frame.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "worker/messages.h"

// Counts the largest single allocation, to show that an announced length is never allocated. Every
// unaligned form is replaced, so that new and delete always pair up (ASan checks that they do).
namespace {
std::atomic<size_t> g_largest_allocation{0};

void* counted_alloc(size_t n) noexcept {
  size_t seen = g_largest_allocation.load(std::memory_order_relaxed);
  while (n > seen && !g_largest_allocation.compare_exchange_weak(seen, n)) {
  }
  return std::malloc(n == 0 ? 1 : n);
}
void* counted_alloc_or_throw(size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(size_t n) { return counted_alloc_or_throw(n); }
void* operator new[](size_t n) { return counted_alloc_or_throw(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace stream_tts::worker {
namespace {

std::string u32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string frame(std::string_view header, std::string_view payload = {}) {
  std::string out;
  EXPECT_TRUE(append_frame(&out, header, payload).is_ok());
  return out;
}

TEST(Frame, EncodesBigEndianLengthsThenHeaderThenPayload) {
  const std::string f = frame(R"({"type":"ping"})", "ab");
  EXPECT_EQ(f.substr(0, 8), u32(15) + u32(2));
  EXPECT_EQ(f.substr(8), R"({"type":"ping"})"
                         "ab");
}

TEST(Frame, DecodesFedOneByteAtATime) {
  std::string payload(1000, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  const std::string bytes =
      frame(R"({"type":"chunk","id":1,"seq":0})", payload) + frame(R"({"type":"pong"})");
  FrameDecoder d;
  std::vector<Frame> got;
  for (char b : bytes) {
    d.feed(std::string_view(&b, 1));
    Frame f;
    bool ready = false;
    ASSERT_TRUE(d.next(&f, &ready).is_ok());
    if (ready) got.push_back(std::move(f));
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].header, R"({"type":"chunk","id":1,"seq":0})");
  EXPECT_EQ(got[0].payload, payload);
  EXPECT_EQ(got[1].header, R"({"type":"pong"})");
  EXPECT_TRUE(got[1].payload.empty());
  EXPECT_TRUE(d.finish().is_ok());  // clean end between frames
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(Frame, DecodesSeveralFramesFromOneRead) {
  FrameDecoder d;
  d.feed(frame(R"({"type":"a"})") + frame(R"({"type":"b"})", "x") +
         frame(R"({"type":"c"})").substr(0, 5));
  Frame f;
  bool ready = false;
  ASSERT_TRUE(d.next(&f, &ready).is_ok());
  ASSERT_TRUE(ready);
  EXPECT_EQ(f.header, R"({"type":"a"})");
  ASSERT_TRUE(d.next(&f, &ready).is_ok());
  ASSERT_TRUE(ready);
  EXPECT_EQ(f.payload, "x");
  ASSERT_TRUE(d.next(&f, &ready).is_ok());
  EXPECT_FALSE(ready);
  EXPECT_EQ(d.buffered(), 5u);
}

TEST(Frame, ReadsIntoPreparedSpace) {
  FrameDecoder d;
  const std::string bytes = frame(R"({"type":"pong"})");
  char* p = d.prepare(4096);
  std::copy(bytes.begin(), bytes.end(), p);
  d.commit(bytes.size());
  Frame f;
  bool ready = false;
  ASSERT_TRUE(d.next(&f, &ready).is_ok());
  EXPECT_TRUE(ready);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(Frame, OversizedHeaderLengthIsAnErrorWithoutAllocating) {
  FrameDecoder d;
  g_largest_allocation = 0;
  d.feed(u32(0xFFFFFFFFu) + u32(0));
  Frame f;
  bool ready = true;
  const Status s = d.next(&f, &ready);
  EXPECT_FALSE(ready);
  EXPECT_EQ(s.code(), StatusCode::kDataError);
  EXPECT_NE(s.message().find("header length 4294967295"), std::string::npos) << s.message();
  EXPECT_LT(g_largest_allocation.load(), size_t{1} << 20);
  // Sticky: the connection must be closed.
  d.feed(frame(R"({"type":"pong"})"));
  EXPECT_FALSE(d.next(&f, &ready).is_ok());
}

TEST(Frame, OversizedPayloadLengthIsAnErrorWithoutAllocating) {
  FrameDecoder d;
  g_largest_allocation = 0;
  d.feed(u32(15) + u32(kMaxPayloadBytes + 1) + R"({"type":"ping"})");
  Frame f;
  bool ready = true;
  const Status s = d.next(&f, &ready);
  EXPECT_EQ(s.code(), StatusCode::kDataError);
  EXPECT_NE(s.message().find("payload length 16777217 exceeds 16777216"), std::string::npos)
      << s.message();
  EXPECT_LT(g_largest_allocation.load(), size_t{1} << 20);
}

TEST(Frame, LargestLegalFrameGrowsOnlyWithArrivingBytes) {
  FrameDecoder d;
  g_largest_allocation = 0;
  d.feed(u32(15) + u32(kMaxPayloadBytes) + R"({"type":"ping"})");
  Frame f;
  bool ready = true;
  ASSERT_TRUE(d.next(&f, &ready).is_ok());
  EXPECT_FALSE(ready);
  EXPECT_LT(g_largest_allocation.load(), size_t{1} << 20);  // 16 MiB announced, nothing set aside
}

TEST(Frame, HeaderLengthBelowTwoIsAnError) {
  FrameDecoder d;
  d.feed(u32(1) + u32(0) + "{");
  Frame f;
  bool ready = false;
  EXPECT_EQ(d.next(&f, &ready).code(), StatusCode::kDataError);
}

TEST(Frame, EndOfStreamInsideAFrameIsTruncated) {
  const std::string bytes = frame(R"({"type":"chunk","id":1,"seq":0})", "abcd");
  for (size_t cut : {size_t{3}, size_t{8}, size_t{20}, bytes.size() - 1}) {
    FrameDecoder d;
    d.feed(std::string_view(bytes).substr(0, cut));
    Frame f;
    bool ready = false;
    ASSERT_TRUE(d.next(&f, &ready).is_ok());
    EXPECT_FALSE(ready);
    const Status s = d.finish();
    EXPECT_EQ(s.code(), StatusCode::kDataError) << cut;
    EXPECT_NE(s.message().find("truncated frame"), std::string::npos);
  }
}

TEST(Frame, EncoderRefusesOutOfRangeLengths) {
  std::string out;
  EXPECT_FALSE(append_frame(&out, "{").is_ok());
  EXPECT_FALSE(append_frame(&out, std::string(kMaxHeaderBytes + 1, ' ')).is_ok());
  EXPECT_TRUE(out.empty());
}

// --- headers ---

TEST(Messages, ParsesAChunk) {
  MessageParser p;
  Message m;
  ASSERT_TRUE(
      p.parse(R"({"type":"chunk","id":7,"seq":2,"sample_rate":24000,"format":"f32le","extra":[1]})",
              &m)
          .is_ok());
  EXPECT_EQ(m.type, MessageType::kChunk);
  EXPECT_TRUE(m.has_id);
  EXPECT_EQ(m.id, 7u);
  EXPECT_EQ(m.seq, 2u);
  EXPECT_EQ(m.sample_rate, 24000);
  EXPECT_EQ(m.format, "f32le");
}

TEST(Messages, ParsesCapabilities) {
  MessageParser p;
  Message m;
  ASSERT_TRUE(
      p.parse(
           R"({"type":"capabilities","protocol":1,"name":"kokoro-ja","kind":"tts","languages":["ja"],
    "voices":[{"name":"jf_alpha","lang":"ja","description":"female"},"jm_kumo"],"default_voice":"jf_alpha",
    "styles":["speed","blend"],"cloning":false,"sample_rate":24000,"sample_format":"f32le","chunking":"clause",
    "max_in_flight":2,"pid":1234})",
           &m)
          .is_ok());
  const Capabilities& c = m.capabilities;
  EXPECT_EQ(c.protocol, 1);
  EXPECT_EQ(c.kind, "tts");
  ASSERT_EQ(c.voices.size(), 2u);
  EXPECT_EQ(c.voices[0].description, "female");
  EXPECT_EQ(c.voices[1].name, "jm_kumo");
  EXPECT_TRUE(c.has_style("blend"));
  EXPECT_EQ(c.sample_rate, 24000);
  EXPECT_EQ(c.max_in_flight, 2);
  EXPECT_EQ(c.pid, 1234);
}

TEST(Messages, KeepsDoneStatsAndErrorFields) {
  MessageParser p;
  Message m;
  ASSERT_TRUE(p.parse(R"({"type":"done","id":3,"chunks":4,"stats":{"synth_ms":1.5}})", &m).is_ok());
  EXPECT_EQ(m.chunks, 4u);
  EXPECT_EQ(m.stats_json, R"({"synth_ms":1.5})");
  ASSERT_TRUE(
      p.parse(R"({"type":"error","id":3,"code":"unknown_voice","message":"no voice x"})", &m)
          .is_ok());
  EXPECT_EQ(m.code, "unknown_voice");
  EXPECT_EQ(status_code_for_error(m.code), StatusCode::kInvalidArgument);
}

TEST(Messages, UnknownTypeIsNotAnError) {
  MessageParser p;
  Message m;
  ASSERT_TRUE(p.parse(R"({"type":"progress","id":3})", &m).is_ok());
  EXPECT_EQ(m.type, MessageType::kUnknown);
  EXPECT_EQ(m.type_name, "progress");
}

TEST(Messages, BadHeadersNameWhatWasSeen) {
  MessageParser p;
  Message m;
  struct Case {
    const char* header;
    const char* expect;
  } cases[] = {
      {R"({"type":"chunk",)", "not valid JSON"},
      {R"(["type","chunk"])", "not a JSON object"},
      {R"({"id":1})", "no string field \"type\""},
      {R"({"type":7})", "no string field \"type\""},
      {R"({"type":"chunk","seq":0})", "'chunk' without \"id\""},
      {R"({"type":"chunk","id":1})", "'chunk' without \"seq\""},
      {R"({"type":"chunk","id":-1,"seq":0})", "\"id\" is not an unsigned integer"},
      {R"({"type":"capabilities","kind":"tts"})", "without \"protocol\""},
      {R"({"type":"capabilities","protocol":1,"voices":"jf_alpha"})", "\"voices\" is not an array"},
  };
  for (const auto& c : cases) {
    const Status s = p.parse(c.header, &m);
    EXPECT_EQ(s.code(), StatusCode::kDataError) << c.header;
    EXPECT_NE(s.message().find(c.expect), std::string::npos) << c.header << " -> " << s.message();
  }
  // The message quotes the header, cut short when long.
  const Status s = p.parse("[" + std::string(1000, '1') + "]", &m);
  EXPECT_LT(s.message().size(), 200u);
}

TEST(Messages, EncodesRequests) {
  RequestFields r;
  r.text = "今日は\"晴れ\"";
  r.voice = "jf_alpha";
  r.speed = 1.25;
  r.blend = {{"jf_alpha", 0.7}, {"jm_kumo", 0.3}};
  EXPECT_EQ(request_header(7, r),
            R"({"type":"request","id":7,"text":"今日は\"晴れ\"","voice":"jf_alpha","speed":1.25,)"
            R"("blend":{"jf_alpha":0.7,"jm_kumo":0.3}})");
  RequestFields bare;
  bare.text = "x";
  EXPECT_EQ(request_header(1, bare), R"({"type":"request","id":1,"text":"x"})");
  EXPECT_EQ(hello_header("t"), R"({"type":"hello","protocol":1,"client":"t"})");
  EXPECT_EQ(cancel_header(3), R"({"type":"cancel","id":3})");
  EXPECT_EQ(ping_header(4), R"({"type":"ping","id":4})");
  EXPECT_EQ(shutdown_header(), R"({"type":"shutdown"})");
}

TEST(Messages, EncodedHeadersParseBack) {
  MessageParser p;
  Message m;
  RequestFields r;
  r.text = std::string("bad \xff utf8");
  ASSERT_TRUE(p.parse(request_header(9, r), &m).is_ok());
  EXPECT_EQ(m.type, MessageType::kRequest);
  EXPECT_EQ(m.id, 9u);
}

}  // namespace
}  // namespace stream_tts::worker
