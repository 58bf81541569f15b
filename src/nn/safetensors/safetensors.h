// Reader for the safetensors format (Hugging Face): 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the raw data.
// The file is memory-mapped; F32 tensors are returned as views into the mapping, F16 and BF16 are
// converted to fp32 on load. Every structural problem (truncated file, bad JSON, offsets outside the
// data, a size that disagrees with dtype × shape) is reported with the file name, never trusted.
// Threads: a loaded SafetensorsFile is read-only and may be shared.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/tensor.h"
#include "stream_tts/status.h"

namespace stream_tts::nn {

enum class DType { kF32, kF16, kBF16, kF64, kI64, kI32, kI16, kI8, kU8, kBool, kOther };
const char* dtype_name(DType dtype);

struct TensorInfo {
  DType dtype = DType::kOther;
  std::string dtype_text;  // as written in the header ("F16", "F8_E4M3", ...)
  std::vector<int64_t> shape;
  uint64_t begin = 0;      // byte offsets within the data section
  uint64_t end = 0;
};

class SafetensorsFile {
 public:
  // Maps and checks `path`. kNotFound for a missing file, kDataError for anything malformed.
  static Result<SafetensorsFile> open(const std::string& path);
  // Checks an in-memory image (tests, fuzzing); `name` appears in error messages.
  static Result<SafetensorsFile> from_bytes(std::string bytes, const std::string& name);

  bool contains(const std::string& tensor) const { return tensors_.count(tensor) != 0; }
  const TensorInfo* info(const std::string& tensor) const;
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& path() const { return path_; }

  // The tensor as fp32 (kNotFound when absent, kDataError for an unsupported dtype).
  Result<FloatTensor> load_f32(const std::string& tensor) const;

 private:
  static Result<SafetensorsFile> parse(std::shared_ptr<const void> owner, const char* bytes, uint64_t size,
                                       const std::string& name);

  std::shared_ptr<const void> owner_;  // the mapping or the in-memory image
  const char* data_ = nullptr;         // start of the data section
  uint64_t data_size_ = 0;
  std::string path_;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// IEEE half and bfloat16 to float (exact).
float half_to_float(uint16_t h);
float bf16_to_float(uint16_t b);

}  // namespace stream_tts::nn
