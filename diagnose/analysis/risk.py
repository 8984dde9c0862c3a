"""Suspected malicious refunds: a ranking for human review, with evidence.

Nothing here decides that a buyer is abusive. `score_risk` adds points for
independent signals found in the tagged table (and an order file when given),
caps the sum at 100 and explains every point in Chinese and English, so a
reviewer reads *why* a return sits high in the queue and can check it.

Signals and their maximum points (`WEIGHTS`); docs/RISK.md has the details:

=====================  ===  ====================================================
signal                 max  fires when
=====================  ===  ====================================================
text_model              40  classifier `p_malicious` above 0.3 (linear to 0.9)
text_cues               40  threat / conditional threat / compensation demand /
                            used-then-refund / refund-without-return words
buyer_returns           25  the buyer has >= 3 returns in the data
buyer_refund_only       25  >= 2 refund-only requests, >= 50 % of the buyer's
fast_after_sign         20  applied within 10 minutes of sign-for (秒退)
long_after_sign         20  applied more than 15 days after sign-for (+5 if "used")
high_value_refund_only  20  refund-only in the shop's top 10 % / 2x the SKU median
dropdown_conflict       15  quality dropdown, text gives a buyer-side reason (15),
                            no defect (8), no text (5), only a vague claim (3)
template_text           30  same / near-same text from >= 2 different buyers
shared_contact          25  a phone/address hash used by >= 2 buyer ids
order_share             20  buyer returned >= 50 % of >= 3 orders (order file)
=====================  ===  ====================================================

Damping keeps innocent look-alikes low: text, timing and value points shrink
when the buyer's words name a concrete defect (开线, 黑屏, 压坏 …), and the
buyer-history points are multiplied by the share of the buyer's returns that
do *not* describe a concrete problem. Levels: high >= 70, medium >= 40.

Every signal is computed with pandas/numpy/Arrow column operations: text
features are computed once per distinct text (`pd.factorize`) and gathered
back, buyer and template counts are bincounts over integer codes,
near-duplicate texts use a numpy MinHash, and evidence strings are built only
where a signal fired. There is no Python loop over rows.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from diagnose import taxonomy
from diagnose.errors import InputError
from diagnose.io import export, redact
from diagnose.io.privacy import mask_id

# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------
HIGH = 70
MEDIUM = 40
LEVELS = ("low", "medium", "high")
LEVEL_ZH = {"low": "低", "medium": "中", "high": "高"}

WEIGHTS: dict[str, int] = {
    "text_model": 40,
    "text_cues": 40,
    "buyer_returns": 25,
    "buyer_refund_only": 25,
    "fast_after_sign": 20,
    "long_after_sign": 20,
    "high_value_refund_only": 20,
    "dropdown_conflict": 15,
    "template_text": 30,
    "shared_contact": 25,
    "order_share": 20,
}

SIGNAL_ZH: dict[str, str] = {
    "text_model": "文本模型恶意概率",
    "text_cues": "威胁/索赔/用后退/仅退款用语",
    "buyer_returns": "买家退货次数",
    "buyer_refund_only": "买家仅退款次数与占比",
    "fast_after_sign": "签收后秒退",
    "long_after_sign": "签收很久后才退",
    "high_value_refund_only": "高金额仅退款",
    "dropdown_conflict": "下拉原因与说明矛盾",
    "template_text": "不同买家相同/近似说明",
    "shared_contact": "不同买家共用电话/地址",
    "order_share": "买家订单退货占比",
}
SIGNAL_EN: dict[str, str] = {
    "text_model": "text model malicious probability",
    "text_cues": "threat / compensation / used / refund-only words",
    "buyer_returns": "buyer's number of returns",
    "buyer_refund_only": "buyer's refund-only count and share",
    "fast_after_sign": "return seconds after sign-for",
    "long_after_sign": "return long after sign-for",
    "high_value_refund_only": "high-value refund-only",
    "dropdown_conflict": "dropdown reason contradicts the text",
    "template_text": "same / near-same text from different buyers",
    "shared_contact": "phone/address shared by different buyers",
    "order_share": "share of the buyer's orders returned",
}


@dataclass(frozen=True)
class RiskConfig:
    """Thresholds of the behaviour signals (defaults documented in docs/RISK.md)."""

    fast_minutes: float = 10.0          # 秒退: applied within N minutes of sign-for
    long_days: float = 15.0             # return long after use
    very_long_days: float = 30.0        # full long_after_sign points from here
    template_min_chars: int = 6         # ignore shorter normalised texts
    near_dup_min_chars: int = 10        # MinHash only for texts at least this long
    high_value_quantile: float = 0.9    # shop-level quantile for "high value"
    sku_ratio: float = 2.0              # or this many times the SKU's median
    sku_min_rows: int = 5               # SKU median used only with this many rows
    shop_min_rows: int = 10             # shop quantile used only with this many rows
    buyer_min_returns: int = 3
    contact_max_buyers: int = 30        # a value shared wider is a placeholder
    order_min_orders: int = 3
    defect_damping: float = 0.5         # text cue points kept when a defect is named
    high: int = HIGH
    medium: int = MEDIUM


DEFAULT_CONFIG = RiskConfig()

# ---------------------------------------------------------------------------
# Cue words. Regexes are written to run on both RE2 (pyarrow strings) and
# Python's re: plain alternations, escaped metacharacters, ASCII \b only.
# ---------------------------------------------------------------------------
_META = set(".^$*+?()[]{}|\\")


def _esc(word: str) -> str:
    return "".join("\\" + c if c in _META else c for c in word)


def _alternation(words) -> str:
    """One alternation of literal cue words, longest first.

    English words need word boundaries; `\\b` would push pandas off RE2 onto
    Python's re for non-ASCII data, so texts are padded with spaces and
    the boundary is spelled as a non-word ASCII character instead.
    """
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        e = _esc(w.lower())
        if w.isascii() and w[:1].isalpha():
            e = "[^a-z0-9_]" + e + "[^a-z0-9_]"
        parts.append(e)
    return "(?:" + "|".join(parts) + ")"


def _cues(*keys: str) -> tuple[str, ...]:
    out: list[str] = []
    for k in keys:
        out.extend(taxonomy.SUB_REASON_BY_KEY[k].cues)
    return tuple(out)


# A concrete defect or a seller/courier-side problem the buyer describes.
# The generic "not as pictured" cues (描述, 图片, 实物 …) are not concrete.
DEFECT_CUES = _cues(
    "spoiled", "odor", "skin_reaction", "malfunction", "workmanship", "pilling_fading",
    "poor_material", "counterfeit", "wrong_item", "missing_parts", "color_difference",
    "damaged_in_transit", "lost", "slow",
) + ("破了", "漏液", "少了一", "缺了", "碎", "生锈", "鼓包", "掉漆", "不亮", "坏掉", "没声音", "没有声音",
     "没声", "不出声", "受潮", "发软", "潮了", "不转", "不通电", "通不了电", "断裂", "开裂", "凹陷", "松动",
     "脱落", "卡住", "漏气", "刺手", "扎手", "损坏")
# A defect claimed without saying which (counts as a claim, not as a conflict).
VAGUE_CUES = (
    "质量问题", "质量有问题", "品质问题", "有问题", "有毛病", "次品", "残次", "不好用",
    "瑕疵品", "有缺陷", "东西不行", "有质量",
) + taxonomy.SUB_REASON_BY_KEY["not_as_pictured"].cues + ("货不对板",)
SIZING_CUES = _cues("too_small", "too_large", "fit")
BUYER_SIDE_CUES = _cues("ordered_wrong", "price", "not_needed", "dislike") + (
    "七天无理由", "7天无理由", "无理由", "不想要", "不要了", "拍错", "买错", "多拍",
    "家人不喜欢", "退了重买", "不想买了", "后悔", "冲动", "不合心意", "不太合适", "不太喜欢", "不想用了",
    "用不着",
)
THREAT_CUES = _cues("threat")
COMPENSATION_CUES = _cues("compensation_demand")
USED_CUES = _cues("used_then_refund") + ("用了一段时间", "穿了一次", "穿了几次", "用了一次", "戴过", "吃光")
RWR_CUES = _cues("refund_without_return") + ("东西不寄", "货不退", "不用退货")
# Threat tied to getting the refund: "不退款就差评", "否则投诉".
_COND_THREAT_RE = (
    r"(?:不退|不给|不同意|不处理|不解决|不赔|否则|不然|要不然|如果不|再不)"
    r".{0,12}" + _alternation(THREAT_CUES + ("投诉", "举报", "曝光", "闹"))
)
# Negated defects ("没有质量问题", "东西没坏") are removed before matching.
_NEGATED_RE = (
    r"(?:没有任何|没有|没|无|不是|并非|并没有)"
    r"(?:质量问题|质量|问题|破损|坏|瑕疵|色差|异味|损坏|毛病)"
)
_PUNCT_CLASS = (
    "[ \t\n\r\f\v\u3000\u00a0" r"0-9_!\"#$%&'()*+,\-./:;<=>?@\[\]\\^`{|}~"
    "，。！？、；：“”‘’（）《》【】…—～·「」『』〈〉￥"
    "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE00-\uFE0F\u200B-\u200D]+"
)

_FEATURE_PATTERNS: dict[str, str] = {
    "defect": _alternation(DEFECT_CUES),
    "vague": _alternation(VAGUE_CUES),
    "sizing": _alternation(SIZING_CUES),
    "buyer_side": _alternation(BUYER_SIDE_CUES),
    "threat": _alternation(THREAT_CUES),
    "cond_threat": _COND_THREAT_RE,
    "compensation": _alternation(COMPENSATION_CUES),
    "used": _alternation(USED_CUES),
    "rwr": _alternation(RWR_CUES),
}
_EXTRACT = ("defect", "buyer_side", "threat", "compensation", "used", "rwr", "vague")

CUE_POINTS = {"threat": 10, "cond_threat": 25, "compensation": 20, "used": 20, "rwr": 15}
CUE_ZH = {"threat": "威胁差评/投诉", "compensation": "索要赔偿", "used": "用后/吃完再退",
          "rwr": "仅退款不退货"}
CUE_EN = {"threat": "threat of bad review/complaint", "compensation": "compensation demand",
          "used": "refund after use", "rwr": "refund without return"}

DEFECT_LABELS = frozenset({"quality", "mismatch", "logistics"})

_CONTACT_RE = re.compile(
    r"电话|手机|联系方式|phone|mobile|tel\b|地址|address|收货人|收件人|联系人|consignee|recipient",
    re.IGNORECASE,
)
_NOT_BUYER_CONTACT_RE = re.compile(
    r"商家|卖家|店铺|门店|仓|退货|寄回|merchant|seller|shop|store|warehouse|return",
    re.IGNORECASE,
)
_PHOTO_RE = re.compile(r"凭证|图片|照片|photo|image|picture", re.IGNORECASE)
_YES = {"是", "已上传", "有", "yes", "y", "true", "1", "已传", "上传"}
_TIME_COL_RE = re.compile(r"时间|日期|time|date", re.IGNORECASE)

# Canonical + tagged columns that are never "carried" extras.
_OWN_COLUMNS = frozenset({
    "return_id", "order_id", "sku", "product_id", "product_title", "platform_reason",
    "buyer_text", "return_type", "amount", "applied_at", "signed_at", "buyer_id", "status",
    "quantity", "shop", "platform", "source_file", "source_row", "row_issues", "reason",
    "reason_zh", "sub_reason", "confidence", "evidence", "needs_review", "reason_conflict",
    "dropdown_label", "p_malicious", "risk_score", "risk_level", "risk_evidence",
    "risk_evidence_zh", "risk_evidence_en", "risk_signals", "skipped_signals",
})


# ---------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------
def _col(df: pd.DataFrame, name: str) -> pd.Series | None:
    """The column if it exists and holds at least one value, else None."""
    if name not in df.columns:
        return None
    s = df[name]
    present = s.notna().to_numpy()
    if not present.any():
        return None
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        vals = s[present].astype("str")
        if not ((vals != "") & (vals != "-")).any():
            return None
    return s


def _text(s: pd.Series | None, n: int) -> pd.Series:
    if s is None:
        return pd.Series([""] * n, dtype="str")
    out = s.astype("str").fillna("").reset_index(drop=True)
    return out.where(~out.isin(["nan", "<NA>", "None", "-"]), "")


def _dt(s: pd.Series | None) -> pd.Series | None:
    if s is None:
        return None
    out = pd.to_datetime(s, errors="coerce", format="mixed") if not pd.api.types.is_datetime64_any_dtype(s) else s
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert(None)
    out = out.reset_index(drop=True)
    return out if out.notna().any() else None


def _num(s: pd.Series | None) -> pd.Series | None:
    if s is None:
        return None
    out = pd.to_numeric(s, errors="coerce").reset_index(drop=True).astype("float64")
    return out if out.notna().any() else None


def _o(values) -> np.ndarray:
    """Any string column/array as a numpy object array (positional, no index)."""
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy(dtype=object, na_value="")
    arr = np.asarray(values, dtype=object)
    return arr


def _format_unique(values, fmt) -> np.ndarray:
    """Format numbers once per distinct value and gather back (object array of str)."""
    arr = np.asarray(values, dtype="float64")
    if not len(arr):
        return np.array([], dtype=object)
    uniq, inv = np.unique(arr, return_inverse=True)
    table = np.array([fmt(v) if v == v else "?" for v in uniq], dtype=object)
    return table[inv.reshape(-1)]


def _yuan(values) -> np.ndarray:
    """¥ amounts with thousands separators (whole yuan from ¥100 up)."""
    return _format_unique(values, lambda v: f"¥{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"¥{v:,.2f}")


def _fixed(values, digits: int = 2) -> np.ndarray:
    """Numbers as fixed-point text."""
    return _format_unique(np.round(np.asarray(values, dtype="float64"), digits), lambda v: f"{v:.{digits}f}")


def _ints(values) -> np.ndarray:
    arr = np.round(np.nan_to_num(np.asarray(values, dtype="float64"))).astype("int64")
    return arr.astype(str).astype(object)


def _str_array(values: np.ndarray):
    """An object array of str as a pandas string array (through Arrow, fast)."""
    import pyarrow as pa

    return pd.array(pa.array(values, type=pa.large_string()), dtype="str")


def _blank(n: int) -> np.ndarray:
    return np.full(n, "", dtype=object)


def _join_parts(parts: list[np.ndarray], sep: str, n: int) -> np.ndarray:
    """Join per-row parts with `sep`, skipping empty parts (object arrays).

    Rows are grouped by which parts they have (a bit mask, a few hundred
    distinct values at most), and each group is concatenated column-wise:
    no per-row Python, and no work spent on empty parts.
    """
    out = _blank(n)
    if not parts or not n:
        return out
    has = [p.astype(bool) for p in parts]  # "" is falsy
    bits = np.zeros(n, dtype=np.int64)
    for i, h in enumerate(has):
        bits |= h.astype(np.int64) << i
    nonzero = bits != 0
    if not nonzero.any():
        return out
    uniq, inv = np.unique(bits[nonzero], return_inverse=True)
    rows_all = np.flatnonzero(nonzero)
    order = np.argsort(inv, kind="stable")
    bounds = np.searchsorted(inv[order], np.arange(len(uniq) + 1))
    for g, mask_bits in enumerate(uniq):
        rows = rows_all[order[bounds[g]:bounds[g + 1]]]
        idx = [i for i in range(len(parts)) if (int(mask_bits) >> i) & 1]
        acc = parts[idx[0]][rows]
        for i in idx[1:]:
            acc = acc + sep + parts[i][rows]
        out[rows] = acc
    return out


def _join_parts_arrow(parts: list, sep: str, n: int):
    """Like `_join_parts`, but joins in Arrow (C) and returns a pandas string array.

    A part is an object array ("" = absent) or a str present on every row.
    Each group of rows with the same parts is converted once and joined by
    `pyarrow.compute.binary_join_element_wise`; the groups are then put back
    in row order with one `take`.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not n:
        return pd.array([], dtype="str")
    arrays = [p for p in parts if not isinstance(p, str)]
    consts = [p for p in parts if isinstance(p, str)]
    bits = np.zeros(n, dtype=np.int64)
    for i, p in enumerate(arrays):
        bits |= p.astype(bool).astype(np.int64) << i
    uniq, inv = np.unique(bits, return_inverse=True)
    inv = inv.reshape(-1)
    order = np.argsort(inv, kind="stable")
    bounds = np.searchsorted(inv[order], np.arange(len(uniq) + 1))
    # each part converted to Arrow once ("" where absent); groups take from it in C
    arrow_parts = [pa.array(p, type=pa.large_string()) for p in arrays]
    chunks = []
    for g, mask_bits in enumerate(uniq):
        rows = order[bounds[g]:bounds[g + 1]]
        rows_pa = pa.array(rows)
        items = [arrow_parts[i].take(rows_pa) for i in range(len(arrays)) if (int(mask_bits) >> i) & 1]
        items += [pa.scalar(c, type=pa.large_string()) for c in consts]
        if not items:
            chunks.append(pa.array(np.full(len(rows), "", dtype=object), type=pa.large_string()))
        elif len(items) == 1 and not consts:
            chunks.append(items[0])
        else:
            if all(isinstance(x, pa.Scalar) for x in items):  # constants only: broadcast
                items.insert(0, pa.array(np.full(len(rows), "", dtype=object), type=pa.large_string()))
                joined = pc.binary_join_element_wise(*items, pa.scalar(sep, type=pa.large_string()))
                joined = pc.utf8_slice_codeunits(joined, len(sep))  # drop the leading separator
            else:
                joined = pc.binary_join_element_wise(*items, pa.scalar(sep, type=pa.large_string()))
            chunks.append(joined)
    combined = pa.concat_arrays(chunks)
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)
    return pd.array(combined.take(pa.array(back)), dtype="str")


