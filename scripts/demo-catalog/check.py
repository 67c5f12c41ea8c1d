#!/usr/bin/env python3
"""Validates VoiceShop's demo data set in services/rec-svc/demo/ (or --dir DIR).

    python3 scripts/demo-catalog/check.py [--dir DIR] [--skip-determinism]

Python 3 standard library only. Checks that every file parses and fits the JSONL contract
and the rec-svc schema (unique skus, required fields, attribute shape, ids below 10001),
that the files agree with each other (rating and review_count equal the reviews, order totals
equal their lines, every sku referenced exists), that the demo story is there (order 1042 of
demo-alice, red summer dresses under $50, Sony headphones with positive and negative reviews,
running shoes), that bad-rows.jsonl has its bad rows on the documented lines, and that
generate.py is deterministic (it regenerates into a temporary folder and compares bytes).
Exits 0 when everything holds, 1 with one line per problem otherwise.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_DIR = os.path.join(ROOT, "services", "rec-svc", "demo")
FILES = ["products.jsonl", "reviews.jsonl", "users.jsonl", "events.jsonl", "orders.jsonl",
         "bad-rows.jsonl"]
MAX_TOTAL_BYTES = 2 * 1024 * 1024

PRODUCT_FIELDS = ["sku", "title", "price", "description", "brand", "category", "currency",
                  "attributes", "stock", "rating", "review_count", "image_url"]
REVIEW_FIELDS = ["sku", "author", "rating", "title", "body", "helpful_votes", "created_at"]
EVENT_FIELDS = ["user_id", "type", "sku", "quantity", "occurred_at", "session_id", "idempotency_key"]
EVENT_TYPES = ["view", "click", "add_to_cart", "purchase", "return"]
ORDER_FIELDS = ["id", "user_id", "status", "currency", "items", "total", "shipping_address",
                "carrier", "tracking_number", "tracking_status", "tracking_location",
                "estimated_delivery_at", "shipped_at", "delivered_at", "created_at", "returns"]
ORDER_STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled", "return_requested", "returned"]
RETURN_STATUSES = ["requested", "approved", "completed", "rejected"]
TOP_CATEGORIES = ["Women", "Men", "Kids", "Shoes", "Electronics", "Beauty", "Toys", "Home"]
# bad-rows.jsonl: the 1-based line numbers the importer must report (README.md says why).
BAD_LINES = [2, 4, 5, 6, 7, 8, 9]
BAD_ROWS_TOTAL = 10

SKU_RE = re.compile(r"^VS-[A-Z]{2}-\d{6}$")
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
SYNTHETIC_USER_RE = re.compile(r"^demo-u\d{3}$")


class Report:
    def __init__(self):
        self.errors = []

    def err(self, where, msg):
        self.errors.append(f"{where}: {msg}")


def cents(x):
    return int((Decimal(str(x)) * 100).to_integral_value(ROUND_HALF_UP))


def two_decimals(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and Decimal(str(x)) == Decimal(str(x)).quantize(Decimal("0.01"))


def is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def is_time(x, years=None):
    if not isinstance(x, str) or not TIME_RE.match(x):
        return False
    try:
        t = datetime.strptime(x, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return years is None or t.year in years


def mean_rating(ratings):
    if not ratings:
        return 0.0
    return float((Decimal(sum(ratings)) / Decimal(len(ratings))).quantize(Decimal("0.01"), ROUND_HALF_UP))


def as_list(v):
    return v if isinstance(v, list) else [v]


def load_jsonl(path, rep, name):
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.endswith("\n"):
                    rep.err(f"{name}:{n}", "last line has no newline")
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    rep.err(f"{name}:{n}", f"invalid JSON ({e})")
                    continue
                if not isinstance(obj, dict):
                    rep.err(f"{name}:{n}", "not a JSON object")
                    continue
                rows.append((n, obj))
    except OSError as e:
        rep.err(name, f"cannot read: {e}")
    return rows


def contract_row_error(obj):
    """Why a JSONL import row is rejected by the public contract, or None when it is valid."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    sku = obj.get("sku")
    if not isinstance(sku, str) or not sku.strip():
        return "sku is required"
    title = obj.get("title")
    if not isinstance(title, str) or not title.strip():
        return "title is required and must not be empty"
    price = obj.get("price")
    if isinstance(price, bool) or not isinstance(price, (int, float)):
        return "price must be a number"
    if price < 0:
        return "price must not be negative"
    if "currency" in obj and (not isinstance(obj["currency"], str) or not CURRENCY_RE.match(obj["currency"])):
        return "currency must be a 3-letter upper-case ISO 4217 code"
    if "attributes" in obj:
        attrs = obj["attributes"]
        if not isinstance(attrs, dict):
            return "attributes must be an object"
        for k, v in attrs.items():
            vals = as_list(v)
            if k != k.lower() or not vals or not all(isinstance(x, str) and x for x in vals):
                return f"attribute {k!r} must be a lower-case name with a string or array of strings"
    for k in ("stock", "review_count"):
        if k in obj and (not is_int(obj[k]) or obj[k] < 0):
            return f"{k} must be a non-negative integer"
    return None


