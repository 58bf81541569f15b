#include "audio/portaudio_session.h"

#include <dlfcn.h>
#include <portaudio.h>

#include <mutex>

#include "core/log.h"

namespace stream_tts::audio {
namespace {

// Pa_Initialize probes every ALSA PCM and JACK. On a machine without a sound card (or without a
// JACK server) the libraries print a dozen lines such as "ALSA lib pcm_dmix.c:1032:(...) unable
// to open slave" and "jack server is not running or cannot be started" straight to stderr.
// They are expected and harmless, and they drown our own messages.
//
// We silence them through the libraries' own error hooks rather than by pointing fd 2 at
// /dev/null around Pa_Initialize: redirecting fd 2 is process-wide, so another thread's log line
// written in that window would vanish, and a crash in between would leave stderr closed.
// The hooks are looked up with dlsym on the already-loaded libasound / libjack (RTLD_NOLOAD), so
// we need neither their headers nor a link dependency, and nothing happens when PortAudio was
// built without them. The hooks stay installed for the life of the process: ALSA and JACK are
// only reached through PortAudio here, and their messages for a device we actually open come
// back to us as PortAudio error codes anyway. With --log-level debug the messages are kept.
void drop_alsa_message(const char* /*file*/, int /*line*/, const char* /*function*/,
                       int /*err*/, const char* /*fmt*/, ...) {}
void drop_jack_message(const char* /*message*/) {}

using AlsaErrorHandler = void (*)(const char*, int, const char*, int, const char*, ...);
using AlsaSetErrorHandler = int (*)(AlsaErrorHandler);
using JackMessageFunction = void (*)(const char*);
using JackSetMessageFunction = void (*)(JackMessageFunction);

template <typename Fn>
Fn find_symbol(void* library, const char* name) {
  // POSIX guarantees that a dlsym result may be converted to a function pointer.
  return reinterpret_cast<Fn>(dlsym(library, name));
}

void silence_audio_library_chatter() {
  if (log::level() <= log::Level::kDebug) return;
  if (void* alsa = dlopen("libasound.so.2", RTLD_LAZY | RTLD_NOLOAD)) {
    if (auto set = find_symbol<AlsaSetErrorHandler>(alsa, "snd_lib_error_set_handler")) {
      set(&drop_alsa_message);
    }
    dlclose(alsa);  // drops only the reference RTLD_NOLOAD took; PortAudio keeps it loaded
  }
  if (void* jack = dlopen("libjack.so.0", RTLD_LAZY | RTLD_NOLOAD)) {
    if (auto set = find_symbol<JackSetMessageFunction>(jack, "jack_set_error_function")) {
      set(&drop_jack_message);
    }
    if (auto set = find_symbol<JackSetMessageFunction>(jack, "jack_set_info_function")) {
      set(&drop_jack_message);
    }
    dlclose(jack);
  }
}

std::mutex& init_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

Result<std::unique_ptr<PortAudioSession>> PortAudioSession::open() {
  std::lock_guard lock(init_mutex());
  // Before Pa_Initialize, because that is when the probing (and the noise) happens.
  // The libraries are loaded already: libportaudio links them, and it is loaded with us.
  silence_audio_library_chatter();
  const PaError err = Pa_Initialize();
  if (err != paNoError) {
    return Status(StatusCode::kUnavailable,
                  std::string("cannot initialise PortAudio: ") + Pa_GetErrorText(err) +
                      "; no audio output device; use --out wav:FILE");
  }
  return std::unique_ptr<PortAudioSession>(new PortAudioSession());
}

PortAudioSession::~PortAudioSession() {
  std::lock_guard lock(init_mutex());
  const PaError err = Pa_Terminate();
  if (err != paNoError) log::warn("Pa_Terminate failed: {}", Pa_GetErrorText(err));
}

}  // namespace stream_tts::audio
