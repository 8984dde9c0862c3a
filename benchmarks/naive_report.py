"""Plain references for the report's and risk's fast paths (issue 11).

Each function here is the code a fast path in `diagnose.analysis` replaced,
kept as it was so tests/test_report_speed_equivalence.py can check the fast
one gives exactly the same answer. Not used by the library.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from diagnose.analysis.report.phrases import (
    PHRASE_MIN_DOCS,
    PHRASE_MIN_LIFT,
    PHRASE_MIN_SKU_SHARE,
    PHRASE_SHARE_FLOOR,
    PHRASES_PER_SKU,
    _ASCII_RE,
    _CLAUSE_RE,
    _NEGATIONS,
    _is_content,
)
from diagnose import taxonomy
from diagnose.analysis.report.aggregate import UNSPECIFIED, _title_of
from diagnose.analysis.report.fixes import (
    _FIX_COLS,
    BUYER_SIDE_FIX_SHARE,
    BUYER_SIDE_LABELS,
    MAX_EXAMPLES,
    MIN_FIX_SHARE,
    MIN_FIX_RETURNS,
    REVIEW_LABELS,
    _fix_text,
)
from diagnose.model.text import normalise, tokenize


def _tokens_reference(text: str) -> list[list[str]]:
    """The words of one buyer text, clause by clause (punctuation dropped)."""
    clauses = []
    for clause in _CLAUSE_RE.split(normalise(text)):
        toks = [t.strip().lower() for t in tokenize(clause.strip())] if clause.strip() else []
        toks = [t for t in toks if t]
        if toks:
            clauses.append(toks)
    return clauses


def phrase_features_reference(text: str) -> list[str]:
    """Content words of two or more characters (no stopwords, punctuation or
    numbers) and the two-word phrases neighbouring content words form inside
    one clause ("面料很薄" → 面料, 面料薄). 不/没 may open a phrase (不一样)
    but are not words."""
    grams: list[str] = []
    for toks in _tokens_reference(text):
        kept = [t for t in toks if _is_content(t) or t in _NEGATIONS]
        # A single character (穿, 退) says nothing to a merchant on its own; it still forms phrases (面料薄).
        grams += [t for t in kept if t not in _NEGATIONS and len(t) > 1]
        for a, b in zip(kept, kept[1:]):
            if b in _NEGATIONS:
                continue
            sep = " " if _ASCII_RE.match(a[-1]) and _ASCII_RE.match(b[0]) else ""
            grams.append(a + sep + b)
    return grams


def phrases_reference(w: pd.DataFrame, min_returns: int) -> pd.DataFrame:
    """`report.phrases._phrases` as first written: scikit-learn's CountVectorizer over every
    text with a per-text analyzer (normalise, clause split, jieba), then one SKU at a time."""
    cols = ["sku", "phrase", "sku_count", "sku_docs", "sku_share", "rest_share", "lift"]
    docs = w.loc[w["buyer_text"] != "", ["sku", "buyer_text"]].reset_index(drop=True)
    returns = w.groupby("sku").size()
    if docs.empty or docs["sku"].nunique() < 2:
        return pd.DataFrame(columns=cols)
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    cache: dict[str, list[str]] = {}

    def analyzer(text: str) -> list[str]:
        if text not in cache:
            cache[text] = phrase_features_reference(text)
        return cache[text]

    vec = CountVectorizer(analyzer=analyzer, binary=True)
    try:
        X = vec.fit_transform(docs["buyer_text"])
    except ValueError:  # empty vocabulary: nothing but stopwords and numbers
        return pd.DataFrame(columns=cols)
    vocab = vec.get_feature_names_out()
    codes, skus = pd.factorize(docs["sku"])
    n_docs = len(docs)
    S = sparse.csr_matrix((np.ones(n_docs), (codes, np.arange(n_docs))), shape=(len(skus), n_docs))
    counts = (S @ X).tocsr()                        # SKU × phrase: texts containing it
    in_all = np.asarray(X.sum(axis=0)).ravel()      # texts containing it, shop-wide
    docs_per_sku = np.bincount(codes, minlength=len(skus))

    order = returns.reindex(skus).fillna(0).sort_values(ascending=False, kind="stable")
    out = []
    for sku in order.index:
        k = skus.get_loc(sku)
        n_sku = int(docs_per_sku[k])
        n_rest = n_docs - n_sku
        if returns.get(sku, 0) < min_returns or n_sku < PHRASE_MIN_DOCS or n_rest <= 0:
            continue
        row = counts.getrow(k)
        idx, sku_count = row.indices, row.data.astype(int)
        need = max(PHRASE_MIN_DOCS, math.ceil(PHRASE_MIN_SKU_SHARE * n_sku))
        mask = sku_count >= need
        if not mask.any():
            continue
        idx, sku_count = idx[mask], sku_count[mask]
        sku_share = sku_count / n_sku
        rest_share = (in_all[idx] - sku_count) / n_rest
        floor = max(PHRASE_SHARE_FLOOR, 0.5 / n_rest)
        lift = sku_share / np.maximum(rest_share, floor)
        cand = pd.DataFrame({"phrase": vocab[idx], "sku_count": sku_count, "sku_share": sku_share,
                             "rest_share": rest_share, "lift": lift})
        cand = cand[cand["lift"] >= PHRASE_MIN_LIFT]
        cand = cand.assign(_len=cand["phrase"].str.len()).sort_values(
            ["lift", "sku_count", "_len", "phrase"], ascending=[False, False, False, True])
        picked: list[dict] = []
        for rec in cand.to_dict("records"):
            p = rec["phrase"]
            if any(p in q["phrase"] or q["phrase"] in p for q in picked):
                continue
            picked.append(rec)
            if len(picked) == PHRASES_PER_SKU:
                break
        for rec in picked:
            out.append({"sku": sku, "phrase": rec["phrase"], "sku_count": int(rec["sku_count"]),
                        "sku_docs": n_sku, "sku_share": float(rec["sku_share"]),
                        "rest_share": float(rec["rest_share"]), "lift": float(rec["lift"])})
    return pd.DataFrame(out, columns=cols)


def distinct_per_group_reference(groups: np.ndarray, who: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`risk.cues._distinct_per_group` as first written: groups and pairs told apart by sorting (np.unique)."""
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


