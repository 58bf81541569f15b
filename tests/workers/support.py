"""Shared helpers for the worker tests: import path, an in-process harness and a subprocess harness."""

from __future__ import annotations

import os
import select
import socket
import sys
import threading
from typing import Optional

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDK_PATH = os.path.join(REPO, "workers", "python")
KOKORO_PATH = os.path.join(REPO, "workers", "kokoro_ja")
for _p in (KOKORO_PATH, SDK_PATH):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from stream_tts_worker import Frame, FrameReader, SocketConnection, Worker, encode_frame  # noqa: E402
from stream_tts_worker.client import WorkerProcess  # noqa: E402


def sdk_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    paths = os.pathsep.join([SDK_PATH, KOKORO_PATH])
    env["PYTHONPATH"] = paths + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


class InProcess:
    """Runs worker.run() on a thread over a socketpair; the test plays the manager on the other end."""

    def __init__(self, worker: Worker, timeout: float = 5.0):
        self.worker = worker
        self.manager, theirs = socket.socketpair()
        self.manager.settimeout(timeout)
        self.reader = FrameReader(self.manager.recv_into)
        self.exit_code: Optional[int] = None
        self.thread = threading.Thread(target=self._run, args=(SocketConnection(theirs),), daemon=True)
        self.thread.start()

    def _run(self, conn: SocketConnection) -> None:
        self.exit_code = self.worker.run(conn)

    def send(self, header: dict, payload: bytes = b"") -> None:
        self.manager.sendall(encode_frame(header, payload))

    def read(self) -> Optional[Frame]:
        return self.reader.read_frame()

    def hello(self, protocol: int = 1) -> Frame:
        self.send({"type": "hello", "protocol": protocol, "client": "test"})
        return self.read()

    def until_end(self, request_id: int) -> tuple[list[Frame], Frame]:
        chunks = []
        while True:
            f = self.read()
            assert f is not None, "worker closed the stream"
            if f.header.get("id") == request_id and f.type == "chunk":
                chunks.append(f)
            elif f.header.get("id") == request_id and f.type in ("done", "error"):
                return chunks, f

    def join(self, timeout: float = 5.0) -> Optional[int]:
        self.thread.join(timeout)
        return self.exit_code

    def close(self) -> None:
        self.manager.close()
        self.thread.join(5.0)


def read_within(w: WorkerProcess, timeout: float) -> Optional[Frame]:
    """The next frame from a worker process, or raises TimeoutError when none starts within timeout."""
    ready, _, _ = select.select([w.proc.stdout.fileno()], [], [], timeout)
    if not ready:
        raise TimeoutError(f"no frame within {timeout} s")
    return w.read()


def tone_command(*flags: str) -> list[str]:
    return [sys.executable, "-m", "stream_tts_worker.tone_worker", *flags]


# The SDK logs to stderr through `logging`; keep test output readable unless asked.
if not os.environ.get("STREAM_TTS_TEST_VERBOSE"):
    import logging

    logging.getLogger("stream_tts_worker").addHandler(logging.NullHandler())
    logging.getLogger("stream_tts_worker").propagate = False
