#include "worker/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/spawn_signals.h"
#include "worker/environment.h"

extern char** environ;

namespace stream_tts::worker {
namespace {

Status errno_status(const std::string& what, int err) {
  return {StatusCode::kUnavailable, what + ": " + std::strerror(err)};
}

// Our descriptors live above 2 so that dup2 onto 0..2 in the child never overwrites one of them
// (a parent started with a closed stdin would otherwise hand out fd 0 to a pipe).
int lift(int fd) {
  if (fd < 0 || fd > 2) return fd;
  const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return high;
}

bool make_pipe(int* read_end, int* write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  *read_end = lift(fds[0]);
  *write_end = lift(fds[1]);
  return *read_end >= 0 && *write_end >= 0;
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// The child's environment: ours, with the config's variables (and the socket path) set over it.
std::vector<std::string> child_environment(const WorkerConfig& config,
                                           const std::string& socket_path) {
  std::vector<std::string> env;
  auto overridden = [&](std::string_view entry) {
    const size_t eq = entry.find('=');
    const std::string_view name = entry.substr(0, eq);
    if (name == "STREAM_TTS_WORKER_SOCKET") return true;
    return config.env.find(std::string(name)) != config.env.end();
  };
  for (char** e = environ; e && *e; ++e) {
    if (!overridden(*e)) env.emplace_back(*e);
  }
  for (const auto& [k, v] : config.env) env.push_back(k + "=" + v);
  if (!socket_path.empty()) env.push_back("STREAM_TTS_WORKER_SOCKET=" + socket_path);
  return env;
}

class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
};

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);  // close-on-exec by definition
  return fd >= 0 ? lift(static_cast<int>(fd)) : -1;
#else
  return -1;
#endif
}

}  // namespace

Result<std::unique_ptr<WorkerProcess>> WorkerProcess::spawn(const WorkerConfig& config) {
  const std::vector<std::string> argv = config.argv();
  if (argv.empty() || argv[0].empty()) {
    return Status(StatusCode::kInvalidArgument, "worker " + config.name + " has no command");
  }
  std::unique_ptr<WorkerProcess> p(new WorkerProcess());
  const std::string what = "cannot start worker " + config.name;
  // Our ends of the pipes; the child's ends are closed here once it has them.
  int child_in = -1, child_out = -1, child_log = -1;
  struct Closer {
    int* fds[3];
    ~Closer() {
      for (int* fd : fds) {
        if (*fd >= 0) ::close(*fd);
        *fd = -1;
      }
    }
  } closer{{&child_in, &child_out, &child_log}};

  if (!make_pipe(&p->log_fd_, &child_log)) return errno_status(what, errno);
  if (config.transport == Transport::kStdio) {
    if (!make_pipe(&child_in, &p->write_fd_) || !make_pipe(&p->frames_fd_, &child_out)) {
      return errno_status(what, errno);
    }
    set_nonblocking(p->write_fd_);
    set_nonblocking(p->frames_fd_);
  } else {
    std::string tmpl = runtime_dir() + "/stream-tts-worker-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr)
      return errno_status(what + ": socket directory under " + runtime_dir(), errno);
    p->socket_dir_ = tmpl;  // mkdtemp makes it 0700
    p->socket_path_ = tmpl + "/socket";
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (p->socket_path_.size() >= sizeof(addr.sun_path)) {
      return Status(StatusCode::kUnavailable, what + ": socket path too long: " + p->socket_path_);
    }
    std::memcpy(addr.sun_path, p->socket_path_.c_str(), p->socket_path_.size() + 1);
    p->listen_fd_ = lift(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (p->listen_fd_ < 0) return errno_status(what + ": socket", errno);
    if (::bind(p->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::chmod(p->socket_path_.c_str(), 0600) != 0 || ::listen(p->listen_fd_, 1) != 0) {
      return errno_status(what + ": socket " + p->socket_path_, errno);
    }
  }

  SpawnSetup s;
  if (config.transport == Transport::kStdio) {
    posix_spawn_file_actions_adddup2(&s.actions, child_in, 0);
    posix_spawn_file_actions_adddup2(&s.actions, child_out, 1);
  } else {
    posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&s.actions, child_log, 1);
  }
  posix_spawn_file_actions_adddup2(&s.actions, child_log, 2);
  // Whatever other code in this process opened without O_CLOEXEC stays out of the worker.
  posix_spawn_file_actions_addclosefrom_np(&s.actions, 3);
  if (!config.cwd.empty()) posix_spawn_file_actions_addchdir_np(&s.actions, config.cwd.c_str());
  const short signal_flags = reset_child_signals(&s.attr, {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT});
  posix_spawnattr_setpgroup(&s.attr, 0);
  posix_spawnattr_setflags(&s.attr, signal_flags | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings = child_environment(config, p->socket_path_);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &s.actions, &s.attr, args.data(), envp.data());
  if (rc != 0) {
    std::string msg = what + ": " + argv[0] + ": " + std::strerror(rc);
    if (!config.cwd.empty()) msg += " (cwd " + config.cwd + ")";
    return Status(StatusCode::kUnavailable, msg);
  }
  p->pid_ = pid;
  p->exit_fd_ = open_pidfd(pid);
  set_nonblocking(p->log_fd_);
  return p;
}

WorkerProcess::~WorkerProcess() {
  kill_and_reap();
  for (int* fd : {&frames_fd_, &log_fd_, &exit_fd_, &listen_fd_}) close_fd(fd);
  if (write_fd_ >= 0 && write_fd_ != frames_fd_) ::close(write_fd_);
  write_fd_ = -1;
  remove_socket_dir();
}

void WorkerProcess::close_fd(int* fd) {
  if (*fd < 0) return;
  if (fd == &frames_fd_ && write_fd_ == frames_fd_) write_fd_ = -1;  // one socket for both
  ::close(*fd);
  *fd = -1;
}

void WorkerProcess::remove_socket_dir() {
  if (!socket_path_.empty()) ::unlink(socket_path_.c_str());
  if (!socket_dir_.empty()) ::rmdir(socket_dir_.c_str());
  socket_path_.clear();
  socket_dir_.clear();
}

Status WorkerProcess::accept_connection() {
  if (listen_fd_ < 0) return {StatusCode::kInternal, "no listening socket"};
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
      return {StatusCode::kEndOfStream, "not yet"};
    return errno_status("accept on " + socket_path_, errno);
  }
  ucred peer{};
  socklen_t len = sizeof(peer);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0 && peer.uid != ::getuid()) {
    ::close(fd);
    return {StatusCode::kUnavailable, "a process of another user connected to the worker socket"};
  }
  frames_fd_ = lift(fd);
  write_fd_ = frames_fd_;
  close_fd(&listen_fd_);
  remove_socket_dir();  // connected: nothing else may connect
  return {};
}

