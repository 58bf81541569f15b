#!/usr/bin/env python3
"""Hugging Face transformers baseline for the `llama` translator on the GPU: random-weight Qwen2.5 (7B or
1.5B configuration, no download) in bf16, greedy, forced length. Two shapes, medians of --reps runs:
  plain   an 80-token prompt -> 32 tokens (the BASELINES.md figure: 544 ms on an H100 for 7B)
  cached  a prompt prefix of --prefix tokens evaluated once and reused, then --suffix new tokens -> 32
          tokens: what our backend does per sentence
Prints one JSON line.

    python3 bench/gpu/hf_qwen2_baseline.py --arch 7b [--prefix 291 --suffix 30] [--reps 10]
"""
import argparse
import copy
import json
import statistics
import time

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

ARCHS = {
    "1.5b": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                 num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True),
    "7b": dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
               num_key_value_heads=4, vocab_size=152064, tie_word_embeddings=False),
}


def timed(fn, reps):
    fn()
    torch.cuda.synchronize()
    ms = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        ms.append((time.perf_counter() - t) * 1000)
    ms.sort()
    return {"p50": statistics.median(ms), "p95": ms[min(len(ms) - 1, int(0.95 * len(ms)))], "min": ms[0]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=sorted(ARCHS), default="7b")
    ap.add_argument("--prefix", type=int, default=291)
    ap.add_argument("--suffix", type=int, default=30)
    ap.add_argument("--gen", type=int, default=32)
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args()
    cfg = Qwen2Config(max_position_embeddings=32768, rope_theta=1e6, rms_norm_eps=1e-6, **ARCHS[args.arch])
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = Qwen2ForCausalLM(cfg).to(torch.bfloat16).eval()
    gen = dict(max_new_tokens=args.gen, min_new_tokens=args.gen, do_sample=False, pad_token_id=0)
    vocab = cfg.vocab_size - 1000
    plain = torch.randint(0, vocab, (1, 80), device="cuda")
    prefix = torch.randint(0, vocab, (1, args.prefix), device="cuda")
    suffix = torch.randint(0, vocab, (1, args.suffix), device="cuda")
    full = torch.cat([prefix, suffix], dim=1)
    with torch.inference_mode():
        r_plain = timed(lambda: model.generate(plain, **gen), args.reps)
        cache = model(prefix, use_cache=True).past_key_values
        r_cached = timed(lambda: model.generate(full, past_key_values=copy.deepcopy(cache), **gen), args.reps)
        out = model.generate(full, past_key_values=copy.deepcopy(cache), **gen)
    assert out.shape[1] == full.shape[1] + args.gen, out.shape
    import transformers
    print(json.dumps({"arch": args.arch, "dtype": "bf16", "transformers": transformers.__version__,
                      "torch": torch.__version__, "device": torch.cuda.get_device_name(),
                      "plain_80_to_32_ms": r_plain,
                      f"cached_{args.prefix}+{args.suffix}_to_{args.gen}_ms": r_cached}))


if __name__ == "__main__":
    main()
