#include "models/verify.h"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "models/sha256.h"
#include "stream_tts/status.h"

namespace stream_tts::models {

namespace fs = std::filesystem;

std::string hash_file(const fs::path& path, const std::string& label, ProgressStyle style,
                      std::stop_token stop) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!in) throw Error(StatusCode::kNotFound, fmt::format("cannot open {}", path.string()));
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  Progress progress(label, ec ? 0 : size, style);
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    if (stop.stop_requested()) throw Error(StatusCode::kCancelled, "stopped");
    const size_t n = std::fread(buffer.data(), 1, buffer.size(), in.get());
    if (n > 0) {
      hash.update(std::string_view(buffer.data(), n));
      progress.add(n);
    }
    if (n < buffer.size()) break;
  }
  if (std::ferror(in.get())) throw Error(StatusCode::kUnavailable, fmt::format("cannot read {}", path.string()));
  progress.finish();
  return hash.finish_hex();
}

std::vector<std::string> verify_files(const fs::path& folder, const Manifest& manifest, ProgressStyle style,
                                      std::stop_token stop) {
  std::vector<std::string> problems;
  for (const auto& file : manifest.files) {
    const fs::path path = folder / file.name;
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) {
      problems.push_back(fmt::format("{}: missing", path.string()));
      continue;
    }
    if (size != file.size) {
      problems.push_back(fmt::format("{}: {} bytes, expected {}", path.string(), size, file.size));
      continue;  // a wrong size cannot hash right; skip the long read
    }
    const std::string actual = hash_file(path, fmt::format("verifying {}", file.name), style, stop);
    if (actual != file.sha256) {
      problems.push_back(fmt::format("{}: sha256 {}, expected {} (the file is damaged)", path.string(),
                                     actual, file.sha256));
    }
  }
  return problems;
}

}  // namespace stream_tts::models
