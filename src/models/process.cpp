#include "models/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "core/spawn_signals.h"

extern char** environ;

namespace stream_tts::models {
namespace {

// Closes a descriptor once; -1 means already closed.
struct Fd {
  int fd = -1;
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

bool make_pipe(Fd* read_end, Fd* write_end) {
  int fds[2];
  // Close-on-exec: the child gets only the ends that dup2 places on 1 and 2.
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end->fd = fds[0];
  write_end->fd = fds[1];
  return true;
}

void write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;  // our stderr is gone: nothing useful to do with the text
    data += w;
    n -= static_cast<size_t>(w);
  }
}

class Spawn {
 public:
  Spawn() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
  }
  ~Spawn() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

int wait_child(pid_t pid, ProcessResult* result) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) result->exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result->term_signal = WTERMSIG(status);
  return 0;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  ProcessResult result;
  if (argv.empty()) {
    result.start_error = "no program given";
    return result;
  }
  Fd out_read, out_write, err_read, err_write;
  if (!make_pipe(&out_read, &out_write) || !make_pipe(&err_read, &err_write)) {
    result.start_error = std::strerror(errno);
    return result;
  }
  Spawn spawn;
  posix_spawn_file_actions_addopen(&spawn.actions_, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&spawn.actions_, options.on_stdout ? out_write.fd : err_write.fd, 1);
  posix_spawn_file_actions_adddup2(&spawn.actions_, err_write.fd, 2);
  // The child starts with default signal handling, whatever the CLI installed for itself.
  posix_spawnattr_setflags(&spawn.attr_, reset_child_signals(&spawn.attr_, {SIGINT, SIGTERM, SIGPIPE}));

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &spawn.actions_, &spawn.attr_, args.data(), environ);
  if (rc != 0) {
    result.start_error = std::strerror(rc);
    return result;
  }
  result.started = true;
  out_write.reset();
  err_write.reset();
  if (!options.on_stdout) out_read.reset();

  // Reset before the child is reaped: after waitpid its pid may belong to another process.
  std::optional<std::stop_callback<std::function<void()>>> on_stop;
  on_stop.emplace(options.stop, std::function<void()>([pid] { ::kill(pid, SIGTERM); }));
  std::vector<char> buffer(1 << 20);
  try {
    while (out_read.fd >= 0 || err_read.fd >= 0) {
      pollfd fds[2] = {{out_read.fd, POLLIN, 0}, {err_read.fd, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        Fd& fd = i == 0 ? out_read : err_read;
        if (fd.fd < 0 || fds[i].revents == 0) continue;
        const ssize_t n = ::read(fd.fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          fd.reset();
          continue;
        }
        const std::span<const char> chunk(buffer.data(), static_cast<size_t>(n));
        if (i == 0) {
          options.on_stdout(chunk);
        } else {
          if (options.forward_stderr) write_all(2, chunk.data(), chunk.size());
          result.stderr_tail.append(chunk.data(), chunk.size());
          if (result.stderr_tail.size() > options.stderr_tail_bytes) {
            result.stderr_tail.erase(0, result.stderr_tail.size() - options.stderr_tail_bytes);
          }
        }
      }
    }
  } catch (...) {
    on_stop.reset();
    ::kill(pid, SIGTERM);
    out_read.reset();
    err_read.reset();
    wait_child(pid, &result);
    throw;
  }
  on_stop.reset();
  wait_child(pid, &result);
  result.stopped = options.stop.stop_requested();
  return result;
}

}  // namespace stream_tts::models
