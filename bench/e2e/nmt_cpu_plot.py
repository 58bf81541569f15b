#!/usr/bin/env python3
"""Plots one run of bench/e2e/nmt_cpu_results.json (default: the last) as a PNG: p50 ms per sentence
per engine and model, with the ratios against transformers written on the bars. Engines with a
target-vocabulary shortlist (ours "+ shortlist", CTranslate2 "+ vmap") are hatched.

    ~/.cache/stream-tts/venv-eval/bin/python bench/e2e/nmt_cpu_plot.py [--run -1] [--out bench/e2e/nmt_cpu_results.png]
"""
import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ENGINES = [("ours-fp32", "ours fp32", "#1f77b4"), ("ours-fp32-sl", "ours fp32 + shortlist", "#6baed6"),
           ("ours-int8", "ours int8", "#17becf"), ("ours-int8-sl", "ours int8 + shortlist", "#9edae5"),
           ("transformers", "transformers fp32", "#7f7f7f"),
           ("ct2-float32", "CTranslate2 float32", "#ff7f0e"), ("ct2-float32-vmap", "CTranslate2 float32 + vmap", "#fdae6b"),
           ("ct2-int8", "CTranslate2 int8", "#d62728"), ("ct2-int8-vmap", "CTranslate2 int8 + vmap", "#ff9896")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default=os.path.join(HERE, "nmt_cpu_results.json"))
    ap.add_argument("--run", type=int, default=-1, help="index into runs (default: the last)")
    ap.add_argument("--out", default=os.path.join(HERE, "nmt_cpu_results.png"))
    args = ap.parse_args()
    with open(args.results, encoding="utf-8") as f:
        run = json.load(f)["runs"][args.run]
    models = list(run["models"])
    fig, axes = plt.subplots(1, len(models), figsize=(6.5 * len(models), 4.6))
    for ax, model in zip(axes if len(models) > 1 else [axes], models):
        results = run["models"][model]["results"]
        names = [(k, label, color) for k, label, color in ENGINES if k in results]
        p50 = [results[k]["p50_ms"] for k, _, _ in names]
        base = results.get("transformers", {}).get("p50_ms")
        bars = ax.bar(range(len(names)), p50, color=[color for _, _, color in names],
                      hatch=[("//" if k.endswith(("-sl", "-vmap")) else "") for k, _, _ in names])
        for bar, ms in zip(bars, p50):
            text = f"{ms:.0f} ms" + (f"\n{base / ms:.2f}x" if base else "")
            ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), text, ha="center", va="bottom", fontsize=8)
        ax.set_xticks(range(len(names)), [label for _, label, _ in names], rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("p50 ms per sentence")
        ax.set_ylim(0, max(p50) * 1.25)
        shortlist = run["models"][model].get("shortlist", {}).get("ids")
        ax.set_title(f"{model}: 24 -> 32 tokens, batch 1, {run['threads']} threads"
                     + (f"\nshortlist / vmap: {shortlist:,} ids" if shortlist else ""), fontsize=9)
    hatched = any(k.endswith(("-sl", "-vmap")) for m in models for k in run["models"][m]["results"])
    fig.suptitle("nmt on the CPU (ratio = transformers fp32 / engine, same run)"
                 + ("; hatched: vocabulary shortlist / CTranslate2 vmap, transformers has none" if hatched else ""),
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(args.out)


if __name__ == "__main__":
    main()
