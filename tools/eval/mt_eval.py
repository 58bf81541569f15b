#!/usr/bin/env python3
"""English->Japanese translation quality and speed of `stream-tts translate`.

Runs the stream-tts binary over the English side of a TSV of English<TAB>Japanese pairs, once per
system (a translator backend and model), writes the hypotheses, and scores them with sacreBLEU
(BLEU with the ja-mecab tokenizer, and chrF; signatures printed and stored) plus the time per sentence.
Writes mt_eval.json and mt_eval.png into --out.

    tools/eval/mt_eval.py --systems none,llama:qwen2.5-coder-1.5b --limit 200

The scoring libraries live in a virtual environment created on first use at
${XDG_CACHE_HOME:-~/.cache}/stream-tts/venv-eval (tools/eval/requirements.txt, pinned); the script
re-runs itself inside it. --no-venv uses the current interpreter instead.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(__file__).resolve().parent / "requirements.txt"
DEFAULT_TSV = REPO.parent / "shared" / "data" / "tatoeba-eng-jpn.dev.tsv"
EXIT_SKIP = 77  # CTest SKIP_RETURN_CODE: the environment cannot be set up (no network for pip)


def log(msg: str) -> None:
    print(f"[mt-eval] {msg}", file=sys.stderr, flush=True)


# --- environment -------------------------------------------------------------------------------

def venv_dir() -> Path:
    if os.environ.get("STREAM_TTS_EVAL_VENV"):
        return Path(os.environ["STREAM_TTS_EVAL_VENV"])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "stream-tts" / "venv-eval"


def ensure_venv() -> None:
    """Re-executes this script inside the evaluation venv, creating or updating it when needed.

    A marker holding the sha256 of requirements.txt makes this idempotent: an unchanged venv costs
    one file read; a changed requirements file reinstalls.
    """
    venv = venv_dir()
    python = venv / "bin" / "python"
    if Path(sys.prefix).resolve() == venv.resolve():
        return
    marker = venv / ".requirements.sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not (python.exists() and marker.exists() and marker.read_text().strip() == wanted):
        log(f"setting up the evaluation environment in {venv}")
        try:
            if not python.exists():
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                            "-r", str(REQUIREMENTS)], check=True)
        except subprocess.CalledProcessError as e:
            log(f"could not set up {venv} ({e}); pip needs access to PyPI the first time")
            sys.exit(EXIT_SKIP)
        marker.write_text(wanted + "\n")
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


# --- data --------------------------------------------------------------------------------------

def load_pairs(tsv: Path, limit: int | None) -> tuple[list[str], list[list[str]]]:
    """English sentences and, for each, all its Japanese references.

    An English sentence with several accepted translations appears on consecutive lines
    (data README); they become one source with several references.
    """
    rows = []
    with tsv.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line:
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                raise SystemExit(f"{tsv}:{number}: expected English<TAB>Japanese")
            rows.append((parts[0].strip(), parts[1].strip()))
    sources, references = [], []
    for english, group in itertools.groupby(rows, key=lambda r: r[0]):
        sources.append(english)
        references.append([ja for _, ja in group])
        if limit is not None and len(sources) == limit:
            break
    return sources, references


def reference_streams(references: list[list[str]]) -> list[list[str | None]]:
    """sacreBLEU's layout: one stream per reference slot; None where a sentence has fewer."""
    width = max(len(r) for r in references)
    return [[r[i] if i < len(r) else None for r in references] for i in range(width)]


# --- running the translator --------------------------------------------------------------------

def system_args(system: str) -> list[str]:
    """"none" -> --translate none; "llama:qwen2.5-coder-1.5b" -> --translate llama --model ..."""
    backend, _, model = system.partition(":")
    args = ["--translate", backend]
    if model:
        args += ["--model", model]
    return args


def run_translate(binary: Path, system: str, extra: list[str], text: str, timeout: float) -> tuple[str, float]:
    cmd = [str(binary), "translate", *system_args(system), "--log-level", "warn", *extra]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"{system}: `{' '.join(cmd)}` ran longer than {timeout:.0f} s")
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        raise SystemExit(f"{system}: `{' '.join(cmd)}` failed (exit {proc.returncode}):\n{stderr}")
    return proc.stdout.decode("utf-8", "replace"), elapsed


def translate_all(binary: Path, system: str, extra: list[str], sources: list[str], timeout: float) -> dict:
    # A run on empty input measures start-up and model loading, so that ms per sentence is the
    # translation cost (what a long session pays per sentence), with loading reported apart.
    _, startup = run_translate(binary, system, extra, "", timeout)
    text = "".join(s.replace("\n", " ") + "\n" for s in sources)
    out, total = run_translate(binary, system, extra, text, timeout)
    hyps = out.split("\n")
    if hyps and hyps[-1] == "":
        hyps.pop()
    if len(hyps) != len(sources):
        raise SystemExit(f"{system}: {len(hyps)} output lines for {len(sources)} input lines")
    return {"hypotheses": hyps, "startup_s": startup, "total_s": total}


# --- scoring -----------------------------------------------------------------------------------

def has_japanese(text: str) -> bool:
    return any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in text)


def score(hyps: list[str], references: list[list[str]]) -> dict:
    from sacrebleu.metrics import BLEU, CHRF

    refs = reference_streams(references)
    bleu = BLEU(tokenize="ja-mecab")
    chrf = CHRF()
    b = bleu.corpus_score(hyps, refs)
    c = chrf.corpus_score(hyps, refs)
    return {
        "bleu": round(b.score, 2),
        "bleu_signature": str(bleu.get_signature()),
        "bleu_detail": str(b),
        "chrf": round(c.score, 2),
        "chrf_signature": str(chrf.get_signature()),
        "japanese_output_ratio": round(sum(map(has_japanese, hyps)) / len(hyps), 3),
    }


