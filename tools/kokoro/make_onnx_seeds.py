#!/usr/bin/env python3
"""Writes the seed corpus of the ONNX reader's fuzz target (tests/fuzz/corpus/onnx/) with the `onnx` package,
so that the seeds are what the reference serializer writes (tests/unit/tts/kokoro_onnx_test.cpp reads one of
them back field by field). Tiny graphs in the shapes the Kokoro file has: dynamic int8 MatMulInteger,
DynamicQuantizeLSTM, ConvInteger with folded bias, constants, a sub-graph attribute; and a tiny .npz.

    ~/.cache/stream-tts/venv-kokoro-tools/bin/python tools/kokoro/make_onnx_seeds.py tests/fuzz/corpus/onnx
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(model: onnx.ModelProto, path: str) -> None:
    model.ir_version = 9
    model.producer_name = "make_onnx_seeds"
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def quantized_matmul() -> onnx.ModelProto:
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["x"], ["x_q", "x_s", "x_zp"], name="/enc/fc/x_quant"),
        helper.make_node("MatMulInteger", ["x_q", "enc.fc.weight_quantized", "x_zp", "enc.fc.weight_zero_point"],
                         ["y32"], name="/enc/fc/MatMul_quant"),
        helper.make_node("Cast", ["y32"], ["yf"], to=TensorProto.FLOAT, name="/enc/fc/cast"),
        helper.make_node("SkipLayerNormalization", ["yf", "skip", "gamma", "beta"], ["out"], domain="com.microsoft",
                         epsilon=1e-5, name="SkipLayerNormalization"),
    ]
    inits = [
        numpy_helper.from_array(np.arange(-6, 6, dtype=np.int8).reshape(4, 3), "enc.fc.weight_quantized"),
        numpy_helper.from_array(np.array([0.5, 0.25, 0.125], np.float32), "enc.fc.weight_scale"),
        numpy_helper.from_array(np.zeros(3, np.int8), "enc.fc.weight_zero_point"),
        helper.make_tensor("shape", TensorProto.INT64, [3], [1, -1, 3]),  # int64_data, not raw
        helper.make_tensor("gamma", TensorProto.FLOAT, [3], [1.0, 1.0, 1.0]),  # float_data
        helper.make_tensor("beta", TensorProto.FLOAT, [3], [0.0, 0.0, 0.0]),
    ]
    graph = helper.make_graph(nodes, "quantized_matmul", [
        helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "T", 4]),
        helper.make_tensor_value_info("skip", TensorProto.FLOAT, [1, "T", 3]),
    ], [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)], inits)
    graph.input.pop()  # "skip" stays a value without a value info: graphs may do that
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20), helper.make_opsetid("com.microsoft", 1)])


def lstm_and_conv() -> onnx.ModelProto:
    hidden = 2
    nodes = [
        helper.make_node("DynamicQuantizeLSTM",
                         ["x", "W_q", "R_q", "B", "", "", "", "", "W_s", "W_zp", "R_s", "W_zp"], ["y"],
                         domain="com.microsoft", direction="bidirectional", hidden_size=hidden,
                         name="/encoder/shared/LSTM_quant"),
        helper.make_node("ConvInteger", ["y_q", "conv_w", "y_zp", "conv_zp"], ["c32"], kernel_shape=[3],
                         pads=[1, 1], dilations=[1], strides=[1], group=1, name="/decoder/conv/Conv_quant"),
    ]
    inits = [
        numpy_helper.from_array(np.ones((2, 3, 4 * hidden), np.int8), "W_q"),
        numpy_helper.from_array(np.ones((2, hidden, 4 * hidden), np.int8), "R_q"),
        numpy_helper.from_array(np.zeros((2, 8 * hidden), np.float32), "B"),
        numpy_helper.from_array(np.array([0.01, 0.02], np.float32), "W_s"),
        numpy_helper.from_array(np.zeros(2, np.int8), "W_zp"),
        numpy_helper.from_array(np.array([0.03, 0.04], np.float32), "R_s"),
        numpy_helper.from_array(np.full((2, 4, 3), 128, np.uint8), "conv_w"),
        numpy_helper.from_array(np.array(128, np.uint8), "conv_zp"),
    ]
    graph = helper.make_graph(nodes, "lstm_and_conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", 1, 3])],
                              [helper.make_tensor_value_info("c32", TensorProto.INT32, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20), helper.make_opsetid("com.microsoft", 1)])


def constants_and_subgraph() -> onnx.ModelProto:
    then_graph = helper.make_graph([helper.make_node("Constant", [], ["t"], value_float=1.0)], "then", [],
                                   [helper.make_tensor_value_info("t", TensorProto.FLOAT, [])])
    else_graph = helper.make_graph([helper.make_node("Constant", [], ["e"], value_ints=[1, 2, 3])], "else", [],
                                   [helper.make_tensor_value_info("e", TensorProto.INT64, [3])])
    nodes = [
        helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(np.array([1.5, 2.5], np.float32))),
        helper.make_node("If", ["cond"], ["r"], then_branch=then_graph, else_branch=else_graph),
        helper.make_node("Resize", ["c", "", "scales"], ["z"], mode="linear", name="resize"),
    ]
    inits = [helper.make_tensor("scales", TensorProto.FLOAT, [1], [2.0]),
             helper.make_tensor("flags", TensorProto.BOOL, [2], [True, False]),
             helper.make_tensor("halves", TensorProto.FLOAT16, [1], np.array([0.5], np.float16).view(np.uint16))]
    graph = helper.make_graph(nodes, "constants", [helper.make_tensor_value_info("cond", TensorProto.BOOL, [])],
                              [helper.make_tensor_value_info("r", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])


def main() -> None:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    save(quantized_matmul(), os.path.join(out, "seed_quantized_matmul.onnx"))
    save(lstm_and_conv(), os.path.join(out, "seed_lstm_conv.onnx"))
    save(constants_and_subgraph(), os.path.join(out, "seed_constants_subgraph.onnx"))
    # The target feeds the same bytes to the voices' .npz reader: np.savez's own layout (zip64 headers).
    np.savez(os.path.join(out, "seed_voices.npz"), jf_a=np.arange(8, dtype=np.float32).reshape(2, 1, 4),
             jm_b=np.zeros((2, 4), np.float32))


if __name__ == "__main__":
    main()
