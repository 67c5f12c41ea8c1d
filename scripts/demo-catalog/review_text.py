"""Review phrases for the demo catalog, by product kind and aspect.

Every aspect has positive and negative sentences. Placeholders, filled by generate.py:
{noun} what the product is ("dress", "headphones"), {it}/{It} "it" or "they", {is}/{was}
"is/are", "was/were", {short} the product's short name (e.g. "WH-1000XM5"), {brand}.
Sentences start with a common word (not a brand) so they can be joined after "That said, ".
"""

# Noun and grammatical number per kind.
NOUNS = {
    "dress": ("dress", False), "top": ("top", False), "jeans": ("jeans", True),
    "jacket": ("jacket", False), "sweater": ("sweater", False), "activewear": ("piece", False),
    "kids": ("outfit", False), "running": ("shoes", True), "sneakers": ("sneakers", True),
    "boots": ("boots", True), "sandals": ("sandals", True), "headphones": ("headphones", True),
    "earbuds": ("earbuds", True), "speaker": ("speaker", False), "phone": ("phone", False),
    "charger": ("charger", False), "cable": ("cable", False), "tv": ("TV", False),
    "laptop": ("laptop", False), "watch": ("watch", False), "skincare": ("product", False),
    "makeup": ("product", False), "fragrance": ("fragrance", False), "lego": ("set", False),
    "boardgame": ("game", False), "doll": ("toy", False), "puzzle": ("puzzle", False),
    "appliance": ("machine", False), "cookware": ("pan", False), "drinkware": ("tumbler", False),
    "bedding": ("set", False), "decor": ("piece", False), "candle": ("candle", False),
}

# Aspect groups shared by several kinds: (aspect, positives, negatives).
APPAREL_COMMON = [
    ("fit", [
        "The fit is spot on; I ordered my usual size and it's perfect.",
        "Fits true to size and flatters without clinging.",
        "The cut is really flattering and there's room to move.",
    ], [
        "The fit runs small, so order a size up.",
        "Sizing is all over the place; the medium fits like a small.",
        "It runs large and looks boxy on me even in an XS.",
    ]),
    ("fabric", [
        "The fabric feels substantial and soft, not cheap at all.",
        "Material is breathable and didn't wrinkle much after a day of wear.",
        "Lovely fabric with a nice drape.",
    ], [
        "The fabric is thin and almost see-through in daylight.",
        "Material feels scratchy and a bit synthetic.",
        "The fabric started pilling after two wears.",
    ]),
    ("colour", [
        "The colour is exactly like the photos.",
        "Gorgeous, rich colour that gets compliments every time.",
    ], [
        "The colour is duller in person than in the pictures.",
        "The shade is way more orange than it looks online.",
    ]),
    ("washing", [
        "Washed it several times and it still looks new.",
        "Holds up well in the wash with no shrinking.",
    ], [
        "It shrank noticeably after the first wash even on cold.",
        "The colour bled in the wash and stained my other clothes.",
    ]),
]

APPAREL_EXTRA = {
    "dress": [
        ("length", [
            "The length is perfect, hitting just where the photos show.",
            "Love that it has real pockets.",
        ], [
            "It's much shorter than pictured; I'm 5'6\" and it's barely appropriate.",
            "The straps are too long and there's no way to adjust them.",
        ]),
    ],
    "jeans": [
        ("stretch", [
            "Just enough stretch to sit comfortably all day without bagging out.",
            "The rise sits right at my waist and there's no gap at the back.",
        ], [
            "They stretch out by the end of the day and start to sag.",
            "The inseam is too long and they need hemming.",
        ]),
    ],
    "jacket": [
        ("warmth", [
            "Warm enough for a windy morning walk without feeling bulky.",
            "Kept me completely dry in a downpour.",
            "The zipper is sturdy and the pockets are well placed.",
        ], [
            "Not nearly as warm as I expected for the price.",
            "The zipper snags every single time.",
            "Water soaked through at the shoulders after ten minutes of rain.",
        ]),
    ],
    "sweater": [
        ("warmth", [
            "Cozy and warm without being itchy.",
            "Great layering piece for chilly evenings.",
        ], [
            "The knit is itchy against bare skin.",
            "It lost its shape after a few wears.",
        ]),
    ],
    "activewear": [
        ("workout", [
            "Stays in place through runs and squats, no adjusting needed.",
            "Wicks sweat really well during hot workouts.",
        ], [
            "Not squat-proof at all.",
            "The waistband rolls down when I run.",
        ]),
    ],
    "kids": [
        ("durability", [
            "My son has worn it nonstop and it still looks great.",
            "Survived the playground and many washes.",
            "My daughter loves it and asks to wear it every day.",
        ], [
            "The seams came apart after a few weeks of normal play.",
            "The print cracked after a couple of washes.",
        ]),
    ],
}

