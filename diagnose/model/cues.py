"""Reason cues: patterns that span words, which n-grams cannot see.

Word and character n-grams read a clause a few characters at a time. Some
reasons in the label guide are a relation between two parts of a sentence:
"the spec sheet said two slots ... there is only one" (the claim and the
shortfall are twenty characters apart), "the bag they promised ... never
came", "not received yet". Real buyers write these in long reviews, and on
the real dev split the model sent most of them to `other` because no single
n-gram carries them (eval/cues_dev.txt).

Each cue is one binary feature: it fires when its pattern matches the
prepared text. The model learns a weight for it like any other feature, so
a cue only moves a tag as far as the training rows say it should. Each is a
rule of the label guide (shared/label-guide.md), not a phrase of one writer:

* ``claim``: an advertised or stated spec followed by a shortfall (mismatch:
  "differs from ... advertised specs");
* ``gift``: a promised gift or accessory not sent (mismatch: "missing
  accessories or promised gifts");
* ``short``: fewer items than ordered (mismatch: 少件, 漏发);
* ``used``: used, refurbished, pirated or fake goods (mismatch: 不是正品, 二手);
* ``unreceived``: the parcel has not arrived (logistics: 没收到);
* ``price``: the price dropped or price protection (changed_mind: 降价了).

Cues are found for many texts at once: the texts are joined by newlines
(prepared texts hold none, and no pattern crosses one) and each pattern
scans the joined string of the texts that hold the characters it cannot
match without (`_REQUIRED`), once.
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import scipy.sparse as sp

# A stated claim (page, spec sheet, advert, the seller's word) ...
_CLAIM = r"(?:宣传|写的|写着|写了|标的|标着|标注|说明书?上|介绍|描述|参数|配置表|配置单|网上说|网页|页面|图片|详情|说是|说好|承诺|号称)"
# ... and, within a clause or two, that it is not so.
_SHORTFALL = r"(?:不是|不一样|不符|不对|没有|只有|实际|竟然|居然|才)"

CUES: tuple[tuple[str, str, str, str], ...] = (
    # (key, evidence term, the term on English dashboard pages, pattern over prepared text).
    # The library's evidence column keeps the Chinese term.
    ("claim", "〔与宣传不符〕", "[differs from the stated spec]", rf"{_CLAIM}.{{0,20}}{_SHORTFALL}|不是(?:宣传|网上|描述|介绍|页面|图片)"),
    ("gift", "〔赠品未送〕", "[promised gift not sent]",
     r"(?:没有|没|不|少了?|缺|漏).{0,4}(?:送|赠|给|配|附|带).{0,6}(?:包|鼠标|赠品|光盘|内胆|膜|礼|券|卷|配件|说明书|发票)"
     r"|(?:赠品|礼品|礼包|配件).{0,8}(?:没|不|少|缺)"),
    ("short", "〔少件〕", "[items missing]", r"(?<![多减至不缺])少(?:了|发|给|寄)?(?:一|1|两|2|几)?(?:本|件|个|套|盒|包|瓶|袋|双|条)|只(?:来|到|收到|发)了"),
    ("used", "〔旧货或非正品〕", "[used or not genuine]", r"旧书|二手|返修|翻新|用过的|被拆过|拆封过|盗版|假货|山寨|冒牌|不是正品|不是原装|水货"),
    ("unreceived", "〔未收到货〕", "[not received]", r"(?:没|未|还没有?|没有)(?:收到|拿到|送到|到货|送来|送过来)|(?:何时|什么时候|啥时候).{0,6}(?:送|到|发)"),
    ("price", "〔降价或价保〕", "[price dropped]", r"降(?:了|价)|价保|保价|便宜了|买贵|差价"),
)
CUE_KEYS: tuple[str, ...] = tuple(key for key, _, _, _ in CUES)
_TERM = {key: term for key, term, _, _ in CUES}
_ENGLISH = {term: english for _, term, english, _ in CUES}
_PATTERN = {key: re.compile(pattern) for key, _, _, pattern in CUES}


def cue_terms(keys: Sequence[str]) -> list[str]:
    """The evidence term of each cue key, in order."""
    return [_TERM[k] for k in keys]


def display_term(term: str, lang: str) -> str:
    """An evidence term in the page's language: cue terms get their English name on English pages."""
    return _ENGLISH.get(term, term) if lang == "en" else term


