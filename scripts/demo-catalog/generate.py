#!/usr/bin/env python3
"""Generates VoiceShop's demo data set into services/rec-svc/demo/ (or --out DIR).

    python3 scripts/demo-catalog/generate.py [--out DIR]

Python 3 standard library only, and deterministic: every random choice comes from a
random.Random seeded with SEED and the name of its section, nothing depends on the clock,
the hash seed or dict/set order that is not insertion order, so two runs write byte-identical
files (scripts/demo-catalog/check.py verifies that). Changing one section (say, the events)
does not reshuffle the others.

Writes products.jsonl, reviews.jsonl, users.jsonl, events.jsonl, orders.jsonl and
bad-rows.jsonl; the formats are described in services/rec-svc/demo/README.md. The product
lines themselves are in catalog_data.py, the review phrases in review_text.py.
"""
import argparse
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog_data as cd  # noqa: E402
import review_text as rt  # noqa: E402

SEED = 20261204
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUT = os.path.join(ROOT, "services", "rec-svc", "demo")
IMAGE_BASE = "https://images.voiceshop.example/"

# The demo users and their personas. users.jsonl holds only id and display_name; the persona
# below steers their events and orders (and is what the demo story in the README relies on).
#   demo-alice  Alice  runner who likes Nike; buys summer dresses; owns order 1042 (shipped, UPS)
#   demo-bob    Bob    audio fan, loves Sony headphones; his orders show PERMISSION_DENIED to Alice
#   demo-carol  Carol  skincare and makeup: CeraVe, Clinique, L'Oréal Paris
#   demo-dave   Dave   parent of two: LEGO, board games, kids' clothes
#   demo-erin   Erin   home cook: KitchenAid, Le Creuset, coffee
#   demo-frank  Frank  outdoors: Patagonia, The North Face, hiking boots
#   demo-grace  Grace  fashion: dresses from Zara, Mango and Reformation; returns things often
#   demo-henry  Henry  student on a budget: Anker, JBL, Adidas
USERS = [
    ("demo-alice", "Alice"), ("demo-bob", "Bob"), ("demo-carol", "Carol"), ("demo-dave", "Dave"),
    ("demo-erin", "Erin"), ("demo-frank", "Frank"), ("demo-grace", "Grace"), ("demo-henry", "Henry"),
]
PERSONAS = {
    # user: ([segments], {brand: weight boost}, max price or None)
    "demo-alice": (["runners", "summer_fashion"], {"Nike": 8.0, "Garmin": 4.0, "Zara": 3.0, "H&M": 3.0}, None),
    "demo-bob": (["audio", "mobile"], {"Sony": 10.0}, None),
    "demo-carol": (["skincare", "makeup"], {"CeraVe": 5.0, "Clinique": 5.0, "L'Oréal Paris": 5.0}, None),
    "demo-dave": (["parents", "games"], {"LEGO": 8.0, "Hasbro": 3.0}, None),
    "demo-erin": (["kitchen", "home_decor"], {"KitchenAid": 8.0, "Le Creuset": 6.0, "Breville": 3.0}, None),
    "demo-frank": (["outdoors", "menswear"], {"Patagonia": 8.0, "The North Face": 5.0, "Merrell": 4.0}, None),
    "demo-grace": (["summer_fashion"], {"Zara": 6.0, "Mango": 6.0, "Reformation": 4.0}, None),
    "demo-henry": (["mobile", "audio"], {"Anker": 8.0, "JBL": 6.0, "Adidas": 3.0}, 150.0),
}

# Shopper segments for the synthetic traffic: category prefixes each segment browses.
SEGMENTS = {
    "runners": ["Shoes/Running", "Electronics/Wearables", "Men/Shorts/Running", "Women/Activewear",
                "Men/Shirts/T-Shirts"],
    "summer_fashion": ["Women/Dresses", "Women/Tops", "Women/Skirts", "Shoes/Sandals"],
    "menswear": ["Men/"],
    "outdoors": ["Women/Jackets", "Men/Jackets", "Shoes/Boots", "Kids/Jackets"],
    "audio": ["Electronics/Headphones", "Electronics/Speakers"],
    "mobile": ["Electronics/Phones", "Electronics/Chargers", "Electronics/Cables", "Electronics/Wearables"],
    "home_tech": ["Electronics/TVs", "Electronics/Laptops", "Electronics/Speakers/Smart"],
    "skincare": ["Beauty/Skincare"],
    "makeup": ["Beauty/Makeup", "Beauty/Fragrance"],
    "parents": ["Toys/", "Kids/"],
    "games": ["Toys/Games", "Toys/Puzzles"],
    "kitchen": ["Home/Kitchen"],
    "home_decor": ["Home/Bedding", "Home/Decor"],
    "sneakerheads": ["Shoes/Sneakers", "Shoes/Running", "Men/Sweaters/Hoodies"],
    "womenswear": ["Women/"],
}


def rng_for(section):
    return random.Random(f"{SEED}:{section}")


def cents(x):
    return int((Decimal(str(x)) * 100).to_integral_value(ROUND_HALF_UP))


def money(c):
    """A price in cents as a JSON number with at most 2 decimals."""
    return float(Decimal(c) / 100)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def utc(*a):
    return datetime(*a, tzinfo=timezone.utc)


