"""The Kokoro-82M int8 ONNX model, its voices and vocabulary: loading and one clause's synthesis."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import onnxruntime as ort

from .clauses import MAX_MODEL_TOKENS

SAMPLE_RATE = 24_000
MODEL_FILE = "kokoro-v1.0.int8.onnx"
MODEL_BYTES = 92_361_271
VOICES_FILE = "voices_ja.npz"
VOCAB_FILE = "vocab.json"
INSTALL_HINT = "run: stream-tts models install kokoro-ja"

VOICE_DESCRIPTIONS = {
    "jf_alpha": "female, clear (default)",
    "jf_gongitsune": "female, storyteller",
    "jf_nezumi": "female, light",
    "jf_tebukuro": "female, soft",
    "jm_kumo": "male",
}


class ModelMissing(Exception):
    pass


def default_model_dir(environ: Optional[dict] = None) -> Path:
    """$STREAM_TTS_MODELS_DIR/kokoro-ja, else $XDG_DATA_HOME/stream-tts/models/kokoro-ja (XDG_DATA_HOME only
    when absolute, as the XDG spec says), else ~/.local/share/stream-tts/models/kokoro-ja — the folder
    `stream-tts models install kokoro-ja` fills (src/models/paths.cpp)."""
    env = os.environ if environ is None else environ
    if env.get("STREAM_TTS_MODELS_DIR"):
        return Path(env["STREAM_TTS_MODELS_DIR"]) / "kokoro-ja"
    data = env.get("XDG_DATA_HOME", "")
    base = Path(data) if data and os.path.isabs(data) else Path.home() / ".local" / "share"
    return base / "stream-tts" / "models" / "kokoro-ja"


def check_model_dir(model_dir: Path) -> None:
    """Raises ModelMissing with an actionable message when a file is absent or the model is truncated."""
    missing = [f for f in (MODEL_FILE, VOICES_FILE, VOCAB_FILE) if not (model_dir / f).is_file()]
    if missing:
        raise ModelMissing(f"kokoro-ja model not found in {model_dir} (missing {', '.join(missing)}); {INSTALL_HINT}")
    size = (model_dir / MODEL_FILE).stat().st_size
    if size != MODEL_BYTES:
        raise ModelMissing(f"{model_dir / MODEL_FILE} has {size} bytes, expected {MODEL_BYTES}; "
                           f"run: stream-tts models verify kokoro-ja (then install it again)")


@dataclass
class Synthesis:
    audio: np.ndarray  # float32 mono at SAMPLE_RATE, untrimmed
    tokens: int
    seconds: float  # wall time of the model call


class KokoroModel:
    """Shared, read-only after construction. synthesize() may be called from one thread at a time per
    RunOptions; onnxruntime sessions themselves allow concurrent run() calls."""

    def __init__(self, model_dir: Path, threads: int = 2, spin: bool = False):
        check_model_dir(model_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only; warnings about contrib ops are noise here
        # Spinning keeps idle threads busy-waiting between calls; on a small machine that steals the CPU the
        # translator (llama.cpp) needs while this worker waits for the next clause.
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        self.session = ort.InferenceSession(str(model_dir / MODEL_FILE), sess_options=options,
                                            providers=["CPUExecutionProvider"])
        with open(model_dir / VOCAB_FILE, encoding="utf-8") as f:
            self.vocab: dict[str, int] = json.load(f)["vocab"]
        with np.load(model_dir / VOICES_FILE) as npz:
            self.voices: dict[str, np.ndarray] = {k: np.asarray(npz[k], np.float32).reshape(-1, 256)
                                                  for k in npz.files}

    def count_tokens(self, phonemes: str) -> int:
        return sum(1 for c in phonemes if c in self.vocab)

    def style_table(self, voice: Optional[str], blend: Optional[dict[str, float]]) -> np.ndarray:
        """(510, 256) style vectors: one voice's, or the weighted sum of several (weights sum to 1)."""
        if blend:
            table = np.zeros_like(next(iter(self.voices.values())))
            for name, weight in sorted(blend.items()):  # sorted: the same sum order every time
                table += np.float32(weight) * self.voices[name]
            return table
        return self.voices[voice]

    def synthesize(self, phonemes: str, style: np.ndarray, speed: float,
                   run_options: Optional[ort.RunOptions] = None) -> Synthesis:
        tokens = [self.vocab[c] for c in phonemes if c in self.vocab][:MAX_MODEL_TOKENS]
        if not tokens:
            return Synthesis(np.zeros(0, np.float32), 0, 0.0)
        row = style[min(len(tokens), len(style)) - 1].reshape(1, 256)
        t0 = time.perf_counter()
        audio = self.session.run(None, {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": np.ascontiguousarray(row, dtype=np.float32),
            "speed": np.array([speed], dtype=np.float32),
        }, run_options)[0]
        return Synthesis(np.asarray(audio, np.float32).ravel(), len(tokens), time.perf_counter() - t0)


def trim(audio: np.ndarray, threshold: float = 0.01, pad_s: float = 0.03, fade_s: float = 0.003) -> np.ndarray:
    """Cuts the near-silence the model puts around speech (≈ 0.3 s before, up to 0.7 s after), keeping pad_s
    on each side, with a short linear fade so the cut cannot click."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio[:0]
    pad = int(pad_s * SAMPLE_RATE)
    out = audio[max(0, loud[0] - pad): loud[-1] + pad + 1].copy()
    n = min(int(fade_s * SAMPLE_RATE), out.size // 2)
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, endpoint=False, dtype=np.float32)
        out[:n] *= ramp
        out[-n:] *= ramp[::-1]
    return out
