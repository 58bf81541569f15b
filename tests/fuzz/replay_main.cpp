// The main() of the fuzz targets in a normal (gcc) build, where there is no libFuzzer: runs every
// file of the corpus through LLVMFuzzerTestOneInput, then a fixed number of deterministic
// mutations of them (bit flips, byte changes, insertions of bytes and tokens, deletions,
// truncations, duplications, splices of two files). Registered with CTest, it makes a regression
// that the committed corpus (or a near neighbour of it) reaches fail the ordinary test run.
//
//   fuzz_NAME [options] PATH...         PATH: a corpus directory (every file in it) or one file
//     --mutations N      mutated inputs to run after the corpus (default: 2000 when a directory
//                        is given, none when only files are: running a saved failure runs it alone)
//     --seed S           seed of the mutations (default 1)
//     --max-seconds T    stop the mutations after T seconds, saying so (default: no limit)
//     --max-len L        longest mutated input in bytes (default 16384)
//     --only K           run mutation K alone (reproduces a failure the driver reported)
//     --write-input F    with --only: also write that input to F
//     --artifact-dir D   where a failing input is written (default: the current directory)
//
// A failing input (a failed property: abort(); a sanitizer report) is written to
// D/NAME-failure.bin and the command that reproduces it is printed.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
// Present only in sanitizer builds: called before a sanitizer ends the process after a report.
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace {

namespace fs = std::filesystem;
using stream_tts::fuzz::Rng;

// What the failure handlers need; set before each input runs. Plain data, no allocation: the
// handlers run inside a signal handler or a dying sanitizer.
struct Current {
  const uint8_t* data = nullptr;
  size_t size = 0;
  char label[512] = {};     // "corpus file X" or "mutation K"
  char artifact[4096] = {};  // where to write the input
  volatile sig_atomic_t reported = 0;
} g_current;

void write_all(int fd, const void* p, size_t n) {
  const auto* c = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = ::write(fd, c, n);
    if (w <= 0) return;
    c += w;
    n -= static_cast<size_t>(w);
  }
}

void write_str(int fd, const char* s) { write_all(fd, s, std::strlen(s)); }

// Async-signal-safe: only open/write/close.
void report_failure() {
  if (g_current.reported) return;
  g_current.reported = 1;
  const int fd = ::open(g_current.artifact, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    write_all(fd, g_current.data, g_current.size);
    ::close(fd);
  }
  write_str(2, "\n[replay] FAILED on ");
  write_str(2, g_current.label);
  write_str(2, "\n[replay] input written to ");
  write_str(2, g_current.artifact);
  write_str(2, "\n[replay] run it again with: <this program> ");
  write_str(2, g_current.artifact);
  write_str(2, "\n");
}

void on_fatal_signal(int sig) {
  report_failure();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

struct Options {
  long long mutations = -1;  // -1: the default (see the top of the file)
  uint32_t seed = 1;
  double max_seconds = 0;  // 0: no limit
  size_t max_len = 16384;
  long long only = -1;
  std::string write_input;
  std::string artifact_dir = ".";
  std::vector<std::string> paths;
};

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--mutations N] [--seed S] [--max-seconds T] [--max-len L] [--only K "
               "[--write-input F]] [--artifact-dir D] PATH...\n",
               argv0);
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(argv[0]);
      return argv[++i];
    };
    if (a == "--mutations") {
      o.mutations = std::strtoll(value(), nullptr, 10);
    } else if (a == "--seed") {
      o.seed = static_cast<uint32_t>(std::strtoul(value(), nullptr, 10));
    } else if (a == "--max-seconds") {
      o.max_seconds = std::strtod(value(), nullptr);
    } else if (a == "--max-len") {
      o.max_len = std::strtoull(value(), nullptr, 10);
    } else if (a == "--only") {
      o.only = std::strtoll(value(), nullptr, 10);
    } else if (a == "--write-input") {
      o.write_input = value();
    } else if (a == "--artifact-dir") {
      o.artifact_dir = value();
    } else if (a.starts_with("-")) {
      usage(argv[0]);
    } else {
      o.paths.emplace_back(a);
    }
  }
  if (o.paths.empty() || o.max_len == 0) usage(argv[0]);
  if (o.mutations < 0) {
    std::error_code ec;
    const bool any_dir = std::any_of(o.paths.begin(), o.paths.end(),
                                     [&](const std::string& p) { return fs::is_directory(p, ec); });
    o.mutations = any_dir ? 2000 : 0;
  }
  return o;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Seed {
  std::string name;
  std::string bytes;
};

