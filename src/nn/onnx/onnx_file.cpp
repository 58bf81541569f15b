#include "nn/onnx/onnx_file.h"

#include <algorithm>

namespace stream_tts::nn::onnx {

GraphIndex::GraphIndex(const Graph& graph) {
  for (const Tensor& t : graph.initializers) initializers_.emplace(t.name, &t);
  for (const Node& n : graph.nodes) {
    for (std::string_view out : n.outputs) {
      if (!out.empty()) producers_.emplace(out, &n);
    }
    for (std::string_view in : n.inputs) {
      if (in.empty()) continue;
      auto& list = consumers_[in];
      if (list.empty() || list.back() != &n) list.push_back(&n);
    }
  }
}

const Tensor* GraphIndex::initializer(std::string_view name) const {
  const auto it = initializers_.find(name);
  return it == initializers_.end() ? nullptr : it->second;
}

const Node* GraphIndex::producer(std::string_view value) const {
  const auto it = producers_.find(value);
  return it == producers_.end() ? nullptr : it->second;
}

const std::vector<const Node*>& GraphIndex::consumers(std::string_view value) const {
  static const std::vector<const Node*> kNone;
  const auto it = consumers_.find(value);
  return it == consumers_.end() ? kNone : it->second;
}

OnnxFile OnnxFile::load(const std::string& path) {
  OnnxFile f;
  f.file_ = MappedFile::open(path);
  f.model_ = parse_model(f.file_.bytes(), path);
  f.index_ = GraphIndex(f.model_.graph);
  return f;
}

}  // namespace stream_tts::nn::onnx
