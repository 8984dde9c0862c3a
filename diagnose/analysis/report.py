"""From a tagged table to causes and fixes a merchant can act on.

`build_report` turns the tagged table (see docs/ARCHITECTURE.md) into a
`Report`: headline totals, breakdowns by reason, sub-reason, SKU and week,
the SKUs that cost the most, return rates when an order export is given,
ranked suggested fixes, and the phrases that set each SKU's buyers apart.
`write_report` writes it as an XLSX workbook (one sheet per table) or as a
Markdown report; `report_to_markdown` gives the Markdown as a string.

Definitions (also written into the report's README sheet):

* share — a reason's returns ÷ all returns (by count, not by amount).
* conflict rate — rows with ``reason_conflict`` ÷ rows that have both a
  dropdown label and a non-empty buyer text (the only rows where the two can
  disagree). ``None`` when no row has both.
* week — the Monday of the week the return was applied for. Rows without an
  application date are left out of the weekly trend but counted everywhere
  else.
* return rate — returned units (sum of ``quantity`` of the returns, 1 when
  missing) ÷ sold units (sum of ``quantity`` in the order export, 1 per row
  when the export has no quantity). SKUs with returns but no orders get NA.
  ``spike`` marks a SKU whose rate is at least 1.5× the median rate of the
  shop's SKUs that have sales (the platforms' "1.5× the usual level" alert;
  one export holds no history, so the shop median stands in for "usual").
  ``priority`` = return rate × number of returns.
* fixes — for every SKU with at least ``min_returns`` returns, each cause
  (reason + sub-reason) with at least 2 returns and at least 10 % of the
  SKU's returns. A specific sub-reason gets its own fix; returns of a reason
  not covered by a specific fix are pooled into one label-level fix. Buyer-side
  reasons (changed_mind, other) need 30 %; suspected malicious returns are
  listed as "review" items, not fixes. Ranked by refunded amount at stake.
* phrases — per SKU (same ``min_returns``), the words and two-word phrases
  that its buyers' texts contain markedly more often than the texts of the
  shop's other returning buyers: at least 3 texts and 10 % of the SKU's texts,
  lift = SKU share ÷ max(rest share, floor) ≥ 2, where the floor (1 %, or half
  a text when the rest is smaller than 50 texts) keeps a word nobody else
  uses from getting an infinite lift. Top 5 per SKU, overlapping phrases
  (one contained in another) kept once.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from diagnose import taxonomy
from diagnose.errors import InputError
from diagnose.io import export
from diagnose.model.text import normalise, tokenize

# --- tunables (documented in the module docstring and the README sheet) ------
SPIKE_FACTOR = 1.5
MIN_FIX_RETURNS = 2
MIN_FIX_SHARE = 0.10
BUYER_SIDE_FIX_SHARE = 0.30
BUYER_SIDE_LABELS = frozenset({"changed_mind", "other"})
REVIEW_LABELS = frozenset({"malicious"})
MAX_EXAMPLES = 3
PHRASE_MIN_DOCS = 3
PHRASE_MIN_SKU_SHARE = 0.10
PHRASE_MIN_LIFT = 2.0
PHRASE_SHARE_FLOOR = 0.01
PHRASES_PER_SKU = 5

UNSPECIFIED = taxonomy.UNSPECIFIED
NO_SKU = {"zh": "（无SKU）", "en": "(no SKU)"}


@dataclass
class Report:
    """Everything the report says, as plain tables (see the module docstring)."""

    totals: dict
    by_reason: pd.DataFrame
    by_sub_reason: pd.DataFrame
    by_sku: pd.DataFrame
    by_week: pd.DataFrame
    top_skus: pd.DataFrame
    fixes: pd.DataFrame
    phrases: pd.DataFrame
    return_rates: pd.DataFrame | None = None
    lang: str = field(default="zh")


# ---------------------------------------------------------------------------
# Input clean-up
# ---------------------------------------------------------------------------
_TRUE_WORDS = frozenset({"true", "1", "yes", "y", "是", "t"})


def _as_bool(series: pd.Series) -> pd.Series:
    """Bool column from bools, NAs or the TRUE/FALSE strings a CSV round trip leaves."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.fillna(False).astype(bool)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.fillna(0).astype(bool)
    return series.map(
        lambda v: (v.strip().lower() in _TRUE_WORDS) if isinstance(v, str) else bool(v),
        na_action="ignore",
    ).fillna(False).astype(bool)


def _as_text(series: pd.Series) -> pd.Series:
    """Strings with missing values as "" (object dtype, so .str works everywhere)."""
    s = series.astype(object).where(series.notna(), "")
    return s.map(lambda v: v if isinstance(v, str) else str(v)).str.strip()


def _clean_ids(series: pd.Series) -> pd.Series:
    """SKU codes as stripped strings, NA for empty/placeholder cells."""
    s = _as_text(series)
    return s.where(~s.isin(["", "-", "nan", "None", "<NA>"]), None)


def _as_datetime(series: pd.Series) -> pd.Series:
    s = pd.to_datetime(series, errors="coerce", format="mixed") if not \
        pd.api.types.is_datetime64_any_dtype(series.dtype) else series
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    return s


def _col(df: pd.DataFrame, name: str, default: object = pd.NA) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series(default, index=df.index, dtype=object)


