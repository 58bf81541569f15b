"""The Worker base class: handshake, request threads, cancel, ping, shutdown, error mapping.

Subclass it, fill in ``name``, ``kind``, ``capabilities()`` and ``handle()``, and call ``main()``::

    class EchoWorker(Worker):
        name = "echo"
        kind = "translate"

        def capabilities(self):
            return {"source_languages": ["en"], "target_languages": ["ja"], "chunking": "none"}

        def handle(self, request):
            request.emit_text(request.text)
            return {"text": request.text}

    if __name__ == "__main__":
        EchoWorker().main()

Threads: the thread that calls ``run()`` reads frames (so pings are answered and cancels are seen while
requests run); ``max_in_flight`` request threads call ``handle()``. Chunks and replies may be sent from any
thread; one lock keeps frames whole.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import signal
import sys
import threading
import time
from typing import Any, Callable, Optional

from .framing import PROTOCOL_VERSION, Frame, FrameReader, ProtocolError, describe, encode_frame
from .transport import Connection, open_from_environment

log = logging.getLogger("stream_tts_worker")

LOG_LEVEL_ENV = "STREAM_TTS_WORKER_LOG_LEVEL"

# Exit statuses (docs/worker-protocol.md): 0 shutdown or the manager closed the stream; 3 protocol version.
EXIT_OK = 0
EXIT_FAILED = 1  # loading failed, or the transport could not be opened
EXIT_PROTOCOL = 2  # the manager broke the framing rules
EXIT_VERSION = 3

ERROR_CODES = ("bad_request", "unknown_voice", "unsupported", "too_long", "cancelled", "internal", "version")


class WorkerError(Exception):
    """Raise from handle() (or load()) to end the request with this error code and message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Cancelled(WorkerError):
    """The manager cancelled the request; raised by Request.emit() and Request.check_cancelled()."""

    def __init__(self, message: str = "cancelled"):
        super().__init__("cancelled", message)


class ConnectionClosed(Exception):
    """The manager's end of the stream is gone; nothing more can be sent."""