def plot(results: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on CI or over ssh
    import matplotlib.pyplot as plt

    names = [r["system"] for r in results]
    x = range(len(names))
    fig, (quality, speed) = plt.subplots(1, 2, figsize=(max(8, 2.2 * len(names) + 4), 4.5))
    width = 0.38
    bleu = quality.bar([i - width / 2 for i in x], [r["bleu"] for r in results], width, label="BLEU (ja-mecab)")
    chrf = quality.bar([i + width / 2 for i in x], [r["chrf"] for r in results], width, label="chrF")
    quality.bar_label(bleu, fmt="%.1f", fontsize=8)
    quality.bar_label(chrf, fmt="%.1f", fontsize=8)
    top = max([1.0] + [max(r["bleu"], r["chrf"]) for r in results])
    quality.set_ylim(0, top * 1.2)  # a fixed floor at 0: a near-zero score must look near zero
    quality.set_xticks(list(x), names, rotation=20, ha="right")
    quality.set_ylabel("score")
    quality.set_title("quality")
    quality.legend(loc="upper left")
    ms = speed.bar(list(x), [r["ms_per_sentence"] for r in results], 0.6, color="tab:green")
    speed.bar_label(ms, fmt="%.0f", fontsize=8)
    speed.set_ylim(0, max([1.0] + [r["ms_per_sentence"] for r in results]) * 1.2)
    speed.set_xticks(list(x), names, rotation=20, ha="right")
    speed.set_ylabel("ms per sentence (model loading excluded)")
    speed.set_title("speed")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- main --------------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tsv", type=Path, default=DEFAULT_TSV,
                   help="English<TAB>Japanese pairs (default: ../shared/data/tatoeba-eng-jpn.dev.tsv)")
    p.add_argument("--systems", default="none",
                   help="comma-separated BACKEND[:MODEL], e.g. none,llama:qwen2.5-coder-1.5b,llama:/x.gguf")
    p.add_argument("--limit", type=int, default=None, help="evaluate the first N English sentences only")
    p.add_argument("--bin", type=Path, default=Path(os.environ.get("STREAM_TTS_BIN", REPO / "build/apps/stream-tts")),
                   help="the stream-tts binary (default: $STREAM_TTS_BIN or build/apps/stream-tts)")
    p.add_argument("--out", type=Path, default=REPO / "out" / "eval-mt", help="output folder")
    p.add_argument("--extra", default="", help="more arguments for `stream-tts translate`, e.g. \"--gpu-layers 99\"")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per translate run")
    p.add_argument("--no-venv", action="store_true", help="use the current Python environment as it is")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not args.no_venv:
        ensure_venv()
    if not args.tsv.is_file():
        raise SystemExit(f"no data at {args.tsv}: pass --tsv FILE (English<TAB>Japanese per line)")
    if not os.access(args.bin, os.X_OK):
        raise SystemExit(f"no stream-tts binary at {args.bin}: build it or pass --bin")
    sources, references = load_pairs(args.tsv, args.limit)
    if not sources:
        raise SystemExit(f"{args.tsv} holds no pairs")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sources.en.txt").write_text("".join(s + "\n" for s in sources), encoding="utf-8")
    log(f"{len(sources)} sentences, {sum(map(len, references))} references from {args.tsv}")

    results = []
    for system in [s.strip() for s in args.systems.split(",") if s.strip()]:
        log(f"translating with {system}")
        run = translate_all(args.bin, system, args.extra.split(), sources, args.timeout)
        safe = system.replace("/", "_").replace(":", "-")
        hyp_path = args.out / f"hyp.{safe}.ja.txt"
        hyp_path.write_text("".join(h + "\n" for h in run["hypotheses"]), encoding="utf-8")
        translate_s = max(run["total_s"] - run["startup_s"], 0.0)
        chars = sum(len(h) for h in run["hypotheses"])
        result = {
            "system": system,
            "sentences": len(sources),
            **score(run["hypotheses"], references),
            "ms_per_sentence": round(1000 * translate_s / len(sources), 2),
            "startup_s": round(run["startup_s"], 3),
            "total_s": round(run["total_s"], 3),
            # Tokens are the backend's business; characters out per second is what the CLI can see.
            "output_chars_per_s": round(chars / translate_s, 1) if translate_s > 0 else None,
            "hypotheses": str(hyp_path),
        }
        results.append(result)
        log(f"{system}: BLEU {result['bleu']}  chrF {result['chrf']}  {result['ms_per_sentence']} ms/sentence")

    report = {
        "tsv": str(args.tsv),
        "sentences": len(sources),
        "references": sum(map(len, references)),
        "binary": str(args.bin),
        "extra_args": args.extra,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "systems": results,
    }
    (args.out / "mt_eval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    plot(results, args.out / "mt_eval.png", f"{args.tsv.name}, {len(sources)} sentences")

    print(f"{'system':32} {'BLEU':>6} {'chrF':>6} {'ms/sent':>9} {'load s':>7} {'ja %':>5}")
    for r in results:
        print(f"{r['system']:32} {r['bleu']:6.2f} {r['chrf']:6.2f} {r['ms_per_sentence']:9.1f} "
              f"{r['startup_s']:7.2f} {100 * r['japanese_output_ratio']:5.0f}")
    if results:
        print(f"BLEU signature: {results[0]['bleu_signature']}")
        print(f"chrF signature: {results[0]['chrf_signature']}")
    print(f"wrote {args.out / 'mt_eval.json'} and {args.out / 'mt_eval.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
