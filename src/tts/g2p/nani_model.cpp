#include "tts/g2p/nani_model.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <utility>

#include "stream_tts/status.h"

namespace stream_tts::g2p {

namespace {

// --- protobuf wire format: just what ModelProto -> GraphProto -> NodeProto -> AttributeProto needs
// --

struct Field {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  uint64_t varint = 0;    // wire type 0
  std::string_view data;  // wire types 1, 2, 5 (the raw bytes)
};

class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : rest_(bytes) {}

  // Reads the next field; false at the end. Throws Error(kDataError) on a malformed message.
  bool next(Field* f) {
    if (rest_.empty()) return false;
    const uint64_t key = varint();
    f->number = static_cast<uint32_t>(key >> 3);
    f->wire_type = static_cast<uint32_t>(key & 7);
    switch (f->wire_type) {
      case 0:
        f->varint = varint();
        break;
      case 1:
        f->data = take(8);
        break;
      case 2:
        f->data = take(static_cast<size_t>(varint()));
        break;
      case 5:
        f->data = take(4);
        break;
      default:
        throw Error(StatusCode::kDataError, "ONNX file: unsupported protobuf wire type");
    }
    return true;
  }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (rest_.empty()) break;
      const auto byte = static_cast<uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    throw Error(StatusCode::kDataError, "ONNX file: truncated varint");
  }

  bool empty() const { return rest_.empty(); }

 private:
  std::string_view take(size_t n) {
    if (n > rest_.size()) throw Error(StatusCode::kDataError, "ONNX file: truncated field");
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }

  std::string_view rest_;
};

float to_float(std::string_view four) {
  float f = 0;
  std::memcpy(&f, four.data(), sizeof f);  // little-endian, as protobuf and x86/ARM are
  return f;
}

// One AttributeProto (onnx.proto: 1 name, 4 s, 7 floats, 8 ints, 9 strings).
struct Attribute {
  std::string name;
  std::string s;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
};

Attribute parse_attribute(std::string_view bytes) {
  Attribute a;
  WireReader r(bytes);
  Field f;
  while (r.next(&f)) {
    switch (f.number) {
      case 1:
        a.name = f.data;
        break;
      case 4:
        a.s = f.data;
        break;
      case 7:
        if (f.wire_type == 5) {
          a.floats.push_back(to_float(f.data));
        } else {
          for (size_t i = 0; i + 4 <= f.data.size(); i += 4)
            a.floats.push_back(to_float(f.data.substr(i, 4)));
        }
        break;
      case 8:
        if (f.wire_type == 0) {
          a.ints.push_back(static_cast<int64_t>(f.varint));
        } else {
          WireReader packed(f.data);
          while (!packed.empty()) a.ints.push_back(static_cast<int64_t>(packed.varint()));
        }
        break;
      case 9:
        a.strings.emplace_back(f.data);
        break;
      default:
        break;
    }
  }
  return a;
}

struct OnnxNode {
  std::string op_type;
  std::map<std::string, Attribute> attributes;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(StatusCode::kNotFound, "cannot read " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return std::move(buffer).str();
}

// The nodes of the model's graph, in file order (ModelProto.graph = 7, GraphProto.node = 1,
// NodeProto.op_type = 4, NodeProto.attribute = 5).
std::vector<OnnxNode> read_graph_nodes(std::string_view bytes) {
  std::vector<OnnxNode> nodes;
  WireReader model(bytes);
  Field f;
  while (model.next(&f)) {
    if (f.number != 7 || f.wire_type != 2) continue;
    WireReader graph(f.data);
    Field g;
    while (graph.next(&g)) {
      if (g.number != 1 || g.wire_type != 2) continue;
      OnnxNode node;
      WireReader reader(g.data);
      Field n;
      while (reader.next(&n)) {
        if (n.number == 4 && n.wire_type == 2) node.op_type = n.data;
        if (n.number == 5 && n.wire_type == 2) {
          Attribute a = parse_attribute(n.data);
          node.attributes[a.name] = std::move(a);
        }
      }
      nodes.push_back(std::move(node));
    }
  }
  return nodes;
}

const Attribute& attribute(const OnnxNode& node, const std::string& name) {
  const auto it = node.attributes.find(name);
  if (it == node.attributes.end())
    throw Error(StatusCode::kDataError, node.op_type + " has no attribute " + name);
  return it->second;
}

}  // namespace

NaniModel NaniModel::load(const std::string& encoder_path, const std::string& forest_path) {
  try {
    return parse(read_file(encoder_path), read_file(forest_path));
  } catch (const Error& e) {
    if (e.status().code() != StatusCode::kDataError) throw;
    throw Error(StatusCode::kDataError,
                encoder_path + ", " + forest_path + ": " + e.status().message());
  }
}

