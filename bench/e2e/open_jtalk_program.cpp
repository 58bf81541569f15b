#include "open_jtalk_program.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstring>
#include <vector>

#include "core/clock.h"
#include "stream_tts/status.h"

extern char** environ;

namespace stream_tts::bench {
namespace {

constexpr const char* kDictionaryDir = "/var/lib/mecab/dic/open-jtalk/naist-jdic";
constexpr const char* kVoiceFile =
    "/usr/share/hts-voice/nitech-jp-atr503-m001/nitech_jp_atr503_m001.htsvoice";

}  // namespace

double time_open_jtalk_program(const std::string& program, const std::string& in_txt,
                               const std::string& out_wav) {
  std::vector<std::string> argv_s = {program, "-x",  kDictionaryDir, "-m",
                                     kVoiceFile,      "-ow", out_wav,        in_txt};
  std::vector<char*> argv;
  for (std::string& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const double t0 = now_ms();
  pid_t pid = 0;
  const int err =
      posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0)
    throw Error(StatusCode::kNotFound, "cannot run " + program + ": " + std::strerror(err));
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  const double ms = now_ms() - t0;
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    throw Error(StatusCode::kInternal, program + " failed (apt install open-jtalk)");
  }
  return ms;
}

}  // namespace stream_tts::bench
