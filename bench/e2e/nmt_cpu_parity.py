#!/usr/bin/env python3
"""Parity of the CPU `nmt` path with Hugging Face transformers on the full NLLB-200-distilled-600M
architecture (random weights), fp32 and int8: logits within a tolerance per dtype, greedy sequences
identical for >= 98 % of the inputs (200 by default).

    scripts/setup-nmt-eval.sh
    cmake -S . -B build-nmt-slbench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTREAM_TTS_LLAMA=OFF -DSTREAM_TTS_BENCH=ON
    ninja -C build-nmt-slbench bench_nmt_cpu_parity
    ~/.cache/stream-tts/venv-nmt/bin/python bench/e2e/nmt_cpu_parity.py \
        --binary build-nmt-slbench/bench/e2e/bench_nmt_cpu_parity --out bench/e2e/nmt_cpu_parity.json

The model is the GPU benchmark's (bench/gpu/nmt/nmt_gpu_bench.py make-model --arch nllb600m: seeded,
transformers' init_std 0.02, LayerNorm gamma/beta drawn as a trained model has them), made on the CPU
into --work. The inputs too: 24 random source ids (language code first, EOS last), a stand-in target
language id forced as BOS, then exactly 32 tokens.

Method (the GPU benchmark's): ours decodes greedily (fp32 through its exact int8 screen of the LM head,
as `stream-tts translate` does; int8 as `--int8`); transformers fp32 is run teacher-forced on our
sequence. Our sequence is transformers' greedy sequence iff every step's argmax agrees. Random weights
give near-ties, where any correct implementation may pick either token, so a sequence counts as
identical ("clear-margin") if it agrees up to the first step whose reference top-1/top-2 margin is below
tau = 2 x the largest |logit difference| measured in the logits check for that dtype: a flip needs the
difference of two logits' errors to exceed the margin, and that difference is at most 2 x max |error|.
"exact" counts sequences identical at every step regardless of margins.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "gpu", "nmt"))
from nmt_gpu_bench import NEW_TOKENS, make_model, random_sources  # noqa: E402

TOLERANCE_REL_L2 = {"fp32": 1e-4, "int8": 1e-1}


def log(*a):
    print(f"[nmt-cpu-parity {time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


def run_ours(binary, model_dir, srcs, bos, int8, threads, logits_n, logits_path):
    cmd = [binary, "--model", model_dir, "--bos", str(bos), "--tokens", str(NEW_TOKENS), "--threads", str(threads),
           "--logits", str(logits_n), "--logits-out", logits_path] + (["--int8"] if int8 else [])
    t = time.time()
    out = subprocess.run(cmd, input="\n".join(" ".join(map(str, s)) for s in srcs) + "\n", capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {out.stderr.strip()}")
    lines = out.stdout.strip().split("\n")
    assert lines[-1].startswith("screen_mismatches"), lines[-1]
    seqs = [[int(x) for x in ln.split()] for ln in lines[:-1]]
    assert len(seqs) == len(srcs) and all(len(s) == NEW_TOKENS + 1 for s in seqs)
    log(f"ours {'int8' if int8 else 'fp32'}: {len(seqs)} sentences in {time.time() - t:.0f} s")
    return seqs, int(lines[-1].split()[1])


def teacher_logits(model, src, dec):
    import torch
    with torch.inference_mode():
        s = torch.tensor([src])
        d = torch.tensor([dec])
        return model(input_ids=s, attention_mask=torch.ones_like(s), decoder_input_ids=d).logits[0].float().numpy()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True, help="bench_nmt_cpu_parity")
    p.add_argument("--work", default="/tmp/stream-tts-nmt-parity")
    p.add_argument("--inputs", type=int, default=200, help="greedy sequences compared")
    p.add_argument("--logit-inputs", type=int, default=4, help="of those, sentences whose logits are compared")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="/tmp/nmt_cpu_parity.json")
    a = p.parse_args()

    import torch
    import transformers
    from transformers import AutoModelForSeq2SeqLM
    torch.set_num_threads(a.threads)
    model_dir = os.path.join(a.work, "nllb600m")
    make_model("nllb600m", model_dir)
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    vocab = cfg["vocab_size"]
    bos = vocab - 100  # a stand-in for the target language code, as the GPU benchmark forces
    srcs = random_sources(np.random.default_rng(3), a.inputs, vocab)
    hf = AutoModelForSeq2SeqLM.from_pretrained(model_dir, torch_dtype=torch.float32).eval()

    result = dict(what="CPU nmt path vs transformers fp32 (teacher-forced on our greedy sequences), "
                       "NLLB-600M architecture, random weights", model=cfg, inputs=a.inputs,
                  logit_inputs=a.logit_inputs, new_tokens=NEW_TOKENS, threads=a.threads, machine=platform.processor()
                  or platform.machine(), cpu=open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(": \t"),
                  transformers=transformers.__version__, torch=torch.__version__,
                  tolerance_rel_l2=TOLERANCE_REL_L2, dtypes={})
    for dtype in ("fp32", "int8"):
        lpath = os.path.join(a.work, f"logits-{dtype}.f32")
        seqs, screen_mismatches = run_ours(a.binary, model_dir, srcs, bos, dtype == "int8", a.threads,
                                           a.logit_inputs, lpath)
        ours_logits = np.fromfile(lpath, dtype=np.float32).reshape(a.logit_inputs, NEW_TOKENS, vocab)
        # Logits: every position of the first sentences (position 0 is the forced BOS's, compared too).
        rel, max_abs = [], 0.0
        refs = []
        for i in range(a.inputs):
            ref = teacher_logits(hf, srcs[i], seqs[i][:-1])
            if i < a.logit_inputs:
                o = ours_logits[i].astype(np.float64)
                rel.append(float(np.linalg.norm(o - ref) / np.linalg.norm(ref.astype(np.float64))))
                max_abs = max(max_abs, float(np.abs(o - ref).max()))
            top2 = np.partition(ref, -2, axis=1)[:, -2:]
            refs.append((ref.argmax(axis=1), top2[:, 1] - top2[:, 0]))
        tau = 2 * max_abs
        exact = clear = compared = total = 0
        first_mismatch_margins = []
        for seq, (arg, margin) in zip(seqs, refs):
            agree = np.asarray(seq[2:]) == arg[1:]  # step 0 is the forced BOS
            m = margin[1:]
            near = np.nonzero(m < tau)[0]
            cut = int(near[0]) if near.size else len(m)
            exact += bool(agree.all())
            clear += bool(agree[:cut].all())
            compared += cut
            total += len(m)
            bad = np.nonzero(~agree)[0]
            if bad.size:
                first_mismatch_margins.append(float(m[bad[0]]))
        r = dict(logits_rel_l2_max=max(rel), logits_rel_l2=rel, logits_max_abs=max_abs, tau=tau,
                 greedy_identical_exact=exact / a.inputs, greedy_identical_clear_margin=clear / a.inputs,
                 steps_compared_fraction=compared / total, first_mismatch_margins=sorted(first_mismatch_margins),
                 screen_vs_full_argmax_mismatches=screen_mismatches)
        r["passed"] = bool(r["logits_rel_l2_max"] <= TOLERANCE_REL_L2[dtype] and r["greedy_identical_clear_margin"] >= 0.98
                           and screen_mismatches == 0)
        result["dtypes"][dtype] = r
        log(f"{dtype}: logits rel L2 max {r['logits_rel_l2_max']:.2e} (tolerance {TOLERANCE_REL_L2[dtype]:.0e}), "
            f"max |diff| {max_abs:.3e}; greedy exact {exact}/{a.inputs}, clear-margin {clear}/{a.inputs} "
            f"(tau {tau:.4f}, {compared / total:.3f} of the steps compared); screen mismatches {screen_mismatches}")
    result["passed"] = all(r["passed"] for r in result["dtypes"].values())
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    log(f"parity {'PASSED' if result['passed'] else 'FAILED'} -> {a.out}")
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
