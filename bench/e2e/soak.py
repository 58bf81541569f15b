#!/usr/bin/env python3
"""Soak: Claude Code transcripts replayed in a loop through one stream-tts process for a long time.

  bench/e2e/soak.py [--binary build/apps/stream-tts] [--duration 3600] [--out speaker] [--json FILE]

One stream-tts process reads a pipe for the whole run (`--translate none`: Japanese through Open JTalk,
English through eSpeak NG). The script writes the repository's transcripts into it one after the other,
with the pacing of `--demo` (30 ms after a streamed delta, 150 ms after any other line), and after each
transcript waits until its speech has played (from --metrics: each sentence plays after the one before,
for its audio_ms) and then `--gap` seconds: a user who listens to an answer and asks the next question.
So the load is the same at minute 1 and at minute 60, and anything that grows is the program's doing.

With `--out speaker` (the default) the script runs itself again under tests/integration/with_pulse.sh:
a private PulseAudio server whose only sink is a null sink, which plays in real time like a sound card.

Measured: RSS of the process every --sample-s seconds (/proc/PID/status VmRSS, also written to
WORKDIR/rss.csv as it goes; WORKDIR also keeps metrics.jsonl and stream-tts.log); underruns (the speaker
sink counts a gap inside a sentence, and stream-tts reports the count at exit); per-sentence latency
(`first_audio_latency_ms` of --metrics: sentence complete in the input -> first sample to the sink).
Prints one JSON object and exits 1 when a check fails:
  - RSS growth <= 1 %: median RSS of the last window against the median of the window right after
    warm-up (warm-up: the first full pass over the transcripts, at least --warmup seconds);
  - zero underruns (and the process exited 0 and spoke every sentence without error);
  - latency p95 of the last window <= 1.2 x that of the first window + 50 ms, over whole passes (the
    passes that start in the first window against those that end in the last: the same sentences,
    paced the same way, since much of the latency is a sentence waiting for the ones before it to be
    spoken). Windows: 10 minutes, or a quarter of the run when it is shorter than 40 minutes (at
    least one pass each). The tolerance is there because the
    latency is tens of milliseconds (Open JTalk's first chunk), the scale of scheduler noise on a
    shared machine; a real degradation (a queue that grows, per-sentence work that grows with the
    number of sentences spoken) grows without bound and would exceed it within the hour.
--playlist short (the CTest version) uses two transcripts (one Japanese, one English) so that a
two-minute run holds several passes.
"""
import argparse
import glob
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def playlist(kind):
    demo = os.path.join(ROOT, "data", "demo_ja.jsonl")
    fixtures = sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "claude", "*.jsonl")))
    # demo_ja.jsonl in tests/fixtures is the same session as data/demo_ja.jsonl.
    fixtures = [f for f in fixtures if os.path.basename(f) != "demo_ja.jsonl"]
    if kind == "short":
        return [demo, os.path.join(ROOT, "tests", "fixtures", "claude", "markdown.jsonl")]
    return [demo] + fixtures


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    k = (len(v) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Metrics:
    """Reads the --metrics JSONL as it grows and keeps the playback timeline."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.records = []
        self.play_end_ms = 0.0  # program time when everything handed to the sink so far has played

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        if not data and os.path.getsize(self.path) < self.offset:
            raise RuntimeError(f"{self.path} shrank while it was being read (another writer?)")
        self.offset += len(data)
        data = self.partial + data
        lines = data.split(b"\n")
        self.partial = lines.pop()
        for line in lines:
            if not line.strip():
                continue
            r = json.loads(line)
            self.records.append(r)
            start = r.get("t_first_audio_ms") or r.get("t_done_ms") or 0.0
            self.play_end_ms = max(self.play_end_ms, start) + (r.get("audio_ms") or 0.0)


def inner(a):
    files = playlist(a.playlist)
    transcripts = [open(f, "rb").read().splitlines(keepends=True) for f in files]
    os.makedirs(a.workdir, exist_ok=True)
    metrics_path = os.path.join(a.workdir, "metrics.jsonl")
    # A file left by an earlier run would be read from its old offset until the program truncates it,
    # and then from the middle of a new line: start without one.
    if os.path.exists(metrics_path):
        os.remove(metrics_path)
    stderr_path = os.path.join(a.workdir, "stream-tts.log")
    cmd = [a.binary, "--input", "claude", "--translate", "none", "--out", a.out, "--metrics", metrics_path,
           "--log-level", "info"] + a.extra.split()
    t0 = time.monotonic()
    err = open(stderr_path, "wb")
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
    program_ms = lambda: (time.monotonic() - t0) * 1000.0  # within a few ms of the program's clock
    rss = []  # (seconds since start, kB)
    stop = threading.Event()

    def sampler():
        # Also written as it goes (rss.csv in the work folder), so a long run that fails keeps them.
        with open(os.path.join(a.workdir, "rss.csv"), "w") as csv:
            csv.write("t_s,rss_kb\n")
            while not stop.is_set():
                kb = rss_kb(p.pid)
                if kb is not None:
                    rss.append((time.monotonic() - t0, kb))
                    csv.write(f"{rss[-1][0]:.1f},{kb}\n")
                    csv.flush()
                stop.wait(a.sample_s)

    threading.Thread(target=sampler, daemon=True).start()
    m = Metrics(metrics_path)
    passes = 0
    pass_spans = []  # (start s, end s, first record index, end record index) of each complete pass
    first_pass_end_s = None
    transcripts_written = 0
    deadline = t0 + a.duration
    try:
        # Whole passes only, at least two, until --duration has passed: a run lasts at least that long
        # and at most one pass longer.
        while passes < 2 or time.monotonic() < deadline:
            m.poll()
            pass_start, pass_first = time.monotonic() - t0, len(m.records)
            for n, lines in enumerate(transcripts):
                # Message and tool ids are unique in a real stream (the adapter pairs streamed and
                # complete messages by id), so each replay gets its own.
                tag = f"{passes:04d}{n:02d}_".encode()
                for line in lines:
                    line = line.replace(b'"msg_', b'"msg_' + tag).replace(b'"toolu_', b'"toolu_' + tag)
                    p.stdin.write(line)
                    p.stdin.flush()
                    time.sleep((0.030 if b'"stream_event"' in line else 0.150) / a.speed)
                transcripts_written += 1
                # Wait for the transcript's speech to be synthesised (no new record for idle-flush
                # + 1 s) and played, then the user's pause.
                last_count, last_change = -1, time.monotonic()
                while True:
                    m.poll()
                    if len(m.records) != last_count:
                        last_count, last_change = len(m.records), time.monotonic()
                    quiet = time.monotonic() - last_change > 2.2
                    if quiet and program_ms() >= m.play_end_ms:
                        break
                    if p.poll() is not None:
                        raise RuntimeError(f"stream-tts exited early ({p.returncode})")
                    time.sleep(0.1)
                time.sleep(a.gap)
            passes += 1
            now_s = time.monotonic() - t0
            pass_spans.append((pass_start, now_s, pass_first, len(m.records)))
            if first_pass_end_s is None:
                first_pass_end_s = now_s
    finally:
        try:
            p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            rc = p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            rc = p.wait()
        stop.set()
        err.close()
    wall = time.monotonic() - t0
    m.poll()
    log = open(stderr_path, encoding="utf-8", errors="replace").read()
    under = re.search(r"(\d+) underrun\(s\)", log)
    underruns = int(under.group(1)) if under else 0

    # Windows.
    warmup_s = max(a.warmup, first_pass_end_s or 0.0)
    window_s = 600.0 if a.duration >= 2400 else a.duration / 4.0
    run_s = rss[-1][0] if rss else wall
    after_warmup = [kb for t, kb in rss if warmup_s <= t < warmup_s + window_s]
    last = [kb for t, kb in rss if t >= run_s - window_s]
    rss_warm = statistics.median(after_warmup) if after_warmup else None
    rss_end = statistics.median(last) if last else None
    growth = (rss_end - rss_warm) * 100.0 / rss_warm if rss_warm and rss_end else None
    rss_max_after = max((kb for t, kb in rss if t >= warmup_s), default=None)

    # Latency is compared between whole passes, so both sides hold the same sentences with the same
    # pacing: the passes that start within the first window, and those that end within the last one
    # (at least one pass each; the first pass is both when there is only one).
    def latencies(spans):
        return [r["first_audio_latency_ms"] for _, _, i, j in spans for r in m.records[i:j]
                if r.get("first_audio_latency_ms") is not None]
    first_spans = [s for s in pass_spans if s[0] < window_s] or pass_spans[:1]
    last_spans = [s for s in pass_spans if s[1] > run_s - window_s and s not in first_spans] or pass_spans[-1:]
    first, last_lat = latencies(first_spans), latencies(last_spans)
    p95_first, p95_last = percentile(first, 95), percentile(last_lat, 95)
    errors = [r for r in m.records if r.get("error")]

    report = {
        "binary": a.binary,
        "out": a.out,
        "playlist": [os.path.relpath(f, ROOT) for f in files],
        "duration_s": round(wall, 1),
        "passes": passes,
        "transcripts": transcripts_written,
        "sentences": len(m.records),
        "sentence_errors": len(errors),
        "audio_s": round(sum((r.get("audio_ms") or 0.0) for r in m.records) / 1000.0, 1),
        "exit_code": rc,
        "warmup_s": round(warmup_s, 1),
        "window_s": round(window_s, 1),
        "rss_samples": len(rss),
        "rss_start_kb": rss[0][1] if rss else None,
        "rss_after_warmup_kb": rss_warm,
        "rss_end_kb": rss_end,
        "rss_max_after_warmup_kb": rss_max_after,
        "rss_growth_pct": round(growth, 3) if growth is not None else None,
        "underruns": underruns,
        "latency_p95_first_ms": round(p95_first, 1) if p95_first is not None else None,
        "latency_p95_last_ms": round(p95_last, 1) if p95_last is not None else None,
        "latency_p50_first_ms": round(percentile(first, 50), 1) if first else None,
        "latency_p50_last_ms": round(percentile(last_lat, 50), 1) if last_lat else None,
        "latency_sentences_first": len(first),
        "latency_sentences_last": len(last_lat),
        "latency_passes_first": len(first_spans),
        "latency_passes_last": len(last_spans),
        "workdir": a.workdir,
    }
    checks = {
        "exit_0": rc == 0,
        "no_sentence_errors": not errors,
        "spoke_after_warmup": bool(after_warmup) and bool(last) and passes >= 2,
        "rss_growth_le_1pct": growth is not None and growth <= 1.0,
        "zero_underruns": underruns == 0,
        "p95_unchanged": p95_first is not None and p95_last is not None
                         and p95_last <= 1.2 * p95_first + 50.0,
    }
    report["checks"] = checks
    report["pass"] = all(checks.values())
    text = json.dumps(report, indent=2)
    print(text)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    if not report["pass"]:
        print("soak: FAIL: " + ", ".join(k for k, ok in checks.items() if not ok), file=sys.stderr)
        print(log[-4000:], file=sys.stderr)
    return 0 if report["pass"] else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "apps", "stream-tts"))
    ap.add_argument("--duration", type=float, default=3600.0, help="seconds (default one hour)")
    ap.add_argument("--out", default="speaker", help="stream-tts --out (speaker: private PulseAudio null sink)")
    ap.add_argument("--playlist", choices=["all", "short"], default="all")
    ap.add_argument("--warmup", type=float, default=300.0, help="at least this long (s), and one full pass")
    ap.add_argument("--sample-s", type=float, default=5.0, help="RSS sampling period (s)")
    ap.add_argument("--gap", type=float, default=1.0, help="pause after each transcript has played (s)")
    ap.add_argument("--speed", type=float, default=1.0, help="divides the replay delays")
    ap.add_argument("--extra", default="", help="more stream-tts flags")
    ap.add_argument("--workdir", default=None, help="metrics and log (default: a new folder in /tmp)")
    ap.add_argument("--json", default=None, help="also write the report here")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.binary = os.path.abspath(a.binary)
    if a.workdir is None:
        a.workdir = os.path.join("/tmp", f"st_soak_{os.getpid()}")
    a.workdir = os.path.abspath(a.workdir)
    if a.out.startswith("speaker") and not a.inner and "WITH_PULSE_SINK" not in os.environ:
        with_pulse = os.path.join(ROOT, "tests", "integration", "with_pulse.sh")
        argv = [with_pulse, sys.executable, os.path.abspath(__file__), "--inner"] + sys.argv[1:]
        if not any(x.startswith("--workdir") for x in sys.argv[1:]):
            argv += ["--workdir", a.workdir]
        os.execv(with_pulse, argv)
    sys.exit(inner(a))


if __name__ == "__main__":
    main()
