// A read-only memory mapping of a whole file: weights are read in place, and pages the model never
// touches are never loaded. Move-only; the mapping lives until the object is destroyed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stream_tts::nn::onnx {

class MappedFile {
 public:
  // Throws Error(kNotFound) when the file cannot be opened, Error(kDataError) when it cannot be
  // mapped (a directory, a device). An empty file maps to an empty view.
  static MappedFile open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }
  const std::string& path() const { return path_; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace stream_tts::nn::onnx
