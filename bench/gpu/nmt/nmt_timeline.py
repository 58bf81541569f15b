#!/usr/bin/env python3
"""In-graph kernel timeline of the nmt CUDA decoder (ours only), through CUPTI as PyTorch's profiler
drives it: every kernel of the decode graphs with its start and end on the GPU, PDL overlap included
(ncu, run.sh's `profile`, serializes kernels and so shows each one isolated, not the chain).

  nmt_timeline.py --lib LIB --dir NLLB_DIR --out-dir DIR [--configs NAME:INT8:VARIANT:SHORTLIST ...]
  nmt_timeline.py --analyse timeline-NAME.csv ...   (the table again from saved files, no GPU)

For each configuration: the p50 of unprofiled sentences, then a few profiled sentences; writes
timeline-NAME.csv (one row a kernel) and prints, per kernel kind of a decode step, the means of its
duration, its lead (the predecessor's end minus its start: how early its blocks got onto SMs) and its
tail (its end minus the predecessor's end: the time it adds to the chain; a step is the sum of tails). Nsight Systems is not installed on the lent machines (KINDS.md), CUPTI is.
"""
import argparse
import csv
import json
import os
import re
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nmt_gpu_bench import NEW_TOKENS, NLLB_600M, Ours, forced_ms, make_shortlist, random_sources  # noqa: E402

KINDS = ("embed", "qkv", "self_attn_out", "cross_q", "cross_attn_out", "cross_folded", "ffn", "lm_head", "lm_rescore")


def label(names):
    """Kernel kinds of one sentence's decode kernels in launch order (5 a layer, then the LM head; 4 with
    the folded cross-attention, which leaves no cross-Q GEMV and no cross attention_out)."""
    out, gemv_i, attn_i = [], 0, 0
    folded = any("cross_folded" in n for n in names)
    for n in names:
        if "lm_head_rescore" in n:  # the LM-head screen's second kernel (fp16 full vocabulary)
            out.append("lm_rescore")
        elif "lm_head" in n:
            out.append("lm_head")
            gemv_i = attn_i = 0  # a step starts after each LM head
        elif "ffn" in n:
            out.append("ffn")
        elif "cross_folded" in n:
            out.append("cross_folded")
        elif "attention_out" in n:
            out.append("self_attn_out" if folded or attn_i % 2 == 0 else "cross_attn_out")
            attn_i += 1
        elif "gemv" in n:
            out.append("qkv" if folded or gemv_i % 2 == 0 else "cross_q")
            gemv_i += 1
        elif "embed" in n:
            out.append("embed")
        else:
            out.append("other")
    return out


def short_name(n):
    """'void ns::(anonymous namespace)::gemv_kernel<1, true, true>(Args)' -> 'gemv_kernel<1, true, true>'."""
    n = n.split("(Gemv")[0].split("(Lm")[0].split("(Ffn")[0].split("(Att")[0].split("(Cross")[0]
    return re.sub(r"^void |[\w:]*\(anonymous namespace\)::|stream_tts::nn::cuda::", "", n)


def kernels_from_trace(path):
    ev = json.load(open(path))
    ev = ev["traceEvents"] if isinstance(ev, dict) else ev
    ks = [e for e in ev if e.get("cat") == "kernel" and e.get("ph") == "X"]
    ks.sort(key=lambda e: float(e["ts"]))
    return [(e["name"], float(e["ts"]) * 1e3, (float(e["ts"]) + float(e["dur"])) * 1e3,
             str(e.get("args", {}).get("grid", "")), str(e.get("args", {}).get("block", ""))) for e in ks]


def split_sentences(ks, gap_ns=100_000):
    """Kernels split where the GPU idled more than gap_ns (the host's work between sentences)."""
    out, cur, last_end = [], [], None
    for k in ks:
        if last_end is not None and k[1] - last_end > gap_ns and cur:
            out.append(cur)
            cur = []
        cur.append(k)
        last_end = k[2] if last_end is None else max(last_end, k[2])
    if cur:
        out.append(cur)
    return out


def analyse(sentences):
    """Per kind over decode steps 2..: mean duration, start gap, end gap (µs); step times."""
    per = {k: dict(dur=[], lead=[], tail=[]) for k in KINDS}
    steps = []
    for s in sentences:
        # The decode part starts at the first QKV GEMV after the encoder (first decode kernel kinds).
        names = [k[0] for k in s]
        first = next((i for i, n in enumerate(names) if "gemv" in n or "embed" in n), None)
        if first is None:
            continue
        dec = s[first:]
        kinds = label([k[0] for k in dec])
        # A step ends with its LM head, or with the rescoring kernel behind the LM-head screen.
        heads = [i for i, k in enumerate(kinds)
                 if k == "lm_rescore" or (k == "lm_head" and (i + 1 == len(kinds) or kinds[i + 1] != "lm_rescore"))]
        for h0, h1 in zip(heads, heads[1:]):  # step = (LM head h0, LM head h1]: full steps only
            steps.append((dec[h1][2] - dec[h0][2]) / 1e3)
            for i in range(h0 + 1, h1 + 1):
                kd = kinds[i]
                if kd not in per:
                    continue
                per[kd]["dur"].append((dec[i][2] - dec[i][1]) / 1e3)
                per[kd]["lead"].append((dec[i - 1][2] - dec[i][1]) / 1e3)
                per[kd]["tail"].append((dec[i][2] - dec[i - 1][2]) / 1e3)
    return per, steps


