#!/usr/bin/env python3
"""Runs `stream-tts translate --translate nmt` on a golden model's inputs and compares each output line
with the text transformers produced (tests/golden/nmt/*.golden.json, tools/nmt/make_golden.py).
Cases with a near-tie step (top-1/top-2 logit margin below the recorded threshold) may legitimately
differ after that step, so only cases whose every step is clear must match exactly. With a
<model>.beams.json and `--beams N` it compares the beam-search outputs of transformers' num_beams=N."""
import json
import subprocess
import sys


def main():
    binary, golden_path, model_dir = sys.argv[1:4]
    extra = sys.argv[4:]
    with open(golden_path, encoding="utf-8") as f:
        golden = json.load(f)
    if "beams" in golden:  # <model>.beams.json: the cases of the --beams N given among the extra args
        cases = golden["beams"][extra[extra.index("--beams") + 1]]
    else:
        cases = golden["cases"]
    stdin = "".join(c["text"] + "\n" for c in cases)
    cmd = [binary, "translate", "--translate", "nmt", "--model", model_dir,
           "--max-tokens", str(golden["max_new_tokens"]), "--threads", "1"] + extra
    if "src_lang" in golden:
        cmd += ["--src", golden["src_lang"], "--tgt", golden["tgt_lang"]]
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        print(f"exit {p.returncode}\n{p.stderr}")
        return 1
    lines = p.stdout.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != len(cases):
        print(f"{len(lines)} output lines for {len(cases)} inputs\n{p.stdout}")
        return 1
    compared = failed = 0
    for c, got in zip(cases, lines):
        if not c.get("all_steps_clear", True):
            continue
        compared += 1
        if got != c["output_text"]:
            failed += 1
            print(f"MISMATCH {c['text']!r}\n  want {c['output_text']!r}\n  got  {got!r}")
    print(f"{compared - failed}/{compared} clear cases identical ({len(cases) - compared} near-tie cases skipped)")
    return 1 if failed or compared == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