def check_products(rows, rep):
    products = {}
    tops = {}
    for n, p in rows:
        where = f"products.jsonl:{n}"
        missing = [k for k in PRODUCT_FIELDS if k not in p]
        extra = [k for k in p if k not in PRODUCT_FIELDS]
        if missing:
            rep.err(where, f"missing fields {missing}")
        if extra:
            rep.err(where, f"unknown fields {extra}")
        why = contract_row_error(p)
        if why:
            rep.err(where, why)
        sku = p.get("sku")
        if not isinstance(sku, str) or not SKU_RE.match(sku):
            rep.err(where, f"sku {sku!r} does not look like VS-XX-000000")
        elif sku in products:
            rep.err(where, f"duplicate sku {sku}")
        else:
            products[sku] = p
        if not two_decimals(p.get("price")) or not (0 < p.get("price", 0) < 5000):
            rep.err(where, f"price {p.get('price')!r} is not a realistic amount with 2 decimals")
        if p.get("currency") != "USD":
            rep.err(where, "currency must be USD")
        cat = p.get("category", "")
        if not isinstance(cat, str) or not cat or any(not s.strip() for s in cat.split("/")):
            rep.err(where, f"bad category path {cat!r}")
        else:
            top = cat.split("/")[0]
            tops[top] = tops.get(top, 0) + 1
            if top not in TOP_CATEGORIES:
                rep.err(where, f"unexpected top category {top!r}")
        for k in ("description", "brand"):
            if not isinstance(p.get(k), str) or not p.get(k):
                rep.err(where, f"{k} must be a non-empty string")
        if isinstance(sku, str) and p.get("image_url") != f"https://images.voiceshop.example/{sku}.jpg":
            rep.err(where, "image_url does not follow https://images.voiceshop.example/<sku>.jpg")
        if not isinstance(p.get("rating"), (int, float)) or not 0 <= p["rating"] <= 5:
            rep.err(where, "rating must be between 0 and 5")
    if not 400 <= len(products) <= 500:
        rep.err("products.jsonl", f"{len(products)} products, want 400-500")
    for top in TOP_CATEGORIES:
        if tops.get(top, 0) < 15:
            rep.err("products.jsonl", f"only {tops.get(top, 0)} products under {top}")
    return products, tops


def check_reviews(rows, products, rep):
    by_sku = {}
    for n, r in rows:
        where = f"reviews.jsonl:{n}"
        if sorted(r) != sorted(REVIEW_FIELDS):
            rep.err(where, f"fields {sorted(r)} != {sorted(REVIEW_FIELDS)}")
        if r.get("sku") not in products:
            rep.err(where, f"unknown sku {r.get('sku')!r}")
        if not is_int(r.get("rating")) or not 1 <= r["rating"] <= 5:
            rep.err(where, "rating must be an integer 1-5")
        for k in ("author", "title", "body"):
            if not isinstance(r.get(k), str) or not r[k].strip():
                rep.err(where, f"{k} must be a non-empty string")
        if not is_int(r.get("helpful_votes")) or r["helpful_votes"] < 0:
            rep.err(where, "helpful_votes must be a non-negative integer")
        if not is_time(r.get("created_at"), (2025, 2026)):
            rep.err(where, f"created_at {r.get('created_at')!r} is not ISO 8601 UTC within 2025-2026")
        by_sku.setdefault(r.get("sku"), []).append(r)
    for sku, p in products.items():
        rs = by_sku.get(sku, [])
        ratings = [r["rating"] for r in rs if is_int(r.get("rating"))]
        if p.get("review_count") != len(rs):
            rep.err(f"products.jsonl {sku}", f"review_count {p.get('review_count')} but {len(rs)} reviews")
        if p.get("rating") != mean_rating(ratings):
            rep.err(f"products.jsonl {sku}", f"rating {p.get('rating')} but the reviews average {mean_rating(ratings)}")
        votes = [r.get("helpful_votes") for r in rs]
        if len(set(votes)) != len(votes):
            rep.err(f"reviews.jsonl {sku}", "helpful_votes repeat within the product (most helpful must be unique)")
    if not 1200 <= len(rows) <= 2000:
        rep.err("reviews.jsonl", f"{len(rows)} reviews, want about 1,500")
    return by_sku


