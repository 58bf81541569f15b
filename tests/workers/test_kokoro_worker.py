"""The kokoro-ja worker end to end: spawned over stdio with the workers' venv, real model, real requests.

Needs the venv (scripts/setup-workers.sh) and the model (stream-tts models install kokoro-ja); each test
says which is missing when it skips. STREAM_TTS_WORKERS_VENV and STREAM_TTS_MODELS_DIR are honoured.
"""

import math
import os
import struct
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import support
from support import WorkerProcess, sdk_env

VENV = Path(os.environ.get("STREAM_TTS_WORKERS_VENV")
            or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "stream-tts" / "venv-workers")
VENV_PYTHON = VENV / "bin" / "python"


def model_dir() -> Path:
    if os.environ.get("STREAM_TTS_MODELS_DIR"):
        return Path(os.environ["STREAM_TTS_MODELS_DIR"]) / "kokoro-ja"
    data = os.environ.get("XDG_DATA_HOME", "")
    base = Path(data) if data and os.path.isabs(data) else Path.home() / ".local" / "share"
    return base / "stream-tts" / "models" / "kokoro-ja"


def venv_missing() -> str:
    if not VENV_PYTHON.exists():
        return f"no workers venv at {VENV}: run scripts/setup-workers.sh"
    return ""


def model_missing() -> str:
    if not (model_dir() / "kokoro-v1.0.int8.onnx").exists():
        return f"kokoro-ja is not installed in {model_dir()}: run stream-tts models install kokoro-ja"
    return ""


def worker_command(*flags):
    return [str(VENV_PYTHON), "-m", "kokoro_ja_worker", *flags]


def samples(chunks):
    data = b"".join(c.payload for c in chunks)
    return struct.unpack(f"<{len(data) // 4}f", data)


def rms(xs):
    return math.sqrt(sum(x * x for x in xs) / len(xs)) if xs else 0.0


@unittest.skipIf(venv_missing(), venv_missing())
class KokoroStartTest(unittest.TestCase):
    def test_missing_model_says_how_to_install_it(self):
        with tempfile.TemporaryDirectory() as empty, \
                WorkerProcess(worker_command("--model-dir", empty), env=sdk_env(),
                              stderr=subprocess.DEVNULL) as w:
            reply = w.hello().header
            self.assertEqual((reply["type"], reply["code"]), ("error", "internal"))
            self.assertIn("run: stream-tts models install kokoro-ja", reply["message"])
            self.assertEqual(w.proc.wait(10), 1)


@unittest.skipIf(venv_missing() or model_missing(), venv_missing() or model_missing())
class KokoroWorkerTest(unittest.TestCase):
    w: WorkerProcess

    @classmethod
    def setUpClass(cls):
        cls.stderr = tempfile.TemporaryFile()
        cls.w = WorkerProcess(worker_command(), env=sdk_env(), stderr=cls.stderr)
        cls.caps = cls.w.hello().header
        cls.next_id = 0

    @classmethod
    def tearDownClass(cls):
        cls.w.close(timeout=20)
        cls.stderr.close()

    def request(self, text, **fields):
        KokoroWorkerTest.next_id += 1
        return self.w.request(KokoroWorkerTest.next_id, text, **fields)

    def test_capabilities(self):
        c = self.caps
        self.assertEqual((c["type"], c["name"], c["kind"], c["protocol"]), ("capabilities", "kokoro-ja", "tts", 1))
        self.assertEqual(sorted(v["name"] for v in c["voices"]),
                         ["jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"])
        self.assertEqual((c["sample_rate"], c["sample_format"], c["chunking"]), (24000, "f32le", "clause"))
        self.assertEqual((c["cloning"], c["default_voice"]), (False, "jf_alpha"))
        self.assertEqual(set(c["styles"]), {"speed", "blend"})

    def test_speech_is_plausible_and_deterministic(self):
        chunks, done, first = self.request("今日はいい天気ですね。")
        self.assertEqual(done.type, "done", done.header)
        self.assertEqual(done.header["chunks"], len(chunks))
        for c in chunks:
            self.assertEqual((c.header["sample_rate"], c.header["format"]), (24000, "f32le"))
        xs = samples(chunks)
        seconds = len(xs) / 24000
        self.assertTrue(0.8 < seconds < 3.5, f"{seconds:.2f} s for 11 characters")
        self.assertGreater(rms(xs), 0.02, "speech, not silence")
        self.assertLessEqual(max(abs(x) for x in xs), 1.0)
        # trimmed: the model's ≈ 0.3 s of leading near-silence is gone
        self.assertGreater(max(abs(x) for x in xs[:int(0.1 * 24000)]), 0.01)
        self.assertGreater(first, 0)
        for key in ("g2p_ms", "synth_ms", "first_chunk_ms", "audio_ms", "rtf"):
            self.assertIn(key, done.header["stats"])
        again, _, _ = self.request("今日はいい天気ですね。")
        self.assertEqual([c.payload for c in again], [c.payload for c in chunks], "re-issued requests must match")

    def test_clauses_become_separate_chunks(self):
        chunks, done, _ = self.request("東京特許許可局で、第三者の意見を聞きました。")
        self.assertEqual(done.type, "done", done.header)
        self.assertEqual(len(chunks), 2)
        self.assertEqual([c.header["seq"] for c in chunks], [0, 1])

    def test_voice_blend_and_speed_change_the_audio(self):
        text = "おはようございます。"
        base = samples(self.request(text, voice="jf_alpha")[0])
        male = samples(self.request(text, voice="jm_kumo")[0])
        mix = samples(self.request(text, blend={"jf_alpha": 0.5, "jm_kumo": 0.5})[0])
        fast = samples(self.request(text, voice="jf_alpha", speed=1.5)[0])
        self.assertNotEqual(base, male)
        self.assertNotEqual(mix, base)
        self.assertNotEqual(mix, male)
        self.assertLess(len(fast), 0.85 * len(base))

    def test_errors(self):
        _, end, _ = self.request("テスト。", voice="af_heart")
        self.assertEqual(end.header["code"], "unknown_voice")
        chunks, end, _ = self.request("   ")
        self.assertEqual((len(chunks), end.type), (0, "done"))
        _, end, _ = self.request("あ" * 4001)
        self.assertEqual(end.header["code"], "too_long")

    def test_cancel_stops_a_long_request(self):
        KokoroWorkerTest.next_id += 1
        rid = KokoroWorkerTest.next_id
        text = "、".join(["吾輩は猫である"] * 3) + "。" + "名前はまだ無い、どこで生れたかとんと見当がつかぬ。" * 3
        self.w.send({"type": "request", "id": rid, "text": text})
        first = self.w.read()
        self.assertEqual(first.type, "chunk")
        t0 = time.monotonic()
        self.w.send({"type": "cancel", "id": rid})
        while True:
            f = self.w.read()
            if f.type in ("done", "error"):
                break
        self.assertEqual(f.header.get("code"), "cancelled")
        self.assertLess(time.monotonic() - t0, 3.0)


if __name__ == "__main__":
    unittest.main()
