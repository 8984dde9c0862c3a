"""Cue words and text features of the buyer's words, computed once per distinct text.

Regexes are written to run on both RE2 (pyarrow strings) and Python's re:
plain alternations, escaped metacharacters, ASCII boundaries spelled out.
A text "describes a concrete problem" when a defect / mismatch / delivery cue
is found after negated ones are removed, or when the classifier reads a
confident quality / mismatch / logistics label into it (`defect_flags`).
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from diagnose import taxonomy
from diagnose.analysis.risk._util import _col, _num, _text

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
     "脱落", "卡住", "漏气", "刺手", "扎手", "损坏",
     # read off real complaints (the dev half of the real-text set): missing / misprinted / refurbished
     "少给了", "只给了", "少发了", "白版", "无字", "缺页", "空白页", "漏印", "印刷错误", "返修机", "翻新机")
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

# Damage the courier caused, in the buyer's words (the label guide files it under logistics),
# and the product's own defects (which outrank it).
_COURIER_PLACES = ("快递", "物流", "运输", "外箱", "外包装", "纸箱", "箱子", "包裹", "快递员")
_COURIER_DAMAGE = ("压坏", "压扁", "压烂", "摔坏", "摔碎", "摔了", "碎了", "破损", "挤烂", "挤坏", "砸坏", "漏了",
                   "洒了", "压变形", "磕坏")
_COURIER_RE = ("(?:" + _alternation(_COURIER_PLACES) + ".{0,12}?" + _alternation(_COURIER_DAMAGE) + ")")
PRODUCT_DEFECT_CUES = _cues(
    "spoiled", "odor", "skin_reaction", "malfunction", "workmanship", "pilling_fading",
    "poor_material", "counterfeit", "wrong_item", "missing_parts", "color_difference",
) + ("漏液", "生锈", "鼓包", "掉漆", "不亮", "没声音", "没有声音", "不出声", "不转", "不通电", "通不了电", "松动", "脱落",
     "卡住", "漏气")

_FEATURE_PATTERNS: dict[str, str] = {
    "courier": _COURIER_RE,
    "product_defect": _alternation(PRODUCT_DEFECT_CUES),
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
_EXTRACT = ("defect", "buyer_side", "threat", "compensation", "used", "rwr", "vague", "courier", "sizing")

DEFECT_LABELS = frozenset({"quality", "mismatch", "logistics"})

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



def _strip_key(norm: pd.Series) -> pd.Series:
    return norm.str.replace(_PUNCT_CLASS, "", regex=True)


_T2S: dict[int, str] | None = None
def _t2s() -> dict[int, str]:
    global _T2S
    if _T2S is None:
        from diagnose.model.text import _t2s_table

        _T2S = _t2s_table()
    return _T2S


# Code points whose folding can be looked up one at a time (see `_FoldTable`): ASCII,
# Latin-1, general punctuation, symbols and emoji, CJK punctuation and ideographs, full-width forms.
_PLAIN_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2600, 0x27BF), (0x3000, 0x303F),
                 (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xFF01, 0xFFEF), (0x1F000, 0x1FAFF))


class _FoldTable:
    """Per code point: is it *plain*, and what `fold_texts` turns it into.

    A character is plain when NFKC makes it exactly one character, neither
    it nor that result combines with a neighbour (canonical class 0, and no
    conjoining Hangul jamo, which compose with each other at class 0), and
    lower-casing (Arrow's, as pandas' ``str.lower`` on these columns) and
    the traditional → simplified table each keep it one character. A text
    of plain characters is folded by looking each one up (all three steps
    work character by character on such text); any other text takes the
    per-string path.
    """

    def __init__(self) -> None:
        import unicodedata

        import pyarrow as pa
        import pyarrow.compute as pc

        self.plain = np.zeros(0x110000, dtype=bool)
        self.mapped = np.arange(0x110000, dtype=np.uint32)
        t2s = _t2s()
        points, images = [], []
        for lo, hi in _PLAIN_RANGES:
            for cp in range(lo, hi + 1):
                c = chr(cp)
                n = unicodedata.normalize("NFKC", c)
                if (len(n) == 1 and not unicodedata.combining(c) and not unicodedata.combining(n)
                        and not 0x1100 <= ord(n) <= 0x11FF):  # half-width Hangul becomes jamo that compose
                    points.append(cp)
                    images.append(n)
        lowered = pc.utf8_lower(pa.array(images, pa.large_string())).to_pylist()
        for cp, low in zip(points, lowered):
            m = low.translate(t2s) if len(low) == 1 else ""
            if len(m) == 1:
                self.plain[cp] = True
                self.mapped[cp] = ord(m)


_FOLD_TABLE: _FoldTable | None = None


def _fold_slow(texts: list[str]) -> list[str]:
    """NFKC, lower case, traditional → simplified, one text at a time (the path for unusual characters)."""
    s = pd.Series(texts, dtype="str").str.normalize("NFKC").str.lower().str.translate(_t2s())
    return s.to_numpy(dtype=object).tolist()


def fold_texts(texts: list[str]) -> list[str]:
    """Each text NFKC-normalised, lower-cased and simplified (traditional → simplified characters).

    Why a table: `TextFeatures` folds every distinct buyer text (half a
    million on a million-row export) and `unicodedata.normalize` one text
    at a time was most of its time. Texts of plain characters (nearly all)
    are folded by one NumPy lookup over all of them; the others one by one.
    Equal to the old pandas path (benchmarks/naive_risk.py; tested).
    """
    global _FOLD_TABLE
    if _FOLD_TABLE is None:
        _FOLD_TABLE = _FoldTable()
    tb = _FOLD_TABLE
    if not texts:
        return []
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    cp = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ends = np.cumsum(lens)
    starts = ends - lens
    plain_text = np.ones(len(texts), dtype=bool)  # the texts holding an odd character are few
    plain_text[np.searchsorted(ends, np.flatnonzero(~tb.plain[cp]), side="right")] = False
    folded = tb.mapped[cp].astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
    out = [folded[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
    slow = np.flatnonzero(~plain_text).tolist()
    if slow:
        for i, text in zip(slow, _fold_slow([texts[i] for i in slow])):
            out[i] = text
    return out


def _first_match(texts: pd.Series, pattern: str) -> pd.Series:
    """The first match of `pattern` in each text ("" where none), found by Arrow's RE2.

    The cue patterns are written for both engines (module docstring), and
    both take the leftmost match and, there, the first alternative that
    matches, so this is what ``texts.str.extract`` gave; pandas ran that one
    text at a time through Python's re (most of the time of `TextFeatures` on a million rows).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(texts.to_numpy(dtype=object, na_value=None), type=pa.large_string(), from_pandas=True)
    words = pc.extract_regex(arr, "(?P<w>" + pattern + ")").field("w")
    return pd.Series(pd.array(words, dtype="str"), dtype="str").fillna("")


