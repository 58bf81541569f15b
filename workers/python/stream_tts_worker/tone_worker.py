"""A reference and test TTS worker that needs only the standard library: it "speaks" a sine tone.

    PYTHONPATH=workers/python python3 -m stream_tts_worker.tone_worker [FLAGS]

For each request it sends ``--chunks`` chunks (default 3) of ``--chunk-ms`` milliseconds (default 100, divided
by the request's speed) of mono PCM at 24 kHz, f32le by default. The tone's frequency is derived from the text
(CRC-32), and the phase runs on across chunks, so a re-issued request produces byte-identical chunks.
Capabilities: kind tts, name "tone", voices ["tone"], chunking "clause", styles ["speed"], cloning false.

Flags (for the manager's tests):
  --chunks N               chunks per request (default 3)
  --chunk-ms MS            audio per chunk at speed 1 (default 100)
  --chunk-delay-ms MS      wait this long before each chunk (cancellable), to make requests slow
  --sample-rate HZ         default 24000
  --sample-format F        f32le (default) or s16le
  --max-in-flight N        advertised and used (default 1)
  --slow-start SECONDS     sleep this long after hello, before sending capabilities (a slow model load)
  --protocol N             speak protocol N: capabilities say N, and a hello with another version gets
                           error "version" and exit status 3 (as a real worker of that version would)
  --advertise-protocol N   accept any hello but put N in capabilities (a worker the manager must refuse)
  --crash-after-chunks N   SIGKILL itself after sending N chunks of a request (N=0: before any chunk)
  --crash-once-file PATH   every misbehaviour below (and --crash-after-chunks) happens only while PATH does not
                           exist; the worker creates PATH just before misbehaving, so the restarted worker
                           serves the re-issued request normally. Without it, misbehaviour repeats every time.
  --fail-start             fail loading: send error code "internal" (no id) and exit with status 1

Text markers (anywhere in the request's text):
  [crash]       SIGKILL itself after the first chunk
  [exit]        exit with status 1 after the first chunk (no signal)
  [hang]        after the first chunk, never finish, but keep answering pings; a cancel ends it ("cancelled")
  [freeze]      after the first chunk, stop sending anything at all (pongs included) and never finish; the
                process still exits when the manager closes its stream
  [garbage]     after the first chunk, write bytes that are not a valid frame, then wait (a protocol breach)
  [error]       fail the request with code "internal" (an exception in the handler), no chunks
  [delay=MS]    wait MS milliseconds before each chunk (like --chunk-delay-ms, for one request)
"""

from __future__ import annotations

import argparse
import math
import os
import re
import signal
import sys
import time
import zlib
from array import array
from typing import Optional

from .worker import Request, Worker, WorkerError, log

_MISBEHAVIOURS = ("[crash]", "[exit]", "[hang]", "[freeze]", "[garbage]")


def tone_frequency(text: str) -> float:
    """200 … 999 Hz, a function of the text only."""
    return 200.0 + zlib.crc32(text.encode("utf-8")) % 800


def tone_samples(frequency: float, sample_rate: int, start: int, count: int) -> list[float]:
    step = 2.0 * math.pi * frequency / sample_rate
    return [0.3 * math.sin(step * (start + i)) for i in range(count)]


def encode_pcm(samples: list[float], sample_format: str) -> bytes:
    if sample_format == "s16le":
        pcm = array("h", (max(-32768, min(32767, round(s * 32767))) for s in samples))
    else:
        pcm = array("f", samples)
    if sys.byteorder == "big":
        pcm.byteswap()
    return pcm.tobytes()


