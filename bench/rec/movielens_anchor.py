"""The MovieLens-100K anchor, run beside rec-bench in the same bench run: implicit's ALS
(PyPI implicit 0.7.3, CPU) on the temporal split of ../shared/research/movielens-anchor.md,
with the configuration that protocol's validation grid chose (factors 64, regularization
0.01, 30 iterations, alpha 1: CSR values equal alpha). Prints one JSON line per variant.

Also runs implicit with any further regularization given (bench/rec/run passes the value our
own validation grid chose), so the comparison is like for like.

Usage: python movielens_anchor.py ml-100k.inter [REGULARIZATION...]
"""

from __future__ import annotations

import json
import math
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import scipy.sparse as sp
from implicit.als import AlternatingLeastSquares


def read(path: str, minimum: float):
    rows = []
    with open(path) as handle:
        next(handle)
        for order, line in enumerate(handle):
            user, item, rating, stamp = line.split("\t")
            if float(rating) >= minimum:
                rows.append((int(user), int(item), float(stamp), order))
    users = sorted({r[0] for r in rows})
    items = sorted({r[1] for r in rows})
    uindex = {u: i for i, u in enumerate(users)}
    iindex = {v: i for i, v in enumerate(items)}
    return len(users), len(items), [(uindex[u], iindex[i], t, o) for u, i, t, o in rows]


def split(users: int, rows):
    per = [[] for _ in range(users)]
    for user, item, stamp, order in rows:
        per[user].append((stamp, order, item))
    train, held = [], []
    for entries in per:
        entries.sort()
        n_test = max(1, len(entries) // 5)
        train.append([e[2] for e in entries[: len(entries) - n_test]])
        held.append([e[2] for e in entries[len(entries) - n_test :]])
    return train, held


def evaluate(train, held, items: int, score, k: int = 20):
    recall = ndcg = 0.0
    for user, heldout in enumerate(held):
        seen = set(train[user])
        scores = score(user)
        candidates = [i for i in range(items) if i not in seen]
        top = sorted(candidates, key=lambda i: (-scores[i], i))[:k]
        target = set(heldout)
        hits = [rank for rank, item in enumerate(top) if item in target]
        ideal = sum(1 / math.log2(r + 2) for r in range(min(k, len(target))))
        recall += len(hits) / min(k, len(target))
        ndcg += sum(1 / math.log2(r + 2) for r in hits) / ideal
    return recall / len(held), ndcg / len(held)


def main(path: str, regularizations: list[float]) -> None:
    for (name, minimum), regularization in [(v, r) for v in (("all", 0.0), ("r>=4", 4.0)) for r in regularizations]:
        users, items, rows = read(path, minimum)
        train, held = split(users, rows)
        user_idx = [u for u, its in enumerate(train) for _ in its]
        item_idx = [i for its in train for i in its]
        alpha = 1.0
        matrix = sp.csr_matrix((np.full(len(item_idx), alpha, dtype=np.float32), (user_idx, item_idx)), shape=(users, items))
        seconds = []
        for _ in range(3):
            model = AlternatingLeastSquares(factors=64, regularization=regularization, iterations=30, random_state=0)
            start = time.perf_counter()
            model.fit(matrix, show_progress=False)
            seconds.append(time.perf_counter() - start)
        uf, itf = np.asarray(model.user_factors), np.asarray(model.item_factors)
        recall, ndcg = evaluate(train, held, items, lambda u: uf[u] @ itf.T)
        print(json.dumps({"variant": name, "model": f"implicit ALS f=64 reg={regularization:g} it=30 alpha=1",
                          "recall20": round(recall, 4), "ndcg20": round(ndcg, 4),
                          "train_seconds_median": round(sorted(seconds)[1], 4)}))


if __name__ == "__main__":
    # 0.01: the protocol's validation choice for implicit; further values (e.g. ours) also run.
    main(sys.argv[1], [0.01] + [float(r) for r in sys.argv[2:]])
