#!/usr/bin/env python3
"""Runs the real stream-tts binary on an input and checks what it produced.

  run_case.py BINARY [--stdin FILE] [--expect-sentence TEXT ...] [--forbid TEXT ...]
              [--min-seconds S] [--max-seconds S] [--rate HZ] [--expect-exit N]
              [--expect-stderr TEXT ...] [--voice PREFIX] -- ARGS...

The program runs with --out wav:<tmp> --metrics <tmp> added (unless --no-wav); the WAV must have the
expected rate, a plausible duration and audible content; the metrics must contain each expected
sentence exactly once (as `text`) and no sentence containing a forbidden text.
"""
import argparse
import array
import json
import math
import os
import subprocess
import sys
import tempfile
import wave


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--stdin")
    ap.add_argument("--expect-sentence", action="append", default=[])
    ap.add_argument("--forbid", action="append", default=[])
    ap.add_argument("--min-sentences", type=int, default=1)
    ap.add_argument("--min-seconds", type=float, default=0.3)
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--rate", type=int, default=48000)
    ap.add_argument("--expect-exit", type=int, default=0)
    ap.add_argument("--expect-stderr", action="append", default=[])
    ap.add_argument("--voice", default="")
    ap.add_argument("--no-wav", action="store_true")
    argv = sys.argv[1:]
    prog_args = []
    if "--" in argv:
        cut = argv.index("--")
        argv, prog_args = argv[:cut], argv[cut + 1:]
    a = ap.parse_args(argv)
    a.args = prog_args

    tmp = tempfile.mkdtemp(prefix="st_it_")
    wav_path = os.path.join(tmp, "out.wav")
    metrics_path = os.path.join(tmp, "metrics.jsonl")
    cmd = [a.binary] + a.args
    if not a.no_wav:
        cmd += ["--out", "wav:" + wav_path, "--metrics", metrics_path]
    stdin = open(a.stdin, "rb") if a.stdin else subprocess.DEVNULL
    p = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    err = p.stderr.decode("utf-8", "replace")
    sys.stderr.write(err)
    if p.returncode != a.expect_exit:
        fail(f"exit code {p.returncode}, expected {a.expect_exit}: {' '.join(cmd)}")
    for t in a.expect_stderr:
        if t not in err:
            fail(f"stderr lacks {t!r}")
    if a.no_wav or a.expect_exit != 0:
        print("ok")
        return

    records = [json.loads(l) for l in open(metrics_path, encoding="utf-8") if l.strip()]
    texts = [r["text"] for r in records]
    if len(records) < a.min_sentences:
        fail(f"{len(records)} sentences spoken, expected at least {a.min_sentences}: {texts}")
    for s in a.expect_sentence:
        n = texts.count(s)
        if n != 1:
            fail(f"sentence {s!r} spoken {n} times; spoken: {texts}")
    for f in a.forbid:
        for t in texts:
            if f in t:
                fail(f"forbidden text {f!r} was spoken in {t!r}")
    ids = [r["id"] for r in records]
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        fail(f"sentence ids out of order or repeated: {ids}")
    for r in records:
        if r.get("error"):
            fail(f"sentence {r['id']} failed: {r['error']}")
        for k in ("t_complete_ms", "t_first_audio_ms", "audio_ms", "voice", "translated"):
            if r.get(k) in (None, ""):
                fail(f"metrics field {k} missing in {r}")
        if a.voice and not r["voice"].startswith(a.voice):
            fail(f"voice {r['voice']} does not start with {a.voice}")
        if r["t_first_audio_ms"] < r["t_complete_ms"]:
            fail(f"first audio before the sentence was complete: {r}")

    with wave.open(wav_path, "rb") as w:
        if w.getframerate() != a.rate:
            fail(f"sample rate {w.getframerate()}, expected {a.rate}")
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            fail("expected mono 16-bit")
        frames = w.readframes(w.getnframes())
        seconds = w.getnframes() / w.getframerate()
    samples = array.array("h", frames)
    rms = math.sqrt(sum(x * x for x in samples) / max(1, len(samples))) / 32768.0
    if not (a.min_seconds <= seconds <= a.max_seconds):
        fail(f"duration {seconds:.2f} s outside [{a.min_seconds}, {a.max_seconds}]")
    if rms < 0.01:
        fail(f"audio is silent (rms {rms:.4f})")
    spoken_ms = sum(r["audio_ms"] for r in records)
    if abs(spoken_ms / 1000.0 - seconds) > 0.05 + 0.01 * seconds:
        fail(f"metrics audio_ms total {spoken_ms:.0f} ms disagrees with WAV {seconds:.2f} s")
    print(f"ok: {len(records)} sentences, {seconds:.2f} s, rms {rms:.3f}")


if __name__ == "__main__":
    main()
