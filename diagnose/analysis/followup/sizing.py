"""Size advice per SKU from its sizing returns: which way it runs, in which sizes, what to do.

Direction comes from the tagged sub-reason (偏小 / 偏大), or from the text
when the sub-reason is unspecified. The size concerned comes from the
export's spec/variant column (规格, 颜色尺码, sku spec …) when it has one —
that is the size actually bought — else from sizes buyers name in their
words ("平时穿M", "38码", "160/100斤"). Advice is given only for SKUs with at
least `min_sizing_returns` sizing returns, and says "runs small/large" only
when at least `direction_share` of them agree; the buyer words behind it go
with it.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from diagnose.analysis.followup.config import DEFAULTS, FollowupSettings
from diagnose.store import redact_contacts

SPEC_HEADERS: tuple[str, ...] = (
    "商品规格", "规格", "颜色尺码", "尺码", "销售属性", "sku属性", "sku spec", "sku_spec", "variant", "size",
)
_LETTER = r"(?:[2-5]XL|X{0,3}[SL]|M)"
# "M码", "L号", "穿M", "买的XL", "拍S": a letter size with a size word or verb next to it.
_LETTER_SIZE = re.compile(
    rf"(?:(?<=穿)|(?<=买)|(?<=拍)|(?<=的)|(?<=换)|(?<=是)|(?<=选)|(?<![A-Za-z]))({_LETTER})(?=码|号|[^A-Za-z]|$)",
    re.IGNORECASE)
_NUMBER_SIZE = re.compile(r"(?<!\d)([2-4]\d)(?:\.5)?\s*(?:码|号)|(?:平时|平常|一般|穿)\s*(?:穿)?\s*([2-4]\d)(?![\d斤])")
_HEIGHT_WEIGHT = re.compile(r"(?<!\d)(1[4-9]\d)\s*(?:cm|厘米|公分)?\s*[/／,，、 ]\s*(\d{2,3})\s*(斤|kg|公斤)", re.I)
_HEIGHT = re.compile(r"(?:身高|个子)\s*(1[4-9]\d)|(?<!\d)(1[4-9]\d)\s*(?:cm|厘米|公分)|(?<![\d/])(1[4-9]\d)(?=的我|穿|的个子)", re.I)
_WEIGHT = re.compile(r"(?:体重)?\s*(?<![\d/])(\d{2,3})\s*(斤|kg|公斤)", re.I)
_SMALL = re.compile(r"偏小|小了|太小|小一|紧|勒|挤脚|顶脚|夹脚|穿不进|穿不上|扣不上|拉不上|短了|太短|窄|runs small|too small|tight", re.I)
_LARGE = re.compile(r"偏大|大了|太大|大一|松|掉跟|肥|太长|长了|拖地|runs large|too big|too large|fits large", re.I)

SUB_DIRECTION = {"too_small": "small", "too_large": "large", "fit": "fit"}


@dataclass(frozen=True)
class SizeMention:
    """Sizes, height (cm) and weight (斤) a buyer named in one text."""

    sizes: tuple[str, ...] = ()
    height_cm: int | None = None
    weight_jin: float | None = None


def parse_sizes(text: object) -> SizeMention:
    """The sizes, height and weight named in a buyer's text or a spec cell ("M码/蓝色", "平时穿38码")."""
    raw = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    if not raw.strip():
        return SizeMention()
    height = weight = None
    rest = raw
    hw = _HEIGHT_WEIGHT.search(raw)
    if hw:
        height, w, unit = int(hw.group(1)), float(hw.group(2)), hw.group(3).lower()
        weight = w * 2 if unit in ("kg", "公斤") else w
        rest = raw[:hw.start()] + " " + raw[hw.end():]
    else:
        h = _HEIGHT.search(raw)
        if h:
            height = int(next(g for g in h.groups() if g))
            rest = raw[:h.start()] + " " + raw[h.end():]
        wm = _WEIGHT.search(rest)
        if wm:
            w, unit = float(wm.group(1)), wm.group(2).lower()
            weight = w * 2 if unit in ("kg", "公斤") else w
            rest = rest[:wm.start()] + " " + rest[wm.end():]
    sizes: list[str] = []
    for m in _NUMBER_SIZE.finditer(rest):
        sizes.append(m.group(1) or m.group(2))
    for m in _LETTER_SIZE.finditer(rest):
        sizes.append(m.group(1).upper())
    return SizeMention(tuple(dict.fromkeys(sizes)), height, weight)


def direction_of(sub_reason: object, text: object) -> str:
    """"small", "large" or "fit" for one sizing return: the sub-reason first, then the words."""
    sub = SUB_DIRECTION.get(str(sub_reason or ""))
    if sub in ("small", "large"):
        return sub
    words = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    small, large = bool(_SMALL.search(words)), bool(_LARGE.search(words))
    if small != large:
        return "small" if small else "large"
    return "fit"


