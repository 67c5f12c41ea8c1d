#!/usr/bin/env python3
"""Writes nlu-svc's training and held-out files (services/nlu-svc/data/*.txt).

    python3 scripts/nlu-data/generate.py [--seed 7] [--per-intent 320]

- train-templates.txt: utterances generated from the templates below, filled with the demo
  catalog's vocabulary (services/rec-svc/demo/products.jsonl: brands, categories, colours,
  materials, sizes) and with spoken numbers, prices, ordinals and order ids.
- train-irregular.txt: services/nlu-svc/data/src/irregular.annotated, hand-written irregular
  utterances (fillers, odd word order, ASR-style run-ons, other languages), converted.
- test.txt: services/nlu-svc/data/src/heldout.annotated, the hand-written held-out set. No
  template generated it; the tests and the benchmark score the model on it.

The .annotated files mark slots in brackets, the slot name first:
    show me [color red] [category dresses] under [price_max fifty bucks] <=> search_products
and are converted to the ATIS/SNIPS format the trainer reads, one utterance a line:
    show:O me:O red:B-color dresses:B-category under:O fifty:B-price_max bucks:I-price_max <=> search_products

The output depends only on the inputs and the seed (random.Random(seed)), so running it again
changes nothing; tests/data checks that.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = ROOT / "services/rec-svc/demo/products.jsonl"
DATA = ROOT / "services/nlu-svc/data"

SLOTS = {
    "brand", "category", "color", "size", "material", "price_min", "price_max", "rating_min",
    "quantity", "ordinal", "order_id", "product", "sort",
}

# ---------------------------------------------------------------------------------------
# Spoken numbers


UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spell(n: int) -> str:
    """1-9999 in words, the way people say it ("two hundred and fifty")."""
    if n < 10:
        return UNITS[n]
    if n < 20:
        return TEENS[n - 10]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + UNITS[n % 10])
    if n < 1000:
        rest = n % 100
        head = UNITS[n // 100] + " hundred"
        return head if rest == 0 else head + random_choice([" and ", " "]) + spell(rest)
    rest = n % 1000
    head = spell(n // 1000) + " thousand"
    return head if rest == 0 else head + " " + spell(rest)


RNG = random.Random(0)


def random_choice(options):
    return RNG.choice(options)


def spoken_price() -> str:
    """A price as shoppers say it."""
    kind = RNG.random()
    amount = RNG.choice([10, 15, 20, 25, 30, 35, 40, 45, 50, 60, 70, 75, 80, 90, 100, 120, 150, 200, 250, 300, 500, 1000])
    if kind < 0.45:
        words = spell(amount)
        if amount == 100 and RNG.random() < 0.5:
            words = "a hundred"
    elif kind < 0.65:
        dollars = RNG.choice([9, 12, 19, 24, 25, 29, 34, 39, 49, 59, 79, 99, 149, 199])
        cents = RNG.choice([99, 95, 50, 49, 90])
        words = spell(dollars) + " " + spell(cents)
    elif kind < 0.8:
        words = RNG.choice([f"${amount}", str(amount), f"{amount}.99" if amount < 100 else str(amount)])
    else:
        words = spell(amount)
    suffix = RNG.choice(["", "", "", " dollars", " bucks", " dollars", " usd"] if not words.startswith("$") else [""])
    return words + suffix


def spoken_order_id() -> str:
    number = RNG.choice([1042, 1043, 1001, 1057, 2310, 1100, 1999, 4521, 1205, 3007, 1010, 5000, 1234, 9876])
    digits = str(number)
    kind = RNG.random()
    if kind < 0.5:
        return " ".join(RNG.choice(["oh", "zero"]) if d == "0" else UNITS[int(d)] for d in digits)
    if kind < 0.75:
        return spell(int(digits[:2])) + " " + (spell(int(digits[2:])) if digits[2] != "0" else "oh " + UNITS[int(digits[3])])
    if kind < 0.85:
        return digits
    return " ".join(UNITS[int(d)] for d in digits)


def spoken_rating() -> str:
    return RNG.choice(["four", "three", "four and a half", "five", "4", "three and a half", "4.5"]) + RNG.choice(
        [" stars", " stars", " star"]
    )


def spoken_size() -> str:
    return RNG.choice([
        "small", "medium", "large", "extra large", "extra small", "size small", "size medium", "size large",
        "xl", "size eight", "size eight and a half", "size ten", "size nine", "size seven and a half", "size twelve",
        "twelve months", "six months", "eighteen months", "size two t", "size four t", "queen", "king", "twin",
        "size thirty two", "size 32", "size 8", "size 10.5", "double extra large", "x large",
        "small", "medium", "large", "queen", "king", "full", "size six", "size eleven", "three t", "newborn",
    ])


ORDINALS = ["first", "second", "third", "fourth", "fifth", "last"]
QUANTITIES = ["two", "three", "four", "five", "one", "six", "ten", "2", "3", "a couple"]
SORTS = [
    "cheapest", "most expensive", "best rated", "top rated", "highest rated", "newest", "latest",
    "lowest price", "highest price", "most popular", "best reviewed", "cheapest", "priciest", "newest",
]
# What follows "sorted by" or "sort by": tagged `sort` as well ({sort_by} in the templates).
SORT_BY = [
    "price", "price low to high", "price high to low", "lowest price", "highest price", "rating", "customer rating",
    "reviews", "best rating", "newest", "newest first", "popularity", "price ascending", "top rating",
]
# Placeholders whose tag is another slot's name.
TAG_OF = {"sort_by": "sort"}

# ---------------------------------------------------------------------------------------
# Catalog vocabulary


def spoken(text: str) -> str:
    text = text.lower()
    text = (text.replace("é", "e").replace("è", "e").replace("ô", "o").replace("ö", "o"))
    text = text.replace("&", " and ").replace("/", " ")
    text = re.sub(r"[^a-z0-9' .-]", " ", text)
    text = text.replace(". ", " ").replace(".", " ") if "." in text else text
    return " ".join(text.split())


def brand_forms(brand: str) -> list[str]:
    base = spoken(brand)
    forms = {base, base.replace("'", ""), base.replace("-", " ")}
    if base.startswith("the "):
        forms.add(base[4:])
    if base.startswith("dr "):
        forms.add("doctor " + base[3:])
    return sorted(f for f in forms if f)


def noun_forms(noun: str) -> list[str]:
    low = spoken(noun).replace("-", " ")
    forms = {low}
    if low.endswith("s") and not low.endswith("ss") and low not in ("jeans", "shorts", "pants", "leggings", "chinos"):
        forms.add(low[:-2] if low.endswith(("ses", "xes", "ches", "shes")) else low[:-1])
    return sorted(forms)


def load_catalog():
    brands, categories, colors, materials = set(), set(), set(), set()
    for line in PRODUCTS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        product = json.loads(line)
        brands.add(product.get("brand", ""))
        categories.add(product.get("category", ""))
        attributes = product.get("attributes", {})
        for key, target in (("color", colors), ("material", materials)):
            value = attributes.get(key)
            for item in value if isinstance(value, list) else [value]:
                if item:
                    target.add(item)
    brands.discard("")
    category_forms: set[str] = set()
    for path in sorted(categories):
        segments = [s for s in path.split("/") if s]
        for depth in range(1, len(segments) + 1):
            leaf = segments[depth - 1]
            if leaf.lower() in ("women", "men", "kids", "boys", "girls", "baby", "home", "beauty", "electronics", "toys"):
                continue
            for form in noun_forms(leaf):
                category_forms.add(form)
                if depth >= 2:
                    parent = segments[depth - 2]
                    if parent.lower() in ("women", "men", "kids", "boys", "girls"):
                        category_forms.add(f"{parent.lower()}'s {form}")
                    elif parent.lower() not in ("home", "beauty", "electronics", "toys"):
                        for parent_form in noun_forms(parent):
                            if not form.endswith(parent_form):
                                category_forms.add(f"{form} {parent_form}")
    colors.add("gray")
    # "On" is a brand, and also the commonest preposition: keep it out of the templates, so
    # the model learns "on" from context in the hand-written data only.
    brand_list = sorted({form for brand in brands if brand != "On" for form in brand_forms(brand)})
    return brand_list, sorted(category_forms), sorted(colors), sorted(spoken(m) for m in materials)


PRODUCT_NOUNS = [
    "sundress", "hoodie", "tee", "earbuds", "charger", "serum", "mascara", "foundation", "blouse", "cardigan",
    "pajamas", "cleanser", "cream", "mixer", "coat", "adapter", "smartwatch", "moisturizer", "lotion", "primer",
    "palette", "bronzer", "blush", "blender", "toaster", "knife", "water bottle", "tumbler", "lamp", "backpack",
    "mug", "perfume", "lipstick", "phone", "laptop bag", "raincoat", "parka", "beanie", "socks", "scarf",
    "gift", "present", "outfit", "kettle", "air fryer", "espresso machine", "watch", "bag", "wallet",
    "sunglasses", "umbrella", "towel", "doormat", "iron",
]

# ---------------------------------------------------------------------------------------
# Templates: literal words and {slot} placeholders. A few optional fillers are added at
# random (see fill()).

T = {
    "search_products": [
        "show me {color} {category}", "show me {brand} {category}", "i want {color} {category} under {price_max}",
        "find {category} under {price_max}", "find me {brand} {category} in {color}",
        "i'm looking for {material} {category}", "looking for a {color} {product}", "do you have {brand} {category}",
        "search for {category}", "{category} under {price_max}", "{brand} {category} size {size}",
        "i need {category} in {size}", "show me {category} between {price_min} and {price_max}",
        "{color} {material} {category} for less than {price_max}", "any {category} over {price_min}",
        "show me {sort} {category}", "what are the {sort} {category}", "{category} from {brand}",
        "i'd like some {color} {category}", "get me {category} with {rating_min} and up",
        "{category} rated {rating_min} or more", "show me {category} with at least {rating_min}",
        "find {brand} {product}", "show {color} {category} sorted by {sort}", "i want a {product} from {brand}",
        "search {brand}", "show me {brand}", "{color} {category}", "{brand} {category} under {price_max}",
        "looking for {category} in {size} under {price_max}", "show me {category} in {color} and {size}",
        "can i see {material} {category} from {brand}", "do you sell {product}", "i need a new {product}",
        "{category} for under {price_max}", "cheap {category}", "{category} no more than {price_max}",
        "show me {category} that cost less than {price_max}", "what {category} do you have in {color}",
        "i'm after a {color} {product} under {price_max}", "what about in {color}", "do you have it in {color}",
        "how about {brand}", "show me the {sort} ones", "now show me {color} ones", "in {size} please",
        "only {brand} please", "anything cheaper than {price_max}", "something in {material}",
        "{category} above {price_min}", "{category} from {price_min} to {price_max}", "{product} in {color}",
        "show me {size} {category}", "i wear a {size} show me {category}", "got any {color} {product}",
        "{category} {color}", "{category} in {color} {size}", "{category} {sort}", "{category} {sort} first",
        "show me {category} {sort} first", "{category} below {price_max}", "{category} around {price_max}",
        "{category} up to {price_max}", "{brand} {category} for about {price_max}", "{category} {size} {material}",
        "need some {category} {size}", "{category} within {price_min} to {price_max}",
        "{category} between {price_min} and {price_max}", "between {price_min} and {price_max}",
        "{brand} {category} below {price_max}", "i'm hunting for {category}", "got anything from {brand}",
        "what {category} have you got", "pull up {category} in {color}", "do you carry {brand}",
        "anything from {brand} in {material}", "{color} {category} for a party", "{category} for my son",
        "{category} for her under {price_max}", "something {color} in {size}", "i'd love a {color} {product}",
        "{brand} {category} stuff", "{material} {category} {sort} first", "{brand} stuff", "{brand} things",
        "let me see {category} from {brand}", "can you show {category} made of {material}",
        "what have you got from {brand}", "{category} in {size} please", "{category} {size}",
        "{brand} {category} with {rating_min} or better", "{category} with {rating_min}",
        # The order said first ("cheapest nike sneakers") or after "sorted by" / "by".
        "{sort} {brand} {category}", "{sort} {category}", "{sort} {color} {category}", "the {sort} {brand} {product}",
        "{category} sorted by {sort_by}", "{brand} {category} sorted by {sort_by}", "{category} by {sort_by}",
        "show me {category} sorted by {sort_by}", "sort by {sort_by}", "sort them by {sort_by}",
        "{color} {category} by {sort_by} please", "{category} for kids sorted by {sort_by}",
    ],
    "ask_price": [
        "how much is the {ordinal} one", "what's the price of the {ordinal} one", "how much does it cost",
        "how much is it", "what does the {ordinal} one cost", "price of the {brand} {product}",
        "how much are the {brand} {category}", "what's the price", "how much for the {ordinal}",
        "how much do the {color} {category} cost", "tell me the price of the {ordinal} one", "what is the cost of this",
        "how expensive is the {ordinal} one", "is the {ordinal} one expensive", "what's that one going for",
        "how much is this {product}", "how much would {quantity} of them cost", "what do those cost",
        "price check on the {ordinal} one", "how much is the {brand} one", "what do they want for the {ordinal} one",
        "what's the {ordinal} one selling for", "how much would the {ordinal} one run me", "cost of it",
        "how much money is the {ordinal} one", "what's the price tag on the {color} one", "how much are they",
        "what would it cost me", "and the price", "how much is the {ordinal}",
    ],
    "compare_prices": [
        "which is cheaper", "which one is cheaper", "compare the prices", "is the {ordinal} one cheaper than the {ordinal} one",
        "which is the cheapest", "compare the {ordinal} and the {ordinal} one", "what's the price difference",
        "which costs less", "is {brand} cheaper than {brand}", "which of these is more expensive",
        "compare prices of the {ordinal} and {ordinal}", "which one is the better deal", "which is less expensive",
        "how do their prices compare", "is the {ordinal} cheaper", "which of those costs the least",
        "compare the {brand} and the {brand} {category}", "what's cheaper the {ordinal} or the {ordinal} one",
        "is the {ordinal} one more expensive than the {ordinal}", "is the {ordinal} one pricier",
        "which is the best value", "which gives me the better price", "which one costs more",
        "which of the two is cheaper", "is this one cheaper than that one", "lowest price of these",
        "rank these by price", "what's the cheapest option here",
    ],
    "read_reviews": [
        "what do people say about the {ordinal} one", "read me the reviews", "show reviews for the {ordinal} one",
        "are the reviews good", "what are the reviews like for the {brand} {product}", "any reviews",
        "what do customers think of it", "read the reviews of the {ordinal} one", "how is it rated",
        "what's the rating of the {ordinal} one", "is the {ordinal} one any good", "tell me what reviewers say",
        "do people like the {brand} {category}", "what are people saying about this", "read me some reviews",
        "how many stars does the {ordinal} one have", "are there complaints about the {ordinal} one",
        "reviews for the {color} one", "what do buyers say about {brand} {category}",
        "any feedback from buyers", "is it well reviewed",
        "what rating does it have", "would people recommend the {ordinal} one", "read a review",
        "what did people think of the {ordinal}", "show me the ratings", "tell me the reviews",
    ],
    "product_details": [
        "tell me more about the {ordinal} one", "what is the {ordinal} one made of", "what sizes does it come in",
        "is the {ordinal} one in stock", "does it come in {color}", "what material is it", "details on the {ordinal} one",
        "is it available in {size}", "tell me about the {brand} {product}", "what colors does the {ordinal} one come in",
        "is the {ordinal} one {material}", "more info on the {ordinal}", "describe the {ordinal} one",
        "what are the specs of the {ordinal} one", "is it machine washable", "how big is the {ordinal} one",
        "does the {ordinal} one come in {size}", "is this in stock", "what's the {ordinal} one like",
        "can you tell me more about it", "what's it made of", "does the {brand} {product} come in {color}",
        "which sizes does it come in", "what sizes are available", "which colors are there", "is it waterproof",
        "how much does the {ordinal} one weigh", "what are the dimensions", "what's the {ordinal} one made from",
        "is the {ordinal} one still available", "is it available", "tell me about it", "what features does it have",
    ],
    "add_to_cart": [
        "add the {ordinal} one to my cart", "add {quantity} of those", "put it in my cart", "add it to the cart",
        "i'll take the {ordinal} one", "add {quantity} to my basket", "buy the {ordinal} one", "add that to my cart",
        "i'll take {quantity}", "put {quantity} of the {ordinal} one in the cart", "add the {brand} {product} to my cart",
        "add {quantity} {color} ones", "i want to buy the {ordinal} one", "add this to my bag",
        "put the {ordinal} one in my basket", "add {quantity} of the {ordinal} one", "yes add it",
        "add one in {size}", "add the {color} one in {size}", "get me {quantity} of those", "i'll buy it",
        "add both to my cart", "add those", "throw the {ordinal} one in my cart", "stick it in my basket",
        "put {quantity} in my cart", "i'll have {quantity}", "i'll have the {ordinal} one", "grab me {quantity}",
        "pop it in the cart", "go ahead and add the {ordinal} one", "add it please", "yes put it in my bag",
    ],
    "remove_from_cart": [
        "remove the {ordinal} one from my cart", "take it out of my cart", "delete the {brand} {product} from the cart",
        "remove that", "i don't want the {ordinal} one anymore", "take the {product} out", "remove {quantity} of those",
        "drop the {ordinal} item", "get rid of the {color} one", "remove everything from my cart",
        "take out the {ordinal} one", "delete that item", "remove the {brand} one", "empty my cart",
        "remove one of the {ordinal} ones", "i changed my mind remove it", "cancel the {ordinal} item in my cart",
        "clear the cart", "clear out my basket", "delete everything in my bag", "take {quantity} out",
        "i don't need it anymore", "remove the last thing i added", "scrap the {ordinal} one",
    ],
    "view_cart": [
        "what's in my cart", "show me my cart", "show my basket", "what did i add", "read my cart back",
        "how many items are in my cart", "what's my total", "view cart", "open my cart", "what have i got in my bag",
        "list my cart", "what is in my shopping cart", "show cart", "how much is my cart", "check my cart",
        "what's in the basket so far", "go to my cart", "review my cart", "what am i getting",
        "what's in my bag so far", "what have i picked", "what have i added so far", "show me what's in my basket",
        "my basket please", "tell me what's in the cart", "what's the cart total", "what did i put in my cart",
    ],
    "checkout": [
        "check out", "checkout", "i'm ready to check out", "place my order", "buy everything in my cart",
        "let's check out", "proceed to checkout", "complete my order", "i want to pay", "pay now", "place the order",
        "finish my order", "go to checkout", "order it", "i'm done shopping", "submit my order", "confirm the order",
        "let's pay", "buy now", "ring me up", "that's everything ring it up", "i'm finished let's pay",
        "complete the checkout", "finalize my purchase", "purchase everything", "send my order",
        "buy all of it", "i'll buy everything in the cart", "take my money", "let's wrap this up and pay",
    ],
    "order_status": [
        "where is my order", "where's my order {order_id}", "what's the status of order {order_id}",
        "order status for {order_id}", "has my order shipped", "check order {order_id}", "status of my order",
        "is order {order_id} on its way", "when will my order arrive", "when does order number {order_id} arrive",
        "any update on order {order_id}", "what happened to my order", "is my order ready", "order {order_id} status",
        "can you check on my last order", "did my order go through", "where is order number {order_id}",
        "when is my package coming", "any news about my order", "has order {order_id} been sent",
        "did my stuff ship", "when will my stuff get here", "what's going on with order {order_id}",
    ],
    "track_shipment": [
        "track my package", "track order {order_id}", "tracking number for order {order_id}", "track my shipment",
        "where is my package right now", "give me the tracking for {order_id}", "can you track order number {order_id}",
        "which carrier is shipping order {order_id}", "track it", "tracking info please", "track the delivery",
        "where is the parcel for order {order_id}", "what's the tracking number", "follow my shipment",
        "is my delivery out for delivery", "shipment tracking for {order_id}", "who is delivering my package",
        "which courier has it", "where exactly is my parcel", "follow the package", "track the parcel for {order_id}",
        "give me the tracking details", "what carrier is it with",
    ],
    "return_item": [
        "i want to return the {product}", "return order {order_id}", "how do i return something",
        "i need to return an item from order {order_id}", "start a return", "return the {ordinal} item of order {order_id}",
        "the {product} doesn't fit i want to return it", "send it back", "i'd like a refund", "return my {brand} {product}",
        "can i return this", "i want my money back for order {order_id}", "exchange the {product}",
        "return the {color} {product}", "how do i send back order {order_id}", "i want to return it it's too small",
        "refund order {order_id}", "how does returning work", "i'd like to send the {category} back",
        "these {category} don't fit can i return them", "return policy", "can i exchange it for a {size}",
        "money back please", "i want a refund for the {product}",
    ],
    "customer_service": [
        "talk to a person", "i want to speak to a human", "customer service please", "connect me to an agent",
        "this is ridiculous i want a manager", "i have a complaint", "can i talk to someone", "get me support",
        "call me back", "representative", "agent please", "i need help with a problem", "my item arrived broken",
        "the package was damaged", "you charged me twice", "i was overcharged", "let me speak to a real person",
        "nobody is helping me", "i want to file a complaint", "speak to customer support",         "this service is terrible", "worst experience ever", "i'm really unhappy with you", "get me a supervisor",
        "put me through to someone", "is there anyone i can talk to", "my account is locked", "i can't log in",
        "you people lost my package",     ],
    "greeting_help": [
        "hello", "hi", "hi there", "hey", "good morning", "what can you do", "help", "how does this work",
        "what can i say", "hello what can you help me with", "hey there how do i use this", "who are you",
        "good evening", "thanks", "thank you", "help me", "how do i search", "what are you", "hi can you help",
        "what can i ask you", "greetings", "morning", "hello there", "what kind of things can you do", "how do i use you", "can you help me", "thanks a lot", "cheers",
        "i'm new here", "is anyone there",
    ],
    "out_of_scope": [
        "what's the weather like", "tell me a joke", "who won the game last night", "play some music",
        "set an alarm for seven", "what time is it", "how tall is the eiffel tower", "what is the capital of france",
        "book me a flight to paris", "call my mom", "turn on the lights", "what's two plus two", "sing me a song",
        "how do i make pancakes", "what's the news today", "remind me to buy milk", "who is the president",
        "translate hello into spanish", "what's the meaning of life", "open the garage door",
        "how far is the moon", "order a pizza", "book a table for two", "what movies are playing",
        "what's the temperature outside", "will it rain today", "tell me a story", "how many feet in a mile",
        "who wrote hamlet", "what's the population of china", "start a timer", "call an uber",
        "what's the stock price of apple", "when was the declaration signed", "play the radio",
        "how do i fix my car", "what's your favorite color", "do you dream", "solve this math problem",
        "how many calories in a banana", "who is the best football team", "give me directions home",
    ],
}

FILLERS_BEFORE = ["", "", "", "", "", "um ", "uh ", "please ", "hey ", "okay ", "so ", "can you ", "could you "]
FILLERS_AFTER = ["", "", "", "", "", "", " please", " thanks", " for me", " now"]


def fill(template: str, values) -> tuple[list[str], list[str]]:
    tokens: list[str] = []
    tags: list[str] = []
    text = template
    if RNG.random() < 0.25:
        text = RNG.choice(FILLERS_BEFORE) + text
    if RNG.random() < 0.2:
        text = text + RNG.choice(FILLERS_AFTER)
    for part in re.split(r"(\{[a-z_]+\})", text):
        if not part:
            continue
        if part.startswith("{"):
            slot = part[1:-1]
            words = values[slot]().split()
            for index, word in enumerate(words):
                tokens.append(word)
                tags.append(("B-" if index == 0 else "I-") + TAG_OF.get(slot, slot))
        else:
            for word in part.split():
                tokens.append(word)
                tags.append("O")
    return tokens, tags


def line(tokens: list[str], tags: list[str], intent: str) -> str:
    return " ".join(f"{t}:{g}" for t, g in zip(tokens, tags)) + " <=> " + intent


# ---------------------------------------------------------------------------------------
# Hand-written files


def convert_annotated(path: Path) -> list[str]:
    lines = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        if "<=>" not in text:
            sys.exit(f"{path}:{number}: no '<=> intent'")
        body, intent = (part.strip() for part in text.split("<=>"))
        if intent not in T:
            sys.exit(f"{path}:{number}: unknown intent {intent!r}")
        tokens: list[str] = []
        tags: list[str] = []
        for match in re.finditer(r"\[([a-z_]+) ([^\]]+)\]|(\S+)", body):
            if match.group(3):
                if "[" in match.group(3) or "]" in match.group(3):
                    sys.exit(f"{path}:{number}: stray bracket in {match.group(3)!r}")
                tokens.append(match.group(3))
                tags.append("O")
                continue
            slot, words = match.group(1), match.group(2).split()
            if slot not in SLOTS:
                sys.exit(f"{path}:{number}: unknown slot {slot!r}")
            for index, word in enumerate(words):
                tokens.append(word)
                tags.append(("B-" if index == 0 else "I-") + slot)
        for token in tokens:
            if token != token.lower() or re.search(r"[,?!;:\"]", token):
                sys.exit(f"{path}:{number}: token {token!r} must be lower case without punctuation (ASR style)")
        lines.append(line(tokens, tags, intent))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-intent", type=int, default=320)
    parser.add_argument("--out", type=Path, default=DATA, help="where to write the .txt files (default: %(default)s)")
    args = parser.parse_args()
    out = args.out
    RNG.seed(args.seed)
    brands, categories, colors, materials = load_catalog()
    products = [noun for noun in PRODUCT_NOUNS if noun not in categories and noun not in materials]
    values = {
        "brand": lambda: RNG.choice(brands),
        "category": lambda: RNG.choice(categories),
        "color": lambda: RNG.choice(colors),
        "material": lambda: RNG.choice(materials),
        "size": spoken_size,
        "price_min": spoken_price,
        "price_max": spoken_price,
        "rating_min": spoken_rating,
        "quantity": lambda: RNG.choice(QUANTITIES),
        "ordinal": lambda: RNG.choice(ORDINALS),
        "order_id": spoken_order_id,
        "product": lambda: RNG.choice(products),
        "sort": lambda: RNG.choice(SORTS),
        "sort_by": lambda: RNG.choice(SORT_BY),
    }
    generated: list[str] = []
    for intent in sorted(T):
        templates = T[intent]
        seen: set[str] = set()
        attempts = 0
        # Search has the most phrasings and slots; give it more examples.
        wanted = args.per_intent * (3 if intent == "search_products" else 1)
        while len(seen) < wanted and attempts < wanted * 20:
            attempts += 1
            tokens, tags = fill(RNG.choice(templates), values)
            text = line(tokens, tags, intent)
            if text not in seen:
                seen.add(text)
                generated.append(text)
    RNG.shuffle(generated)
    out.mkdir(parents=True, exist_ok=True)
    header = "# GENERATED by scripts/nlu-data/generate.py from its templates and the demo catalog. Do not edit.\n"
    (out / "train-templates.txt").write_text(header + "\n".join(generated) + "\n", encoding="utf-8")
    irregular = convert_annotated(DATA / "src/irregular.annotated")
    (out / "train-irregular.txt").write_text(
        "# GENERATED by scripts/nlu-data/generate.py from src/irregular.annotated (hand-written). Do not edit.\n"
        + "\n".join(irregular) + "\n", encoding="utf-8")
    heldout = convert_annotated(DATA / "src/heldout.annotated")
    # The held-out set must stay held out: no training utterance may have the same words.
    def words(text: str) -> str:
        return " ".join(item.rsplit(":", 1)[0] for item in text.split(" <=> ")[0].split())
    training_words = {words(text) for text in generated + irregular}
    leaked = [text for text in heldout if words(text) in training_words]
    if leaked:
        sys.exit("held-out utterances also in the training data:\n  " + "\n  ".join(leaked))
    (out / "test.txt").write_text(
        "# GENERATED by scripts/nlu-data/generate.py from src/heldout.annotated (hand-written, held out). Do not edit.\n"
        + "\n".join(heldout) + "\n", encoding="utf-8")
    print(f"train-templates.txt: {len(generated)}, train-irregular.txt: {len(irregular)}, test.txt: {len(heldout)}")


if __name__ == "__main__":
    main()
