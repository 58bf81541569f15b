"""The tone worker as a process, as the C++ manager's tests use it."""

import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

import support
from support import WorkerProcess, read_within, sdk_env, tone_command
from stream_tts_worker import FrameReader, ProtocolError, encode_frame


class ToneWorkerTest(unittest.TestCase):
    def spawn(self, *flags, env=None):
        w = WorkerProcess(tone_command(*flags), env=env or sdk_env(), stderr=subprocess.DEVNULL)
        self.addCleanup(self.stop, w)
        return w

    @staticmethod
    def stop(w):
        if w.proc.poll() is None:
            w.proc.kill()
        w.close()

    def tmp_path(self, name):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        return os.path.join(d.name, name)

    def test_capabilities(self):
        w = self.spawn()
        caps = w.hello().header
        self.assertEqual((caps["type"], caps["protocol"], caps["kind"]), ("capabilities", 1, "tts"))
        self.assertEqual([v["name"] for v in caps["voices"]], ["tone"])
        self.assertEqual((caps["chunking"], caps["sample_rate"], caps["sample_format"]), ("clause", 24000, "f32le"))
        self.assertEqual(caps["pid"], w.proc.pid)

    def test_three_100ms_chunks_deterministic_per_text(self):
        w = self.spawn()
        w.hello()
        a, done, _ = w.request(1, "今日はいい天気ですね。")
        b, _, _ = w.request(2, "今日はいい天気ですね。")
        c, _, _ = w.request(3, "別の文。")
        self.assertEqual(done.header["chunks"], 3)
        self.assertEqual([len(f.payload) for f in a], [2400 * 4] * 3)
        self.assertEqual([f.payload for f in a], [f.payload for f in b])
        self.assertNotEqual(a[0].payload, c[0].payload)
        samples = struct.unpack("<2400f", a[0].payload)
        self.assertAlmostEqual(max(samples), 0.3, places=2)
        # a second process gives the same bytes: what the manager's re-issue relies on
        w2 = self.spawn()
        w2.hello()
        self.assertEqual([f.payload for f in w2.request(1, "今日はいい天気ですね。")[0]], [f.payload for f in a])

    def test_speed_shortens_chunks(self):
        w = self.spawn("--sample-format", "s16le")
        w.hello()
        chunks, _, _ = w.request(1, "x", speed=2.0)
        self.assertEqual([len(f.payload) for f in chunks], [1200 * 2] * 3)
        self.assertEqual(chunks[0].header["format"], "s16le")

    def test_crash_marker_kills_after_first_chunk_once(self):
        once = self.tmp_path("crashed")
        w = self.spawn("--crash-once-file", once)
        w.hello()
        w.send({"type": "request", "id": 1, "text": "落ちる[crash]"})
        self.assertEqual(w.read().header["seq"], 0)
        self.assertIsNone(w.read())
        self.assertEqual(w.proc.wait(5), -signal.SIGKILL)
        self.assertTrue(os.path.exists(once))
        w2 = self.spawn("--crash-once-file", once)
        w2.hello()
        chunks, done, _ = w2.request(1, "落ちる[crash]")
        self.assertEqual((len(chunks), done.type), (3, "done"))

    def test_crash_after_chunks(self):
        w = self.spawn("--crash-after-chunks", "2")
        w.hello()
        w.send({"type": "request", "id": 1, "text": "x"})
        self.assertEqual([w.read().header["seq"], w.read().header["seq"]], [0, 1])
        self.assertIsNone(w.read())
        self.assertEqual(w.proc.wait(5), -signal.SIGKILL)

    def test_exit_marker(self):
        w = self.spawn()
        w.hello()
        w.send({"type": "request", "id": 1, "text": "[exit]"})
        self.assertEqual(w.read().type, "chunk")
        self.assertIsNone(w.read())
        self.assertEqual(w.proc.wait(5), 1)

    def test_hang_keeps_answering_pings_and_cancel_ends_it(self):
        w = self.spawn()
        w.hello()
        w.send({"type": "request", "id": 1, "text": "[hang]"})
        self.assertEqual(w.read().type, "chunk")
        with self.assertRaises(TimeoutError):
            read_within(w, 0.3)
        w.send({"type": "ping", "id": 2})
        self.assertEqual(read_within(w, 2).header, {"type": "pong", "id": 2})
        w.send({"type": "cancel", "id": 1})
        self.assertEqual(read_within(w, 2).header["code"], "cancelled")

    def test_freeze_stops_pongs_but_exits_when_stdin_closes(self):
        w = self.spawn()
        w.hello()
        w.send({"type": "request", "id": 1, "text": "[freeze]"})
        self.assertEqual(w.read().type, "chunk")
        time.sleep(0.1)
        w.send({"type": "ping", "id": 2})
        with self.assertRaises(TimeoutError):
            read_within(w, 0.5)
        w.proc.stdin.close()
        self.assertEqual(w.proc.wait(5), 0)

    def test_garbage_marker_breaks_framing(self):
        w = self.spawn()
        w.hello()
        w.send({"type": "request", "id": 1, "text": "[garbage]"})
        self.assertEqual(w.read().type, "chunk")
        with self.assertRaisesRegex(ProtocolError, "header length 4294967295"):
            w.read()

    def test_chunk_delay(self):
        w = self.spawn("--chunk-delay-ms", "100")
        w.hello()
        t0 = time.monotonic()
        _, done, first = w.request(1, "x")
        self.assertGreaterEqual(first, 0.09)
        self.assertGreaterEqual(time.monotonic() - t0, 0.29)
        _, _, first = w.request(2, "x[delay=0]")
        self.assertLess(first, 0.09)

    def test_slow_start(self):
        w = self.spawn("--slow-start", "0.4")
        t0 = time.monotonic()
        self.assertEqual(w.hello().type, "capabilities")
        self.assertGreaterEqual(time.monotonic() - t0, 0.4)

    def test_protocol_flag_speaks_another_version(self):
        w = self.spawn("--protocol", "2")
        reply = w.hello().header
        self.assertEqual((reply["type"], reply["code"]), ("error", "version"))
        self.assertEqual(w.proc.wait(5), 3)
        self.assertEqual(self.spawn("--protocol", "2").hello(protocol=2).header["protocol"], 2)

    def test_advertise_protocol(self):
        self.assertEqual(self.spawn("--advertise-protocol", "7").hello().header["protocol"], 7)

    def test_fail_start(self):
        w = self.spawn("--fail-start")
        reply = w.hello().header
        self.assertEqual((reply["type"], reply["code"]), ("error", "internal"))
        self.assertEqual(w.proc.wait(5), 1)

    def test_shutdown_exits_0(self):
        w = self.spawn()
        w.hello()
        w.send({"type": "shutdown"})
        self.assertEqual(w.proc.wait(5), 0)

    def test_unix_socket_transport(self):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        path = os.path.join(d.name, "w.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(10)
        self.addCleanup(listener.close)
        proc = subprocess.Popen(tone_command(), env=sdk_env(STREAM_TTS_WORKER_SOCKET=path),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: (proc.poll() is None and proc.kill(), proc.communicate()))
        conn, _ = listener.accept()
        conn.settimeout(10)
        reader = FrameReader(conn.recv_into)
        conn.sendall(encode_frame({"type": "hello", "protocol": 1}))
        self.assertEqual(reader.read_frame().type, "capabilities")
        conn.sendall(encode_frame({"type": "request", "id": 1, "text": "x"}))
        self.assertEqual([reader.read_frame().type for _ in range(4)], ["chunk"] * 3 + ["done"])
        conn.sendall(encode_frame({"type": "shutdown"}))
        self.assertEqual(proc.wait(5), 0)
        out, _ = proc.communicate()
        self.assertEqual(out, b"", "frames go over the socket, nothing to stdout")
        conn.close()

    def test_stdout_writes_cannot_corrupt_frames(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "print_worker.py")
        w = WorkerProcess([sys.executable, script], stderr=subprocess.PIPE)
        self.addCleanup(self.stop, w)
        w.hello()
        chunks, done, _ = w.request(1, "x")
        self.assertEqual((len(chunks), done.type), (1, "done"))
        w.close()
        with w.proc.stderr:
            self.assertIn(b"stray print from a handler", w.proc.stderr.read())


if __name__ == "__main__":
    unittest.main()
