// One started worker process and the descriptors the manager talks to it through
// (docs/worker-protocol.md, "Transport"). Internal to st_worker.
//
// The child gets only its three standard descriptors (closefrom(3) in the spawn, and every
// descriptor of ours is O_CLOEXEC besides), runs in its own process group (a Ctrl-C at the
// terminal reaches stream-tts, which then shuts the worker down in order, rather than every worker
// at once) and starts with default signal dispositions and an empty signal mask.
// Not thread-safe: one slot thread owns it.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "stream_tts/status.h"
#include "worker/worker_config.h"

namespace stream_tts::worker {

class WorkerProcess {
 public:
  // Starts config.argv(). stdio: frames on stdin/stdout, stderr is the log. unix: listens on a 0600
  // socket in a fresh 0700 directory named in STREAM_TTS_WORKER_SOCKET; the worker connects, and
  // accept_connection() completes the connection; stdin is /dev/null, stdout and stderr the log.
  // Errors: kUnavailable "cannot start worker NAME: PROGRAM: No such file or directory".
  static Result<std::unique_ptr<WorkerProcess>> spawn(const WorkerConfig& config);
  // Kills (SIGKILL) and reaps a process still running; closes every descriptor, removes the socket.
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Frames are read from frames_fd() and written to write_fd() (the same socket for unix; -1 until
  // accept_connection()). Our ends are non-blocking.
  int frames_fd() const { return frames_fd_; }
  int write_fd() const { return write_fd_; }
  int log_fd() const { return log_fd_; }
  // Readable once the process has exited (a pidfd); -1 where the kernel has none.
  int exit_fd() const { return exit_fd_; }
  // unix: the listening socket, readable when the worker connects; -1 otherwise.
  int listen_fd() const { return listen_fd_; }
  Status accept_connection();

  // Ends our output: the worker reads end of stream (after a shutdown frame, so a worker that
  // ignores it still sees its input close).
  void close_output();
  // The log descriptor reached end of stream.
  void close_log();

  // Reaps the process if it has exited; true once reaped.
  bool reap_if_exited();
  bool reaped() const { return reaped_; }
  // Waits (forwarding nothing) until the process exits or `timeout_s` passes; true once reaped.
  bool wait_exit(double timeout_s);
  void signal(int sig);  // to the process group, while not reaped
  // SIGKILL and reap.
  void kill_and_reap();
  // "exited with status 3", "killed by signal 9", "running".
  std::string exit_description() const;
  int exit_status() const { return exit_status_; }  // -1 unless it exited normally

 private:
  WorkerProcess() = default;
  void close_fd(int* fd);
  void remove_socket_dir();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_status_ = -1;
  int term_signal_ = 0;
  int frames_fd_ = -1;
  int write_fd_ = -1;
  int log_fd_ = -1;
  int exit_fd_ = -1;
  int listen_fd_ = -1;
  std::string socket_dir_;
  std::string socket_path_;
};

}  // namespace stream_tts::worker
