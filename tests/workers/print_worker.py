"""A worker that prints to stdout inside handle(), for the test that stdout cannot corrupt the frames."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "workers", "python"))

from stream_tts_worker import Worker  # noqa: E402


class PrintWorker(Worker):
    name = "print"

    def handle(self, request):
        print("stray print from a handler")
        sys.stdout.flush()
        os.write(1, b"stray bytes on fd 1\n")
        request.emit_audio(b"\0\0\0\0", 24000)
        return None


if __name__ == "__main__":
    PrintWorker().main()