SHOE_COMMON = [
    ("sizing", [
        "True to size; I got my normal size and they fit perfectly.",
        "The toe box is roomy enough for my wide feet.",
    ], [
        "They run half a size small, so size up.",
        "Way too narrow for me; my pinky toe was rubbing after an hour.",
        "They run big and my heel slips out.",
    ]),
    ("comfort", [
        "Comfortable straight out of the box, no break-in needed.",
        "I can stand in them all day at work without sore feet.",
    ], [
        "Gave me blisters on the first day.",
        "The insole is flat and my arches ache after an hour.",
    ]),
    ("durability", [
        "Still in great shape after months of daily wear.",
        "The stitching and sole feel really well made.",
    ], [
        "The sole started peeling off after two months.",
        "Holes appeared in the upper after a few weeks.",
    ]),
]

SHOE_EXTRA = {
    "running": [
        ("cushioning", [
            "The cushioning is amazing on long runs; my knees feel fresh after 10 miles.",
            "Light and bouncy, and they feel fast at tempo pace.",
            "Great grip on wet pavement.",
        ], [
            "The cushioning went flat after about 150 miles.",
            "Too firm for long runs; my legs were beat up afterwards.",
            "They feel heavy and clunky on faster runs.",
        ]),
    ],
    "sneakers": [
        ("style", [
            "Classic look that goes with everything.",
            "Clean design and they look even better in person.",
        ], [
            "They crease badly across the toes within a week.",
            "The white scuffs very easily.",
        ]),
    ],
    "boots": [
        ("weather", [
            "Truly waterproof; walked through slush with dry socks.",
            "Warm and grippy on icy sidewalks.",
        ], [
            "The break-in period was brutal, two weeks of sore heels.",
            "Not waterproof despite the label; my feet got wet in the first puddle.",
        ]),
    ],
    "sandals": [
        ("summer", [
            "Perfect for summer; I wore them all vacation.",
            "The footbed molds to your foot over time.",
        ], [
            "The straps dig into the top of my foot.",
            "Slippery when wet, which is a problem by the pool.",
        ]),
    ],
}

