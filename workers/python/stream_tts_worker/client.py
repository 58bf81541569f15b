"""A small manager-side client: spawns a worker over stdio and talks the protocol. For tests and evaluation
tools (the real manager is C++, src/worker/)."""

from __future__ import annotations

import os
import subprocess
import time
from typing import Any, Optional, Sequence

from .framing import PROTOCOL_VERSION, Frame, FrameReader, encode_frame


class WorkerProcess:
    """``with WorkerProcess([...]) as w: caps = w.hello(); w.send({...}); frame = w.read()``"""

    def __init__(self, command: Sequence[str], env: Optional[dict[str, str]] = None,
                 stderr: Any = None, cwd: Optional[str] = None):
        self.proc = subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=stderr, env=env, cwd=cwd)
        fd = self.proc.stdout.fileno()
        self.reader = FrameReader(lambda view: os.readv(fd, [view]))
        self.capabilities: Optional[dict] = None

    def send(self, header: dict, payload: bytes = b"") -> None:
        self.proc.stdin.write(encode_frame(header, payload))
        self.proc.stdin.flush()

    def send_raw(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def read(self) -> Optional[Frame]:
        """The next frame (blocking); None when the worker closed its stdout."""
        return self.reader.read_frame()

    def hello(self, protocol: int = PROTOCOL_VERSION) -> Frame:
        self.send({"type": "hello", "protocol": protocol, "client": "stream-tts-py-client"})
        frame = self.read()
        if frame is not None and frame.type == "capabilities":
            self.capabilities = frame.header
        return frame

    def request(self, request_id: int, text: str, **fields: Any) -> tuple[list[Frame], Frame, float]:
        """Sends a request and collects its chunks and ending. Returns (chunks, ending, first-chunk latency in
        seconds, measured from just before sending; -1 when no chunk came). Other frames are not expected."""
        t0 = time.perf_counter()
        self.send({"type": "request", "id": request_id, "text": text, **fields})
        chunks: list[Frame] = []
        first = -1.0
        while True:
            frame = self.read()
            if frame is None:
                raise EOFError(f"worker closed its stream during request {request_id}")
            if frame.header.get("id") != request_id:
                continue
            if frame.type == "chunk":
                if first < 0:
                    first = time.perf_counter() - t0
                chunks.append(frame)
            elif frame.type in ("done", "error"):
                return chunks, frame, first

    def close(self, timeout: float = 10.0) -> int:
        """Sends shutdown, closes stdin and waits; kills the worker if it does not exit in time."""
        if self.proc.poll() is None:
            try:
                self.send({"type": "shutdown"})
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        return self.proc.returncode

    def __enter__(self) -> "WorkerProcess":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
