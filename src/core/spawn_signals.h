// Signals of a child started with posix_spawn, for every child the project starts (workers, pip):
// default handling of the given signals, whatever this process installed for them, and nothing
// blocked. The CLI blocks SIGINT and SIGTERM in all its threads (apps/signals.cpp) and worker
// slot threads block SIGPIPE; a signal mask survives exec, so without this a stop request's SIGTERM
// (or a terminal's Ctrl-C) would never reach the child.
#pragma once

#include <signal.h>
#include <spawn.h>

#include <initializer_list>

namespace stream_tts {

// Sets `attr`'s default signals (`defaults_of`) and an empty signal mask; returns the flags that make
// posix_spawn apply them, to be OR-ed into the caller's own posix_spawnattr_setflags().
inline short reset_child_signals(posix_spawnattr_t* attr, std::initializer_list<int> defaults_of) {
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : defaults_of) sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(attr, &defaults);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(attr, &none);
  return POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
}

}  // namespace stream_tts
