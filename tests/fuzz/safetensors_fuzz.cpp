// The safetensors reader (src/nn/safetensors). A rejected image is a kDataError Status and nothing
// else; an accepted one has every tensor inside the data section, and every F32/F16/BF16 tensor
// loads with as many values as its shape says.
//
// Input: the bytes of a .safetensors file.
#include <string>

#include "fuzz_support.h"
#include "nn/safetensors/safetensors.h"
#include "stream_tts/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stream_tts;
  namespace fz = stream_tts::fuzz;
  auto file = nn::SafetensorsFile::from_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!file) {
    fz::check(file.status().code() == StatusCode::kDataError, "a bad safetensors image is kDataError", "",
              file.status().to_string());
    return 0;
  }
  for (const auto& [name, info] : file->tensors()) {
    fz::check(info.begin <= info.end, "safetensors: offsets are ordered", "", name);
    auto t = file->load_f32(name);
    if (info.dtype == nn::DType::kF32 || info.dtype == nn::DType::kF16 || info.dtype == nn::DType::kBF16) {
      fz::check(t.is_ok(), "safetensors: a float tensor loads", "", name);
      if (t.is_ok()) {
        fz::check(t->shape == info.shape, "safetensors: the shape is kept", "", name);
        volatile float sink = 0;
        for (int64_t i = 0; i < t->numel(); ++i) sink = sink + t->data[i];
      }
    } else {
      fz::check(!t.is_ok(), "safetensors: other dtypes are refused", "", name);
    }
  }
  return 0;
}