def _is_uint(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class Request:
    """One request, as handle() sees it. Fields come from the request header, checked and with defaults."""

    def __init__(self, worker: "Worker", header: dict, payload: bytes):
        self._worker = worker
        self.header = header  # the whole header, unknown fields included
        self.payload = payload  # reference audio for cloning workers, else b""
        self.id: int = header["id"]
        self.text: str = header["text"]
        self.voice: Optional[str] = header.get("voice")
        self.speed: float = float(header.get("speed", 1.0))
        # voice name -> weight, normalised to sum 1; None when the request has no blend
        self.blend: Optional[dict[str, float]] = None
        self.options: dict = header.get("options") or {}
        self.chunks = 0  # chunks sent so far; the next chunk's seq
        self.received_at = time.monotonic()
        self.started_at: Optional[float] = None
        self._cancel = threading.Event()
        self._on_cancel: list[Callable[[], None]] = []
        self._on_cancel_lock = threading.Lock()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        """Raises Cancelled when the manager has cancelled this request. Call it between expensive steps."""
        if self._cancel.is_set():
            raise Cancelled()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Calls callback (on the frame-reading thread; keep it short) when the request is cancelled, or at
        once if it already is. For interrupting a long native call, e.g. onnxruntime's RunOptions.terminate."""
        with self._on_cancel_lock:
            if not self._cancel.is_set():
                self._on_cancel.append(callback)
                return
        callback()

    def _set_cancelled(self) -> None:
        with self._on_cancel_lock:
            self._cancel.set()
            callbacks, self._on_cancel = self._on_cancel, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001 - a failing callback must not stop the reader
                log.exception("request %d: cancel callback failed", self.id)

    def sleep(self, seconds: float) -> None:
        """Sleeps, waking early (with Cancelled) when the request is cancelled."""
        if self._cancel.wait(seconds):
            raise Cancelled()

    def emit(self, payload: bytes, **fields: Any) -> int:
        """Sends one chunk (header fields besides type/id/seq given as keywords). Returns its seq.
        Raises Cancelled instead of sending when the request has been cancelled."""
        self.check_cancelled()
        seq = self.chunks
        self._worker.send({"type": "chunk", "id": self.id, "seq": seq, **fields}, payload)
        self.chunks += 1
        return seq

    def emit_audio(self, pcm: bytes, sample_rate: int, sample_format: str = "f32le") -> int:
        """Sends mono little-endian PCM (f32le or s16le bytes)."""
        return self.emit(pcm, sample_rate=sample_rate, format=sample_format)

    def emit_text(self, text: str) -> int:
        """Sends a piece of a translation (translate workers)."""
        return self.emit(text.encode("utf-8"), format="text")


class Worker:
    """Base class of a protocol-1 worker. Override the attributes and methods marked "override"."""

    name = "worker"  # override: the worker's name in capabilities and logs
    kind = "tts"  # override: "tts" or "translate"
    max_in_flight = 1  # override: requests handled at once (one thread each)
    protocol = PROTOCOL_VERSION  # the version this worker speaks
    max_text_chars: Optional[int] = None  # longer texts are rejected with "too_long"; None: no limit

    def __init__(self) -> None:
        self._conn: Optional[Connection] = None
        self._send_lock = threading.Lock()
        self._closed = False
        self._silent = False
        self._table_lock = threading.Lock()
        self._requests: dict[int, Request] = {}
        self._queue: "queue.Queue[Optional[Request]]" = queue.Queue()
        self._caps: dict = {}
        self._voice_names: Optional[set[str]] = None

    # ---- to override ------------------------------------------------------------------------------
    def capabilities(self) -> dict:
        """Override: capability fields besides type, protocol, name, kind, max_in_flight and pid (which the
        base class fills in), e.g. languages, voices, default_voice, styles, cloning, sample_rate,
        sample_format, chunking. A key returned here wins over the base class's value."""
        return {}

    def load(self) -> None:
        """Override: load the model. Runs after a good hello and before capabilities are sent, so the
        manager's start_timeout_s covers it. Raise WorkerError (or anything) to fail the start."""

    def handle(self, request: Request) -> Optional[dict]:
        """Override: do the request, sending chunks with request.emit*(). Return extra fields for the
        `done` frame (e.g. {"text": ..., "stats": {...}}) or None. Raise WorkerError for a coded error;
        any other exception becomes code "internal". Runs on a request thread."""
        raise NotImplementedError

    def check_hello(self, hello: dict) -> Optional[str]:
        """Returns None when the hello is acceptable, else the message of a "version" error."""
        offered = hello.get("protocol")
        if not _is_uint(offered):
            return f"hello without a protocol version (got {offered!r}); worker {self.name} speaks {self.protocol}"
        if offered != self.protocol:
            return f"worker {self.name} speaks protocol {self.protocol}, the manager speaks {offered}"
        return None

    # ---- sending ----------------------------------------------------------------------------------
    def send(self, header: dict, payload: bytes = b"") -> None:
        """Sends one frame; safe from any thread. Raises ConnectionClosed when the stream is gone."""
        data = encode_frame(header, payload)
        with self._send_lock:
            if self._silent:
                return
            if self._closed or self._conn is None:
                raise ConnectionClosed("connection closed")
            try:
                self._conn.sendall(data)
            except OSError as e:
                self._closed = True
                raise ConnectionClosed(str(e)) from None

    def _try_send(self, header: dict, payload: bytes = b"") -> None:
        try:
            self.send(header, payload)
        except ConnectionClosed:
            pass

    def _send_error(self, code: str, message: str, request_id: Optional[int] = None) -> None:
        header: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if request_id is not None:
            header["id"] = request_id
        self._try_send(header)

    def stop_answering(self) -> None:
        """For tests of the manager's health check: from now on nothing is sent (no pong, chunk or reply)
        and nothing new starts, but frames are still read, so end of stream still ends the process."""
        with self._send_lock:
            self._silent = True

    # ---- running ----------------------------------------------------------------------------------
    def main(self) -> None:
        """Entry point of a worker program: logging to stderr, transport from the environment, run(), exit."""
        logging.basicConfig(stream=sys.stderr, format="%(levelname)s %(message)s",
                            level=os.environ.get(LOG_LEVEL_ENV, "INFO").upper())
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            conn = open_from_environment()
        except OSError as e:
            log.error("%s", e)
            code = EXIT_FAILED
        else:
            code = self.run(conn)
        sys.stderr.flush()
        # os._exit: request threads may sit in native code (a model run) that must not block the exit.
        os._exit(code)

    def run(self, conn: Connection) -> int:
        """Speaks the protocol on conn until end of stream, shutdown or an error; returns the exit status."""
        self._conn = conn
        reader = FrameReader(conn.recv_into)
        try:
            return self._serve(reader)
        except ProtocolError as e:
            log.error("protocol error: %s", e)
            self._send_error("bad_request", f"protocol error: {e}")
            return EXIT_PROTOCOL
        except OSError as e:
            log.error("reading from the manager failed: %s", e)
            return EXIT_FAILED
        finally:
            with self._send_lock:
                self._closed = True
            for _ in range(self.max_in_flight):
                self._queue.put(None)
            conn.close()

    def _serve(self, reader: FrameReader) -> int:
        hello = self._wait_for_hello(reader)
        if hello is None:
            return EXIT_OK
        problem = self.check_hello(hello)
        if problem is not None:
            log.error("%s", problem)
            self._send_error("version", problem)
            return EXIT_VERSION
        log.debug("hello from %s", hello.get("client", "?"))
        t0 = time.monotonic()
        try:
            self.load()
        except WorkerError as e:
            log.error("loading failed: %s", e.message)
            self._send_error(e.code, e.message)
            return EXIT_FAILED
        except Exception as e:  # noqa: BLE001 - the boundary: everything becomes an error frame
            log.exception("loading failed")
            self._send_error("internal", f"{type(e).__name__}: {e}")
            return EXIT_FAILED
        self._caps = self._capabilities_frame()
        voices = self._caps.get("voices")
        if isinstance(voices, list):
            self._voice_names = {v["name"] if isinstance(v, dict) else str(v) for v in voices}
        self.send(self._caps)
        log.info("ready in %.0f ms (protocol %s, max_in_flight %d)", (time.monotonic() - t0) * 1000,
                 self._caps.get("protocol"), self.max_in_flight)
        for i in range(self.max_in_flight):
            threading.Thread(target=self._request_loop, name=f"request-{i}", daemon=True).start()
        while True:
            frame = reader.read_frame()
            if frame is None:
                log.info("the manager closed the stream; exiting")
                return EXIT_OK
            if self._silent:
                continue
            if frame.type == "shutdown":
                log.info("shutdown")
                return EXIT_OK
            self._dispatch(frame)

    def _wait_for_hello(self, reader: FrameReader) -> Optional[dict]:
        while True:
            frame = reader.read_frame()
            if frame is None or frame.type == "shutdown":
                return None
            if frame.type == "hello":
                return frame.header
            log.warning("expected hello, got %s", describe(frame.header))
            if _is_uint(frame.header.get("id")):
                self._send_error("bad_request", f"expected hello first, got '{frame.type}'", frame.header["id"])

    def _capabilities_frame(self) -> dict:
        caps: dict[str, Any] = {"type": "capabilities", "protocol": self.protocol, "name": self.name,
                                "kind": self.kind, "max_in_flight": self.max_in_flight, "pid": os.getpid()}
        if self.kind == "tts":
            caps.update({"cloning": False, "chunking": "none"})
        caps.update(self.capabilities())
        caps["type"] = "capabilities"
        return caps

    def _dispatch(self, frame: Frame) -> None:
        header = frame.header
        t = frame.type
        if t == "ping":
            pong = {"type": "pong"}
            if "id" in header:
                pong["id"] = header["id"]
            self._try_send(pong)
        elif t == "cancel":
            rid = header.get("id")
            with self._table_lock:
                request = self._requests.get(rid) if _is_uint(rid) else None
            if request is not None:
                log.debug("cancel %s", request.id)
                request._set_cancelled()
        elif t == "request":
            self._accept(header, frame.payload)
        else:
            log.warning("unexpected frame %s", describe(header))
            if _is_uint(header.get("id")):
                self._send_error("bad_request", f"unknown frame type '{t}'", header["id"])

    def _accept(self, header: dict, payload: bytes) -> None:
        rid = header.get("id")
        if not _is_uint(rid):
            log.error("request without an unsigned integer id (id=%r); skipped", rid)
            return
        problem = self._check_request(header, payload)
        if problem is not None:
            code, message = problem
            log.warning("request %d: %s: %s", rid, code, message)
            self._send_error(code, message, rid)
            return
        request = Request(self, header, payload)
        blend = header.get("blend")
        if blend:
            total = float(sum(blend.values()))
            request.blend = {k: float(v) / total for k, v in blend.items()}
        with self._table_lock:
            if rid in self._requests:
                # Replying would give the running request two endings; the manager promised unique ids.
                log.error("request %d is already in flight; the repeated one is skipped", rid)
                return
            self._requests[rid] = request
            waiting = len(self._requests)
        if waiting > self.max_in_flight:
            log.warning("%d requests in flight, more than max_in_flight %d; request %d waits", waiting,
                        self.max_in_flight, rid)
        self._queue.put(request)

    def _check_request(self, h: dict, payload: bytes) -> Optional[tuple[str, str]]:
        if not isinstance(h.get("text"), str):
            return "bad_request", "request needs a string 'text'"
        if "voice" in h and h["voice"] is not None and not isinstance(h["voice"], str):
            return "bad_request", "'voice' must be a string"
        if "speed" in h and h["speed"] is not None and not (_is_number(h["speed"]) and h["speed"] > 0):
            return "bad_request", f"'speed' must be a positive number, got {h['speed']!r}"
        if h.get("speed") is None:
            h.pop("speed", None)
        if "options" in h and h["options"] is not None and not isinstance(h["options"], dict):
            return "bad_request", "'options' must be an object"
        blend = h.get("blend")
        if blend is not None:
            if not isinstance(blend, dict) or not all(_is_number(w) and w >= 0 for w in blend.values()):
                return "bad_request", "'blend' must map voice names to non-negative numbers"
            if blend and sum(blend.values()) <= 0:
                return "bad_request", "'blend' weights sum to 0"
        if payload or "reference_format" in h:
            if not self._caps.get("cloning"):
                return "unsupported", f"worker {self.name} does not clone voices (reference audio given)"
        if self._voice_names is not None:
            named = ([h["voice"]] if isinstance(h.get("voice"), str) else []) + list(blend or {})
            for v in named:
                if v not in self._voice_names:
                    return "unknown_voice", (f"unknown voice '{v}'; worker {self.name} has "
                                             + ", ".join(sorted(self._voice_names)))
        if self.max_text_chars is not None and len(h["text"]) > self.max_text_chars:
            return "too_long", f"text of {len(h['text'])} characters; at most {self.max_text_chars}"
        return None

    def _request_loop(self) -> None:
        while True:
            request = self._queue.get()
            if request is None:
                return
            try:
                self._run_request(request)
            except ConnectionClosed:
                return

    def _run_request(self, request: Request) -> None:
        request.started_at = time.monotonic()
        ending: dict[str, Any]
        try:
            request.check_cancelled()
            result = self.handle(request)
        except ConnectionClosed:
            raise
        except WorkerError as e:
            ending = {"type": "error", "id": request.id, "code": e.code, "message": e.message}
        except Exception as e:  # noqa: BLE001 - the boundary: everything becomes an error frame
            log.exception("request %d failed", request.id)
            ending = {"type": "error", "id": request.id, "code": "internal", "message": f"{type(e).__name__}: {e}"}
        else:
            ending = {"type": "done", "id": request.id, "chunks": request.chunks}
            extra = dict(result or {})
            now = time.monotonic()
            stats = {"queue_ms": round((request.started_at - request.received_at) * 1000, 1),
                     "total_ms": round((now - request.received_at) * 1000, 1)}
            stats.update(extra.pop("stats", None) or {})
            extra.pop("type", None), extra.pop("id", None), extra.pop("chunks", None)
            ending.update(extra)
            ending["stats"] = stats
        with self._table_lock:
            self._requests.pop(request.id, None)
            # A cancel that arrived before this point ends the request as cancelled (the spec allows done
            # only when the request had already finished, i.e. its done was sent).
            if request.cancelled and ending["type"] == "done":
                ending = {"type": "error", "id": request.id, "code": "cancelled", "message": "cancelled"}
        if ending["type"] == "error":
            log.debug("request %d: %s: %s", request.id, ending["code"], ending["message"])
        self.send(ending)
