#include "nn/safetensors/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace stream_tts::nn {
namespace {

// A header larger than this is not a weight file (the real ones are well under 1 MB; the reference
// implementation refuses 100 MB too).
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct Mapping {
  void* addr = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (addr != nullptr && addr != MAP_FAILED) ::munmap(addr, size);
  }
};

struct DTypeEntry {
  const char* name;
  DType dtype;
  int bytes;
};
constexpr DTypeEntry kDTypes[] = {
    {"F32", DType::kF32, 4},  {"F16", DType::kF16, 2}, {"BF16", DType::kBF16, 2}, {"F64", DType::kF64, 8},
    {"I64", DType::kI64, 8},  {"I32", DType::kI32, 4}, {"I16", DType::kI16, 2},   {"I8", DType::kI8, 1},
    {"U8", DType::kU8, 1},    {"BOOL", DType::kBool, 1},
};

// Bytes per element, 0 when the dtype is unknown (its size then cannot be checked).
int dtype_bytes(std::string_view text, DType* dtype) {
  for (const auto& e : kDTypes) {
    if (text == e.name) {
      *dtype = e.dtype;
      return e.bytes;
    }
  }
  *dtype = DType::kOther;
  if (text == "F8_E4M3" || text == "F8_E5M2" || text == "U8") return 1;
  return 0;
}

Status bad(const std::string& name, const std::string& what) {
  return Status(StatusCode::kDataError, fmt::format("{}: not a valid safetensors file: {}", name, what));
}

}  // namespace

const char* dtype_name(DType dtype) {
  for (const auto& e : kDTypes) {
    if (e.dtype == dtype) return e.name;
  }
  return "other";
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      mantissa &= 0x3ffu;
      bits = sign | (exponent << 23) | (mantissa << 13);
    }
  } else if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float bf16_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    return Status(e == ENOENT ? StatusCode::kNotFound : StatusCode::kDataError,
                  fmt::format("{}: cannot open: {}", path, std::strerror(e)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(StatusCode::kDataError, fmt::format("{}: not a regular file", path));
  }
  auto mapping = std::make_shared<Mapping>();
  mapping->size = static_cast<size_t>(st.st_size);
  if (mapping->size > 0) {
    mapping->addr = ::mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, fd, 0);
  }
  ::close(fd);
  if (mapping->size > 0 && mapping->addr == MAP_FAILED) {
    return Status(StatusCode::kDataError, fmt::format("{}: cannot map: {}", path, std::strerror(errno)));
  }
  const char* bytes = static_cast<const char*>(mapping->addr);
  return parse(mapping, bytes, mapping->size, path);
}

Result<SafetensorsFile> SafetensorsFile::from_bytes(std::string bytes, const std::string& name) {
  auto owned = std::make_shared<std::string>(std::move(bytes));
  return parse(owned, owned->data(), owned->size(), name);
}

