// The ONNX reader (src/nn/onnx, parse_model) and the Kokoro voices' .npz reader. Any bytes either
// parse or throw Error(kDataError) — never a crash, a sanitizer report or an allocation out of
// proportion to the input. A parsed model obeys what the weight mapping relies on: every tensor's
// bytes are exactly its element count times its element size and lie inside the input (or in
// storage the tensor owns), and the graph index finds every initializer and node output.
//
// Input: an ONNX ModelProto (the seeds: tools/kokoro/make_onnx_seeds.py). The same bytes also go
// through read_npz, whose zip and .npy headers are parsed with the same kind of bounds checks.
#include <string>

#include "fuzz_support.h"
#include "nn/onnx/onnx_file.h"
#include "nn/onnx/onnx_model.h"
#include "stream_tts/status.h"
#include "tts/kokoro/npz_reader.h"

namespace {

namespace onnx = stream_tts::nn::onnx;
namespace fz = stream_tts::fuzz;

void check_tensor(const onnx::Tensor& t, std::string_view input) {
  const size_t size = onnx::data_type_size(t.data_type);
  fz::check(size > 0, "a parsed tensor has a known element size", "", std::string(t.name));
  int64_t count = 1;
  for (int64_t d : t.dims) {
    fz::check(d >= 0, "dims are non-negative", "", std::string(t.name));
    count *= d;
  }
  fz::check(count == t.element_count(), "element_count is the product of dims");
  const auto bytes = t.bytes();
  fz::check(bytes.size() == static_cast<size_t>(count) * size, "a tensor's bytes match its dims",
            "", std::string(t.name));
  if (t.is_view() && !bytes.empty()) {
    const auto* begin = reinterpret_cast<const uint8_t*>(input.data());
    fz::check(bytes.data() >= begin && bytes.data() + bytes.size() <= begin + input.size(),
              "a tensor view lies inside the input");
  }
  if (count > 0 && t.data_type != onnx::DataType::kFloat16 &&
      t.data_type != onnx::DataType::kBfloat16 && t.data_type != onnx::DataType::kComplex64 &&
      t.data_type != onnx::DataType::kComplex128) {
    (void)t.as_double(static_cast<size_t>(count) - 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using stream_tts::Error;
  using stream_tts::StatusCode;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    const onnx::Model model = onnx::parse_model(input, "fuzz.onnx");
    for (const onnx::Tensor& t : model.graph.initializers) check_tensor(t, input);
    for (const onnx::Node& n : model.graph.nodes) {
      for (const onnx::Attribute& a : n.attributes) {
        for (const onnx::Tensor& t : a.tensors) check_tensor(t, input);
      }
    }
    const onnx::GraphIndex index(model.graph);
    for (const onnx::Tensor& t : model.graph.initializers) {
      fz::check(index.initializer(t.name) != nullptr, "the index finds every initializer", "",
                std::string(t.name));
    }
    for (const onnx::Node& n : model.graph.nodes) {
      for (std::string_view out : n.outputs) {
        if (!out.empty())
          fz::check(index.producer(out) != nullptr, "the index finds every producer");
      }
    }
  } catch (const Error& e) {
    fz::check(e.status().code() == StatusCode::kDataError, "a bad model is kDataError", "",
              e.what());
    fz::check(e.status().message().rfind("fuzz.onnx: ", 0) == 0, "the error names the file", "",
              e.what());
  }
  try {
    for (const auto& a : stream_tts::kokoro::read_npz(input, "fuzz.npz")) {
      fz::check(a.data.data() >= input.data() &&
                    a.data.data() + a.data.size() <= input.data() + input.size(),
                "an .npy array lies inside the archive");
    }
  } catch (const Error& e) {
    fz::check(e.status().code() == StatusCode::kDataError, "a bad archive is kDataError", "",
              e.what());
  }
  return 0;
}