def first_match_reference(texts: pd.Series, pattern: str) -> pd.Series:
    """How `risk.cues.TextFeatures` found a cue's first word before: pandas' str.extract (Python's re)."""
    return texts.str.extract("(?P<w>" + pattern + ")", expand=False).fillna("")


def as_text_reference(series: pd.Series) -> pd.Series:
    """`report.aggregate._as_text` as first written: every cell through str() when not a str."""
    s = series.astype(object).where(series.notna(), "")
    return s.map(lambda v: v if isinstance(v, str) else str(v)).str.strip()


def _min_share(reason: pd.Series) -> pd.Series:
    """`report.fixes._min_share` as first written: one Python call per row."""
    return reason.map(lambda r: BUYER_SIDE_FIX_SHARE if r in BUYER_SIDE_LABELS else MIN_FIX_SHARE)


def fixes_reference(w: pd.DataFrame, titles: pd.Series, min_returns: int) -> pd.DataFrame:
    """`report.fixes._fixes` as first written: every column of the working table carried along, and
    each row's own-fix flag merged back from the grouped table."""
    totals = w.groupby("sku")["sku"].size()
    eligible = totals[totals >= min_returns].index
    rows = w[w["sku"].isin(eligible)].copy()
    if rows.empty:
        return pd.DataFrame(columns=_FIX_COLS)
    rows["total"] = rows["sku"].map(totals)
    # Malicious is a review item, whatever its sub-reason.
    rows.loc[rows["reason"].isin(REVIEW_LABELS), "sub_reason"] = UNSPECIFIED
    keys = ["sku", "reason", "sub_reason"]

    # Stage 1: specific sub-reasons strong enough to carry their own fix.
    g1 = rows.groupby(keys).agg(n=("sku", "size"), total=("total", "first")).reset_index()
    g1["own_fix"] = ((g1["sub_reason"] != UNSPECIFIED) & (g1["n"] >= MIN_FIX_RETURNS)
                     & (g1["n"] / g1["total"] >= _min_share(g1["reason"])))
    rows = rows.merge(g1[keys + ["own_fix"]], on=keys, how="left")
    # Everything else of that reason is pooled into one label-level cause.
    rows["fix_sub"] = rows["sub_reason"].where(rows["own_fix"], UNSPECIFIED)

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
    ex = ex.drop_duplicates(fkeys + ["buyer_text"]).groupby(fkeys).head(MAX_EXAMPLES)
    examples = ex.groupby(fkeys)["buyer_text"].agg("\n".join).rename("examples").reset_index()
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


def xlsx_sheet_reference(writer: pd.ExcelWriter, name: str, table: pd.DataFrame) -> None:
    """How `io.export.to_xlsx_bytes` wrote each sheet before `export._write_sheet`: pandas' own writer."""
    table.to_excel(writer, sheet_name=name, index=False)
