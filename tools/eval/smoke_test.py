#!/usr/bin/env python3
"""CTest smoke test of mt_eval.py: 20 sentences of the bundled Tatoeba sample through the real
stream-tts binary, then checks of what it wrote.

    smoke_test.py STREAM_TTS_BIN OUT_DIR [SYSTEMS]

SYSTEMS defaults to "none" (pass-through, which needs no model). With "none" the hypotheses must be
the English sources unchanged, which checks the line alignment between input and output.
Exits 77 (skipped) when the evaluation environment cannot be installed (no access to PyPI).
"""
import json
import math
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TSV = HERE / "testdata" / "tatoeba-eng-jpn.smoke.tsv"


def fail(msg: str) -> None:
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check_resume(binary: Path, out: Path) -> None:
    """A run killed after 12 sentences (progress.jsonl cut there, its last line torn) goes on with
    --resume to the same 20 hypotheses. Uses the pass-through system, which needs no model."""
    first = out / "resume-first"
    for name, extra in (("first", []), ("resumed", ["--resume"])):
        if name == "resumed":
            lines = (first / "progress.jsonl").read_text(encoding="utf-8").splitlines()
            if len(lines) != 20:
                fail(f"progress.jsonl holds {len(lines)} lines after 20 sentences")
            (first / "progress.jsonl").write_text("\n".join(lines[:12]) + "\n" + lines[12][:15], encoding="utf-8")
        proc = subprocess.run([sys.executable, str(HERE / "mt_eval.py"), "--bin", str(binary), "--tsv", str(TSV),
                               "--limit", "20", "--systems", "none", "--out", str(first), "--paired-bs", "0",
                               *extra], capture_output=True, text=True)
        if proc.returncode != 0:
            fail(f"mt_eval.py ({name}) exited with {proc.returncode}: {proc.stderr[-2000:]}")
        if name == "resumed" and "--resume: 12 sentences taken" not in proc.stderr:
            fail(f"--resume did not take the 12 finished sentences: {proc.stderr[-2000:]}")
    hyps = (first / "hyp.none.ja.txt").read_text(encoding="utf-8").splitlines()
    sources = (first / "sources.en.txt").read_text(encoding="utf-8").splitlines()
    if hyps != sources:
        fail("--resume: the resumed run's hypotheses differ from the sources")
    records = [json.loads(line) for line in (first / "progress.jsonl").read_text(encoding="utf-8").splitlines()]
    if [r["i"] for r in records] != list(range(20)):
        fail("--resume: progress.jsonl does not hold sentences 0..19 once each after the resumed run")


def main() -> int:
    binary, out = Path(sys.argv[1]), Path(sys.argv[2])
    systems = sys.argv[3] if len(sys.argv) > 3 else "none"
    proc = subprocess.run([sys.executable, str(HERE / "mt_eval.py"), "--bin", str(binary), "--tsv", str(TSV),
                           "--limit", "20", "--systems", systems, "--out", str(out),
                           # One thread: ctest runs other tests beside this one on 2 cores.
                           "--extra=--threads 1"])
    if proc.returncode == 77:
        return 77
    if proc.returncode != 0:
        fail(f"mt_eval.py exited with {proc.returncode}")

    report = json.loads((out / "mt_eval.json").read_text(encoding="utf-8"))
    if report["sentences"] != 20 or report["references"] <= 20:
        fail(f"expected 20 sentences with extra references grouped in, got {report['sentences']} / "
             f"{report['references']}")
    wanted = [s.strip() for s in systems.split(",")]
    if [r["system"] for r in report["systems"]] != wanted:
        fail(f"systems {[r['system'] for r in report['systems']]}, expected {wanted}")
    for r in report["systems"]:
        for key in ("bleu", "chrf", "ms_per_sentence"):
            value = r.get(key)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                fail(f"{r['system']}: {key} = {value!r} is not a non-negative number")
        if r["bleu"] > 100 or r["chrf"] > 100:
            fail(f"{r['system']}: scores above 100")
        if "tok:ja-mecab" not in r["bleu_signature"]:
            fail(f"{r['system']}: BLEU signature {r['bleu_signature']!r} lacks the ja-mecab tokenizer")
        hyps = Path(r["hypotheses"]).read_text(encoding="utf-8").splitlines()
        if len(hyps) != 20:
            fail(f"{r['system']}: {len(hyps)} hypotheses")
        if r["system"] == "none":
            sources = (out / "sources.en.txt").read_text(encoding="utf-8").splitlines()
            if hyps != sources:
                fail("pass-through output differs from its input")
            if r["bleu"] > 5:
                fail(f"English scored BLEU {r['bleu']} against Japanese references")
    png = out / "mt_eval.png"
    if not png.is_file() or png.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{png} is not a PNG")
    check_resume(binary, out)
    print("mt_eval smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
