#!/usr/bin/env python3
"""Prints N realistic product titles (default 2000), the same ones on every run (seeded).

Usage: python3 bench/embeddings/make_titles.py [N] > titles.txt   (stdlib only)
"""

import random
import sys

BRANDS = ["Samsung", "Apple", "Sony", "Nike", "Adidas", "Levi's", "L'Oréal", "KitchenAid", "Bosch", "Philips",
          "Dyson", "Lego", "Hydro Flask", "North Face", "Patagonia", "Logitech", "Anker", "Braun", "Nespresso",
          "De'Longhi", "Häagen-Dazs", "Le Creuset", "Tefal", "Garmin", "Canon", "JBL", "Bose", "Under Armour",
          "Columbia", "Crocs", "Ray-Ban", "Casio", "Weber", "Makita", "DeWalt", "Pampers", "Huggies", "Olay"]
PRODUCTS = {
    "clothing": ["T-Shirt", "Hoodie", "Maxi Dress", "Sundress", "Slim Fit Jeans", "Chino Pants", "Rain Jacket",
                 "Down Parka", "Running Shorts", "Wool Socks (3 Pack)", "Polo Shirt", "Cardigan"],
    "shoes": ["Running Shoe", "Trail Sneaker", "Leather Boot", "Slip-On Loafer", "Sandal", "High-Top Sneaker"],
    "electronics": ["Wireless Earbuds", "Noise Cancelling Headphones", "4K Smart TV", "Bluetooth Speaker",
                    "USB-C Charger 65W", "Power Bank 20000mAh", "Mechanical Keyboard", "Gaming Mouse",
                    "Smartwatch", "Action Camera", "Portable SSD 1TB", "HDMI 2.1 Cable"],
    "kitchen": ["Stand Mixer", "Espresso Machine", "Cast Iron Skillet", "Nonstick Frying Pan", "Chef's Knife",
                "Electric Kettle", "Air Fryer", "Blender", "Coffee Grinder", "Dutch Oven"],
    "home": ["Cordless Vacuum", "Air Purifier", "LED Desk Lamp", "Memory Foam Pillow", "Cotton Bath Towel Set",
             "Scented Candle", "Robot Vacuum", "Space Heater"],
    "outdoor": ["Camping Tent", "Sleeping Bag", "Insulated Water Bottle", "Hiking Backpack 40L", "Gas Grill",
                "Folding Camp Chair"],
    "beauty": ["Hydrating Face Cream", "Vitamin C Serum", "Micellar Water", "Electric Toothbrush",
               "Sunscreen SPF 50", "Shampoo for Dry Hair"],
    "baby": ["Diapers Size 4", "Baby Stroller", "Convertible Car Seat", "Baby Wipes (12 Packs)"],
}
ADJECTIVES = ["Lightweight", "Waterproof", "Organic", "Premium", "Classic", "Ultra-Slim", "Heavy Duty",
              "Eco-Friendly", "Compact", "Professional", "Vintage", "Quick-Dry", "Ergonomic", "Rechargeable"]
COLOURS = ["Black", "White", "Navy Blue", "Red", "Forest Green", "Heather Grey", "Beige", "Rose Gold",
           "Titanium", "Burgundy", "Sky Blue", "Charcoal"]
EXTRAS = ["for Men", "for Women", "for Kids", "Unisex", "2-Pack", "with Carrying Case", "- Limited Edition",
          "(2024 Model)", "| Free Shipping", "with 2-Year Warranty", "Size M", "Size 10.5", "12 oz", "1.5 L",
          "Compatible with iPhone 15 & Galaxy S24", "BPA-Free", "Machine Washable", "Dishwasher Safe"]


def title(rng):
    category = rng.choice(list(PRODUCTS))
    parts = [rng.choice(BRANDS)]
    if rng.random() < 0.6:
        parts.append(rng.choice(ADJECTIVES))
    parts.append(rng.choice(PRODUCTS[category]))
    if rng.random() < 0.5:
        parts.append("- " + rng.choice(COLOURS))
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        parts.append(rng.choice(EXTRAS))
    return " ".join(parts)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rng = random.Random(20240501)
    for _ in range(n):
        print(title(rng))


if __name__ == "__main__":
    main()