def _working(tagged: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The columns the report needs, typed and with missing values filled."""
    if "reason" not in tagged.columns:
        raise InputError(
            "the table has no 'reason' column, so it has not been classified",
            hint="run the returns through the classifier first (python -m diagnose report "
                 "does this for raw exports)",
        )
    idx = tagged.index
    w = pd.DataFrame(index=idx)
    sku = _clean_ids(_col(tagged, "sku"))
    if "product_id" in tagged.columns:
        sku = sku.fillna(_clean_ids(tagged["product_id"]))
    w["sku_known"] = sku.notna()
    w["sku"] = sku.fillna(NO_SKU.get(lang, NO_SKU["en"])).astype(object)
    w["product_title"] = _as_text(_col(tagged, "product_title"))
    reason = _as_text(tagged["reason"])
    w["reason"] = reason.where(reason != "", "other")
    sub = _as_text(_col(tagged, "sub_reason"))
    w["sub_reason"] = sub.where(sub != "", UNSPECIFIED)
    w["amount"] = pd.to_numeric(_col(tagged, "amount"), errors="coerce").astype(float)
    qty = pd.to_numeric(_col(tagged, "quantity"), errors="coerce").astype(float)
    w["quantity"] = qty.where(qty.notna() & (qty > 0), 1.0)
    w["applied_at"] = _as_datetime(_col(tagged, "applied_at"))
    w["buyer_text"] = _as_text(_col(tagged, "buyer_text"))
    w["confidence"] = pd.to_numeric(_col(tagged, "confidence"), errors="coerce").astype(float)
    w["needs_review"] = _as_bool(_col(tagged, "needs_review", False))
    w["reason_conflict"] = _as_bool(_col(tagged, "reason_conflict", False))
    w["dropdown_label"] = _as_text(_col(tagged, "dropdown_label"))
    w["row_issues"] = _as_text(_col(tagged, "row_issues"))
    return w.reset_index(drop=True)


def _label_order(labels) -> list[str]:
    """Known labels in taxonomy order, then any unknown ones alphabetically."""
    known = [l for l in taxonomy.LABELS if l in set(labels)]
    return known + sorted(set(labels) - set(taxonomy.LABELS))


# ---------------------------------------------------------------------------
# Aggregations
# ---------------------------------------------------------------------------
def _totals(w: pd.DataFrame, duplicates_merged: int) -> dict:
    dated = w["applied_at"].dropna()
    base = (w["dropdown_label"] != "") & (w["buyer_text"] != "")
    n_base = int(base.sum())
    conflicts = int((w["reason_conflict"] & base).sum())
    return {
        "returns": int(len(w)),
        "refunded_amount": float(w["amount"].sum()),
        "skus": int(w.loc[w["sku_known"], "sku"].nunique()),
        "date_from": dated.min() if len(dated) else None,
        "date_to": dated.max() if len(dated) else None,
        "needs_review": int(w["needs_review"].sum()),
        "malicious": int((w["reason"] == "malicious").sum()),
        "conflict_rate": (conflicts / n_base) if n_base else None,
        "conflicts": conflicts,
        "conflict_base": n_base,
        "duplicates_merged": int(duplicates_merged),
        "flagged_rows": int((w["row_issues"] != "").sum()),
        "undated_rows": int(w["applied_at"].isna().sum()),
        "texts": int((w["buyer_text"] != "").sum()),
    }


def _by_reason(w: pd.DataFrame) -> pd.DataFrame:
    cols = ["reason", "reason_zh", "returns", "share", "amount"]
    if w.empty:
        return pd.DataFrame(columns=cols)
    g = w.groupby("reason", sort=False).agg(returns=("reason", "size"), amount=("amount", "sum"))
    g = g.reindex(_label_order(g.index))  # taxonomy order breaks ties below
    g = g.sort_values("returns", ascending=False, kind="stable").reset_index()
    g["reason_zh"] = g["reason"].map(lambda k: taxonomy.label_name(k, "zh"))
    g["share"] = g["returns"] / len(w)
    return g[cols]


def _by_sub_reason(w: pd.DataFrame, reason_order: list[str]) -> pd.DataFrame:
    cols = ["reason", "sub_reason", "sub_reason_zh", "returns", "share_of_reason", "amount"]
    if w.empty:
        return pd.DataFrame(columns=cols)
    g = (w.groupby(["reason", "sub_reason"], sort=False)
         .agg(returns=("reason", "size"), amount=("amount", "sum")).reset_index())
    g["share_of_reason"] = g["returns"] / g.groupby("reason")["returns"].transform("sum")
    g["sub_reason_zh"] = g["sub_reason"].map(lambda k: taxonomy.sub_reason_name(k, "zh"))
    g["_order"] = g["reason"].map({r: i for i, r in enumerate(reason_order)})
    g = g.sort_values(["_order", "returns"], ascending=[True, False], kind="stable")
    return g[cols].reset_index(drop=True)


def _titles(w: pd.DataFrame) -> pd.Series:
    """The most frequent non-empty product title of each SKU."""
    t = w.loc[w["product_title"] != "", ["sku", "product_title"]]
    if t.empty:
        return pd.Series(dtype=object)
    counts = t.groupby(["sku", "product_title"], sort=False).size().reset_index(name="n")
    counts = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates("sku")
    return counts.set_index("sku")["product_title"]


def _title_of(skus: pd.Series, titles: pd.Series) -> pd.Series:
    return skus.map(titles).astype(object).where(lambda s: s.notna(), "")


def _by_sku(w: pd.DataFrame, titles: pd.Series) -> pd.DataFrame:
    labels = _label_order(list(taxonomy.LABELS) + list(w["reason"].unique()))
    cols = ["sku", "product_title", "returns", "amount", "top_reason", "top_reason_zh",
            "top_reason_share", *labels]
    if w.empty:
        return pd.DataFrame(columns=cols)
    g = w.groupby("sku", sort=False).agg(returns=("sku", "size"), amount=("amount", "sum"))
    counts = pd.crosstab(w["sku"], w["reason"]).reindex(index=g.index, columns=labels, fill_value=0)
    g = g.join(counts)
    g["top_reason"] = counts.idxmax(axis=1)  # first label in taxonomy order on ties
    g["top_reason_zh"] = g["top_reason"].map(lambda k: taxonomy.label_name(k, "zh"))
    g["top_reason_share"] = counts.max(axis=1) / g["returns"]
    g["product_title"] = _title_of(pd.Series(g.index, index=g.index), titles)
    g = g.reset_index().sort_values(["returns", "amount"], ascending=False, kind="stable")
    return g[cols].reset_index(drop=True)


def _week_start(s: pd.Series) -> pd.Series:
    day = s.dt.normalize()
    return day - pd.to_timedelta(day.dt.day_of_week, unit="D")


def _by_week(w: pd.DataFrame, reason_order: list[str]) -> pd.DataFrame:
    cols = ["week", "reason", "reason_zh", "returns"]
    dated = w[w["applied_at"].notna()]
    if dated.empty:
        return pd.DataFrame({"week": pd.Series(dtype="datetime64[ns]"), "reason": pd.Series(dtype=object),
                             "reason_zh": pd.Series(dtype=object), "returns": pd.Series(dtype=int)})
    g = (dated.assign(week=_week_start(dated["applied_at"]))
         .groupby(["week", "reason"]).size().reset_index(name="returns"))
    g["reason_zh"] = g["reason"].map(lambda k: taxonomy.label_name(k, "zh"))
    g["_order"] = g["reason"].map({r: i for i, r in enumerate(reason_order)})
    g = g.sort_values(["week", "_order"], kind="stable")
    return g[cols].reset_index(drop=True)


def by_day(tagged: pd.DataFrame) -> pd.DataFrame:
    """Returns per application day and reason (the daily trend); undated rows are left out."""
    when = _as_datetime(_col(tagged, "applied_at"))
    day = when.dt.normalize()
    ok = day.notna().to_numpy()
    reason = _col(tagged, "reason").astype(str)
    return (pd.DataFrame({"day": day[ok], "reason": reason[ok]})
            .groupby(["day", "reason"]).size().reset_index(name="returns"))


def _top_skus(by_sku: pd.DataFrame, total_amount: float) -> pd.DataFrame:
    cols = ["rank", "sku", "product_title", "returns", "amount", "amount_share",
            "cumulative_share", "top_reason", "top_reason_zh"]
    if by_sku.empty:
        return pd.DataFrame(columns=cols)
    t = by_sku.sort_values(["amount", "returns"], ascending=False, kind="stable").reset_index(drop=True)
    t["rank"] = np.arange(1, len(t) + 1)
    denom = total_amount if total_amount else np.nan
    t["amount_share"] = t["amount"] / denom
    t["cumulative_share"] = t["amount"].cumsum() / denom
    return t[cols]


def _return_rates(w: pd.DataFrame, orders: pd.DataFrame, titles: pd.Series) -> pd.DataFrame:
    if "sku" not in orders.columns:
        raise InputError(
            "the order export has no SKU column, so return rates cannot be computed",
            hint="map the order file's SKU column (for example --map sku=商家编码)",
        )
    o = pd.DataFrame({"sku": _clean_ids(orders["sku"])})
    if "quantity" in orders.columns:
        q = pd.to_numeric(orders["quantity"], errors="coerce")
        o["quantity"] = q.where(q.notna(), 1.0).astype(float)
    else:
        o["quantity"] = 1.0
    sold = o.dropna(subset=["sku"]).groupby("sku")["quantity"].sum().rename("sold_units")
    ret = w.groupby("sku").agg(returned_units=("quantity", "sum"), returns=("sku", "size"))
    r = ret.join(sold, how="outer")
    r.index.name = "sku"
    r["returned_units"] = r["returned_units"].fillna(0.0)
    r["returns"] = r["returns"].fillna(0).astype(int)
    has_sales = r["sold_units"].notna() & (r["sold_units"] > 0)
    r["return_rate"] = (r["returned_units"] / r["sold_units"]).where(has_sales)
    median = r["return_rate"].median()
    if pd.notna(median):
        spike = (r["return_rate"] > 0) & (r["return_rate"] >= SPIKE_FACTOR * median)
    else:
        spike = pd.Series(False, index=r.index)
    r["spike"] = spike.astype("boolean").where(r["return_rate"].notna(), pd.NA)
    r["priority"] = r["return_rate"] * r["returns"]
    r = r.reset_index()
    r["product_title"] = _title_of(r["sku"], titles)
    r = r.sort_values(["priority", "return_rate", "returns"], ascending=False,
                      na_position="last", kind="stable").reset_index(drop=True)
    return r[["sku", "product_title", "sold_units", "returned_units", "returns",
              "return_rate", "spike", "priority"]]


# ---------------------------------------------------------------------------
# Fixes
# ---------------------------------------------------------------------------
_FIX_COLS = ["rank", "sku", "product_title", "reason", "sub_reason", "n", "total", "share",
             "amount_at_stake", "fix_zh", "fix_en", "examples",
             "reason_zh", "sub_reason_zh", "kind"]


def _min_share(reason: pd.Series) -> pd.Series:
    return reason.map(lambda r: BUYER_SIDE_FIX_SHARE if r in BUYER_SIDE_LABELS else MIN_FIX_SHARE)


def _fix_text(row, lang: str) -> str:
    return taxonomy.fix_template(row.reason, row.sub_reason, lang).format(
        sku=row.sku, n=int(row.n), total=int(row.total), share=f"{row.share:.0%}")


def _fixes(w: pd.DataFrame, titles: pd.Series, min_returns: int) -> pd.DataFrame:
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


# ---------------------------------------------------------------------------
# Distinctive phrases
# ---------------------------------------------------------------------------
_STOPWORDS = frozenset("""
的 了 是 我 你 他 她 它 我们 你们 他们 就 都 也 还 又 在 有 和 与 跟 及 或 吧 吗 呢 啊 呀 哦 嗯
啦 哈 嘛 么 个 这 那 这个 那个 这样 那样 就是 而且 但是 但 可是 然后 所以 因为 一个 一下 一点
什么 怎么 真的 感觉 觉得 非常 比较 特别 有点 有些 东西 商品 宝贝 产品 卖家 商家 店家 买家 退货 退款
申请 收到 已经 现在 之后 以后 时候 还是 而 被 把 给 让 到 从 对 说 要 会 能 可以 去 来 上 下 里
着 过 得 地 之 其 该 等 啊啊 哈哈 呵呵 亲 谢谢 麻烦 请 一 两 很 太 挺 蛮 超 好 不 没
the a an and or to of is it was i my me this that for in on with be are
""".split())
_NUMBER_RE = re.compile(r"^[\d.,%٪]+$")
_WORD_RE = re.compile(r"\w", re.UNICODE)
_ASCII_RE = re.compile(r"^[a-z0-9]+$")


# Clause boundaries: punctuation, and spaces next to a Chinese character
# (Chinese buyers separate clauses with spaces; English words keep theirs).
_CLAUSE_RE = re.compile(
    r"[，,。.！!？?；;、~～…:：()（）【】\[\]\"“”'‘’/|]+"
    r"|(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])"
)
# One-character words that may open a bigram (不一样, 没效果).
_NEGATIONS = frozenset({"不", "没"})


def _is_content(tok: str) -> bool:
    return bool(tok) and tok not in _STOPWORDS and not _NUMBER_RE.match(tok) \
        and bool(_WORD_RE.search(tok)) and not (len(tok) == 1 and tok.isascii())


def _tokens(text: str) -> list[list[str]]:
    """The words of one buyer text, clause by clause (punctuation dropped)."""
    clauses = []
    for clause in _CLAUSE_RE.split(normalise(text)):
        toks = [t.strip().lower() for t in tokenize(clause.strip())] if clause.strip() else []
        toks = [t for t in toks if t]
        if toks:
            clauses.append(toks)
    return clauses


def _phrase_features(text: str) -> list[str]:
    """Content words (no stopwords, punctuation or numbers) and the two-word
    phrases neighbouring content words form inside one clause ("面料很薄" →
    面料, 薄, 面料薄). 不/没 may open a phrase (不一样) but are not words."""
    grams: list[str] = []
    for toks in _tokens(text):
        kept = [t for t in toks if _is_content(t) or t in _NEGATIONS]
        grams += [t for t in kept if t not in _NEGATIONS]
        for a, b in zip(kept, kept[1:]):
            if b in _NEGATIONS:
                continue
            sep = " " if _ASCII_RE.match(a[-1]) and _ASCII_RE.match(b[0]) else ""
            grams.append(a + sep + b)
    return grams


def _phrases(w: pd.DataFrame, min_returns: int) -> pd.DataFrame:
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
            cache[text] = _phrase_features(text)
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


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def build_report(
    tagged: pd.DataFrame,
    orders: pd.DataFrame | None = None,
    *,
    duplicates_merged: int = 0,
    min_returns: int = 5,
    lang: str = "zh",
    fixes: bool = True,
    phrases: bool = True,
) -> Report:
    """Aggregate a tagged table (and optionally an order export) into a Report.

    `fixes=False` / `phrases=False` skip the two costly tables (phrases are
    most of a report's time) for views, such as the dashboard overview, that
    do not show them; the skipped tables come back empty.
    """
    if lang not in ("zh", "en"):
        raise InputError(f"unknown report language '{lang}'", hint="use zh or en")
    w = _working(tagged, lang)
    totals = _totals(w, duplicates_merged)
    totals["min_returns"] = int(min_returns)
    by_reason = _by_reason(w)
    order = list(by_reason["reason"])
    titles = _titles(w)
    by_sku = _by_sku(w, titles)
    rates = None
    if orders is not None:
        rates = _return_rates(w, orders, titles)
        by_sku["return_rate"] = by_sku["sku"].map(rates.set_index("sku")["return_rate"])
    return Report(
        totals=totals,
        by_reason=by_reason,
        by_sub_reason=_by_sub_reason(w, order),
        by_sku=by_sku,
        by_week=_by_week(w, order),
        top_skus=_top_skus(by_sku, totals["refunded_amount"]),
        fixes=_fixes(w, titles, min_returns) if fixes else _fixes(w.iloc[0:0], titles, min_returns),
        phrases=_phrases(w, min_returns) if phrases else _phrases(w.iloc[0:0], min_returns),
        return_rates=rates,
        lang=lang,
    )


def headline_totals(tagged: pd.DataFrame, lang: str = "zh", duplicates_merged: int = 0) -> dict:
    """Only the report's headline numbers: cheap enough to compute per filter change."""
    return _totals(_working(tagged, lang), duplicates_merged)


# ---------------------------------------------------------------------------
# Wording
# ---------------------------------------------------------------------------
_T = {
    "zh": {
        "title": "退货原因诊断报告",
        "period": "数据期间", "to": "至", "no_dates": "无申请时间",
        "overview": "一、概览",
        "returns_line": "退货 **{n}** 条，涉及 **{skus}** 个 SKU，退款金额合计 **{amount}**",
        "top_reason_line": "最主要的退货原因：**{name}**（{share}）",
        "conflict_line": "下拉原因与买家描述冲突率：**{rate}**（{c}/{b} 条同时有下拉原因和买家描述的退货）",
        "conflict_na": "下拉原因与买家描述冲突率：无法计算（没有同时带下拉原因和买家描述的退货）",
        "review_line": "需人工复核（模型把握不足）：{n} 条",
        "malicious_line": "疑似恶意退款：{n} 条（见改进建议中的“需复核”项）",
        "dup_line": "多个文件中重复的退货单已合并：{n} 条",
        "flag_line": "有字段问题的行（已保留并标记）：{n} 条",
        "undated_line": "缺少申请时间的退货：{n} 条（计入总数，不计入每周趋势）",
        "empty": "没有可分析的退货记录。",
        "fixes": "二、优先改进建议（按涉及退款金额排序）",
        "fixes_none": "没有达到门槛的原因（SKU 至少 {m} 条退货，且某一原因至少 2 条、占该 SKU 退货 10% 以上）。",
        "fixes_more": "共 {n} 条建议，此处列出前 {k} 条；完整列表见 xlsx 报告的“改进建议”表。",
        "at_stake": "涉及退款金额", "cause": "原因", "review_tag": "【需复核】",
        "quotes": "买家原话",
        "reasons": "三、退货原因分布",
        "subs": "四、细分原因",
        "top_skus": "五、退款金额最高的 SKU",
        "pareto": "前 **{k}** 个 SKU（共 {n} 个）占退款金额的 80%。",
        "rates": "六、退货率（退货件数 ÷ 销售件数）",
        "rates_note": "⚠ 表示退货率达到全店 SKU 中位数（{median}）的 1.5 倍及以上；优先级 = 退货率 × 退货条数。无订单记录的 SKU 退货率记为“-”。",
        "conflict": "七、下拉原因与买家描述的冲突",
        "conflict_text": ("买家选的下拉原因（如“质量问题”）与其文字描述（如“不想要了”）不一致的比例为 **{rate}**"
                          "（{c}/{b}）。选质量类原因时运费通常由商家承担、并计入品质退货率，"
                          "这类退货可整理证据向平台申诉。"),
        "conflict_text_na": "没有同时带下拉原因和买家描述的退货，无法计算冲突率。",
        "phrases": "八、各 SKU 买家的高频用语",
        "phrases_note": "这些词在该 SKU 买家的描述中明显多于店内其他退货买家，是修改详情页、主图或尺码表的线索。",
        "phrases_none": "没有明显区别于其他商品的高频用语（每个 SKU 需至少 {m} 条退货、3 条以上描述）。",
        "weeks": "九、每周退货趋势",
        "weeks_note": "按申请时间所在周（周一）统计；{n} 条缺少申请时间的退货未计入本表，但计入其他统计。",
        "weeks_note_all": "按申请时间所在周（周一）统计。",
        "weeks_none": "没有申请时间，无法统计每周趋势。",
        "method": "说明",
        "method_text": [
            "原因由模型根据买家描述和下拉原因判断；“需人工复核”为模型置信度低于阈值的退货。",
            "改进建议：每个退货不少于 {m} 条的 SKU，某一原因（细分原因）至少 2 条且占该 SKU 退货 10% 以上时给出；买家个人原因和“其他”需占 30% 以上；疑似恶意退款只列为复核项。",
            "高频用语：提及率 = 含该词的描述数 ÷ 描述总数；倍数 = 本 SKU 提及率 ÷ 其他 SKU 提及率（下限 1%）。",
        ],
        "h_reason": "原因", "h_sub": "细分原因", "h_returns": "退货数", "h_share": "占比",
        "h_share_reason": "占该原因", "h_amount": "退款金额", "h_rank": "排名", "h_sku": "SKU",
        "h_title": "商品", "h_cum": "累计占比", "h_top": "主要原因", "h_sold": "销售件数",
        "h_returned": "退货件数", "h_rate": "退货率", "h_priority": "优先级", "h_phrase": "用语",
        "h_sku_share": "本 SKU 提及率", "h_rest_share": "其他买家提及率", "h_lift": "倍数",
        "h_week": "周（周一）", "h_total": "合计", "h_docs": "提及条数",
    },
    "en": {
        "title": "Return reasons report",
        "period": "Period", "to": "to", "no_dates": "no application dates",
        "overview": "1. Overview",
        "returns_line": "**{n}** returns across **{skus}** SKUs, **{amount}** refunded",
        "top_reason_line": "Main reason: **{name}** ({share})",
        "conflict_line": "Dropdown-vs-text conflict rate: **{rate}** ({c} of {b} returns with both a dropdown reason and buyer text)",
        "conflict_na": "Dropdown-vs-text conflict rate: not computable (no return has both a dropdown reason and buyer text)",
        "review_line": "Need a human look (low model confidence): {n}",
        "malicious_line": "Suspected malicious refunds: {n} (listed as review items among the fixes)",
        "dup_line": "Duplicate returns merged across files: {n}",
        "flag_line": "Rows with problem fields (kept and flagged): {n}",
        "undated_line": "Returns without an application date: {n} (counted in totals, left out of the weekly trend)",
        "empty": "There are no returns to analyse.",
        "fixes": "2. Fixes first (ranked by refunded amount at stake)",
        "fixes_none": "No cause passes the bar (a SKU with at least {m} returns, a cause with at least 2 returns and 10% of them).",
        "fixes_more": "{n} suggestions in all; the top {k} are shown. The full list is the Fixes sheet of the xlsx report.",
        "at_stake": "Refunded amount at stake", "cause": "Cause", "review_tag": "[review]",
        "quotes": "Buyers wrote",
        "reasons": "3. Returns by reason",
        "subs": "4. Sub-reasons",
        "top_skus": "5. SKUs with the most refunded",
        "pareto": "The top **{k}** SKUs (of {n}) account for 80% of the refunded amount.",
        "rates": "6. Return rates (returned units ÷ sold units)",
        "rates_note": "⚠ marks a rate at least 1.5× the shop's median SKU rate ({median}); priority = return rate × returns. SKUs without orders show '-'.",
        "conflict": "7. Dropdown reason vs buyer text",
        "conflict_text": ("**{rate}** of returns ({c} of {b}) picked a dropdown reason (such as 'quality problem') that "
                          "their own text contradicts (such as 'no longer want it'). Quality reasons usually "
                          "put return shipping on the merchant and count toward the quality return rate; such "
                          "returns can be appealed with evidence."),
        "conflict_text_na": "No return has both a dropdown reason and buyer text, so there is no conflict rate.",
        "phrases": "8. Words that set each SKU's buyers apart",
        "phrases_note": "These phrases appear markedly more often in this SKU's return texts than in the shop's other return texts: clues for the listing, photos or size chart.",
        "phrases_none": "No SKU-specific phrases (a SKU needs at least {m} returns and 3 texts).",
        "weeks": "9. Weekly trend",
        "weeks_note": "By week of application (Monday). {n} returns without a date are left out of this table but counted elsewhere.",
        "weeks_note_all": "By week of application (Monday).",
        "weeks_none": "No application dates, so there is no weekly trend.",
        "method": "Method",
        "method_text": [
            "Reasons are tagged by the model from the buyer text and the dropdown reason; 'need a human look' are returns below the confidence threshold.",
            "Fixes: for SKUs with at least {m} returns, causes (sub-reasons) with at least 2 returns and 10% of the SKU's returns; buyer-side reasons and 'other' need 30%; suspected malicious refunds appear only as review items.",
            "Phrases: share = texts containing the phrase ÷ texts; lift = SKU share ÷ other SKUs' share (floored at 1%).",
        ],
        "h_reason": "Reason", "h_sub": "Sub-reason", "h_returns": "Returns", "h_share": "Share",
        "h_share_reason": "Of reason", "h_amount": "Refunded", "h_rank": "#", "h_sku": "SKU",
        "h_title": "Product", "h_cum": "Cumulative", "h_top": "Main reason", "h_sold": "Sold units",
        "h_returned": "Returned units", "h_rate": "Return rate", "h_priority": "Priority",
        "h_phrase": "Phrase", "h_sku_share": "SKU share", "h_rest_share": "Others' share",
        "h_lift": "Lift", "h_week": "Week (Monday)", "h_total": "Total", "h_docs": "Texts",
    },
}


def _lang(lang: str) -> str:
    if lang not in _T:
        raise InputError(f"unknown report language '{lang}'", hint="use zh or en")
    return lang


def _int(v) -> str:
    return "-" if v is None or pd.isna(v) else f"{int(round(float(v))):,}"


def _money(v) -> str:
    return "-" if v is None or pd.isna(v) else f"{float(v):,.2f}"


def _pct(v, digits: int = 1) -> str:
    return "-" if v is None or pd.isna(v) else f"{float(v):.{digits}%}"


def _num(v, digits: int = 1) -> str:
    return "-" if v is None or pd.isna(v) else f"{float(v):.{digits}f}"


def _date(v) -> str:
    return "-" if v is None or pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def _esc(text: object, limit: int | None = None) -> str:
    """Text safe inside Markdown (and a table cell): no markup, no line breaks."""
    s = "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)
    s = re.sub(r"\s+", " ", s).strip()
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", s)


def _table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _reason_name(key: str, lang: str) -> str:
    return taxonomy.label_name(key, lang)


def _sub_name(key: str, lang: str) -> str:
    return taxonomy.sub_reason_name(key, lang)


def _sku_label(sku: str, title: str, limit: int = 24) -> str:
    return _esc(sku) + (f"（{_esc(title, limit)}）" if title else "")


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------
def report_to_markdown(report: Report, lang: str = "zh", *, top_fixes: int = 10,
                       top_rows: int = 10) -> str:
    """A Markdown report a merchant can read top to bottom."""
    t = _T[_lang(lang)]
    tot = report.totals
    min_returns = report.totals.get("min_returns", 5)
    out: list[str] = [f"# {t['title']}", ""]
    if tot.get("date_from") is not None:
        out.append(f"> {t['period']}：{_date(tot['date_from'])} {t['to']} {_date(tot['date_to'])}"
                   if lang == "zh" else
                   f"> {t['period']}: {_date(tot['date_from'])} {t['to']} {_date(tot['date_to'])}")
    else:
        out.append(f"> {t['period']}{'：' if lang == 'zh' else ': '}{t['no_dates']}")
    out.append("")

    # 1. overview
    out += [f"## {t['overview']}", ""]
    if not tot["returns"]:
        out += [t["empty"], ""]
        return "\n".join(out)
    bullets = [t["returns_line"].format(n=_int(tot["returns"]), skus=_int(tot["skus"]),
                                        amount=_money(tot["refunded_amount"]))]
    if not report.by_reason.empty:
        top = report.by_reason.iloc[0]
        bullets.append(t["top_reason_line"].format(name=_reason_name(top["reason"], lang),
                                                   share=_pct(top["share"])))
    if tot.get("conflict_rate") is not None:
        bullets.append(t["conflict_line"].format(rate=_pct(tot["conflict_rate"]),
                                                 c=_int(tot.get("conflicts")), b=_int(tot.get("conflict_base"))))
    else:
        bullets.append(t["conflict_na"])
    bullets.append(t["review_line"].format(n=_int(tot["needs_review"])))
    bullets.append(t["malicious_line"].format(n=_int(tot["malicious"])))
    if tot.get("duplicates_merged"):
        bullets.append(t["dup_line"].format(n=_int(tot["duplicates_merged"])))
    if tot.get("flagged_rows"):
        bullets.append(t["flag_line"].format(n=_int(tot["flagged_rows"])))
    if tot.get("undated_rows"):
        bullets.append(t["undated_line"].format(n=_int(tot["undated_rows"])))
    out += [f"- {b}" for b in bullets] + [""]

    # 2. fixes
    out += [f"## {t['fixes']}", ""]
    fixes = report.fixes
    if fixes.empty:
        out += [t["fixes_none"].format(m=min_returns), ""]
    else:
        fix_col = "fix_zh" if lang == "zh" else "fix_en"
        sep = "：" if lang == "zh" else ": "
        for r in fixes.head(top_fixes).itertuples(index=False):
            tag = t["review_tag"] + " " if r.kind == "review" else ""
            cause = _reason_name(r.reason, lang)
            if r.sub_reason != UNSPECIFIED:
                cause += " / " + _sub_name(r.sub_reason, lang)
            title = f" · {_esc(r.product_title, 30)}" if r.product_title else ""
            out.append(f"{int(r.rank)}. {tag}**{_esc(getattr(r, fix_col))}**  ")
            out.append(f"   {t['at_stake']}{sep}{_money(r.amount_at_stake)} · {t['cause']}{sep}{cause}{title}  ")
            quotes = [q for q in str(r.examples).split("\n") if q.strip()]
            if quotes:
                out.append(f"   {t['quotes']}{sep}" + " ".join(f"“{_esc(q, 60)}”" for q in quotes))
        out.append("")
        if len(fixes) > top_fixes:
            out += [t["fixes_more"].format(n=len(fixes), k=top_fixes), ""]

    # 3. reasons
    out += [f"## {t['reasons']}", ""]
    rows = [[_esc(_reason_name(r.reason, lang)), _int(r.returns), _pct(r.share), _money(r.amount)]
            for r in report.by_reason.itertuples(index=False)]
    out += [_table([t["h_reason"], t["h_returns"], t["h_share"], t["h_amount"]], rows, {1, 2, 3}), ""]

    # 4. sub-reasons
    subs = report.by_sub_reason.sort_values("returns", ascending=False, kind="stable").head(15)
    rows = [[_esc(_reason_name(r.reason, lang)), _esc(_sub_name(r.sub_reason, lang)), _int(r.returns),
             _pct(r.share_of_reason), _money(r.amount)] for r in subs.itertuples(index=False)]
    out += [f"## {t['subs']}", "",
            _table([t["h_reason"], t["h_sub"], t["h_returns"], t["h_share_reason"], t["h_amount"]],
                   rows, {2, 3, 4}), ""]

    # 5. top SKUs (Pareto)
    top = report.top_skus
    out += [f"## {t['top_skus']}", ""]
    if not top.empty and top["cumulative_share"].notna().any():
        reach = top.index[top["cumulative_share"] >= 0.8 - 1e-9]
        k = int(reach[0]) + 1 if len(reach) else len(top)
        out += [t["pareto"].format(k=k, n=len(top)), ""]
    rows = [[str(int(r.rank)), _sku_label(r.sku, r.product_title), _int(r.returns), _money(r.amount),
             _pct(r.cumulative_share), _esc(_reason_name(r.top_reason, lang))]
            for r in top.head(top_rows).itertuples(index=False)]
    out += [_table([t["h_rank"], t["h_sku"], t["h_returns"], t["h_amount"], t["h_cum"], t["h_top"]],
                   rows, {0, 2, 3, 4}), ""]

    # 6. return rates
    if report.return_rates is not None:
        rr = report.return_rates
        median = rr["return_rate"].median()
        out += [f"## {t['rates']}", "", t["rates_note"].format(median=_pct(median)), ""]
        rows = [[_sku_label(r.sku, r.product_title), _int(r.sold_units), _int(r.returned_units),
                 _pct(r.return_rate) + (" ⚠" if pd.notna(r.spike) and bool(r.spike) else ""), _num(r.priority, 2)]
                for r in rr[rr["returns"] > 0].head(top_rows).itertuples(index=False)]
        out += [_table([t["h_sku"], t["h_sold"], t["h_returned"], t["h_rate"], t["h_priority"]],
                       rows, {1, 2, 3, 4}), ""]

    # 7. conflicts
    out += [f"## {t['conflict']}", ""]
    if tot.get("conflict_rate") is not None:
        out += [t["conflict_text"].format(rate=_pct(tot["conflict_rate"]), c=_int(tot.get("conflicts")),
                                          b=_int(tot.get("conflict_base"))), ""]
    else:
        out += [t["conflict_text_na"], ""]

    # 8. phrases
    out += [f"## {t['phrases']}", ""]
    ph = report.phrases
    if ph.empty:
        out += [t["phrases_none"].format(m=min_returns), ""]
    else:
        out += [t["phrases_note"], ""]
        titles = report.by_sku.set_index("sku")["product_title"] if not report.by_sku.empty else {}
        rows = []
        for sku, grp in ph.groupby("sku", sort=False):
            first = True
            for r in grp.itertuples(index=False):
                rows.append([_sku_label(sku, titles.get(sku, "")) if first else "",
                             _esc(r.phrase), f"{int(r.sku_count)}/{int(r.sku_docs)}",
                             _pct(r.sku_share, 0), _pct(r.rest_share, 0), f"×{r.lift:.1f}"])
                first = False
        out += [_table([t["h_sku"], t["h_phrase"], t["h_docs"], t["h_sku_share"], t["h_rest_share"],
                        t["h_lift"]], rows, {2, 3, 4, 5}), ""]

    # 9. weekly trend
    out += [f"## {t['weeks']}", ""]
    wk = report.by_week
    if wk.empty:
        out += [t["weeks_none"], ""]
    else:
        undated = tot.get("undated_rows", 0)
        out += [t["weeks_note"].format(n=_int(undated)) if undated else t["weeks_note_all"], ""]
        pivot = wk.pivot_table(index="week", columns="reason", values="returns", aggfunc="sum",
                               fill_value=0)
        cols = [r for r in report.by_reason["reason"] if r in pivot.columns]
        pivot = pivot[cols].tail(12)
        rows = [[_date(week)] + [_int(v) for v in vals] + [_int(sum(vals))]
                for week, vals in zip(pivot.index, pivot.to_numpy().tolist())]
        headers = [t["h_week"]] + [_esc(_reason_name(c, lang)) for c in cols] + [t["h_total"]]
        out += [_table(headers, rows, set(range(1, len(headers)))), ""]

    # method
    out += [f"## {t['method']}", ""]
    out += [f"- {line.format(m=min_returns)}" for line in t["method_text"]] + [""]
    return "\n".join(out)


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------
_COLUMNS_ZH = {
    "reason": "原因代码", "reason_zh": "原因", "returns": "退货数", "share": "占比", "amount": "退款金额",
    "sub_reason": "细分原因代码", "sub_reason_zh": "细分原因", "share_of_reason": "占该原因",
    "sku": "SKU", "product_title": "商品", "top_reason": "主要原因代码", "top_reason_zh": "主要原因",
    "top_reason_share": "主要原因占比", "return_rate": "退货率", "week": "周（周一）",
    "rank": "排名", "amount_share": "金额占比", "cumulative_share": "累计金额占比",
    "n": "条数", "total": "该SKU退货数", "amount_at_stake": "涉及退款金额", "fix_zh": "改进建议",
    "fix_en": "Suggested fix", "examples": "买家原话", "kind": "类型",
    "phrase": "用语", "sku_count": "提及条数", "sku_docs": "该SKU描述数", "sku_share": "本SKU提及率",
    "rest_share": "其他买家提及率", "lift": "倍数", "sold_units": "销售件数",
    "returned_units": "退货件数", "spike": "退货率异常", "priority": "优先级",
    "item": "项目", "value": "数值",
}
_SHEETS = {
    "zh": {"summary": "概览", "fixes": "改进建议", "by_reason": "原因分布", "by_sub_reason": "细分原因",
           "by_sku": "按SKU", "top_skus": "退款金额TOP", "return_rates": "退货率",
           "phrases": "高频用语", "by_week": "每周趋势", "readme": "说明"},
    "en": {"summary": "Summary", "fixes": "Fixes", "by_reason": "By reason", "by_sub_reason": "By sub-reason",
           "by_sku": "By SKU", "top_skus": "Top SKUs", "return_rates": "Return rates",
           "phrases": "Phrases", "by_week": "Weekly", "readme": "README"},
}
_TOTAL_NAMES = {
    "zh": {"returns": "退货条数", "refunded_amount": "退款金额合计", "skus": "SKU 数", "date_from": "最早申请时间",
           "date_to": "最晚申请时间", "needs_review": "需人工复核", "malicious": "疑似恶意退款",
           "conflict_rate": "下拉原因与描述冲突率", "conflicts": "冲突条数",
           "conflict_base": "同时有下拉原因和描述的条数", "duplicates_merged": "合并的重复退货单",
           "flagged_rows": "有字段问题的行", "undated_rows": "缺少申请时间的行", "texts": "有买家描述的条数"},
    "en": {},
}
_README = {
    "zh": [
        ("概览", "退货总数、退款金额、冲突率等主要数字。"),
        ("改进建议", "每个退货不少于 {m} 条的 SKU 的主要原因与建议，按涉及退款金额排序；类型 review 为疑似恶意退款，需人工复核。"),
        ("原因分布 / 细分原因", "各原因与细分原因的退货数、占比（按条数）和退款金额。"),
        ("按SKU", "每个 SKU 的退货数、退款金额、主要原因及各原因条数；有订单时含退货率。"),
        ("退款金额TOP", "按退款金额排序的 SKU 及累计占比（帕累托）。"),
        ("退货率", "退货件数 ÷ 销售件数；退货率异常 = 达到全店 SKU 退货率中位数的 1.5 倍；优先级 = 退货率 × 退货条数。无订单的 SKU 退货率为空。"),
        ("高频用语", "该 SKU 买家描述中明显多于其他退货买家的词：提及率 = 含该词描述数 ÷ 描述数；倍数 = 本 SKU 提及率 ÷ 其他买家提及率（下限 1%）；至少 3 条且占 10%。"),
        ("每周趋势", "按申请时间所在周（周一）统计；缺少申请时间的退货不计入此表。"),
        ("冲突率", "下拉原因与买家描述不一致的退货 ÷ 同时有下拉原因和描述的退货。"),
        ("安全", "以 = + - @ 开头的文字单元格已加前缀 ' ，防止公式注入。"),
    ],
    "en": [
        ("Summary", "Headline numbers: returns, refunded amount, conflict rate."),
        ("Fixes", "Main causes and fixes for SKUs with at least {m} returns, ranked by refunded amount at stake; kind 'review' marks suspected malicious refunds to check by hand."),
        ("By reason / By sub-reason", "Returns, share (by count) and refunded amount per reason and sub-reason."),
        ("By SKU", "Per SKU: returns, refunded amount, main reason and counts per reason; return rate when orders were given."),
        ("Top SKUs", "SKUs by refunded amount with cumulative share (Pareto)."),
        ("Return rates", "Returned units ÷ sold units; spike = rate at least 1.5× the shop's median SKU rate; priority = rate × returns. Empty for SKUs without orders."),
        ("Phrases", "Phrases this SKU's buyers use markedly more than the shop's other returning buyers: share = texts containing it ÷ texts; lift = SKU share ÷ others' share (floored at 1%); at least 3 texts and 10%."),
        ("Weekly", "By week of application (Monday); returns without a date are left out of this sheet."),
        ("Conflict rate", "Returns whose dropdown reason contradicts the buyer text ÷ returns having both."),
        ("Safety", "Text cells starting with = + - @ are prefixed with ' to prevent formula injection."),
    ],
}


def _summary_frame(report: Report, lang: str) -> pd.DataFrame:
    names = _TOTAL_NAMES[lang]
    rows = []
    for key, value in report.totals.items():
        if key == "min_returns":
            continue
        if key in ("date_from", "date_to"):
            value = _date(value) if value is not None else ""
        elif value is None:
            value = ""
        rows.append({"item": names.get(key, key), "value": value})
    return pd.DataFrame(rows, columns=["item", "value"])


def _sheet_tables(report: Report, lang: str) -> dict[str, pd.DataFrame]:
    names = _SHEETS[lang]
    m = report.totals.get("min_returns", 5)
    tables: list[tuple[str, pd.DataFrame | None]] = [
        ("summary", _summary_frame(report, lang)),
        ("fixes", report.fixes),
        ("by_reason", report.by_reason),
        ("by_sub_reason", report.by_sub_reason),
        ("by_sku", report.by_sku),
        ("top_skus", report.top_skus),
        ("return_rates", report.return_rates),
        ("phrases", report.phrases),
        ("by_week", report.by_week),
        ("readme", pd.DataFrame([{"item": a, "value": b.format(m=m)} for a, b in _README[lang]])),
    ]
    sheets: dict[str, pd.DataFrame] = {}
    for key, df in tables:
        if df is None:
            continue
        df = df.copy()
        for c in df.columns:  # readable numbers; the Report keeps full precision
            if pd.api.types.is_float_dtype(df[c].dtype):
                df[c] = df[c].round(2 if c in ("amount", "amount_at_stake") else 4)
        if lang == "zh":
            labels = {l: taxonomy.label_name(l, "zh") for l in taxonomy.LABELS}
            df = df.rename(columns=lambda c: _COLUMNS_ZH.get(c, labels.get(c, c)))
        sheets[names[key]] = df
    return sheets


def to_xlsx_bytes(report: Report, lang: str = "zh") -> bytes:
    """The report workbook (one formula-safe sheet per table) as bytes, for downloads."""
    _lang(lang)
    return export.to_xlsx_bytes(_sheet_tables(report, lang))


def write_report(report: Report, path: str | os.PathLike, lang: str = "zh") -> None:
    """Write the report as .xlsx (one sheet per table) or .md (Markdown)."""
    _lang(lang)
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".md":
        data = report_to_markdown(report, lang).encode("utf-8")
    elif ext == ".xlsx":
        data = to_xlsx_bytes(report, lang)
    else:
        raise InputError(
            f"cannot write a report as '{p.suffix or '(no extension)'}'",
            file=str(p),
            hint="name the report file .xlsx or .md",
        )
    export._write_bytes(data, p)
