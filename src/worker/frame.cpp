#include "worker/frame.h"

#include <cstring>

namespace stream_tts::worker {
namespace {

void put_u32(std::string* out, uint32_t v) {
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(bytes, 4);
}

uint32_t get_u32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

Status check_lengths(uint64_t header, uint64_t payload) {
  if (header < kMinHeaderBytes || header > kMaxHeaderBytes) {
    return {StatusCode::kDataError, "frame header length " + std::to_string(header) + " outside " +
                                        std::to_string(kMinHeaderBytes) + ".." +
                                        std::to_string(kMaxHeaderBytes)};
  }
  if (payload > kMaxPayloadBytes) {
    return {StatusCode::kDataError, "frame payload length " + std::to_string(payload) +
                                        " exceeds " + std::to_string(kMaxPayloadBytes)};
  }
  return {};
}

}  // namespace

Status append_frame(std::string* out, std::string_view header, std::string_view payload) {
  Status s = check_lengths(header.size(), payload.size());
  if (!s) return {StatusCode::kInvalidArgument, s.message()};
  put_u32(out, static_cast<uint32_t>(header.size()));
  put_u32(out, static_cast<uint32_t>(payload.size()));
  out->append(header);
  out->append(payload);
  return {};
}

char* FrameDecoder::prepare(size_t n) {
  // Drop consumed bytes once they are the larger part, so the buffer does not creep forward.
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  const size_t used = buffer_.size();
  buffer_.resize(used + n);
  prepared_ = n;
  return buffer_.data() + used;
}

void FrameDecoder::commit(size_t n) {
  // prepare() grew the string by the requested size; keep only what was written.
  if (n > prepared_) n = prepared_;
  buffer_.resize(buffer_.size() - (prepared_ - n));
  prepared_ = 0;
}

void FrameDecoder::feed(std::string_view data) {
  char* p = prepare(data.size());
  if (!data.empty()) std::memcpy(p, data.data(), data.size());
  commit(data.size());
}

Status FrameDecoder::next(Frame* frame, bool* got) {
  *got = false;
  if (!error_) return error_;
  const size_t avail = buffered();
  if (avail < kFramePrefixBytes) return {};
  const char* p = buffer_.data() + start_;
  const uint32_t h = get_u32(p);
  const uint32_t n = get_u32(p + 4);
  error_ = check_lengths(h, n);
  if (!error_) return error_;
  const size_t total = size_t{kFramePrefixBytes} + h + n;
  if (avail < total) return {};
  frame->header.assign(p + kFramePrefixBytes, h);
  frame->payload.assign(p + kFramePrefixBytes + h, n);
  start_ += total;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  *got = true;
  return {};
}

Status FrameDecoder::finish() const {
  if (!error_) return error_;
  const size_t avail = buffered();
  if (avail == 0) return {};
  return {StatusCode::kDataError,
          "truncated frame: the stream ended " + std::to_string(avail) + " bytes into a frame"};
}

}  // namespace stream_tts::worker
