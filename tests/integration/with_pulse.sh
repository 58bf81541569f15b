#!/usr/bin/env bash
# Runs a command against a private, throw-away PulseAudio server whose only sink is a null sink.
#
#   tests/integration/with_pulse.sh COMMAND [ARGS...]
#
# The command sees:
#   PULSE_SERVER=unix:<private socket>   libpulse clients, and ALSA's "pulse"/"default" PCMs (through
#                                        libasound2-plugins), play into the private server
#   WITH_PULSE_SINK=st_null              the null sink's name (PULSE_SINK is set to it too)
#   WITH_PULSE_MONITOR=st_null.monitor   record this to hear what was played
#   WITH_PULSE_DIR=<temp folder>         scratch space removed afterwards
#   WITH_PULSE_SERVER_PID=<pid>          to test what happens when the server dies
# and its exit status is returned. Exit 77 (the CTest skip code) when pulseaudio is not installed.
#
# Why it works as root and in CI: pulseaudio only *warns* when run as root in per-user mode
# ("This program is not intended to be run as root (unless --system is specified)") and carries
# on; --system is not needed and would want the 'pulse' user, /var/run/pulse and D-Bus. The server
# gets its own HOME, XDG_RUNTIME_DIR, XDG_CONFIG_HOME and PULSE_RUNTIME_PATH in a temp folder, so it
# never touches /root, a desktop's server or another test's server, and several can run at once.
# -n skips default.pa (no hardware probing, no udev, no D-Bus modules); the missing D-Bus only
# causes a warning. The socket lives in a 0700 folder, so anonymous auth is safe and spares the
# client a cookie (it keeps its own HOME). --realtime=no/--high-priority=no keep a root server
# from taking real-time priority on a small CI machine. The server is stopped (TERM, then KILL)
# and the folder removed on every exit path, including failures and signals.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
if ! command -v pulseaudio >/dev/null || ! command -v pactl >/dev/null; then
  echo "[with_pulse] SKIP: pulseaudio / pactl not installed (scripts/install-deps.sh installs them)" >&2
  exit 77
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/st-pulse.XXXXXX")
chmod 700 "$dir"
mkdir -p "$dir/home" "$dir/run" "$dir/config"
chmod 700 "$dir/run"
server_pid=""
keeper_pid=""
command_pid=""

stop_server() {
  if [[ -n $keeper_pid ]]; then
    kill -TERM "$keeper_pid" 2>/dev/null || true
    wait "$keeper_pid" 2>/dev/null || true
    keeper_pid=""
  fi
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  if [[ -n $command_pid ]]; then
    kill -TERM "$command_pid" 2>/dev/null || true
    wait "$command_pid" 2>/dev/null || true
  fi
  stop_server
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

socket="$dir/run/pulse/native"
# Only the server gets the private paths; the command keeps the caller's environment.
HOME="$dir/home" XDG_RUNTIME_DIR="$dir/run" XDG_CONFIG_HOME="$dir/config" \
  PULSE_RUNTIME_PATH="$dir/run/pulse" PULSE_STATE_PATH="$dir/config/pulse" \
  pulseaudio --daemonize=no --exit-idle-time=-1 --system=false -n \
    --realtime=no --high-priority=no --disallow-exit --use-pid-file=no \
    --log-target=stderr --log-level=notice \
    --load="module-null-sink sink_name=st_null rate=48000 channels=2" \
    --load="module-native-protocol-unix socket=$socket auth-anonymous=1" \
    </dev/null 2>"$dir/pulseaudio.log" &
server_pid=$!

export PULSE_SERVER="unix:$socket"
ready=0
for _ in $(seq 100); do
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  if [[ -S $socket ]] && pactl info >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.1
done
if (( ! ready )); then
  echo "[with_pulse] PulseAudio did not start; its log:" >&2
  cat "$dir/pulseaudio.log" >&2 || true
  exit 1
fi

# A null sink with no client sleeps for its maximum latency (about 2 s), so the first stream that
# connects is heard ~1-2 s late (pacat too). A real sound card does not do that, and an
# end-to-end latency test must not measure it: one silent low-latency stream keeps the sink awake.
pacat --playback --latency-msec=10 --format=s16le --rate=48000 --channels=1 \
  --stream-name=st-keep-awake /dev/zero </dev/null 2>>"$dir/pulseaudio.log" &
keeper_pid=$!
# The keeper itself is heard late, so wait until a 0.1 s probe plays promptly (about 2 s).
for _ in $(seq 10); do
  start_ns=$(date +%s%N)
  head -c 9600 /dev/zero | pacat --playback --latency-msec=20 --format=s16le --rate=48000 \
    --channels=1 --stream-name=st-probe 2>>"$dir/pulseaudio.log" || true
  (( $(date +%s%N) - start_ns < 500000000 )) && break
done

export PULSE_SINK=st_null WITH_PULSE_SINK=st_null WITH_PULSE_MONITOR=st_null.monitor WITH_PULSE_DIR="$dir" \
  WITH_PULSE_SERVER_PID="$server_pid"
# Not exec: the EXIT trap must run after the command to stop the server. In the background with
# `wait`, because bash runs a signal trap only after a foreground child ends: a CTest timeout's
# TERM would otherwise leave the server running until the command finished. The explicit <&0 keeps
# the caller's stdin (a background job would get /dev/null).
status=0
"$@" <&0 &
command_pid=$!
wait "$command_pid" || status=$?
command_pid=""
if (( status != 0 )); then
  echo "[with_pulse] command exited with $status; PulseAudio log:" >&2
  cat "$dir/pulseaudio.log" >&2 || true
fi
exit "$status"