void WorkerProcess::close_output() {
  if (write_fd_ < 0) return;
  if (write_fd_ == frames_fd_) {
    ::shutdown(write_fd_, SHUT_WR);
  } else {
    ::close(write_fd_);
    write_fd_ = -1;
  }
}

void WorkerProcess::close_log() {
  close_fd(&log_fd_);
}

bool WorkerProcess::reap_if_exited() {
  if (reaped_ || pid_ <= 0) return reaped_;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  reaped_ = true;
  if (r == pid_) {
    if (WIFEXITED(status)) exit_status_ = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) term_signal_ = WTERMSIG(status);
  }
  return true;
}

bool WorkerProcess::wait_exit(double timeout_s) {
  const double deadline = now_ms() + timeout_s * 1000.0;
  while (!reap_if_exited()) {
    const double left = deadline - now_ms();
    if (left <= 0) return false;
    if (exit_fd_ >= 0) {
      pollfd pfd{exit_fd_, POLLIN, 0};
      ::poll(&pfd, 1, static_cast<int>(left) + 1);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(left < 5 ? 1 : 5));
    }
  }
  return true;
}

void WorkerProcess::signal(int sig) {
  if (reaped_ || pid_ <= 0) return;
  // The whole group: helpers the worker started die with it. Until reaped, the pid (and so the
  // group id) cannot belong to anyone else.
  if (::kill(-pid_, sig) != 0) ::kill(pid_, sig);
}

void WorkerProcess::kill_and_reap() {
  if (reaped_ || pid_ <= 0) return;
  signal(SIGKILL);
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  reaped_ = true;
  if (r == pid_) {
    if (WIFEXITED(status)) exit_status_ = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) term_signal_ = WTERMSIG(status);
  }
}

std::string WorkerProcess::exit_description() const {
  if (!reaped_) return "running";
  if (term_signal_ != 0)
    return "killed by signal " + std::to_string(term_signal_) + " (" + ::strsignal(term_signal_) +
           ")";
  if (exit_status_ >= 0) return "exited with status " + std::to_string(exit_status_);
  return "exited";
}

}  // namespace stream_tts::worker
