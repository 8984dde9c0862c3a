"""Write the English return-comment corpus (sample_data/corpus_en/returns_en.csv).

Amazon sellers' buyers write in English; `diagnose.model.english` learns its
lexicon from this corpus. Every sentence is composed here from fragments
written for this project: a core clause per (reason, sub-reason), product
nouns per category (sizing only for things that are worn), optional lead-ins,
details and sign-offs, and light noise (lower case, no punctuation, typos).

Fragments are split in two by position: every fifth core fragment (and every
fifth lead-in / sign-off) is *held out*. The corpus uses only the rest;
`amazon_export(..., held_out=True)` builds an Amazon FBA returns export from
the held-out fragments only, so a test measures the lexicon on sentences it
never saw. Each row is tagged with reason, sub_reason, the Amazon reason
code a buyer would plausibly pick, and the product category.

    PYTHONPATH=$PWD .venv/bin/python scripts/make_corpus_en.py            # writes the corpus
    PYTHONPATH=$PWD .venv/bin/python scripts/make_corpus_en.py --train    # and the lexicon
"""
from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sample_data" / "corpus_en" / "returns_en.csv"
HOLDOUT_EVERY = 5

ITEMS = {
    "apparel": ["shirt", "dress", "hoodie", "pair of jeans", "jacket", "sweater", "skirt", "blouse", "coat",
                "pair of leggings", "top", "cardigan"],
    "shoes": ["shoes", "sneakers", "boots", "sandals", "running shoes", "slippers", "heels", "loafers"],
    "electronics": ["headphones", "charger", "phone case", "bluetooth speaker", "smart watch", "keyboard",
                    "power bank", "webcam", "earbuds", "usb hub"],
    "home": ["kettle", "tumbler", "frying pan", "desk lamp", "bed sheets", "pillow", "blender", "towel set",
             "storage box", "throw blanket", "coffee grinder"],
    "toys": ["puzzle", "building set", "doll", "board game", "remote control car", "plush toy"],
    "beauty": ["face cream", "shampoo", "lipstick", "serum", "hair dryer", "perfume"],
}
WORN = ("apparel", "shoes")

