// Helpers for the model manager tests: a scratch folder, environment overrides and small wheels
// (zip files) made on the spot with Python's zipfile, the same module that reads them.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "models/process.h"

namespace stream_tts::models::testing {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, deleted with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "st-models-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Sets an environment variable for the scope and restores the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Writes a zip at `path` holding `members` (name -> bytes). Stored, not deflated, so that a test
// can damage a member's bytes in place and expect zipfile's CRC check to catch it.
inline void make_wheel(const fs::path& path, const std::map<std::string, std::string>& members) {
  const fs::path staging = path.parent_path() / (path.filename().string() + ".members");
  fs::create_directories(staging);
  std::vector<std::string> argv = {"python3", "-I", "-c",
                                   "import sys, zipfile\n"
                                   "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_STORED) as z:\n"
                                   "    for i in range(2, len(sys.argv), 2):\n"
                                   "        z.write(sys.argv[i + 1], sys.argv[i])\n",
                                   path.string()};
  int i = 0;
  for (const auto& [name, bytes] : members) {
    const fs::path file = staging / std::to_string(i++);
    write_file(file, bytes);
    argv.push_back(name);
    argv.push_back(file.string());
  }
  ProcessOptions options;
  const ProcessResult r = run_process(argv, options);
  ASSERT_TRUE(r.ok()) << "making " << path << " failed: " << r.stderr_tail << r.start_error;
  fs::remove_all(staging);
}

}  // namespace stream_tts::models::testing
