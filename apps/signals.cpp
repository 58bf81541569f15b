// Signal handling of the stream-tts program (signals.h).
//
// SIGINT and SIGTERM are blocked in every thread of the process, from before the first library is
// loaded, and one thread takes them from a signalfd. No asynchronous handler then decides anything:
// which thread the kernel would pick for a process-directed signal no longer matters, and nothing
// depends on how a sanitizer defers handlers (ThreadSanitizer runs a handler at the receiving
// thread's next intercepted call; a signal picked up by an idle thread was lost, hostile.signals).
#include "signals.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <thread>

#include "commands.h"
#include "core/log.h"

namespace stream_tts::cli {
namespace {

int g_signal_pipe[2] = {-1, -1};  // the fallback handler's byte to the watcher thread
int g_signal_fd = -1;             // SIGINT and SIGTERM, read by the watcher thread
// Lock-free atomics (async-signal-safe, for the fallback handler, which may run on two threads at
// once): the stop signals counted so far, the first one's number, and whether its warning is logged
// and its stop requested.
std::atomic<int> g_signals{0};
std::atomic<int> g_stop_signal{0};
std::atomic<bool> g_stop_handled{false};
static_assert(std::atomic<int>::is_always_lock_free);

// Counts a stop signal; the second one leaves at once. An open WAV file keeps a valid header (the
// sink updates it after every write), so only the chunk being written may be missing.
// Async-signal-safe.
void count_signal(int sig) {
  if (g_signals.fetch_add(1) > 0) {
    constexpr char kMessage[] = "[stream-tts] interrupted again: quitting at once\n";
    [[maybe_unused]] ssize_t w = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    _exit(kExitInterrupted);
  }
  g_stop_signal.store(sig);
}

// Only reached on a thread that unblocked SIGINT or SIGTERM itself (a library's, or every thread
// when no signalfd could be made): count it and wake the watcher.
extern "C" void on_signal(int sig) {
  count_signal(sig);
  const char byte = 1;
  [[maybe_unused]] ssize_t n = ::write(g_signal_pipe[1], &byte, 1);
}

constexpr int kStopSignals[] = {SIGINT, SIGTERM};

// kStopSignals as a kernel signal mask (the first 64 signals, what rt_sigprocmask takes).
constexpr uint64_t stop_signal_mask() {
  uint64_t mask = 0;
  for (int sig : kStopSignals) mask |= uint64_t{1} << (sig - 1);
  return mask;
}

// Runs before every shared library's constructor (.preinit_array, which only an executable has):
// blocks SIGINT and SIGTERM in the main thread, so that every thread started from here on, a
// library's pool started by its constructor (OpenBLAS) included, inherits them blocked. A raw system
// call: nothing is initialised yet, a sanitizer's interceptors included. (A signal during the
// dynamic loader's work before this still takes its default action.)
extern "C" void stream_tts_block_stop_signals(int, char**, char**) {
  constexpr uint64_t mask = stop_signal_mask();
  ::syscall(SYS_rt_sigprocmask, SIG_BLOCK, &mask, nullptr, sizeof mask);
}
[[gnu::section(".preinit_array"), gnu::used]] void (*const kBlockStopSignals)(int, char**, char**) =
    stream_tts_block_stop_signals;

sigset_t stop_signals() {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : kStopSignals) sigaddset(&s, sig);
  return s;
}

// The watcher thread: turns the first stop signal into its warning and stop->request_stop() (not
// async-signal-safe, hence a thread); count_signal() ends the process at the second.
void watch(std::stop_source* stop) {
  for (;;) {
    pollfd fds[2] = {{g_signal_fd, POLLIN, 0}, {g_signal_pipe[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      if (::read(g_signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        count_signal(static_cast<int>(info.ssi_signo));
      }
    }
    if ((fds[1].revents & POLLIN) != 0) {
      char byte;
      [[maybe_unused]] ssize_t n = ::read(g_signal_pipe[0], &byte, 1);
    }
    if (g_stop_signal.load() != 0 && !g_stop_handled.load()) {
      if (g_stop_signal.load() == SIGINT) {
        log::warn("interrupted (Ctrl-C): stopping; Ctrl-C again quits at once");
      } else {
        log::warn("SIGTERM received: stopping; a second signal quits at once");
      }
      stop->request_stop();
      g_stop_handled.store(true);
    }
  }
}

}  // namespace

// Called first thing in main, so that a signal at any later point stops the program cleanly (outputs
// closed, WAV header written) instead of killing it; one that came since the loader is pending and
// is read now.
void watch_signals(std::stop_source* stop) {
  // A reader that goes away (`stream-tts --out raw | head -c 1000`, a closed log pipe) and a file
  // size limit (`ulimit -f`) must surface as write errors that name the output, not kill the
  // process: the sinks report EPIPE and EFBIG as errors.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  const sigset_t mask = stop_signals();
  if (::pipe2(g_signal_pipe, O_CLOEXEC) != 0) {
    pthread_sigmask(SIG_UNBLOCK, &mask, nullptr);  // default actions: better than signals held forever
    return;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  g_signal_fd = ::signalfd(-1, &mask, SFD_CLOEXEC);
  if (g_signal_fd < 0) pthread_sigmask(SIG_UNBLOCK, &mask, nullptr);  // the handler alone, then
  std::thread(watch, stop).detach();  // ends with the process
}

bool stop_signal_arrived() {
  if (g_stop_signal.load() == 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!g_stop_handled.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

}  // namespace stream_tts::cli
