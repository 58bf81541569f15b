#!/usr/bin/env python3
"""Runs the Kokoro ONNX model with onnxruntime and writes intermediate tensors of the graph, for the native
implementation's parity tests (tests/parity/kokoro_albert_parity_test.cpp).

    PYTHON tools/kokoro/ort_intermediates.py MODEL_DIR OUT_DIR 0,43,12,...,0 [NAME=VALUE_NAME ...]
    PYTHON tools/kokoro/ort_intermediates.py MODEL_DIR OUT_DIR @TOKEN_FILE [NAME=VALUE_NAME ...]

MODEL_DIR holds kokoro-v1.0.int8.onnx and voices_ja.npz (`stream-tts models path kokoro-ja`). The tokens are
the model's input ids, the padding 0s included. Each NAME=VALUE_NAME (default: `bert` = ALBERT's last hidden
state, `bert_encoder` = its 512-channel projection) is made a graph output and written as OUT_DIR/NAME.f32
(raw little-endian float32) with OUT_DIR/NAME.shape (dims, space-separated). With @TOKEN_FILE (one
comma-separated token list per line), the model is loaded once and sentence i's tensors go to OUT_DIR/i/.
Style: jf_alpha's row for the token count (padding excluded); speed 1.

Needs only numpy and onnxruntime (the kokoro-ja worker's venv, scripts/setup-workers.sh): the graph outputs are
added by editing the protobuf wire format directly (the value's ValueInfoProto from the graph's value_info is
appended to GraphProto.output), not with the onnx package.
"""
import os
import sys

import numpy as np
import onnxruntime as ort

DEFAULT_NAMES = {
    "bert": "/encoder/bert/encoder/albert_layer_groups.0/albert_layers.0/full_layer_layer_norm_11/LayerNormalization_output_0",
    "bert_encoder": "/encoder/bert_encoder/Add_output_0",
}


def read_varint(b: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = b[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i
        shift += 7


def varint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def fields(b: bytes):
    """(field number, wire type, raw field bytes including the key, payload) of a message's fields."""
    i = 0
    while i < len(b):
        start = i
        key, i = read_varint(b, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(b, i)
            payload = value
        elif wire == 1:
            payload, i = b[i:i + 8], i + 8
        elif wire == 2:
            n, i = read_varint(b, i)
            payload, i = b[i:i + n], i + n
        elif wire == 5:
            payload, i = b[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield number, wire, b[start:i], payload


def length_delimited(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def with_outputs(model: bytes, names: list[str]) -> bytes:
    """The model with exactly `names` as its graph outputs: the original outputs that are not asked for
    are dropped, so that onnxruntime prunes the nodes nothing asked for needs (a test of the predictor
    then skips the vocoder, 92 % of the time)."""
    out = bytearray()
    for number, _, raw, payload in fields(model):
        if number != 7:  # ModelProto.graph
            out += raw
            continue
        infos, kept = {}, bytearray()
        for g_number, _, g_raw, g_payload in fields(payload):
            if g_number in (12, 13):  # GraphProto.output, GraphProto.value_info
                name = next(p for n, _, _, p in fields(g_payload) if n == 1).decode()
                infos.setdefault(name, g_payload)
                if g_number == 12:
                    continue  # outputs are re-added below, in the order asked for
            kept += g_raw
        extra = bytearray()
        for name in names:
            # A value without a value_info still gets a name-and-float-type output.
            info = infos.get(name) or (length_delimited(1, name.encode()) +
                                       length_delimited(2, length_delimited(1, varint(1 << 3) + varint(1))))
            extra += length_delimited(12, info)  # GraphProto.output
        out += length_delimited(7, bytes(kept) + bytes(extra))
    return bytes(out)


def main() -> None:
    model_dir, out_dir = sys.argv[1], sys.argv[2]
    if sys.argv[3].startswith("@"):
        with open(sys.argv[3][1:]) as f:
            sentences = [[int(t) for t in line.split(",")] for line in f if line.strip()]
        out_dirs = [os.path.join(out_dir, str(i)) for i in range(len(sentences))]
    else:
        sentences, out_dirs = [[int(t) for t in sys.argv[3].split(",")]], [out_dir]
    names = dict(DEFAULT_NAMES)
    if len(sys.argv) > 4:
        names = dict(arg.split("=", 1) for arg in sys.argv[4:])
    with open(os.path.join(model_dir, "kokoro-v1.0.int8.onnx"), "rb") as f:
        model = with_outputs(f.read(), list(names.values()))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
    with np.load(os.path.join(model_dir, "voices_ja.npz")) as voices:
        table = np.asarray(voices["jf_alpha"], np.float32).reshape(-1, 256)
    for tokens, directory in zip(sentences, out_dirs):
        n = len(tokens) - 2
        style = table[min(max(n, 1), len(table)) - 1].reshape(1, 256)
        results = session.run(list(names.values()), {
            "tokens": np.array([tokens], np.int64), "style": style, "speed": np.array([1.0], np.float32)})
        os.makedirs(directory, exist_ok=True)
        for alias, value in zip(names, results):
            value = np.ascontiguousarray(value, np.float32)
            value.astype("<f4").tofile(os.path.join(directory, alias + ".f32"))
            with open(os.path.join(directory, alias + ".shape"), "w") as f:
                f.write(" ".join(str(d) for d in value.shape) + "\n")


if __name__ == "__main__":
    main()
