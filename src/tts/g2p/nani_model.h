// pyopenjtalk-plus's reading model for a lone 何 (yomi_model/nani_*.onnx, MIT): a one-hot encoder
// of the next word's (pos, pos_group1, pos_group2, pron, ctype, cform) and a 200-tree random forest
// (scikit-learn, exported by skl2onnx) that says ナン or ナニ. The two ONNX files are read with a
// small protobuf reader of our own and the forest is evaluated as ONNX Runtime's
// TreeEnsembleClassifier does; tests/unit/g2p checks it against the golden sentences.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tts/g2p/njd_frontend.h"

namespace stream_tts::g2p {

class NaniModel {
 public:
  // Reads nani_enc.onnx (the encoder) and nani_model.onnx (the forest). Throws Error(kNotFound)
  // when a file cannot be read, Error(kDataError) when it is not the model expected.
  static NaniModel load(const std::string& encoder_path, const std::string& forest_path);
  // The same from the files' bytes; throws Error(kDataError) for anything but such a model
  // (truncated protobuf, missing attributes, a branch to a missing node, a cycle).
  static NaniModel parse(std::string_view encoder_bytes, std::string_view forest_bytes);

  // True when 何 followed by `next` reads ナン (class 1), false for ナニ. Ties go to ナニ, as
  // numpy's argmax does.
  bool reads_nan(const NjdWord& next) const;

  size_t tree_count() const { return roots_.size(); }

 private:
  struct Node {
    int feature = -1;  // one-hot feature index; -1 for a leaf
    float threshold = 0;
    int if_true = 0;  // node index when feature value <= threshold
    int if_false = 0;
    double weight[2] = {0, 0};  // leaf: the class weights it adds
  };
  std::vector<std::vector<std::string>> categories_;  // per input column, in X_COLS order
  std::vector<Node> nodes_;
  std::vector<int> roots_;
};

}  // namespace stream_tts::g2p