std::vector<Seed> load_corpus(const std::vector<std::string>& paths) {
  std::vector<Seed> seeds;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(p)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());  // the mutations depend on the order
      for (const fs::path& f : files) seeds.push_back({f.string(), read_file(f)});
    } else if (fs::is_regular_file(p, ec)) {
      seeds.push_back({p, read_file(p)});
    } else {
      std::fprintf(stderr, "[replay] no such file or directory: %s\n", p.c_str());
      std::exit(2);
    }
  }
  return seeds;
}

// Byte strings that the targets' formats give meaning to; inserted whole by one mutation kind,
// so that a mutated input reaches a JSON key, a markdown mark or a UTF-8 edge in one step.
constexpr std::string_view kTokens[] = {
    "\n", "\r\n", "\n\n", " ", "\t", "\"", "\\", "{", "}", "[", "]", ":", ",", "null", "true", "0",
    "-1", "1e999", "18446744073709551616", "\\u0000", "\\ud83d", "\\ude00", "\\ud83d\\ude00",
    "\"type\":", "\"text\":", "\"id\":", "\"index\":", "\"delta\":", "\"content\":",
    "\"stream_event\"", "\"assistant\"", "\"text_delta\"", "\"content_block_delta\"",
    "\"message_start\"", "\"message_stop\"", "\"content_block_start\"", "\"content_block_stop\"",
    "```", "~~~", "**", "__", "`", "#", "## ", "- ", "1. ", "> ", "|", "| --- |", "[", "](", "![",
    "<br>", "&amp;", "&#x1F600;", "https://", "www.", "/usr/local/", ".", "...", "!", "?", "e.g.",
    "\xE3\x80\x82", "\xE3\x80\x8D", "\xE3\x80\x81", "\xEF\xBC\x81", "\xE2\x80\xA6", "\xE3\x81\x82",
    "\xF0\x9F\x9A\x80", "\xEF\xB8\x8F", "\xE2\x80\x8D", "\xEF\xBB\xBF", "\xFF", "\xC0\x80", "\xE3",
    "\xED\xA0\x80", std::string_view("\0", 1), std::string_view("\0\0\0\2\0\0\0\0", 8),
    std::string_view("\0\0\0\x10\0\0\0\x04", 8)};

const char kInteresting[] = {0, 1, 0x7F, static_cast<char>(0x80), static_cast<char>(0xFF),
                             '\n', '\r', '"', '\\', '{', '}', '.', ' ', '*', '`', '|'};