def unknown_keys(keys: Sequence[str]) -> list[str]:
    """Cue keys a model file names that this version does not define."""
    return [k for k in keys if k not in _PATTERN]


def cue_matrix(prepared: Sequence[str], keys: Sequence[str], weight: float) -> sp.csr_matrix:
    """Rows = texts, columns = `keys`; `weight` where the cue fires, else 0."""
    n = len(prepared)
    if not keys:
        return sp.csr_matrix((n, 0))
    joined = "\n".join(prepared)
    if n and joined.count("\n") != n - 1:
        return _cue_matrix_reference(prepared, keys, weight)
    lengths = np.fromiter(map(len, prepared), dtype=np.int64, count=n)
    starts = np.zeros(n, dtype=np.int64)
    starts[1:] = np.cumsum(lengths + 1)[:-1]
    present = _groups_present(joined, starts) if any(k in _REQUIRED for k in keys) else None
    rows, cols = [], []
    for j, key in enumerate(keys):
        need = _required_bits(key)
        if present is None or not need:
            hit = _texts_matching(_PATTERN[key], joined, starts)
        else:
            candidates = np.flatnonzero((present & need) == need)
            sub = [prepared[i] for i in candidates.tolist()]
            sub_starts = np.zeros(len(sub), dtype=np.int64)
            sub_starts[1:] = np.cumsum(lengths[candidates] + 1)[:-1]
            hit = candidates[_texts_matching(_PATTERN[key], "\n".join(sub), sub_starts)]
        rows.append(hit)
        cols.append(np.full(len(hit), j, dtype=np.int64))
    return _binary(rows, cols, n, len(keys), weight)


def _texts_matching(pattern: re.Pattern[str], joined: str, starts: np.ndarray) -> np.ndarray:
    """Indices of the newline-joined texts (starting at `starts`) where `pattern` matches."""
    at = np.fromiter((m.start() for m in pattern.finditer(joined)), dtype=np.int64)
    return np.unique(np.searchsorted(starts, at, side="right") - 1)


# Characters a cue cannot match without: for each cue, groups of which the text
# must hold at least one character each (read off the patterns above). A text
# lacking one is skipped before the regex runs; the patterns' common first
# characters (不, 没, 说) made scanning every text cost a fifth of featurising.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "claim": ("宣写标说介描参配网页图详承号", "不没只实竟居才"),
    "gift": ("没不少缺漏", "送赠给配附带礼"),
    "short": ("少只",),
    "unreceived": ("没未何什啥", "收拿送到发"),
}
_GROUPS: tuple[str, ...] = tuple(g for key in CUE_KEYS for g in _REQUIRED.get(key, ()))
_table: np.ndarray | None = None


def _required_bits(key: str) -> int:
    return sum(1 << _GROUPS.index(g) for g in _REQUIRED.get(key, ()))


def _groups_present(joined: str, starts: np.ndarray) -> np.ndarray:
    """Per text, a bit for each character group it holds a character of."""
    global _table
    if _table is None:
        table = np.zeros(0x110000, dtype=np.uint16)
        for bit, group in enumerate(_GROUPS):
            table[[ord(c) for c in group]] |= np.uint16(1 << bit)
        _table = table
    # Each text's span runs to (and includes) the newline after it, so an
    # empty text's span is that newline alone: bits 0.
    codes = np.frombuffer((joined + "\n").encode("utf-32-le"), dtype=np.uint32)
    return np.bitwise_or.reduceat(_table[codes], starts).astype(np.int64)


def _cue_matrix_reference(prepared: Sequence[str], keys: Sequence[str], weight: float) -> sp.csr_matrix:
    """`cue_matrix` text by text: the plain definition, and the path for texts holding a newline."""
    rows, cols = [], []
    for j, key in enumerate(keys):
        hit = np.array([i for i, s in enumerate(prepared) if _PATTERN[key].search(s)], dtype=np.int64)
        rows.append(hit)
        cols.append(np.full(len(hit), j, dtype=np.int64))
    return _binary(rows, cols, len(prepared), len(keys), weight)


def _binary(rows: list[np.ndarray], cols: list[np.ndarray], n: int, k: int, weight: float) -> sp.csr_matrix:
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    m = sp.csr_matrix((np.full(len(r), float(weight)), (r, c)), shape=(n, k))
    m.sort_indices()
    return m
