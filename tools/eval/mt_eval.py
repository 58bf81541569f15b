#!/usr/bin/env python3
"""English->Japanese translation quality and speed of `stream-tts translate`, against llama-cpp-python.

Runs each system over the English side of a TSV of English<TAB>Japanese pairs, writes the
hypotheses, and scores them with sacreBLEU (BLEU with the ja-mecab tokenizer, and chrF; signatures
printed and stored) plus the time per sentence. Writes mt_eval.json and mt_eval.png into --out, and
progress.jsonl there as each sentence finishes (--resume goes on from it after an interrupted run).

    tools/eval/mt_eval.py --systems llama-cpp-python:qwen2.5-coder-1.5b,llama:qwen2.5-coder-1.5b --limit 100

Systems:
  none                      `stream-tts translate --translate none` (pass-through: the floor)
  llama:MODEL               `stream-tts translate --translate llama --model MODEL` (our backend)
  llama-cpp-python:MODEL    the reference setup of ../shared/MODELS.md: llama-cpp-python, the model's chat
                            template, one user turn with a plain instruction (PLAIN_INSTRUCTION), greedy
  llama-cpp-python-same-prompt:MODEL
                            llama-cpp-python given our backend's exact prompt text, length bound and stop
                            at end of line (only the runtime differs from llama:MODEL)
  llama:MODEL@BIN           the same with another stream-tts binary (e.g. a build with another prompt)
MODEL is a catalogue name (resolved with `stream-tts models path`) or a .gguf path. Model systems run with
--threads (default 2) CPU threads.

All systems stay loaded in their own process and take the sentences in turns (sentence i goes to every
system before sentence i+1; the order rotates per sentence), so that a noisy, shared machine slows them
alike: compare ms per sentence only between systems of the same run. Each system's ms per sentence is
given as a ratio to llama-cpp-python with the same model in the same run (plain prompt and same prompt),
and with --paired-bs its BLEU and chrF are tested against the plain reference (sacreBLEU's paired
bootstrap).

The scoring libraries live in a virtual environment created on first use at
${XDG_CACHE_HOME:-~/.cache}/stream-tts/venv-eval (tools/eval/requirements.txt, pinned; plus
requirements-llama.txt when a llama-cpp-python system is asked for); the script re-runs itself inside
it. --no-venv uses the current interpreter instead.
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
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "requirements.txt"
# llama-cpp-python builds llama.cpp from source (about 12 minutes on 2 cores; pip keeps the wheel in its
# cache): only installed when a llama-cpp-python system is asked for.
REQUIREMENTS_LLAMA = HERE / "requirements-llama.txt"
DEFAULT_TSV = REPO.parent / "shared" / "data" / "tatoeba-eng-jpn.dev.tsv"
EXIT_SKIP = 77  # CTest SKIP_RETURN_CODE: the environment cannot be set up (no network for pip)
LCP_PREFIX = "llama-cpp-python:"
LCP_SAME_PREFIX = "llama-cpp-python-same-prompt:"

# The reference prompt (../shared/MODELS.md, "Chat LLMs in GGUF"): one user turn, rendered with the
# model's own chat template by llama-cpp-python (for Qwen2.5 that adds its default system turn).
PLAIN_INSTRUCTION = ("Translate the following English text into natural Japanese. "
                     "Output only the Japanese translation.\n\n{text}")
# Not from the data: loads every system's caches before the timed sentences (our backend evaluates its
# prompt prefix at load; llama-cpp-python reuses the longest common prefix with the previous prompt).
WARMUP_SENTENCE = "Good morning, how are you today?"


def log(msg: str) -> None:
    print(f"[mt-eval] {msg}", file=sys.stderr, flush=True)


# --- environment -------------------------------------------------------------------------------

def venv_dir() -> Path:
    if os.environ.get("STREAM_TTS_EVAL_VENV"):
        return Path(os.environ["STREAM_TTS_EVAL_VENV"])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "stream-tts" / "venv-eval"


def wants_llama_cpp_python(argv: list[str]) -> bool:
    return any("llama-cpp-python" in a for a in argv)


def ensure_venv(argv: list[str]) -> None:
    """Re-executes this script inside the evaluation venv, creating or updating it when needed.

    A marker per requirements file holding its sha256 makes this idempotent: an unchanged venv costs
    a file read; a changed requirements file reinstalls.
    """
    venv = venv_dir()
    python = venv / "bin" / "python"
    if Path(sys.prefix).resolve() == venv.resolve():
        return
    files = [(REQUIREMENTS, venv / ".requirements.sha256")]
    if wants_llama_cpp_python(argv):
        files.append((REQUIREMENTS_LLAMA, venv / ".requirements-llama.sha256"))
    for req, marker in files:
        wanted = hashlib.sha256(req.read_bytes()).hexdigest()
        if python.exists() and marker.exists() and marker.read_text().strip() == wanted:
            continue
        log(f"setting up the evaluation environment in {venv} ({req.name})")
        if req == REQUIREMENTS_LLAMA:
            log("llama-cpp-python builds llama.cpp from source the first time (~12 min on 2 cores)")
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


# --- data --------------------------------------------------------------------------------------

def load_pairs(tsv: Path, start: int, limit: int | None) -> tuple[list[str], list[list[str]]]:
    """English sentences and, for each, all its Japanese references: sentences start..start+limit-1.

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
    for index, (english, group) in enumerate(itertools.groupby(rows, key=lambda r: r[0])):
        if index < start:
            continue
        sources.append(english)
        references.append([ja for _, ja in group])
        if limit is not None and len(sources) == limit:
            break
    return sources, references


