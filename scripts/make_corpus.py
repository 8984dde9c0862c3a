"""Write sample_data/corpus/generated_realshape.csv: buyer texts shaped like real reviews.

Why: the hand-written corpus is one short clause per row; real buyers write
reviews of ~40 characters that open with price, delivery or service and get
to the reason later, in the product's own vocabulary, with typos and noise.
This script composes fragments written for this project (scripts/corpus_parts.py)
along named attributes and tags each row with them:

- category (the category's own parts and functions), label and sub-reason;
- register: short after-sales reason, product review, angry rant, chat message
  to customer service, price-protection complaint;
- length bucket and number of clauses (a third or more multi-clause, with a lead-in);
- noise: typos, no punctuation, masked numbers (***), platform words, slang,
  emoji, repeated punctuation;
- hard_case: which of the label guide's hard cases the row exercises.

Deterministic (fixed seed, fixed iteration order); near-duplicates (same text
once punctuation, emoji, digits and spaces are removed) are dropped.

    PYTHONPATH=$PWD .venv/bin/python scripts/make_corpus.py [--n 30000] [--out PATH]
"""
from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus_parts as P  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sample_data" / "corpus" / "generated_realshape.csv"
FIELDS = ["text", "reason", "sub_reason", "category", "platform_reason", "register", "length", "clauses",
          "noise", "hard_case", "secondary"]
# Label mix of the generated rows; text-only malicious is rare in real returns.
LABEL_MIX = {"quality": 0.30, "other": 0.24, "mismatch": 0.13, "logistics": 0.10, "changed_mind": 0.11,
             "sizing": 0.07, "malicious": 0.05}
DROPDOWN = {"quality": "质量问题", "mismatch": "与商品描述不符", "logistics": "物流问题", "sizing": "尺码不合适",
            "changed_mind": "七天无理由退换货", "other": "其他", "malicious": "其他"}
TYPOS = {"质量": "质亮", "快递": "快第", "颜色": "眼色", "不想要": "不像要", "客服": "客腹", "发货": "发或",
         "收到": "手到", "降价": "将价", "便宜": "便意", "已经": "以经", "根本": "跟本", "东西": "东东"}
SLANG = ["orz", "emmm", "hhh", "无语子", "yyds个鬼", "bug", "low爆了", "zqsg", "xswl", "nb", "ok"]
EMOJI = ["😡", "👎", "😤", "🙄", "😭", "😓", "💢", "🤮", "😒"]
# Lower-priority remarks a review adds after the reason; they never decide the label.
TAIL_MINOR = ["别的都还好", "其他的暂时没发现问题", "用了几天再来追评", "希望下次能改进", "本来挺期待的",
              "包装倒是还可以", "外观还行", "就这一点让人很不爽", "不知道是不是个别现象", "希望卖家重视一下",
              "还没来得及细看", "说实话有点失望"]
TECH_CATEGORIES = ("laptops", "phones", "tablets", "cameras", "monitors_tv", "computer_accessories", "smartwatch")
# Opinions (book content, tech preferences) as the whole of an `other` row, and mixed into a row with a
# concrete reason.
OPINION_IN_OTHER = 0.60
OPINION_MIXED_IN = 0.10
REPEAT = ["！！！", "。。。", "？？？", "~~~", "……", "!!!!", "???"]


