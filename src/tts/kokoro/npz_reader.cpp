#include "tts/kokoro/npz_reader.h"

#include <array>
#include <cstdint>
#include <string>

#include "stream_tts/status.h"

namespace stream_tts::kokoro {

namespace {

[[noreturn]] void fail(std::string_view source, const std::string& what) {
  throw Error(StatusCode::kDataError, std::string(source) + ": " + what);
}

// Little-endian fields of the zip headers, bounds-checked.
class Bytes {
 public:
  Bytes(std::string_view data, std::string_view source) : data_(data), source_(source) {}
  uint64_t le(size_t offset, size_t width, const char* what) const {
    need(offset, width, what);
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[offset + i])) << (8 * i);
    return v;
  }
  std::string_view slice(uint64_t offset, uint64_t size, const char* what) const {
    need(offset, size, what);
    return data_.substr(static_cast<size_t>(offset), static_cast<size_t>(size));
  }
  void need(uint64_t offset, uint64_t size, const char* what) const {
    if (offset > data_.size() || size > data_.size() - offset) {
      fail(source_, std::string(what) + " at byte " + std::to_string(offset) +
                        " runs past the end of the file (" + std::to_string(data_.size()) +
                        " bytes; truncated?)");
    }
  }
  size_t size() const { return data_.size(); }

 private:
  std::string_view data_;
  std::string_view source_;
};

