#!/usr/bin/env python3
"""onnxruntime's side of bench/e2e/kokoro_bench.py: the packaged Kokoro int8 model on the same token
lists, printing the same JSON lines as bench_kokoro (whole-sentence ms per sentence, peak RSS).
Needs numpy and onnxruntime (the kokoro-ja worker's venv).

    PYTHON kokoro_ort_runner.py MODEL_DIR TOKENS_FILE --threads 1 --runs 3 --warmup 1 [--voice jf_alpha]
"""
import argparse
import json
import resource
import statistics
import time

import numpy as np
import onnxruntime as ort


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("model_dir")
    p.add_argument("tokens_file")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--voice", default="jf_alpha")
    a = p.parse_args()
    t0 = time.perf_counter()
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(f"{a.model_dir}/kokoro-v1.0.int8.onnx", so, providers=["CPUExecutionProvider"])
    voices = np.load(f"{a.model_dir}/voices_ja.npz")
    table = voices[a.voice].reshape(-1, 256).astype(np.float32)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"load_ms": round((time.perf_counter() - t0) * 1000, 1), "rss_after_load_mb": round(rss, 1)}),
          flush=True)
    with open(a.tokens_file) as f:
        sentences = [[int(t) for t in line.split(",") if t.strip()] for line in f if line.strip()]
    for i, tokens in enumerate(sentences):
        feed = {"tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                "style": table[min(len(tokens), len(table)) - 1].reshape(1, 256),
                "speed": np.array([1.0], dtype=np.float32)}
        times = []
        samples = 0
        for r in range(a.warmup + a.runs):
            t = time.perf_counter()
            audio = session.run(None, feed)[0]
            ms = (time.perf_counter() - t) * 1000
            samples = audio.size
            if r >= a.warmup:
                times.append(ms)
        print(json.dumps({"sentence": i, "tokens": len(tokens), "audio_s": round(samples / 24000, 3),
                          "whole_ms": round(statistics.median(times), 1)}), flush=True)
    print(json.dumps({"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


if __name__ == "__main__":
    main()