class Gen:
    def __init__(self, seed: int = 20261201):
        self.r = random.Random(seed)

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    # -- the reason clause of each label --------------------------------------
    def reason_clause(self, cat: P.Category, label: str) -> tuple[str, str, str, str]:
        """(clause, sub_reason, hard_case, secondary) for one label in one category."""
        i = self.pick(cat.items)
        if label == "quality":
            return self._quality(cat, i)
        if label == "mismatch":
            src = cat.mismatch if cat.mismatch and self.chance(0.65) else P.MISMATCH
            sub = self.pick(sorted(src))
            clause = self.pick(src[sub])
            if self.chance(0.2):
                sub, clause = "missing_parts", P.order_missing(self.r)
            elif cat.key in TECH_CATEGORIES and self.chance(0.35):
                sub, clause = self.pick([("missing_parts", P.PROMISED_MISSING), ("not_as_pictured", P.ADVERTISED_SPECS)])
                clause = self.pick(clause)
            hard = "counterfeit_used_missing" if sub in ("counterfeit", "missing_parts") else ""
            if cat.key in ("tops", "pants_dresses", "shoes") and self.chance(0.15):
                clause, sub, hard = self.pick(["买的m码发来xl码", "我拍的39码寄来40码", "下单的是s码收到l码"]), "wrong_item", "wrong_size_sent"
            return clause, sub, hard, ""
        if label == "logistics":
            sub = self.pick(sorted(P.LOGISTICS))
            clause = self.pick(P.LOGISTICS[sub])
            hard = ""
            if sub == "damaged_in_transit" and self.chance(0.5):
                clause = self.pick(["快递把箱子压坏了，里面的{i}也碎了", "外箱塌了一角，{i}被压变形了",
                                    "运输途中摔了，{i}直接裂开"]).format(i=i)
                hard = "transit_damage_not_quality"
            elif sub in ("slow", "lost") and self.chance(0.4):
                clause = P.not_arrived(self.r)
            elif sub == "courier_service" and self.chance(0.6):
                clause = self.pick(P.COURIER)
            elif self.chance(0.4):
                clause = self.pick(["{i}等了十几天才到", "{i}到现在还没送到", "买的{i}快递一直不动"]).format(i=i)
            return clause, sub, hard, ""
        if label == "changed_mind":
            if cat.changed and self.chance(0.5):
                sub = self.pick(sorted(cat.changed))
                clause = self.pick(cat.changed[sub])
            else:
                sub = self.pick(["price", "price", "not_needed", "ordered_wrong", "dislike", "seven_day"])
                clause = self.pick(P.CHANGED[sub])
            sub = "unspecified" if sub == "seven_day" else sub
            if sub == "price" and self.chance(0.4):
                clause = P.price_drop(self.r)
            return clause, sub, "price_changed_mind" if sub == "price" else "", ""
        if label == "sizing":
            src = cat.sizing or P.CATEGORIES[13].sizing  # tops when the category has none
            sub = self.pick(sorted(src))
            clause = self.pick(src[sub])
            if self.chance(0.2):
                clause, hard = f"质量没问题，{self.pick(P.CONTRAST)}{clause}", "negated_quality"
                return clause, sub, hard, ""
            if self.chance(0.15):
                return f"{clause}，质量一般", sub, "sizing_vague_quality", ""
            return clause, sub, "", ""
        if label == "malicious":
            return self._malicious(cat)
        return self._other(cat)

    def _quality(self, cat: P.Category, item: str) -> tuple[str, str, str, str]:
        sub = self.pick(sorted(cat.quality))
        clause = self.pick(cat.quality[sub])
        if cat.key in ("books", "kids_books") and self.chance(0.5):
            sub, clause = "workmanship", P.book_defect(self.r)
        if cat.key in TECH_CATEGORIES and self.chance(0.3):
            return self.tech_function_fault(), "malfunction", "function_part_is_concrete", ""
        roll = self.r.random()
        if roll < 0.04:
            vague = self.pick(["质量太差", "质量不行", "质量很差", "质量太次了", "质量一般般"])
            return f"{self.pick(P.CLEARED)}，{self.pick(P.CONTRAST)}{vague}", "poor_material", "negation_vague_quality", ""
        if roll < 0.12:
            return f"{self.pick(P.CLEARED)}，{self.pick(P.CONTRAST)}{clause}", sub, "negation", ""
        if roll < 0.16 and cat.sizing:
            size = self.pick(self.pick(list(cat.sizing.values())))
            return f"{size}而且{clause}", sub, "defect_outranks_sizing", "sizing"
        if 0.16 <= roll < 0.19:  # (not the sizing band of categories without sizes)
            # Slow delivery, then a fault: the fault decides (label guide). The same slow-delivery
            # words are logistics rows on their own (corpus_parts.LOGISTICS), so they teach nothing
            # about quality; this band was 8% of quality rows with three phrases before the noise audit, and
            # made 物流慢 read as quality (369 quality rows to 8 logistics ones).
            slow = self.pick(P.LOGISTICS["slow"])
            return f"{slow}，到手{clause}", sub, "fault_outranks_delivery", "logistics"
        if roll < 0.28:
            anger = self.pick(P.ANGER_NO_LEVERAGE)
            return f"{clause}{self.pick(['！', '！！！', '，'])}{anger}", sub, "anger_without_leverage", ""
        if roll < 0.32 and sub in ("skin_reaction", "poor_material"):
            return f"{clause}，不知道是不是假的", sub, "reaction_leads_fake_wondered", "mismatch"
        if roll < 0.38:
            return f"{clause}，{self.pick(P.OTHER_VAGUE)}", sub, "", ""
        return clause, sub, "", ""

    def _malicious(self, cat: P.Category) -> tuple[str, str, str, str]:
        if cat.used and self.chance(0.4):
            return self.pick(cat.used), "used_then_refund", "consumed_then_refund", ""
        sub = self.pick(sorted(P.MALICIOUS))
        clause = self.pick(P.MALICIOUS[sub])
        if self.chance(0.3):
            clause = f"{self.pick(['东西没什么问题', '我也说不上哪里不好', '反正不想要了', '用着其实还行'])}，{clause}"
        return clause, sub, "intent_without_fault", ""

    def _other(self, cat: P.Category) -> tuple[str, str, str, str]:
        roll = self.r.random()
        if roll < OPINION_IN_OTHER and cat.key in ("books", "kids_books", "media_discs") and self.chance(0.8):
            return self.book_opinion(), "unspecified", "content_opinion", ""
        if roll < OPINION_IN_OTHER and cat.key in TECH_CATEGORIES and self.chance(0.8):
            return self.tech_preference(), "unspecified", "feature_preference", ""
        if roll < 0.42 and cat.other:
            hard = "content_opinion" if cat.key in ("books", "kids_books", "media_discs") else "preference"
            return self.pick(cat.other), "unspecified", hard, ""
        if roll < 0.60:
            return self.pick(P.OTHER_SERVICE), "service", "", ""
        if roll < 0.78:
            vague = self.pick(P.OTHER_VAGUE)
            if self.chance(0.5):
                return f"{vague}{self.pick(['！！！', '！', '，'])}{self.pick(P.ANGER_NO_LEVERAGE)}", "unspecified", "vague_anger_other", ""
            return vague, "unspecified", "vague_quality_other", ""
        if roll < 0.92:
            return self.pick(P.OTHER_VALUE), "value", "value_opinion_other", ""
        return self.pick(P.OTHER_INVOICE), "invoice", "", ""

    def book_opinion(self) -> str:
        parts = []
        if self.chance(0.5):
            parts.append(self.pick(P.BOOK_STORY))
        critiques = [self.pick(P.BOOK_ASPECTS) + self.pick(P.BOOK_CRITIQUE) for _ in range(self.pick([1, 1, 2]))]
        if self.chance(0.25):
            parts.append(self.pick(P.BOOK_PRAISE))
            critiques[0] = self.pick(P.CONTRAST) + critiques[0]
        parts.extend(critiques)
        if self.chance(0.6):
            parts.append(self.pick(P.BOOK_REACT))
        return "，".join(parts)

    def tech_preference_item(self) -> str:
        """One feature or software preference (other), a single clause."""
        k = self.r.random()
        if k < 0.3:
            return self.pick(P.TECH_PARTS) + self.pick(P.TECH_MILD)
        if k < 0.5:
            return self.pick(["没有", "不带", "居然没有", "可惜没有"]) + self.pick(P.TECH_MISSING)
        if k < 0.8:
            return self.pick(P.TECH_SOFT)
        return self.pick(P.TECH_DESIGN)

    def tech_preference(self) -> str:
        one = self.tech_preference_item
        items = [one() for _ in range(self.pick([1, 1, 2, 3]))]
        if self.chance(0.2):
            return f"{self.pick(P.TECH_PRAISE)}，{self.pick(P.CONTRAST)}{'，'.join(items)}"
        if len(items) > 1 and self.chance(0.5):
            return "".join(f"{n + 1}{self.pick(['、', '.', '，'])}{x}" for n, x in enumerate(items))
        return "，".join(items)

    def tech_function_fault(self) -> str:
        """A poorly working part in a reviewer's calm words, alone or in a numbered list with
        spec preferences (the concrete fault decides: quality)."""
        part = self.pick(sorted(P.TECH_FUNCTION_FAULTS))
        fault = part + self.pick(P.TECH_FUNCTION_FAULTS[part])
        if not self.chance(0.5):
            return fault
        items = [fault] + [self.tech_preference_item() for _ in range(self.pick([1, 2]))]
        self.r.shuffle(items)
        return "".join(f"{n + 1}{self.pick(['、', '.', '：'])}{x}{self.pick(['；', '。', ' '])}" for n, x in enumerate(items))

    # -- registers ----------------------------------------------------------
    def lead_in(self, cat: P.Category) -> str:
        kind = self.r.random()
        if kind < 0.3:
            return self.pick(P.LEAD_PRICE)
        if kind < 0.55:
            return self.pick(P.LEAD_DELIVERY)
        if kind < 0.7:
            return self.pick(P.LEAD_SERVICE)
        if kind < 0.88:
            return self.pick(P.LEAD_PLATFORM).format(p=self.pick(cat.platforms))
        return self.pick(P.LEAD_STORY)

    def opinion(self, cat: P.Category) -> str:
        """An opinion that is not a return reason: content, features, design, value."""
        if cat.key in ("books", "kids_books", "media_discs"):
            return self.book_opinion()
        if cat.key in TECH_CATEGORIES:
            return self.tech_preference()
        return self.pick(cat.other or P.OTHER_VALUE)

    def compose(self, cat: P.Category, label: str) -> dict:
        clause, sub, hard, secondary = self.reason_clause(cat, label)
        if label in ("quality", "mismatch", "logistics", "changed_mind") and not hard and self.chance(OPINION_MIXED_IN):
            # A long review mixes opinions with the concrete reason; the concrete one decides.
            op = self.opinion(cat)
            clause = f"{op}，{clause}" if self.chance(0.5) else f"{clause}，{op}"
            hard, secondary = "concrete_outranks_opinion", "other"
        item = self.pick(cat.items)
        register = "price" if sub == "price" and self.chance(0.4) else self.pick(
            ["short", "review", "review", "review", "long", "long", "rant", "chat"])
        parts: list[str] = []
        if register == "short":
            parts = [clause]
        elif register == "review":
            n_lead = self.pick([1, 1, 2, 2, 3])
            parts = [self.lead_in(cat) for _ in range(n_lead)]
            if self.chance(0.5):
                parts.append(f"收到{item}" if self.chance(0.5) else f"拿到{item}一看")
            parts.append(clause)
            if self.chance(0.35):
                parts.append(self.pick(TAIL_MINOR))
            if self.chance(0.7):
                parts.append(self.pick(P.CLOSERS))
        elif register == "long":
            parts = [self.pick(P.STORY), self.lead_in(cat)]
            if self.chance(0.5):
                parts.append(self.pick(P.STORY))
            parts = ["，".join(parts) + "。" + clause]
            if self.chance(0.6):
                parts.append(self.pick(TAIL_MINOR))
            parts.append(self.pick(P.REACT) + self.pick(["。", "！", "……"]))
        elif register == "rant":
            parts = [clause + self.pick(["！！", "！！！", "!!!"]), self.pick(P.CLOSERS) + "！"]
            if self.chance(0.4):
                parts.insert(0, self.pick(["气死了", "真的服了", "什么东西啊", "太坑了"]))
        elif register == "chat":
            parts = [self.pick(P.CHAT_OPEN) + f"我买的{item}" + clause, self.pick(P.CHAT_CLOSE)]
        else:  # price-protection complaint
            parts = [self.pick(P.LEAD_PLATFORM).format(p=self.pick(cat.platforms)), clause,
                     self.pick(["能补差价吗", "不补差价就退了重买", "太不厚道了", "心里很不平衡"])]
        text = "，".join(p.strip("，") for p in parts if p)
        text = text.replace("，！", "！").replace("！，", "！").replace("？，", "？")
        if not text.endswith(("！", "？", "。", "!", "?", "~", "…")) and self.chance(0.6):
            text += self.pick(["。", "！", "", "。。"])
        text, noise = self.noise(text, cat)
        drop = ""
        if self.chance(0.15):
            drop = DROPDOWN[label] if self.chance(0.7) else self.pick(list(DROPDOWN.values()))
        n_clauses = len([c for c in re.split(r"[，。！？!?；]", text) if c.strip()])
        return {"text": text, "reason": label, "sub_reason": sub, "category": cat.key, "platform_reason": drop,
                "register": register, "length": _bucket(len(text)), "clauses": n_clauses, "noise": noise,
                "hard_case": hard, "secondary": secondary}

    def noise(self, text: str, cat: P.Category) -> tuple[str, str]:
        kinds = []
        if self.chance(0.05):
            text = f"{self.pick(['1', '2', '3', '4'])}{self.pick(['、', '.', '，', '：'])}{text}"
            kinds.append("numbered")
        if self.chance(0.10):
            for a, b in TYPOS.items():
                if a in text:
                    text = text.replace(a, b, 1)
                    kinds.append("typo")
                    break
        if self.chance(0.10):
            text = re.sub(r"[，。！？、]", self.pick(["", " "]), text)
            kinds.append("no_punct")
        if self.chance(0.06):
            text = self.pick(["订单号***", "手机尾号***的", "我是***", "订单***"]) + "，" + text
            kinds.append("masked")
        if self.chance(0.08):
            text = f"{self.pick(cat.platforms)}的{text}" if self.chance(0.5) else f"{text}，{self.pick(cat.platforms)}也不管"
            kinds.append("platform")
        if self.chance(0.05):
            text = f"{text} {self.pick(SLANG)}"
            kinds.append("slang")
        if self.chance(0.08):
            text += self.pick(EMOJI) * self.pick([1, 1, 2, 3])
            kinds.append("emoji")
        if self.chance(0.10):
            text = re.sub(r"[！。？]$", "", text) + self.pick(REPEAT)
            kinds.append("repeat_punct")
        return text, "+".join(kinds)


