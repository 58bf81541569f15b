#!/usr/bin/env python3
"""The `llama` translator on a GPU against llama.cpp's own llama-bench, same model, same run.

One sentence = the cached prompt prefix (depth D) + the sentence's turn (N tokens) -> exactly 32 generated
tokens (forced length). Rounds interleave the two programs. Reported (ms, p50/p95 over every repetition):
  ours            bench_llama_translate --gpu-layers 99 (flash attention auto = on for CUDA)
  llama-bench     -pg N,32 -d D -ngl 99 -fa 1 (CUDA graphs on, as built)
  overhead_pct    ours p50 / llama-bench p50 - 1 (target <= 5 %)
and the decode-loop tok/s of both (-n 32 at depth D+N for llama-bench).

    bench/gpu/llama_gpu_bench.py --bench B --llama-bench L --model M.gguf [--rounds 3] [--reps 20]
"""
import argparse
import json
import statistics
import subprocess
import sys

GEN = 32


def run_json(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr[-4000:])
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}")
    return json.loads(p.stdout)


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--llama-bench", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=20)
    a = ap.parse_args()

    ours_ms, ours_tps, lb_ms, lb_tps, lb_pp = [], [], [], [], []
    depth = n_prompt = None
    for r in range(a.rounds):
        o = run_json([a.bench, "--model", a.model, "--threads", str(a.threads), "--gpu-layers", "99",
                      "--reps", str(a.reps), "--gen", str(GEN), "--no-translate", "--samples"])
        f = o["forced"]
        depth, n_prompt = f["depth"], f["prompt_tokens"]
        ours_ms += f["sentence_ms_samples"]
        ours_tps.append(f["decode_tok_s_p50"])
        base = [a.llama_bench, "-m", a.model, "-t", str(a.threads), "-ngl", "99", "-fa", "1",
                "-r", str(a.reps), "-o", "json"]
        pg = run_json(base + ["-d", str(depth), "-p", "0", "-n", "0", "-pg", f"{n_prompt},{GEN}"])
        pg = [x for x in pg if x["n_prompt"] == n_prompt and x["n_gen"] == GEN][0]
        lb_ms += [ns / 1e6 for ns in pg["samples_ns"]]
        tg = run_json(base + ["-d", str(depth + n_prompt), "-p", "0", "-n", str(GEN)])
        tg = [x for x in tg if x["n_gen"] == GEN and x["n_prompt"] == 0][0]
        lb_tps.append(tg["avg_ts"])
        pp = run_json(base + ["-d", str(depth), "-p", str(n_prompt), "-n", "0"])
        pp = [x for x in pp if x["n_prompt"] == n_prompt and x["n_gen"] == 0][0]
        lb_pp.append(pp["avg_ts"])
        print(json.dumps({"round": r, "ours_p50": statistics.median(f["sentence_ms_samples"]),
                          "llama_bench_p50": statistics.median(pg["samples_ns"]) / 1e6}), file=sys.stderr)

    res = {
        "model": a.model, "depth": depth, "prompt_tokens": n_prompt, "gen_tokens": GEN,
        "runs_each": len(ours_ms),
        "ours_ms": {"p50": pct(ours_ms, 50), "p95": pct(ours_ms, 95), "min": min(ours_ms)},
        "llama_bench_ms": {"p50": pct(lb_ms, 50), "p95": pct(lb_ms, 95), "min": min(lb_ms)},
        "ours_decode_tok_s": statistics.median(ours_tps),
        "llama_bench_tg_tok_s": statistics.median(lb_tps),
        "llama_bench_pp_tok_s": statistics.median(lb_pp),
    }
    res["overhead_pct"] = 100 * (res["ours_ms"]["p50"] / res["llama_bench_ms"]["p50"] - 1)
    res["decode_overhead_pct"] = 100 * (res["llama_bench_tg_tok_s"] / res["ours_decode_tok_s"] - 1)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
