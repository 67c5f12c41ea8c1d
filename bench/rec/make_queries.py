"""Writes 1,000 realistic search queries with filters over the Mercari catalog (seeded),
one JSON object per line: {"text", "brand"?, "price_max"?, "kind"}. The mix follows the
PostgreSQL full-text-search anchor (../shared/research/pg-fts-anchor.md): category words,
brand + category, colour + category, colour + brand + category under a price, a brand as a
filter (with and without a price), title n-grams, category under a price, and random
brand x category pairs that mostly match nothing.

Usage: python3 make_queries.py mercari.tsv > queries.jsonl   (stdlib only)
"""

from __future__ import annotations

import collections
import json
import random
import re
import sys

COLOURS = ["black", "white", "red", "blue", "pink", "green", "grey", "gray", "purple", "brown", "gold", "silver", "navy", "yellow"]


def main(path: str, count: int = 1000, seed: int = 7) -> None:
    rng = random.Random(seed)
    brands = collections.Counter()
    leaves, titles = [], []
    with open(path, encoding="utf-8") as handle:
        header = next(handle).rstrip("\n").split("\t")
        for line in handle:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            if row.get("brand_name"):
                brands[row["brand_name"]] += 1
            category = row.get("category_name", "")
            if category:
                parts = category.split("/")
                for part in parts[1:]:
                    for word in re.split(r"[&,]", part):
                        word = word.strip().lower()
                        if word and len(word) < 25:
                            leaves.append(word)
            titles.append(row.get("name", ""))
    top_brands = [b for b, _ in brands.most_common(300)]
    leaves = sorted(set(leaves))
    queries = []

    def add(text, kind, brand=None, price=None):
        entry = {"text": text, "kind": kind}
        if brand:
            entry["brand"] = brand
        if price:
            entry["price_max"] = price
        queries.append(entry)

    plan = [("category", 152), ("brand_category", 194), ("colour_category", 101), ("colour_brand_category_price", 105),
            ("brand_filter", 108), ("brand_filter_price", 58), ("ngram", 136), ("category_price", 47), ("random_pair", 99)]
    for kind, n in plan:
        for _ in range(n):
            leaf = rng.choice(leaves)
            brand = rng.choice(top_brands)
            colour = rng.choice(COLOURS)
            price = rng.choice([10, 15, 20, 25, 30, 50, 100])
            if kind == "category":
                add(leaf, kind)
            elif kind == "brand_category":
                add(f"{brand.lower()} {leaf}", kind)
            elif kind == "colour_category":
                add(f"{colour} {leaf}", kind)
            elif kind == "colour_brand_category_price":
                add(f"{colour} {brand.lower()} {leaf}", kind, price=price)
            elif kind == "brand_filter":
                add(f"{colour} {leaf}", kind, brand=brand)
            elif kind == "brand_filter_price":
                add(leaf, kind, brand=brand, price=price)
            elif kind == "ngram":
                words = re.findall(r"[a-z0-9']+", rng.choice(titles).lower())
                if len(words) >= 2:
                    start = rng.randrange(len(words) - 1)
                    add(" ".join(words[start:start + 2]), kind)
                else:
                    add(leaf, kind)
            elif kind == "category_price":
                add(leaf, kind, price=price)
            else:
                add(f"{rng.choice(top_brands).lower()} {rng.choice(leaves)}", kind)
    rng.shuffle(queries)
    for entry in queries[:count]:
        print(json.dumps(entry))


if __name__ == "__main__":
    main(sys.argv[1])