class ToneWorker(Worker):
    name = "tone"
    kind = "tts"

    def __init__(self, args: argparse.Namespace):
        super().__init__()
        self.args = args
        self.max_in_flight = args.max_in_flight
        if args.protocol is not None:
            self.protocol = args.protocol

    def check_hello(self, hello: dict) -> Optional[str]:
        if self.args.advertise_protocol is not None:
            return None
        return super().check_hello(hello)

    def load(self) -> None:
        if self.args.slow_start > 0:
            log.info("slow start: %.1f s", self.args.slow_start)
            time.sleep(self.args.slow_start)
        if self.args.fail_start:
            raise WorkerError("internal", "tone worker told to fail its start (--fail-start)")

    def capabilities(self) -> dict:
        caps = {
            "languages": ["ja"],
            "voices": [{"name": "tone", "lang": "ja", "description": "sine tone (test worker)"}],
            "default_voice": "tone",
            "styles": ["speed"],
            "cloning": False,
            "sample_rate": self.args.sample_rate,
            "sample_format": self.args.sample_format,
            "chunking": "clause",
        }
        if self.args.advertise_protocol is not None:
            caps["protocol"] = self.args.advertise_protocol
        return caps

    def _may_misbehave(self) -> bool:
        """True when a misbehaviour should happen now; records it in the once-file."""
        path = self.args.crash_once_file
        if not path:
            return True
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        os.close(fd)
        return True

    def _misbehave(self, request: Request, what: str) -> None:
        log.warning("request %d: misbehaving as told: %s", request.id, what)
        sys.stderr.flush()
        if what == "[crash]":
            os.kill(os.getpid(), signal.SIGKILL)
        elif what == "[exit]":
            os._exit(1)
        elif what == "[hang]":
            while True:
                request.sleep(3600)  # ends with Cancelled when the manager cancels
        elif what == "[freeze]":
            self.stop_answering()
            while True:
                time.sleep(3600)
        elif what == "[garbage]":
            with self._send_lock:  # whole, so no other frame interleaves
                self._conn.sendall(b"\xff\xff\xff\xff\x00\x00\x00\x00not a frame")
            while True:
                time.sleep(3600)

    def handle(self, request: Request) -> dict:
        t0 = time.monotonic()
        text = request.text
        if "[error]" in text:
            raise RuntimeError("tone worker told to fail this request ([error])")
        args = self.args
        delay_ms = args.chunk_delay_ms
        m = re.search(r"\[delay=(\d+)\]", text)
        if m:
            delay_ms = int(m.group(1))
        marker = next((mk for mk in _MISBEHAVIOURS if mk in text), None)
        rate = args.sample_rate
        frequency = tone_frequency(text)
        per_chunk = max(1, round(rate * args.chunk_ms / 1000.0 / request.speed))
        for seq in range(args.chunks):
            if args.crash_after_chunks is not None and seq == args.crash_after_chunks and self._may_misbehave():
                self._misbehave(request, "[crash]")
            if seq == 1 and marker is not None and self._may_misbehave():
                self._misbehave(request, marker)
            if delay_ms > 0:
                request.sleep(delay_ms / 1000.0)
            samples = tone_samples(frequency, rate, seq * per_chunk, per_chunk)
            request.emit_audio(encode_pcm(samples, args.sample_format), rate, args.sample_format)
        if args.crash_after_chunks is not None and args.chunks == args.crash_after_chunks and self._may_misbehave():
            self._misbehave(request, "[crash]")
        if args.chunks < 2 and marker is not None and self._may_misbehave():
            self._misbehave(request, marker)
        return {"stats": {"synth_ms": round((time.monotonic() - t0) * 1000, 1),
                          "audio_ms": round(args.chunks * per_chunk * 1000 / rate, 1),
                          "frequency_hz": frequency}}


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python3 -m stream_tts_worker.tone_worker",
                                description="sine-tone TTS worker for tests (see the module docstring)")
    p.add_argument("--chunks", type=int, default=3)
    p.add_argument("--chunk-ms", type=float, default=100.0)
    p.add_argument("--chunk-delay-ms", type=float, default=0.0)
    p.add_argument("--sample-rate", type=int, default=24000)
    p.add_argument("--sample-format", choices=("f32le", "s16le"), default="f32le")
    p.add_argument("--max-in-flight", type=int, default=1)
    p.add_argument("--slow-start", type=float, default=0.0, metavar="SECONDS")
    p.add_argument("--protocol", type=int, default=None)
    p.add_argument("--advertise-protocol", type=int, default=None)
    p.add_argument("--crash-after-chunks", type=int, default=None, metavar="N")
    p.add_argument("--crash-once-file", default=None, metavar="PATH")
    p.add_argument("--fail-start", action="store_true")
    args = p.parse_args(argv)
    if args.chunks < 1 or args.chunk_ms <= 0 or args.sample_rate <= 0 or args.max_in_flight < 1:
        p.error("--chunks, --chunk-ms, --sample-rate and --max-in-flight must be positive")
    return args


def main(argv: Optional[list[str]] = None) -> None:
    ToneWorker(parse_args(argv)).main()


if __name__ == "__main__":
    main()