def _put(target: np.ndarray, mask: np.ndarray, values) -> None:
    """Write values into the masked positions (positional)."""
    if mask.any():
        target[mask] = _o(values) if not isinstance(values, str) else values


def _strip_key(norm: pd.Series) -> pd.Series:
    return norm.str.replace(_PUNCT_CLASS, "", regex=True)


_T2S: dict[int, str] | None = None
_T2S_PATTERN: str | None = None


def _t2s_pattern() -> str:
    """A character class of the traditional characters that change, or ""."""
    global _T2S_PATTERN
    if _T2S_PATTERN is None:
        chars = sorted(chr(k) for k, v in _t2s().items() if chr(k) != v and chr(k) not in "]\\^-[")
        _T2S_PATTERN = "[" + "".join(chars) + "]" if chars else ""
    return _T2S_PATTERN


def _t2s() -> dict[int, str]:
    global _T2S
    if _T2S is None:
        try:
            from diagnose.model.text import _t2s_table

            _T2S = _t2s_table()
        except Exception:  # pragma: no cover - opencc missing
            _T2S = {}
    return _T2S


class _TF:
    """Text features computed once per distinct text; rows are gathered lazily.

    `tf["cue_defect"]` (bool), `tf["word_defect"]` (object: first matched
    word or ""), `tf["text_len"]` (characters after normalisation) give
    row-level numpy arrays; `key_codes()` gives integer codes of the
    normalised template key (equal codes = equal normalised text).
    """

    def __init__(self, texts: pd.Series | None, n: int):
        raw = _text(texts, n)
        self.n = n
        self.codes, uniques = pd.factorize(raw, sort=False)
        u = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
        norm = u.str.normalize("NFKC").str.lower()
        trad = _t2s_pattern()
        if trad and len(norm):
            has_trad = norm.str.contains(trad, regex=True).fillna(False).to_numpy(dtype=bool)
            if has_trad.any():  # str.translate is per string in Python: only where needed
                fixed = norm.to_numpy(dtype=object)
                fixed[has_trad] = norm[has_trad].str.translate(_t2s()).to_numpy(dtype=object)
                norm = pd.Series(fixed, dtype="str")
        # spaces at both ends stand in for ^/$ in the ASCII word boundaries
        padded = " " + norm + " "
        cleaned = padded.str.replace(_NEGATED_RE, " ", regex=True)
        self.u: dict[str, np.ndarray] = {}
        for key, pat in _FEATURE_PATTERNS.items():
            target = cleaned if key in ("defect", "vague") else padded
            self.u[f"cue_{key}"] = target.str.contains(pat, regex=True).fillna(False).to_numpy(dtype=bool)
        for key in _EXTRACT:
            target = cleaned if key in ("defect", "vague") else padded
            hit = self.u[f"cue_{key}"]
            w = np.full(len(u), "", dtype=object)
            if hit.any():
                sub = target[hit].str.extract("(?P<w>" + _FEATURE_PATTERNS[key] + ")", expand=False)
                w[hit] = sub.fillna("").str.strip(" ,.;:!?'\"()").to_numpy(dtype=object)
            self.u[f"word_{key}"] = w
        ct = self.u["cue_cond_threat"]
        if ct.any():
            w = self.u["word_threat"].copy()
            sub = padded[ct].str.extract("(?P<w>" + _COND_THREAT_RE + ")", expand=False)
            w[ct] = sub.fillna("").str.strip().to_numpy(dtype=object)
            self.u["word_threat"] = w
        key = _strip_key(norm)
        self.u["text_len"] = key.str.len().fillna(0).to_numpy(dtype="int64")
        self.key_u = key
        self._rows: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._rows:
            self._rows[name] = self.u[name][self.codes]
        return self._rows[name]

    def key_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """Row codes of the normalised text and the distinct normalised texts."""
        kc, kuniq = pd.factorize(self.key_u, sort=False)
        return kc[self.codes], np.asarray(kuniq, dtype=object)