Result<SafetensorsFile> SafetensorsFile::parse(std::shared_ptr<const void> owner, const char* bytes, uint64_t size,
                                               const std::string& name) {
  if (size < 8) return bad(name, fmt::format("{} bytes, shorter than the 8-byte header length", size));
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[i]);
  if (header_len > kMaxHeaderBytes) return bad(name, fmt::format("header length {} is implausible", header_len));
  if (header_len > size - 8) {
    return bad(name, fmt::format("truncated: the header needs {} bytes, the file has {}", header_len, size - 8));
  }
  SafetensorsFile file;
  file.owner_ = std::move(owner);
  file.path_ = name;
  file.data_ = bytes + 8 + header_len;
  file.data_size_ = size - 8 - header_len;

  simdjson::dom::parser parser;
  const simdjson::padded_string header(bytes + 8, static_cast<size_t>(header_len));
  simdjson::dom::object root;
  if (auto err = parser.parse(header).get_object().get(root); err != simdjson::SUCCESS) {
    return bad(name, fmt::format("header is not a JSON object ({})", simdjson::error_message(err)));
  }
  for (auto field : root) {
    const std::string key(field.key);
    if (key == "__metadata__") {
      simdjson::dom::object meta;
      if (field.value.get_object().get(meta) != simdjson::SUCCESS) return bad(name, "__metadata__ is not an object");
      for (auto m : meta) {
        std::string_view v;
        if (m.value.get_string().get(v) == simdjson::SUCCESS) file.metadata_[std::string(m.key)] = std::string(v);
      }
      continue;
    }
    simdjson::dom::object entry;
    if (field.value.get_object().get(entry) != simdjson::SUCCESS) {
      return bad(name, fmt::format("entry '{}' is not an object", key));
    }
    TensorInfo info;
    std::string_view dtype;
    if (entry["dtype"].get_string().get(dtype) != simdjson::SUCCESS) {
      return bad(name, fmt::format("tensor '{}' has no dtype", key));
    }
    info.dtype_text = std::string(dtype);
    const int elem_bytes = dtype_bytes(dtype, &info.dtype);
    simdjson::dom::array shape, offsets;
    if (entry["shape"].get_array().get(shape) != simdjson::SUCCESS) {
      return bad(name, fmt::format("tensor '{}' has no shape", key));
    }
    uint64_t numel = 1;
    for (auto d : shape) {
      uint64_t dim;
      if (d.get_uint64().get(dim) != simdjson::SUCCESS || dim > (1ull << 40)) {
        return bad(name, fmt::format("tensor '{}' has a bad dimension", key));
      }
      if (dim != 0 && numel > std::numeric_limits<uint64_t>::max() / dim / 8) {
        return bad(name, fmt::format("tensor '{}' is impossibly large", key));
      }
      numel *= dim;
      info.shape.push_back(static_cast<int64_t>(dim));
    }
    if (entry["data_offsets"].get_array().get(offsets) != simdjson::SUCCESS || offsets.size() != 2) {
      return bad(name, fmt::format("tensor '{}' has no data_offsets [begin, end]", key));
    }
    if (offsets.at(0).get_uint64().get(info.begin) != simdjson::SUCCESS ||
        offsets.at(1).get_uint64().get(info.end) != simdjson::SUCCESS || info.begin > info.end) {
      return bad(name, fmt::format("tensor '{}' has bad data_offsets", key));
    }
    if (info.end > file.data_size_) {
      return bad(name, fmt::format("truncated: tensor '{}' ends at byte {} of the data, which has {}", key,
                                   info.end, file.data_size_));
    }
    if (elem_bytes > 0 && info.end - info.begin != numel * static_cast<uint64_t>(elem_bytes)) {
      return bad(name, fmt::format("tensor '{}' holds {} bytes but {} {} needs {}", key, info.end - info.begin,
                                   numel, info.dtype_text, numel * static_cast<uint64_t>(elem_bytes)));
    }
    file.tensors_.emplace(key, std::move(info));
  }
  return file;
}

const TensorInfo* SafetensorsFile::info(const std::string& tensor) const {
  auto it = tensors_.find(tensor);
  return it == tensors_.end() ? nullptr : &it->second;
}

Result<FloatTensor> SafetensorsFile::load_f32(const std::string& tensor) const {
  const TensorInfo* ti = info(tensor);
  if (ti == nullptr) return Status(StatusCode::kNotFound, fmt::format("{}: no tensor '{}'", path_, tensor));
  FloatTensor out;
  out.shape = ti->shape;
  const char* src = data_ + ti->begin;
  const size_t n = static_cast<size_t>(out.numel());
  if (ti->dtype == DType::kF32 && reinterpret_cast<uintptr_t>(src) % alignof(float) == 0) {
    out.data = reinterpret_cast<const float*>(src);
    out.owner = owner_;
    return out;
  }
  std::vector<float> values(n);
  switch (ti->dtype) {
    case DType::kF32:
      std::memcpy(values.data(), src, n * sizeof(float));
      break;
    case DType::kF16:
    case DType::kBF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        values[i] = ti->dtype == DType::kF16 ? half_to_float(h) : bf16_to_float(h);
      }
      break;
    default:
      return Status(StatusCode::kDataError, fmt::format("{}: tensor '{}' has dtype {}; only F32, F16 and BF16 "
                                                        "weights are supported", path_, tensor, ti->dtype_text));
  }
  return make_tensor(out.shape, std::move(values));
}

}  // namespace stream_tts::nn
