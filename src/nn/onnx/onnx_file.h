// An ONNX file mapped into memory and parsed, with the look-ups a weight loader needs: initializers
// by name, the node that produces a value, the nodes that consume it. Initializer data stays in the
// mapping (Tensor::bytes() views it); nothing is copied but the small graph structure.
//
// Read-only after load(); any number of threads may use it. Views (names, tensors, nodes) live as
// long as the OnnxFile; moving it keeps them valid (the mapping and the vectors' buffers stay put).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nn/onnx/mapped_file.h"
#include "nn/onnx/onnx_model.h"

namespace stream_tts::nn::onnx {

// Name -> initializer / producer / consumers over one Graph (which must outlive the index).
class GraphIndex {
 public:
  GraphIndex() = default;
  explicit GraphIndex(const Graph& graph);

  const Tensor* initializer(std::string_view name) const;
  // The node whose outputs include `value`; nullptr for graph inputs, initializers, unknown names.
  const Node* producer(std::string_view value) const;
  // The nodes that read `value`, in graph order (a node that reads it twice appears once).
  const std::vector<const Node*>& consumers(std::string_view value) const;

 private:
  std::unordered_map<std::string_view, const Tensor*> initializers_;
  std::unordered_map<std::string_view, const Node*> producers_;
  std::unordered_map<std::string_view, std::vector<const Node*>> consumers_;
};

class OnnxFile {
 public:
  // Maps and parses `path`. Throws Error(kNotFound) when it cannot be opened, Error(kDataError)
  // (message: the path, what is wrong, the byte offset) when it is not a well-formed ONNX model.
  static OnnxFile load(const std::string& path);

  const Model& model() const { return model_; }
  const Graph& graph() const { return model_.graph; }
  const GraphIndex& index() const { return index_; }
  const std::string& path() const { return file_.path(); }
  size_t size_bytes() const { return file_.bytes().size(); }

 private:
  MappedFile file_;
  Model model_;
  GraphIndex index_;
};

}  // namespace stream_tts::nn::onnx