KIND_ASPECTS = {
    "headphones": [
        ("noise cancelling", [
            "The noise cancelling is incredible; the airplane engine just disappears.",
            "Noise cancelling blocks out the office chatter and the train completely.",
            "Switching between noise cancelling and ambient mode is seamless.",
        ], [
            "Noise cancelling is weaker than I expected; I still hear voices clearly.",
            "There's a faint hiss when noise cancelling is on in a quiet room.",
            "Noise cancelling creates an uncomfortable pressure feeling in my ears.",
        ]),
        ("battery life", [
            "Battery life is fantastic; I charge them maybe once a week.",
            "Easily lasted a 14-hour flight with battery to spare.",
            "A 10-minute charge gives hours of playback.",
        ], [
            "Battery life has dropped a lot after a few months.",
            "The battery dies much faster than advertised with noise cancelling on.",
        ]),
        ("comfort", [
            "Comfortable for hours, even with glasses.",
            "Light enough that I forget I'm wearing them.",
        ], [
            "They get hot and sweaty after an hour.",
            "The clamping force gives me a headache after a while.",
        ]),
        ("sound", [
            "Sound is rich and detailed, with punchy but controlled bass.",
            "Vocals are crisp and the soundstage is wide for wireless.",
        ], [
            "The bass is muddy out of the box; you need the EQ.",
            "Sound is flat and a bit lifeless compared to my old pair.",
        ]),
        ("calls and connection", [
            "Multipoint works great between my laptop and phone.",
            "Call quality is clear even on a windy street.",
        ], [
            "Call quality is poor; people say I sound like I'm in a tunnel.",
            "The Bluetooth connection drops every few minutes with my laptop.",
            "The companion app is clunky and keeps asking me to log in.",
        ]),
    ],
    "speaker": [
        ("sound", [
            "Surprisingly big sound for the size.",
            "Bass is deep without distorting at high volume.",
        ], [
            "Distorts badly once you go past half volume.",
            "The sound is tinny with almost no bass.",
        ]),
        ("battery life", [
            "Battery lasts all weekend at the beach.",
            "Still had charge after a full day of pool party music.",
        ], [
            "The battery barely makes it through an afternoon.",
            "It stopped holding a charge after six months.",
        ]),
        ("build", [
            "Dropped it in the lake and it floated and kept playing.",
            "Feels rugged and the strap is handy.",
        ], [
            "Pairing is a pain; it forgets my phone every time.",
            "The buttons are hard to press and not backlit.",
        ]),
    ],
    "phone": [
        ("camera", [
            "The camera takes stunning photos, especially in low light.",
            "Portrait mode and video stabilization are excellent.",
        ], [
            "Photos look over-processed and oversharpened.",
            "The camera is slow to focus on moving kids and pets.",
        ]),
        ("battery life", [
            "Battery easily lasts a full day of heavy use.",
            "Charges fast and lasts into the next morning.",
        ], [
            "Battery drains quickly even on standby.",
            "It gets warm and the battery drops when gaming.",
        ]),
        ("screen and speed", [
            "The screen is bright and smooth, and everything opens instantly.",
            "Fast, responsive and no lag at all.",
        ], [
            "The screen scratched within a week even with careful use.",
            "Already feels sluggish after the latest update.",
        ]),
    ],
    "charger": [
        ("charging speed", [
            "Charges my phone from 10 to 60 percent in about half an hour.",
            "Fast charging works exactly as advertised.",
        ], [
            "Charging is slower than my old charger.",
            "It gets very hot while charging.",
        ]),
        ("build", [
            "Compact and solid; perfect for travel.",
            "The foldable prongs are great for my bag.",
        ], [
            "It stopped working after three months.",
            "The plug is loose in the outlet and falls out.",
        ]),
    ],
    "cable": [
        ("durability", [
            "The braided cable feels indestructible.",
            "Still works perfectly after a year of daily use.",
        ], [
            "The connector frayed after a few weeks.",
            "It only charges if I hold it at a certain angle.",
        ]),
        ("speed", [
            "Fast charging and data transfer both work.",
            "Good length for reaching the bed from the outlet.",
        ], [
            "Charges slowly and my laptop doesn't recognize it.",
            "Shorter than I expected.",
        ]),
    ],
    "tv": [
        ("picture", [
            "The picture is gorgeous; blacks are deep and colours pop.",
            "4K content looks incredible and motion is smooth for sports.",
        ], [
            "Backlight bleed in the corners is really distracting in dark scenes.",
            "The picture looks washed out unless you tweak the settings a lot.",
        ]),
        ("sound", [
            "Built-in speakers are better than expected.",
            "Dialogue is clear even at low volume.",
        ], [
            "The speakers are thin; you'll want a soundbar.",
            "Dialogue is hard to hear over the music.",
        ]),
        ("smart features", [
            "The smart TV interface is fast and has every app we use.",
            "Setup took ten minutes from box to streaming.",
        ], [
            "The smart interface is laggy and full of ads.",
            "The remote is cheap and the Wi-Fi keeps dropping.",
        ]),
    ],
    "laptop": [
        ("performance", [
            "Handles dozens of browser tabs and photo editing without breaking a sweat.",
            "Boots in seconds and feels snappy.",
        ], [
            "Slows down with more than a few tabs open.",
            "The fan gets loud during simple video calls.",
        ]),
        ("battery life", [
            "Battery life gets me through a full workday and then some.",
            "Easily lasts a cross-country flight.",
        ], [
            "Battery life is nowhere near what's advertised.",
            "Battery drains overnight even when it's closed.",
        ]),
        ("screen and keyboard", [
            "The screen is sharp and the keyboard is a pleasure to type on.",
            "Great trackpad and a bright, colour-accurate display.",
        ], [
            "The screen is dim outdoors.",
            "The keyboard feels mushy and a key started sticking.",
        ]),
    ],
    "watch": [
        ("tracking", [
            "GPS locks on fast and the distance matches my running routes.",
            "Heart rate and sleep tracking seem accurate.",
        ], [
            "GPS drifts in the city and adds extra distance.",
            "Heart rate readings jump around during intervals.",
        ]),
        ("battery life", [
            "Battery lasts over a week with daily workouts.",
            "Charges quickly and lasts longer than I expected.",
        ], [
            "Battery barely makes it through a day with GPS on.",
            "It needs charging every night, which is annoying.",
        ]),
        ("comfort", [
            "Comfortable enough to sleep in.",
            "The strap is soft and the display is easy to read in sunlight.",
        ], [
            "The strap irritates my wrist.",
            "The companion app is confusing and syncing is slow.",
        ]),
    ],
    "skincare": [
        ("results", [
            "My skin is visibly smoother after two weeks.",
            "Cleared up my dry patches within days.",
            "Finally something that calms my redness.",
        ], [
            "It broke me out within a week.",
            "Didn't notice any difference after a month.",
            "It stings on application, even on my cheeks.",
        ]),
        ("texture", [
            "The texture is lightweight and absorbs quickly with no greasy feel.",
            "A little goes a long way.",
        ], [
            "Leaves a sticky film that pills under makeup.",
            "Too heavy and greasy for my combination skin.",
        ]),
        ("scent", [
            "Fragrance-free, which my sensitive skin appreciates.",
            "Pleasant, barely-there scent.",
        ], [
            "The smell is strong and chemical.",
            "The pump stopped working halfway through the bottle.",
        ]),
    ],
    "makeup": [
        ("pigment", [
            "The pigment is rich and one swipe is enough.",
            "The shade is a perfect match for my skin tone.",
        ], [
            "The shade looks nothing like the swatch online.",
            "Patchy application no matter what brush I use.",
        ]),
        ("wear time", [
            "Lasts all day without touch-ups.",
            "Survived a wedding, dancing and tears of joy.",
        ], [
            "Fades within a couple of hours.",
            "It flakes and smudges by lunchtime.",
        ]),
        ("formula", [
            "The formula feels lightweight and comfortable.",
            "Doesn't dry out my lips or settle into lines.",
        ], [
            "Clumpy formula that makes lashes look spidery.",
            "Very drying; my lips were chapped by evening.",
        ]),
    ],
    "fragrance": [
        ("longevity", [
            "Lasts all day on my skin and even longer on clothes.",
            "Two sprays in the morning and I can still smell it at night.",
        ], [
            "It fades after an hour, which is disappointing for the price.",
            "Barely lasts through my commute.",
        ]),
        ("scent", [
            "A gorgeous, sophisticated scent that gets compliments constantly.",
            "Fresh and clean without being overpowering.",
        ], [
            "Way too sweet and cloying for me.",
            "Smells different from the tester I tried in store.",
        ]),
    ],
    "lego": [
        ("build", [
            "The build was so much fun; clear instructions and clever techniques.",
            "We finished it over a weekend and it looks amazing on the shelf.",
            "Great father-son project.",
        ], [
            "Several pieces were missing from the bags.",
            "The build gets repetitive halfway through.",
        ]),
        ("value", [
            "Lots of pieces for the price.",
            "My kid plays with it every day.",
        ], [
            "Expensive for what you get.",
            "Mostly stickers instead of printed pieces.",
        ]),
    ],
    "boardgame": [
        ("gameplay", [
            "Easy to learn and the whole family is hooked.",
            "Every game plays out differently, so it never gets old.",
            "It's our go-to game for family night.",
        ], [
            "The rules are confusing and the instructions are poorly written.",
            "Games drag on too long for younger kids.",
        ]),
        ("components", [
            "Sturdy board and nice quality pieces.",
            "The components are beautiful.",
        ], [
            "The box arrived crushed and the cards are flimsy.",
            "Cheap cardboard that warped quickly.",
        ]),
    ],
    "doll": [
        ("play value", [
            "My daughter plays with it for hours.",
            "Lots of accessories that keep the kids busy.",
        ], [
            "It lost my kid's interest after a day.",
            "Tiny accessories that get lost immediately.",
        ]),
        ("quality", [
            "Well made and survives rough play.",
            "Good quality for the price.",
        ], [
            "A piece broke off on the first day.",
            "Assembly took over an hour and the stickers were crooked.",
        ]),
    ],
    "puzzle": [
        ("pieces", [
            "The pieces fit snugly with a satisfying click.",
            "Thick pieces and no dust in the box.",
        ], [
            "Two pieces were missing, which was heartbreaking at the end.",
            "Pieces are thin and some don't fit well.",
        ]),
        ("image", [
            "The image is vibrant and a fun challenge.",
            "Perfect difficulty for a rainy weekend.",
        ], [
            "The glare on the pieces makes it hard to see.",
            "Too many identical colour areas made it tedious.",
        ]),
    ],
    "appliance": [
        ("performance", [
            "Works brilliantly and makes weeknight cooking so much faster.",
            "Powerful motor; handles thick dough with ease.",
            "Makes great coffee every morning.",
        ], [
            "It's much louder than I expected.",
            "The motor started smelling hot after a few uses.",
            "Stopped working right after the return window closed.",
        ]),
        ("cleaning", [
            "Easy to clean and the parts go in the dishwasher.",
            "Looks great on the counter.",
        ], [
            "Hard to clean with lots of crevices.",
            "Takes up a ton of counter space.",
        ]),
    ],
    "cookware": [
        ("cooking", [
            "Heats evenly and sears beautifully.",
            "Nothing sticks and cleanup is a breeze.",
            "Heavy, sturdy and should last a lifetime.",
        ], [
            "The coating started chipping after a month.",
            "Heats unevenly with a hot spot in the middle.",
        ]),
        ("build", [
            "Great quality for the price.",
            "Well balanced and comfortable to hold.",
        ], [
            "The handle gets hot and feels loose.",
            "It arrived with a dent.",
        ]),
    ],
    "drinkware": [
        ("insulation", [
            "Keeps ice frozen for a full day in the car.",
            "Coffee stays hot for hours.",
        ], [
            "The lid leaks when it tips over in my bag.",
            "Sweats on the outside, which shouldn't happen.",
        ]),
        ("design", [
            "Fits in my car cup holder and the colour is lovely.",
            "Sturdy and easy to clean.",
        ], [
            "The paint chipped after a few washes.",
            "Too heavy to carry around when it's full.",
        ]),
    ],
    "bedding": [
        ("softness", [
            "Incredibly soft and gets better with every wash.",
            "Breathable; I don't overheat at night anymore.",
        ], [
            "Scratchy at first and they pilled after a month.",
            "They sleep hot and trap heat.",
        ]),
        ("fit and care", [
            "Deep pockets fit my thick mattress perfectly.",
            "Washes well and comes out of the dryer with few wrinkles.",
        ], [
            "The fitted sheet keeps popping off the corners.",
            "Shrank in the first wash.",
        ]),
    ],
    "decor": [
        ("looks", [
            "Looks even better in person and elevated the room.",
            "Well made and easy to hang.",
        ], [
            "Looks cheap in person.",
            "Arrived damaged and the replacement took weeks.",
        ]),
        ("quality", [
            "Great quality for the price.",
            "Exactly as pictured.",
        ], [
            "The finish is uneven.",
            "Smaller than I expected from the photos.",
        ]),
    ],
    "candle": [
        ("scent", [
            "The scent fills the whole living room.",
            "Smells exactly like a walk in the woods.",
        ], [
            "Barely any scent throw, even after an hour.",
            "The smell is overpowering and artificial.",
        ]),
        ("burn", [
            "Burns evenly with no tunneling.",
            "Lasts a long time for the price.",
        ], [
            "It tunneled badly and the wick drowned.",
            "Black soot on the jar after one burn.",
        ]),
    ],
}


