#!/usr/bin/env python3
"""The same inventory as `st_kokoro_weights --inventory MODEL.onnx`, made with the `onnx` package, so that
the project's own ONNX reader (src/nn/onnx) can be checked against the reference one:

    python3 -m venv ~/.cache/stream-tts/venv-kokoro-tools && ~/.cache/stream-tts/venv-kokoro-tools/bin/pip install onnx
    ~/.cache/stream-tts/venv-kokoro-tools/bin/python tools/kokoro/onnx_inventory.py MODEL.onnx > py.tsv
    build-kokoro/src/tts/kokoro/st_kokoro_weights --inventory MODEL.onnx > cpp.tsv
    diff py.tsv cpp.tsv && echo identical

One line per initializer (name, dtype, dims, FNV-1a 64 of its little-endian C-order bytes), per op type
(count; domain-qualified outside ai.onnx), per graph input and output, and the node / value_info counts.
"""
import collections
import sys

import onnx
from onnx import numpy_helper

DTYPE = {1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 9: "bool",
         10: "float16", 11: "float64", 12: "uint32", 13: "uint64"}


def fnv1a(data: bytes) -> int:
    h = 1469598103934665603
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def main() -> None:
    model = onnx.load(sys.argv[1])
    g = model.graph
    lines = []
    for t in g.initializer:
        data = numpy_helper.to_array(t).astype(numpy_helper.to_array(t).dtype.newbyteorder("<")).tobytes()
        dims = "[" + ", ".join(str(d) for d in t.dims) + "]"
        lines.append(f"init\t{t.name}\t{DTYPE.get(t.data_type, t.data_type)}\t{dims}\t{fnv1a(data):016x}")
    ops = collections.Counter((n.domain + ":" if n.domain else "") + n.op_type for n in g.node)
    lines += [f"op\t{op}\t{count}" for op, count in ops.items()]
    lines += [f"input\t{v.name}" for v in g.input] + [f"output\t{v.name}" for v in g.output]
    lines += [f"count\tnodes\t{len(g.node)}", f"count\tvalue_info\t{len(g.value_info)}"]
    for line in sorted(lines):
        print(line)


if __name__ == "__main__":
    main()