def reference_streams(references: list[list[str]]) -> list[list[str | None]]:
    """sacreBLEU's layout: one stream per reference slot; None where a sentence has fewer."""
    width = max(len(r) for r in references)
    return [[r[i] if i < len(r) else None for r in references] for i in range(width)]


# --- the systems -------------------------------------------------------------------------------

# Runs in the interpreter that has llama_cpp: loads the model, then answers one JSON line per JSON line
# on stdin: {"text"} -> {"text", "tokens"}.
LCP_WORKER = r"""
import json, sys
from llama_cpp import Llama
job = json.loads(sys.stdin.readline())
llm = Llama(model_path=job["model"], n_ctx=4096, n_batch=512, n_ubatch=512, n_threads=job["threads"],
            n_threads_batch=job["threads"], verbose=False)
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    text = json.loads(line)["text"]
    if job["mode"] == "plain":
        r = llm.create_chat_completion(
            messages=[{"role": "user", "content": job["instruction"].format(text=text)}],
            temperature=0.0, max_tokens=job["max_tokens"])
        out = r["choices"][0]["message"]["content"]
    else:
        # Our backend's exact prompt text and decoding limits: the length bound of
        # output_token_bound() (prompt.h) and a stop at the end of the first line.
        n = len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))
        bound = max(1, min(3 * n + 16, job["max_tokens"]))
        r = llm.create_completion(job["before"] + text + job["after"], max_tokens=bound, temperature=0.0,
                                  stop=["\n"])
        out = r["choices"][0]["text"]
    print(json.dumps({"text": out, "tokens": r["usage"]["completion_tokens"]}, ensure_ascii=False), flush=True)
"""


def lcp_worker_file() -> Path:
    """LCP_WORKER as a file in the venv (a script file rather than `python -c`: a readable command line)."""
    path = venv_dir() / "mt_eval_llama_cpp_worker.py"
    if not path.exists() or path.read_text() != LCP_WORKER:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(LCP_WORKER)
    return path


class RunnerDied(Exception):
    pass