uint32_t crc32(std::string_view data) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (char ch : data) crc = kTable[(crc ^ static_cast<uint8_t>(ch)) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

size_t item_size(std::string_view descr) {
  if (descr.size() < 3) return 0;
  size_t n = 0;
  for (char c : descr.substr(2)) {
    if (c < '0' || c > '9' || n > 64) return 0;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

// The value after 'key': in the .npy header, a Python dict literal.
std::string_view header_value(std::string_view header, std::string_view key,
                              std::string_view source) {
  std::string quoted = "'";
  quoted += key;
  quoted += "':";
  const size_t at = header.find(quoted);
  if (at == std::string_view::npos) fail(source, ".npy header has no '" + std::string(key) + "'");
  std::string_view rest = header.substr(at + quoted.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest;
}

}  // namespace

NpyArray read_npy(std::string_view bytes, std::string_view source) {
  static constexpr std::string_view kMagic("\x93NUMPY", 6);
  if (bytes.substr(0, 6) != kMagic || bytes.size() < 10)
    fail(source, "not a .npy array (no \\x93NUMPY magic)");
  const Bytes b(bytes, source);
  const auto major = static_cast<uint8_t>(bytes[6]);
  size_t header_start = 10;
  uint64_t header_len = 0;
  if (major == 1) {
    header_len = b.le(8, 2, ".npy header length");
  } else if (major == 2 || major == 3) {
    header_len = b.le(8, 4, ".npy header length");
    header_start = 12;
  } else {
    fail(source, ".npy version " + std::to_string(major) + " is not supported");
  }
  const std::string_view header = b.slice(header_start, header_len, ".npy header");
  NpyArray a;
  // descr: a quoted string.
  std::string_view v = header_value(header, "descr", source);
  if (v.empty() || v.front() != '\'')
    fail(source, ".npy descr is not a string (a structured dtype?)");
  const size_t close = v.find('\'', 1);
  if (close == std::string_view::npos) fail(source, ".npy descr is not terminated");
  a.descr = std::string(v.substr(1, close - 1));
  v = header_value(header, "fortran_order", source);
  if (v.substr(0, 5) != "False")
    fail(source, ".npy array is in Fortran order, which is not supported");
  // shape: a tuple of non-negative integers, "(510, 1, 256)", "(3,)" or "()".
  v = header_value(header, "shape", source);
  if (v.empty() || v.front() != '(') fail(source, ".npy shape is not a tuple");
  v.remove_prefix(1);
  uint64_t count = 1;
  while (true) {
    while (!v.empty() && (v.front() == ' ' || v.front() == ',')) v.remove_prefix(1);
    if (v.empty()) fail(source, ".npy shape is not terminated");
    if (v.front() == ')') break;
    uint64_t dim = 0;
    size_t digits = 0;
    while (!v.empty() && v.front() >= '0' && v.front() <= '9' && digits < 19) {
      dim = dim * 10 + static_cast<uint64_t>(v.front() - '0');
      v.remove_prefix(1);
      ++digits;
    }
    if (digits == 0) fail(source, ".npy shape holds something that is not a dimension");
    if (dim != 0 && count > bytes.size() / dim)
      fail(source, ".npy shape has more elements than the file has bytes");
    count *= dim;
    a.shape.push_back(static_cast<size_t>(dim));
  }
  const bool little = a.descr[0] == '<' || a.descr[0] == '|';
  const size_t size = item_size(a.descr);
  if (!little || size == 0)
    fail(source, ".npy dtype '" + a.descr + "' is not a little-endian number type");
  const size_t data_start = header_start + static_cast<size_t>(header_len);
  const uint64_t data_size = bytes.size() - data_start;
  if (count > data_size / size || count * size != data_size) {
    fail(source,
         ".npy data has " + std::to_string(data_size) + " bytes, its shape and dtype need " +
             (count > data_size / size ? std::string("more") : std::to_string(count * size)));
  }
  a.data = bytes.substr(data_start);
  return a;
}

std::vector<NpyArray> read_npz(std::string_view archive, std::string_view source) {
  const Bytes b(archive, source);
  // End of central directory: the last "PK\5\6" in the final 22 + 65535 bytes (the comment's room).
  if (archive.size() < 22) fail(source, "not a zip archive (too short)");
  size_t eocd = std::string_view::npos;
  const size_t lowest = archive.size() > 22 + 65535 ? archive.size() - 22 - 65535 : 0;
  for (size_t at = archive.size() - 22 + 1; at-- > lowest;) {
    if (archive.compare(at, 4, "PK\x05\x06") == 0) {
      eocd = at;
      break;
    }
  }
  if (eocd == std::string_view::npos)
    fail(source, "not a zip archive (no end of central directory)");
  uint64_t entries = b.le(eocd + 10, 2, "entry count");
  uint64_t cd_size = b.le(eocd + 12, 4, "central directory size");
  uint64_t cd_offset = b.le(eocd + 16, 4, "central directory offset");
  if (entries == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    // Zip64: the locator just before the end record points at the zip64 end record.
    if (eocd < 20 || archive.compare(eocd - 20, 4, "PK\x06\x07") != 0)
      fail(source, "zip64 locator missing");
    const uint64_t z = b.le(eocd - 20 + 8, 8, "zip64 end record offset");
    if (b.le(z, 4, "zip64 end record") != 0x06064b50) fail(source, "zip64 end record missing");
    entries = b.le(z + 32, 8, "zip64 entry count");
    cd_size = b.le(z + 40, 8, "zip64 central directory size");
    cd_offset = b.le(z + 48, 8, "zip64 central directory offset");
  }
  b.need(cd_offset, cd_size, "central directory");
  if (entries > cd_size / 46)
    fail(source, "central directory too small for " + std::to_string(entries) + " entries");

  std::vector<NpyArray> arrays;
  uint64_t at = cd_offset;
  for (uint64_t i = 0; i < entries; ++i) {
    if (b.le(at, 4, "central directory entry") != 0x02014b50)
      fail(source, "corrupt central directory entry " + std::to_string(i));
    const uint64_t flags = b.le(at + 8, 2, "flags");
    const uint64_t method = b.le(at + 10, 2, "compression method");
    const uint64_t crc = b.le(at + 16, 4, "crc");
    uint64_t compressed = b.le(at + 20, 4, "compressed size");
    uint64_t uncompressed = b.le(at + 24, 4, "size");
    const uint64_t name_len = b.le(at + 28, 2, "name length");
    const uint64_t extra_len = b.le(at + 30, 2, "extra length");
    const uint64_t comment_len = b.le(at + 32, 2, "comment length");
    uint64_t local = b.le(at + 42, 4, "local header offset");
    const std::string name(b.slice(at + 46, name_len, "entry name"));
    // Zip64 extended information (id 1): the 64-bit values of the fields saturated above, in order.
    const std::string_view extra = b.slice(at + 46 + name_len, extra_len, "extra field");
    for (size_t e = 0; e + 4 <= extra.size();) {
      const Bytes x(extra, source);
      const uint64_t id = x.le(e, 2, "extra id");
      const uint64_t len = x.le(e + 2, 2, "extra length");
      if (id == 1) {
        size_t p = e + 4;
        for (uint64_t* field : {&uncompressed, &compressed, &local}) {
          if (*field == 0xFFFFFFFF && p + 8 <= e + 4 + len) {
            *field = x.le(p, 8, "zip64 value");
            p += 8;
          }
        }
      }
      e += 4 + static_cast<size_t>(len);
    }
    at += 46 + name_len + extra_len + comment_len;

    if ((flags & 1) != 0) fail(source, name + " is encrypted");
    if (method != 0) {
      fail(source, name + " is compressed (method " + std::to_string(method) +
                       "; np.savez_compressed?): only stored entries (np.savez) are read");
    }
    if (compressed != uncompressed) fail(source, name + ": stored entry with two different sizes");
    if (b.le(local, 4, "local header") != 0x04034b50) fail(source, name + ": local header missing");
    const uint64_t data_at = local + 30 + b.le(local + 26, 2, "local name length") +
                             b.le(local + 28, 2, "local extra length");
    const std::string_view data = b.slice(data_at, compressed, "entry data");
    if (crc32(data) != crc) fail(source, name + ": CRC mismatch (corrupt archive)");
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".npy") != 0) continue;
    NpyArray a = read_npy(data, std::string(source) + ":" + name);
    a.name = name.substr(0, name.size() - 4);
    arrays.push_back(std::move(a));
  }
  return arrays;
}

}  // namespace stream_tts::kokoro