def check_users(rows, rep):
    users = {}
    for n, u in rows:
        where = f"users.jsonl:{n}"
        if sorted(u) != ["display_name", "id"]:
            rep.err(where, f"fields {sorted(u)}: only id and display_name belong here")
        uid = u.get("id")
        if not isinstance(uid, str) or not uid.startswith("demo-") or len(uid) > 128:
            rep.err(where, f"bad id {uid!r}")
        elif uid in users:
            rep.err(where, f"duplicate id {uid}")
        else:
            users[uid] = u
    if not 6 <= len(users) <= 12:
        rep.err("users.jsonl", f"{len(users)} users, want about 8")
    return users


def check_events(rows, products, users, rep):
    keys = set()
    synthetic = set()
    for n, e in rows:
        where = f"events.jsonl:{n}"
        if sorted(e) != sorted(EVENT_FIELDS):
            rep.err(where, f"fields {sorted(e)} != {sorted(EVENT_FIELDS)}")
        uid = e.get("user_id")
        if uid not in users:
            if isinstance(uid, str) and SYNTHETIC_USER_RE.match(uid):
                synthetic.add(uid)
            else:
                rep.err(where, f"unknown user {uid!r}")
        if e.get("type") not in EVENT_TYPES:
            rep.err(where, f"bad type {e.get('type')!r}")
        if e.get("sku") not in products:
            rep.err(where, f"unknown sku {e.get('sku')!r}")
        if not is_int(e.get("quantity")) or e["quantity"] < 1:
            rep.err(where, "quantity must be a positive integer")
        if not is_time(e.get("occurred_at"), (2025, 2026)):
            rep.err(where, f"bad occurred_at {e.get('occurred_at')!r}")
        if not isinstance(e.get("session_id"), str) or not e["session_id"]:
            rep.err(where, "session_id must be a non-empty string")
        k = e.get("idempotency_key")
        if not isinstance(k, str) or not k:
            rep.err(where, "idempotency_key must be a non-empty string")
        elif k in keys:
            rep.err(where, f"duplicate idempotency_key {k}")
        keys.add(k)
    if not 2000 <= len(rows) <= 8000:
        rep.err("events.jsonl", f"{len(rows)} events, want a few thousand")
    if len(synthetic) < 150:
        rep.err("events.jsonl", f"only {len(synthetic)} synthetic users (demo-u001..)")
    for uid in users:
        if not any(e.get("user_id") == uid for _, e in rows):
            rep.err("events.jsonl", f"demo user {uid} has no events")
    return synthetic


