// The worker manager against the real tone worker (a Python process speaking the protocol): no mock
// stands in for the worker. Each test starts its own processes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/clock.h"
#include "core/log.h"
#include "tone.h"
#include "worker/worker_manager.h"

namespace stream_tts::worker {
namespace {

using test::no_children;
using test::tone_config;

struct Collected {
  Status status;
  std::vector<std::string> payloads;
  std::vector<uint64_t> seqs;
  bool done = false;
  uint64_t done_chunks = 0;
  int sample_rate = 0;

  std::string audio() const {
    std::string all;
    for (const auto& p : payloads) all += p;
    return all;
  }
};

// Reads a call to its end; `on_chunk(n)` runs after the n-th chunk (1-based).
Collected collect(WorkerCall& call, const std::function<void(size_t)>& on_chunk = {},
                  std::stop_token stop = {}) {
  Collected c;
  for (;;) {
    WorkerEvent e;
    c.status = call.next(&e, stop);
    if (!c.status) return c;
    if (e.kind == WorkerEvent::Kind::kDone) {
      c.done = true;
      c.done_chunks = e.chunks;
      return c;
    }
    c.seqs.push_back(e.seq);
    c.sample_rate = e.sample_rate;
    c.payloads.push_back(std::move(e.payload));
    if (on_chunk) on_chunk(c.payloads.size());
  }
}

Collected speak(WorkerManager& m, const std::string& text,
                const std::function<void(size_t)>& on_chunk = {}) {
  RequestFields r;
  r.text = text;
  auto call = m.submit(r);
  if (!call) return Collected{call.status()};
  return collect(*call, on_chunk);
}

// Audio compared byte for byte; a failure prints sizes, not kilobytes of binary.
::testing::AssertionResult same_audio(const Collected& got, const Collected& expected) {
  const std::string a = got.audio(), b = expected.audio();
  if (a == b && !a.empty()) return ::testing::AssertionSuccess();
  size_t first = 0;
  while (first < a.size() && first < b.size() && a[first] == b[first]) ++first;
  return ::testing::AssertionFailure() << "audio differs: " << a.size() << " vs " << b.size()
                                       << " bytes, first difference at byte " << first;
}

std::vector<uint64_t> iota(uint64_t n) {
  std::vector<uint64_t> v;
  for (uint64_t i = 0; i < n; ++i) v.push_back(i);
  return v;
}

// A fresh path for --crash-once-file.
std::string once_file(const char* tag) {
  auto p =
      std::filesystem::temp_directory_path() /
      ("st_worker_once_" + std::to_string(::getpid()) + "_" + tag + "_" + std::to_string(now_ms()));
  std::filesystem::remove(p);
  return p.string();
}

// What an uncrashed worker says for `text`.
Collected baseline(const std::vector<std::string>& args, const std::string& text) {
  WorkerManager m(tone_config(args));
  EXPECT_TRUE(m.start().is_ok());
  return speak(m, text);
}

// Captures log lines for the test's lifetime.
class LogCapture {
 public:
  LogCapture() {
    log::set_sink([this](log::Level, std::string_view msg) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(msg);
    });
  }
  ~LogCapture() { log::set_sink(nullptr); }
  bool contains(std::string_view needle) const {
    std::lock_guard lock(mutex_);
    for (const auto& l : lines_) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

TEST(WorkerManager, StartsSpeaksAndShutsDownCleanly) {
  pid_t pid = 0;
  {
    WorkerManager m(tone_config());
    ASSERT_TRUE(m.start().is_ok());
    const Capabilities& caps = m.capabilities();
    EXPECT_EQ(caps.name, "tone");
    EXPECT_EQ(caps.kind, "tts");
    EXPECT_EQ(caps.sample_rate, 24000);
    ASSERT_EQ(caps.voices.size(), 1u);
    EXPECT_EQ(caps.voices[0].name, "tone");
    pid = m.pids().at(0);
    EXPECT_GT(pid, 0);
    const Collected c = speak(m, "今日はいい天気ですね。");
    ASSERT_TRUE(c.status.is_ok()) << c.status.to_string();
    EXPECT_TRUE(c.done);
    EXPECT_EQ(c.seqs, iota(3));
    EXPECT_EQ(c.done_chunks, 3u);
    EXPECT_EQ(c.sample_rate, 24000);
    EXPECT_EQ(c.audio().size(), 3u * 2400 * 4);  // 3 chunks of 100 ms of f32 at 24 kHz
    EXPECT_EQ(m.stats().deaths, 0u);
  }
  EXPECT_EQ(::kill(pid, 0), -1);  // gone and reaped
  EXPECT_TRUE(no_children());
}

TEST(WorkerManager, SigkillMidRequestLosesAndDuplicatesNoChunk) {
  const std::vector<std::string> args = {"--chunks", "8", "--chunk-delay-ms", "40"};
  const std::string text = "途中で止まっても、同じ音がもう一度最初から重ならずに続きます。";
  const Collected expected = baseline(args, text);
  ASSERT_TRUE(expected.done);

  WorkerManager m(tone_config(args));
  ASSERT_TRUE(m.start().is_ok());
  const pid_t first_pid = m.pids().at(0);
  const Collected got = speak(m, text, [&](size_t n) {
    if (n == 3) ::kill(first_pid, SIGKILL);  // mid-sentence: 3 of 8 chunks delivered
  });
  ASSERT_TRUE(got.status.is_ok()) << got.status.to_string();
  EXPECT_EQ(got.seqs, iota(8));
  EXPECT_TRUE(same_audio(got, expected));  // byte for byte what an uncrashed worker said
  const WorkerStats s = m.stats();
  EXPECT_EQ(s.deaths, 1u);
  EXPECT_EQ(s.restarts, 1u);
  EXPECT_EQ(s.reissued, 1u);
  EXPECT_GE(s.skipped_chunks, 3u);
  EXPECT_NE(m.pids().at(0), first_pid);
  // The sentences after it are spoken by the new process as usual.
  const Collected next = speak(m, "次の文。");
  EXPECT_TRUE(next.done);
}

TEST(WorkerManager, WorkerCrashingItselfMidRequestIsReissued) {
  const std::vector<std::string> args = {"--chunks", "5"};
  const Collected expected = baseline(args, "文です。");
  std::vector<std::string> crashing = args;
  const std::string once = once_file("crash");
  crashing.insert(crashing.end(), {"--crash-after-chunks", "2", "--crash-once-file", once});
  WorkerManager m(tone_config(crashing));
  ASSERT_TRUE(m.start().is_ok());
  const Collected got = speak(m, "文です。");
  ASSERT_TRUE(got.status.is_ok()) << got.status.to_string();
  EXPECT_EQ(got.seqs, iota(5));
  EXPECT_TRUE(same_audio(got, expected));
  EXPECT_EQ(m.stats().skipped_chunks, 2u);
  std::filesystem::remove(once);
}

TEST(WorkerManager, RequestsInFlightAreReissuedInOrder) {
  const std::vector<std::string> args = {"--chunks",        "4", "--chunk-delay-ms", "30",
                                         "--max-in-flight", "3"};
  WorkerManager m(tone_config(args));
  ASSERT_TRUE(m.start().is_ok());
  std::vector<WorkerCall> calls;
  for (const char* t : {"一。", "二。", "三。"}) {
    RequestFields r;
    r.text = t;
    auto c = m.submit(r);
    ASSERT_TRUE(c.is_ok());
    calls.push_back(std::move(c.value()));
  }
  std::vector<Collected> got(3);
  got[0] = collect(calls[0], [&](size_t n) {
    if (n == 1) ::kill(m.pids().at(0), SIGKILL);
  });
  for (size_t i = 1; i < 3; ++i) got[i] = collect(calls[i]);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(got[i].status.is_ok()) << i << ": " << got[i].status.to_string();
    EXPECT_EQ(got[i].seqs, iota(4)) << i;
  }
  EXPECT_EQ(m.stats().reissued, 3u);
  EXPECT_TRUE(same_audio(got[2], baseline({"--chunks", "4"}, "三。")));
}

TEST(WorkerManager, RestartsAKilledWorkerWithinASecond) {
  WorkerManager m(tone_config());
  ASSERT_TRUE(m.start().is_ok());
  const pid_t pid = m.pids().at(0);
  ::kill(pid, SIGKILL);
  const double t0 = now_ms();
  while (m.stats().restarts < 1 && now_ms() - t0 < 5000)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const WorkerStats s = m.stats();
  ASSERT_EQ(s.restarts, 1u);
  std::printf("restart after SIGKILL: %.0f ms (back-off 100 ms included)\n", s.last_restart_ms);
  EXPECT_LT(s.last_restart_ms, 1000.0);
  EXPECT_TRUE(m.wait_ready(1));
  EXPECT_TRUE(speak(m, "再起動後。").done);
}

TEST(WorkerManager, HangTimesOutRestartsAndFailsAfterMaxAttempts) {
  WorkerConfig c = tone_config();
  c.request_timeout_s = 0.4;
  c.max_attempts = 2;
  WorkerManager m(c);
  ASSERT_TRUE(m.start().is_ok());
  const double t0 = now_ms();
  const Collected got = speak(m, "[hang] 終わらない文。");
  EXPECT_EQ(got.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(got.status.message().find("failed 2 times"), std::string::npos) << got.status.message();
  EXPECT_NE(got.status.message().find("request_timeout_s"), std::string::npos)
      << got.status.message();
  EXPECT_LT(now_ms() - t0, 5000.0);
  const WorkerStats s = m.stats();
  EXPECT_EQ(s.timeouts, 2u);
  EXPECT_GE(s.restarts, 1u);
  // The chunk delivered by the first attempt was not delivered again by the second.
  EXPECT_EQ(got.seqs, iota(1));
  EXPECT_TRUE(m.wait_ready(5));
  EXPECT_TRUE(speak(m, "次は普通の文。").done);
}

TEST(WorkerManager, HangOnceIsRecoveredByReissue) {
  const std::string once = once_file("hang");
  WorkerConfig c = tone_config({"--crash-once-file", once});
  c.request_timeout_s = 0.4;
  WorkerManager m(c);
  ASSERT_TRUE(m.start().is_ok());
  const Collected got = speak(m, "[hang] 一度だけ止まる文。");
  ASSERT_TRUE(got.status.is_ok()) << got.status.to_string();
  EXPECT_EQ(got.seqs, iota(3));
  // The once-file exists now: the same worker without the hang.
  EXPECT_TRUE(same_audio(got, baseline({"--crash-once-file", once}, "[hang] 一度だけ止まる文。")));
  EXPECT_EQ(m.stats().timeouts, 1u);
  std::filesystem::remove(once);
}

TEST(WorkerManager, HealthCheckCatchesAFrozenWorker) {
  const std::string once = once_file("freeze");
  WorkerConfig c = tone_config({"--crash-once-file", once});
  c.health_interval_s = 0.2;
  c.request_timeout_s = 30;  // only the missing pong can catch it this fast
  WorkerManager m(c);
  ASSERT_TRUE(m.start().is_ok());
  const double t0 = now_ms();
  const Collected got = speak(m, "[freeze] 固まる文。");
  ASSERT_TRUE(got.status.is_ok()) << got.status.to_string();
  EXPECT_EQ(got.seqs, iota(3));
  EXPECT_LT(now_ms() - t0, 3000.0);
  const WorkerStats s = m.stats();
  EXPECT_GE(s.missed_pongs, 1u);
  EXPECT_EQ(s.timeouts, 0u);
  EXPECT_EQ(s.restarts, 1u);
  std::filesystem::remove(once);
}

TEST(WorkerManager, ProtocolBreachRestartsTheWorker) {
  const std::string once = once_file("garbage");
  LogCapture logs;
  WorkerManager m(tone_config({"--crash-once-file", once}));
  ASSERT_TRUE(m.start().is_ok());
  const Collected got = speak(m, "[garbage] 壊れた枠。");
  ASSERT_TRUE(got.status.is_ok()) << got.status.to_string();
  EXPECT_EQ(got.seqs, iota(3));
  EXPECT_EQ(m.stats().restarts, 1u);
  EXPECT_TRUE(logs.contains("broke the protocol: frame header length 4294967295"));
  std::filesystem::remove(once);
}

TEST(WorkerManager, SlowStartWithinTheStartTimeout) {
  WorkerConfig c = tone_config({"--slow-start", "0.5"});
  c.start_timeout_s = 5;
  WorkerManager m(c);
  const double t0 = now_ms();
  ASSERT_TRUE(m.start().is_ok());
  EXPECT_GE(now_ms() - t0, 450.0);
  EXPECT_TRUE(speak(m, "遅い起動。").done);
}

TEST(WorkerManager, SlowStartBeyondTheStartTimeoutFails) {
  {
    WorkerConfig c = tone_config({"--slow-start", "20"});
    c.start_timeout_s = 0.5;
    WorkerManager m(c);
    const double t0 = now_ms();
    const Status s = m.start();
    EXPECT_EQ(s.code(), StatusCode::kUnavailable);
    EXPECT_NE(s.message().find("did not report its capabilities within 0.5 s"), std::string::npos)
        << s.message();
    EXPECT_LT(now_ms() - t0, 3000.0);
    EXPECT_EQ(m.submit(RequestFields{}).status().code(), StatusCode::kUnavailable);
  }
  EXPECT_TRUE(no_children());
}

TEST(WorkerManager, VersionMismatchIsAClearError) {
  {
    WorkerManager m(tone_config({"--protocol", "2"}));
    const Status s = m.start();
    EXPECT_EQ(s.code(), StatusCode::kDataError);
    EXPECT_NE(s.message().find("protocol version mismatch"), std::string::npos) << s.message();
  }
  {
    WorkerManager m(tone_config({"--advertise-protocol", "2"}));
    const Status s = m.start();
    EXPECT_EQ(s.code(), StatusCode::kDataError);
    EXPECT_NE(s.message().find("worker tone speaks protocol 2, stream-tts speaks 1"),
              std::string::npos)
        << s.message();
  }
  EXPECT_TRUE(no_children());
}

TEST(WorkerManager, StartFailuresAreClearErrors) {
  {
    WorkerConfig c = tone_config();
    c.command = {"/nonexistent/python3"};
    WorkerManager m(c);
    const Status s = m.start();
    EXPECT_EQ(s.code(), StatusCode::kUnavailable);
    EXPECT_NE(s.message().find(
                  "cannot start worker tone: /nonexistent/python3: No such file or directory"),
              std::string::npos)
        << s.message();
  }
  {
    WorkerManager m(tone_config({"--fail-start"}));
    const Status s = m.start();
    EXPECT_NE(s.message().find("failed to start: internal"), std::string::npos) << s.message();
  }
  {
    WorkerConfig c = tone_config();
    c.kind = "translate";
    WorkerManager m(c);
    const Status s = m.start();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("reports kind 'tts' but is configured as 'translate'"),
              std::string::npos);
  }
  EXPECT_TRUE(no_children());
}

TEST(WorkerManager, CancelStopsTheRequestAndKeepsTheWorker) {
  WorkerManager m(tone_config({"--chunks", "100", "--chunk-delay-ms", "20"}));
  ASSERT_TRUE(m.start().is_ok());
  RequestFields r;
  r.text = "長い文。";
  auto call = m.submit(r);
  ASSERT_TRUE(call.is_ok());
  std::stop_source stop;
  const double t0 = now_ms();
  const Collected got = collect(
      *call,
      [&](size_t n) {
        if (n == 2) stop.request_stop();
      },
      stop.get_token());
  EXPECT_EQ(got.status.code(), StatusCode::kCancelled);
  EXPECT_EQ(got.payloads.size(), 2u);
  WorkerEvent e;
  EXPECT_EQ(call->next(&e).code(), StatusCode::kEndOfStream);
  // The worker stopped that request (a cancelled request frees its place): the next one runs now.
  r.text = "次。";
  auto next = m.submit(r);
  ASSERT_TRUE(next.is_ok());
  const Collected after = collect(*next, [&](size_t n) {
    if (n == 3) next->cancel();
  });
  EXPECT_LT(now_ms() - t0, 2000.0);
  EXPECT_EQ(after.status.code(), StatusCode::kCancelled);
  EXPECT_EQ(m.stats().deaths, 0u);
}

TEST(WorkerManager, PoolBoundsRequestsInFlightAndBlocksSubmitWhenTheQueueIsFull) {
  // The worker would take 3 at once; the config allows 1 per process, over a pool of 2.
  WorkerConfig c = tone_config({"--max-in-flight", "3"});
  c.pool = 2;
  c.max_in_flight = 1;
  c.queue_limit = 2;
  WorkerManager m(c);
  ASSERT_TRUE(m.start().is_ok());
  ASSERT_EQ(m.pids().size(), 2u);
  const double t0 = now_ms();
  std::vector<WorkerCall> calls;
  for (int i = 0; i < 4; ++i) {
    RequestFields r;
    r.text = "[delay=100] 文" + std::to_string(i);
    auto call = m.submit(r);
    ASSERT_TRUE(call.is_ok());
    calls.push_back(std::move(call.value()));
  }
  // Two in flight, two queued: a fifth waits for room.
  std::stop_source give_up;
  std::thread timer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    give_up.request_stop();
  });
  RequestFields extra;
  extra.text = "入らない。";
  const auto blocked = m.submit(extra, give_up.get_token());
  timer.join();
  EXPECT_EQ(blocked.status().code(), StatusCode::kCancelled);
  for (auto& call : calls) EXPECT_TRUE(collect(call).done);
  const double elapsed = now_ms() - t0;
  EXPECT_EQ(m.stats().max_in_flight_seen, 1u);
  // 4 requests of 300 ms on 2 processes: about 600 ms, not 1200.
  EXPECT_LT(elapsed, 1100.0);
  EXPECT_GE(elapsed, 550.0);
}

