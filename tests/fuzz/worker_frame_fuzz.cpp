// The worker protocol's reading side, as Slot drives it: bytes from the worker's pipe go into a
// FrameDecoder in whatever pieces read(2) returns (prepare() more than arrives, commit() what did),
// each whole frame's header goes through MessageParser.
//
// Properties: the frames (and the protocol error, if any) do not depend on how the bytes were cut
// and equal those of a plain reference reading of the format; an error is sticky; finish() reports
// a truncated frame exactly when bytes are left over; a frame re-encoded with append_frame() is the
// bytes it was decoded from; a header the manager builds with JsonObject from arbitrary text
// parses back to that (sanitised) text.
//
// Input: [u32 split seed][bytes of the stream].
#include <cstring>
#include <string>
#include <vector>

#include "core/json_writer.h"
#include "core/utf8.h"
#include "fuzz_support.h"
#include "worker/frame.h"
#include "worker/messages.h"

namespace {

using namespace stream_tts;
using namespace stream_tts::worker;
namespace fz = stream_tts::fuzz;

struct Decoded {
  std::vector<Frame> frames;
  StatusCode error = StatusCode::kOk;  // next()'s sticky error
  StatusCode finish = StatusCode::kOk;
  size_t left = 0;
};

// The format, read the obvious way (docs/worker-protocol.md, "Frames").
Decoded reference(std::string_view s) {
  Decoded d;
  const auto u32 = [&](size_t at) {
    const auto* u = reinterpret_cast<const unsigned char*>(s.data() + at);
    return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
  };
  size_t pos = 0;
  while (s.size() - pos >= kFramePrefixBytes) {
    const uint32_t h = u32(pos);
    const uint32_t n = u32(pos + 4);
    if (h < kMinHeaderBytes || h > kMaxHeaderBytes || n > kMaxPayloadBytes) {
      d.error = d.finish = StatusCode::kDataError;
      break;
    }
    if (s.size() - pos < kFramePrefixBytes + size_t{h} + n) break;
    d.frames.push_back({std::string(s.substr(pos + 8, h)), std::string(s.substr(pos + 8 + h, n))});
    pos += kFramePrefixBytes + size_t{h} + n;
  }
  d.left = s.size() - pos;
  if (d.error == StatusCode::kOk && d.left > 0) d.finish = StatusCode::kDataError;
  return d;
}

void drain(FrameDecoder* decoder, Decoded* d) {
  for (;;) {
    Frame f;
    bool got = false;
    const Status s = decoder->next(&f, &got);
    if (!s) {
      fz::check(!got, "next() returned a frame with an error");
      d->error = s.code();
      fz::check(s.code() == StatusCode::kDataError, "a protocol error is kDataError");
      bool again = true;
      fz::check(decoder->next(&f, &again).code() == s.code() && !again, "the error is sticky");
      return;
    }
    if (!got) return;
    d->frames.push_back(std::move(f));
  }
}

Decoded decode_pieces(std::string_view s, uint32_t seed) {
  Decoded d;
  FrameDecoder decoder;
  fz::Rng rng(seed);
  for (std::string_view piece : fz::split(s, seed)) {
    if (rng.below(2) == 0) {
      decoder.feed(piece);
    } else {
      // A read(2) into prepared room that returns fewer bytes than asked for.
      const size_t room = piece.size() + rng.below(64);
      char* p = decoder.prepare(room);
      if (!piece.empty()) std::memcpy(p, piece.data(), piece.size());
      decoder.commit(piece.size());
    }
    if (d.error == StatusCode::kOk) drain(&decoder, &d);
  }
  d.finish = decoder.finish().code();
  d.left = decoder.buffered();
  return d;
}

Decoded decode_whole(std::string_view s) {
  Decoded d;
  FrameDecoder decoder;
  decoder.feed(s);
  drain(&decoder, &d);
  d.finish = decoder.finish().code();
  d.left = decoder.buffered();
  return d;
}

void expect_same(const Decoded& want, const Decoded& got, const char* how) {
  const std::string what = std::string("frames decoded ") + how;
  fz::check(want.frames.size() == got.frames.size(), what + ": frame count",
            std::to_string(want.frames.size()), std::to_string(got.frames.size()));
  for (size_t i = 0; i < want.frames.size(); ++i) {
    fz::check(want.frames[i].header == got.frames[i].header, what + ": header",
              want.frames[i].header, got.frames[i].header);
    fz::check(want.frames[i].payload == got.frames[i].payload, what + ": payload",
              want.frames[i].payload, got.frames[i].payload);
  }
  fz::check(want.error == got.error, what + ": protocol error");
  fz::check(want.finish == got.finish, what + ": finish()");
  // After an error the decoder stops looking, so what is buffered differs from the reference.
  if (want.error == StatusCode::kOk) fz::check(want.left == got.left, what + ": bytes left");
}

void check_message(MessageParser& parser, const Frame& f) {
  Message m;
  const Status s = parser.parse(f.header, &m);
  if (!s) {
    fz::check(s.code() == StatusCode::kDataError, "a bad header is kDataError");
    fz::check(!s.message().empty(), "a bad header says why");
    return;
  }
  if (m.type == MessageType::kChunk || m.type == MessageType::kDone) {
    fz::check(m.has_id, "chunk/done parsed without an id");
  }
  // Re-encoding the frame gives back its bytes.
  std::string encoded;
  fz::check(append_frame(&encoded, f.header, f.payload).is_ok(), "append_frame of a decoded frame");
  FrameDecoder again;
  again.feed(encoded);
  Frame back;
  bool got = false;
  fz::check(again.next(&back, &got).is_ok() && got && back.header == f.header &&
                back.payload == f.payload,
            "a re-encoded frame decodes to itself");
}

// What the manager writes must be JSON that reads back as written, whatever the text.
void check_built_headers(MessageParser& parser, std::string_view text, uint64_t id) {
  const std::string clean = utf8::sanitize(text);
  const std::string header =
      JsonObject().add("type", "done").add("id", static_cast<unsigned long long>(id)).add("text", clean).str();
  Message m;
  const Status s = parser.parse(header, &m);
  fz::check(s.is_ok(), "a built 'done' header parses", "ok", s.message());
  fz::check(m.type == MessageType::kDone && m.has_id && m.id == id, "built 'done' header: type and id");
  fz::check(m.text == clean, "built 'done' header: text round trip", clean, m.text);

  RequestFields r;
  r.text = std::string(text);
  r.voice = std::string(text.substr(0, 16));
  r.blend = {{std::string(text.substr(0, 8)), 0.5}};
  const std::string request = request_header(id, r);
  const Status rs = parser.parse(request, &m);
  fz::check(rs.is_ok() && m.type == MessageType::kRequest && m.id == id, "a built request parses",
            "ok", rs.message());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fz::Params params(data, size, 4);
  const uint32_t seed = params.u32();
  const std::string_view stream = params.payload();

  const Decoded want = reference(stream);
  expect_same(want, decode_whole(stream), "whole");
  expect_same(want, decode_pieces(stream, seed), "in pieces");

  MessageParser parser;
  for (const Frame& f : want.frames) check_message(parser, f);
  check_built_headers(parser, stream.substr(0, 512), seed);
  return 0;
}
