"""Plain references for the `risk` command's fast paths (issue 11).

Each function is the code a fast path replaced, kept as it was, so
tests/test_risk_speed_equivalence.py can check the fast one gives exactly
the same answer. Not used by the library.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from diagnose.analysis.risk.cues import _M1, _M2, _MH_BANDS, _MH_CHARS, _MH_ROWS, _MH_SEEDS
from diagnose.io.redact import Redacted, redact_spans


def redact_each(uniques) -> list[Redacted]:
    """`redact_frame`'s old per-distinct-text loop: every text through every rule."""
    return [redact_spans(u) if isinstance(u, str) else Redacted(u, ()) for u in uniques]


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


def minhash_bands(keys: np.ndarray, chunk: int = 20000) -> np.ndarray:
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
