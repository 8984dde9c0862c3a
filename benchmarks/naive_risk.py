"""Plain references for the `risk` command's fast paths (issue 11).

Each function is the code a fast path replaced, kept as it was, so
tests/test_risk_speed_equivalence.py can check the fast one gives exactly
the same answer. Not used by the library.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from diagnose.analysis.risk.cues import (
    _M1,
    _M2,
    _MH_BANDS,
    _MH_CHARS,
    _MH_ROWS,
    _MH_SEEDS,
    _distinct_per_group,
    minhash_bands,
)
from diagnose.io.redact import Redacted, redact_spans


def redact_each(uniques) -> list[Redacted]:
    """`redact_frame`'s old per-distinct-text loop: every text through every rule."""
    return [redact_spans(u) if isinstance(u, str) else Redacted(u, ()) for u in uniques]


def trad_pattern(t2s: dict[int, str]) -> str:
    """The old code's character class of the traditional characters that change, or ""."""
    chars = sorted(chr(k) for k, v in t2s.items() if chr(k) != v and chr(k) not in "]\\^-[")
    return "[" + "".join(chars) + "]" if chars else ""


def normalised_texts(uniques: np.ndarray, t2s: dict[int, str], trad_pattern: str) -> pd.Series:
    """`cues.TextFeatures`' old folding of the distinct texts: NFKC, lower case, traditional → simplified."""
    u = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
    norm = u.str.normalize("NFKC").str.lower()
    if trad_pattern and len(norm):
        has_trad = norm.str.contains(trad_pattern, regex=True).fillna(False).to_numpy(dtype=bool)
        if has_trad.any():
            fixed = norm.to_numpy(dtype=object)
            fixed[has_trad] = norm[has_trad].str.translate(t2s).to_numpy(dtype=object)
            norm = pd.Series(fixed, dtype="str")
    return norm


def risk_table(tagged: pd.DataFrame, orders: pd.DataFrame | None = None, *, lang: str = "zh",
               min_level: str = "low") -> pd.DataFrame:
    """The old `risk.score.risk_table`: both languages' evidence joined, then the unused two dropped."""
    from diagnose.analysis.risk import LEVELS, score_risk

    scored = score_risk(tagged, orders, lang=lang)
    floor = LEVELS.index(min_level)
    keep = scored["risk_level"].map({k: i for i, k in enumerate(LEVELS)}).to_numpy() >= floor
    scored = scored[keep].sort_values("risk_score", ascending=False, kind="stable")
    front = ["risk_score", "risk_level", "risk_evidence", "risk_signals", "skipped_signals"]
    drop = {"risk_evidence_zh", "risk_evidence_en"}
    return scored[front + [c for c in scored.columns if c not in front and c not in drop]]


def minhash_bands_full_width(keys: np.ndarray, chunk: int = 20000) -> np.ndarray:
    """The old `cues.minhash_bands`: every text as a 48-wide row of code points.

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


def join_parts_arrow(parts: list, sep: str, n: int):
    """The old `risk._util._join_parts_arrow`: every part converted to Arrow whole.

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


def template_counts(ctx: Context, who: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The old `signals_group._template_counts`: each band numbered over the rows."""
    cfg, n, tf = ctx.cfg, ctx.n, ctx.tf
    tl = tf["text_len"]
    eligible = tl >= cfg.template_min_chars
    kcode, kuniq = tf.key_codes()
    k_exact = _distinct_per_group(kcode, who, eligible)
    near_ok = tl >= cfg.near_dup_min_chars
    k_near = np.zeros(n, dtype="int64")
    if near_ok.any():  # MinHash once per distinct normalised text that is long enough
        long_keys = np.unique(kcode[near_ok])
        bands_u = minhash_bands(np.asarray(kuniq, dtype=object)[long_keys])
        slot = np.full(len(kuniq), -1, dtype=np.int64)
        slot[long_keys] = np.arange(len(long_keys))
        row_slot = slot[kcode]
        for band in range(_MH_BANDS):
            bv = np.zeros(n, dtype=np.uint64)
            bv[near_ok] = bands_u[row_slot[near_ok], band]
            k_near = np.maximum(k_near, _distinct_per_group(bv, who, near_ok))
    return eligible, k_exact, k_near


def ints_between(prefix: str, values, suffix: str) -> np.ndarray:
    """The template signal's old evidence sentences: the text joined around the numbers row by row."""
    from diagnose.analysis.risk._util import _ints

    return prefix + _ints(values) + suffix
