#!/usr/bin/env python3
"""Converts all-MiniLM-L6-v2 (model.safetensors, float32) into VoiceShop's model.bin.

Run by scripts/fetch-models; needs numpy. The Swift loader (Sources/Embeddings/ModelFile.swift)
reads this format and rejects any other version, so change both together and bump
FORMAT_VERSION here, in scripts/fetch-models and in ModelFile.swift.

model.bin, version 1, all integers and floats little-endian:
  offset   0  magic "VSMINILM" (8 bytes)
           8  u32 format version (1)
          12  u32 tensor count
          16  u32 vocab size, hidden size, layers, heads, intermediate size, max positions
          40  f32 layer-norm epsilon
          44  u32 reserved (0)
          48  32 bytes: sha256 of the source model.safetensors
          80  reserved zeros up to 128
         128  tensor table, 64 bytes an entry: name (40 bytes, ASCII, NUL-padded),
              u64 byte offset from the start of the file, u32 rows, u32 columns, 8 reserved bytes
  then the tensors, float32 row-major, each starting on a 64-byte boundary.

Tensors: "word_embeddings" [vocab, hidden], "position_embeddings" [max positions, hidden],
"token_type_embeddings" [2, hidden], "embeddings.ln.weight"/".bias" [1, hidden], and for each
layer i, "layer.i." + "qkv.weight" [hidden, 3*hidden] (query, key, value side by side),
"qkv.bias" [1, 3*hidden], "attention_output.weight" [hidden, hidden], "attention_output.bias",
"attention_ln.weight"/".bias", "ffn_in.weight" [hidden, intermediate], "ffn_in.bias",
"ffn_out.weight" [intermediate, hidden], "ffn_out.bias", "ffn_ln.weight"/".bias".
Linear weights are stored transposed ([in, out]) so that y = x·W + b is one row-major
cblas_sgemm with no transpose flag, and the three attention projections are one GEMM.
"""

import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np

FORMAT_VERSION = 1
MAGIC = b"VSMINILM"
HEADER_BYTES = 128
ENTRY_BYTES = 64
NAME_BYTES = 40
ALIGN = 64


def read_safetensors(path):
    """Returns {name: float32 ndarray} for every F32 tensor (a read-only memory map)."""
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_len)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = data[begin:end].view("<f4").reshape(info["shape"])
    return tensors


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", required=True, help="folder with model.safetensors and config.json")
    parser.add_argument("--output", required=True, help="model.bin to write")
    args = parser.parse_args()

    config = json.load(open(os.path.join(args.source, "config.json")))
    hidden = config["hidden_size"]
    layers = config["num_hidden_layers"]
    heads = config["num_attention_heads"]
    intermediate = config["intermediate_size"]
    vocab = config["vocab_size"]
    positions = config["max_position_embeddings"]
    eps = config["layer_norm_eps"]
    if config.get("hidden_act") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
        sys.exit("convert_minilm: unexpected config (want gelu and absolute positions)")

    source = os.path.join(args.source, "model.safetensors")
    t = read_safetensors(source)

    def linear(prefix):  # [out, in] -> [in, out]
        return np.ascontiguousarray(t[prefix + ".weight"].T), t[prefix + ".bias"].reshape(1, -1)

    out = [
        ("word_embeddings", t["embeddings.word_embeddings.weight"]),
        ("position_embeddings", t["embeddings.position_embeddings.weight"]),
        ("token_type_embeddings", t["embeddings.token_type_embeddings.weight"]),
        ("embeddings.ln.weight", t["embeddings.LayerNorm.weight"].reshape(1, -1)),
        ("embeddings.ln.bias", t["embeddings.LayerNorm.bias"].reshape(1, -1)),
    ]
    for i in range(layers):
        p = f"encoder.layer.{i}."
        q, qb = linear(p + "attention.self.query")
        k, kb = linear(p + "attention.self.key")
        v, vb = linear(p + "attention.self.value")
        ao, aob = linear(p + "attention.output.dense")
        fi, fib = linear(p + "intermediate.dense")
        fo, fob = linear(p + "output.dense")
        out += [
            (f"layer.{i}.qkv.weight", np.concatenate([q, k, v], axis=1)),
            (f"layer.{i}.qkv.bias", np.concatenate([qb, kb, vb], axis=1)),
            (f"layer.{i}.attention_output.weight", ao),
            (f"layer.{i}.attention_output.bias", aob),
            (f"layer.{i}.attention_ln.weight", t[p + "attention.output.LayerNorm.weight"].reshape(1, -1)),
            (f"layer.{i}.attention_ln.bias", t[p + "attention.output.LayerNorm.bias"].reshape(1, -1)),
            (f"layer.{i}.ffn_in.weight", fi),
            (f"layer.{i}.ffn_in.bias", fib),
            (f"layer.{i}.ffn_out.weight", fo),
            (f"layer.{i}.ffn_out.bias", fob),
            (f"layer.{i}.ffn_ln.weight", t[p + "output.LayerNorm.weight"].reshape(1, -1)),
            (f"layer.{i}.ffn_ln.bias", t[p + "output.LayerNorm.bias"].reshape(1, -1)),
        ]

    def aligned(n):
        return (n + ALIGN - 1) // ALIGN * ALIGN

    offset = aligned(HEADER_BYTES + ENTRY_BYTES * len(out))
    table = bytearray()
    placements = []
    for name, array in out:
        if array.ndim != 2 or array.dtype != np.float32:
            sys.exit(f"convert_minilm: {name} is {array.dtype} {array.shape}, want 2-D float32")
        encoded = name.encode("ascii")
        if len(encoded) >= NAME_BYTES:
            sys.exit(f"convert_minilm: tensor name too long: {name}")
        rows, cols = array.shape
        table += encoded.ljust(NAME_BYTES, b"\0") + struct.pack("<QIIII", offset, rows, cols, 0, 0)
        assert len(table) % ENTRY_BYTES == 0
        placements.append((offset, array))
        offset = aligned(offset + array.nbytes)

    header = MAGIC + struct.pack("<II", FORMAT_VERSION, len(out))
    header += struct.pack("<6I", vocab, hidden, layers, heads, intermediate, positions)
    header += struct.pack("<fI", eps, 0) + sha256_of(source)
    header = header.ljust(HEADER_BYTES, b"\0")

    temporary = args.output + ".tmp"
    with open(temporary, "wb") as f:
        f.write(header)
        f.write(table)
        for place, array in placements:
            f.write(b"\0" * (place - f.tell()))
            f.write(np.ascontiguousarray(array, dtype="<f4").tobytes())
        f.write(b"\0" * (offset - f.tell()))
    os.replace(temporary, args.output)
    print(f"convert_minilm: wrote {args.output} ({offset / 1e6:.1f} MB, {len(out)} tensors, format {FORMAT_VERSION})")


if __name__ == "__main__":
    main()
