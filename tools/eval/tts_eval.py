#!/usr/bin/env python3
"""Japanese speech synthesis: round-trip intelligibility and speed of Kokoro (worker and native) and Open JTalk.

Synthesises the Japanese side of the first N sentences of a TSV of English<TAB>Japanese pairs with each
system, transcribes every clip with Whisper base (faster-whisper, the `whisper-base` model of
`stream-tts models install`), and scores the transcripts against the input text:

  kana CER   both sides turned into katakana pronunciations (MeCab + unidic-lite, field `pron`; Arabic
             numerals read as kanji numerals first), punctuation and spaces dropped: what was *heard*.
  raw CER    characters after NFKC, punctuation and spaces dropped: mostly measures kanji/kana spelling
             choices of the recogniser, not speech quality (../shared/MODELS.md).

    tools/eval/tts_eval.py --limit 100
    tools/eval/tts_eval.py --systems kokoro --voice jm_kumo --limit 20 --out out/eval-tts-kumo

Systems:
  kokoro     the kokoro-ja worker (workers/kokoro_ja), spawned with the workers' venv and spoken to over the
             worker protocol, as the engine does. Timed from request sent to first chunk / done received.
  kokoro-native  the native backend, `stream-tts --tts kokoro --voice V --out wav:FILE --metrics FILE say
             TEXT`, one process per sentence, timed like openjtalk.
  openjtalk  `stream-tts --tts openjtalk --out wav:FILE --metrics FILE say TEXT`, one process per sentence.
             Timed in the engine (metrics: first chunk and done after the sentence was ready) and as
             process wall time (start-up included).
Systems take the sentences in turns (sentence i goes to every system before sentence i+1), so a noisy,
shared machine slows them alike; transcription runs after all synthesis.

Output in --out: wav/<system>/<n>.wav, tts_eval.json (per system: kana_cer, raw_cer, median per-sentence
CERs, exact matches, RTF, first-chunk p50/p95; per sentence: text, transcript, readings, CERs, timings) and
tts_eval.png. Scoring libraries (tools/eval/requirements.txt + requirements-tts.txt, pinned) live in the
evaluation venv, ${XDG_CACHE_HOME:-~/.cache}/stream-tts/venv-eval (STREAM_TTS_EVAL_VENV overrides); the
script re-runs itself inside it. The worker runs in the workers' venv (scripts/setup-workers.sh).
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
import unicodedata
import wave
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
REQUIREMENTS = [(HERE / "requirements.txt", ".requirements.sha256"),  # same marker as mt_eval.py
                (HERE / "requirements-tts.txt", ".requirements-tts.sha256")]
DEFAULT_TSV = REPO.parent / "shared" / "data" / "tatoeba-eng-jpn.dev.tsv"
EXIT_SKIP = 77  # CTest SKIP_RETURN_CODE: the environment cannot be set up
SYSTEMS = ("kokoro", "kokoro-native", "openjtalk")


def log(msg: str) -> None:
    print(f"[tts-eval] {msg}", file=sys.stderr, flush=True)


# --- environment -------------------------------------------------------------------------------

def cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def venv_dir() -> Path:
    if os.environ.get("STREAM_TTS_EVAL_VENV"):
        return Path(os.environ["STREAM_TTS_EVAL_VENV"])
    return cache_home() / "stream-tts" / "venv-eval"


def ensure_venv(argv: list[str]) -> None:
    """Re-executes this script inside the evaluation venv, creating or updating it when needed (a marker
    per requirements file holds its sha256, so an unchanged venv costs two file reads)."""
    venv = venv_dir()
    python = venv / "bin" / "python"
    if Path(sys.prefix).resolve() == venv.resolve():
        return
    for req, marker_name in REQUIREMENTS:
        marker = venv / marker_name
        wanted = hashlib.sha256(req.read_bytes()).hexdigest()
        if python.exists() and marker.exists() and marker.read_text().strip() == wanted:
            continue
        log(f"setting up the evaluation environment in {venv} ({req.name})")
        try:
            if not python.exists():
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                            "-r", str(req)], check=True)
        except subprocess.CalledProcessError as e:
            log(f"could not set up {venv} ({e}); pip needs access to PyPI the first time")
            sys.exit(EXIT_SKIP)
        marker.write_text(wanted + "\n")
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *argv])


def models_dir() -> Path:
    if os.environ.get("STREAM_TTS_MODELS_DIR"):
        return Path(os.environ["STREAM_TTS_MODELS_DIR"])
    data = os.environ.get("XDG_DATA_HOME", "")
    base = Path(data) if data and os.path.isabs(data) else Path.home() / ".local" / "share"
    return base / "stream-tts" / "models"


# --- data --------------------------------------------------------------------------------------

def load_sentences(tsv: Path, limit: int) -> list[str]:
    """The Japanese side of the first `limit` distinct English sentences (the first translation of each:
    an English sentence with several translations sits on consecutive lines, ../shared/data/README.md)."""
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
    out = []
    for _, group in itertools.groupby(rows, key=lambda r: r[0]):
        out.append(next(group)[1])
        if len(out) == limit:
            break
    return out


def write_wav(path: Path, pcm16: bytes, rate: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm16)


def percentile(xs: list[float], q: float) -> float | None:
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


# --- systems -----------------------------------------------------------------------------------

class Kokoro:
    name = "kokoro"

    def __init__(self, args: argparse.Namespace, out: Path):
        sys.path.insert(0, str(REPO / "workers" / "python"))
        from stream_tts_worker.client import WorkerProcess

        python = args.workers_python or str(cache_home() / "stream-tts" / "venv-workers" / "bin" / "python")
        if not Path(python).exists():
            raise SystemExit(f"no workers venv ({python}): run scripts/setup-workers.sh")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "workers" / "python"), str(REPO / "workers" / "kokoro_ja")])
        cmd = [python, "-m", "kokoro_ja_worker", "--threads", str(args.threads), *args.worker_args]
        self.log_file = open(out / "kokoro-worker.log", "wb")
        t0 = time.perf_counter()
        self.worker = WorkerProcess(cmd, env=env, stderr=self.log_file)
        caps = self.worker.hello()
        if caps is None or caps.type != "capabilities":
            raise SystemExit(f"the kokoro-ja worker did not start: {caps.header if caps else 'no reply'} "
                             f"(log: {out / 'kokoro-worker.log'})")
        self.startup_s = time.perf_counter() - t0
        self.voice = args.voice
        self.next_id = 0
        self.description = f"kokoro-ja worker, voice {args.voice}, {args.threads} threads: {' '.join(cmd)}"

    def synthesize(self, text: str, wav: Path) -> dict:
        import numpy as np

        self.next_id += 1
        t0 = time.perf_counter()
        chunks, end, first = self.worker.request(self.next_id, text, voice=self.voice)
        total = time.perf_counter() - t0
        if end.type != "done":
            return {"error": f"{end.header.get('code')}: {end.header.get('message')}"}
        audio = np.frombuffer(b"".join(c.payload for c in chunks), dtype="<f4")
        rate = chunks[0].header["sample_rate"] if chunks else 24000
        write_wav(wav, (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes(), rate)
        audio_s = audio.size / rate
        stats = end.header.get("stats", {})
        return {"audio_s": audio_s, "first_chunk_ms": first * 1000 if first >= 0 else None,
                "synth_ms": total * 1000, "rtf": total / audio_s if audio_s else None, "chunks": len(chunks),
                "cpu_ms": stats.get("cpu_ms"), "worker_stats": stats}

    def close(self) -> None:
        self.worker.close(timeout=20)
        self.log_file.close()


class CliSystem:
    """A `stream-tts` backend run as the CLI, one process per sentence (its start-up is not in the timings)."""

    def __init__(self, args: argparse.Namespace, out: Path, name: str, tts_args: list[str]):
        self.name = name
        self.bin = args.bin
        if not Path(self.bin).exists():
            raise SystemExit(f"no stream-tts binary at {self.bin} (build it, or give --bin)")
        self.tts_args = tts_args
        self.startup_s = 0.0
        self.description = f"{self.bin} {' '.join(tts_args)} (one process per sentence)"

    def synthesize(self, text: str, wav: Path) -> dict:
        wav.parent.mkdir(parents=True, exist_ok=True)
        metrics = wav.with_suffix(".jsonl")
        cmd = [self.bin, *self.tts_args, "--out", f"wav:{wav}", "--metrics", str(metrics), "--quiet",
               "--log-level", "warn", "say", text]
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
        if r.returncode != 0 or not metrics.exists():
            return {"error": f"exit {r.returncode}: {r.stderr.decode('utf-8', 'replace')[-300:]}"}
        m = json.loads(metrics.read_text(encoding="utf-8").splitlines()[0])
        metrics.unlink()
        if m.get("error"):
            return {"error": m["error"]}
        audio_s = m["audio_ms"] / 1000
        ready = m["t_translated_ms"]  # the sentence reaches the synthesiser
        synth_ms = m["t_done_ms"] - ready
        return {"audio_s": audio_s, "first_chunk_ms": m["t_first_chunk_ms"] - ready, "synth_ms": synth_ms,
                "rtf": synth_ms / 1000 / audio_s if audio_s else None, "process_s": wall,
                "process_rtf": wall / audio_s if audio_s else None}

    def close(self) -> None:
        pass


def make_system(name: str, args: argparse.Namespace, out: Path):
    if name == "kokoro":
        return Kokoro(args, out)
    if name == "openjtalk":
        return CliSystem(args, out, name, ["--tts", "openjtalk"])
    return CliSystem(args, out, name, ["--tts", "kokoro", "--voice", args.voice])  # kokoro-native


# --- scoring -----------------------------------------------------------------------------------

_DIGITS = "〇一二三四五六七八九"


def number_to_kanji(n: int) -> str:
    """123 -> 百二十三, 20000 -> 二万: so that "3時" and "三時" get the same reading."""
    if n == 0:
        return "〇"
    out = []
    for unit_value, unit in ((10 ** 12, "兆"), (10 ** 8, "億"), (10 ** 4, "万"), (1, "")):
        part, n = divmod(n, unit_value)
        if not part:
            continue
        s = ""
        for value, mark in ((1000, "千"), (100, "百"), (10, "十")):
            d, part = divmod(part, value)
            if d:
                s += ("" if d == 1 else _DIGITS[d]) + mark
        if part:
            s += _DIGITS[part]
        out.append(s + unit)
    return "".join(out)


def numerals_to_kanji(text: str) -> str:
    out, digits = [], ""
    for ch in text + "\0":
        if ch.isascii() and ch.isdigit():
            digits += ch
            continue
        if digits:
            out.append(number_to_kanji(int(digits)) if len(digits) <= 15 else digits)
            digits = ""
        out.append(ch)
    return "".join(out[:-1])


def is_dropped(ch: str) -> bool:
    """Punctuation, symbols, spaces: not spoken."""
    return unicodedata.category(ch)[0] in "PSZC"


def to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


class Reader:
    """Katakana pronunciations with MeCab + unidic-lite (field 9 is `pron`, e.g. 東京 -> トーキョー)."""

    def __init__(self) -> None:
        import MeCab
        import unidic_lite

        self.tagger = MeCab.Tagger(f'-d "{unidic_lite.DICDIR}" -r /dev/null')

    def reading(self, text: str) -> str:
        text = numerals_to_kanji(unicodedata.normalize("NFKC", text))
        out = []
        node = self.tagger.parseToNode(text)
        while node:
            if node.surface:
                f = node.feature.split(",")
                if f[0] not in ("補助記号", "記号", "空白"):
                    pron = f[9] if len(f) > 9 and f[9] not in ("", "*") else to_katakana(node.surface)
                    out.append(pron)
            node = node.next
        return "".join(c for c in "".join(out) if not is_dropped(c)).upper()


def raw_chars(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if not is_dropped(c)).upper()


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def transcribe_all(rows: list[dict], systems: list[str], out: Path, args: argparse.Namespace) -> None:
    from faster_whisper import WhisperModel

    model_path = args.whisper or str(models_dir() / "whisper-base")
    if not (Path(model_path) / "model.bin").exists():
        raise SystemExit(f"no Whisper model in {model_path}: run stream-tts models install whisper-base")
    model = WhisperModel(model_path, device="cpu", compute_type="int8", cpu_threads=args.threads)
    t0 = time.perf_counter()
    for i, row in enumerate(rows):
        for s in systems:
            r = row[s]
            if "error" in r:
                continue
            segments, _ = model.transcribe(str(out / "wav" / s / f"{i:04d}.wav"), language="ja",
                                           beam_size=args.beam, temperature=0.0,
                                           condition_on_previous_text=False, without_timestamps=True,
                                           vad_filter=False)
            r["transcript"] = "".join(seg.text for seg in segments).strip()
        if (i + 1) % 10 == 0:
            log(f"transcribed {i + 1}/{len(rows)} ({time.perf_counter() - t0:.0f} s)")


def score(rows: list[dict], systems: list[str]) -> None:
    reader = Reader()
    for row in rows:
        row["reading"] = reader.reading(row["text"])
        ref_raw = raw_chars(row["text"])
        for s in systems:
            r = row[s]
            if "transcript" not in r:
                continue
            r["reading"] = reader.reading(r["transcript"])
            r["kana_errors"] = edit_distance(row["reading"], r["reading"])
            r["kana_cer"] = r["kana_errors"] / max(1, len(row["reading"]))
            r["raw_errors"] = edit_distance(ref_raw, raw_chars(r["transcript"]))
            r["raw_cer"] = r["raw_errors"] / max(1, len(ref_raw))


def summarise(rows: list[dict], system: str) -> dict:
    done = [row for row in rows if "kana_cer" in row[system]]
    rs = [row[system] for row in done]
    kana_ref = sum(len(row["reading"]) for row in done)
    raw_ref = sum(len(raw_chars(row["text"])) for row in done)
    audio = sum(r["audio_s"] for r in rs)
    synth = sum(r["synth_ms"] for r in rs) / 1000
    first = [r["first_chunk_ms"] for r in rs if r.get("first_chunk_ms") is not None]
    out = {
        "sentences": len(rows),
        "scored": len(done),
        "failed": len(rows) - len(done),
        "kana_cer": sum(r["kana_errors"] for r in rs) / max(1, kana_ref),
        "raw_cer": sum(r["raw_errors"] for r in rs) / max(1, raw_ref),
        "median_kana_cer": statistics.median(r["kana_cer"] for r in rs) if rs else None,
        "median_raw_cer": statistics.median(r["raw_cer"] for r in rs) if rs else None,
        "exact_kana": sum(r["kana_errors"] == 0 for r in rs),
        "audio_s": audio,
        "synth_s": synth,
        "rtf": synth / audio if audio else None,  # total synthesis time / total audio
        "rtf_p50": percentile([r["rtf"] for r in rs], 0.5),
        "rtf_p95": percentile([r["rtf"] for r in rs], 0.95),
        "first_chunk_ms_p50": percentile(first, 0.5),
        "first_chunk_ms_p95": percentile(first, 0.95),
    }
    cpu = [r["cpu_ms"] for r in rs if r.get("cpu_ms") is not None]
    if cpu and audio:
        out["cpu_s_per_audio_s"] = sum(cpu) / 1000 / audio
    proc = [r["process_s"] for r in rs if r.get("process_s") is not None]
    if proc and audio:
        out["process_rtf"] = sum(proc) / audio
        out["process_s_p50"] = percentile(proc, 0.5)
    return out


def plot(summary: dict, rows: list[dict], systems: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on CI or over ssh
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    x = range(len(systems))
    w = 0.38
    ax = axes[0]
    ax.bar([i - w / 2 for i in x], [100 * summary[s]["kana_cer"] for s in systems], w, label="kana CER")
    ax.bar([i + w / 2 for i in x], [100 * summary[s]["raw_cer"] for s in systems], w, label="raw char CER")
    ax.set_xticks(list(x), systems)
    ax.set_ylabel("% (Whisper base round trip)")
    ax.set_title("intelligibility")
    ax.legend()
    ax = axes[1]
    data = [[row[s]["first_chunk_ms"] for row in rows if row[s].get("first_chunk_ms") is not None] for s in systems]
    ax.boxplot(data, tick_labels=systems, whis=(5, 95), showfliers=False)
    ax.set_yscale("log")
    ax.set_ylabel("ms (log)")
    ax.set_title("first chunk after request (p5–p95)")
    ax = axes[2]
    data = [[row[s]["rtf"] for row in rows if row[s].get("rtf") is not None] for s in systems]
    ax.boxplot(data, tick_labels=systems, whis=(5, 95), showfliers=False)
    ax.set_ylabel("synthesis time / audio time")
    ax.set_title("real-time factor per sentence")
    fig.suptitle(f"TTS round trip, {len(rows)} Tatoeba sentences")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# --- main --------------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tsv", type=Path, default=DEFAULT_TSV, help="English<TAB>Japanese pairs")
    p.add_argument("--limit", type=int, default=100, help="number of sentences (default 100)")
    p.add_argument("--systems", default="kokoro,openjtalk", help="comma-separated: kokoro, kokoro-native, openjtalk")
    p.add_argument("--voice", default="jf_alpha", help="Kokoro voice")
    p.add_argument("--threads", type=int, default=2, help="threads for Kokoro and for Whisper (default 2)")
    p.add_argument("--bin", default=os.environ.get("STREAM_TTS_BIN") or str(REPO / "build" / "apps" / "stream-tts"),
                   help="the stream-tts binary (default $STREAM_TTS_BIN or build/apps/stream-tts)")
    p.add_argument("--workers-python", default=None,
                   help="Python of the workers' venv (default ~/.cache/stream-tts/venv-workers/bin/python)")
    p.add_argument("--worker-arg", dest="worker_args", action="append", default=[],
                   help="extra argument for the kokoro-ja worker (repeatable)")
    p.add_argument("--whisper", default=None, help="Whisper CTranslate2 folder (default: installed whisper-base)")
    p.add_argument("--beam", type=int, default=5, help="Whisper beam size (default 5)")
    p.add_argument("--out", type=Path, default=REPO / "out" / "eval-tts", help="output folder")
    p.add_argument("--no-venv", action="store_true", help="use the current Python environment as it is")
    args = p.parse_args(argv)
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in args.systems if s not in SYSTEMS]
    if unknown or not args.systems:
        p.error(f"unknown systems {unknown}; choose from {', '.join(SYSTEMS)}")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not args.no_venv:
        ensure_venv(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    texts = load_sentences(args.tsv, args.limit)
    log(f"{len(texts)} sentences from {args.tsv}; systems: {', '.join(args.systems)}")
    load_before = os.getloadavg()
    runners = [make_system(s, args, args.out) for s in args.systems]
    rows: list[dict] = [{"text": t} for t in texts]
    t0 = time.perf_counter()
    try:
        for i, row in enumerate(rows):
            for runner in runners:
                row[runner.name] = runner.synthesize(row["text"], args.out / "wav" / runner.name / f"{i:04d}.wav")
                if "error" in row[runner.name]:
                    log(f"{runner.name}: sentence {i} failed: {row[runner.name]['error']}")
            if (i + 1) % 10 == 0:
                log(f"synthesised {i + 1}/{len(rows)} ({time.perf_counter() - t0:.0f} s)")
    finally:
        for runner in runners:
            runner.close()
    load_after = os.getloadavg()
    transcribe_all(rows, args.systems, args.out, args)
    score(rows, args.systems)
    summary = {s: summarise(rows, s) for s in args.systems}
    for runner in runners:
        summary[runner.name]["startup_s"] = runner.startup_s
        summary[runner.name]["description"] = runner.description
    result = {
        "tsv": str(args.tsv), "limit": args.limit, "voice": args.voice, "threads": args.threads,
        "asr": {"model": args.whisper or str(models_dir() / "whisper-base"), "compute_type": "int8",
                "beam": args.beam, "language": "ja"},
        "reading": "MeCab + unidic-lite pron, numerals as kanji, punctuation dropped",
        "machine": {"cpus": os.cpu_count(), "loadavg_1m_before": load_before[0], "loadavg_1m_after": load_after[0]},
        "summary": summary,
        "sentences": rows,
    }
    (args.out / "tts_eval.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    plot(summary, rows, args.systems, args.out / "tts_eval.png")
    fmt = lambda v, f: "-" if v is None else format(v, f)  # noqa: E731
    print(f"{'system':<10} {'kana CER':>8} {'raw CER':>8} {'med kana':>8} {'exact':>6} {'RTF':>6} "
          f"{'1st p50':>8} {'1st p95':>8}")
    for s in args.systems:
        m = summary[s]
        print(f"{s:<10} {fmt(100 * m['kana_cer'], '7.1f')}% {fmt(100 * m['raw_cer'], '7.1f')}% "
              f"{fmt(100 * m['median_kana_cer'] if m['median_kana_cer'] is not None else None, '7.1f')}% "
              f"{m['exact_kana']:>3}/{m['scored']:<3}{fmt(m['rtf'], '6.2f')} "
              f"{fmt(m['first_chunk_ms_p50'], '7.0f')}ms {fmt(m['first_chunk_ms_p95'], '7.0f')}ms")
    print(f"wrote {args.out / 'tts_eval.json'} and {args.out / 'tts_eval.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
