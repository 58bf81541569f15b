#!/usr/bin/env python3
"""Native Kokoro-82M (bench_kokoro) against onnxruntime on the same model, sentences, voice and thread
count, in one invocation: whole-sentence time, first-chunk time of the native streaming path, peak RSS.

    ninja -C build bench_kokoro
    nice -n 10 python3 bench/e2e/kokoro_bench.py --sentences 20 --threads 1 \
        --json bench/results/kokoro_cpu-DATE.json --plot bench/results/kokoro_cpu-DATE.png

Sentences: the first N of tests/golden/g2p/tatoeba-dev.tsv (the Python front end's phonemes of the
Japanese side of ../shared/data/tatoeba-eng-jpn.dev.tsv) whose token count lies in [--min-tokens,
--max-tokens]. Each engine runs in its own process (so each has its own peak RSS), the two alternate for
--rounds rounds, and each sentence's time is the median of --runs runs after --warmup.
onnxruntime runs in the kokoro-ja worker's venv (scripts/setup-workers.sh) or --ort-python.
"""
import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))


def data_home() -> str:
    return os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")


def cache_home() -> str:
    return os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")


def load_sentences(model_dir: str, n: int, lo: int, hi: int) -> list[tuple[str, list[int]]]:
    vocab = json.load(open(os.path.join(model_dir, "vocab.json"), encoding="utf-8"))["vocab"]
    out = []
    with open(os.path.join(ROOT, "tests", "golden", "g2p", "tatoeba-dev.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            text, phonemes = line.rstrip("\n").split("\t", 1)
            ids = [vocab[c] for c in phonemes if c in vocab]
            if lo <= len(ids) <= hi:
                out.append((text, ids))
            if len(out) == n:
                break
    return out


def run_engine(cmd: list[str]) -> dict:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    rows, info = [], {}
    for line in r.stdout.splitlines():
        obj = json.loads(line)
        if "sentence" in obj:
            rows.append(obj)
        else:
            info.update(obj)
    info["rows"] = rows
    info["wall_s"] = time.perf_counter() - t0
    return info


def plot(out: dict, path: str) -> None:
    """Time per sentence (native, onnxruntime, native first chunk) and peak RSS, from a result JSON."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    summary, rows = out["summary"], out["sentences"]
    audio_s = [r["audio_s"] for r in rows]
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    ax[0].scatter(audio_s, [r["onnxruntime_ms"] for r in rows], label="onnxruntime", marker="o")
    ax[0].scatter(audio_s, [r["native_ms"] for r in rows], label="native", marker="x")
    if "native_first_chunk_ms" in summary:
        ax[0].scatter(audio_s, summary["native_first_chunk_ms"], label="native first window", marker=".")
    ax[0].set_xlabel("audio (s)")
    ax[0].set_ylabel("ms per sentence")
    ax[0].set_title(f"Kokoro-82M int8, {summary['threads']} thread(s): native {summary['whole_ratio_total']}x")
    ax[0].legend()
    ax[1].bar(["native", "onnxruntime"], [summary["native_peak_rss_mb"], summary["onnxruntime_peak_rss_mb"]])
    ax[1].set_ylabel("peak RSS (MB)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "bench", "e2e", "bench_kokoro"))
    p.add_argument("--model", default=os.path.join(data_home(), "stream-tts", "models", "kokoro-ja"))
    p.add_argument("--ort-python", default=os.path.join(cache_home(), "stream-tts", "venv-workers", "bin", "python"))
    p.add_argument("--sentences", type=int, default=20)
    p.add_argument("--min-tokens", type=int, default=20)
    p.add_argument("--max-tokens", type=int, default=120)
    p.add_argument("--threads", type=int, default=1, help="threads for both engines")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--voice", default="jf_alpha")
    p.add_argument("--stream", default=None, metavar="FIRST,MAX,CONTEXT",
                   help="also measure the native windowed generator (frames of 12.5 ms): first-chunk "
                        "time and mel SNR against the whole sentence")
    p.add_argument("--json", default=None, help="write the results here")
    p.add_argument("--plot", default=None, help="write a PNG plot here (needs matplotlib)")
    p.add_argument("--replot", default=None, metavar="JSON", help="only draw --plot from an earlier --json")
    a = p.parse_args()
    if a.replot:
        with open(a.replot, encoding="utf-8") as f:
            plot(json.load(f), a.plot or os.path.splitext(a.replot)[0] + ".png")
        return 0
    sentences = load_sentences(a.model, a.sentences, a.min_tokens, a.max_tokens)
    if not sentences:
        raise SystemExit("no sentences in the token range")
    tmp = tempfile.mkdtemp(prefix="kokoro-bench-")
    tokens_file = os.path.join(tmp, "tokens.txt")
    with open(tokens_file, "w") as f:
        for _, ids in sentences:
            f.write(",".join(map(str, ids)) + "\n")
    common = ["--runs", str(a.runs), "--warmup", str(a.warmup), "--voice", a.voice]
    native_cmd = [a.binary, "--model", a.model, "--threads", str(a.threads), *common]
    if a.stream:
        first, most, context = a.stream.split(",")
        native_cmd += ["--stream", "--first", first, "--max", most, "--context", context]
    native_cmd.append(tokens_file)
    ort_cmd = [a.ort_python, os.path.join(HERE, "kokoro_ort_runner.py"), a.model, tokens_file,
               "--threads", str(a.threads), *common]
    results = {"native": [], "onnxruntime": []}
    for r in range(a.rounds):
        print(f"[kokoro-bench] round {r + 1}/{a.rounds}: native", file=sys.stderr, flush=True)
        results["native"].append(run_engine(native_cmd))
        print(f"[kokoro-bench] round {r + 1}/{a.rounds}: onnxruntime", file=sys.stderr, flush=True)
        results["onnxruntime"].append(run_engine(ort_cmd))

    def per_sentence(engine: str, key: str) -> list[float]:
        return [statistics.median(run["rows"][i][key] for run in results[engine]) for i in range(len(sentences))]

    native_ms, ort_ms = per_sentence("native", "whole_ms"), per_sentence("onnxruntime", "whole_ms")
    audio_s = [row["audio_s"] for row in results["onnxruntime"][0]["rows"]]
    ratios = [n / o for n, o in zip(native_ms, ort_ms)]
    summary = {
        "sentences": len(sentences), "threads": a.threads, "runs": a.runs, "rounds": a.rounds,
        "audio_s_total": round(sum(audio_s), 2),
        "native_ms_total": round(sum(native_ms), 1), "onnxruntime_ms_total": round(sum(ort_ms), 1),
        "whole_ratio_total": round(sum(native_ms) / sum(ort_ms), 3),
        "whole_ratio_geomean": round(math.exp(statistics.mean(math.log(x) for x in ratios)), 3),
        "native_rtf": round(sum(native_ms) / 1000 / sum(audio_s), 3),
        "onnxruntime_rtf": round(sum(ort_ms) / 1000 / sum(audio_s), 3),
        "native_peak_rss_mb": max(run["peak_rss_mb"] for run in results["native"]),
        "onnxruntime_peak_rss_mb": max(run["peak_rss_mb"] for run in results["onnxruntime"]),
    }
    if a.stream:
        summary["native_first_chunk_ms"] = per_sentence("native", "first_chunk_ms")
        three = [i for i, s in enumerate(audio_s) if 2.5 <= s <= 3.5]
        if three:
            summary["native_first_chunk_ms_3s_median"] = round(
                statistics.median(summary["native_first_chunk_ms"][i] for i in three), 1)
        summary["native_stream_mel_snr_db"] = [row["stream_mel_snr_db"] for row in results["native"][0]["rows"]]
    for stage in ("front_ms", "decoder_ms", "generator_ms"):
        summary["native_" + stage + "_total"] = round(sum(per_sentence("native", stage)), 1)
    out = {"summary": summary, "machine": {"cpu": platform.processor() or platform.machine(),
                                           "cores": os.cpu_count(), "load": os.getloadavg()},
           "command": " ".join(sys.argv),
           "sentences": [{"text": t, "tokens": len(ids), "audio_s": s, "native_ms": n, "onnxruntime_ms": o}
                         for (t, ids), s, n, o in zip(sentences, audio_s, native_ms, ort_ms)],
           "raw": results}
    print(json.dumps(summary, indent=1))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False, indent=1)
    if a.plot:
        plot(out, a.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
