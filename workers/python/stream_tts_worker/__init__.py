"""Python SDK for stream-tts workers (protocol version 1, docs/worker-protocol.md). Standard library only."""

from .framing import (MAX_HEADER_BYTES, MAX_PAYLOAD_BYTES, PROTOCOL_VERSION, Frame, FrameReader, ProtocolError,
                      decode_header, encode_frame)
from .transport import Connection, FdConnection, SocketConnection, open_from_environment
from .worker import Cancelled, ConnectionClosed, Request, Worker, WorkerError

__all__ = [
    "MAX_HEADER_BYTES", "MAX_PAYLOAD_BYTES", "PROTOCOL_VERSION", "Frame", "FrameReader", "ProtocolError",
    "decode_header", "encode_frame", "Connection", "FdConnection", "SocketConnection", "open_from_environment",
    "Cancelled", "ConnectionClosed", "Request", "Worker", "WorkerError",
]
