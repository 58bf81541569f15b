// Ctrl-C and SIGTERM for the stream-tts program: the first one stops the run cleanly (outputs closed, a
// WAV header finished), a second one quits at once. Also makes SIGPIPE and SIGXFSZ write errors.
#pragma once

#include <stop_token>

namespace stream_tts::cli {

// Installs the handlers and starts the thread that turns a signal into stop->request_stop() (and the
// warning that says so). Called first thing in main; `stop` must outlive the process's threads.
void watch_signals(std::stop_source* stop);

// True when SIGINT or SIGTERM has arrived. Waits until the signal's warning is logged and its stop
// requested (at most a second), so that a run whose input ended at the same moment still reports the
// interruption: the user saw "stopping", so the run says where it stopped and exits 130.
bool stop_signal_arrived();

}  // namespace stream_tts::cli
