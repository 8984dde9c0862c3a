"""Suggested fixes: per SKU, the causes strong enough to act on, ranked by money at stake.

Definitions are in the package docstring (`diagnose.analysis.report`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from diagnose import taxonomy
from diagnose.analysis.report.aggregate import UNSPECIFIED, _title_of

MIN_FIX_RETURNS = 2
MIN_FIX_SHARE = 0.10
BUYER_SIDE_FIX_SHARE = 0.30
BUYER_SIDE_LABELS = frozenset({"changed_mind", "other"})
REVIEW_LABELS = frozenset({"malicious"})
MAX_EXAMPLES = 3
_FIX_COLS = ["rank", "sku", "product_title", "reason", "sub_reason", "n", "total", "share",
             "amount_at_stake", "fix_zh", "fix_en", "examples",
             "reason_zh", "sub_reason_zh", "kind"]


def _min_share(reason: pd.Series) -> pd.Series:
    """The share a cause needs, per row: buyer-side reasons need more (a lookup, not a call per row)."""
    buyer_side = reason.isin(list(BUYER_SIDE_LABELS)).to_numpy(dtype=bool)
    return pd.Series(np.where(buyer_side, BUYER_SIDE_FIX_SHARE, MIN_FIX_SHARE), index=reason.index)


def _first_distinct(ex: pd.DataFrame, fkeys: list[str], k: int) -> pd.DataFrame:
    """The first `k` distinct texts of each cause, in the given order.

    ``ex.drop_duplicates(fkeys + ["buyer_text"]).groupby(fkeys).head(k)``
    on integer codes: de-duplicating four string columns of a million rows
    was seconds. Missing keys take the pandas path (its rules for them).
    """
    if ex[fkeys].isna().to_numpy().any():
        return ex.drop_duplicates(fkeys + ["buyer_text"]).groupby(fkeys).head(k)
    cause = ex.groupby(fkeys, sort=False).ngroup().to_numpy(dtype=np.int64)
    text, distinct = pd.factorize(ex["buyer_text"])
    pair = cause * (len(distinct) + 1) + (text + 1)
    first = ~pd.Series(pair).duplicated().to_numpy()
    rank = pd.Series(cause[first]).groupby(cause[first]).cumcount().to_numpy()
    keep = np.zeros(len(ex), dtype=bool)
    keep[np.flatnonzero(first)[rank < k]] = True
    return ex[keep]


def _examples(ex: pd.DataFrame, fkeys: list[str]) -> pd.DataFrame:
    """Each cause's example texts joined by newlines, in the order given (one row per cause).

    What ``groupby(fkeys)["buyer_text"].agg("\\n".join)`` gave, without a
    pandas call per group (tens of thousands of causes on a million rows).
    """
    grouped = ex.groupby(fkeys, sort=True)
    codes = grouped.ngroup().to_numpy()
    keys = grouped.size().reset_index()[fkeys]
    order = np.argsort(codes, kind="stable")
    texts = ex["buyer_text"].to_numpy(dtype=object)[order].tolist()
    bounds = np.searchsorted(codes[order], np.arange(len(keys) + 1)).tolist()
    keys["examples"] = pd.Series(["\n".join(texts[a:b]) for a, b in zip(bounds[:-1], bounds[1:])],
                                 index=keys.index, dtype=ex["buyer_text"].dtype)  # as the aggregate typed it
    return keys


def _fix_text(row, lang: str) -> str:
    return taxonomy.fix_template(row.reason, row.sub_reason, lang).format(
        sku=row.sku, n=int(row.n), total=int(row.total), share=f"{row.share:.0%}")


def _fixes(w: pd.DataFrame, titles: pd.Series, min_returns: int) -> pd.DataFrame:
    totals = w.groupby("sku")["sku"].size()
    eligible = totals[totals >= min_returns].index
    # only the columns the fixes read: sorting and de-duplicating a million rows copies them all
    rows = w.loc[w["sku"].isin(eligible), ["sku", "reason", "sub_reason", "amount", "buyer_text", "confidence"]]
    rows = rows.reset_index(drop=True)
    if rows.empty:
        return pd.DataFrame(columns=_FIX_COLS)
    rows["total"] = rows["sku"].map(totals)
    # Malicious is a review item, whatever its sub-reason.
    rows.loc[rows["reason"].isin(REVIEW_LABELS), "sub_reason"] = UNSPECIFIED
    keys = ["sku", "reason", "sub_reason"]

    # Stage 1: specific sub-reasons strong enough to carry their own fix. The size of each
    # row's (sku, reason, sub-reason) group, per row: what a merge of the grouped table gave.
    n = rows.groupby(keys, sort=False)["sku"].transform("size")
    own_fix = ((rows["sub_reason"] != UNSPECIFIED) & (n >= MIN_FIX_RETURNS)
               & (n / rows["total"] >= _min_share(rows["reason"])))
    # Everything else of that reason is pooled into one label-level cause.
    rows["fix_sub"] = rows["sub_reason"].where(own_fix, UNSPECIFIED)

    # Stage 2: every cause, kept when strong enough.
    fkeys = ["sku", "reason", "fix_sub"]
    g2 = (rows.groupby(fkeys)
          .agg(n=("sku", "size"), total=("total", "first"), amount_at_stake=("amount", "sum"))
          .reset_index())
    g2["share"] = g2["n"] / g2["total"]
    keep = (g2["fix_sub"] != UNSPECIFIED) | (
        (g2["n"] >= MIN_FIX_RETURNS) & (g2["share"] >= _min_share(g2["reason"])))
    fixes = g2[keep].rename(columns={"fix_sub": "sub_reason"})
    if fixes.empty:
        return pd.DataFrame(columns=_FIX_COLS)

    # Examples: up to three distinct non-empty texts, most confident first.
    ex = rows[rows["buyer_text"] != ""].sort_values("confidence", ascending=False,
                                                   na_position="last", kind="stable")
    examples = _examples(_first_distinct(ex, fkeys, MAX_EXAMPLES), fkeys)
    fixes = fixes.merge(examples.rename(columns={"fix_sub": "sub_reason"}),
                        on=keys, how="left")
    fixes["examples"] = fixes["examples"].fillna("")

    fixes["product_title"] = _title_of(fixes["sku"], titles)
    fixes["reason_zh"] = fixes["reason"].map(lambda k: taxonomy.label_name(k, "zh"))
    fixes["sub_reason_zh"] = fixes["sub_reason"].map(lambda k: taxonomy.sub_reason_name(k, "zh"))
    fixes["kind"] = np.where(fixes["reason"].isin(REVIEW_LABELS), "review", "fix")
    fixes["fix_zh"] = [_fix_text(r, "zh") for r in fixes.itertuples(index=False)]
    fixes["fix_en"] = [_fix_text(r, "en") for r in fixes.itertuples(index=False)]
    fixes = fixes.sort_values(["amount_at_stake", "n", "share", "sku"],
                              ascending=[False, False, False, True], kind="stable")
    fixes["rank"] = np.arange(1, len(fixes) + 1)
    fixes["n"] = fixes["n"].astype(int)
    fixes["total"] = fixes["total"].astype(int)
    return fixes[_FIX_COLS].reset_index(drop=True)