std::string mutate(const std::vector<Seed>& seeds, uint32_t seed, uint64_t index, size_t max_len) {
  Rng rng(seed ^ static_cast<uint32_t>(index * 0x9E3779B1u) ^ static_cast<uint32_t>(index >> 32));
  std::string s = seeds[rng.below(static_cast<uint32_t>(seeds.size()))].bytes;
  const auto pos = [&](size_t n) { return static_cast<size_t>(rng.below(static_cast<uint32_t>(n + 1))); };
  const int steps = 1 + static_cast<int>(rng.below(4));
  for (int step = 0; step < steps; ++step) {
    switch (rng.below(9)) {
      case 0:  // flip a bit
        if (!s.empty()) s[pos(s.size() - 1)] ^= static_cast<char>(1u << rng.below(8));
        break;
      case 1:  // set a byte
        if (!s.empty()) {
          const char c = rng.below(2) ? static_cast<char>(rng.next())
                                      : kInteresting[rng.below(sizeof kInteresting)];
          s[pos(s.size() - 1)] = c;
        }
        break;
      case 2: {  // insert random bytes
        std::string bytes(1 + rng.below(8), '\0');
        for (char& c : bytes) c = static_cast<char>(rng.next());
        s.insert(pos(s.size()), bytes);
        break;
      }
      case 3:  // insert a token
        s.insert(pos(s.size()), kTokens[rng.below(std::size(kTokens))]);
        break;
      case 4: {  // erase a range
        if (s.empty()) break;
        const size_t at = pos(s.size() - 1);
        s.erase(at, 1 + rng.below(static_cast<uint32_t>(std::min<size_t>(s.size() - at, 64))));
        break;
      }
      case 5:  // truncate
        s.resize(pos(s.size()));
        break;
      case 6: {  // duplicate a range somewhere else
        if (s.empty()) break;
        const size_t at = pos(s.size() - 1);
        const std::string piece = s.substr(at, 1 + rng.below(64));
        s.insert(pos(s.size()), piece);
        break;
      }
      case 7: {  // splice: this input's head, another's tail
        const std::string& other = seeds[rng.below(static_cast<uint32_t>(seeds.size()))].bytes;
        s = s.substr(0, pos(s.size())) + other.substr(pos(other.size()));
        break;
      }
      default: {  // repeat a byte many times (long runs find quadratic paths)
        if (s.empty()) break;
        const size_t at = pos(s.size() - 1);
        s.insert(at, std::string(1 + rng.below(2048), s[at]));
        break;
      }
    }
  }
  if (s.size() > max_len) s.resize(max_len);
  return s;
}

void run(const std::string& input, const std::string& label) {
  g_current.data = reinterpret_cast<const uint8_t*>(input.data());
  g_current.size = input.size();
  std::snprintf(g_current.label, sizeof g_current.label, "%s", label.c_str());
  LLVMFuzzerTestOneInput(g_current.data, g_current.size);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  const std::string name = fs::path(argv[0]).filename().string();
  std::snprintf(g_current.artifact, sizeof g_current.artifact, "%s/%s-failure.bin",
                o.artifact_dir.c_str(), name.c_str());
  ::signal(SIGABRT, on_fatal_signal);
  if (__sanitizer_set_death_callback != nullptr) {
    __sanitizer_set_death_callback(report_failure);
  } else {
    // Without a sanitizer nothing else reports these; with one, its own handler must stay.
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, on_fatal_signal);
  }
  LLVMFuzzerInitialize(&argc, &argv);

  const std::vector<Seed> seeds = load_corpus(o.paths);
  if (o.only >= 0) {
    if (seeds.empty()) usage(argv[0]);
    const std::string input = mutate(seeds, o.seed, static_cast<uint64_t>(o.only), o.max_len);
    if (!o.write_input.empty()) std::ofstream(o.write_input, std::ios::binary) << input;
    run(input, "mutation " + std::to_string(o.only) + " (--seed " + std::to_string(o.seed) + ")");
    std::fprintf(stderr, "[replay] %s: mutation %lld passed\n", name.c_str(), o.only);
    return 0;
  }

  const auto start = std::chrono::steady_clock::now();
  for (const Seed& s : seeds) run(s.bytes, "corpus file " + s.name);
  uint64_t done = 0;
  if (!seeds.empty()) {
    for (; done < static_cast<uint64_t>(o.mutations); ++done) {
      if (o.max_seconds > 0 && done % 16 == 0) {
        const std::chrono::duration<double> spent = std::chrono::steady_clock::now() - start;
        if (spent.count() >= o.max_seconds) break;
      }
      run(mutate(seeds, o.seed, done, o.max_len),
          "mutation " + std::to_string(done) + " (reproduce: --seed " + std::to_string(o.seed) +
              " --only " + std::to_string(done) + " PATH...)");
    }
  }
  const std::chrono::duration<double> spent = std::chrono::steady_clock::now() - start;
  std::fprintf(stderr, "[replay] %s: %zu corpus files and %llu of %llu mutations passed in %.1f s%s\n",
               name.c_str(), seeds.size(), static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(o.mutations), spent.count(),
               done < static_cast<uint64_t>(o.mutations) && !seeds.empty() ? " (time limit reached)" : "");
  return 0;
}
