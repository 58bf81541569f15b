"""Frame encoding and decoding for the stream-tts worker protocol, version 1.

A frame is ``H`` (u32 big-endian) + ``P`` (u32 big-endian) + ``H`` bytes of JSON header + ``P`` bytes of
payload; see docs/worker-protocol.md. Readers check both lengths before allocating anything, so a corrupt
or hostile length prefix costs nothing but an error.
"""

from __future__ import annotations

import json
import struct
from typing import Any, Callable, NamedTuple, Optional

PROTOCOL_VERSION = 1

MIN_HEADER_BYTES = 2  # the shortest JSON object, "{}"
MAX_HEADER_BYTES = 65_536
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024

_PREFIX = struct.Struct(">II")
PREFIX_BYTES = _PREFIX.size


class ProtocolError(Exception):
    """The peer broke the framing rules; the connection cannot be trusted any further and is closed."""


class Frame(NamedTuple):
    header: dict
    payload: bytes

    @property
    def type(self) -> str:
        return self.header["type"]


def encode_frame(header: dict, payload: bytes = b"") -> bytes:
    """Returns the bytes of one frame. Raises ValueError when the header lacks a string ``type`` or either part
    exceeds the protocol's limits (a bug in the caller, not the peer's fault)."""
    if not isinstance(header.get("type"), str):
        raise ValueError("frame header needs a string 'type'")
    # allow_nan=False: NaN and Infinity are not JSON and a strict reader on the other side would reject them.
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    if len(head) > MAX_HEADER_BYTES:
        raise ValueError(f"frame header is {len(head)} bytes, more than {MAX_HEADER_BYTES}")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"frame payload is {len(payload)} bytes, more than {MAX_PAYLOAD_BYTES}")
    return _PREFIX.pack(len(head), len(payload)) + head + bytes(payload)


def decode_header(raw: bytes) -> dict:
    """Parses and checks a header. Raises ProtocolError naming what it saw."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProtocolError(f"frame header is not UTF-8 ({e.reason} at byte {e.start})") from None
    try:
        header = json.loads(text)
    except ValueError as e:
        raise ProtocolError(f"frame header is not JSON ({e}): {_preview(text)}") from None
    if not isinstance(header, dict):
        raise ProtocolError(f"frame header is not a JSON object: {_preview(text)}")
    if "type" not in header:
        raise ProtocolError(f"frame header has no 'type': {_preview(text)}")
    if not isinstance(header["type"], str):
        raise ProtocolError(f"frame header's 'type' is not a string: {_preview(text)}")
    return header


def check_lengths(header_len: int, payload_len: int) -> None:
    if header_len < MIN_HEADER_BYTES or header_len > MAX_HEADER_BYTES:
        raise ProtocolError(
            f"frame header length {header_len} is outside {MIN_HEADER_BYTES}..{MAX_HEADER_BYTES}")
    if payload_len > MAX_PAYLOAD_BYTES:
        raise ProtocolError(f"frame payload length {payload_len} is more than {MAX_PAYLOAD_BYTES}")


class FrameReader:
    """Reads frames from a byte source.

    ``recv_into(memoryview) -> int`` fills part of the view and returns the count, 0 at end of stream (the
    signature of ``socket.recv_into``). Partial reads of any size are fine.
    """

    def __init__(self, recv_into: Callable[[memoryview], int]):
        self._recv_into = recv_into

    def _fill(self, buf: bytearray, what: str, at_boundary: bool) -> bool:
        """Fills buf completely. Returns False on a clean end of stream before the first byte when
        at_boundary; raises ProtocolError("truncated frame") on any other short read."""
        view = memoryview(buf)
        got = 0
        while got < len(buf):
            n = self._recv_into(view[got:])
            if n == 0:
                if got == 0 and at_boundary:
                    return False
                raise ProtocolError(f"truncated frame: end of stream after {got} of {len(buf)} bytes of {what}")
            got += n
        return True

    def read_frame(self) -> Optional[Frame]:
        """The next frame, or None at a clean end of stream (between frames)."""
        prefix = bytearray(PREFIX_BYTES)
        if not self._fill(prefix, "the length prefix", at_boundary=True):
            return None
        header_len, payload_len = _PREFIX.unpack(prefix)
        check_lengths(header_len, payload_len)  # before allocating either
        head = bytearray(header_len)
        self._fill(head, "the header", at_boundary=False)
        header = decode_header(bytes(head))
        payload = bytearray(payload_len)
        if payload_len:
            self._fill(payload, "the payload", at_boundary=False)
        return Frame(header, bytes(payload))


def _preview(text: str, limit: int = 80) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "…"


def describe(header: dict[str, Any]) -> str:
    """A short description of a frame for log lines: type and id."""
    t = header.get("type")
    return f"{t} id={header['id']}" if "id" in header else str(t)