def mean_rating(ratings):
    """Mean of integer ratings, rounded half up to 2 decimals (check.py uses the same rule)."""
    if not ratings:
        return 0.0
    q = (Decimal(sum(ratings)) / Decimal(len(ratings))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return float(q)


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------
# Products

MATERIAL_PHRASES = {
    "linen": "breathable linen blend", "cotton": "soft cotton", "viscose": "light, flowy viscose",
    "polyester": "easy-care polyester", "silk": "100% silk", "satin": "fluid satin",
    "velvet": "plush stretch velvet", "wool": "a soft wool blend", "denim": "midweight denim",
    "cashmere": "pure cashmere", "nylon": "lightweight nylon", "down": "responsibly sourced down",
    "fleece": "recycled polyester fleece", "canvas": "rugged cotton canvas",
    "acrylic": "a cozy acrylic knit", "leather": "full-grain leather", "suede": "soft suede",
    "mesh": "breathable engineered mesh", "knit": "a stretchy knit", "rubber": "soft, cushioned rubber",
}
FIT_SENTENCES = {
    "relaxed": "It has a relaxed fit that skims the body.",
    "regular": "It fits true to size.",
    "slim": "The slim fit sits close to the body; size up if you are between sizes.",
    "oversized": "The oversized cut is meant to be roomy, so consider sizing down.",
    "tailored": "A tailored fit with a back zip and clean lines.",
    "straight": "A mid-rise straight leg that sits at the waist.",
    "skinny": "A high-rise skinny fit with plenty of stretch.",
    "wide leg": "A high rise and a relaxed wide leg.",
    "classic": "A classic fit with room through the chest.",
    "loose": "A loose fit that never restricts your stride.",
}
SHOE_UPPERS = {"mesh": "engineered mesh", "knit": "stretchy knit"}
DRESS_FEATURES = ["adjustable straps", "a smocked back", "side pockets", "a tie waist",
                  "a V-neckline", "flutter sleeves", "a lined skirt", "a flattering A-line skirt"]
USE_SENTENCES = {
    ("dress", "summer"): ["Perfect for beach days, brunch and warm summer evenings.",
                          "An easy pick for vacations and summer weddings.",
                          "Throw it on with sandals for hot days in the city."],
    ("dress", None): ["Dress it up with heels or down with sneakers.",
                      "Works for the office, dinners and events."],
    ("top", None): ["An everyday staple that layers easily.", "Easy to dress up or down."],
    ("jeans", None): ["A wardrobe staple that goes with everything.",
                      "Built to soften and fade with wear."],
    ("jacket", None): ["Ready for cold commutes, hikes and travel.",
                       "Packs small and layers over sweaters."],
    ("sweater", None): ["A cozy layer for cool days.", "Soft enough to wear all day."],
    ("activewear", None): ["Made for runs, workouts and yoga.",
                           "Moisture-wicking and quick-drying for hard training."],
    ("kids", None): ["Made to survive the playground and the washing machine.",
                     "Easy for kids to put on by themselves."],
}
KIND_USE = {
    "headphones": ["Great for commuting, flights and long work sessions.",
                   "A comfortable pick for travel and the office."],
    "earbuds": ["Great for the gym, commutes and calls.", "Small enough to carry everywhere."],
    "speaker": ["Take it to the beach, the park or the backyard.", "Pairs in seconds with any phone."],
    "phone": ["Unlocked and ready for all major carriers.", "Comes with a USB-C cable."],
    "charger": ["Small enough for any travel bag.", "Protected against overheating and overcharging."],
    "cable": ["Built for daily use at home, at work and in the car."],
    "tv": ["Wall-mountable, with a stand included.", "Ideal for movies, sports and gaming."],
    "laptop": ["A good fit for work, school and travel.", "Ships with the latest operating system."],
    "watch": ["Tracks runs, rides, sleep and heart rate.", "Works with iPhone and Android."],
    "skincare": ["Dermatologist tested.", "Use morning and night on clean skin."],
    "makeup": ["Cruelty-free.", "Easy to apply with fingers or a brush."],
    "fragrance": ["Spray on pulse points for a lasting scent.", "A great gift."],
    "lego": ["Makes a great gift and display piece."],
    "boardgame": ["A favourite for family game night."],
    "doll": ["A great gift for birthdays and holidays."],
    "puzzle": ["A relaxing challenge for a rainy weekend."],
    "appliance": ["Backed by a limited warranty.", "Easy to clean after use."],
    "cookware": ["Oven safe and built to last.", "Works on gas, electric and induction."],
    "drinkware": ["Dishwasher safe.", "Fits most cup holders."],
    "bedding": ["Machine washable.", "OEKO-TEX certified."],
    "decor": ["An easy way to refresh a room."],
    "candle": ["Hand-poured in the USA."],
}


def first(v):
    return v[0] if isinstance(v, list) else v


def apparel_description(rng, brand, name, color, material, fit, season, kind):
    s1 = rng.choice([
        f"The {name} from {brand} comes in {color} and is made from {MATERIAL_PHRASES[material]}.",
        f"Made from {MATERIAL_PHRASES[material]}, this {color} {name} is a {brand} favourite.",
    ])
    if kind == "dress":
        s1 = s1[:-1] + f", with {rng.choice(DRESS_FEATURES)}."
    s2 = FIT_SENTENCES[fit] if fit else ""
    season_key = "summer" if season and "summer" in (season if isinstance(season, list) else [season]) else None
    uses = USE_SENTENCES.get((kind, season_key)) or USE_SENTENCES.get((kind, None))
    s3 = rng.choice(uses)
    return " ".join(x for x in (s1, s2, s3) if x)


class Catalog:
    def __init__(self):
        self.products = []  # internal dicts; "out" holds the public row
        self.counters = {}

    def add(self, prefix, *, title, brand, category, price, description, attributes, kind, short,
            stock=None, tags=()):
        n = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = n
        sku = f"VS-{prefix}-{n:06d}"
        self.products.append({
            "sku": sku, "title": title, "brand": brand, "category": category,
            "price_cents": cents(price), "description": description, "attributes": attributes,
            "kind": kind, "short": short, "stock": stock, "tags": list(tags),
        })


def build_products():
    rng = rng_for("products")
    cat = Catalog()

    def apparel(rows, gender, default_sizes):
        for category, brand, name, price, material, colors, extra in rows:
            kind = extra.get("kind", "kids")
            sizes = extra.get("sizes", default_sizes)
            season = extra.get("season")
            for color in colors:
                attrs = {"color": color, "size": list(sizes), "material": material}
                g = extra.get("gender", gender)
                if g:
                    attrs["gender"] = g
                if gender is None:
                    attrs["age_group"] = extra.get("age_group", "kids")
                else:
                    attrs["age_group"] = "adult"
                if season:
                    attrs["season"] = season
                if extra.get("fit"):
                    attrs["fit"] = extra["fit"]
                # A few sizes sell out: drop one at random from some listings.
                if len(sizes) > 4 and rng.random() < 0.25:
                    attrs["size"].pop(rng.randrange(len(attrs["size"])))
                stock = 0 if color in extra.get("stock0", []) else None
                tags = []
                if color == "red" and season and "summer" in (season if isinstance(season, list) else [season]):
                    tags.append("red_summer")
                cat.add("CL", title=f"{brand} {color.capitalize()} {name}", brand=brand,
                        category=category, price=price,
                        description=apparel_description(rng, brand, name, color, material,
                                                        extra.get("fit"), season, kind),
                        attributes=attrs, kind=kind, short=name, stock=stock, tags=tags)

    apparel(cd.WOMEN, "women", cd.WOMEN_SIZES)
    apparel(cd.MEN, "men", cd.MEN_SIZES)
    apparel(cd.KIDS, None, cd.KIDS_SIZES)

    # Running shoes: one listing per gender and colourway.
    for brand, model, price, by_gender, material, features in cd.RUNNING:
        for gender, colors in by_gender.items():
            sizes = cd.MEN_SHOE if gender == "men" else cd.WOMEN_SHOE
            for color in colors:
                size = list(sizes)
                for _ in range(rng.choice([0, 0, 1, 2])):
                    size.pop(rng.randrange(len(size)))
                gword = "Men's" if gender == "men" else "Women's"
                desc = (f"The {brand} {model} is a {gword.lower()} road running shoe with {features}. "
                        f"The {SHOE_UPPERS[material]} upper keeps feet cool"
                        + rng.choice([" and it fits true to size.",
                                      "; it runs slightly narrow, so wide feet may want to size up.",
                                      " and the heel counter locks the foot in place."]))
                cat.add("SH", title=f"{brand} {model} {gword} Running Shoes - {color.capitalize()}",
                        brand=brand, category="Shoes/Running", price=price, description=desc,
                        attributes={"color": color, "size": size, "material": material,
                                    "gender": gender, "age_group": "adult", "terrain": "road"},
                        kind="running", short=model, tags=["running"])
    for category, brand, name, price, material, colors, gender, extra in cd.SHOES_OTHER:
        kind = {"Shoes/Sneakers": "sneakers", "Shoes/Sandals": "sandals"}.get(category, "boots")
        sizes = cd.WOMEN_SHOE if gender == "women" else cd.MEN_SHOE
        for color in colors:
            attrs = {"color": color, "size": list(sizes), "material": material, "gender": gender,
                     "age_group": "adult"}
            attrs.update(extra)
            use = {"sneakers": "An everyday sneaker that goes with jeans, shorts and dresses.",
                   "sandals": "Made for summer days, travel and the beach.",
                   "boots": "Built for cold, wet days and long walks."}[kind]
            desc = (f"The {brand} {name} in {color} are made from {MATERIAL_PHRASES[material]}. "
                    f"{use}")
            cat.add("SH", title=f"{brand} {name} - {color.capitalize()}", brand=brand,
                    category=category, price=price, description=desc, attributes=attrs,
                    kind=kind, short=name)

    def listing(prefix, rows, kind_of):
        for row in rows:
            category, brand, title, price = row[0], row[1], row[2], row[3]
            if prefix == "EL":
                colors, features, extra, kind = row[4], row[5], row[6], row[7]
                attrs = {"color": colors if len(colors) > 1 else colors[0]}
                attrs.update(extra)
                if kind == "headphones" and category.endswith("In-Ear"):
                    kind = "earbuds"
            else:
                features, extra, kind = row[4], row[5], row[6]
                attrs = dict(extra)
            verb = rng.choice(["features", "offers", "comes with"])
            if title.split(" ")[-1] in ("Headphones", "Earbuds"):
                verb = {"features": "feature", "offers": "offer", "comes with": "come with"}[verb]
            sentences = [f"The {brand} {title} {verb} {features}."]
            if "material" in attrs:
                sentences.append(f"Made of {first(attrs['material'])}.")
            if "skin_type" in attrs:
                st = attrs["skin_type"]
                st = " and ".join(st) if isinstance(st, list) else st
                sentences.append(f"Suitable for {st} skin." if st != "all" else "Suitable for all skin types.")
            if "recommended_age" in attrs:
                sentences.append(f"Recommended for ages {attrs['recommended_age']}.")
            sentences.append(rng.choice(KIND_USE[kind]))
            short = title
            if brand == "Sony":
                words = title.split(" ")
                short = " ".join(words[:2]) if words[0] in ("ULT", "LinkBuds") else words[0]
            tags = ["sony_headphones"] if brand == "Sony" and "Headphones" in category else []
            cat.add(prefix, title=f"{brand} {title}", brand=brand, category=category, price=price,
                    description=" ".join(sentences[:3]), attributes=attrs, kind=kind,
                    short=short, tags=tags)

    listing("EL", cd.ELECTRONICS, None)
    listing("BE", cd.BEAUTY, None)
    listing("TO", cd.TOYS, None)
    listing("HO", cd.HOME, None)

    # Stock: mostly in stock, about 5% sold out (never the Sony headphones, never a red summer
    # dress other than the one marked sold out in catalog_data).
    for p in cat.products:
        if p["stock"] is None:
            protected = "sony_headphones" in p["tags"] or "red_summer" in p["tags"]
            if not protected and rng.random() < 0.05:
                p["stock"] = 0
            else:
                p["stock"] = rng.choice([rng.randint(1, 9), rng.randint(10, 60), rng.randint(20, 250)])
    return cat.products


# ---------------------------------------------------------------------------------------------
# Reviews

# Review counts and average quality for the products the demo talks about.
REVIEW_PLAN = {
    "WH-1000XM5": (62, 4.5), "WH-1000XM4": (48, 4.3), "WF-1000XM5": (40, 4.0),
    "WH-CH720N": (31, 3.9), "WH-CH520": (27, 3.5), "ULT": (22, 3.8), "MDR-7506": (25, 4.6),
    "LinkBuds": (18, 3.4), "WF-C700N": (15, 3.7),
}


# Aspects whose name reads well in a review title ("Great battery life").
TITLE_ASPECTS = ["fit", "fabric", "colour", "length", "stretch", "warmth", "cushioning", "comfort",
                 "sizing", "noise cancelling", "battery life", "sound", "camera", "charging speed",
                 "picture", "performance", "scent", "texture", "pigment", "longevity", "insulation",
                 "softness", "tracking", "build", "wear time", "formula", "gameplay", "components"]


def rating_for(rng, quality):
    """A star rating for a product of mean quality around `quality` (J-shaped, like real shops)."""
    weights = []
    for k in range(1, 6):
        d = k - quality
        w = 2.718281828 ** (-(d * d) / (2 * 0.85 * 0.85))
        if k == 5:
            w *= 2.2
        if k == 1:
            w += 0.05
        weights.append(w)
    return rng.choices([1, 2, 3, 4, 5], weights=weights)[0]


def fill(template, ctx):
    return template.format(**ctx)


def lcfirst(s):
    w = s.split(" ", 1)[0]
    if w in ("I", "I'm", "I've", "I'll") or (len(w) > 1 and w[1].isupper()):
        return s
    return s[0].lower() + s[1:]


def review_for(rng, p, rating):
    noun, plural = rt.NOUNS[p["kind"]]
    ctx = {
        "noun": noun, "it": "them" if plural else "it", "It": "They" if plural else "It",
        "is": "are" if plural else "is", "was": "were" if plural else "was",
        "short": p["short"], "brand": p["brand"],
        "duration": rng.choice(rt.DURATIONS), "usage": rng.choice(rt.USAGE[p["kind"]]),
    }
    worn = p["kind"] in rt.WORN
    ctx.update({"used": "wore" if worn else "used", "Used": "Wore" if worn else "Used",
                "using": "wearing" if worn else "using", "used_pp": "worn" if worn else "used"})
    aspects = list(rt.aspects_for(p["kind"]))
    attrs = p["attributes"]
    if attrs.get("noise_cancelling") == "no":
        aspects = [a for a in aspects if a[0] != "noise cancelling"]
    if attrs.get("connectivity") == "wired":
        aspects = [a for a in aspects if a[0] not in ("battery life", "calls and connection")]
    n_aspects = rng.choice([1, 2, 2, 3])
    chosen = rng.sample(aspects, min(n_aspects, len(aspects)))
    polarities = {5: [1, 1, 1], 4: [1, 1, 0], 3: [1, 0, rng.choice([0, 1])], 2: [0, 0, 1],
                  1: [0, 0, 0]}[rating]
    if rating == 4 and len(chosen) == 1:
        polarities = [1]
    if rating == 2 and len(chosen) < 3:
        polarities = [0, 0]
    sentences = []
    if rng.random() < 0.55:
        opener = rng.choice(rt.OPENERS)
        if "{short}" in opener and p["kind"] not in ("headphones", "earbuds", "running", "lego",
                                                       "boardgame", "phone", "laptop", "speaker"):
            opener = "I've been {using} {it} {usage}." if rng.random() < 0.5 else "Bought {it} on sale and {used} {it} {usage}."
        s = fill(opener, ctx)
        sentences.append(s[0].upper() + s[1:])
    for i, (name, pos, neg) in enumerate(chosen):
        good = polarities[i] if i < len(polarities) else polarities[-1]
        s = fill(rng.choice(pos if good else neg), ctx)
        if i > 0 and good != polarities[0]:
            s = rng.choice(["That said, ", "But ", "On the other hand, "]) + lcfirst(s)
        sentences.append(s)
    if rng.random() < 0.6:
        closers = rt.CLOSERS_POS if rating >= 4 else rt.CLOSERS_MID if rating == 3 else rt.CLOSERS_NEG
        sentences.append(fill(rng.choice(closers), ctx))
    # Title: from the main aspect or a generic one for the rating.
    main_name, main_good = chosen[0][0], polarities[0]
    if rng.random() < 0.4 and main_name in TITLE_ASPECTS:
        if main_good:
            title = rng.choice(["Great {a}", "Love the {a}", "Impressive {a}"]).format(a=main_name)
        else:
            title = rng.choice(["Disappointing {a}", "Problems with the {a}", "Not happy with the {a}"]).format(a=main_name)
    else:
        title = fill(rng.choice(rt.TITLES[rating]), ctx)
    return title[0].upper() + title[1:], " ".join(sentences)


def build_reviews(products):
    rng = rng_for("reviews")
    start, end = utc(2025, 1, 6), utc(2026, 11, 30)
    span = int((end - start).total_seconds())
    reviews = []
    for p in products:
        plan = None
        if "sony_headphones" in p["tags"]:
            plan = next(v for k, v in REVIEW_PLAN.items() if k in p["title"])
        if plan:
            n, quality = plan
        else:
            r = rng.random()
            if r < 0.18:
                n = 0
            elif r < 0.85:
                n = rng.randint(1, 4)
            else:
                n = rng.randint(5, 12)
            if "red_summer" in p["tags"] or "running" in p["tags"]:
                n = max(n, rng.randint(2, 6))
            quality = rng.uniform(3.2, 4.7)
        if n == 0:
            continue
        # Distinct helpful votes within a product, so "most helpful" is never a tie.
        votes = rng.sample(range(0, max(3 * n + 25, 40)), n)
        for i in range(n):
            rating = rating_for(rng, quality)
            title, body = review_for(rng, p, rating)
            created = start + timedelta(seconds=rng.randrange(span))
            reviews.append({
                "sku": p["sku"],
                "author": f"{rng.choice(rt.FIRST_NAMES)} {rng.choice(rt.LAST_INITIALS)}.",
                "rating": rating, "title": title, "body": body,
                "helpful_votes": votes[i], "created_at": iso(created),
            })
    by_sku = {}
    for r in reviews:
        by_sku.setdefault(r["sku"], []).append(r["rating"])
    for p in products:
        ratings = by_sku.get(p["sku"], [])
        p["rating"] = mean_rating(ratings)
        p["review_count"] = len(ratings)
    return reviews


def product_rows(products):
    rows = []
    for p in products:
        rows.append({
            "sku": p["sku"], "title": p["title"], "price": money(p["price_cents"]),
            "description": p["description"], "brand": p["brand"], "category": p["category"],
            "currency": "USD", "attributes": p["attributes"], "stock": p["stock"],
            "rating": p["rating"], "review_count": p["review_count"],
            "image_url": f"{IMAGE_BASE}{p['sku']}.jpg",
        })
    return rows


# ---------------------------------------------------------------------------------------------
# Orders

ADDRESSES = {
    "demo-alice": "Apt 4B, 118 Juniper Lane, Maplewood, OR 97999",
    "demo-bob": "27 Quarry Road, Hollis Bay, WA 98999",
    "demo-carol": "903 Linden Court, Fairhaven, CA 96999",
    "demo-dave": "55 Orchard Way, Pine Hollow, CO 80999",
    "demo-erin": "Unit 12, 400 Harbor Street, Eastwick, MA 02999",
    "demo-frank": "8 Ridgeline Drive, Cedar Falls, MT 59999",
    "demo-grace": "Apt 7C, 210 Bloom Avenue, Riverside, NY 10999",
    "demo-henry": "Room 314, 1 College Walk, Westbrook, TX 75999",
}


def find(products, brand, contains, color=None, gender=None):
    for p in products:
        a = p["attributes"]
        if p["brand"] != brand or contains not in p["title"]:
            continue
        if color and first(a.get("color")) != color:
            continue
        if gender and a.get("gender") != gender:
            continue
        return p
    raise KeyError(f"no product {brand} {contains} {color} {gender}")


def build_orders(products):
    rng = rng_for("orders")
    F = lambda *a, **k: find(products, *a, **k)  # noqa: E731
    # (id, user, status, created, [(product, qty)], shipment, returns)
    # shipment: (carrier, tracking_status, tracking_location, shipped_at, estimated, delivered_at)
    specs = [
        (1003, "demo-alice", "delivered", utc(2026, 6, 2, 9, 14, 51),
         [(F("Nike", "Revolution 7", gender="women"), 1), (F("Nike", "One High-Waisted Leggings"), 1)],
         ("UPS", "delivered", "Maplewood, OR", utc(2026, 6, 3, 15, 2), utc(2026, 6, 6, 20, 0), utc(2026, 6, 6, 17, 41)),
         [("rejected", utc(2026, 8, 20, 10, 2, 33), [F("Nike", "One High-Waisted Leggings")], "Changed my mind; past the 30-day window")]),
        (1017, "demo-alice", "delivered", utc(2026, 11, 14, 20, 31, 7),
         [(F("Garmin", "Forerunner 265"), 1), (F("Zara", "Linen Blend Summer Sundress", color="white"), 1)],
         ("UPS", "delivered", "Maplewood, OR", utc(2026, 11, 16, 12, 40), utc(2026, 11, 20, 20, 0), utc(2026, 11, 19, 16, 12)),
         []),
        (1029, "demo-alice", "return_requested", utc(2026, 11, 3, 8, 5, 44),
         [(F("Adidas", "Adizero SL2", gender="women"), 1), (F("H&M", "Floral Summer Midi Dress", color="red"), 1)],
         ("UPS", "delivered", "Maplewood, OR", utc(2026, 11, 4, 13, 0), utc(2026, 11, 8, 20, 0), utc(2026, 11, 7, 11, 26)),
         [("requested", utc(2026, 11, 27, 19, 48, 2), [F("Adidas", "Adizero SL2", gender="women")], "Runs half a size small")]),
        (1042, "demo-alice", "shipped", utc(2026, 11, 29, 18, 42, 10),
         [(F("Nike", "Pegasus 41", color="pink", gender="women"), 1),
          (F("Zara", "Gingham Summer Mini Dress", color="red"), 1),
          (F("Nike", "Dri-FIT Miler"), 2)],
         ("UPS", "in transit", "Louisville, KY", utc(2026, 12, 1, 14, 5), utc(2026, 12, 7, 20, 0), None),
         []),
        (1061, "demo-alice", "pending", utc(2026, 12, 3, 21, 17, 36),
         [(F("Sony", "WF-C700N"), 1)], None, []),
        (1038, "demo-bob", "delivered", utc(2026, 10, 22, 17, 2, 11),
         [(F("Sony", "WH-1000XM5"), 1), (F("Anker", "Nano 20W"), 2)],
         ("FedEx", "delivered", "Hollis Bay, WA", utc(2026, 10, 23, 16, 30), utc(2026, 10, 27, 20, 0), utc(2026, 10, 26, 13, 5)),
         []),
        (1044, "demo-bob", "shipped", utc(2026, 11, 30, 11, 9, 58),
         [(F("Sony", "ULT Field 1"), 1), (F("Anker", "USB-C to USB-C Cable"), 2)],
         ("FedEx", "out for delivery", "Hollis Bay, WA", utc(2026, 12, 2, 9, 45), utc(2026, 12, 4, 23, 0), None),
         []),
        (1049, "demo-bob", "cancelled", utc(2026, 11, 12, 22, 40, 3),
         [(F("Apple", "AirPods Max"), 1)], None, []),
        (1058, "demo-bob", "paid", utc(2026, 12, 3, 8, 21, 49),
         [(F("Sony", "MDR-7506"), 1)], None, []),
        (1021, "demo-carol", "returned", utc(2026, 9, 8, 14, 55, 20),
         [(F("Estée Lauder", "Double Wear"), 1), (F("CeraVe", "Moisturizing Cream"), 1)],
         ("USPS", "delivered", "Fairhaven, CA", utc(2026, 9, 9, 18, 0), utc(2026, 9, 13, 20, 0), utc(2026, 9, 12, 15, 33)),
         [("completed", utc(2026, 9, 20, 9, 12, 0), [F("Estée Lauder", "Double Wear")], "Shade is too dark for me")]),
        (1047, "demo-carol", "delivered", utc(2026, 11, 18, 10, 3, 27),
         [(F("L'Oréal Paris", "Revitalift"), 1), (F("Clinique", "Moisture Surge"), 1),
          (F("Maybelline", "Sky High"), 2)],
         ("USPS", "delivered", "Fairhaven, CA", utc(2026, 11, 19, 16, 10), utc(2026, 11, 24, 20, 0), utc(2026, 11, 23, 14, 2)),
         []),
        (1033, "demo-dave", "delivered", utc(2026, 10, 30, 19, 26, 45),
         [(F("LEGO", "Millennium Falcon"), 1), (F("Catan Studio", "Catan"), 1)],
         ("UPS", "delivered", "Pine Hollow, CO", utc(2026, 11, 1, 10, 0), utc(2026, 11, 5, 20, 0), utc(2026, 11, 4, 12, 48)),
         []),
        (1056, "demo-dave", "paid", utc(2026, 12, 2, 20, 13, 2),
         [(F("LEGO", "City Fire Station"), 1), (F("Old Navy", "Graphic Crew-Neck", color="blue"), 3)], None, []),
        (1012, "demo-erin", "delivered", utc(2026, 8, 11, 12, 0, 9),
         [(F("KitchenAid", "Artisan"), 1)],
         ("FedEx", "delivered", "Eastwick, MA", utc(2026, 8, 12, 15, 20), utc(2026, 8, 15, 20, 0), utc(2026, 8, 14, 11, 7)),
         []),
        (1051, "demo-erin", "shipped", utc(2026, 11, 28, 15, 44, 31),
         [(F("Le Creuset", "Dutch Oven"), 1), (F("Lodge", "Skillet"), 1)],
         ("USPS", "out for delivery", "Eastwick, MA", utc(2026, 11, 30, 9, 30), utc(2026, 12, 4, 22, 0), None),
         []),
        (1025, "demo-frank", "delivered", utc(2026, 10, 5, 7, 58, 12),
         [(F("Merrell", "Moab 3"), 1), (F("Patagonia", "Better Sweater", color="grey"), 1)],
         ("UPS", "delivered", "Cedar Falls, MT", utc(2026, 10, 6, 14, 0), utc(2026, 10, 10, 20, 0), utc(2026, 10, 9, 15, 55)),
         []),
        (1063, "demo-frank", "pending", utc(2026, 12, 4, 7, 2, 40),
         [(F("The North Face", "Nuptse", color="black", gender="men"), 1)], None, []),
        (1036, "demo-grace", "return_requested", utc(2026, 11, 10, 13, 37, 5),
         [(F("Reformation", "Silk Summer Midi", color="red"), 1), (F("Mango", "Wrap Summer Midi", color="pink"), 1)],
         ("UPS", "delivered", "Riverside, NY", utc(2026, 11, 11, 17, 0), utc(2026, 11, 15, 20, 0), utc(2026, 11, 14, 12, 30)),
         [("approved", utc(2026, 11, 22, 8, 14, 50), [F("Reformation", "Silk Summer Midi", color="red")], "Fabric is thinner than expected")]),
        (1053, "demo-grace", "delivered", utc(2026, 11, 20, 9, 6, 17),
         [(F("Zara", "Linen Blend Summer Sundress", color="red"), 1), (F("Birkenstock", "Arizona", color="brown"), 1)],
         ("UPS", "delivered", "Riverside, NY", utc(2026, 11, 21, 15, 0), utc(2026, 11, 25, 20, 0), utc(2026, 11, 24, 10, 40)),
         []),
        (1040, "demo-henry", "delivered", utc(2026, 11, 1, 23, 10, 4),
         [(F("JBL", "Flip 6"), 1), (F("Anker", "PowerCore 10000"), 1)],
         ("USPS", "delivered", "Westbrook, TX", utc(2026, 11, 3, 11, 0), utc(2026, 11, 7, 20, 0), utc(2026, 11, 6, 14, 18)),
         []),
        (1057, "demo-henry", "cancelled", utc(2026, 11, 25, 2, 31, 55),
         [(F("Adidas", "Duramo SL", color="blue"), 1)], None, []),
    ]
    return_id = 0
    orders = []
    for oid, user, status, created, lines, ship, returns in sorted(specs, key=lambda s: s[0]):
        items, total = [], 0
        seen = []
        for p, qty in lines:
            assert p["sku"] not in seen, (oid, p["sku"])
            seen.append(p["sku"])
            items.append({"sku": p["sku"], "quantity": qty, "unit_price": money(p["price_cents"])})
            total += qty * p["price_cents"]
        o = {"id": oid, "user_id": user, "status": status, "currency": "USD", "items": items,
             "total": money(total), "shipping_address": ADDRESSES[user], "carrier": None,
             "tracking_number": None, "tracking_status": None, "tracking_location": None,
             "estimated_delivery_at": None, "shipped_at": None, "delivered_at": None,
             "created_at": iso(created), "returns": []}
        if ship:
            carrier, tstatus, loc, shipped, eta, delivered = ship
            if carrier == "UPS":
                tn = "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTVWXY") for _ in range(16))
            elif carrier == "FedEx":
                tn = "".join(rng.choice("0123456789") for _ in range(12))
            else:
                tn = "9400" + "".join(rng.choice("0123456789") for _ in range(18))
            o.update({"carrier": carrier, "tracking_number": tn, "tracking_status": tstatus,
                      "tracking_location": loc, "estimated_delivery_at": iso(eta),
                      "shipped_at": iso(shipped), "delivered_at": iso(delivered) if delivered else None})
        for rstatus, rcreated, returned, reason in returns:
            return_id += 1
            skus = [p["sku"] for p in returned]
            assert all(s in seen for s in skus), (oid, skus)
            o["returns"].append({"id": return_id, "skus": skus, "reason": reason,
                                 "status": rstatus, "created_at": iso(rcreated)})
        orders.append(o)
    return orders


