"""The byte streams a worker talks over: stdio (default) or a unix socket the manager listens on."""

from __future__ import annotations

import os
import socket
import sys

SOCKET_ENV = "STREAM_TTS_WORKER_SOCKET"


class Connection:
    """A bidirectional byte stream. recv_into returns 0 at end of stream; sendall writes everything or
    raises OSError (BrokenPipeError when the manager has gone)."""

    def recv_into(self, view: memoryview) -> int:
        raise NotImplementedError

    def sendall(self, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class FdConnection(Connection):
    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd = read_fd
        self.write_fd = write_fd

    def recv_into(self, view: memoryview) -> int:
        return os.readv(self.read_fd, [view])

    def sendall(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.write_fd, view)
            view = view[n:]

    def close(self) -> None:
        for fd in {self.read_fd, self.write_fd}:
            try:
                os.close(fd)
            except OSError:
                pass


class SocketConnection(Connection):
    def __init__(self, sock: socket.socket):
        self.sock = sock

    def recv_into(self, view: memoryview) -> int:
        return self.sock.recv_into(view)

    def sendall(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def open_stdio() -> FdConnection:
    """Takes over fds 0 and 1 for frames. Afterwards fd 1 and sys.stdout point at stderr, so that a stray
    print() or a native library writing to stdout lands in the log instead of corrupting the frame stream."""
    read_fd = os.dup(0)
    write_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return FdConnection(read_fd, write_fd)


def open_unix(path: str) -> SocketConnection:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as e:
        sock.close()
        raise OSError(e.errno, f"cannot connect to the manager's socket {path}: {e.strerror}") from None
    return SocketConnection(sock)


def open_from_environment() -> Connection:
    """unix when STREAM_TTS_WORKER_SOCKET is set, stdio otherwise (docs/worker-protocol.md, Transport)."""
    path = os.environ.get(SOCKET_ENV, "")
    return open_unix(path) if path else open_stdio()
