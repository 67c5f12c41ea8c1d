"""Prints bench/rec/run's figures side by side with their anchors, as ratios from the same run.

Usage: python summary.py OUT_DIR
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def best_qps(sweep: list[dict], target: float = 0.95) -> tuple[float, int, float] | None:
    good = [s for s in sweep if s["recall10"] >= target]
    if not good:
        return None
    top = max(good, key=lambda s: s["qps"])
    return top["qps"], top["ef"], top["recall10"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def handler_times(log: Path, queries: int) -> list[float]:
    """The Search handler's own durations from rec-svc's per-call log, after the cold pass."""
    if not log.exists():
        return []
    times = []
    for line in log.read_text(errors="replace").splitlines():
        if '"Search"' in line or "/Search" in line:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if row.get("msg") == "rpc" and row.get("method", "").endswith("/Search"):
                times.append(float(row["duration_ms"]))
    return times[queries:]


def main(out: Path) -> None:
    print("\n== rec-svc benchmarks (bench/rec/run) ==")
    ours = lines(out / "movielens-ours.jsonl")
    anchor = lines(out / "movielens-implicit.jsonl")
    if ours and anchor:
        print("\nMovieLens-100K, temporal split, test top-20 (ratios: ours / implicit)")
        print(f"{'variant':8} {'model':44} {'Recall@20':>9} {'NDCG@20':>8} {'train s':>8}")
        for row in ours:
            print(f"{row['variant']:8} {'VoiceShop ALS f=%d reg=%g a=%g' % (row['factors'], row['regularization'], row['alpha']):44} "
                  f"{row['recall20']:9.4f} {row['ndcg20']:8.4f} {row['train_seconds_median']:8.2f}")
            for other in (a for a in anchor if a["variant"] == row["variant"]):
                print(f"{'':8} {other['model']:44} {other['recall20']:9.4f} {other['ndcg20']:8.4f} {other['train_seconds_median']:8.2f}"
                      f"   ratio {row['recall20'] / other['recall20']:.3f} / {row['ndcg20'] / other['ndcg20']:.3f}")
    imported = out / "import.txt"
    if imported.exists():
        first = next((line for line in imported.read_text().splitlines() if line.startswith("imported")), "")
        match = re.search(r"(\d+) rows, (\d+) created.* (\d+) failed in ([\d.]+) s", first)
        if match:
            rows, created, failed, seconds = int(match[1]), int(match[2]), int(match[3]), float(match[4])
            print(f"\nImport (Mercari, embeddings excluded): {rows} rows ({created} created, {failed} rejected) in {seconds:.1f} s"
                  f" = {rows / seconds:,.0f} rows/s")
    for row in lines(out / "embed.jsonl"):
        if row.get("msg") == "products embedded":
            print(f"Embedding (all-MiniLM-L6-v2, 2 threads): {row['count']} products in {row['seconds']:.1f} s"
                  f" = {row['per_second']:.0f} products/s")
    for file, log, title in (
        ("search.jsonl", "rec-svc-search.log", "hybrid: words + text vectors"),
        ("search-lexical.jsonl", "rec-svc-search-lexical.log", "words only (--embeddings off), like for like"),
    ):
        search = lines(out / file)
        if not search:
            continue
        s = search[0]
        print(f"\nSearch, {title}: {s['queries']} queries with filters, one at a time (ms; ratio ours / PostgreSQL FTS)")
        for label, prefix in (("rec-svc Search RPC, warm", "ours"), ("rec-svc Search RPC, cold", "ours_cold"), ("PostgreSQL FTS (ts_rank_cd)", "pg")):
            if f"{prefix}_p50_ms" in s:
                print(f"  {label:30} p50 {s[f'{prefix}_p50_ms']:7.3f}  p95 {s[f'{prefix}_p95_ms']:7.3f}  p99 {s[f'{prefix}_p99_ms']:7.3f}")
        handler = handler_times(out / log, s["queries"])
        if handler:
            print(f"  {'  of which rec-svc handler':30} p50 {percentile(handler, 0.5):7.3f}  p95 {percentile(handler, 0.95):7.3f}"
                  f"  p99 {percentile(handler, 0.99):7.3f}  (its per-call log, warm passes)")
        if "floor_rpc_p50_ms" in s:
            print(f"  {'floor: a look-up by id':30} p50 {s['floor_rpc_p50_ms']:7.3f} (GetProduct RPC)  {s['floor_pg_p50_ms']:7.3f}"
                  " (SELECT by primary key): what a call costs before any searching")
        print(f"  ratio (warm) p50 {s['ours_p50_ms'] / s['pg_p50_ms']:.2f}  p99 {s['ours_p99_ms'] / s['pg_p99_ms']:.2f};"
              f" goal p99 < 10 ms: {'PASS' if s['ours_p99_ms'] < 10 else 'MISS'} (warm)"
              + (f", {'PASS' if s['ours_cold_p99_ms'] < 10 else 'MISS'} (cold)" if "ours_cold_p99_ms" in s else "")
              + f"; empty answers: ours {s['ours_empty']}, PostgreSQL {s['pg_empty']}")
    local = lines(out / "search-local.jsonl")
    if local:
        print("\nThe search in process (CatalogIndex.search, no RPC), by vector-side variant (ms; first-page"
              " agreement with the float variant)")
        width = max(len(row["variant"]) for row in local)
        for row in local:
            print(f"  {row['variant']:{width}} p50 {row['p50_ms']:7.3f}  p95 {row['p95_ms']:7.3f}  p99 {row['p99_ms']:7.3f}"
                  f"  agreement {row['page_agreement_with_first']:.3f}")
    ours_v = lines(out / "vectors-ours.jsonl")
    faiss_v = lines(out / "vectors-faiss.jsonl")
    if ours_v and faiss_v:
        a, b = ours_v[0], faiss_v[0]
        print(f"\nVector search, {a['items']} x {a['dimensions']} item vectors, {a['queries']} queries, k=10, one thread")
        for row in (a, b):
            print(f"  {row['engine']:36} build {row['build_seconds']:7.1f} s  " + "  ".join(
                f"ef{s['ef']}: {s['recall10']:.3f}@{s['qps']:.0f}/s" for s in row["sweep"]))
        ba, bb = best_qps(a["sweep"]), best_qps(b["sweep"])
        if ba and bb:
            print(f"  best queries/s at recall@10 >= 0.95: ours {ba[0]:.0f} (ef {ba[1]}, {ba[2]:.3f}),"
                  f" faiss {bb[0]:.0f} (ef {bb[1]}, {bb[2]:.3f}); ratio {ba[0] / bb[0]:.2f}; goal >= 1.0: {'PASS' if ba[0] >= bb[0] else 'MISS'}")
        print(f"  exact scan: {a['exact_qps']:.0f} queries/s")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