class Runner:
    """One system, loaded once in its own process; translate() sends one sentence and waits for it.

    A process that a signal from outside ends (on a shared machine someone may clean up processes by
    name) is started again and the sentence repeated, up to MAX_RESTARTS times; `restarts` counts them.
    """

    MAX_RESTARTS = 3

    def __init__(self, system: str, cmd: list[str], timeout: float):
        self.system = system
        self.cmd = cmd
        self.timeout = timeout
        self.restarts = 0
        self.startup_s = self._start()

    def _start(self) -> float:
        start = time.perf_counter()
        self.timed_out = False
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        # stderr is drained on a thread (warnings per sentence would otherwise fill the pipe and block).
        self.stderr_lines: list[str] = []
        threading.Thread(target=self._drain_stderr, args=(self.proc, self.stderr_lines), daemon=True).start()
        self._ready()
        self._translate(WARMUP_SENTENCE)
        return time.perf_counter() - start

    @staticmethod
    def _drain_stderr(proc: subprocess.Popen, lines: list[str]) -> None:
        for raw in proc.stderr:
            lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def _ready(self) -> None:
        pass

    def _kill_on_timeout(self) -> None:
        self.timed_out = True
        self.proc.kill()

    def _readline(self) -> str:
        timer = threading.Timer(self.timeout, self._kill_on_timeout)
        timer.start()
        try:
            raw = self.proc.stdout.readline()
        finally:
            timer.cancel()
        if not raw:
            self.proc.wait()
            tail = "\n".join(self.stderr_lines[-20:])
            rc = self.proc.returncode
            if rc is not None and rc < 0 and not self.timed_out:
                raise RunnerDied(f"{self.system}: killed by signal {-rc}")
            raise SystemExit(f"{self.system}: `{' '.join(self.cmd)}` stopped (exit {rc}"
                             f"{f', past --timeout {self.timeout:.0f} s' if self.timed_out else ''}):\n{tail}")
        return raw.decode("utf-8", "replace").rstrip("\n")

    def _send(self, line: str) -> None:
        try:
            self.proc.stdin.write(line.encode("utf-8") + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # the process is gone: _readline() reports how

    def _translate(self, sentence: str) -> tuple[str, float]:
        raise NotImplementedError

    def translate(self, sentence: str) -> tuple[str, float]:
        while True:
            try:
                return self._translate(sentence)
            except RunnerDied as e:
                if self.restarts >= self.MAX_RESTARTS:
                    raise SystemExit(f"{e}, {self.restarts} times: giving up")
                self.restarts += 1
                log(f"{e}; starting it again (restart {self.restarts})")
                self._start()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class StreamTtsRunner(Runner):
    """`stream-tts translate`: one line in, one line out (it flushes per line)."""

    def _ready(self) -> None:
        # An empty line comes back empty without running the model: the model has loaded.
        self._send("")
        self._readline()

    def _translate(self, sentence: str) -> tuple[str, float]:
        t = time.perf_counter()
        self._send(sentence.replace("\n", " "))
        out = self._readline()
        return out, time.perf_counter() - t


class LlamaCppPythonRunner(Runner):
    """llama-cpp-python in the eval venv. mode "plain": the reference setup (PLAIN_INSTRUCTION through
    the model's chat template). mode "same-prompt": the exact prompt text our backend builds (taken
    from bench_llama_translate --print-prompt) with the same length bound and stop at end of line, so
    that only the runtime differs."""

    def __init__(self, system: str, model: Path, threads: int, max_tokens: int, timeout: float,
                 prompt: tuple[str, str] | None = None):
        self.job = {"model": str(model), "threads": threads, "max_tokens": max_tokens,
                    "mode": "plain" if prompt is None else "same-prompt"}
        if prompt is None:
            self.job["instruction"] = PLAIN_INSTRUCTION
        else:
            self.job["before"], self.job["after"] = prompt
        self.multiline = 0
        super().__init__(system, [sys.executable, str(lcp_worker_file())], timeout)

    def _ready(self) -> None:
        self._send(json.dumps(self.job, ensure_ascii=False))
        self._readline()

    def _translate(self, sentence: str) -> tuple[str, float]:
        t = time.perf_counter()
        self._send(json.dumps({"text": sentence}, ensure_ascii=False))
        reply = json.loads(self._readline())
        elapsed = time.perf_counter() - t
        # The reference setup keeps the whole answer; a hypothesis is one line, so line breaks become
        # spaces (counted: a multi-line answer is usually the translation plus notes).
        text = reply["text"].strip()
        if "\n" in text:
            self.multiline += 1
        return " ".join(text.split("\n")), elapsed

    def describe(self) -> dict:
        job = {k: v for k, v in self.job.items() if k not in ("before", "after")}
        if self.job["mode"] == "plain":
            return {"llama_cpp_python": job, "chat_template": "the model's", "temperature": 0.0}
        return {"llama_cpp_python": job, "prompt": "stream-tts's (bench_llama_translate --print-prompt)",
                "prompt_text": self.job["before"] + "{sentence}" + self.job["after"], "temperature": 0.0}


MARKER = "Sentence to translate: 1729."


def our_prompt(bench: Path, model: str) -> tuple[str, str]:
    """The text before and after the sentence in our backend's prompt for `model`."""
    if not os.access(bench, os.X_OK):
        raise SystemExit(f"no bench_llama_translate at {bench} (ninja bench_llama_translate, or pass --bench-bin)")
    p = subprocess.run([str(bench), "--model", model, "--print-prompt", MARKER], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{bench} --print-prompt failed: {p.stderr.strip()}")
    prompt = json.loads(p.stdout)["prompt"]
    if prompt.count(MARKER) != 1:
        raise SystemExit(f"cannot find the sentence in the prompt of {model}")
    before, after = prompt.split(MARKER)
    return before, after


def resolve_model(binary: Path, model: str) -> Path:
    if model.endswith(".gguf"):
        return Path(model)
    p = subprocess.run([str(binary), "models", "path", model], capture_output=True, text=True)
    if p.returncode != 0 or not p.stdout.strip():
        raise SystemExit(f"model {model!r} is not installed: {p.stderr.strip()} "
                         f"(stream-tts models install {model})")
    return Path(p.stdout.strip())


def model_of(system: str) -> str | None:
    """The model a system runs (None for the pass-through)."""
    system = system.partition("@")[0]
    for prefix in (LCP_SAME_PREFIX, LCP_PREFIX, "llama:"):
        if system.startswith(prefix):
            return system[len(prefix):]
    return None


def start_runner(args: argparse.Namespace, system: str) -> Runner:
    if system.startswith(LCP_SAME_PREFIX):
        name = system[len(LCP_SAME_PREFIX):]
        return LlamaCppPythonRunner(system, resolve_model(args.bin, name), args.threads, args.lcp_max_tokens,
                                    args.timeout, prompt=our_prompt(args.bench_bin, name))
    if system.startswith(LCP_PREFIX):
        model = resolve_model(args.bin, system[len(LCP_PREFIX):])
        return LlamaCppPythonRunner(system, model, args.threads, args.lcp_max_tokens, args.timeout)
    spec, _, binary = system.partition("@")  # llama:MODEL@BIN: another stream-tts build (prompt variants)
    backend, _, model = spec.partition(":")
    cmd = [binary or str(args.bin), "translate", "--translate", backend, "--log-level", "warn"]
    if model:
        cmd += ["--model", model]
    if backend != "none" and "--threads" not in args.extra.split():
        cmd += ["--threads", str(args.threads)]
    cmd += args.extra.split()
    return StreamTtsRunner(system, cmd, args.timeout)


# --- scoring -----------------------------------------------------------------------------------

def has_japanese(text: str) -> bool:
    return any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in text)


def metrics() -> dict:
    from sacrebleu.metrics import BLEU, CHRF

    return {"BLEU": BLEU(tokenize="ja-mecab"), "chrF": CHRF()}


def score(hyps: list[str], references: list[list[str]]) -> dict:
    m = metrics()
    refs = reference_streams(references)
    b = m["BLEU"].corpus_score(hyps, refs)
    c = m["chrF"].corpus_score(hyps, refs)
    return {
        "bleu": round(b.score, 2),
        "bleu_signature": str(m["BLEU"].get_signature()),
        "bleu_detail": str(b),
        "chrf": round(c.score, 2),
        "chrf_signature": str(m["chrF"].get_signature()),
        "japanese_output_ratio": round(sum(map(has_japanese, hyps)) / len(hyps), 3),
    }


def paired_bootstrap(named: list[tuple[str, list[str]]], references: list[list[str]], samples: int) -> dict:
    """sacreBLEU's paired bootstrap resampling (as `sacrebleu --paired-bs`): each system against the
    first. Returns {system: {"BLEU": {score, mean, ci, p_value}, "chrF": {...}}}."""
    from sacrebleu.significance import PairedTest

    test = PairedTest(named, metrics(), reference_streams(references), test_type="bs", n_samples=samples)
    _, table = test()
    out = {}
    for i, name in enumerate(table["System"]):
        out[name] = {}
        for metric_name, column in table.items():
            if metric_name == "System":
                continue
            r = column[i]
            key = "BLEU" if metric_name.startswith("BLEU") else "chrF"
            out[name][key] = {"score": round(r.score, 2), "mean": round(float(r.mean), 2),
                              "ci95": round(float(r.ci), 2),
                              "p_value": None if r.p_value is None else round(float(r.p_value), 4)}
    return out


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
    speed.set_title("speed (same run, interleaved)")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- main --------------------------------------------------------------------------------------

def load_progress(path: Path, sources: list[str], systems: list[str]) -> list[dict]:
    """The finished sentences of an earlier run of the same sentences and systems (progress.jsonl)."""
    if not path.is_file():
        return []
    done = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            break  # a line cut short when the run was killed: redo that sentence
        i = record.get("i")
        if i != len(done) or i >= len(sources) or record.get("source") != sources[i] or \
                any(s not in record for s in systems):
            raise SystemExit(f"--resume: {path} is from another run (sentence {len(done)} does not match); "
                             f"use the same --tsv/--start/--limit/--systems or another --out")
        done.append(record)
    return done


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tsv", type=Path, default=DEFAULT_TSV,
                   help="English<TAB>Japanese pairs (default: ../shared/data/tatoeba-eng-jpn.dev.tsv)")
    p.add_argument("--systems", default="none",
                   help="comma-separated systems: none, llama:MODEL, llama-cpp-python:MODEL "
                        "(MODEL: catalogue name or .gguf path)")
    p.add_argument("--start", type=int, default=0, help="skip the first N English sentences")
    p.add_argument("--limit", type=int, default=None, help="evaluate N English sentences only")
    p.add_argument("--bin", type=Path, default=Path(os.environ.get("STREAM_TTS_BIN", REPO / "build/apps/stream-tts")),
                   help="the stream-tts binary (default: $STREAM_TTS_BIN or build/apps/stream-tts)")
    p.add_argument("--bench-bin", type=Path, default=None,
                   help="bench_llama_translate, for llama-cpp-python-same-prompt systems "
                        "(default: bench/e2e/bench_llama_translate of --bin's build folder)")
    p.add_argument("--out", type=Path, default=REPO / "out" / "eval-mt", help="output folder")
    p.add_argument("--threads", type=int, default=2,
                   help="CPU threads of every model system (passed as --threads to stream-tts unless --extra has it)")
    p.add_argument("--extra", default="", help="more arguments for `stream-tts translate`, e.g. \"--gpu-layers 99\"")
    p.add_argument("--lcp-max-tokens", type=int, default=256,
                   help="max_tokens of the llama-cpp-python reference (default 256, stream-tts's --max-tokens)")
    p.add_argument("--paired-bs", type=int, default=1000, metavar="N",
                   help="paired bootstrap resamples against llama-cpp-python:MODEL (default 1000; 0: off)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per sentence (and for loading)")
    p.add_argument("--resume", action="store_true",
                   help="go on from the progress.jsonl an interrupted run left in --out (same sentences and systems)")
    p.add_argument("--no-venv", action="store_true", help="use the current Python environment as it is")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not args.no_venv:
        ensure_venv(argv)
    if not args.tsv.is_file():
        raise SystemExit(f"no data at {args.tsv}: pass --tsv FILE (English<TAB>Japanese per line)")
    if not os.access(args.bin, os.X_OK):
        raise SystemExit(f"no stream-tts binary at {args.bin}: build it or pass --bin")
    if args.bench_bin is None:
        args.bench_bin = args.bin.resolve().parent.parent / "bench" / "e2e" / "bench_llama_translate"
    sources, references = load_pairs(args.tsv, args.start, args.limit)
    if not sources:
        raise SystemExit(f"{args.tsv} holds no pairs")
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    if len(set(systems)) != len(systems):
        raise SystemExit("--systems names a system twice")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sources.en.txt").write_text("".join(s + "\n" for s in sources), encoding="utf-8")
    log(f"{len(sources)} sentences (from #{args.start}), {sum(map(len, references))} references from {args.tsv}")

    runners = []
    progress = None
    try:
        for system in systems:
            log(f"loading {system}")
            runners.append(start_runner(args, system))
            log(f"{system}: ready in {runners[-1].startup_s:.2f} s")
        hyps = {s: [] for s in systems}
        seconds = {s: [] for s in systems}
        done = load_progress(args.out / "progress.jsonl", sources, systems) if args.resume else []
        for record in done:
            for s in systems:
                hyps[s].append(record[s]["hyp"])
                seconds[s].append(record[s]["s"])
        if done:
            log(f"--resume: {len(done)} sentences taken from {args.out / 'progress.jsonl'}")
        # One line per finished sentence, written as it finishes, so that a run that dies or is killed
        # keeps what it did (--resume goes on from there).
        progress = (args.out / "progress.jsonl").open("w", encoding="utf-8")
        for record in done:  # written again without the torn line a killed run may have left
            progress.write(json.dumps(record, ensure_ascii=False) + "\n")
        report_every = max(1, len(sources) // 10)
        for i, sentence in enumerate(sources):
            if i < len(done):
                continue
            # Every system takes sentence i before any takes i+1; the order rotates, so no system always
            # runs right after another one (caches, a neighbour's threads going to sleep).
            k = i % len(runners)
            for r in runners[k:] + runners[:k]:
                out, dt = r.translate(sentence)
                hyps[r.system].append(out)
                seconds[r.system].append(dt)
            progress.write(json.dumps({"i": i, "source": sentence, **{
                s: {"hyp": hyps[s][i], "s": round(seconds[s][i], 4)} for s in systems}}, ensure_ascii=False) + "\n")
            progress.flush()
            if (i + 1) % report_every == 0:
                log(f"{i + 1}/{len(sources)}: " + ", ".join(
                    f"{s} {1000 * statistics.mean(seconds[s]):.0f} ms" for s in systems))
    finally:
        if progress is not None:
            progress.close()
        for r in runners:
            r.close()

    results = []
    for r in runners:
        s = r.system
        safe = s.replace("/", "_").replace(":", "-").replace("@", "-at-")
        hyp_path = args.out / f"hyp.{safe}.ja.txt"
        hyp_path.write_text("".join(h + "\n" for h in hyps[s]), encoding="utf-8")
        total = sum(seconds[s])
        chars = sum(len(h) for h in hyps[s])
        result = {
            "system": s,
            "sentences": len(sources),
            **score(hyps[s], references),
            "ms_per_sentence": round(1000 * total / len(sources), 2),
            "ms_per_sentence_median": round(1000 * statistics.median(seconds[s]), 2),
            "ms_per_sentence_max": round(1000 * max(seconds[s]), 2),
            "startup_s": round(r.startup_s, 3),
            "total_s": round(total, 3),
            # Tokens are the backend's business; characters out per second is what a caller can see.
            "output_chars_per_s": round(chars / total, 1) if total > 0 else None,
            "command": r.describe() if isinstance(r, LlamaCppPythonRunner) else r.cmd,
            "stderr_warnings": sum(1 for line in r.stderr_lines if "warn" in line.lower()),
            # Sentences our backend did not trust (stream-tts writes the source instead and warns why).
            "fallbacks": sum(1 for line in r.stderr_lines if "writing the source text" in line),
            "fallbacks_length_bound": sum(1 for line in r.stderr_lines if "length bound reached" in line),
            "restarts": r.restarts,
            "hypotheses": str(hyp_path),
            "seconds": [round(x, 4) for x in seconds[s]],
        }
        if isinstance(r, LlamaCppPythonRunner):
            result["multiline_outputs"] = r.multiline
        # Speed against llama-cpp-python with the same model in this run: the plain reference prompt,
        # and our prompt (same tokens: only the runtime differs). Ratio of the mean ms per sentence,
        # and the median of the per-sentence ratios (less moved by one disturbed sentence).
        model = model_of(s)
        for key, ref in (("plain", LCP_PREFIX + (model or "")), ("same_prompt", LCP_SAME_PREFIX + (model or ""))):
            if model and ref in seconds and ref != s:
                result[f"ms_ratio_vs_{key}"] = round(total / sum(seconds[ref]), 3)
                result[f"ms_ratio_vs_{key}_median_per_sentence"] = round(statistics.median(
                    x / y for x, y in zip(seconds[s], seconds[ref]) if y > 0), 3)
        results.append(result)

    # Paired bootstrap per model: every system of a model against its plain llama-cpp-python reference.
    significance = {}
    if args.paired_bs > 0:
        for model in dict.fromkeys(filter(None, map(model_of, systems))):
            ref = LCP_PREFIX + model
            group = [s for s in systems if model_of(s) == model and s != ref]
            if ref in hyps and group:
                log(f"paired bootstrap against {ref}")
                significance[ref] = paired_bootstrap([(x, hyps[x]) for x in [ref] + group], references,
                                                     args.paired_bs)

    report = {
        "tsv": str(args.tsv),
        "start": args.start,
        "sentences": len(sources),
        "references": sum(map(len, references)),
        "binary": str(args.bin),
        "extra_args": args.extra,
        "threads": args.threads,
        "schedule": "interleaved per sentence, rotating order",
        "env": {k: os.environ[k] for k in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS") if k in os.environ},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "systems": results,
        "paired_bootstrap": significance or None,
    }
    (args.out / "mt_eval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    plot(results, args.out / "mt_eval.png",
         f"{args.tsv.name}, sentences {args.start}..{args.start + len(sources) - 1}")

    print(f"{len(sources)} sentences from #{args.start}; speed ratios are against llama-cpp-python with the "
          f"same model in this run (plain prompt / our prompt)")
    print(f"{'system':44} {'BLEU':>6} {'chrF':>6} {'ms/sent':>8} {'/plain':>7} {'/same':>6} {'load s':>7} {'ja %':>5}")
    fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else "-"
    for r in results:
        print(f"{r['system']:44} {r['bleu']:6.2f} {r['chrf']:6.2f} {r['ms_per_sentence']:8.1f} "
              f"{fmt(r.get('ms_ratio_vs_plain')):>7} {fmt(r.get('ms_ratio_vs_same_prompt')):>6} "
              f"{r['startup_s']:7.2f} {100 * r['japanese_output_ratio']:5.0f}")
    for ref, table in significance.items():
        print(f"paired bootstrap ({args.paired_bs} resamples) against {ref} (mean ± 95% CI, p):")
        for name, m in table.items():
            print(f"  {name:42} " + "  ".join(
                f"{k} {v['mean']:.2f} ± {v['ci95']:.2f}" + (f" p={v['p_value']:.4f}" if v["p_value"] is not None else "")
                for k, v in m.items()))
    if results:
        print(f"BLEU signature: {results[0]['bleu_signature']}")
        print(f"chrF signature: {results[0]['chrf_signature']}")
    print(f"wrote {args.out / 'mt_eval.json'} and {args.out / 'mt_eval.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
