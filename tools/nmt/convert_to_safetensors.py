#!/usr/bin/env python3
"""Converts a Hugging Face checkpoint's pytorch_model.bin (or sharded pytorch_model-*.bin /
model-*.safetensors with an index) into the single model.safetensors that the `nmt` backend reads.
Tensors keep their names, shapes and dtypes; tied tensors (shared embeddings) are stored once.

    ~/.cache/stream-tts/venv-nmt/bin/python tools/nmt/convert_to_safetensors.py MODEL_DIR [--fp16]

Needs torch and safetensors (scripts/setup-nmt-eval.sh installs both). Loading a .bin runs pickle:
convert only checkpoints you trust (torch.load uses weights_only=True here, which refuses code).
"""
import argparse
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file


def load_state(model_dir):
    single = os.path.join(model_dir, "pytorch_model.bin")
    if os.path.exists(single):
        return torch.load(single, map_location="cpu", weights_only=True)
    for index_name, loader in (("pytorch_model.bin.index.json", None), ("model.safetensors.index.json", load_file)):
        index = os.path.join(model_dir, index_name)
        if os.path.exists(index):
            with open(index) as f:
                files = sorted(set(json.load(f)["weight_map"].values()))
            state = {}
            for name in files:
                path = os.path.join(model_dir, name)
                state.update(loader(path) if loader else torch.load(path, map_location="cpu", weights_only=True))
            return state
    sys.exit(f"{model_dir}: no pytorch_model.bin or sharded index")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--fp16", action="store_true", help="store float tensors as F16 (half the size)")
    ap.add_argument("--force", action="store_true", help="overwrite an existing model.safetensors")
    args = ap.parse_args()
    out = os.path.join(args.model_dir, "model.safetensors")
    if os.path.exists(out) and not args.force:
        sys.exit(f"{out} exists (use --force to overwrite)")
    state = load_state(args.model_dir)
    seen = {}
    tensors = {}
    for name, t in state.items():
        if not isinstance(t, torch.Tensor):
            continue
        key = (t.data_ptr(), t.shape, t.stride()) if t.numel() else None
        if key is not None and key in seen:  # a tied copy: keep the first name only
            continue
        if key is not None:
            seen[key] = name
        if args.fp16 and t.is_floating_point():
            t = t.half()
        tensors[name] = t.contiguous()
    save_file(tensors, out, metadata={"format": "pt"})
    print(f"{out}: {len(tensors)} tensors, {os.path.getsize(out) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
