#include "worker/worker_config.h"

#include <simdjson.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "stream_tts/status.h"
#include "worker/environment.h"

namespace stream_tts::worker {
namespace dom = simdjson::dom;
namespace {

// Reads one entry's fields into a WorkerConfig, collecting a problem per bad field.
class EntryReader {
 public:
  EntryReader(std::string prefix, std::vector<std::string>* problems)
      : prefix_(std::move(prefix)), problems_(problems) {}

  void read(dom::object obj, WorkerConfig* c) {
    for (auto [key, value] : obj) {
      if (key == "kind")
        str(key, value, &c->kind);
      else if (key == "command")
        strings(key, value, &c->command);
      else if (key == "args")
        strings(key, value, &c->args);
      else if (key == "env")
        env(key, value, &c->env);
      else if (key == "cwd")
        str(key, value, &c->cwd);
      else if (key == "transport")
        transport(key, value, &c->transport);
      else if (key == "pool")
        integer(key, value, &c->pool);
      else if (key == "start_timeout_s")
        seconds(key, value, &c->start_timeout_s);
      else if (key == "request_timeout_s")
        seconds(key, value, &c->request_timeout_s);
      else if (key == "health_interval_s")
        seconds(key, value, &c->health_interval_s);
      else if (key == "max_attempts")
        integer(key, value, &c->max_attempts);
      else if (key == "shutdown_grace_s")
        seconds(key, value, &c->shutdown_grace_s);
      else if (key == "max_in_flight")
        integer(key, value, &c->max_in_flight);
      else if (key == "queue_limit") {
        int n = static_cast<int>(c->queue_limit);
        integer(key, value, &n);
        c->queue_limit = n < 0 ? 0 : static_cast<size_t>(n);
      } else {
        problem(
            key,
            "unknown field (known: kind, command, args, env, cwd, transport, pool, "
            "start_timeout_s, "
            "request_timeout_s, health_interval_s, max_attempts, shutdown_grace_s, max_in_flight, "
            "queue_limit)");
      }
    }
  }

 private:
  void problem(std::string_view key, std::string_view what) {
    problems_->push_back(prefix_ + "." + std::string(key) + ": " + std::string(what));
  }
  void str(std::string_view key, dom::element v, std::string* out) {
    std::string_view s;
    if (v.get_string().get(s)) return problem(key, "expected a string");
    out->assign(s);
  }
  void strings(std::string_view key, dom::element v, std::vector<std::string>* out) {
    dom::array arr;
    if (v.get_array().get(arr)) return problem(key, "expected an array of strings");
    std::vector<std::string> items;
    for (dom::element item : arr) {
      std::string_view s;
      if (item.get_string().get(s)) return problem(key, "expected an array of strings");
      items.emplace_back(s);
    }
    *out = std::move(items);
  }
  void env(std::string_view key, dom::element v, std::map<std::string, std::string>* out) {
    dom::object obj;
    if (v.get_object().get(obj)) return problem(key, "expected an object of strings");
    std::map<std::string, std::string> vars;
    for (auto [name, value] : obj) {
      std::string_view s;
      if (value.get_string().get(s))
        return problem(std::string(key) + "." + std::string(name), "expected a string");
      vars.emplace(std::string(name), std::string(s));
    }
    *out = std::move(vars);
  }
  void transport(std::string_view key, dom::element v, Transport* out) {
    std::string_view s;
    if (v.get_string().get(s) || (s != "stdio" && s != "unix"))
      return problem(key, "expected \"stdio\" or \"unix\"");
    *out = s == "unix" ? Transport::kUnix : Transport::kStdio;
  }
  void integer(std::string_view key, dom::element v, int* out) {
    int64_t n;
    if (v.get_int64().get(n) || n < INT32_MIN || n > INT32_MAX)
      return problem(key, "expected an integer");
    *out = static_cast<int>(n);
  }
  void seconds(std::string_view key, dom::element v, double* out) {
    double d;
    if (v.get_double().get(d)) {
      int64_t n;
      if (v.get_int64().get(n)) return problem(key, "expected a number of seconds");
      d = static_cast<double>(n);
    }
    *out = d;
  }

