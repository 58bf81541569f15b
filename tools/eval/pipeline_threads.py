#!/usr/bin/env python3
"""The `llama` translator's thread count and OpenMP wait policy, measured in the whole pipeline.

Speaks a Claude stream-json fixture (translated by llama, spoken by the default Japanese voice, audio
to the null sink) once per variant and round; rounds interleave the variants (and rotate their order)
so that a noisy, shared machine disturbs them alike. Per run it reads the --metrics file: `done_ms`
(the last sentence's t_done_ms: the whole transcript translated and synthesised) and the mean
first-audio latency. Prints the medians and, per variant, the median over rounds of done_ms divided
by the first variant's done_ms in the same round.

    tools/eval/pipeline_threads.py --bin build/apps/stream-tts --model qwen2.5-coder-0.5b \
        --variants t2,t2-passive,t1 --rounds 3

A variant is tN (--threads N; t0: the backend's default), optionally followed by -passive
(OMP_WAIT_POLICY=passive) or -spinK (GOMP_SPINCOUNT=K); the OpenMP variables are removed from the
environment otherwise, so the libgomp default applies.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(binary: str, fixture: str, model: str, variant: str, metrics: Path) -> dict:
    parts = variant.split("-")
    threads = int(parts[0][1:])
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    for p in parts[1:]:
        if p == "passive":
            env["OMP_WAIT_POLICY"] = "passive"
        elif p.startswith("spin"):
            env["GOMP_SPINCOUNT"] = p[4:]
        else:
            raise SystemExit(f"unknown variant part {p!r} in {variant!r}")
    cmd = [binary, fixture, "--translate", "llama", "--model", model, "--out", "null", "--metrics", str(metrics),
           "-q", "--log-level", "warn"] + (["--threads", str(threads)] if threads else [])
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    rows = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()]
    return {"wall_s": wall, "done_ms": max(r["t_done_ms"] for r in rows),
            "mean_first_audio_latency_ms": statistics.mean(r["first_audio_latency_ms"] for r in rows),
            "sentences": len(rows), "errors": sum(1 for r in rows if r.get("error"))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(REPO / "build/apps/stream-tts"))
    ap.add_argument("--fixture", default=str(REPO / "tests/fixtures/claude/partial_tools.jsonl"))
    ap.add_argument("--model", default="qwen2.5-coder-0.5b")
    ap.add_argument("--variants", default="t2,t2-passive,t1")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    variants = a.variants.split(",")
    runs = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.rounds):
            k = r % len(variants)
            for v in variants[k:] + variants[:k]:
                x = run(a.bin, a.fixture, a.model, v, Path(tmp) / f"{v}.jsonl")
                runs[v].append(x)
                print(f"round {r} {v}: done {x['done_ms']:.0f} ms, mean first-audio latency "
                      f"{x['mean_first_audio_latency_ms']:.0f} ms", file=sys.stderr, flush=True)
    base = variants[0]
    summary = {"model": a.model, "fixture": a.fixture, "rounds": a.rounds, "variants": {}}
    for v in variants:
        summary["variants"][v] = {
            "done_ms_median": round(statistics.median(x["done_ms"] for x in runs[v])),
            "mean_first_audio_latency_ms_median": round(statistics.median(
                x["mean_first_audio_latency_ms"] for x in runs[v])),
            f"done_ratio_vs_{base}_median": round(statistics.median(
                x["done_ms"] / y["done_ms"] for x, y in zip(runs[v], runs[base])), 3),
            "done_ms": [round(x["done_ms"]) for x in runs[v]],
            "errors": sum(x["errors"] for x in runs[v]),
        }
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
