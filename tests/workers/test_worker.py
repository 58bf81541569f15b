"""The Worker base class, run in-process over a socketpair with the test playing the manager."""

import socket
import struct
import threading
import time
import unittest

import support
from stream_tts_worker import Worker, WorkerError


class SlowWorker(Worker):
    """Emits `n` chunks (options.n, default 2), waiting options.delay seconds (cancellable) before each."""

    name = "slow"

    def __init__(self, max_in_flight=1, fail_load=None):
        super().__init__()
        self.max_in_flight = max_in_flight
        self.fail_load = fail_load
        self.loaded = False
        self.running = 0
        self.most_running = 0
        self.lock = threading.Lock()

    def load(self):
        if self.fail_load is not None:
            raise self.fail_load
        self.loaded = True

    def capabilities(self):
        return {"languages": ["ja"], "voices": [{"name": "a", "lang": "ja"}, {"name": "b", "lang": "ja"}],
                "default_voice": "a", "sample_rate": 16000, "sample_format": "s16le", "chunking": "clause"}

    def handle(self, request):
        with self.lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            text = request.text
            if text == "boom":
                raise ValueError("kaputt")
            if text == "callback":
                fired = threading.Event()
                request.on_cancel(fired.set)
                if not fired.wait(5):
                    return {"fired": False}
                request.on_cancel(lambda: setattr(self, "late_callback", True))  # already cancelled: runs now
                return {"fired": True}
            if text == "coded":
                raise WorkerError("too_long", "way too long")
            for i in range(int(request.options.get("n", 2))):
                request.sleep(float(request.options.get("delay", 0)))
                request.emit_audio(struct.pack("<h", i), 16000, "s16le")
            return {"stats": {"synth_ms": 1.5}, "blend": request.blend, "speed": request.speed}
        finally:
            with self.lock:
                self.running -= 1