def _bucket(n: int) -> str:
    return "short" if n < 20 else "medium" if n < 40 else "long" if n < 65 else "very_long"


def near_key(text: str) -> str:
    """What two texts share when they differ only by punctuation, emoji, digits, masks or spaces."""
    return re.sub(r"[\W\d_]+", "", text)


def generate(n: int, seed: int = 20261201) -> tuple[list[dict], int]:
    """`n` distinct rows (fewer if attempts run out) and the near-duplicates dropped."""
    g = Gen(seed)
    labels = list(LABEL_MIX)
    weights = [LABEL_MIX[k] for k in labels]
    seen: set[str] = set()
    rows: list[dict] = []
    dropped = 0
    attempts = 0
    while len(rows) < n and attempts < n * 20:
        attempts += 1
        cat = g.pick(P.CATEGORIES)
        label = g.r.choices(labels, weights)[0]
        if label == "sizing" and not cat.sizing and g.chance(0.85):
            continue  # sizing lives mostly where things have a size
        row = g.compose(cat, label)
        key = near_key(row["text"])
        if not key or key in seen:
            dropped += 1
            continue
        seen.add(key)
        rows.append(row)
    return rows, dropped


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30000)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    rows, dropped = generate(args.n)
    with open(args.out, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} rows ({len(P.CATEGORIES)} categories) → {args.out}; {dropped} near-duplicates dropped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
