#!/usr/bin/env python3
"""Burst: N Claude Code assistant messages written into stream-tts as fast as the pipe takes them.

  bench/e2e/burst.py [--binary build/apps/stream-tts] [--messages 10000] [--extra "ARGS"]

Runs the program twice on the same flags, to `--out null` with `--translate none`: once on a single
message (the idle baseline) and once on the burst; prints one JSON object with the wall time, the
peak RSS of each run (wait4 on the child), the growth over the baseline, when the writer managed to
write its last byte (backpressure holds it back), and whether every sentence was spoken once, in
order (from --metrics). The transcript is generated here; nothing is read from disk.

The default adds `--sample-rate 22050` (eSpeak NG's own rate): the burst measures the reader, the
queues and memory; resampling to 48 kHz costs about 4x the synthesis and only stretches the run.
Pass `--rate 48000` to measure the default output rate too.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time


def transcript(n):
    session = "4898af9b-1dc3-4e73-a984-63d81c9997b5"
    lines = [{"type": "system", "subtype": "init", "session_id": session}]
    for i in range(n):
        lines.append({"type": "assistant",
                      "message": {"id": f"msg_{i:06d}", "type": "message", "role": "assistant",
                                  "content": [{"type": "text", "text": f"Message {i} is here."}]},
                      "parent_tool_use_id": None, "session_id": session})
    lines.append({"type": "result", "subtype": "success", "is_error": False, "session_id": session})
    return b"".join(json.dumps(l, separators=(",", ":")).encode() + b"\n" for l in lines)


def run(binary, args, data, metrics):
    cmd = [binary, "--out", "null", "--translate", "none", "--metrics", metrics, "-q"] + args
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    written = {}

    def feed():
        try:
            p.stdin.write(data)
            p.stdin.close()
        except BrokenPipeError:
            pass
        written["s"] = time.monotonic() - t0

    err = []
    threads = [threading.Thread(target=feed), threading.Thread(target=lambda: err.append(p.stderr.read()))]
    for t in threads:
        t.start()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    for t in threads:
        t.join()
    rc = os.waitstatus_to_exitcode(status)
    stderr = b"".join(err).decode("utf-8", "replace")
    if rc != 0:
        sys.exit(f"{' '.join(cmd)} exited {rc}:\n{stderr}")
    texts = [json.loads(l)["text"] for l in open(metrics, encoding="utf-8") if l.strip()]
    dropped = re.search(r"(\d+) of \d+ sentences dropped", stderr)
    return {"wall_s": round(wall, 3), "input_written_s": round(written.get("s", wall), 3),
            "peak_rss_mb": round(usage.ru_maxrss / 1024.0, 1), "spoken": len(texts),
            "dropped": int(dropped.group(1)) if dropped else 0, "texts": texts}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(here, "..", "..", "build", "apps", "stream-tts"))
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--rate", type=int, default=22050, help="--sample-rate of the null sink")
    ap.add_argument("--extra", default="", help="more stream-tts flags, e.g. \"--backlog drop-oldest\"")
    a = ap.parse_args()
    args = ["--sample-rate", str(a.rate)] + shlex.split(a.extra)
    with tempfile.TemporaryDirectory(prefix="st_burst_") as tmp:
        base = run(a.binary, args, transcript(1), os.path.join(tmp, "base.jsonl"))
        burst = run(a.binary, args, transcript(a.messages), os.path.join(tmp, "burst.jsonl"))
    expected = [f"Message {i} is here." for i in range(a.messages)]
    in_order = burst["texts"] == expected
    report = {
        "messages": a.messages,
        "flags": " ".join(args),
        "wall_s": burst["wall_s"],
        "sentences_per_s": round(burst["spoken"] / burst["wall_s"], 1),
        "input_written_s": burst["input_written_s"],
        "baseline_peak_rss_mb": base["peak_rss_mb"],
        "peak_rss_mb": burst["peak_rss_mb"],
        "rss_over_baseline_mb": round(burst["peak_rss_mb"] - base["peak_rss_mb"], 1),
        "spoken": burst["spoken"],
        "dropped": burst["dropped"],
        "all_spoken_once_in_order": in_order,
    }
    print(json.dumps(report, indent=2))
    bounded = report["rss_over_baseline_mb"] <= 64
    complete = in_order or burst["dropped"] > 0
    sys.exit(0 if bounded and complete else 1)


if __name__ == "__main__":
    main()
