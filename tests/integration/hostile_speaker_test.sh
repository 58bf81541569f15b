#!/usr/bin/env bash
# The speaker disappears mid-sentence: stream-tts speaks a long text to `--out speaker` against a
# private PulseAudio server (with_pulse.sh), and while it plays the output goes away. The program
# must notice (the device stops taking samples), say so in one error naming the output, and exit 1
# within seconds: no hang, no crash.
#
#   tests/integration/hostile_speaker_test.sh STREAM_TTS_BINARY kill-server|unload-sink
#
# kill-server: the sound server dies (SIGKILL: a crash, or a restart of the user's session).
# unload-sink: the server stays and its only sink is unloaded, as when a USB or Bluetooth device is
# unplugged and PulseAudio removes its sink (here there is no other sink to move the stream to).
# Exit 77 (skip) without pulseaudio or the ALSA pulse plugin.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [[ ${1:-} != --inner ]]; then
  [[ $# -eq 2 && ($2 == kill-server || $2 == unload-sink) ]] ||
    { echo "usage: $0 STREAM_TTS_BINARY kill-server|unload-sink" >&2; exit 2; }
  if ! ls /usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so >/dev/null 2>&1; then
    echo "SKIP: the ALSA pulse plugin (libasound2-plugins) is not installed" >&2
    exit 77
  fi
  exec "$here/with_pulse.sh" "$0" --inner "$1" "$2"
fi
bin=$2
mode=$3
text="$WITH_PULSE_DIR/long.txt"
metrics="$WITH_PULSE_DIR/metrics.jsonl"
log="$WITH_PULSE_DIR/stream-tts.log"
for i in $(seq 60); do
  echo "Sentence number $i is a fairly long sentence that keeps the speaker busy for a while."
done >"$text"

# A short playback buffer, so that the program is still writing when the server goes.
"$bin" --input text --translate none --out speaker --buffer-ms 2000 --metrics "$metrics" "$text" \
  2>"$log" &
pid=$!
# Wait until speech has started (a sentence went to the device), then pull the server away.
for _ in $(seq 100); do
  [[ -s $metrics ]] && break
  sleep 0.1
done
[[ -s $metrics ]] || { cat "$log"; echo "FAIL: nothing was spoken within 10 s"; kill "$pid"; exit 1; }
sleep 0.5
lost_at=$(date +%s%N)
if [[ $mode == kill-server ]]; then
  kill -KILL "$WITH_PULSE_SERVER_PID"
else
  module=$(pactl list short modules | awk '$2 == "module-null-sink" { print $1 }')
  [[ -n $module ]] || { echo "FAIL: no module-null-sink loaded"; kill "$pid"; exit 1; }
  pactl unload-module "$module"
fi

# The sink gives up after 3 s without progress; allow for a busy machine.
status=0
for _ in $(seq 200); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
  kill -KILL "$pid"
  cat "$log"
  echo "FAIL: still running 20 s after the output went away ($mode)"
  exit 1
fi
wait "$pid" || status=$?
elapsed_ms=$(( ($(date +%s%N) - lost_at) / 1000000 ))
cat "$log"
echo "$mode: exit $status, ${elapsed_ms} ms after the output went away; $(wc -l <"$metrics") sentences in the metrics"

errors=$(grep -c '^\[stream-tts\] error:' "$log" || true)
if (( status != 1 )); then
  echo "FAIL: exit status $status, expected 1 (a negative or >128 status means killed by a signal)"
  exit 1
fi
if (( errors != 1 )) || ! grep -q 'error: audio output failed: .*stopped taking samples' "$log"; then
  echo "FAIL: expected one error saying that the audio output stopped taking samples"
  exit 1
fi
if grep -qE 'Segmentation|core dumped|Aborted|terminate called' "$log"; then
  echo "FAIL: crash"
  exit 1
fi
echo "ok"