# (reason, sub_reason, amazon codes a buyer would pick, categories or None for all, core fragments)
CORES: list[tuple[str, str, tuple[str, ...], tuple[str, ...] | None, list[str]]] = [
    ("sizing", "too_small", ("APPAREL_TOO_SMALL", "AMZ-PG-APP-TOO-SMALL"), WORN, [
        "runs small, I need a size up", "way too tight around the waist", "tight across the shoulders",
        "could not even get it zipped", "the {item} is too small for me", "order one size larger than usual",
        "squeezes my toes", "much smaller than the size chart says", "sleeves are too short",
        "felt snug and uncomfortable all day", "my normal size is way too tight", "too narrow for my feet",
        "size up, these run really small", "the medium fits like an extra small",
        "cut tiny compared to other brands",
        "too small", "tight fit", "size too small", "could barely squeeze into it",
        "the waistband digs in", "pinches everywhere", "my usual size but it is tiny", "toes hit the end of the shoe",
        "way too snug", "kids size by the look of it", "cannot button it", "need a bigger size",
    ]),
    ("sizing", "too_large", ("APPAREL_TOO_LARGE", "AMZ-PG-APP-TOO-LARGE"), WORN, [
        "runs big, size down", "way too loose on me", "the {item} is huge", "much bigger than expected",
        "my heel slips out when I walk", "swimming in it", "the large fits like an extra large",
        "baggy everywhere", "too long in the legs", "order a size smaller", "falls off my shoulders",
        "had to return for a smaller size", "fits like a tent", "enormous even in my usual size",
        "loose around the chest and waist",
        "too big", "size too large", "way oversized", "the waist gapes",
        "slides off my feet", "extra room everywhere", "had to hold them up", "wide and long, way off",
    ]),
    ("sizing", "fit", ("APPAREL_STYLE", "APPAREL_TOO_SMALL"), WORN, [
        "the fit is just odd", "weird cut, tight in the hips but loose at the waist",
        "does not fit my body shape", "the proportions are off", "awkward fit around the arms",
        "fits strangely in the torso", "arch support sits in the wrong place", "the length is right but the width is wrong",
        "unflattering fit", "pinches at the back of the heel",
        "the rise is too short", "awkward fit", "does not sit right", "the shape is off on me",
    ]),
    ("quality", "malfunction", ("DEFECTIVE",), ("electronics", "home", "toys", "beauty"), [
        "stopped working after two days", "will not turn on", "won't charge at all", "the button is dead",
        "it keeps disconnecting", "the {item} died after a week", "the motor makes a grinding noise and quits",
        "only one side works", "screen flickers and goes black", "battery drains in an hour",
        "does not power up out of the box", "overheats and shuts off", "the switch is broken",
        "pairing fails every time", "heating element never warms up",
        "defective", "not working", "doesn't work", "broken on arrival", "no sound from the left speaker",
        "the light never comes on", "randomly reboots", "charging port is loose", "buttons unresponsive", "stops after five minutes",
        "the fan rattles and stops", "will not hold a charge", "keeps restarting", "display is dead",
    ]),
    ("quality", "workmanship", ("DEFECTIVE", "QUALITY_UNACCEPTABLE"), None, [
        "the seams came apart after one wash", "stitching is coming loose", "glue marks all over",
        "the zipper broke the first time I used it", "a crack in the {item} already", "the handle snapped off",
        "threads hanging everywhere", "fell apart within a week", "a hole near the seam",
        "cheaply put together", "the strap ripped off", "uneven edges and sloppy finish",
        "the lid does not close properly", "paint chipping off", "the sole is peeling away",
        "broke after a few uses", "the hinge cracked", "poorly made", "the buckle fell off", "wobbly and badly assembled",
        "the seam split open", "buttons fell off", "the stitching unraveled", "leg snapped off the first day",
    ]),
    ("quality", "poor_material", ("QUALITY_UNACCEPTABLE",), None, [
        "the fabric feels cheap and thin", "flimsy plastic", "material is paper thin",
        "feels like it would tear easily", "scratchy and rough material", "the metal bends with no effort",
        "cheap material, not worth it", "very low quality material", "see through fabric",
        "the plastic feels brittle", "thin and stiff material", "rough and itchy inside",
        "poor quality", "low quality", "feels cheap", "thin fabric you can see through", "material feels like a trash bag",
        "cheap and flimsy", "bends and warps easily", "the coating rubs off",
    ]),
    ("quality", "pilling_fading", ("QUALITY_UNACCEPTABLE", "DEFECTIVE"), ("apparel", "home"), [
        "pilled after the first wash", "the color faded after one wash", "bobbles everywhere after wearing it twice",
        "the dye ran and stained my other clothes", "shrank in the wash", "faded and fuzzy already",
        "the print washed off", "lint balls all over it", "lost its color quickly", "shrunk two sizes after washing",
        "color bled in the wash", "fuzz balls after one wear", "went dull after washing",
    ]),
    ("quality", "odor", ("QUALITY_UNACCEPTABLE", "DEFECTIVE"), None, [
        "has a strong chemical smell", "smells like burnt plastic", "terrible odor that will not go away",
        "the smell gave me a headache", "it stinks even after airing it out", "musty smell straight out of the box",
        "reeks of chemicals", "a weird smell when it heats up",
        "smells awful", "strong odor", "gross smell like gasoline",
    ]),
    ("quality", "skin_reaction", ("QUALITY_UNACCEPTABLE", "DEFECTIVE"), ("beauty", "apparel"), [
        "gave me a rash", "my skin broke out after using it", "caused itching and redness",
        "burned my face", "made my eyes water and sting", "allergic reaction after one use",
        "red bumps where it touched my skin", "irritated my scalp",
        "broke me out", "stinging and redness", "my skin reacted badly",
    ]),
    ("mismatch", "not_as_pictured", ("NOT_AS_DESCRIBED", "AMZ-PG-BAD-DESC"), None, [
        "looks nothing like the pictures", "not as described in the listing", "the photos are misleading",
        "the listing says it is waterproof but it is not", "much smaller than pictured",
        "the description promised features it does not have", "different material than advertised",
        "listing said two pack, it is one", "not the model shown", "the listing claims stainless steel but it rusts",
        "the capacity is half of what the page says", "does not match the product page at all",
        "not what the description said", "misleading listing", "the description is wrong",
        "nothing like advertised", "the specs on the page are false", "smaller than it looks online", "advertised as leather but it is plastic",
    ]),
    ("mismatch", "color_difference", ("NOT_AS_DESCRIBED", "DID_NOT_LIKE_COLOR"), None, [
        "the color is completely different from the photo", "ordered navy, got something closer to purple",
        "much darker than shown", "the shade is off", "looks grey, not the beige in the pictures",
        "the color in person is washed out", "pink in the photo, orange in real life", "color does not match the listing",
        "wrong shade", "the color is way off", "brighter than in the pictures",
    ]),
    ("mismatch", "wrong_item", ("NOT_AS_DESCRIBED", "SWITCHEROO"), None, [
        "received the wrong item", "got a completely different product", "sent me the wrong color and size",
        "this is not what I ordered", "box had someone else's order in it", "wrong model was shipped",
        "got a {item} I never ordered", "they shipped the wrong size",
        "wrong item", "received a different item", "not the item I ordered", "the package had the wrong product",
    ]),
    ("mismatch", "missing_parts", ("MISSING_PARTS",), ("electronics", "home", "toys"), [
        "missing the charging cable", "parts are missing", "no instructions and screws missing",
        "only one of the two pieces came", "the lid was not in the box", "missing the remote",
        "half the pieces were not included", "accessories listed on the page were not in the box",
        "came without the power adapter", "the box was missing the second set",
        "incomplete set", "missing pieces", "the cable was not included", "no batteries or charger in the box",
    ]),
    ("mismatch", "counterfeit", ("NOT_AS_DESCRIBED", "SWITCHEROO"), None, [
        "this is a fake", "clearly counterfeit, the logo is wrong", "not genuine", "a knockoff, not the real brand",
        "serial number does not exist on the brand site", "looks like a cheap copy of the original",
        "fake product", "replica, not authentic", "definitely not the real thing",
    ]),
    ("logistics", "damaged_in_transit", ("DAMAGED_BY_CARRIER", "DAMAGED_BY_FC"), None, [
        "arrived broken, the box was crushed", "package was smashed in shipping", "came damaged, box torn open",
        "shattered in transit", "the carrier dropped it and it arrived dented", "box soaked and the {item} ruined",
        "arrived cracked from rough handling", "packaging was destroyed on arrival",
        "damaged in shipping", "arrived damaged", "broken in the mail, outer box crushed", "dented from shipping",
    ]),
    ("logistics", "slow", ("MISSED_ESTIMATED_DELIVERY",), None, [
        "arrived two weeks late", "came after the date I needed it", "delivery took forever",
        "missed the delivery date", "too late for the birthday", "shipping was far slower than promised",
        "showed up long after the estimate", "arrived after the trip was over",
        "late delivery", "took a month to arrive", "too slow", "did not come in time for the event",
    ]),
    ("logistics", "lost", ("NEVER_ARRIVED", "MISSED_ESTIMATED_DELIVERY"), None, [
        "never arrived", "marked delivered but nothing came", "package lost in transit", "I never got it",
        "tracking stopped updating a week ago", "delivered to the wrong address", "the parcel never showed up",
        "not received", "never received it", "package missing", "lost package",
    ]),
    ("logistics", "courier_service", ("MISSED_ESTIMATED_DELIVERY", "NEVER_ARRIVED"), None, [
        "the driver left it in the rain", "courier was rude and refused to bring it up",
        "thrown over the fence", "left at the wrong door", "the delivery person never knocked",
        "courier demanded extra fees",
        "the delivery guy threw the box", "bad delivery service", "the driver left it outside in the street",
    ]),
    ("changed_mind", "not_needed", ("UNWANTED_ITEM", "NO_REASON_GIVEN"), None, [
        "no longer needed", "changed my mind", "gift recipient already had one", "we bought one in a store already",
        "don't need it anymore", "plans changed", "decided to keep my old one", "the project got cancelled",
        "bought it for a trip that fell through", "ended up not using it", "my kid lost interest",
        "we are moving and cannot take it",
        "not needed anymore", "no longer want it", "don't want it", "bought by mistake, no use for it",
        "we already have one", "received one as a gift", "no need for it now",
    ]),
    ("changed_mind", "ordered_wrong", ("ORDERED_WRONG_ITEM", "MISORDERED"), None, [
        "I ordered the wrong one", "clicked the wrong size by mistake", "accidentally ordered two",
        "my mistake, wrong model", "bought the wrong version", "ordered twice by accident",
        "meant to get the other color", "picked the wrong option",
        "wrong size ordered", "my fault, wrong item ordered", "ordered the wrong color",
    ]),
    ("changed_mind", "price", ("FOUND_BETTER_PRICE",), None, [
        "found it cheaper elsewhere", "the price dropped the day after I bought it", "better deal at another store",
        "cheaper at the local shop", "saw it on sale somewhere else", "same {item} for half the price elsewhere",
        "too expensive", "better price elsewhere", "cheaper online at another site",
    ]),
    ("changed_mind", "dislike", ("APPAREL_STYLE", "DID_NOT_LIKE_COLOR", "DID_NOT_LIKE_FABRIC"), None, [
        "just not my style", "don't like how it looks on me", "not a fan of the color", "I don't love it",
        "looks better on the model", "wife did not like it", "not for me", "the style is too plain for me",
        "didn't like the texture", "just didn't suit me",
        "don't like it", "did not like the fabric", "ugly in person", "not what I pictured in style", "did not like the color",
    ]),
    ("malicious", "used_then_refund", ("DEFECTIVE", "UNWANTED_ITEM"), None, [
        "wore it to the wedding, returning now", "used it for the party and don't need it anymore",
        "only needed it for the weekend", "used it once for the event, sending it back",
        "finished the project so returning the tools", "wore it on vacation, now returning",
        "used it for the holiday photos, returning", "wore once to the concert, returning it",
    ]),
    ("malicious", "compensation_demand", ("DEFECTIVE", "NOT_AS_DESCRIBED"), None, [
        "refund me and let me keep it or I leave a one star review", "give me a partial refund or I report you",
        "I want compensation on top of the refund", "pay me extra for my trouble or I dispute the charge",
        "send money for my time or I will leave bad reviews everywhere",
        "refund or I file a chargeback with my bank", "compensate me or expect a bad review",
    ]),
    ("malicious", "refund_without_return", ("DEFECTIVE", "NEVER_ARRIVED"), None, [
        "refund me but I am not sending it back", "keeping the item, just refund the money",
        "I will not return it, just give the refund", "not shipping it back, refund anyway",
        "keeping it, refund please", "I threw it away, just refund me",
    ]),
    ("other", "unspecified", ("UNKNOWN_OTHER_REASON", "NO_REASON_GIVEN", "EXCESSIVE_INSTALLATION"), None, [
        "returning", "see notes", "return", "other reason", "too hard to install", "installation was too much work",
        "no comment", "n/a",
        "no reason", "just returning", "other", "see above",
    ]),
]
LEADS = ["", "", "", "Honestly, ", "Sadly ", "Unfortunately ", "Well, ", "Hi, ", "Ok so ", "To be honest ",
         "Hate to say it but ", "First time buyer, ", "Bought this for my son, ", "Ordered for my mom, "]