class WorkerTest(unittest.TestCase):
    def start(self, **kw):
        h = support.InProcess(SlowWorker(**kw))
        self.addCleanup(h.close)
        return h

    def test_handshake_sends_capabilities_after_loading(self):
        h = self.start()
        caps = h.hello().header
        self.assertEqual(caps["type"], "capabilities")
        self.assertEqual(caps["protocol"], 1)
        self.assertEqual((caps["name"], caps["kind"], caps["max_in_flight"]), ("slow", "tts", 1))
        self.assertFalse(caps["cloning"])
        self.assertEqual(caps["sample_rate"], 16000)
        self.assertIsInstance(caps["pid"], int)
        self.assertTrue(h.worker.loaded)

    def test_version_mismatch_is_error_version_and_exit_3(self):
        h = self.start()
        reply = h.hello(protocol=2).header
        self.assertEqual((reply["type"], reply["code"]), ("error", "version"))
        self.assertIn("speaks protocol 1", reply["message"])
        self.assertEqual(h.join(), 3)
        self.assertFalse(h.worker.loaded, "no model load for a manager it cannot talk to")

    def test_frames_before_hello_are_refused_and_hello_still_works(self):
        h = self.start()
        h.send({"type": "ping", "id": 1})
        self.assertEqual(h.read().header["code"], "bad_request")
        self.assertEqual(h.hello().type, "capabilities")

    def test_load_failure_is_an_error_frame_and_exit_1(self):
        h = self.start(fail_load=WorkerError("internal", "model missing; run: x"))
        reply = h.hello().header
        self.assertEqual((reply["type"], reply["code"], reply["message"]), ("error", "internal", "model missing; run: x"))
        self.assertEqual(h.join(), 1)

    def test_request_gives_ordered_chunks_then_done_with_stats(self):
        h = self.start()
        h.hello()
        h.send({"type": "request", "id": 7, "text": "x", "options": {"n": 3}})
        chunks, done = h.until_end(7)
        self.assertEqual([c.header["seq"] for c in chunks], [0, 1, 2])
        self.assertEqual([c.payload for c in chunks], [struct.pack("<h", i) for i in range(3)])
        self.assertEqual(chunks[0].header["format"], "s16le")
        self.assertEqual((done.type, done.header["chunks"]), ("done", 3))
        self.assertEqual(done.header["stats"]["synth_ms"], 1.5)
        self.assertIn("total_ms", done.header["stats"])

    def test_blend_is_normalised_and_speed_passed(self):
        h = self.start()
        h.hello()
        h.send({"type": "request", "id": 1, "text": "x", "speed": 1.25, "blend": {"a": 3, "b": 1}})
        _, done = h.until_end(1)
        self.assertEqual(done.header["blend"], {"a": 0.75, "b": 0.25})
        self.assertEqual(done.header["speed"], 1.25)

    def test_bad_requests_get_coded_errors_and_the_connection_stays_open(self):
        h = self.start()
        h.hello()
        cases = [
            ({"text": 5}, "bad_request"),
            ({}, "bad_request"),
            ({"text": "x", "speed": 0}, "bad_request"),
            ({"text": "x", "speed": "fast"}, "bad_request"),
            ({"text": "x", "blend": {"a": -1}}, "bad_request"),
            ({"text": "x", "blend": {"a": 0}}, "bad_request"),
            ({"text": "x", "options": []}, "bad_request"),
            ({"text": "x", "voice": "zz"}, "unknown_voice"),
            ({"text": "x", "blend": {"a": 1, "zz": 1}}, "unknown_voice"),
            ({"text": "x", "reference_format": "f32le", "reference_sample_rate": 16000}, "unsupported"),
        ]
        for i, (fields, code) in enumerate(cases):
            with self.subTest(fields=fields):
                h.send({"type": "request", "id": 100 + i, **fields})
                _, end = h.until_end(100 + i)
                self.assertEqual((end.type, end.header["code"]), ("error", code))
        h.send({"type": "request", "id": 1, "text": "x"}, payload=b"\0\0\0\0")
        self.assertEqual(h.until_end(1)[1].header["code"], "unsupported")
        h.send({"type": "request", "id": 2, "text": "ok"})
        self.assertEqual(h.until_end(2)[1].type, "done")

    def test_exceptions_become_error_frames(self):
        h = self.start()
        h.hello()
        h.send({"type": "request", "id": 1, "text": "boom"})
        _, end = h.until_end(1)
        self.assertEqual((end.type, end.header["code"]), ("error", "internal"))
        self.assertIn("ValueError: kaputt", end.header["message"])
        h.send({"type": "request", "id": 2, "text": "coded"})
        _, end = h.until_end(2)
        self.assertEqual((end.header["code"], end.header["message"]), ("too_long", "way too long"))
        h.send({"type": "request", "id": 3, "text": "fine"})
        self.assertEqual(h.until_end(3)[1].type, "done")

    def test_unknown_type_with_id_is_bad_request_without_id_is_skipped(self):
        h = self.start()
        h.hello()
        h.send({"type": "frobnicate", "id": 4})
        reply = h.read().header
        self.assertEqual((reply["type"], reply["id"], reply["code"]), ("error", 4, "bad_request"))
        h.send({"type": "frobnicate"})
        h.send({"type": "ping", "id": 5})
        self.assertEqual(h.read().header, {"type": "pong", "id": 5})

    def test_ping_is_answered_while_a_request_runs(self):
        h = self.start()
        h.hello()
        h.send({"type": "request", "id": 1, "text": "x", "options": {"n": 1, "delay": 0.5}})
        time.sleep(0.05)
        t0 = time.monotonic()
        h.send({"type": "ping", "id": 2})
        first = h.read().header
        self.assertEqual(first, {"type": "pong", "id": 2})
        self.assertLess(time.monotonic() - t0, 0.3)
        self.assertEqual(h.until_end(1)[1].type, "done")

    def test_cancel_ends_a_running_request_with_cancelled(self):
        h = self.start()
        h.hello()
        h.send({"type": "request", "id": 1, "text": "x", "options": {"n": 5, "delay": 0.2}})
        first = h.read()
        self.assertEqual(first.type, "chunk")
        t0 = time.monotonic()
        h.send({"type": "cancel", "id": 1})
        chunks, end = h.until_end(1)
        self.assertLess(time.monotonic() - t0, 0.3)
        self.assertEqual((end.type, end.header["code"]), ("error", "cancelled"))
        self.assertLess(len(chunks), 4)

    def test_on_cancel_callbacks_run_when_the_cancel_arrives(self):
        h = self.start()
        h.hello()
        h.send({"type": "request", "id": 1, "text": "callback"})
        time.sleep(0.1)
        t0 = time.monotonic()
        h.send({"type": "cancel", "id": 1})
        _, end = h.until_end(1)
        self.assertLess(time.monotonic() - t0, 2.0, "the callback woke the handler")
        self.assertEqual(end.header["code"], "cancelled")
        self.assertTrue(getattr(h.worker, "late_callback", False))

    def test_cancel_of_a_queued_request_and_of_unknown_ids(self):
        h = self.start()
        h.hello()
        h.send({"type": "request", "id": 1, "text": "x", "options": {"n": 1, "delay": 0.2}})
        h.send({"type": "request", "id": 2, "text": "x", "options": {"n": 1}})
        h.send({"type": "cancel", "id": 2})
        h.send({"type": "cancel", "id": 99})
        h.send({"type": "cancel", "id": "x"})
        self.assertEqual(h.until_end(1)[1].type, "done")
        chunks, end = h.until_end(2)
        self.assertEqual((len(chunks), end.header["code"]), (0, "cancelled"))
        h.send({"type": "cancel", "id": 1})  # finished: no reply
        h.send({"type": "ping", "id": 3})
        self.assertEqual(h.read().header, {"type": "pong", "id": 3})

    def test_max_in_flight_requests_run_at_once(self):
        for limit in (1, 2):
            with self.subTest(max_in_flight=limit):
                h = self.start(max_in_flight=limit)
                self.assertEqual(h.hello().header["max_in_flight"], limit)
                for i in range(3):
                    h.send({"type": "request", "id": i, "text": "x", "options": {"n": 1, "delay": 0.1}})
                ends = 0
                while ends < 3:
                    ends += h.read().type == "done"
                self.assertEqual(h.worker.most_running, limit)

    def test_shutdown_exits_0(self):
        h = self.start()
        h.hello()
        h.send({"type": "shutdown"})
        self.assertEqual(h.join(), 0)

    def test_end_of_stream_exits_0(self):
        h = self.start()
        h.hello()
        h.manager.shutdown(socket.SHUT_WR)
        self.assertEqual(h.join(), 0)

    def test_protocol_error_is_reported_and_closes(self):
        h = self.start()
        h.hello()
        h.manager.sendall(struct.pack(">II", 9, 0) + b"not json!")
        reply = h.read().header
        self.assertEqual((reply["type"], reply["code"]), ("error", "bad_request"))
        self.assertIn("not JSON", reply["message"])
        self.assertEqual(h.join(), 2)
        self.assertIsNone(h.read(), "the worker closes the connection")


if __name__ == "__main__":
    unittest.main()