EARBUD_COMFORT = ("comfort", [
    "They stay put during runs and are comfortable for hours.",
    "The case is pocket-size and the fit is secure with the medium tips.",
], [
    "They don't stay in my ears when I move my head.",
    "My ears ache after an hour even with the smallest tips.",
])


def aspects_for(kind):
    """The aspects of a product kind, most important first."""
    if kind in APPAREL_EXTRA or kind in ("top",):
        return APPAREL_EXTRA.get(kind, []) + APPAREL_COMMON
    if kind in SHOE_EXTRA:
        return SHOE_EXTRA[kind] + SHOE_COMMON
    if kind == "earbuds":
        return [EARBUD_COMFORT if a[0] == "comfort" else a for a in KIND_ASPECTS["headphones"]]
    return KIND_ASPECTS[kind]


USAGE = {
    "dress": ["to a summer wedding", "on vacation", "to brunch with friends", "to the office with a blazer"],
    "top": ["to work", "on weekends", "on a trip to the coast"],
    "jeans": ["to work on casual Fridays", "almost every day", "on a road trip"],
    "jacket": ["on my morning dog walks", "hiking in the rain", "commuting by bike"],
    "sweater": ["around the house", "to the office", "on chilly evenings"],
    "activewear": ["to spin class", "on my morning runs", "to yoga"],
    "kids": ["for school", "for the park", "for a birthday party"],
    "running": ["on my marathon training block", "for daily 5Ks", "on the treadmill and the road"],
    "sneakers": ["every day", "at work", "on a city trip"],
    "boots": ["through a snowy winter", "on muddy trails", "to work every day"],
    "sandals": ["on a beach vacation", "all summer", "around town"],
    "headphones": ["on my commute", "on a long-haul flight", "working from home", "at the gym"],
    "earbuds": ["on my commute", "at the gym", "on flights"],
    "speaker": ["at the beach", "in the backyard", "in the shower"],
    "phone": ["every day", "for work and photos", "while travelling"],
    "charger": ["at my desk", "while travelling", "next to the bed"],
    "cable": ["at my desk", "in the car", "next to the bed"],
    "tv": ["for movie nights", "for gaming", "for watching sports"],
    "laptop": ["for work", "for school", "for photo editing"],
    "watch": ["for marathon training", "every day", "for sleep tracking"],
    "skincare": ["morning and night", "as part of my routine", "every evening"],
    "makeup": ["every day", "for a wedding", "for work"],
    "fragrance": ["every day", "for date nights", "to the office"],
    "lego": ["with my kids", "as a weekend project", "as a gift"],
    "boardgame": ["for family game night", "with friends", "on holidays"],
    "doll": ["for my daughter's birthday", "as a holiday gift", "for my niece"],
    "puzzle": ["on rainy weekends", "with my partner", "over the holidays"],
    "appliance": ["every morning", "for weekend baking", "for meal prep"],
    "cookware": ["almost every night", "for weekend cooking", "for camping"],
    "drinkware": ["at the gym", "on road trips", "at my desk"],
    "bedding": ["every night", "in the guest room", "in our bedroom"],
    "decor": ["in the living room", "in the entryway", "in our bedroom"],
    "candle": ["in the living room", "during the holidays", "in the bathroom"],
}

