// Every environment variable the worker module reads is read in environment.cpp:
//   XDG_CONFIG_HOME         workers.json lives in $XDG_CONFIG_HOME/stream-tts/ (default ~/.config)
//   XDG_CACHE_HOME          the workers' Python venv is $XDG_CACHE_HOME/stream-tts/venv-workers
//                           (default ~/.cache)
//   STREAM_TTS_WORKERS_DIR  the reference workers' source (default: <source tree>/workers, fixed at
//                           build time)
//   XDG_RUNTIME_DIR         where unix-socket transports make their private directory (default
//   /tmp)
#pragma once

#include <string>

namespace stream_tts::worker {

std::string default_workers_file();
std::string workers_source_dir();
std::string workers_venv_python();
std::string runtime_dir();

}  // namespace stream_tts::worker
