// Progress of a long byte-counting task (assembling or hashing a model file) on stderr: a bar
// redrawn in place on a terminal, a few plain lines otherwise (CI logs and pipes get no control
// characters). Not thread-safe; one task per object.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace stream_tts::models {

enum class ProgressStyle {
  kAuto,   // kBar when stderr is a terminal, else kLines; nothing for files under 32 MiB
  kBar,    // "\r label [#####-----]  48%  121.5/253.1 MB  95 MB/s"
  kLines,  // a line at 25 %, 50 %, 75 % and the end
  kOff,    // nothing
};

class Progress {
 public:
  Progress(std::string label, std::uint64_t total_bytes, ProgressStyle style);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(std::uint64_t bytes);
  // Draws the final state and ends the line. Without it (the task failed), the destructor only
  // ends a bar's line, so that an error message starts on a line of its own.
  void finish();

 private:
  void draw_bar(bool final);
  std::string counts() const;

  std::string label_;
  std::uint64_t total_;
  std::uint64_t done_ = 0;
  ProgressStyle style_;
  int next_quarter_ = 1;  // kLines: the next quarter to report
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "253.1 MB", "1.12 GB", "512 B" (decimal units, as pip prints them).
std::string human_size(std::uint64_t bytes);

}  // namespace stream_tts::models
