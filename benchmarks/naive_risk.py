"""Plain references for the `risk` command's fast paths (issue 11).

Each function is the code a fast path replaced, kept as it was, so
tests/test_risk_speed_equivalence.py can check the fast one gives exactly
the same answer. Not used by the library.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

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
