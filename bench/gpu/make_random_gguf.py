#!/usr/bin/env python3
"""Writes a random-weight GGUF (F16) of a real Qwen2.5 architecture around a tokenizer-only GGUF, for speed
measurements where real weights cannot travel (the GPU machine takes 64 MiB per call). Quantise it with
llama-quantize afterwards (Q4_K_M gives the real tensor-type mix of published Q4_K_M files).

Weights are normal(0, 0.02) values (drawn once into a 64 M-value pool, tensors are windows of it: the
numbers are random-looking, not structured; writing 15 GB of fresh draws would only cost time), norms are 1.

    PYTHONPATH=.gpu/gguf-py python3 bench/gpu/make_random_gguf.py --arch 7b --vocab .gpu/qwen2.5-vocab.gguf OUT.gguf
"""
import argparse
import sys

import numpy as np

import gguf

# Hugging Face config.json values of the Qwen2.5 instruct models.
ARCHS = {
    "0.5b": dict(hidden=896, ffn=4864, layers=24, heads=14, kv_heads=2, vocab=151936, tied=True),
    "1.5b": dict(hidden=1536, ffn=8960, layers=28, heads=12, kv_heads=2, vocab=151936, tied=True),
    "7b": dict(hidden=3584, ffn=18944, layers=28, heads=28, kv_heads=4, vocab=152064, tied=False),
}
POOL = 1 << 26


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=sorted(ARCHS), required=True)
    ap.add_argument("--vocab", required=True, help="tokenizer-only GGUF (bench/gpu/extract_vocab.py)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("out")
    args = ap.parse_args()
    a = ARCHS[args.arch]
    rng = np.random.default_rng(args.seed)
    pool = (rng.standard_normal(POOL, dtype=np.float32) * 0.02).astype(np.float16)

    def weight(rows, cols):
        n = rows * cols
        if n <= POOL:
            start = int(rng.integers(0, POOL - n + 1))
            return pool[start:start + n].reshape(rows, cols)
        return np.resize(np.roll(pool, int(rng.integers(0, POOL))), n).reshape(rows, cols)

    def vector(n, value=None):
        if value is not None:
            return np.full(n, value, dtype=np.float32)
        return pool[:n].astype(np.float32)

    w = gguf.GGUFWriter(args.out, "qwen2")
    w.add_name(f"random-qwen2.5-{args.arch}")
    w.add_block_count(a["layers"])
    w.add_context_length(32768)
    w.add_embedding_length(a["hidden"])
    w.add_feed_forward_length(a["ffn"])
    w.add_head_count(a["heads"])
    w.add_head_count_kv(a["kv_heads"])
    w.add_rope_freq_base(1e6)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)

    reader = gguf.GGUFReader(args.vocab)
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        value = field.contents()
        if key in ("tokenizer.ggml.tokens", "tokenizer.ggml.token_type") and len(value) < a["vocab"]:
            # The 7B embedding has padding rows past the tokenizer's entries; published GGUFs name them.
            pad = a["vocab"] - len(value)
            if key == "tokenizer.ggml.tokens":
                value = list(value) + [f"[PAD{i}]" for i in range(len(value), a["vocab"])]
            else:
                value = list(value) + [gguf.TokenType.UNUSED] * pad
        vtype = field.types[0]
        if vtype == gguf.GGUFValueType.ARRAY:
            w.add_key_value(key, value, vtype, sub_type=field.types[-1])
        else:
            w.add_key_value(key, value, vtype)

    h, f, hd = a["hidden"], a["ffn"], a["hidden"] // a["heads"]
    q, kv = a["heads"] * hd, a["kv_heads"] * hd
    w.add_tensor("token_embd.weight", weight(a["vocab"], h))
    for i in range(a["layers"]):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", vector(h, 1.0))
        w.add_tensor(p + "attn_q.weight", weight(q, h))
        w.add_tensor(p + "attn_q.bias", vector(q))
        w.add_tensor(p + "attn_k.weight", weight(kv, h))
        w.add_tensor(p + "attn_k.bias", vector(kv))
        w.add_tensor(p + "attn_v.weight", weight(kv, h))
        w.add_tensor(p + "attn_v.bias", vector(kv))
        w.add_tensor(p + "attn_output.weight", weight(h, q))
        w.add_tensor(p + "ffn_norm.weight", vector(h, 1.0))
        w.add_tensor(p + "ffn_gate.weight", weight(f, h))
        w.add_tensor(p + "ffn_up.weight", weight(f, h))
        w.add_tensor(p + "ffn_down.weight", weight(h, f))
    w.add_tensor("output_norm.weight", vector(h, 1.0))
    if not a["tied"]:
        w.add_tensor("output.weight", weight(a["vocab"], h))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file(progress=False)
    w.close()
    print(f"{args.out}: random Qwen2.5-{args.arch}", file=sys.stderr)


if __name__ == "__main__":
    main()
