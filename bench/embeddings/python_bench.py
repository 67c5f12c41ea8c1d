#!/usr/bin/env python3
"""The Python side of bench/embeddings/run: the same measurements as `voiceshop-embed bench`
for the numpy reference (scripts/embeddings_reference.py in float32, padded batches) or
onnxruntime on CPU (the graph of export_onnx.py, HF tokenizers). Prints one JSON object.

Usage: python_bench.py numpy|onnxruntime MODEL_DIR QUERIES TITLES [--onnx FILE] [--seconds S]
Run with OPENBLAS_NUM_THREADS=1 (numpy) so that single queries use one thread, as ours do.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import embeddings_reference as reference  # noqa: E402

BATCH = 32  # texts per padded batch, sorted by length first so padding stays small


def status_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def lines(path):
    return [line.rstrip("\n") for line in open(path, encoding="utf-8") if line.strip()]


class NumpyEncoder:
    def __init__(self, model_dir):
        self.model = reference.Model(model_dir, dtype=np.float32, exact_erf=False)

    def tokens(self, text):
        return self.model.tokenizer.encode(text)

    def encode_ids(self, batch_ids, threads):
        return self.model.forward(batch_ids)


class OnnxEncoder:
    def __init__(self, model_dir, onnx_path):
        import onnxruntime
        import tokenizers

        self.tokenizer = tokenizers.Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(reference.MAX_TOKENS)
        self.sessions = {}
        for threads in (1, 2):
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            self.sessions[threads] = onnxruntime.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        self.version = onnxruntime.__version__

    def tokens(self, text):
        return self.tokenizer.encode(text).ids

    def encode_ids(self, batch_ids, threads):
        n = max(len(ids) for ids in batch_ids)
        ids = np.zeros((len(batch_ids), n), np.int64)
        mask = np.zeros((len(batch_ids), n), np.float32)
        for i, row in enumerate(batch_ids):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        return self.sessions[threads].run(None, {"input_ids": ids, "attention_mask": mask})[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("engine", choices=["numpy", "onnxruntime"])
    parser.add_argument("model_dir")
    parser.add_argument("queries")
    parser.add_argument("titles")
    parser.add_argument("--onnx")
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    encoder = NumpyEncoder(args.model_dir) if args.engine == "numpy" else OnnxEncoder(args.model_dir, args.onnx)
    load = time.perf_counter() - start
    rss_loaded = status_mb("VmRSS")
    queries, titles = lines(args.queries), lines(args.titles)

    # Check against the reference before timing anything.
    check = reference.Model(args.model_dir).encode(["red summer dress"])[0] if args.engine == "onnxruntime" else None
    if check is not None:
        got = encoder.encode_ids([encoder.tokens("red summer dress")], 1)[0]
        if float(np.dot(got, check)) < 0.9999:
            sys.exit(f"python_bench: onnxruntime disagrees with the reference (cosine {float(np.dot(got, check))})")

    def encode_one(text):
        return encoder.encode_ids([encoder.tokens(text)], 1)[0]

    for q in queries:
        encode_one(q)
    latencies = []
    end = time.perf_counter() + args.seconds
    i = 0
    while time.perf_counter() < end:
        t = time.perf_counter()
        encode_one(queries[i % len(queries)])
        latencies.append(time.perf_counter() - t)
        i += 1
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, max(0, int(np.ceil(len(latencies) * p)) - 1))] * 1000

    def batch_throughput(threads):
        t = time.perf_counter()
        ids = [encoder.tokens(x) for x in titles]
        order = sorted(range(len(ids)), key=lambda j: len(ids[j]))
        out = [None] * len(ids)
        for s in range(0, len(order), BATCH):
            chunk = order[s:s + BATCH]
            for j, vector in zip(chunk, encoder.encode_ids([ids[j] for j in chunk], threads)):
                out[j] = vector
        return len(titles) / (time.perf_counter() - t)

    some = titles[:200]
    t = time.perf_counter()
    for x in some:
        encode_one(x)
    loop = len(some) / (time.perf_counter() - t)
    result = {
        "engine": args.engine + ("" if args.engine == "numpy" else " " + encoder.version),
        "load_seconds": round(load, 4),
        "query_count": len(latencies),
        "query_p50_ms": round(pct(0.50), 4),
        "query_p99_ms": round(pct(0.99), 4),
        "query_mean_ms": round(sum(latencies) / len(latencies) * 1000, 4),
        "titles": len(titles),
        "titles_per_s_loop_1thread": round(loop, 2),
        "titles_per_s_batch_1thread": round(batch_throughput(1), 2),
    }
    if args.engine == "onnxruntime":
        result["titles_per_s_batch_2threads"] = round(batch_throughput(2), 2)
    result.update({"rss_loaded_mb": round(rss_loaded, 1), "rss_mb": round(status_mb("VmRSS"), 1),
                   "peak_rss_mb": round(status_mb("VmHWM"), 1)})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
