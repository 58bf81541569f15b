#!/usr/bin/env bash
# The whole program through the speakers: stream-tts speaks the bundled demo transcript (streamed,
# with partial messages) to `--out speaker` against a private PulseAudio server (with_pulse.sh),
# while parecord records the null sink's monitor; the recording must hold several seconds of speech.
#
#   tests/integration/cli_speaker_test.sh STREAM_TTS_BINARY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [[ ${1:-} != --inner ]]; then
  [[ $# -eq 1 ]] || { echo "usage: $0 STREAM_TTS_BINARY" >&2; exit 2; }
  command -v parecord >/dev/null || { echo "SKIP: parecord missing" >&2; exit 77; }
  exec "$here/with_pulse.sh" "$0" --inner "$1"
fi
bin=$2
rec="$WITH_PULSE_DIR/speaker.wav"
metrics="$WITH_PULSE_DIR/metrics.jsonl"

echo "== devices"
"$bin" devices | tee "$WITH_PULSE_DIR/devices.txt"
grep -qi "pulse" "$WITH_PULSE_DIR/devices.txt" || { echo "FAIL: no pulse device listed"; exit 1; }

parecord --device="$WITH_PULSE_MONITOR" --file-format=wav --rate=48000 --channels=1 "$rec" &
recorder=$!
trap 'kill -INT $recorder 2>/dev/null || true' EXIT
sleep 0.5

echo "== speaking the demo to the speaker"
"$bin" --demo --demo-speed 4 --out speaker --metrics "$metrics"
sleep 0.5
kill -INT "$recorder"
wait "$recorder" || true
trap - EXIT

python3 - "$rec" "$metrics" <<'PY'
import array, json, math, sys, wave
rec, metrics = sys.argv[1], sys.argv[2]
records = [json.loads(l) for l in open(metrics, encoding="utf-8") if l.strip()]
spoken_s = sum(r["audio_ms"] for r in records) / 1000.0
with wave.open(rec) as w:
    a = array.array("h", w.readframes(w.getnframes()))
    rate = w.getframerate()
# Count 50 ms windows with speech energy: the server must have received most of what was spoken.
win = rate // 20
voiced = sum(1 for i in range(0, len(a) - win, win)
             if math.sqrt(sum(x * x for x in a[i:i + win]) / win) / 32768 > 0.01)
voiced_s = voiced * 0.05
print(f"recorded {len(a)/rate:.1f} s, voiced {voiced_s:.1f} s, spoken per metrics {spoken_s:.1f} s, "
      f"{len(records)} sentences")
if len(records) < 6:
    sys.exit("FAIL: fewer than 6 sentences in the metrics")
if voiced_s < 0.5 * spoken_s:
    sys.exit("FAIL: the server received much less speech than was spoken")
PY
echo "ok"
