#!/usr/bin/env bash
# Speaker sink against a real PulseAudio server: plays a 1 kHz sine through PortAudio -> ALSA ->
# the ALSA pulse plugin -> a private server's null sink, records the sink's monitor with parecord,
# and checks that the recording holds the tone at the right frequency. Then kills the server while
# the sink plays and checks that write() reports it instead of hanging.
#
#   tests/integration/pulse_test.sh PULSE_PLAY_BINARY [SPEAKER_SPEC...]
#
# Each SPEAKER_SPEC (default: "speaker:pulse" and "speaker") is played and recorded in turn; plain
# "speaker" checks that ALSA's default device follows a running PulseAudio server, which is what a
# user without --out gets. Exit 77 (skip) when PulseAudio or the ALSA pulse plugin is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [[ ${1:-} != --inner ]]; then
  if [[ $# -lt 1 ]]; then
    echo "usage: $0 PULSE_PLAY_BINARY [SPEAKER_SPEC...]" >&2
    exit 2
  fi
  if ! ls /usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so >/dev/null 2>&1; then
    echo "SKIP: the ALSA pulse plugin (libasound2-plugins) is not installed" >&2
    exit 77
  fi
  if ! command -v parecord >/dev/null; then
    echo "SKIP: parecord (pulseaudio-utils) is not installed" >&2
    exit 77
  fi
  exec "$here/with_pulse.sh" "$0" --inner "$@"
fi

# --- inside with_pulse.sh: PULSE_SERVER points at the private server ---
shift
play=$1
shift
specs=("$@")
(( ${#specs[@]} )) || specs=("speaker:pulse" "speaker")

recorder_pid=""
stop_recorder() {
  if [[ -n $recorder_pid ]]; then
    # parecord finishes the WAV header when interrupted.
    kill -INT "$recorder_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$recorder_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$recorder_pid" 2>/dev/null || true
    wait "$recorder_pid" 2>/dev/null || true
    recorder_pid=""
  fi
}
trap stop_recorder EXIT

echo "== output devices seen by PortAudio"
"$play" list

failures=0
for spec in "${specs[@]}"; do
  recording="$WITH_PULSE_DIR/recording-${spec//[^a-z0-9]/_}.wav"
  echo "== $spec"
  parecord --device="$WITH_PULSE_MONITOR" --file-format=wav --format=s16le --rate=48000 --channels=1 \
    "$recording" &
  recorder_pid=$!
  sleep 0.5  # the recorder must be running before the first sample plays

  play_status=0
  "$play" play "$spec" 1000 || play_status=$?
  sleep 0.3  # the last samples travel through the server's buffers
  stop_recorder

  analyse_status=0
  "$play" analyse "$recording" 1000 || analyse_status=$?
  if (( play_status != 0 || analyse_status != 0 )); then
    echo "FAIL: $spec (play $play_status, analyse $analyse_status)"
    failures=$((failures + 1))
  fi
done

# Last, because it ends the server: a sound server that dies mid-playback must surface as an
# error from write(), not as a hang. (PortAudio prints its own "Expression ... failed" lines here.)
echo "== server dies while ${specs[0]} plays"
"$play" lose-server "${specs[0]}" &
player_pid=$!
sleep 1.5
kill -TERM "$WITH_PULSE_SERVER_PID"
if ! wait "$player_pid"; then
  echo "FAIL: losing the server"
  failures=$((failures + 1))
fi

if (( failures )); then
  echo "pulse_test: $failures checks failed"
  exit 1
fi
echo "pulse_test: all ${#specs[@]} outputs and the server loss passed"