def check_orders(rows, products, users, rep):
    orders = {}
    return_ids = set()
    for n, o in rows:
        where = f"orders.jsonl:{n}"
        if sorted(o) != sorted(ORDER_FIELDS):
            rep.err(where, f"fields {sorted(o)} != {sorted(ORDER_FIELDS)}")
        oid = o.get("id")
        if not is_int(oid) or not 0 < oid < 10001:
            rep.err(where, f"id {oid!r} must be an integer below 10001 (reserved for the demo)")
        elif oid in orders:
            rep.err(where, f"duplicate id {oid}")
        else:
            orders[oid] = o
        where = f"orders.jsonl order {oid}"
        if o.get("user_id") not in users:
            rep.err(where, f"unknown user {o.get('user_id')!r}")
        status = o.get("status")
        if status not in ORDER_STATUSES:
            rep.err(where, f"bad status {status!r}")
        if o.get("currency") != "USD":
            rep.err(where, "currency must be USD")
        items = o.get("items")
        total = 0
        skus = []
        if not isinstance(items, list) or not items:
            rep.err(where, "items must be a non-empty list")
            items = []
        for it in items:
            if sorted(it) != ["quantity", "sku", "unit_price"]:
                rep.err(where, f"item fields {sorted(it)}")
                continue
            if it["sku"] not in products:
                rep.err(where, f"unknown sku {it['sku']!r}")
            if it["sku"] in skus:
                rep.err(where, f"sku {it['sku']} appears twice (one line per product)")
            skus.append(it["sku"])
            if not is_int(it["quantity"]) or it["quantity"] < 1:
                rep.err(where, "item quantity must be a positive integer")
                continue
            if not two_decimals(it["unit_price"]) or it["unit_price"] < 0:
                rep.err(where, f"unit_price {it['unit_price']!r} must be >= 0 with 2 decimals")
                continue
            total += it["quantity"] * cents(it["unit_price"])
        if not two_decimals(o.get("total")) or cents(o.get("total")) != total:
            rep.err(where, f"total {o.get('total')!r} != sum of quantity * unit_price {Decimal(total) / 100:.2f}")
        for k in ("created_at", "shipped_at", "delivered_at", "estimated_delivery_at"):
            v = o.get(k)
            if (v is not None or k == "created_at") and not is_time(v, (2025, 2026)):
                rep.err(where, f"{k} {v!r} is not ISO 8601 UTC")
        shipped = status in ("shipped", "delivered", "return_requested", "returned")
        ship_fields = ("carrier", "tracking_number", "tracking_status", "shipped_at", "estimated_delivery_at")
        if shipped:
            for k in ship_fields:
                if not o.get(k):
                    rep.err(where, f"status {status} needs {k}")
            if status != "shipped" and not o.get("delivered_at"):
                rep.err(where, f"status {status} needs delivered_at")
            if status == "shipped" and o.get("delivered_at"):
                rep.err(where, "a shipped order is not delivered yet")
        else:
            for k in ship_fields + ("delivered_at", "tracking_location"):
                if o.get(k) is not None:
                    rep.err(where, f"status {status} must not have {k}")
        rets = o.get("returns")
        if not isinstance(rets, list):
            rep.err(where, "returns must be a list")
            rets = []
        for r in rets:
            if sorted(r) != ["created_at", "id", "reason", "skus", "status"]:
                rep.err(where, f"return fields {sorted(r)}")
                continue
            if not is_int(r["id"]) or r["id"] in return_ids:
                rep.err(where, f"return id {r['id']!r} must be a unique integer")
            return_ids.add(r["id"])
            if r["status"] not in RETURN_STATUSES:
                rep.err(where, f"bad return status {r['status']!r}")
            if not r["skus"] or any(s not in skus for s in r["skus"]):
                rep.err(where, f"return {r['id']} names skus not in the order")
            if not is_time(r["created_at"], (2025, 2026)):
                rep.err(where, f"return {r['id']} created_at {r['created_at']!r}")
            if not shipped:
                rep.err(where, f"return on an order with status {status}")
        statuses = [r.get("status") for r in rets]
        if status == "return_requested" and not any(s in ("requested", "approved") for s in statuses):
            rep.err(where, "return_requested needs an open return (requested or approved)")
        if status == "returned" and "completed" not in statuses:
            rep.err(where, "returned needs a completed return")
    o = orders.get(1042)
    if not o:
        rep.err("orders.jsonl", "order 1042 is missing")
    else:
        want = {"user_id": "demo-alice", "status": "shipped", "carrier": "UPS", "tracking_status": "in transit"}
        for k, v in want.items():
            if o.get(k) != v:
                rep.err("orders.jsonl order 1042", f"{k} is {o.get(k)!r}, the demo needs {v!r}")
        if not o.get("tracking_location"):
            rep.err("orders.jsonl order 1042", "needs a tracking_location")
    owners = {x.get("user_id") for x in orders.values()}
    if len(owners) < 2:
        rep.err("orders.jsonl", "orders of a second user are needed to show PERMISSION_DENIED")
    have = {x.get("status") for x in orders.values()}
    for s in ("pending", "paid", "shipped", "delivered", "return_requested"):
        if s not in have:
            rep.err("orders.jsonl", f"no order with status {s}")
    return orders