def print_table(per, steps):
    print(f"  step {np.mean(steps) if steps else float('nan'):.1f} us (mean of {len(steps)})")
    print(f"  {'kind':16s} {'n':>5s} {'dur':>8s} {'lead':>8s} {'tail':>8s}  (us, means)")
    for k, d in per.items():
        if d["dur"]:
            print(f"  {k:16s} {len(d['dur']):5d} {np.mean(d['dur']):8.2f} {np.mean(d['lead']):8.2f} {np.mean(d['tail']):8.2f}")


def read_csv(path):
    sents = {}
    for r in csv.DictReader(open(path)):
        sents.setdefault(int(r["sentence"]), []).append((r["name"], float(r["start_ns"]), float(r["end_ns"])))
    return [sents[k] for k in sorted(sents)]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lib")
    p.add_argument("--dir")
    p.add_argument("--out-dir")
    p.add_argument("--analyse", nargs="*", help="saved timeline-NAME.csv files: print their tables and stop")
    p.add_argument("--configs", nargs="*", default=["int8_sl:1:0:1", "fp16_sl:0:0:1", "int8:1:0:0", "fp16:0:0:0"],
                   help="NAME:INT8:VARIANT:SHORTLIST (variant bits of nmt_cuda_capi.cpp)")
    p.add_argument("--sentences", type=int, default=3)
    p.add_argument("--reps", type=int, default=30)
    a = p.parse_args()
    if a.analyse:
        for path in a.analyse:
            print(f"== {path}")
            print_table(*analyse(read_csv(path)))
        return
    if not (a.lib and a.dir and a.out_dir):
        p.error("--lib, --dir and --out-dir are needed to profile")
    import torch
    from torch.profiler import ProfilerActivity, profile
    torch.zeros(1, device="cuda")
    os.makedirs(a.out_dir, exist_ok=True)
    ours = Ours(a.lib)
    model = ours.load(a.dir)
    vocab = NLLB_600M["vocab_size"]
    shortlist = make_shortlist(vocab, 32000, [0, 1, 2, 3, vocab - 100])
    srcs = random_sources(np.random.default_rng(0), 8, vocab)
    summary = {}
    for cfg in a.configs:
        name, int8, variant, sl = cfg.split(":")
        r = ours.open(model, int(int8), 1, variant=int(variant), shortlist=shortlist if int(sl) else None)
        ms = forced_ms(ours, r, srcs, a.reps)
        trace = os.path.join("/tmp", f"trace-{name}.json")
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for i in range(a.sentences):
                ours.forced(r, srcs[i % len(srcs)], NEW_TOKENS)
                time.sleep(0.002)  # a clear idle gap between sentences on the GPU
            torch.cuda.synchronize()
        prof.export_chrome_trace(trace)
        ks = kernels_from_trace(trace)
        with open(os.path.join(a.out_dir, f"timeline-{name}.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["sentence", "name", "start_ns", "end_ns", "grid", "block"])
            for si, sent in enumerate(split_sentences(ks)):
                for k in sent:
                    w.writerow([si, short_name(k[0]), f"{k[1]:.0f}", f"{k[2]:.0f}", k[3], k[4]])
        sents = split_sentences(ks)
        per, steps = analyse(sents)
        span = [(s[-1][2] - s[0][1]) / 1e6 for s in sents]
        summary[name] = dict(p50_unprofiled_ms=float(np.median(ms)), sentences_profiled=len(sents),
                             kernels=len(ks), gpu_span_ms=span, step_us_mean=float(np.mean(steps)) if steps else None,
                             per_kind={k: {m: float(np.mean(v)) if v else None for m, v in d.items()} | {"n": len(d["dur"])}
                                       for k, d in per.items()})
        print(f"== {name} (int8 {int8}, variant {variant}, shortlist {sl}): unprofiled p50 {np.median(ms):.2f} ms; "
              f"profiled GPU span {', '.join(f'{x:.2f}' for x in span)} ms; {len(ks)} kernels")
        print_table(per, steps)
        ours.l.nmt_cuda_close(r)
    json.dump(summary, open(os.path.join(a.out_dir, "timeline.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
