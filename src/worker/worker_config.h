// How to run a worker (docs/worker-protocol.md, "Configuration"): aggregate structs with defaults,
// a validate() that reports every problem at once, and the catalogue of named workers: built-in
// entries overridden field by field by $XDG_CONFIG_HOME/stream-tts/workers.json or --workers FILE.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace stream_tts::worker {

enum class Transport {
  kStdio,  // frames on the worker's stdin/stdout; stderr is its log
  kUnix,   // the worker connects to a 0600 socket in a private 0700 directory
};

struct WorkerConfig {
  std::string name;                        // the key in "workers"; names the worker in logs
  std::string kind = "tts";                // "tts" | "translate"
  std::vector<std::string> command;        // program (looked up in PATH) and its first arguments
  std::vector<std::string> args;           // appended to command
  std::map<std::string, std::string> env;  // set in the worker's environment, over ours
  std::string cwd;                         // working directory; empty = ours
  Transport transport = Transport::kStdio;
  int pool = 1;                     // processes started, each serving requests
  double start_timeout_s = 60.0;    // spawn until `capabilities`
  double request_timeout_s = 60.0;  // request sent until done/error; longer is a hang
  double health_interval_s = 5.0;   // ping period; a pong missing this long is a hang; 0 = off
  int max_attempts = 2;             // tries of a request whose worker died or hung
  double shutdown_grace_s =
      2.0;                  // shutdown frame, then SIGTERM, then SIGKILL: each waits this long
  int max_in_flight = 0;    // requests per process at once; 0 = capabilities.max_in_flight
  size_t queue_limit = 64;  // requests waiting for a free process; submit() blocks beyond

  // Every problem, each starting with "worker NAME: "; empty when valid.
  std::vector<std::string> validate() const;
  // command followed by args.
  std::vector<std::string> argv() const;
};

class WorkerCatalogue {
 public:
  // The built-in entries: kokoro-ja (workers/kokoro_ja in the workers venv).
  static WorkerCatalogue builtin();
  // builtin(), then `path` merged over it. An empty `path` means the default file
  // ($XDG_CONFIG_HOME/stream-tts/workers.json), which may be absent; a given path must exist.
  // Throws Error(kInvalidArgument) listing every problem (file, JSON, fields, validate()).
  static WorkerCatalogue load(const std::string& path);

  // Merges a workers.json document; `origin` names it in problems. An entry with a known name
  // changes only the fields it gives. Returns the problems (empty when all went well).
  std::vector<std::string> merge_json(std::string_view json, std::string_view origin);

  // Throws Error(kInvalidArgument): "unknown worker 'x' (known: kokoro-ja, tone)".
  const WorkerConfig& find(std::string_view name) const;
  bool contains(std::string_view name) const { return entries_.find(name) != entries_.end(); }
  std::vector<std::string> names() const;
  void set(WorkerConfig config) { entries_[config.name] = std::move(config); }

 private:
  std::map<std::string, WorkerConfig, std::less<>> entries_;
};

}  // namespace stream_tts::worker
