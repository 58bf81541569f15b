// The subcommands of the stream-tts program. Each returns the process exit code:
// 0 success, 1 runtime failure, 2 usage error, 130 interrupted (Ctrl-C).
#pragma once

#include <stop_token>
#include <string>
#include <vector>

#include "cli_config.h"

namespace stream_tts::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

int run_speak(const CliConfig& config, std::stop_token stop);
int run_say(const CliConfig& config, const std::vector<std::string>& words, std::stop_token stop);
int run_translate(const CliConfig& config, std::stop_token stop);
int run_devices();
int run_voices(const CliConfig& config);

// The bundled demo transcript (Claude Code stream-json, Japanese answer), embedded at build time.
std::string_view demo_transcript();

}  // namespace stream_tts::cli
