#!/usr/bin/env python3
"""Builds an ONNX graph of all-MiniLM-L6-v2 (encoder + mean pooling + L2 norm) from the wheel's
model.safetensors, for the onnxruntime anchor of bench/embeddings/run. The wheel has no ONNX file
and torch is not available here, so the graph is written node by node with onnx.helper
(opset 17: LayerNormalization, Erf for the exact GELU, Softmax with a padding mask).

Inputs input_ids [batch, length] int64 and attention_mask [batch, length] float32; output
embeddings [batch, 384], unit length. Usage: export_onnx.py MODEL_DIR OUTPUT.onnx
"""

import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from embeddings_reference import read_safetensors  # noqa: E402


def main():
    model_dir, output = sys.argv[1], sys.argv[2]
    config = json.load(open(os.path.join(model_dir, "config.json")))
    hidden, heads, eps = config["hidden_size"], config["num_attention_heads"], config["layer_norm_eps"]
    t = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    inits, nodes = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x, prefix, out):
        w = const(prefix + ".wT", t[prefix + ".weight"].T.astype(np.float32))
        b = const(prefix + ".b", t[prefix + ".bias"].astype(np.float32))
        return node("Add", [node("MatMul", [x, w], out + ".mm"), b], out)

    def layer_norm(x, prefix, out):
        return node("LayerNormalization", [x, const(prefix + ".g", t[prefix + ".weight"]), const(prefix + ".b", t[prefix + ".bias"])],
                    out, axis=-1, epsilon=eps)

    hd = hidden // heads
    # embeddings
    length = node("Slice", [node("Shape", ["input_ids"], "shape"), const("one_1d", np.array([1], np.int64)),
                            const("two_1d", np.array([2], np.int64))], "length")  # [length], 1-D
    pos_rows = node("Slice", [const("pos", t["embeddings.position_embeddings.weight"]), const("zero_1d", np.array([0], np.int64)),
                              length, const("axis0_1d", np.array([0], np.int64))], "pos_rows")
    x = node("Gather", [const("word", t["embeddings.word_embeddings.weight"]), "input_ids"], "words")
    x = node("Add", [x, pos_rows], "emb1")
    x = node("Add", [x, const("type0", t["embeddings.token_type_embeddings.weight"][0])], "emb2")
    x = layer_norm(x, "embeddings.LayerNorm", "emb")
    # padding mask: 0 for tokens, -1e9 for padding, shaped [batch, 1, 1, length]
    inverted = node("Sub", [const("one_f", np.array(1, np.float32)), "attention_mask"], "inverted")
    bias = node("Unsqueeze", [node("Mul", [inverted, const("neg", np.array(-1e9, np.float32))], "mask_bias0"),
                              const("axes12", np.array([1, 2], np.int64))], "mask_bias")
    split_shape = const("split_shape", np.array([0, 0, heads, hd], np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, hidden], np.int64))
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        qkv = []
        for part in ("query", "key", "value"):
            y = linear(x, p + "attention.self." + part, f"l{i}.{part}")
            qkv.append(node("Reshape", [y, split_shape], f"l{i}.{part}.split"))
        q = node("Transpose", [qkv[0]], f"l{i}.q", perm=[0, 2, 1, 3])
        k = node("Transpose", [qkv[1]], f"l{i}.k", perm=[0, 2, 3, 1])
        v = node("Transpose", [qkv[2]], f"l{i}.v", perm=[0, 2, 1, 3])
        scores = node("Mul", [node("MatMul", [q, k], f"l{i}.qk"), const(f"l{i}.scale", np.array(1 / math.sqrt(hd), np.float32))], f"l{i}.scaled")
        probs = node("Softmax", [node("Add", [scores, bias], f"l{i}.masked")], f"l{i}.probs", axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v], f"l{i}.ctx0")], f"l{i}.ctx1", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_shape], f"l{i}.ctx")
        y = linear(ctx, p + "attention.output.dense", f"l{i}.attn_out")
        x = layer_norm(node("Add", [x, y], f"l{i}.res1"), p + "attention.output.LayerNorm", f"l{i}.ln1")
        h = linear(x, p + "intermediate.dense", f"l{i}.ffn_in")
        erf = node("Erf", [node("Mul", [h, const(f"l{i}.rsqrt2", np.array(1 / math.sqrt(2), np.float32))], f"l{i}.hs")], f"l{i}.erf")
        h = node("Mul", [node("Mul", [h, node("Add", [erf, const(f"l{i}.one", np.array(1, np.float32))], f"l{i}.erf1")], f"l{i}.g0"),
                         const(f"l{i}.half", np.array(0.5, np.float32))], f"l{i}.gelu")
        y = linear(h, p + "output.dense", f"l{i}.ffn_out")
        x = layer_norm(node("Add", [x, y], f"l{i}.res2"), p + "output.LayerNorm", f"l{i}.ln2")
    # mean over real tokens, then L2 normalisation
    mask3 = node("Unsqueeze", ["attention_mask", const("axis2", np.array([2], np.int64))], "mask3")
    summed = node("ReduceSum", [node("Mul", [x, mask3], "masked_x"), const("axis1", np.array([1], np.int64))], "summed", keepdims=0)
    count = node("ReduceSum", ["attention_mask", "axis1"], "count", keepdims=1)
    node("LpNormalization", [node("Div", [summed, count], "mean")], "embeddings", axis=-1, p=2)

    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, ["batch", "length"])],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", hidden])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="voiceshop-bench")
    onnx.checker.check_model(model)
    onnx.save(model, output)
    print(f"export_onnx: wrote {output} ({os.path.getsize(output) / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
