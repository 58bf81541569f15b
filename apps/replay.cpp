#include "replay.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <string>

#include "stream_tts/status.h"

namespace stream_tts {
namespace {

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

std::jthread start_replay(std::string_view content, ReplayTiming timing, int* read_fd) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(StatusCode::kInternal, "pipe() failed");
  // A reader that stops early must not kill the process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  *read_fd = fds[0];
  return std::jthread([content = std::string(content), timing, wfd = fds[1]](std::stop_token stop) {
    size_t pos = 0;
    while (pos < content.size() && !stop.stop_requested()) {
      size_t end = content.find('\n', pos);
      end = end == std::string::npos ? content.size() : end + 1;
      std::string_view line(content.data() + pos, end - pos);
      pos = end;
      if (!write_all(wfd, line)) break;
      if (timing.speed > 0) {
        const bool delta = line.find("\"stream_event\"") != std::string_view::npos;
        const double ms = (delta ? timing.delta_ms : timing.other_ms) / timing.speed;
        std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms));
      }
    }
    ::close(wfd);
  });
}

}  // namespace stream_tts