TEST(WorkerManager, WorkerErrorsReachTheCaller) {
  WorkerManager m(tone_config());
  ASSERT_TRUE(m.start().is_ok());
  const Collected got = speak(m, "[error] 失敗する文。");
  EXPECT_EQ(got.status.code(), StatusCode::kInternal);
  EXPECT_NE(got.status.message().find("worker tone: internal:"), std::string::npos)
      << got.status.message();
  EXPECT_EQ(m.stats().deaths, 0u);
}

TEST(WorkerManager, UnixSocketTransport) {
  const auto runtime =
      std::filesystem::temp_directory_path() / ("st_worker_rt_" + std::to_string(::getpid()));
  std::filesystem::create_directories(runtime);
  ::setenv("XDG_RUNTIME_DIR", runtime.c_str(), 1);
  {
    LogCapture logs;
    WorkerConfig c = tone_config({"--slow-start", "0.01", "--chunk-delay-ms", "50"});
    c.transport = Transport::kUnix;
    WorkerManager m(c);
    ASSERT_TRUE(m.start().is_ok());
    // Connected: the socket and its private directory are gone.
    EXPECT_TRUE(std::filesystem::is_empty(runtime));
    const Collected got = speak(m, "ソケット。", [&](size_t n) {
      if (n == 1) ::kill(m.pids().at(0), SIGKILL);
    });
    ASSERT_TRUE(got.status.is_ok()) << got.status.to_string();
    EXPECT_EQ(got.seqs, iota(3));
    EXPECT_EQ(m.stats().restarts, 1u);
    EXPECT_TRUE(logs.contains("tone: slow start"));  // stdout and stderr are the log
  }
  ::unsetenv("XDG_RUNTIME_DIR");
  EXPECT_TRUE(std::filesystem::is_empty(runtime));
  std::filesystem::remove_all(runtime);
}