# ---------------------------------------------------------------------------------------------
# Events

def segment_products(products, segment):
    prefixes = SEGMENTS[segment]
    return [p for p in products if any(p["category"].startswith(x) for x in prefixes)]


def build_events(products, orders):
    rng = rng_for("events")
    by_sku = {p["sku"]: p for p in products}
    start, end = utc(2026, 6, 1), utc(2026, 11, 28)
    span = int((end - start).total_seconds())
    raw = []  # (time, user, session, type, sku, qty)

    def sessions(user, segments, boosts, max_price, n_sessions, sess_offset=0):
        for s in range(n_sessions):
            seg = rng.choice(segments)
            pool = [p for p in segment_products(products, seg)
                    if max_price is None or p["price_cents"] <= cents(max_price)]
            weights = [(p["review_count"] + 2) * boosts.get(p["brand"], 1.0) for p in pool]
            k = min(len(pool), rng.randint(2, 6))
            picked = []
            while len(picked) < k:
                p = rng.choices(pool, weights=weights)[0]
                if p not in picked:
                    picked.append(p)
            t = start + timedelta(seconds=rng.randrange(span))
            sid = f"{user}-s{s + 1 + sess_offset:02d}"
            for p in picked:
                if rng.random() < 0.6:
                    raw.append((t, user, sid, "click", p["sku"], 1))
                    t += timedelta(seconds=rng.randint(2, 20))
                raw.append((t, user, sid, "view", p["sku"], 1))
                t += timedelta(seconds=rng.randint(15, 180))
                if p["stock"] > 0 and rng.random() < 0.2:
                    qty = rng.choice([1, 1, 1, 2])
                    raw.append((t, user, sid, "add_to_cart", p["sku"], qty))
                    t += timedelta(seconds=rng.randint(10, 90))
                    if rng.random() < 0.5:
                        pt = t + timedelta(seconds=rng.randint(60, 900))
                        raw.append((pt, user, sid, "purchase", p["sku"], qty))
                        if rng.random() < 0.05:
                            rtime = pt + timedelta(days=rng.randint(4, 20))
                            raw.append((rtime, user, sid, "return", p["sku"], qty))

    # Synthetic shoppers demo-u001..demo-u200, each with one or two tastes and maybe a brand.
    seg_names = list(SEGMENTS)
    for i in range(1, 201):
        user = f"demo-u{i:03d}"
        segs = rng.sample(seg_names, rng.choice([1, 1, 2]))
        pool = segment_products(products, segs[0])
        boosts = {}
        if rng.random() < 0.6:
            boosts[rng.choice(pool)["brand"]] = rng.choice([3.0, 5.0, 8.0])
        n = rng.choice([1, 1, 2, 2, 3, 4])
        sessions(user, segs, boosts, None, n)

    # The demo users: browsing that fits their persona, then their orders.
    for user, _ in USERS:
        segs, boosts, max_price = PERSONAS[user]
        sessions(user, segs, boosts, max_price, rng.randint(5, 7))
    for o in orders:
        user = o["user_id"]
        created = datetime.strptime(o["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        sid = f"{user}-order-{o['id']}"
        t = created - timedelta(minutes=rng.randint(8, 40))
        for it in o["items"]:
            raw.append((t, user, sid, "view", it["sku"], 1))
            t += timedelta(seconds=rng.randint(20, 120))
            raw.append((t, user, sid, "add_to_cart", it["sku"], it["quantity"]))
            t += timedelta(seconds=rng.randint(20, 120))
        if o["status"] != "cancelled":
            for it in o["items"]:
                raw.append((created, user, sid, "purchase", it["sku"], it["quantity"]))
        for r in o["returns"]:
            if r["status"] == "completed":
                rt_ = datetime.strptime(r["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
                for sku in r["skus"]:
                    qty = next(it["quantity"] for it in o["items"] if it["sku"] == sku)
                    raw.append((rt_ + timedelta(days=5), user, sid, "return", sku, qty))

    order_rank = {"click": 0, "view": 1, "add_to_cart": 2, "purchase": 3, "return": 4}
    raw.sort(key=lambda e: (e[0], e[1], order_rank[e[3]], e[4]))
    events = []
    for n, (t, user, sid, typ, sku, qty) in enumerate(raw, 1):
        assert sku in by_sku
        events.append({"user_id": user, "type": typ, "sku": sku, "quantity": qty,
                       "occurred_at": iso(t), "session_id": sid,
                       "idempotency_key": f"demo-ev-{n:06d}"})
    return events


# ---------------------------------------------------------------------------------------------
# Bad rows for the importer tests (README lists which lines are bad and why).

BAD_ROWS = [
    # 1 good
    '{"sku":"VS-BAD-000001","title":"Good Row Cotton Tee","price":19.99,"currency":"USD","attributes":{"color":"blue","size":["S","M"]}}',
    # 2 missing sku
    '{"title":"Row Without Sku","price":9.99,"currency":"USD"}',
    # 3 good (only the required fields)
    '{"sku":"VS-BAD-000003","title":"Good Row Minimal","price":5}',
    # 4 negative price
    '{"sku":"VS-BAD-000004","title":"Negative Price Mug","price":-3.50,"currency":"USD"}',
    # 5 price as text
    '{"sku":"VS-BAD-000005","title":"Text Price Lamp","price":"abc","currency":"USD"}',
    # 6 attributes not an object
    '{"sku":"VS-BAD-000006","title":"Attributes As List","price":12.00,"attributes":["red","large"]}',
    # 7 invalid JSON (truncated object)
    '{"sku":"VS-BAD-000007","title":"Broken JSON Row","price":15.00,',
    # 8 empty title
    '{"sku":"VS-BAD-000008","title":"","price":7.25,"currency":"USD"}',
    # 9 invalid currency
    '{"sku":"VS-BAD-000009","title":"Bad Currency Scarf","price":22.00,"currency":"usd1"}',
    # 10 good, with an accented brand and a string attribute value
    '{"sku":"VS-BAD-000010","title":"Good Row Serum","price":29.99,"currency":"USD","brand":"L\'Oréal Paris","category":"Beauty/Skincare/Serums","attributes":{"skin_type":"all"},"stock":3}',
]


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write((r if isinstance(r, str) else dumps(r)) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default services/rec-svc/demo)")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    products = build_products()
    reviews = build_reviews(products)
    orders = build_orders(products)
    events = build_events(products, orders)
    users = [{"id": u, "display_name": n} for u, n in USERS]

    files = {
        "products.jsonl": product_rows(products), "reviews.jsonl": reviews,
        "users.jsonl": users, "events.jsonl": events, "orders.jsonl": orders,
        "bad-rows.jsonl": BAD_ROWS,
    }
    for name, rows in files.items():
        write_jsonl(os.path.join(args.out, name), rows)
    if not args.quiet:
        tops = {}
        for p in products:
            top = p["category"].split("/")[0]
            tops[top] = tops.get(top, 0) + 1
        print(f"generate: wrote {args.out}")
        print("  products: %d (%s)" % (len(products), ", ".join(f"{k} {v}" for k, v in tops.items())))
        print(f"  reviews: {len(reviews)}  users: {len(users)}  events: {len(events)}  orders: {len(orders)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
