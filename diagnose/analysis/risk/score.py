"""`score_risk`: call every registered signal, clip, add, level — and `risk_table` for the CLI.

Nothing here decides that a buyer is abusive. The score ranks returns for
human review; every point comes with readable evidence in both languages.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from diagnose.analysis.risk import signals, signals_group  # noqa: F401 - registers the signals
from diagnose.analysis.risk._util import _join_parts_arrow, _str_array
from diagnose.analysis.risk.config import DEFAULT_CONFIG, LEVELS, RiskConfig
from diagnose.analysis.risk.registry import Fired, Skipped, build_context, ordered
from diagnose.errors import InputError


def _combine(fired: dict[str, np.ndarray], keys: list[str], n: int, cfg: RiskConfig):
    """Total score, and per row the list of signals that fired (one list per distinct set)."""
    total = np.zeros(n)
    bits = np.zeros(n, dtype=np.int64)
    for bit, key in enumerate(keys):
        total += fired[key]
        bits |= (fired[key] >= cfg.fire_min_points).astype(np.int64) << bit
    sig_u, sig_inv = np.unique(bits, return_inverse=True)
    names = np.empty(len(sig_u), dtype=object)
    names[:] = [[k for b, k in enumerate(keys) if (v >> b) & 1] for v in sig_u]
    listed = names[sig_inv.reshape(-1)] if n else np.array([], dtype=object)
    return np.clip(np.round(total), 0, 100).astype("int64"), listed


def score_risk(
    tagged: pd.DataFrame,
    orders: pd.DataFrame | None = None,
    *,
    lang: str = "zh",
    config: RiskConfig | None = None,
    both_languages: bool = True,
) -> pd.DataFrame:
    """Tagged table → the same rows plus risk_score, risk_level and evidence.

    Adds `risk_score` (0-100 int), `risk_level` (low/medium/high),
    `risk_evidence_zh`, `risk_evidence_en` (readable reasons with numbers,
    "；"/"; "-joined), `risk_evidence` (the one in `lang`), `risk_signals`
    (a list of the keys of the signals that fired) and `skipped_signals`
    (signals that could not be evaluated for lack of a column; the evidence
    text says so too). It ranks for human review; it never decides.
    `both_languages=False` joins only the evidence in `lang` (no
    `risk_evidence_zh`/`_en` columns): the `risk` command writes just that
    one, and joining a million evidence strings costs seconds.
    """
    if lang not in ("zh", "en"):
        raise InputError(f"unknown language {lang!r}", hint="use zh or en",
                         code="unknown_language", params={"lang": str(lang)})
    if not isinstance(tagged, pd.DataFrame):
        raise InputError("score_risk needs a table (pandas DataFrame)", code="not_a_table")
    cfg = config or DEFAULT_CONFIG
    ctx = build_context(tagged, orders, cfg)
    n = ctx.n
    points: dict[str, np.ndarray] = {}
    zh_parts, en_parts, skipped = [], [], {}
    for sig in ordered():
        res = sig.fn(ctx)
        if isinstance(res, Skipped):
            skipped[sig.key] = res
            continue
        assert isinstance(res, Fired)
        points[sig.key] = np.clip(np.nan_to_num(res.points), 0, sig.weight)
        zh_parts.append(res.zh)
        en_parts.append(res.en)
    keys = list(points)
    score, listed = _combine(points, keys, n, cfg)
    level_code = np.select([score >= cfg.high, score >= cfg.medium], [2, 1], 0)
    if skipped:  # every row says which signals could not be evaluated, and why
        zh_parts.append("未评估：" + "、".join(v.zh for v in skipped.values()))
        en_parts.append("not evaluated: " + ", ".join(v.en for v in skipped.values()))
    out = tagged.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    out["risk_score"] = score
    out["risk_level"] = _str_array(np.array(LEVELS, dtype=object)[level_code])
    if both_languages:
        out["risk_evidence_zh"] = _join_parts_arrow(zh_parts, "；", n)
        out["risk_evidence_en"] = _join_parts_arrow(en_parts, "; ", n)
        out["risk_evidence"] = out["risk_evidence_zh" if lang == "zh" else "risk_evidence_en"]
    else:
        out["risk_evidence"] = (_join_parts_arrow(zh_parts, "；", n) if lang == "zh"
                                else _join_parts_arrow(en_parts, "; ", n))
    out["risk_signals"] = pd.Series(listed, index=out.index, dtype=object)
    skipped_col = np.empty(n, dtype=object)
    skipped_col[:] = [list(skipped)] * n
    out["skipped_signals"] = pd.Series(skipped_col, index=out.index, dtype=object)
    return out


def risk_table(tagged: pd.DataFrame, orders: pd.DataFrame | None = None, *, lang: str = "zh",
               min_level: str = "low") -> pd.DataFrame:
    """The `risk` command's table: scored rows at or above `min_level`, riskiest first, evidence in front."""
    scored = score_risk(tagged, orders, lang=lang, both_languages=False)
    floor = LEVELS.index(min_level)
    keep = scored["risk_level"].map({k: i for i, k in enumerate(LEVELS)}).to_numpy() >= floor
    scored = scored[keep].sort_values("risk_score", ascending=False, kind="stable")
    front = ["risk_score", "risk_level", "risk_evidence", "risk_signals", "skipped_signals"]
    drop = {"risk_evidence_zh", "risk_evidence_en"}
    return scored[front + [c for c in scored.columns if c not in front and c not in drop]]