OPENERS = [
    "I've had the {short} for {duration} now.",
    "Bought {it} on sale and {used} {it} {usage}.",
    "I've been {using} {it} {usage}.",
    "Picked {it} up after reading a lot of reviews.",
    "Second {noun} from {brand} for me.",
    "Got {it} as a gift and have {used_pp} {it} {usage}.",
    "{Used} {it} {usage} for {duration}.",
]

# Things worn take "wear" in the openers, everything else "use".
WORN = ["dress", "top", "jeans", "jacket", "sweater", "activewear", "running", "sneakers",
        "boots", "sandals", "fragrance", "watch"]

DURATIONS = ["two weeks", "a month", "six weeks", "three months", "half a year", "almost a year"]

CLOSERS_POS = [
    "Would buy again.", "Highly recommend.", "No regrets at all.", "Worth every penny.",
    "Already told all my friends.", "Ordering another one in a different colour.",
]
CLOSERS_MID = [
    "It's fine for the price.", "Not bad, not amazing.", "I'll keep {it}, but I'm not in love.",
    "Decent if you catch {it} on sale.",
]
CLOSERS_NEG = [
    "Sending {it} back.", "Would not recommend.", "Returned for a refund.", "Save your money.",
    "Really disappointed given the price.",
]

TITLES = {
    5: ["Love {it}!", "Best {noun} I've owned", "Exceeded my expectations", "Worth every penny",
        "Absolutely perfect", "Five stars"],
    4: ["Really good, minor gripes", "Great {noun}", "Solid choice", "Very happy overall",
        "Almost perfect"],
    3: ["It's okay", "Mixed feelings", "Decent for the price", "Good but not great",
        "Some pros, some cons"],
    2: ["Disappointed", "Not what I expected", "Wouldn't buy again", "Meh"],
    1: ["Returned {it}", "Do not buy", "Waste of money", "Very disappointed",
        "Broke quickly"],
}

FIRST_NAMES = [
    "Maya", "Liam", "Olivia", "Noah", "Emma", "James", "Ava", "Lucas", "Sophia", "Ethan",
    "Isabella", "Mason", "Mia", "Logan", "Amelia", "Elijah", "Harper", "Aiden", "Evelyn",
    "Jackson", "Abigail", "Mateo", "Emily", "Daniel", "Ella", "Henry", "Scarlett", "Owen",
    "Grace", "Samuel", "Chloe", "Wyatt", "Zoey", "Leo", "Nora", "Jack", "Lily", "Julian",
    "Hannah", "Levi", "Aria", "Isaac", "Layla", "Gabriel", "Riley", "Anthony", "Zoe", "Dylan",
    "Priya", "Wei", "Carlos", "Fatima", "Kenji", "Amara", "Diego", "Sofia", "Omar", "Yuki",
    "Nia", "Rahul", "Ingrid", "Tomás", "Chen", "Aisha", "Mateus", "Hana",
]
LAST_INITIALS = "ABCDEFGHIJKLMNOPRSTVWYZ"