def spec_column(frame: pd.DataFrame) -> str | None:
    """The spec/variant column of a tagged table, if it carries one with any values."""
    lowered = {str(c).strip().lower(): c for c in frame.columns}
    for header in SPEC_HEADERS:
        column = lowered.get(header.lower())
        if column is not None and frame[column].astype("string").str.strip().replace("-", "").fillna("").ne("").any():
            return column
    return None


def _advice(n: int, total: int, direction: str, sizes: list[str], s: FollowupSettings) -> tuple[str, str]:
    where_en = f" (most in {' and '.join(sizes)})" if sizes else ""
    where_zh = f"（多为 {'、'.join(sizes)} 码）" if sizes else ""
    if direction == "small":
        return (f"{total} 条尺码退货中有 {n} 条说偏小{where_zh}：建议提示买家拍大一码，并在尺码表补充实测尺寸",
                f"{n} of {total} size returns for this SKU say it runs small{where_en}: "
                "suggest one size up, and add measurements to the size chart")
    if direction == "large":
        return (f"{total} 条尺码退货中有 {n} 条说偏大{where_zh}：建议提示买家拍小一码，并在尺码表补充实测尺寸",
                f"{n} of {total} size returns for this SKU say it runs large{where_en}: "
                "suggest one size down, and add measurements to the size chart")
    return (f"{total} 条尺码退货没有一致的方向（偏小、偏大各有）：请对照实物核对尺码表的每个尺寸",
            f"{total} size returns with no clear direction: check every size in the size chart against the garment")


def _one_sku(rows: pd.DataFrame, spec: str | None, s: FollowupSettings) -> dict:
    texts = (rows["buyer_text"].astype("string").fillna("") if "buyer_text" in rows.columns else
             pd.Series("", index=rows.index, dtype="string")).tolist()
    subs = rows["sub_reason"].tolist() if "sub_reason" in rows.columns else [""] * len(rows)
    dirs = [direction_of(sb, tx) for sb, tx in zip(subs, texts)]
    counts = Counter(dirs)
    total = len(rows)
    top, n = max((("small", counts["small"]), ("large", counts["large"])), key=lambda kv: kv[1])
    direction = top if total and n / total >= s.direction_share else "mixed"
    way = [i for i, d in enumerate(dirs) if d == direction] if direction != "mixed" else list(range(total))
    source_sizes: Counter = Counter()
    source = "buyer text"
    if spec is not None:
        specs = rows[spec].tolist()
        for i in way:
            source_sizes.update(parse_sizes(specs[i]).sizes[:1])
        source = "spec column"
    if not source_sizes:
        source = "buyer text"
        for i in way:
            source_sizes.update(parse_sizes(texts[i]).sizes)
    named = [size for size, _ in source_sizes.most_common(2)]
    zh, en = _advice(n if direction != "mixed" else total, total, direction, named, s)
    examples = [redact_contacts(str(texts[i])) for i in way if str(texts[i]).strip()]
    return {
        "sizing_returns": total, "direction": direction, "direction_returns": n if direction != "mixed" else 0,
        "direction_share": (n / total) if total else 0.0, "small": counts["small"], "large": counts["large"],
        "fit": counts["fit"], "sizes": ", ".join(f"{k} ×{v}" for k, v in source_sizes.most_common(4)),
        "size_source": source if source_sizes else "", "advice_zh": zh, "advice_en": en,
        "examples": "\n".join(list(dict.fromkeys(examples))[:3]),
    }


def size_advice(tagged: pd.DataFrame, settings: FollowupSettings = DEFAULTS) -> pd.DataFrame:
    """Per SKU with at least `min_sizing_returns` sizing returns: direction, sizes, advice, buyer words."""
    cols = ["sku", "product_title", "sizing_returns", "direction", "direction_returns", "direction_share",
            "small", "large", "fit", "sizes", "size_source", "advice_zh", "advice_en", "examples"]
    if len(tagged) == 0 or "sku" not in tagged.columns:
        return pd.DataFrame(columns=cols)
    spec = spec_column(tagged)
    # Only the columns read here, before selecting rows: a wide export has dozens (benchmarks/naive_followup.py
    # holds the plain version this is tested equal to).
    used = [c for c in dict.fromkeys(["sku", "product_title", "buyer_text", "sub_reason", "reason", spec])
            if c is not None and c in tagged.columns]
    sizing = tagged[used][(tagged["reason"].astype("string") == "sizing").fillna(False).to_numpy(bool)]
    out = []
    for sku, rows in sizing.groupby(sizing["sku"].astype("string"), sort=True):
        if len(rows) < settings.min_sizing_returns:
            continue
        title = rows["product_title"].dropna().astype(str) if "product_title" in rows.columns else pd.Series([])
        rec = {"sku": sku, "product_title": title.mode().iloc[0] if len(title) else ""}
        rec.update(_one_sku(rows, spec, settings))
        out.append(rec)
    frame = pd.DataFrame(out, columns=cols)
    return frame.sort_values(["sizing_returns", "sku"], ascending=[False, True]).reset_index(drop=True)
