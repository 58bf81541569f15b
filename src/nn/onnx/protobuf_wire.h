// The protobuf wire format, read in place: just enough to walk ONNX's messages without libprotobuf.
// A message is a sequence of (key, value) fields; key = field number << 3 | wire type; wire type 0
// is a varint, 1 eight bytes, 2 a varint length then that many bytes (strings, bytes, sub-messages,
// packed repeated scalars), 5 four bytes. Groups (3, 4) are long deprecated and ONNX has none.
//
// Every read is checked against the bytes that are left; a malformed message throws
// Error(kDataError) whose message says what was wrong and at which byte of the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "stream_tts/status.h"

namespace stream_tts::nn::onnx {

enum class WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

const char* wire_type_name(WireType type);

// One field as read: its number and wire type, and either the varint value or the bytes of a
// fixed-size or length-delimited value (a view into the message).
struct WireField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t varint = 0;
  std::string_view bytes;
};

class WireReader {
 public:
  // `bytes` is a message inside the buffer that starts at `file_begin` (used only to report byte
  // offsets in errors); `source` names the file in errors.
  WireReader(std::string_view bytes, const char* file_begin, std::string_view source)
      : rest_(bytes), file_begin_(file_begin), source_(source) {}

  // Reads the next field; false at the end of the message.
  bool next(WireField* field) {
    if (rest_.empty()) return false;
    field_offset_ = offset();
    const uint64_t key = varint("field key");
    const uint64_t number = key >> 3;
    if (number == 0 || number > 0x1FFFFFFF)
      fail("field number " + std::to_string(number) + " is invalid");
    field->number = static_cast<uint32_t>(number);
    field->varint = 0;
    field->bytes = {};
    switch (key & 7) {
      case 0:
        field->type = WireType::kVarint;
        field->varint = varint("varint field");
        break;
      case 1:
        field->type = WireType::kFixed64;
        field->bytes = take(8, "fixed64 field");
        break;
      case 2: {
        field->type = WireType::kLengthDelimited;
        const uint64_t length = varint("length");
        if (length > rest_.size()) {
          fail("field " + std::to_string(number) + " says it has " + std::to_string(length) +
               " bytes but only " + std::to_string(rest_.size()) + " are left (truncated file?)");
        }
        field->bytes = take(static_cast<size_t>(length), "length-delimited field");
        break;
      }
      case 5:
        field->type = WireType::kFixed32;
        field->bytes = take(4, "fixed32 field");
        break;
      default:
        fail("field " + std::to_string(number) + " has wire type " + std::to_string(key & 7) +
             ", which ONNX does not use (corrupt file?)");
    }
    return true;
  }

  // Decodes a varint from the front of the remaining bytes (packed repeated fields use this).
  uint64_t varint(const char* what) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64 && !rest_.empty(); shift += 7) {
      const auto byte = static_cast<uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      // The tenth byte may only carry the top bit of a 64-bit value.
      if (shift == 63 && byte > 1) fail(std::string(what) + ": varint longer than 64 bits");
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    fail(std::string(what) + ": truncated varint");
  }

  bool empty() const { return rest_.empty(); }
  size_t offset() const { return static_cast<size_t>(rest_.data() - file_begin_); }
  // The byte offset of the field that next() read last.
  size_t field_offset() const { return field_offset_; }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(StatusCode::kDataError,
                std::string(source_) + ": " + what + " (at byte " + std::to_string(offset()) + ")");
  }

 private:
  std::string_view take(size_t n, const char* what) {
    if (n > rest_.size()) {
      fail(std::string(what) + " needs " + std::to_string(n) + " bytes, " +
           std::to_string(rest_.size()) + " left (truncated file?)");
    }
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }

  std::string_view rest_;
  const char* file_begin_;
  std::string_view source_;
  size_t field_offset_ = 0;
};

// Little-endian loads from unaligned bytes (protobuf's fixed fields and ONNX raw_data are
// little-endian; memcpy is the defined way to read them from a mapped file).
inline float load_f32(const char* p) {
  float v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline double load_f64(const char* p) {
  double v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace stream_tts::nn::onnx
