"""The vector-search anchor, on the very vectors rec-bench wrote (OUT/items.f32,
OUT/queries.f32, OUT/truth.txt = our exact top-10): faiss-cpu's IndexHNSWFlat with inner
product and the same graph parameters as ours (M 16, efConstruction 120), one thread, one
query at a time, at a sweep of efSearch. Prints one JSON line.

Usage: python faiss_anchor.py OUT_DIR DIMENSIONS
"""

from __future__ import annotations

import json
import sys
import time

import faiss
import numpy as np


def main(directory: str, dimensions: int) -> None:
    faiss.omp_set_num_threads(1)
    items = np.fromfile(f"{directory}/items.f32", dtype=np.float32).reshape(-1, dimensions)
    queries = np.fromfile(f"{directory}/queries.f32", dtype=np.float32).reshape(-1, dimensions)
    ids = np.array([int(line) for line in open(f"{directory}/item_ids.txt") if line.strip()], dtype=np.int64)
    truth = [set(int(x) for x in line.split()) for line in open(f"{directory}/truth.txt") if line.strip()]
    start = time.perf_counter()
    index = faiss.IndexHNSWFlat(dimensions, 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 120
    index.add(items)
    build = time.perf_counter() - start
    sweep = []
    for ef in [16, 32, 64, 128, 256, 384, 512, 768]:
        index.hnsw.efSearch = ef
        runs = []
        hits = 0
        for _ in range(3):
            hits = 0
            start = time.perf_counter()
            for q, expected in zip(queries, truth):
                _, found = index.search(q.reshape(1, -1), 10)
                hits += sum(1 for row in found[0] if row >= 0 and int(ids[row]) in expected)
            runs.append(len(queries) / (time.perf_counter() - start))
        sweep.append({"ef": ef, "recall10": hits / (len(queries) * 10), "qps": round(sorted(runs)[1])})
    print(json.dumps({"engine": f"faiss-cpu {faiss.__version__} IndexHNSWFlat", "items": len(items), "build_seconds": round(build, 3),
                      "m": 16, "ef_construction": 120, "sweep": sweep}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