  std::string prefix_;
  std::vector<std::string>* problems_;
};

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

}  // namespace

std::vector<std::string> WorkerConfig::validate() const {
  std::vector<std::string> p;
  const std::string w = "worker " + (name.empty() ? std::string("(unnamed)") : name) + ": ";
  if (kind != "tts" && kind != "translate")
    p.push_back(w + "kind must be \"tts\" or \"translate\" (got \"" + kind + "\")");
  if (command.empty() || command[0].empty()) p.push_back(w + "command must name a program");
  if (pool < 1 || pool > 64) p.push_back(w + "pool must be within 1..64");
  if (!(start_timeout_s > 0)) p.push_back(w + "start_timeout_s must be positive");
  if (!(request_timeout_s > 0)) p.push_back(w + "request_timeout_s must be positive");
  if (!(health_interval_s >= 0))
    p.push_back(w + "health_interval_s must be >= 0 (0 turns the health check off)");
  if (max_attempts < 1) p.push_back(w + "max_attempts must be at least 1");
  if (!(shutdown_grace_s >= 0)) p.push_back(w + "shutdown_grace_s must be >= 0");
  if (max_in_flight < 0)
    p.push_back(w + "max_in_flight must be >= 0 (0 = what the worker reports)");
  if (queue_limit < 1) p.push_back(w + "queue_limit must be at least 1");
  for (const auto& [k, v] : env) {
    if (k.empty() || k.find('=') != std::string::npos)
      p.push_back(w + "env name '" + k + "' is not a variable name");
  }
  return p;
}

std::vector<std::string> WorkerConfig::argv() const {
  std::vector<std::string> a = command;
  a.insert(a.end(), args.begin(), args.end());
  return a;
}

WorkerCatalogue WorkerCatalogue::builtin() {
  WorkerCatalogue cat;
  const std::string dir = workers_source_dir();
  WorkerConfig kokoro;
  kokoro.name = "kokoro-ja";
  kokoro.kind = "tts";
  kokoro.command = {workers_venv_python(), "-m", "kokoro_ja_worker"};
  kokoro.env = {{"PYTHONPATH", dir + "/python:" + dir + "/kokoro_ja"}};
  cat.set(std::move(kokoro));
  return cat;
}

std::vector<std::string> WorkerCatalogue::merge_json(std::string_view json,
                                                     std::string_view origin) {
  std::vector<std::string> problems;
  const std::string o(origin);
  dom::parser parser;
  dom::element root;
  simdjson::padded_string padded(json);
  if (auto err = parser.parse(padded).get(root)) {
    problems.push_back(o + ": not valid JSON (" + simdjson::error_message(err) + ")");
    return problems;
  }
  dom::object top;
  dom::object workers;
  if (root.get_object().get(top) || top["workers"].get_object().get(workers)) {
    problems.push_back(o + ": expected {\"workers\": {NAME: {...}, ...}}");
    return problems;
  }
  for (auto [key, value] : top) {
    if (key != "workers")
      problems.push_back(o + ": unknown top-level field '" + std::string(key) + "'");
  }
  for (auto [name, value] : workers) {
    const std::string n(name);
    dom::object entry;
    if (value.get_object().get(entry)) {
      problems.push_back(o + ": workers." + n + ": expected an object");
      continue;
    }
    auto it = entries_.find(n);
    WorkerConfig c = it != entries_.end() ? it->second : WorkerConfig{};
    c.name = n;
    EntryReader(o + ": workers." + n, &problems).read(entry, &c);
    entries_[n] = std::move(c);
  }
  return problems;
}

WorkerCatalogue WorkerCatalogue::load(const std::string& path) {
  WorkerCatalogue cat = builtin();
  const bool given = !path.empty();
  const std::string file = given ? path : default_workers_file();
  std::vector<std::string> problems;
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      problems.push_back(file + ": cannot be read");
    } else {
      problems = cat.merge_json(text.str(), file);
    }
  } else if (given) {
    problems.push_back("workers file " + file + " does not exist");
  }
  for (const auto& [name, c] : cat.entries_) {
    auto p = c.validate();
    problems.insert(problems.end(), p.begin(), p.end());
  }
  if (!problems.empty()) throw Error(StatusCode::kInvalidArgument, join(problems, "\n  "));
  return cat;
}

const WorkerConfig& WorkerCatalogue::find(std::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw Error(StatusCode::kInvalidArgument,
                "unknown worker '" + std::string(name) + "' (known: " + join(names(), ", ") +
                    "; add one to " + default_workers_file() + " or pass --workers FILE)");
  }
  return it->second;
}

std::vector<std::string> WorkerCatalogue::names() const {
  std::vector<std::string> n;
  for (const auto& [name, c] : entries_) n.push_back(name);
  return n;
}

}  // namespace stream_tts::worker