TEST(WorkerManager, ForwardsWorkerStderrWithItsName) {
  LogCapture logs;
  WorkerManager m(tone_config({"--slow-start", "0.01"}));
  ASSERT_TRUE(m.start().is_ok());
  m.shutdown();
  EXPECT_TRUE(logs.contains("tone: slow start"));
}

// Pipes and sockets a process holds: target ("pipe:[123]") -> access modes of its descriptors.
std::map<std::string, std::set<int>> held_ends(const std::string& pid) {
  std::map<std::string, std::set<int>> ends;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + pid + "/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(e.path(), ec).string();
    if (ec || (target.rfind("pipe:", 0) != 0 && target.rfind("socket:", 0) != 0)) continue;
    std::ifstream info("/proc/" + pid + "/fdinfo/" + e.path().filename().string());
    std::string key;
    int flags = 0;
    while (info >> key) {
      if (key == "flags:") {
        info >> std::oct >> flags;
        break;
      }
    }
    ends[target].insert(flags & O_ACCMODE);
  }
  return ends;
}

// Nothing of ours leaks into the worker, not even a descriptor opened without O_CLOEXEC: it shares
// only the three pipes made for it, and holds only its own end of each.
TEST(WorkerManager, NoDescriptorLeaksIntoTheWorker) {
  int leaky[2];
  ASSERT_EQ(::pipe(leaky), 0);  // deliberately without O_CLOEXEC
  WorkerManager m(tone_config());
  ASSERT_TRUE(m.start().is_ok());
  const auto ours = held_ends("self");
  const auto theirs = held_ends(std::to_string(m.pids().at(0)));
  const std::string leaky_target =
      std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(leaky[0])).string();
  EXPECT_EQ(theirs.count(leaky_target), 0u)
      << "the worker inherited a descriptor without O_CLOEXEC";
  int shared = 0;
  for (const auto& [target, modes] : theirs) {
    auto it = ours.find(target);
    if (it == ours.end()) continue;  // the worker's own
    ++shared;
    for (int mode : modes)
      EXPECT_EQ(it->second.count(mode), 0u) << "the worker holds our end of " << target;
  }
  EXPECT_EQ(shared, 3);  // stdin, stdout, stderr
  ::close(leaky[0]);
  ::close(leaky[1]);
}

TEST(WorkerManager, ShutdownWithRequestsInFlightEndsThem) {
  pid_t pid = 0;
  {
    WorkerManager m(tone_config({"--chunks", "100", "--chunk-delay-ms", "50"}));
    ASSERT_TRUE(m.start().is_ok());
    pid = m.pids().at(0);
    RequestFields r;
    r.text = "終わらせる。";
    auto call = m.submit(r);
    ASSERT_TRUE(call.is_ok());
    WorkerEvent e;
    ASSERT_TRUE(call->next(&e).is_ok());
    const double t0 = now_ms();
    m.shutdown();
    EXPECT_LT(now_ms() - t0, 1500.0);
    Status s;
    while ((s = call->next(&e)).is_ok()) {
    }
    EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  }
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_TRUE(no_children());
}

}  // namespace
}  // namespace stream_tts::worker
