#include "models/progress.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

namespace stream_tts::models {
namespace {

using Clock = std::chrono::steady_clock;

void write_stderr(const std::string& s) {
  const char* p = s.data();
  size_t n = s.size();
  while (n > 0) {
    const ssize_t w = ::write(2, p, n);
    if (w <= 0) return;  // progress is best effort
    p += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

std::string human_size(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes >= 1000ull * 1000 * 1000) return fmt::format("{:.2f} GB", b / 1e9);
  if (bytes >= 1000ull * 1000) return fmt::format("{:.1f} MB", b / 1e6);
  if (bytes >= 1000ull) return fmt::format("{:.1f} kB", b / 1e3);
  return fmt::format("{} B", bytes);
}

Progress::Progress(std::string label, std::uint64_t total_bytes, ProgressStyle style)
    : label_(std::move(label)), total_(total_bytes), style_(style), start_(Clock::now()) {
  // Small files take less time than reading the progress would.
  constexpr std::uint64_t kWorthShowing = 32ull << 20;
  if (style_ == ProgressStyle::kAuto && total_ < kWorthShowing) style_ = ProgressStyle::kOff;
  if (style_ == ProgressStyle::kAuto) style_ = ::isatty(2) ? ProgressStyle::kBar : ProgressStyle::kLines;
  last_draw_ = start_;
  if (style_ == ProgressStyle::kLines) write_stderr(fmt::format("{}: {}\n", label_, human_size(total_)));
  if (style_ == ProgressStyle::kBar) draw_bar(false);
}

Progress::~Progress() {
  if (!finished_ && style_ == ProgressStyle::kBar) write_stderr("\n");
}

std::string Progress::counts() const {
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = seconds > 0.05 ? static_cast<double>(done_) / seconds : 0.0;
  return fmt::format("{}/{}  {}/s", human_size(done_), human_size(total_),
                     human_size(static_cast<std::uint64_t>(rate)));
}

void Progress::draw_bar(bool final) {
  constexpr int kWidth = 30;
  const double fraction = total_ == 0 ? 1.0 : std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
  const int filled = static_cast<int>(fraction * kWidth);
  // "\x1b[K" clears what a longer previous line left behind.
  write_stderr(fmt::format("\r{} [{}{}] {:3d}%  {}\x1b[K{}", label_, std::string(filled, '#'),
                           std::string(kWidth - filled, '-'), static_cast<int>(fraction * 100), counts(),
                           final ? "\n" : ""));
  last_draw_ = Clock::now();
}

void Progress::add(std::uint64_t bytes) {
  done_ += bytes;
  if (style_ == ProgressStyle::kBar) {
    // A redraw per 1 MiB chunk would flood a slow terminal; 10 per second reads as smooth.
    if (Clock::now() - last_draw_ >= std::chrono::milliseconds(100)) draw_bar(false);
  } else if (style_ == ProgressStyle::kLines && total_ > 0) {
    while (next_quarter_ < 4 && done_ * 4 >= total_ * static_cast<std::uint64_t>(next_quarter_)) {
      write_stderr(fmt::format("{}: {}%  {}\n", label_, next_quarter_ * 25, counts()));
      ++next_quarter_;
    }
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (style_ == ProgressStyle::kBar) draw_bar(true);
  if (style_ == ProgressStyle::kLines) write_stderr(fmt::format("{}: done  {}\n", label_, counts()));
}

}  // namespace stream_tts::models