def check_story(products, reviews_by_sku, rep):
    def season(p):
        return as_list(p["attributes"].get("season", []))

    red_summer = [p for p in products.values()
                  if "/Dresses" in p["category"] and "red" in as_list(p["attributes"].get("color"))
                  and "summer" in season(p) and p["price"] <= 50 and p["stock"] > 0]
    brands = {p["brand"] for p in red_summer}
    if len(red_summer) < 8 or len(brands) < 3:
        rep.err("story", f"{len(red_summer)} red summer dresses under $50 in stock from {len(brands)} brands; want >= 8 from >= 3")
    sony = [p for p in products.values() if p["brand"] == "Sony" and "/Headphones" in p["category"]]
    rich = []
    for p in sony:
        rs = reviews_by_sku.get(p["sku"], [])
        if len(rs) >= 15 and any(r["rating"] >= 4 for r in rs) and any(r["rating"] <= 2 for r in rs):
            rich.append(p)
    if len(rich) < 3:
        rep.err("story", f"{len(rich)} Sony headphones with >= 15 reviews, positive and negative; want >= 3")
    running = [p for p in products.values() if p["category"].startswith("Shoes/Running")]
    colors = {c for p in running for c in as_list(p["attributes"].get("color"))}
    prices = {p["price"] for p in running}
    if len(running) < 20 or len(colors) < 5 or len(prices) < 8:
        rep.err("story", f"{len(running)} running shoes in {len(colors)} colours at {len(prices)} prices; want more")
    if not any(any(ch in p["brand"] for ch in "éèôÉ") for p in products.values()):
        rep.err("story", "no accented brand (L'Oréal, Estée Lauder, Lancôme) to exercise normalisation")
    return {"red_summer_dresses_under_50": len(red_summer), "sony_headphones": len(sony),
            "running_shoes": len(running)}


def check_bad_rows(path, rep):
    bad = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as e:
        rep.err("bad-rows.jsonl", f"cannot read: {e}")
        return
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != BAD_ROWS_TOTAL:
        rep.err("bad-rows.jsonl", f"{len(lines)} lines, want {BAD_ROWS_TOTAL}")
    for n, line in enumerate(lines, 1):
        try:
            why = contract_row_error(json.loads(line))
        except ValueError:
            why = "invalid JSON"
        if why:
            bad.append(n)
    if bad != BAD_LINES:
        rep.err("bad-rows.jsonl", f"bad lines are {bad}, README says {BAD_LINES}")


def check_determinism(data_dir, rep):
    with tempfile.TemporaryDirectory(prefix="demo-catalog-") as tmp:
        proc = subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), "--out", tmp, "-q"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            rep.err("generate.py", f"exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
            return
        for name in FILES:
            a = os.path.join(data_dir, name)
            b = os.path.join(tmp, name)
            try:
                with open(a, "rb") as fa, open(b, "rb") as fb:
                    if fa.read() != fb.read():
                        rep.err(name, "differs from a fresh generate.py run: regenerate "
                                      "(python3 scripts/demo-catalog/generate.py) and commit")
            except OSError as e:
                rep.err(name, f"cannot compare: {e}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default=DEFAULT_DIR, help="data folder (default services/rec-svc/demo)")
    ap.add_argument("--skip-determinism", action="store_true", help="do not regenerate and compare")
    args = ap.parse_args(argv)
    rep = Report()
    d = args.dir

    load = lambda name: load_jsonl(os.path.join(d, name), rep, name)  # noqa: E731
    products, tops = check_products(load("products.jsonl"), rep)
    review_rows = load("reviews.jsonl")
    reviews_by_sku = check_reviews(review_rows, products, rep)
    users = check_users(load("users.jsonl"), rep)
    event_rows = load("events.jsonl")
    synthetic = check_events(event_rows, products, users, rep)
    orders = check_orders(load("orders.jsonl"), products, users, rep)
    story = check_story(products, reviews_by_sku, rep) if products else {}
    check_bad_rows(os.path.join(d, "bad-rows.jsonl"), rep)
    size = sum(os.path.getsize(os.path.join(d, f)) for f in FILES if os.path.exists(os.path.join(d, f)))
    if size > MAX_TOTAL_BYTES:
        rep.err(d, f"{size} bytes of data, keep it under {MAX_TOTAL_BYTES}")
    if not args.skip_determinism:
        check_determinism(d, rep)

    if rep.errors:
        for e in rep.errors[:200]:
            print(f"check: {e}", file=sys.stderr)
        if len(rep.errors) > 200:
            print(f"check: ... and {len(rep.errors) - 200} more", file=sys.stderr)
        print(f"check: FAILED with {len(rep.errors)} problem(s)", file=sys.stderr)
        return 1
    print(f"check: ok: {len(products)} products ({', '.join(f'{k} {v}' for k, v in tops.items())}), "
          f"{len(review_rows)} reviews, {len(users)} users (+{len(synthetic)} synthetic), "
          f"{len(event_rows)} events, {len(orders)} orders, {size} bytes"
          + ("" if args.skip_determinism else ", deterministic"))
    print("check: story: " + ", ".join(f"{k} {v}" for k, v in story.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
