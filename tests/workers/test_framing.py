import json
import struct
import tracemalloc
import unittest

import support  # noqa: F401  (import path)
from stream_tts_worker import (MAX_HEADER_BYTES, MAX_PAYLOAD_BYTES, FrameReader, ProtocolError, decode_header,
                               encode_frame)


class Source:
    """A byte source that hands out at most `step` bytes per read and counts what was read."""

    def __init__(self, data: bytes, step: int = 1 << 20):
        self.data = data
        self.pos = 0
        self.step = step

    def recv_into(self, view: memoryview) -> int:
        n = min(len(view), self.step, len(self.data) - self.pos)
        view[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


def raw_frame(header: bytes, payload: bytes = b"", h_len=None, p_len=None) -> bytes:
    return struct.pack(">II", len(header) if h_len is None else h_len,
                       len(payload) if p_len is None else p_len) + header + payload


class FramingTest(unittest.TestCase):
    def read_all(self, data: bytes, step: int = 1 << 20):
        reader = FrameReader(Source(data, step).recv_into)
        frames = []
        while (f := reader.read_frame()) is not None:
            frames.append(f)
        return frames

    def test_round_trip_keeps_header_and_payload(self):
        data = encode_frame({"type": "chunk", "id": 7, "seq": 0, "text": "今日は"}, b"\x00\x01\x02") + \
            encode_frame({"type": "done", "id": 7, "chunks": 1})
        frames = self.read_all(data)
        self.assertEqual([f.type for f in frames], ["chunk", "done"])
        self.assertEqual(frames[0].header["text"], "今日は")
        self.assertEqual(frames[0].payload, b"\x00\x01\x02")
        self.assertEqual(frames[1].payload, b"")

    def test_prefix_is_big_endian_lengths(self):
        data = encode_frame({"type": "ping"}, b"abc")
        h_len, p_len = struct.unpack(">II", data[:8])
        self.assertEqual(data[8:8 + h_len], b'{"type":"ping"}')
        self.assertEqual(p_len, 3)

    def test_one_byte_reads_give_the_same_frames(self):
        data = b"".join(encode_frame({"type": "chunk", "id": i, "seq": i}, bytes(range(i * 10 % 256)) * 3)
                        for i in range(5))
        self.assertEqual(self.read_all(data, step=1), self.read_all(data))

    def test_end_of_stream_between_frames_is_a_clean_close(self):
        self.assertEqual(self.read_all(b""), [])
        self.assertEqual(len(self.read_all(encode_frame({"type": "ping"}))), 1)

    def test_end_of_stream_inside_a_frame_is_truncated(self):
        data = encode_frame({"type": "chunk", "id": 1}, b"payload!")
        for cut in (1, 7, 8, 12, len(data) - 1):
            with self.subTest(cut=cut), self.assertRaisesRegex(ProtocolError, "truncated frame"):
                self.read_all(data[:cut])

    def test_largest_lengths_are_accepted(self):
        header = b'{"type":"x","pad":"' + b"a" * (MAX_HEADER_BYTES - 21) + b'"}'
        self.assertEqual(len(header), MAX_HEADER_BYTES)
        payload = b"\x01" * MAX_PAYLOAD_BYTES
        (f,) = self.read_all(raw_frame(header, payload))
        self.assertEqual(len(f.payload), MAX_PAYLOAD_BYTES)

    def test_oversized_lengths_fail_before_allocating(self):
        cases = {
            "header length 65537": (MAX_HEADER_BYTES + 1, 0),
            "header length 4294967295": (0xFFFFFFFF, 0),
            "header length 0": (0, 0),
            "header length 1": (1, 0),
            "payload length 16777217": (10, MAX_PAYLOAD_BYTES + 1),
            "payload length 4294967295": (10, 0xFFFFFFFF),
        }
        for name, (h, p) in cases.items():
            with self.subTest(name):
                src = Source(struct.pack(">II", h, p) + b'{"type":"x"}')
                reader = FrameReader(src.recv_into)
                tracemalloc.start()
                try:
                    with self.assertRaises(ProtocolError) as cm:
                        reader.read_frame()
                    peak = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
                self.assertIn(str(h if "header" in name else p), str(cm.exception))
                self.assertLess(peak, 64 * 1024, "the announced size must not be allocated")
                self.assertEqual(src.pos, 8, "nothing past the length prefix may be read")

    def test_bad_headers_are_protocol_errors_naming_what_was_seen(self):
        cases = {
            b"{not json}": "not JSON",
            b'["type","x"]': "not a JSON object",
            b'"hello"': "not a JSON object",
            b'{"id":1}': "no 'type'",
            b'{"type":5}': "'type' is not a string",
            b'{"type":"\xff"}': "not UTF-8",
        }
        for header, message in cases.items():
            with self.subTest(header=header), self.assertRaisesRegex(ProtocolError, message):
                self.read_all(raw_frame(header))
        with self.assertRaisesRegex(ProtocolError, r'\{"id":1\}'):
            decode_header(b'{"id":1}')

    def test_unknown_fields_are_kept(self):
        (f,) = self.read_all(raw_frame(json.dumps({"type": "whatever", "future": [1, 2]}).encode()))
        self.assertEqual(f.header["future"], [1, 2])

    def test_encode_refuses_what_a_reader_would_refuse(self):
        with self.assertRaises(ValueError):
            encode_frame({"id": 1})
        with self.assertRaises(ValueError):
            encode_frame({"type": "x", "pad": "a" * MAX_HEADER_BYTES})
        with self.assertRaises(ValueError):
            encode_frame({"type": "x"}, b"\0" * (MAX_PAYLOAD_BYTES + 1))
        with self.assertRaises(ValueError):
            encode_frame({"type": "x", "v": float("nan")})


if __name__ == "__main__":
    unittest.main()