DETAILS = ["", "", "", "", " Returning it.", " Please process the return.", " Will buy elsewhere.",
           " Very disappointed.", " Not happy.", " Sending it back today.", " Expected better.",
           " What a shame.", " Needs a refund.", " Nothing else to say."]
SIGNOFFS = ["", "", "", " Thanks.", " Thank you!", " Cheers", " Thx", " :(", " !!", "..."]
TYPOS = {"the": "teh", "really": "realy", "received": "recieved", "because": "becuase", "it": "it",
         "size": "sise", "smaller": "smallr", "working": "workin"}


def _split(frags: list[str], held_out: bool) -> list[str]:
    picked = [f for i, f in enumerate(frags) if (i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1) == held_out]
    return picked or frags[:1]


def _noise(text: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.15:
        text = text.lower()
    elif r < 0.22:
        text = text.rstrip(".!") .replace(",", "")
    elif r < 0.27:
        words = text.split(" ")
        text = " ".join(TYPOS.get(w, w) for w in words)
    return text


def sentence(core: str, item: str, rng: random.Random, held_out: bool) -> str:
    """One buyer comment around a core fragment."""
    lead = rng.choice(_split(LEADS, held_out))
    detail = rng.choice(_split(DETAILS, held_out))
    sign = rng.choice(_split(SIGNOFFS, held_out))
    body = core.replace("{item}", item)
    if rng.random() < 0.35 and "{item}" not in core:
        body = rng.choice([f"The {item}: {body}", f"{body} ({item})", f"{item} - {body}"])
    text = f"{lead}{body}".strip()
    text = text[0].upper() + text[1:] if text else text
    if not text.endswith((".", "!", "?", ")")):
        text += rng.choice([".", "", "!", "."])
    return _noise(f"{text}{detail}{sign}".strip(), rng)


def rows(n: int, seed: int = 13, held_out: bool = False) -> list[dict]:
    """`n` distinct tagged comments from the training (or held-out) fragments."""
    rng = random.Random(seed)
    out, seen = [], set()
    attempts = 0
    while len(out) < n and attempts < n * 50:
        attempts += 1
        reason, sub, codes, cats, cores = CORES[rng.randrange(len(CORES))]
        cat = rng.choice(cats or tuple(ITEMS))
        item = rng.choice(ITEMS[cat])
        text = sentence(rng.choice(_split(cores, held_out)), item, rng, held_out)
        if text.lower() in seen:
            continue
        seen.add(text.lower())
        out.append({"text": text, "label": reason, "sub_reason": sub, "reason_code": rng.choice(codes),
                    "category": cat, "item": item})
    return out


def amazon_export(n: int = 400, seed: int = 99, held_out: bool = True, misleading: float = 0.15) -> str:
    """An Amazon FBA customer-returns export (TSV text) with truth columns kept aside.

    Returns the TSV; the truth (reason per row) is in the last, extra column
    ``true-reason`` so a test can score the tagging. `misleading` of the rows
    carry a reason code that points elsewhere (DEFECTIVE for a changed mind,
    the buyer shifting return shipping), and some codes are NO_REASON_GIVEN.
    """
    rng = random.Random(seed)
    header = ["return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity",
              "fulfillment-center-id", "detailed-disposition", "reason", "status", "customer-comments", "true-reason"]
    lines = ["\t".join(header)]
    for i, r in enumerate(rows(n, seed=seed, held_out=held_out)):
        code = r["reason_code"]
        roll = rng.random()
        if roll < misleading:
            code = rng.choice(["DEFECTIVE", "QUALITY_UNACCEPTABLE", "NOT_AS_DESCRIBED"])
        elif roll < misleading + 0.08:
            code = "NO_REASON_GIVEN"
        day = 1 + i % 28
        lines.append("\t".join([
            f"2024-05-{day:02d}T10:{i % 60:02d}:00+00:00", f"1{i:02d}-{1000000 + i}-{2000000 + i}",
            f"{r['category'][:2].upper()}-{100 + ITEMS[r['category']].index(r['item'])}", f"B0{i:08d}",
            f"X0{i:08d}", r["item"].title(), "1", "ONT8", "SELLABLE", code, "Unit returned to inventory",
            r["text"].replace("\t", " "), r["label"],
        ]))
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=2400)
    ap.add_argument("--train", action="store_true", help="also train models/english_lexicon.json")
    args = ap.parse_args()
    data = rows(args.n)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["text", "label", "sub_reason", "reason_code", "category", "item"])
        w.writeheader()
        w.writerows(data)
    print(f"wrote {len(data)} comments to {OUT.relative_to(ROOT)}")
    if args.train:
        from diagnose.model import english

        path = english.train_from_csv(OUT)
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
