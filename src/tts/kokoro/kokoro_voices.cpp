#include "tts/kokoro/kokoro_voices.h"

#include <map>
#include <cstring>
#include <utility>

#include "nn/onnx/mapped_file.h"
#include "tts/kokoro/npz_reader.h"
#include "tts/voice_blend.h"

namespace stream_tts::kokoro {

KokoroVoices KokoroVoices::load(const std::string& npz_path) {
  const nn::onnx::MappedFile file = nn::onnx::MappedFile::open(npz_path);
  return parse(file.bytes(), npz_path);
}

KokoroVoices KokoroVoices::parse(std::string_view npz_bytes, std::string_view source) {
  KokoroVoices v;
  for (const NpyArray& a : read_npz(npz_bytes, source)) {
    const std::string what = std::string(source) + ": voice " + a.name;
    const bool shape_ok = (a.shape.size() == 3 && a.shape[1] == 1 && a.shape[2] == kStyleDim) ||
                          (a.shape.size() == 2 && a.shape[1] == kStyleDim);
    if (a.descr != "<f4" || !shape_ok || a.shape[0] == 0) {
      throw Error(StatusCode::kDataError,
                  what + " is not float32 (rows, 1, 256) (dtype " + a.descr + ")");
    }
    if (v.rows_ != 0 && a.shape[0] != v.rows_) {
      throw Error(StatusCode::kDataError, what + " has " + std::to_string(a.shape[0]) +
                                              " rows, the others " + std::to_string(v.rows_));
    }
    v.rows_ = a.shape[0];
    std::vector<float> table(v.rows_ * kStyleDim);
    std::memcpy(table.data(), a.data.data(),
                table.size() * sizeof(float));  // sizes checked by read_npy
    v.voices_[a.name] = std::move(table);
  }
  if (v.voices_.empty())
    throw Error(StatusCode::kDataError, std::string(source) + ": no voices in the archive");
  return v;
}

std::vector<std::string> KokoroVoices::names() const {
  std::vector<std::string> out;
  for (const auto& [name, table] : voices_) out.push_back(name);
  return out;
}

Result<std::vector<float>> KokoroVoices::style_table(std::string_view spec) const {
  auto parsed = parse_voice_blend(spec);
  if (!parsed) return parsed.status();
  std::map<std::string, double> parts;  // sorted by name: the worker's summation order
  double total = 0;
  for (const auto& [name, weight] : *parsed) {
    if (!has(name)) {
      std::string known;
      for (const auto& n : names()) {
        if (!known.empty()) known += ", ";
        known += n;
      }
      return Status(StatusCode::kInvalidArgument,
                    "unknown Kokoro voice '" + name + "' (voices: " + known + ")");
    }
    parts.emplace(name, weight);
    total += weight;
  }
  if (parts.size() == 1) return voices_.at(parts.begin()->first);
  std::vector<float> table(rows_ * kStyleDim, 0.0f);
  for (const auto& [name, weight] : parts) {
    const float w = static_cast<float>(weight / total);
    const std::vector<float>& voice = voices_.at(name);
    for (size_t i = 0; i < table.size(); ++i) table[i] += w * voice[i];
  }
  return table;
}

std::span<const float> KokoroVoices::style_row(std::span<const float> table, size_t tokens) {
  const size_t rows = table.size() / kStyleDim;
  if (rows == 0) return {};
  const size_t row = (tokens == 0 ? 1 : std::min(tokens, rows)) - 1;
  return table.subspan(row * kStyleDim, kStyleDim);
}

}  // namespace stream_tts::kokoro