def text_features(texts: pd.Series) -> pd.DataFrame:
    """Cue flags, first matched words and the template key of every text.

    Computed once per distinct text and gathered back by position, so a
    million rows with a few hundred thousand distinct texts stay cheap.
    """
    tf = _TF(texts, len(texts))
    out = {name: tf[name] for name in tf.u}
    out["text_key"] = tf.key_u.to_numpy(dtype=object)[tf.codes]
    out["text_code"] = tf.codes
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------
# Near-duplicate texts: MinHash over character bigrams, in numpy
# ---------------------------------------------------------------------------
_MH_BANDS = 6
_MH_ROWS = 5
_MH_CHARS = 48
_MH_SEEDS = np.array(
    [0x9E3779B97F4A7C15 ^ (i * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF) for i in range(1, _MH_BANDS * _MH_ROWS + 1)],
    dtype=np.uint64,
)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def minhash_bands(keys: np.ndarray, chunk: int = 20000) -> np.ndarray:
    """(len(keys), 6) uint64 band signatures of each text's character bigrams.

    Each text becomes a row of code points (numpy fixed-width unicode, first
    48 characters), bigrams are packed into uint64, hashed with 30 seeded
    mixers and reduced to their minimum (MinHash). Six bands of five minima
    each: two texts share a band with probability J^5 (J = Jaccard similarity
    of their bigram sets), so at least one of six bands with 1-(1-J^5)^6:
    0.95 at J=0.83 (one character changed in a 20-character text), 0.67 at
    J=0.7, 0.17 at J=0.5, 0.015 at J=0.3.
    """
    out = np.zeros((len(keys), _MH_BANDS), dtype=np.uint64)
    for start in range(0, len(keys), chunk):
        part = np.asarray(keys[start:start + chunk], dtype=f"<U{_MH_CHARS}")
        cp = part.view(np.uint32).reshape(len(part), _MH_CHARS).astype(np.uint64)
        big = (cp[:, :-1] << np.uint64(21)) | cp[:, 1:]
        invalid = cp[:, 1:] == 0
        mins = np.empty((len(part), len(_MH_SEEDS)), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for i, seed in enumerate(_MH_SEEDS):
                h = big ^ seed
                h = h * _M1
                h ^= h >> np.uint64(31)
                h = h * _M2
                h ^= h >> np.uint64(29)
                h[invalid] = np.uint64(0xFFFFFFFFFFFFFFFF)
                mins[:, i] = h.min(axis=1)
            for b in range(_MH_BANDS):
                sig = mins[:, b * _MH_ROWS].copy()
                for r in range(1, _MH_ROWS):
                    sig = (sig * np.uint64(0x100000001B3)) ^ mins[:, b * _MH_ROWS + r]
                out[start:start + len(part), b] = sig
    return out


def _distinct_per_group(groups: np.ndarray, who: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """For each row in mask: how many distinct `who` share the row's group (numpy only)."""
    res = np.zeros(len(groups), dtype="int64")
    if not mask.any():
        return res
    g_codes, g_inv = np.unique(groups[mask], return_inverse=True)
    w = np.asarray(who[mask], dtype=np.int64)
    w = w - w.min()
    pair = g_inv.astype(np.int64) * (int(w.max()) + 1) + w
    uniq_pairs = np.unique(pair)
    per_group = np.bincount(uniq_pairs // (int(w.max()) + 1), minlength=len(g_codes))
    res[mask] = per_group[g_inv]
    return res


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------
@dataclass
class _Acc:
    n: int
    points: dict[str, np.ndarray] = field(default_factory=dict)
    zh: list[pd.Series] = field(default_factory=list)
    en: list[pd.Series] = field(default_factory=list)
    skipped: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, key: str, pts: np.ndarray, zh: pd.Series, en: pd.Series) -> None:
        self.points[key] = np.clip(np.nan_to_num(pts), 0, WEIGHTS[key])
        self.zh.append(zh)
        self.en.append(en)

    def skip(self, key: str, why_zh: str, why_en: str) -> None:
        self.skipped[key] = (why_zh, why_en)


def _dropdown_labels(df: pd.DataFrame, n: int) -> pd.Series | None:
    dl = _col(df, "dropdown_label")
    if dl is not None:
        return _text(dl, n)
    pr = _col(df, "platform_reason")
    if pr is None:
        return None
    reasons = _text(pr, n)
    codes, uniques = pd.factorize(reasons)
    mapped = np.array([taxonomy.dropdown_label(v) or "" for v in uniques], dtype=object)
    return pd.Series(mapped[codes] if len(mapped) else np.array([], dtype=object), dtype="str")


def _defect_flags(df: pd.DataFrame, tf: pd.DataFrame, n: int) -> tuple[np.ndarray, pd.Series]:
    """Which texts describe a concrete problem, and the word (or label) that says so.

    A defect cue word counts; so does a confident classifier label of
    quality / mismatch / logistics on a text that is neither a vague claim
    ("质量有问题") nor a buyer-side reason — the cue lists cannot hold every
    way to say 鞋底磨平了 or 有底噪, the model reads them.
    """
    cue = tf["cue_defect"]
    word = tf["word_defect"].copy()
    reason_col = _col(df, "reason")
    conf = _num(_col(df, "confidence"))
    if reason_col is None or conf is None:
        return cue, word
    reason = _text(reason_col, n)
    model = (reason.isin(list(DEFECT_LABELS)).to_numpy() & (conf.fillna(0).to_numpy() >= 0.8)
             & (tf["text_len"] >= 4) & ~tf["cue_vague"] & ~tf["cue_buyer_side"])
    only_model = model & ~cue
    if only_model.any():
        names = {k: "文本分类为" + taxonomy.label_name(k, "zh") for k in DEFECT_LABELS}
        word[only_model] = reason[only_model].map(names).to_numpy(dtype=object)
    return cue | model, word


def defect_claim_dropdown(dl: pd.Series | None, n: int) -> np.ndarray:
    """Rows whose dropdown blames the goods (quality / not as described)."""
    if dl is None:
        return np.zeros(n, dtype=bool)
    return dl.isin(list(taxonomy.QUALITY_DROPDOWN_LABELS)).to_numpy()


def _conflict_kind(df: pd.DataFrame, tf: pd.DataFrame, n: int,
                   defect: np.ndarray | None = None) -> tuple[np.ndarray, pd.Series | None]:
    """Per row: '' / buyer_side / no_defect / no_text / vague for quality dropdowns."""
    dl = _dropdown_labels(df, n)
    if dl is None:
        return np.full(n, "", dtype=object), None
    qdd = dl.isin(list(taxonomy.QUALITY_DROPDOWN_LABELS)).to_numpy()
    reason = _text(_col(df, "reason"), n)
    if defect is None:
        defect = _defect_flags(df, tf, n)[0]
    has_text = tf["text_len"] > 0
    sizing = tf["cue_sizing"]
    buyer = tf["cue_buyer_side"] | ((reason == "changed_mind").to_numpy() & has_text)
    vague = tf["cue_vague"] | (reason.isin(list(DEFECT_LABELS)).to_numpy() & has_text & ~buyer)
    kind = np.full(n, "", dtype="<U10")
    clear = qdd & ~defect & ~sizing
    kind[clear & has_text & vague & ~buyer] = "vague"
    kind[clear & has_text & ~vague & ~buyer] = "no_defect"
    kind[clear & has_text & buyer] = "buyer_side"
    kind[clear & ~has_text] = "no_text"
    return kind, dl


def score_risk(
    tagged: pd.DataFrame,
    orders: pd.DataFrame | None = None,
    *,
    lang: str = "zh",
    config: RiskConfig | None = None,
) -> pd.DataFrame:
    """Tagged table → the same rows plus risk_score, risk_level and evidence.

    Adds `risk_score` (0-100 int), `risk_level` (low/medium/high),
    `risk_evidence_zh`, `risk_evidence_en` (readable reasons with numbers,
    "；"/"; "-joined), `risk_evidence` (the one in `lang`), `risk_signals`
    (a list of the keys of the signals that fired) and `skipped_signals`
    (signals that could not be evaluated for lack of a column; the evidence
    text says so too). It ranks for human review; it never decides.
    """
    if lang not in ("zh", "en"):
        raise InputError(f"unknown language {lang!r}", hint="use zh or en")
    if not isinstance(tagged, pd.DataFrame):
        raise InputError("score_risk needs a table (pandas DataFrame)")
    cfg = config or DEFAULT_CONFIG
    n = len(tagged)
    df = tagged.reset_index(drop=True)
    acc = _Acc(n)

    text_col = _col(df, "buyer_text")
    tf = _TF(df["buyer_text"] if "buyer_text" in df.columns else None, n)
    defect, defect_word = _defect_flags(df, tf, n)
    defect_word = _o(defect_word)
    # a return whose words describe a concrete problem (or a size problem)
    genuine = defect | tf["cue_sizing"]

    rtype = _col(df, "return_type")
    amount = _num(_col(df, "amount"))
    amt = amount.fillna(0).to_numpy() if amount is not None else np.zeros(n)
    refund_only = (_text(rtype, n) == "refund_only").to_numpy() if rtype is not None else np.zeros(n, bool)

    # --- text_model ------------------------------------------------------
    p = _num(_col(df, "p_malicious"))
    if p is None:
        acc.skip("text_model", "文本模型恶意概率（缺少 p_malicious 列）",
                 "text model probability (no p_malicious column)")
    else:
        pv = p.fillna(0).to_numpy()
        pts = WEIGHTS["text_model"] * np.clip((pv - 0.3) / 0.6, 0, 1)
        pts = np.where(defect, pts * 0.6, pts)
        fired = pts >= 1
        zh, en = _blank(n), _blank(n)
        ps = _fixed(pv[fired])
        _put(zh, fired, "文本模型判定恶意退款概率 " + ps)
        _put(en, fired, "text model: malicious-refund probability " + ps)
        acc.add("text_model", np.where(fired, pts, 0), zh, en)

    # --- text_cues -------------------------------------------------------
    if text_col is None:
        acc.skip("text_cues", "说明文字用语（缺少买家说明列）", "text cue words (no buyer_text column)")
        acc.skip("template_text", "相同说明（缺少买家说明列）", "template texts (no buyer_text column)")
    else:
        cond = tf["cue_cond_threat"]
        threat = tf["cue_threat"] | cond
        comp, used, rwr_words = (tf[f"cue_{k}"] for k in ("compensation", "used", "rwr"))
        # used/eaten + refund-only: nothing is coming back, the same pattern as 仅退款不退货
        used_ro = used & refund_only & ~rwr_words
        rwr = rwr_words | used_ro
        raw = (np.where(cond, CUE_POINTS["cond_threat"], np.where(threat, CUE_POINTS["threat"], 0))
               + comp * CUE_POINTS["compensation"] + used * CUE_POINTS["used"] + rwr * CUE_POINTS["rwr"])
        raw = np.minimum(raw, WEIGHTS["text_cues"]).astype(float)
        pts = np.where(defect, raw * cfg.defect_damping, raw)
        fired = raw > 0
        zh_bits, en_bits = [], []
        for key, flag in (("threat", threat), ("compensation", comp), ("used", used), ("rwr", rwr)):
            word = tf[f"word_{key}"]
            if key == "rwr":
                word = np.where(used_ro, "用后申请仅退款", word)
            z, e = _blank(n), _blank(n)
            _put(z, flag, CUE_ZH[key] + "（" + word[flag] + "）")
            _put(e, flag, CUE_EN[key] + " (" + word[flag] + ")")
            zh_bits.append(z)
            en_bits.append(e)
        zh = _join_parts(zh_bits, "、", n)
        en = _join_parts(en_bits, ", ", n)
        zh = np.where(fired, "说明含", "").astype(object) + zh
        en = np.where(fired, "text contains ", "").astype(object) + en
        damp = fired & defect
        _put(zh, damp, zh[damp] + "，但同时描述了具体问题（" + defect_word[damp] + "），已降权")
        _put(en, damp, en[damp] + ", but also describes a concrete problem (" + defect_word[damp] + "), weighted down")
        acc.add("text_cues", pts, zh, en)

    # --- buyer history ---------------------------------------------------
    buyer = _col(df, "buyer_id")
    if buyer is None:
        for key in ("buyer_returns", "buyer_refund_only", "shared_contact", "order_share"):
            acc.skip(key, SIGNAL_ZH[key] + "（缺少买家ID列）", SIGNAL_EN[key] + " (no buyer_id column)")
        bcodes = np.full(n, -1)
    else:
        bstr = _text(buyer, n)
        bcodes, buyer_uniques = pd.factorize(bstr.where(bstr != "", None))
        known = bcodes >= 0
        # per-buyer sums with bincount over the dense factorize codes, gathered back
        kb = bcodes[known]
        nbuy = int(bcodes.max()) + 1 if known.any() else 0

        def per_buyer(weights: np.ndarray) -> np.ndarray:
            sums = np.bincount(kb, weights=weights[known], minlength=nbuy)
            return np.where(known, sums[np.maximum(bcodes, 0)] if nbuy else 0.0, 0.0)

        nb = per_buyer(np.ones(n))
        nro = per_buyer(refund_only.astype(float))
        tot = per_buyer(amt)
        ro_tot = per_buyer(np.where(refund_only, amt, 0.0))
        ngen = per_buyer(genuine.astype(float))
        keep = np.where(nb > 0, 1 - ngen / np.maximum(nb, 1), 0.0)
        damped_note_zh = _blank(n)
        damped_note_en = _blank(n)
        dm = (ngen > 0) & (nb >= cfg.buyer_min_returns)
        _put(damped_note_zh, dm, "（其中 " + _ints(ngen[dm]) + " 次描述了具体问题，已降权）")
        _put(damped_note_en, dm, " (" + _ints(ngen[dm]) + " of them describe a concrete problem, weighted down)")

        pts = np.minimum(WEIGHTS["buyer_returns"], 5.0 * (nb - (cfg.buyer_min_returns - 1))) * keep
        fired = (nb >= cfg.buyer_min_returns) & (pts >= 1)
        zh, en = _blank(n), _blank(n)
        money = "，共 " + _yuan(tot[fired]) if amount is not None else ""
        money_en = ", " + _yuan(tot[fired]) + " in total" if amount is not None else ""
        _put(zh, fired, "该买家在本数据中共 " + _ints(nb[fired]) + " 次退货" + money + damped_note_zh[fired])
        _put(en, fired, "this buyer has " + _ints(nb[fired]) + " returns in the data" + money_en
             + damped_note_en[fired])
        acc.add("buyer_returns", np.where(fired, pts, 0), zh, en)

        if rtype is None:
            acc.skip("buyer_refund_only", "买家仅退款占比（缺少售后类型 return_type 列）",
                     "buyer's refund-only share (no return_type column)")
        else:
            share = np.where(nb > 0, nro / np.maximum(nb, 1), 0)
            pts = np.minimum(WEIGHTS["buyer_refund_only"], 6.0 * nro) * share * keep
            fired = (nro >= 2) & (share >= 0.5) & (pts >= 1)
            zh, en = _blank(n), _blank(n)
            pct = _ints(share[fired] * 100)
            money = "，共 " + _yuan(ro_tot[fired]) if amount is not None else ""
            money_en = ", " + _yuan(ro_tot[fired]) + " in total" if amount is not None else ""
            _put(zh, fired, "该买家在本数据中 " + _ints(nro[fired]) + " 次仅退款（占其退货 " + pct + "%）" + money)
            _put(en, fired, "this buyer filed " + _ints(nro[fired]) + " refund-only requests (" + pct
                 + "% of their returns)" + money_en)
            acc.add("buyer_refund_only", np.where(fired, pts, 0), zh, en)

    # --- timing ----------------------------------------------------------
    applied = _dt(_col(df, "applied_at"))
    signed = _dt(_col(df, "signed_at"))
    if applied is None or signed is None:
        miss = "签收时间 signed_at" if signed is None else "申请时间 applied_at"
        miss_en = "signed_at" if signed is None else "applied_at"
        acc.skip("fast_after_sign", f"签收后秒退（缺少{miss}列）", f"return seconds after sign-for (no {miss_en} column)")
        acc.skip("long_after_sign", f"签收很久后才退（缺少{miss}列）", f"return long after sign-for (no {miss_en} column)")
    else:
        minutes = ((applied - signed).dt.total_seconds() / 60.0).to_numpy()
        ok = ~np.isnan(minutes)
        fast = ok & (minutes >= 0) & (minutes <= cfg.fast_minutes)
        pts = np.where(fast, WEIGHTS["fast_after_sign"] * np.where(defect, 0.5, 1.0), 0)
        zh, en = _blank(n), _blank(n)
        secs = minutes[fast] * 60
        span_zh = np.where(secs < 60, _ints(secs) + " 秒", _ints(secs / 60) + " 分钟").astype(object)
        span_en = np.where(secs < 60, _ints(secs) + " s", _ints(secs / 60) + " min").astype(object)
        thr = f"{cfg.fast_minutes:g}"
        _put(zh, fast, "签收后 " + span_zh + f"即申请售后（秒退，阈值 {thr} 分钟）")
        _put(en, fast, "applied " + span_en + f" after sign-for (threshold {thr} min)")
        acc.add("fast_after_sign", pts, zh, en)

        days = minutes / 1440.0
        long_ = ok & (days > cfg.long_days)
        frac = np.clip((days - cfg.long_days) / max(cfg.very_long_days - cfg.long_days, 1e-9), 0, 1)
        used_words = tf["cue_used"]
        base = 10 + 5 * frac + np.where(used_words, 5, 0)  # the buyer's own words corroborate use
        pts = np.where(long_, base * np.where(defect, 0.3, 1.0), 0)
        zh, en = _blank(n), _blank(n)
        thr = f"{cfg.long_days:g}"
        lu = long_ & used_words
        _put(zh, long_, "签收 " + _ints(np.floor(days[long_])) + f" 天后才申请售后（阈值 {thr} 天）")
        _put(en, long_, "applied " + _ints(np.floor(days[long_])) + f" days after sign-for (threshold {thr} days)")
        _put(zh, lu, zh[lu] + "，且说明承认已使用")
        _put(en, lu, en[lu] + ", and the text says it was used")
        acc.add("long_after_sign", pts, zh, en)

    # --- high-value refund-only -----------------------------------------
    if rtype is None or amount is None:
        miss = "售后类型 return_type" if rtype is None else "金额 amount"
        acc.skip("high_value_refund_only", f"高金额仅退款（缺少{miss}列）",
                 f"high-value refund-only (no {'return_type' if rtype is None else 'amount'} column)")
    else:
        a = amount.to_numpy()
        shop = _text(_col(df, "shop"), n)
        shop_codes, _ = pd.factorize(shop)
        qty = _num(_col(df, "quantity"))
        unit = a / np.maximum(qty.fillna(1).to_numpy(), 1) if qty is not None else a
        gdf = pd.DataFrame({"shop": shop_codes, "sku": _text(_col(df, "sku"), n), "a": a, "u": unit})
        shop_n = gdf.groupby("shop")["a"].count()
        shop_q = gdf.groupby("shop")["a"].quantile(cfg.high_value_quantile)
        shop_med = gdf.groupby("shop")["a"].median()
        all_q = float(np.nanquantile(a, cfg.high_value_quantile))
        all_med = float(np.nanmedian(a))
        use_shop = shop_n.reindex(shop_codes).to_numpy() >= cfg.shop_min_rows
        ref_q = np.where(use_shop, shop_q.reindex(shop_codes).to_numpy(), all_q)
        ref_med = np.where(use_shop, shop_med.reindex(shop_codes).to_numpy(), all_med)
        sku_key = gdf["sku"].where(gdf["sku"] != "", None)
        sku_n = gdf.groupby(sku_key)["u"].count()
        sku_med = gdf.groupby(sku_key)["u"].median()
        sk_n = sku_n.reindex(sku_key).to_numpy()
        sk_med = sku_med.reindex(sku_key).to_numpy()
        sk_ok = (np.nan_to_num(sk_n) >= cfg.sku_min_rows) & (np.nan_to_num(sk_med) > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            by_shop = (a >= ref_q) & (a > 1.5 * ref_med)
            ratio = np.where(sk_ok, unit / np.where(sk_ok, sk_med, 1), 0)
        by_sku = sk_ok & (ratio >= cfg.sku_ratio)
        fired = refund_only & (a > 0) & (by_shop | by_sku)
        pts = np.where(fired, WEIGHTS["high_value_refund_only"] * np.where(defect, 0.4, 1.0), 0)
        zh, en = _blank(n), _blank(n)
        fs = fired & by_shop
        scope_zh = np.where(use_shop[fs], "本店", "本数据").astype(object)
        scope_en = np.where(use_shop[fs], "this shop's", "the data's").astype(object)
        pq = int(round(cfg.high_value_quantile * 100))
        top = 100 - pq
        _put(zh, fs, "仅退款 " + _yuan(a[fs]) + "，位于" + scope_zh + f"退款金额的前 {top}%（P{pq} " + _yuan(ref_q[fs])
             + "，中位数 " + _yuan(ref_med[fs]) + "）")
        _put(en, fs, "refund-only " + _yuan(a[fs]) + f" is in the top {top}% of " + scope_en + f" refunds (P{pq} "
             + _yuan(ref_q[fs]) + ", median " + _yuan(ref_med[fs]) + ")")
        fk = fired & ~by_shop
        ratio_s = _fixed(ratio[fk], 1)
        _put(zh, fk, "仅退款每件 " + _yuan(unit[fk]) + "，为该商品每件退款中位数 " + _yuan(sk_med[fk]) + " 的 " + ratio_s + " 倍")
        _put(en, fk, "refund-only " + _yuan(unit[fk]) + " per unit is " + ratio_s + "x the SKU's median refund per unit "
             + _yuan(sk_med[fk]))
        acc.add("high_value_refund_only", pts, zh, en)

    # --- dropdown vs text -----------------------------------------------
    kind, dl = _conflict_kind(df, tf, n, defect)
    if dl is None:
        acc.skip("dropdown_conflict", "下拉原因与说明矛盾（缺少下拉原因列）",
                 "dropdown/text conflict (no dropdown reason column)")
    else:
        kind_pts = {"buyer_side": 15, "no_defect": 8, "no_text": 5, "vague": 3}
        pts = np.zeros(n)
        zh, en = _blank(n), _blank(n)
        sel = kind != ""
        if sel.any():
            # strings only for the rows that conflict
            pr = _o(_text(_col(df, "platform_reason"), n)[sel])
            names = dl[sel].map({k: taxonomy.label_name(k, "zh") for k in taxonomy.LABELS}).fillna("")
            pr = np.where(pr != "", pr, _o(names)).astype(object)
            ks = kind[sel]
            bw = tf["word_buyer_side"][sel]
            bw = np.where(bw != "", bw, "买家原因").astype(object)
            vw = tf["word_vague"][sel]
            vw_zh = np.where(vw != "", "（" + vw + "）", "").astype(object)
            vw_en = np.where(vw != "", " (" + vw + ")", "").astype(object)
            head_zh = "下拉原因为「" + pr + "」，"
            head_en = "dropdown says '" + pr + "' "
            texts = {
                "buyer_side": ("但说明为买家个人原因（" + bw + "），未描述缺陷",
                               "but the text gives a buyer-side reason (" + bw + ") and no defect"),
                "no_defect": ("但说明未描述任何具体缺陷", "but the text describes no defect"),
                "no_text": ("买家未填写说明", "and the buyer wrote nothing"),
                "vague": ("说明只笼统地称有问题" + vw_zh + "，未描述具体缺陷",
                          "and the text only claims a problem" + vw_en + " without naming it"),
            }
            zs, es = _blank(len(ks)), _blank(len(ks))
            for k, (tz, te) in texts.items():
                m = ks == k
                if not m.any():
                    continue
                zs[m] = head_zh[m] + (tz[m] if isinstance(tz, np.ndarray) else tz)
                es[m] = head_en[m] + (te[m] if isinstance(te, np.ndarray) else te)
            zh[sel] = zs
            en[sel] = es
            for k, v in kind_pts.items():
                pts[kind == k] = v
        acc.add("dropdown_conflict", pts, zh, en)

    # --- template texts ---------------------------------------------------
    if text_col is not None:
        tl = tf["text_len"]
        eligible = tl >= cfg.template_min_chars
        # who wrote it: the buyer id; rows without one count as their own order
        ostr = _text(_col(df, "order_id"), n)
        ocodes, _ = pd.factorize(ostr.where(ostr != "", None))
        ocodes = np.where(ocodes >= 0, ocodes, np.arange(n) + n)
        if buyer is not None:
            who_note_zh, who_note_en = "个不同买家", "different buyers"
            who = np.where(bcodes >= 0, bcodes, ocodes + n)
        else:
            who_note_zh, who_note_en = "个不同订单（无买家ID列，按订单计）", "different orders (no buyer_id column, counted by order)"
            who = ocodes
        kcode, kuniq = tf.key_codes()
        k_exact = _distinct_per_group(kcode, who, eligible)
        near_ok = tl >= cfg.near_dup_min_chars
        k_near = np.zeros(n, dtype="int64")
        if near_ok.any():
            # MinHash once per distinct normalised text that is long enough
            long_keys = np.unique(kcode[near_ok])
            bands_u = minhash_bands(np.asarray(kuniq, dtype=object)[long_keys])
            slot = np.full(len(kuniq), -1, dtype=np.int64)
            slot[long_keys] = np.arange(len(long_keys))
            row_slot = slot[kcode]
            for b in range(_MH_BANDS):
                bv = np.zeros(n, dtype=np.uint64)
                bv[near_ok] = bands_u[row_slot[near_ok], b]
                k_near = np.maximum(k_near, _distinct_per_group(bv, who, near_ok))
        use_near = k_near > k_exact
        k = np.where(use_near, k_near, k_exact)
        lf = np.select([tl >= 16, tl >= 10], [1.0, 0.7], 0.3)
        base = np.minimum(WEIGHTS["template_text"], 10 + 5 * (k - 1)) * lf * np.where(use_near, 0.8, 1.0)
        # A copied text matters when it claims money: refund-only or a quality dropdown.
        # The same concrete defect from many buyers is more often a bad batch.
        claims = refund_only | (kind != "") | defect_claim_dropdown(dl, n)
        base = base * np.where(claims, 1.0, 0.5) * np.where(defect, 0.5, 1.0)
        fired = (k >= 2) & eligible
        pts = np.where(fired, base, 0)
        zh, en = _blank(n), _blank(n)
        fe = fired & ~use_near
        fn = fired & use_near
        _put(zh, fe, "相同说明文字（去标点/数字后一致）出现在 " + _ints(k[fe]) + " " + who_note_zh + "的退货中")
        _put(en, fe, "the same text (after removing punctuation/digits) appears in returns from " + _ints(k[fe]) + " " + who_note_en)
        _put(zh, fn, "近似说明文字（字符二元组 MinHash 近重复）出现在 " + _ints(k[fn]) + " " + who_note_zh + "的退货中")
        _put(en, fn, "near-identical text (character-bigram MinHash) appears in returns from " + _ints(k[fn]) + " " + who_note_en)
        acc.add("template_text", pts, zh, en)

    # --- shared phone / address hashes -----------------------------------
    if buyer is not None:
        contact_cols = [c for c in df.columns if c not in _OWN_COLUMNS and _CONTACT_RE.search(str(c))
                        and not _NOT_BUYER_CONTACT_RE.search(str(c)) and _col(df, c) is not None]
        if not contact_cols:
            acc.skip("shared_contact", "共用电话/地址（导出中没有买家电话/地址列）",
                     "shared phone/address (the export has no buyer phone/address column)")
        else:
            best = np.zeros(n, dtype="int64")
            best_col = np.full(n, "", dtype=object)
            bk = bcodes
            for c in contact_cols:
                v = _text(df[c], n).str.strip()
                usable = ((v != "") & ~v.str.contains("*", regex=False) & ~v.isin(["0", "无", "none", "null"])).to_numpy()
                usable = usable & (bk >= 0)
                vcodes, _ = pd.factorize(v)
                kk = _distinct_per_group(vcodes, bk, usable)
                kk = np.where(kk > cfg.contact_max_buyers, 0, kk)
                better = kk > best
                best = np.where(better, kk, best)
                best_col = np.where(better, str(c), best_col)
            fired = best >= 2
            pts = np.where(fired, np.select([best >= 5, best >= 3], [25, 20], 15), 0)
            zh, en = _blank(n), _blank(n)
            cname = best_col[fired].astype(object)
            others = _ints(best[fired] - 1)
            _put(zh, fired, "「" + cname + "」与另外 " + others + " 个买家ID相同（仅比对哈希值）")
            _put(en, fired, "'" + cname + "' is shared with " + others + " other buyer ids (hashes compared)")
            acc.add("shared_contact", pts, zh, en)

    # --- order share -------------------------------------------------------
    if buyer is not None:
        if orders is None:
            acc.skip("order_share", "买家订单退货占比（未提供订单文件）", "share of the buyer's orders returned (no order file given)")
        else:
            ob = _col(orders, "buyer_id")
            oo = _col(orders, "order_id")
            if ob is None or oo is None:
                acc.skip("order_share", "买家订单退货占比（订单文件缺少买家ID或订单号列）",
                         "share of the buyer's orders returned (order file lacks buyer_id or order_id)")
            else:
                # integer codes shared by both tables: buyers in the return table's
                # code space (bcodes), orders in one joint factorisation
                ob_s, oo_s = _text(ob, len(orders)), _text(oo, len(orders))
                ro_s = _text(_col(df, "order_id"), n)
                ob_code = pd.Index(buyer_uniques).get_indexer(ob_s)
                all_o, _ = pd.factorize(pd.concat([oo_s, ro_s], ignore_index=True))
                oo_code, ro_code = all_o[:len(orders)], all_o[len(orders):]
                ok_o = (ob_code >= 0) & (oo_s != "").to_numpy()
                nbuy_all = len(buyer_uniques)
                width = int(all_o.max()) + 1 if len(all_o) else 1
                pairs_o = np.unique(ob_code[ok_o].astype(np.int64) * width + oo_code[ok_o])
                orders_per_buyer = np.bincount(pairs_o // width, minlength=nbuy_all)
                in_orders = np.zeros(width, dtype=bool)
                in_orders[oo_code[ok_o]] = True
                ok_r = (bcodes >= 0) & (ro_s != "").to_numpy() & in_orders[ro_code]
                pairs_r = np.unique(bcodes[ok_r].astype(np.int64) * width + ro_code[ok_r])
                returned_per_buyer = np.bincount(pairs_r // width, minlength=nbuy_all)
                safe_b = np.maximum(bcodes, 0)
                no = np.where(bcodes >= 0, orders_per_buyer[safe_b] if nbuy_all else 0, 0).astype(float)
                nr = np.where(bcodes >= 0, returned_per_buyer[safe_b] if nbuy_all else 0, 0).astype(float)
                share = np.where(no > 0, np.minimum(nr / np.maximum(no, 1), 1), 0)
                keep = np.where(nb > 0, 1 - ngen / np.maximum(nb, 1), 0.0)
                fired = (no >= cfg.order_min_orders) & (share >= 0.5)
                pts = np.where(fired, (10 + 20 * (share - 0.5)) * keep, 0)
                fired &= pts >= 1
                zh, en = _blank(n), _blank(n)
                pct = _ints(share[fired] * 100)
                _put(zh, fired, "该买家在订单文件中共 " + _ints(no[fired]) + " 单，退了 " + _ints(nr[fired]) + " 单（" + pct + "%）")
                _put(en, fired, "this buyer has " + _ints(no[fired]) + " orders in the order file and returned " + _ints(nr[fired]) + " (" + pct + "%)")
                acc.add("order_share", np.where(fired, pts, 0), zh, en)

    # --- combine -----------------------------------------------------------
    total = np.zeros(n)
    fired_bits = np.zeros(n, dtype=np.int64)
    order = [k for k in WEIGHTS if k in acc.points]
    for bit, key in enumerate(order):
        total += acc.points[key]
        fired_bits |= (acc.points[key] >= 1).astype(np.int64) << bit
    # risk_signals: one string per distinct set of fired signals, gathered back
    sig_u, sig_inv = np.unique(fired_bits, return_inverse=True)
    sig_names = np.empty(len(sig_u), dtype=object)
    sig_names[:] = [[k for b, k in enumerate(order) if (v >> b) & 1] for v in sig_u]
    signals = sig_names[sig_inv.reshape(-1)] if n else np.array([], dtype=object)
    score = np.clip(np.round(total), 0, 100).astype("int64")
    level_code = np.select([score >= cfg.high, score >= cfg.medium], [2, 1], 0)
    skipped_keys = list(acc.skipped)
    zh_parts, en_parts = list(acc.zh), list(acc.en)
    if acc.skipped:  # every row says which signals could not be evaluated, and why
        zh_parts.append("未评估：" + "、".join(v[0] for v in acc.skipped.values()))
        en_parts.append("not evaluated: " + ", ".join(v[1] for v in acc.skipped.values()))
    zh = _join_parts_arrow(zh_parts, "；", n)
    en = _join_parts_arrow(en_parts, "; ", n)
    out = tagged.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    out["risk_score"] = score
    out["risk_level"] = _str_array(np.array(LEVELS, dtype=object)[level_code])
    out["risk_evidence_zh"] = zh
    out["risk_evidence_en"] = en
    out["risk_evidence"] = out["risk_evidence_zh" if lang == "zh" else "risk_evidence_en"]
    out["risk_signals"] = pd.Series(signals, index=out.index, dtype=object)
    skipped = np.empty(n, dtype=object)
    skipped[:] = [skipped_keys] * n
    out["skipped_signals"] = pd.Series(skipped, index=out.index, dtype=object)
    return out


# ---------------------------------------------------------------------------
# Quality-return appeal list (品质退货与事实不符)
# ---------------------------------------------------------------------------
BASIS_ZH = {
    "buyer_side": "买家说明为个人原因",
    "no_defect": "说明未描述任何缺陷",
    "no_text": "买家未填写说明",
}
BASIS_EN = {
    "buyer_side": "buyer-side reason in the text",
    "no_defect": "text names no defect",
    "no_text": "no text at all",
}


def _find_photo_column(df: pd.DataFrame) -> str | None:
    for c in df.columns:
        if c in _OWN_COLUMNS:
            continue
        name = str(c)
        if _PHOTO_RE.search(name) and ("是否" in name or "上传" in name or "has" in name.lower()
                                        or "凭证" in name):
            return c
    return None


def quality_appeal_list(
    tagged: pd.DataFrame,
    *,
    photo_column: str | None = None,
    orders: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Quality-reason returns whose words name no defect: candidates to appeal.

    A row is listed when its dropdown maps to a quality/description label
    (`taxonomy.QUALITY_DROPDOWN_LABELS`), the text names no concrete defect,
    no size problem and no vague defect claim ("质量有问题"), and — where
    the export has a photo column such as Douyin's 是否已上传退款凭证 — no
    photo was uploaded. `appeal_basis` says why: buyer_side (the words give a
    buyer-side reason such as 不想要/拍错), no_defect, or no_text.

    The dict holds quality_returns, appealable, total_returns,
    current_quality_rate and rate_if_won (quality returns / all returns in
    the data), and with an order file sold_units, current_quality_rate_sold
    and rate_if_won_sold (returned units / sold units).
    """
    n = len(tagged)
    df = tagged.reset_index(drop=True)
    tf = _TF(df["buyer_text"] if "buyer_text" in df.columns else None, n)
    kind, dl = _conflict_kind(df, tf, n)
    if dl is None:
        raise InputError("no dropdown reason column (platform_reason) in the table",
                         hint="the appeal list needs the platform's dropdown reason")
    quality = dl.isin(list(taxonomy.QUALITY_DROPDOWN_LABELS)).to_numpy()
    appealable = np.isin(kind, ["buyer_side", "no_defect", "no_text"])
    if photo_column is not None and photo_column not in df.columns:
        raise InputError(f"photo column {photo_column!r} is not in the table",
                         hint="give the header of the 'photo uploaded' column, e.g. 是否已上传退款凭证")
    pcol = photo_column or _find_photo_column(df)
    if pcol is not None:
        pv = _text(df[pcol], n).str.strip().str.lower()
        has_photo = pv.isin(list(_YES)).to_numpy()
        appealable &= ~has_photo
    qty = _num(_col(df, "quantity"))
    units = qty.fillna(1).to_numpy() if qty is not None else np.ones(n)

    sub = df.loc[appealable].copy()
    ksub = kind[appealable]
    wsub = tf["word_buyer_side"][appealable]
    text = _text(sub["buyer_text"] if "buyer_text" in sub.columns else None, len(sub))
    short = text.str.slice(0, 60) + pd.Series(np.where(text.str.len() > 60, "…", ""), dtype="str")
    rid = _text(sub.get("return_id"), len(sub))
    oid = _text(sub.get("order_id"), len(sub))
    pr = _text(sub.get("platform_reason"), len(sub))
    pr = pr.where(pr != "", "质量问题")
    photo_part = "，且未上传任何退款凭证（图片）" if pcol is not None else ""
    basis_sentence = pd.Series(np.select(
        [ksub == "buyer_side", ksub == "no_defect"],
        ["买家说明为「" + short + "」，属于买家个人原因（" + pd.Series(wsub, dtype="str") + "），未提及任何商品质量问题"
         + photo_part + "。退款原因与买家自述不符，申请更正退款原因，不计入店铺品质退货率。",
         "买家说明为「" + short + "」，未描述任何具体的质量缺陷" + photo_part
         + "。买家未提供质量问题的说明或凭证，申请平台核实后更正退款原因，不计入店铺品质退货率。"],
        "买家未填写任何问题描述" + photo_part + "。买家未提供任何质量问题的说明或凭证，申请平台核实后不计入店铺品质退货率。",
    ), dtype="str")
    order_part = pd.Series(np.where(oid != "", "（订单 " + oid + "）", ""), dtype="str")
    appeal = "售后单 " + rid + order_part + "：买家选择的退款原因为「" + pr + "」，" + basis_sentence
    keep_cols = [c for c in ("return_id", "order_id", "sku", "product_title", "platform_reason", "buyer_text",
                             "return_type", "amount", "quantity", "applied_at", "status", "shop", "platform",
                             "risk_score", "risk_level") if c in sub.columns]
    out = sub[keep_cols].reset_index(drop=True)
    if "buyer_id" in sub.columns:
        out.insert(min(3, len(out.columns)), "buyer", _mask_series(sub["buyer_id"]))
    if pcol is not None:
        out[str(pcol)] = sub[pcol].to_numpy()
    out["appeal_basis"] = ksub
    out["appeal_basis_zh"] = pd.Series(ksub, dtype="str").map(BASIS_ZH).to_numpy()
    out["appeal_basis_en"] = pd.Series(ksub, dtype="str").map(BASIS_EN).to_numpy()
    out["appeal_text_zh"] = appeal.to_numpy()

    total = n
    q = int(quality.sum())
    a = int(appealable.sum())
    stats: dict = {
        "total_returns": total,
        "quality_returns": q,
        "appealable": a,
        "appealable_by_basis": {k: int((ksub == k).sum()) for k in BASIS_ZH},
        "current_quality_rate": (q / total) if total else 0.0,
        "rate_if_won": ((q - a) / total) if total else 0.0,
        "photo_column": None if pcol is None else str(pcol),
        "basis": "quality returns / all returns in the data",
    }
    if orders is not None:
        oq = _num(_col(orders, "quantity"))
        sold = float(oq.fillna(1).sum()) if oq is not None else float(len(orders))
        stats["sold_units"] = sold
        q_units = float(units[quality].sum())
        a_units = float(units[appealable].sum())
        stats["current_quality_rate_sold"] = q_units / sold if sold else 0.0
        stats["rate_if_won_sold"] = (q_units - a_units) / sold if sold else 0.0
    return out, stats


# ---------------------------------------------------------------------------
# Masking
# ---------------------------------------------------------------------------
def _mask_series(s: pd.Series) -> np.ndarray:
    vals = _text(s, len(s))
    codes, uniques = pd.factorize(vals)
    masked = np.array([mask_id(v) for v in uniques], dtype=object)
    return masked[codes] if len(masked) else np.array([], dtype=object)


# ---------------------------------------------------------------------------
# Appeal pack (商家申诉材料)
# ---------------------------------------------------------------------------
_RETURN_TYPE_ZH = dict(taxonomy.RETURN_TYPES)


def _fmt_time(v) -> str:
    if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return ""
    try:
        t = pd.Timestamp(v)
    except (TypeError, ValueError):
        return str(v)
    if pd.isna(t):
        return ""
    return t.strftime("%Y-%m-%d %H:%M:%S")


def _fmt_duration(seconds: float) -> str:
    if seconds < 0:
        return "申请早于签收"
    if seconds < 60:
        return f"{seconds:.0f} 秒"
    if seconds < 3600:
        return f"{seconds / 60:.0f} 分钟"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} 小时"
    return f"{seconds / 86400:.1f} 天"


def _clean(v) -> str:
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, float):
        if np.isnan(v):
            return ""
        return f"{v:,.2f}"
    s = str(v).strip()
    return "" if s in {"nan", "<NA>", "None", "NaT", "-"} else s


@dataclass
class _Pack:
    return_id: str
    summary: list[tuple[str, str]]
    timeline: list[tuple[str, str, str]]  # (time, event, source column)
    buyer_text: str
    evidence_zh: list[str]
    evidence_en: list[str]
    history: pd.DataFrame
    history_summary: str


_PACK_ID_FIELDS = frozenset(("售后单号 Return id", "订单号 Order id", "商家编码 SKU", "来源 Source"))


def _build_pack(df: pd.DataFrame, return_id: str, orders: pd.DataFrame | None) -> _Pack:
    if "return_id" not in df.columns:
        raise InputError("the table has no return_id column", hint="run it through diagnose.io.ingest first")
    rid = str(return_id).strip()
    ids = _text(df["return_id"], len(df)).str.strip()
    hit = np.flatnonzero((ids == rid).to_numpy())
    if len(hit) == 0:
        raise InputError(f"return id {rid!r} is not in the data",
                         hint="copy the 售后单号/退款编号 exactly as it appears in the export")
    if not {"risk_score", "risk_evidence_zh"} <= set(df.columns):
        df = score_risk(df).reset_index(drop=True)
    row = df.iloc[hit[0]]

    def g(c):
        return _clean(row[c]) if c in df.columns else ""

    rt = g("return_type")
    amount = row["amount"] if "amount" in df.columns else None
    amount_s = f"¥{float(amount):,.2f}" if amount is not None and pd.notna(amount) and _clean(amount) else ""
    summary = [
        ("售后单号 Return id", rid),
        ("订单号 Order id", g("order_id")),
        ("商品 Product", g("product_title")),
        ("商家编码 SKU", g("sku")),
        ("平台 Platform", g("platform")),
        ("店铺 Shop", g("shop")),
        ("售后类型 Type", (_RETURN_TYPE_ZH.get(rt, rt) + (f" ({rt})" if rt in _RETURN_TYPE_ZH else "")) if rt else ""),
        ("买家选择的原因 Dropdown reason", g("platform_reason")),
        ("退款金额 Amount", amount_s),
        ("售后状态 Status", g("status")),
        ("文本分类 Text label", g("reason_zh") or g("reason")),
        ("风险分 Risk score", f"{int(row['risk_score'])} / 100（{LEVEL_ZH.get(str(row['risk_level']), '')} {row['risk_level']}）"),
        ("买家 Buyer (masked)", mask_id(row["buyer_id"]) if "buyer_id" in df.columns else "—"),
        ("来源 Source", f"{g('source_file')} 第 {g('source_row')} 行" if g("source_file") else ""),
    ]
    # Buyer-typed text enters the pack here: redacted (ids and the source kept exact).
    summary = [(k, v if k in _PACK_ID_FIELDS else redact.redact_text(v)) for k, v in summary if v]

    # timeline: canonical times, carried time columns, order file times
    events: list[tuple[pd.Timestamp, str, str]] = []
    canon = {"applied_at": "买家申请售后 Buyer applied", "signed_at": "买家签收 Signed for"}
    for c, label in canon.items():
        if c in df.columns:
            t = pd.to_datetime(row[c], errors="coerce")
            if pd.notna(t):
                events.append((t, label, c))
    for c in df.columns:
        if c in _OWN_COLUMNS or not _TIME_COL_RE.search(str(c)):
            continue
        v = _clean(row[c])
        if not v:
            continue
        t = pd.to_datetime(v, errors="coerce", format="mixed")
        if pd.notna(t):
            events.append((t, str(c), str(c)))
    if orders is not None and "order_id" in orders.columns and g("order_id"):
        o = orders[(_text(orders["order_id"], len(orders)).str.strip() == g("order_id")).to_numpy()]
        # one order can hold several lines: prefer the sub-order / SKU of this return
        if len(o) > 1 and "sub_order_id" in o.columns:
            row_values = {_clean(v) for v in row.to_numpy() if _clean(v)}
            sub = o[_text(o["sub_order_id"], len(o)).isin(list(row_values)).to_numpy()]
            o = sub if len(sub) else o
        if len(o) > 1 and "sku" in o.columns and g("sku"):
            sub = o[(_text(o["sku"], len(o)).str.strip() == g("sku")).to_numpy()]
            o = sub if len(sub) else o
        if len(o):
            orow = o.iloc[0]
            for c in o.columns:
                if pd.api.types.is_datetime64_any_dtype(o[c]) or _TIME_COL_RE.search(str(c)) or str(c).endswith("_at"):
                    t = pd.to_datetime(_clean(orow[c]) or None, errors="coerce", format="mixed")
                    if pd.notna(t):
                        label = "买家下单 Order placed" if c == "ordered_at" else f"订单 {c}"
                        events.append((t, label, f"orders:{c}"))
    events = sorted(((pd.Timestamp(t).tz_localize(None) if pd.Timestamp(t).tzinfo else pd.Timestamp(t)), e, s)
                    for t, e, s in events)
    timeline = [(_fmt_time(t), e, s) for t, e, s in events]
    if "applied_at" in df.columns and "signed_at" in df.columns:
        a_t = pd.to_datetime(row["applied_at"], errors="coerce")
        s_t = pd.to_datetime(row["signed_at"], errors="coerce")
        if pd.notna(a_t) and pd.notna(s_t):
            timeline.append(("", "签收→申请 Sign-for to application: " + _fmt_duration((a_t - s_t).total_seconds()), "computed"))

    ev_zh = redact.redact_lines(e for e in str(row["risk_evidence_zh"]).split("；") if e.strip())
    ev_en = redact.redact_lines(e for e in str(row.get("risk_evidence_en", "")).split("; ") if e.strip())

    # the buyer's other returns in the data (masked)
    hist_cols = [c for c in ("return_id", "applied_at", "sku", "product_title", "return_type", "amount",
                             "platform_reason", "reason_zh", "buyer_text", "risk_score") if c in df.columns]
    history = pd.DataFrame(columns=hist_cols)
    history_summary = "本数据中无该买家的其他退货（或缺少买家ID列）。"
    if "buyer_id" in df.columns and _clean(row["buyer_id"]):
        bid = _clean(row["buyer_id"])
        same = (_text(df["buyer_id"], len(df)).str.strip() == bid).to_numpy().copy()
        same[hit[0]] = False
        history = redact.redact_frame(df.loc[same, hist_cols].copy())
        if "applied_at" in history.columns:
            history = history.sort_values("applied_at")
        if "buyer_text" in history.columns:
            bt = _text(history["buyer_text"], len(history))
            history["buyer_text"] = (bt.str.slice(0, 60) + pd.Series(np.where(bt.str.len() > 60, "…", ""), dtype="str")).to_numpy()
        allb = df.loc[(_text(df["buyer_id"], len(df)).str.strip() == bid).to_numpy()]
        n_all = len(allb)
        ro = int((_text(allb.get("return_type"), n_all) == "refund_only").sum()) if "return_type" in allb.columns else 0
        tot = float(pd.to_numeric(allb["amount"], errors="coerce").fillna(0).sum()) if "amount" in allb.columns else 0.0
        history_summary = (f"{mask_id(bid)} 在本数据中共 {n_all} 次退货（含本单），其中仅退款 {ro} 次，"
                           f"退款金额合计 ¥{tot:,.2f}。")
    text = redact.redact_text(_clean(row["buyer_text"])) if "buyer_text" in df.columns else ""
    return _Pack(rid, summary, timeline, text,
                 ev_zh, ev_en, history.reset_index(drop=True), history_summary)


_DISCLAIMER = ("本材料由 diagnose 根据商家导出的售后数据自动整理，风险分仅用于排序与人工复核，不构成对买家的结论；"
               "买家身份已做脱敏处理。")
_DISCLAIMER_EN = ("Compiled automatically from the merchant's after-sales export. The risk score only ranks returns "
                  "for human review and is not a finding about the buyer; buyer identities are masked.")


def _md_cell(v) -> str:
    s = html.escape(_clean(v) if not isinstance(v, str) else v, quote=False)
    # Escaped brackets/backticks: a buyer's ![x](http://…) must not become an image a viewer fetches.
    s = re.sub(r"([\\`*_\[\]])", r"\\\1", s)
    return s.replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def _pack_md(p: _Pack) -> bytes:
    L = [f"# 商家申诉材料 Appeal pack — 售后单 {_md_cell(p.return_id)}", "", "## 售后单信息 Summary", "",
         "| 字段 Field | 内容 Value |", "|---|---|"]
    L += [f"| {_md_cell(k)} | {_md_cell(v)} |" for k, v in p.summary]
    L += ["", "## 时间线 Timeline", "", "| 时间 Time | 事件 Event | 来源 Source |", "|---|---|---|"]
    L += [f"| {_md_cell(t)} | {_md_cell(e)} | {_md_cell(s)} |" for t, e, s in p.timeline] or ["| | (无时间数据) | |"]
    L += ["", "## 买家说明 Buyer's text", ""]
    L += ["> " + line for line in (_md_cell(p.buyer_text) or "（买家未填写）").split("<br>")]
    L += ["", "## 证据 Evidence", ""]
    L += [f"{i}. {_md_cell(e)}" for i, e in enumerate(p.evidence_zh, 1)] or ["（无）"]
    if p.evidence_en:
        L += ["", "English:", ""] + [f"{i}. {_md_cell(e)}" for i, e in enumerate(p.evidence_en, 1)]
    L += ["", "## 买家在本数据中的历史 Buyer's history (masked)", "", _md_cell(p.history_summary), ""]
    if len(p.history):
        cols = list(p.history.columns)
        L += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for rec in p.history.itertuples(index=False):
            L.append("| " + " | ".join(_md_cell(_fmt_time(v) if isinstance(v, pd.Timestamp) else v) for v in rec) + " |")
    L += ["", "---", "", _DISCLAIMER, "", _DISCLAIMER_EN, ""]
    return "\n".join(L).encode("utf-8")


def _pack_html(p: _Pack) -> bytes:
    e = lambda v: html.escape(_clean(v) if not isinstance(v, str) else v, quote=True)  # noqa: E731
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in p.summary)
    tl = "".join(f"<tr><td>{e(t)}</td><td>{e(ev)}</td><td>{e(s)}</td></tr>" for t, ev, s in p.timeline) \
        or "<tr><td colspan='3'>（无时间数据）</td></tr>"
    evz = "".join(f"<li>{e(x)}</li>" for x in p.evidence_zh) or "<li>（无）</li>"
    eve = "".join(f"<li>{e(x)}</li>" for x in p.evidence_en)
    hist = ""
    if len(p.history):
        head = "".join(f"<th>{e(c)}</th>" for c in p.history.columns)
        body = "".join("<tr>" + "".join(f"<td>{e(_fmt_time(v) if isinstance(v, pd.Timestamp) else v)}</td>" for v in rec)
                       + "</tr>" for rec in p.history.itertuples(index=False))
        hist = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    text = e(p.buyer_text) or "（买家未填写）"
    doc = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>商家申诉材料 {e(p.return_id)}</title>
<style>
body{{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2em;color:#222;max-width:60em}}
h1{{font-size:1.4em}} h2{{font-size:1.1em;border-bottom:1px solid #999;margin-top:1.6em}}
table{{border-collapse:collapse;width:100%;font-size:.92em}} th,td{{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}}
th{{background:#f2f2f2;white-space:nowrap}} blockquote{{border-left:4px solid #999;margin:0;padding:.5em 1em;background:#fafafa;white-space:pre-wrap}}
.note{{color:#666;font-size:.85em;margin-top:2em}} @media print{{body{{margin:1cm}} h2{{page-break-after:avoid}}}}
</style></head><body>
<h1>商家申诉材料 Appeal pack — 售后单 {e(p.return_id)}</h1>
<h2>售后单信息 Summary</h2><table>{rows}</table>
<h2>时间线 Timeline</h2><table><thead><tr><th>时间 Time</th><th>事件 Event</th><th>来源 Source</th></tr></thead><tbody>{tl}</tbody></table>
<h2>买家说明 Buyer's text</h2><blockquote>{text}</blockquote>
<h2>证据 Evidence</h2><ol>{evz}</ol>{('<p>English:</p><ol>' + eve + '</ol>') if eve else ''}
<h2>买家在本数据中的历史 Buyer's history (masked)</h2><p>{e(p.history_summary)}</p>{hist}
<p class="note">{e(_DISCLAIMER)}<br>{e(_DISCLAIMER_EN)}</p>
</body></html>
"""
    return doc.encode("utf-8")


def _pack_sheets(p: _Pack) -> dict[str, pd.DataFrame]:
    hist = p.history.copy()
    for c in hist.columns:
        if pd.api.types.is_datetime64_any_dtype(hist[c]):
            hist[c] = hist[c].map(_fmt_time)
    return {
        "申诉摘要": pd.DataFrame(p.summary + [("买家说明 Buyer's text", p.buyer_text or "（买家未填写）"),
                                          ("说明 Note", _DISCLAIMER)], columns=["字段 Field", "内容 Value"]),
        "时间线": pd.DataFrame(p.timeline, columns=["时间 Time", "事件 Event", "来源 Source"]),
        "证据": pd.DataFrame({"#": range(1, len(p.evidence_zh) + 1), "证据 Evidence": p.evidence_zh,
                            "English": (p.evidence_en + [""] * len(p.evidence_zh))[:len(p.evidence_zh)]}),
        "买家历史": pd.concat([pd.DataFrame({hist.columns[0] if len(hist.columns) else "note": [p.history_summary]}), hist],
                          ignore_index=True) if len(hist.columns) else pd.DataFrame({"note": [p.history_summary]}),
    }


def appeal_pack(tagged_scored: pd.DataFrame, return_id: str, fmt: str, *,
                orders: pd.DataFrame | None = None) -> bytes:
    """The appeal material for one return as xlsx, md or html bytes.

    Holds the order timeline (canonical times, every carried time column and,
    with an order file, the order's times), the buyer's text (escaped in
    html/md), the evidence list, and the buyer's other returns in the data
    under a masked id. Raises InputError for an unknown id or format.
    """
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in ("xlsx", "md", "html"):
        raise InputError(f"unknown appeal pack format {fmt!r}", hint="use xlsx, md or html")
    pack = _build_pack(tagged_scored.reset_index(drop=True), return_id, orders)
    if fmt == "md":
        return _pack_md(pack)
    if fmt == "html":
        return _pack_html(pack)
    return export.to_xlsx_bytes(_pack_sheets(pack), redact=False)  # redacted field by field in _build_pack


def risk_table(tagged: pd.DataFrame, orders: pd.DataFrame | None = None, *, lang: str = "zh",
               min_level: str = "low") -> pd.DataFrame:
    """The `risk` command's table: scored rows at or above `min_level`, riskiest first, evidence in front."""
    scored = score_risk(tagged, orders, lang=lang)
    floor = LEVELS.index(min_level)
    keep = scored["risk_level"].map({k: i for i, k in enumerate(LEVELS)}).to_numpy() >= floor
    scored = scored[keep].sort_values("risk_score", ascending=False, kind="stable")
    front = ["risk_score", "risk_level", "risk_evidence", "risk_signals", "skipped_signals"]
    drop = {"risk_evidence_zh", "risk_evidence_en"}
    return scored[front + [c for c in scored.columns if c not in front and c not in drop]]