NaniModel NaniModel::parse(std::string_view encoder_bytes, std::string_view forest_bytes) {
  NaniModel model;
  // The encoder: one OneHotEncoder per column, in column order (zeros=1: an unseen value is all
  // zeros).
  for (const OnnxNode& node : read_graph_nodes(encoder_bytes)) {
    if (node.op_type == "OneHotEncoder")
      model.categories_.push_back(attribute(node, "cats_strings").strings);
  }
  if (model.categories_.size() != 6) {
    throw Error(
        StatusCode::kDataError,
        "the encoder has " + std::to_string(model.categories_.size()) + " one-hot encoders, not 6");
  }
  size_t feature_count = 0;
  for (const auto& c : model.categories_) feature_count += c.size();

  const OnnxNode* forest = nullptr;
  const std::vector<OnnxNode> nodes = read_graph_nodes(forest_bytes);
  for (const OnnxNode& node : nodes) {
    if (node.op_type == "TreeEnsembleClassifier") forest = &node;
  }
  if (forest == nullptr) throw Error(StatusCode::kDataError, "no TreeEnsembleClassifier");
  const auto& tree_ids = attribute(*forest, "nodes_treeids").ints;
  const auto& node_ids = attribute(*forest, "nodes_nodeids").ints;
  const auto& feature_ids = attribute(*forest, "nodes_featureids").ints;
  const auto& values = attribute(*forest, "nodes_values").floats;
  const auto& modes = attribute(*forest, "nodes_modes").strings;
  const auto& true_ids = attribute(*forest, "nodes_truenodeids").ints;
  const auto& false_ids = attribute(*forest, "nodes_falsenodeids").ints;
  const auto& class_trees = attribute(*forest, "class_treeids").ints;
  const auto& class_nodes = attribute(*forest, "class_nodeids").ints;
  const auto& class_ids = attribute(*forest, "class_ids").ints;
  const auto& class_weights = attribute(*forest, "class_weights").floats;
  const size_t n = node_ids.size();
  if (tree_ids.size() != n || feature_ids.size() != n || values.size() != n || modes.size() != n ||
      true_ids.size() != n || false_ids.size() != n || class_nodes.size() != class_trees.size() ||
      class_ids.size() != class_trees.size() || class_weights.size() != class_trees.size()) {
    throw Error(StatusCode::kDataError, "inconsistent tree ensemble attributes");
  }

  std::map<std::pair<int64_t, int64_t>, int> index;  // (tree, node id) -> nodes_ index
  for (size_t i = 0; i < n; ++i) index[{tree_ids[i], node_ids[i]}] = static_cast<int>(i);
  auto find = [&](int64_t tree, int64_t node) {
    const auto it = index.find({tree, node});
    if (it == index.end()) throw Error(StatusCode::kDataError, "a branch to a missing node");
    return it->second;
  };
  model.nodes_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Node& node = model.nodes_[i];
    if (modes[i] == "LEAF") continue;
    if (modes[i] != "BRANCH_LEQ" || feature_ids[i] < 0 ||
        static_cast<size_t>(feature_ids[i]) >= feature_count) {
      throw Error(StatusCode::kDataError, "unexpected tree node " + modes[i]);
    }
    node.feature = static_cast<int>(feature_ids[i]);
    node.threshold = values[i];
    node.if_true = find(tree_ids[i], true_ids[i]);
    node.if_false = find(tree_ids[i], false_ids[i]);
  }
  for (size_t i = 0; i < class_trees.size(); ++i) {
    if (class_ids[i] < 0 || class_ids[i] > 1)
      throw Error(StatusCode::kDataError, "not two classes");
    model.nodes_[static_cast<size_t>(find(class_trees[i], class_nodes[i]))].weight[class_ids[i]] +=
        class_weights[i];
  }
  std::vector<int64_t> trees;  // in order of appearance
  for (int64_t t : tree_ids) {
    if (std::find(trees.begin(), trees.end(), t) == trees.end()) trees.push_back(t);
  }
  for (int64_t t : trees) model.roots_.push_back(find(t, 0));
  if (model.roots_.empty()) throw Error(StatusCode::kDataError, "no trees");
  // Every tree must be a tree: reads_nan() walks from the root to a leaf and must get there.
  std::vector<int> seen(n, -1);
  for (size_t r = 0; r < model.roots_.size(); ++r) {
    std::vector<int> stack = {model.roots_[r]};
    while (!stack.empty()) {
      const int i = stack.back();
      stack.pop_back();
      if (seen[static_cast<size_t>(i)] == static_cast<int>(r)) {
        throw Error(StatusCode::kDataError,
                    "a tree node is reached twice (a cycle or a shared node)");
      }
      seen[static_cast<size_t>(i)] = static_cast<int>(r);
      const Node& node = model.nodes_[static_cast<size_t>(i)];
      if (node.feature >= 0) {
        stack.push_back(node.if_true);
        stack.push_back(node.if_false);
      }
    }
  }
  return model;
}

bool NaniModel::reads_nan(const NjdWord& next) const {
  // One-hot: the active feature of each column, or none for a value the encoder never saw.
  const std::string* columns[6] = {&next.pos,  &next.pos_group1, &next.pos_group2,
                                   &next.pron, &next.ctype,      &next.cform};
  std::vector<int> active;
  int offset = 0;
  for (size_t c = 0; c < 6; ++c) {
    const auto& cats = categories_[c];
    for (size_t k = 0; k < cats.size(); ++k) {
      if (cats[k] == *columns[c]) active.push_back(offset + static_cast<int>(k));
    }
    offset += static_cast<int>(cats.size());
  }
  double votes[2] = {0, 0};
  for (int root : roots_) {
    int i = root;
    while (nodes_[static_cast<size_t>(i)].feature >= 0) {
      const Node& node = nodes_[static_cast<size_t>(i)];
      const float x =
          std::find(active.begin(), active.end(), node.feature) != active.end() ? 1.0F : 0.0F;
      i = x <= node.threshold ? node.if_true : node.if_false;
    }
    votes[0] += nodes_[static_cast<size_t>(i)].weight[0];
    votes[1] += nodes_[static_cast<size_t>(i)].weight[1];
  }
  return votes[1] > votes[0];
}

}  // namespace stream_tts::g2p