class TextFeatures:
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
        norm = pd.Series(fold_texts(np.asarray(uniques, dtype=object).tolist()), dtype="str")
        # spaces at both ends stand in for ^/$ in the ASCII word boundaries
        padded = " " + norm + " "
        cleaned = padded.str.replace(_NEGATED_RE, " ", regex=True)
        self.u: dict[str, np.ndarray] = {}

        def flags(key: str) -> np.ndarray:
            target = cleaned if key in ("defect", "vague") else padded
            if key == "product_defect":  # "压坏了" is the courier's doing, not a product fault
                target = cleaned.str.replace(_COURIER_RE, " ", regex=True)
            return target.str.contains(_FEATURE_PATTERNS[key], regex=True).fillna(False).to_numpy(dtype=bool)

        def words(key: str) -> np.ndarray:
            target = cleaned if key in ("defect", "vague") else padded
            hit = self.u[f"cue_{key}"]
            w = np.full(len(norm), "", dtype=object)
            if hit.any():
                w[hit] = _first_match(target[hit], _FEATURE_PATTERNS[key]).str.strip(" ,.;:!?'\"()").to_numpy(
                    dtype=object)
            return w

        # Arrow's regex kernels release the GIL: two patterns run at once on two cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            for key, flag in zip(_FEATURE_PATTERNS, pool.map(flags, list(_FEATURE_PATTERNS))):
                self.u[f"cue_{key}"] = flag
            for key, w in zip(_EXTRACT, pool.map(words, _EXTRACT)):
                self.u[f"word_{key}"] = w
        ct = self.u["cue_cond_threat"]
        if ct.any():
            w = self.u["word_threat"].copy()
            w[ct] = _first_match(padded[ct], _COND_THREAT_RE).str.strip().to_numpy(dtype=object)
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
    tf = TextFeatures(texts, len(texts))
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

    Texts are hashed in chunks of similar length, each chunk only as wide as
    its longest text: a bigram past a text's end is never a minimum, so the
    signatures are those of the full 48-wide rows (benchmarks/naive_risk.py,
    tested) at about half the work for typical 20-character texts.
    """
    keys = np.asarray(keys, dtype=object)
    out = np.zeros((len(keys), _MH_BANDS), dtype=np.uint64)
    if not len(keys):
        return out
    lengths = np.minimum(np.fromiter(map(len, keys), dtype=np.int64, count=len(keys)), _MH_CHARS)
    order = np.argsort(lengths, kind="stable")
    for start in range(0, len(keys), chunk):
        rows = order[start:start + chunk]
        width = int(max(2, lengths[rows].max()))
        out[rows] = _band_rows(keys[rows], width)
    return out


def _band_rows(keys: np.ndarray, width: int) -> np.ndarray:
    """The band signatures of texts at most `width` characters long (see `minhash_bands`)."""
    part = np.asarray(keys, dtype=f"<U{width}")
    cp = part.view(np.uint32).reshape(len(part), width).astype(np.uint64)
    big = (cp[:, :-1] << np.uint64(21)) | cp[:, 1:]
    invalid = cp[:, 1:] == 0
    mins = np.empty((len(part), len(_MH_SEEDS)), dtype=np.uint64)
    out = np.empty((len(part), _MH_BANDS), dtype=np.uint64)
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
            out[:, b] = sig
    return out


def _distinct_per_group(groups: np.ndarray, who: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """For each row in mask: how many distinct `who` share the row's group (numpy only).

    Groups and (group, who) pairs are told apart by hashing (`pandas.factorize`,
    `pandas.unique`), not by sorting: the same counts as the sort-based
    version (benchmarks/naive_report.py) in a fraction of the time on a
    million rows, and the template signal calls this seven times.
    """
    if not mask.any():
        return np.zeros(len(groups), dtype="int64")
    g_inv, g_uniq = pd.factorize(groups[mask], sort=False)
    return _distinct_per_code(g_inv, len(g_uniq), who, mask)


def _distinct_per_code(codes: np.ndarray, n_codes: int, who: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`_distinct_per_group` for groups already numbered 0 … n_codes-1 (`codes`: the masked rows' groups)."""
    res = np.zeros(len(mask), dtype="int64")
    if not mask.any():
        return res
    w = np.asarray(who[mask], dtype=np.int64)
    w = w - w.min()
    width = int(w.max()) + 1
    pair = np.asarray(codes, dtype=np.int64) * width + w
    per_group = np.bincount(pd.unique(pair) // width, minlength=n_codes)
    res[mask] = per_group[codes]
    return res


def dropdown_labels(df: pd.DataFrame, n: int) -> pd.Series | None:
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


def defect_flags(df: pd.DataFrame, tf: TextFeatures, n: int, *, min_confidence: float,
                 min_chars: int) -> tuple[np.ndarray, np.ndarray]:
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
    model = (reason.isin(list(DEFECT_LABELS)).to_numpy() & (conf.fillna(0).to_numpy() >= min_confidence)
             & (tf["text_len"] >= min_chars) & ~tf["cue_vague"] & ~tf["cue_buyer_side"])
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


def conflict_kind(df: pd.DataFrame, tf: TextFeatures, n: int,
                  defect: np.ndarray) -> tuple[np.ndarray, pd.Series | None]:
    """Per row: "" / buyer_side / no_defect / no_text / vague / courier for quality dropdowns."""
    dl = dropdown_labels(df, n)
    if dl is None:
        return np.full(n, "", dtype=object), None
    qdd = dl.isin(list(taxonomy.QUALITY_DROPDOWN_LABELS)).to_numpy()
    reason = _text(_col(df, "reason"), n)
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
    # delivery damage the courier caused, and no defect of the product itself
    kind[qdd & (kind == "") & tf["cue_courier"] & ~tf["cue_product_defect"] & ~sizing & ~buyer] = "courier"
    return kind, dl


