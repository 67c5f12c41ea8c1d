#!/usr/bin/env python3
"""Turns bench/embeddings/run's runs.jsonl into a markdown table (medians, min..max) and the
goals of issue 3. Stdlib only."""

import json
import statistics
import sys

LABELS = {"swift": "VoiceShop Swift (Embeddings)", "numpy": "numpy reference (float32)", "onnxruntime": "onnxruntime CPU"}
COLUMNS = [
    ("query_p50_ms", "query p50 ms", 2), ("query_p99_ms", "query p99 ms", 2),
    ("titles_per_s_loop_1thread", "titles/s one by one", 0), ("titles_per_s_batch_1thread", "titles/s batch, 1 thread", 0),
    ("titles_per_s_batch_2threads", "titles/s batch, 2 threads", 0), ("rss_loaded_mb", "RSS loaded MB", 0),
    ("peak_rss_mb", "peak RSS MB", 0),
]


def main():
    runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    ids = [i for i in ("swift", "numpy", "onnxruntime") if any(r["id"] == i for r in runs)]
    median = {}
    print("| engine | " + " | ".join(c[1] for c in COLUMNS) + " | runs |")
    print("|---|" + "--:|" * len(COLUMNS) + "--:|")
    for i in ids:
        rows = [r for r in runs if r["id"] == i]
        cells = []
        for key, _, digits in COLUMNS:
            values = [r[key] for r in rows if key in r]
            if not values:
                cells.append("-")
                continue
            median[i, key] = statistics.median(values)
            cells.append(f"{median[i, key]:.{digits}f} ({min(values):.{digits}f}..{max(values):.{digits}f})")
        label = LABELS[i] + (f" {rows[0]['engine'].split(' ', 1)[1]}" if i == "onnxruntime" and " " in rows[0].get("engine", "") else "")
        print(f"| {label} | " + " | ".join(cells) + f" | {len(rows)} |")
    if "swift" not in ids:
        return

    def get(i, key):
        return median.get((i, key))

    def best_batch(i):
        values = [v for v in (get(i, "titles_per_s_batch_1thread"), get(i, "titles_per_s_batch_2threads")) if v]
        return max(values) if values else None

    print()
    print("| goal (medians of this run) | figure | |")
    print("|---|---|---|")
    p50 = get("swift", "query_p50_ms")
    print(f"| short query < 5 ms on one core | p50 {p50:.2f} ms, p99 {get('swift', 'query_p99_ms'):.2f} ms | {'PASS' if p50 < 5 else 'MISS'} |")
    for other, limit, name in (("numpy", 1.0, "batch ≥ numpy"), ("onnxruntime", 1 / 1.5, "batch within 1.5× of onnxruntime")):
        ours, theirs = best_batch("swift"), best_batch(other)
        if ours is None or theirs is None:
            print(f"| {name} | - (needs {other}) | |")
            continue
        ratio = ours / theirs
        print(f"| {name} (best of 1/2 threads each) | {ours:.0f} vs {theirs:.0f} titles/s = {ratio:.2f}× | {'PASS' if ratio >= limit else 'MISS'} |")
    for other in ("numpy", "onnxruntime"):
        if get(other, "query_p50_ms"):
            print(f"| query p50 vs {other} | {p50:.2f} vs {get(other, 'query_p50_ms'):.2f} ms = {p50 / get(other, 'query_p50_ms'):.2f}× | |")
    rss = get("swift", "peak_rss_mb")
    print(f"| memory < 150 MB with the model loaded | {get('swift', 'rss_loaded_mb'):.0f} MB loaded, {rss:.0f} MB peak | {'PASS' if rss < 150 else 'MISS'} |")


if __name__ == "__main__":
    main()
