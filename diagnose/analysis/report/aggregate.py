"""The report's tables: typed working columns, totals, breakdowns, return rates.

Definitions are in the package docstring (`diagnose.analysis.report`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from diagnose import taxonomy
from diagnose.errors import InputError

# --- tunables (documented in the module docstring and the README sheet) ------
SPIKE_FACTOR = 1.5

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
    # How the return rates were matched (see `RateBasis`); None without orders.
    rate_basis: "RateBasis | None" = None


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
    """Strings with missing values as "", stripped (pandas' "str" dtype; object when empty)."""
    if len(series) and pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        # A string column's values are all str already: the per-cell lambda below (seconds on a
        # million rows) would give the same strings, which pandas then stores as "str".
        return series.fillna("").astype("str").str.strip()
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


# Which column names a product, in order of preference: the merchant SKU
# code, the platform's product id, then the product title (item 9 of issue 13).
PRODUCT_KEYS: tuple[str, ...] = ("sku", "product_id", "product_title")


def product_keys(tagged: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each row's product key and the column it came from.

    Exports without a SKU column still get a product view: the product id
    stands in, then the title. Returns (key, source column) per row; both NA
    where no column names the product.
    """
    key = pd.Series(pd.NA, index=tagged.index, dtype=object)
    used = pd.Series(pd.NA, index=tagged.index, dtype=object)
    for column in PRODUCT_KEYS:
        if column not in tagged.columns:
            continue
        values = _clean_ids(tagged[column])
        fill = key.isna() & values.notna()
        key = key.where(~fill, values)
        used = used.where(~fill, column)
    # Ingest fills a missing SKU column with the product id; a SKU equal to the
    # product id on every row is that fill, so say "product id".
    if "product_id" in tagged.columns and (used == "sku").any():
        pid = _clean_ids(tagged["product_id"])
        has_sku = (used == "sku").to_numpy(bool)
        if bool((pid[has_sku] == key[has_sku]).all()):
            used = used.where(~has_sku, "product_id")
    return key, used


def _main_key(w: pd.DataFrame) -> str | None:
    """The product key most rows use ("sku", "product_id", "product_title"), or None."""
    used = w["product_key"].dropna()
    return str(used.value_counts().index[0]) if len(used) else None


def _working(tagged: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The columns the report needs, typed and with missing values filled."""
    if "reason" not in tagged.columns:
        raise InputError(
            "the table has no 'reason' column, so it has not been classified",
            hint="run the returns through the classifier first (python -m diagnose report "
                 "does this for raw exports)",
                 code="not_classified",
        )
    idx = tagged.index
    w = pd.DataFrame(index=idx)
    sku, key_used = product_keys(tagged)
    w["sku_known"] = sku.notna()
    w["product_key"] = key_used
    w["sku"] = sku.fillna(NO_SKU.get(lang, NO_SKU["en"])).astype(object)
    w["platform"] = _as_text(_col(tagged, "platform"))
    w["shop"] = _as_text(_col(tagged, "shop"))
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
        "product_key": _main_key(w),
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


# ---------------------------------------------------------------------------
# Return rates: returns and orders matched by platform and date window
# ---------------------------------------------------------------------------
# File-name words that say which platform an order export came from; the
# dashboard shows the guess and lets the merchant change it.
_PLATFORM_NAME_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("douyin", ("douyin", "抖音", "抖店", "doudian")),
    ("taobao", ("taobao", "tmall", "淘宝", "天猫")),
    ("jd", ("jd_", "jd-", "jingdong", "京东")),
    ("pinduoduo", ("pdd", "pinduoduo", "拼多多")),
    ("amazon", ("amazon", "亚马逊", "fba")),
)


PLATFORM_NAMES: dict[str, tuple[str, str]] = {
    "douyin": ("抖音/抖店", "Douyin"),
    "taobao": ("淘宝/天猫", "Taobao/Tmall"),
    "jd": ("京东", "JD"),
    "pinduoduo": ("拼多多", "Pinduoduo"),
    "amazon": ("亚马逊", "Amazon"),
    "generic": ("通用表格", "Generic"),
}


def platform_name(key: object, lang: str = "zh") -> str:
    """A platform key's display name (unknown keys as they are)."""
    pair = PLATFORM_NAMES.get(str(key))
    return (pair[0] if lang == "zh" else pair[1]) if pair else str(key)


def platform_from_name(name: object) -> str | None:
    """The platform an order file's name points to (``douyin_orders.csv`` → douyin), or None."""
    text = str(name or "").lower()
    for key, words in _PLATFORM_NAME_WORDS:
        if any(w in text for w in words) or text.startswith(key.split("_")[0] + "_"):
            return key
    return None


@dataclass
class RateBasis:
    """What a return rate divides: which orders, which platform, which days.

    A rate is only given for returns of the platform the order export
    belongs to; returns of other platforms get none (they are listed in
    `platforms_without_orders`). Orders are cut to the same date window as
    the returns when one is given.
    """

    orders_file: str
    orders_platform: str | None
    platforms_without_orders: tuple[str, ...]
    date_from: date | None
    date_to: date | None
    order_rows: int
    returns_matched: int
    returns_unmatched: int


def _orders_platform(orders: pd.DataFrame, given: str | None) -> str | None:
    if given:
        return given
    if "platform" in orders.columns:
        values = _as_text(orders["platform"])
        values = values[values != ""]
        if values.nunique() == 1:
            return str(values.iloc[0])
    names = orders["source_file"].dropna().unique() if "source_file" in orders.columns else []
    guesses = {platform_from_name(n) for n in names} - {None}
    return guesses.pop() if len(guesses) == 1 else None


def _orders_in_window(orders: pd.DataFrame, window: tuple[date, date] | None) -> pd.DataFrame:
    """Order lines placed inside the window (lines without an order date are kept)."""
    if window is None or "ordered_at" not in orders.columns:
        return orders
    when = _as_datetime(orders["ordered_at"])
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1]) + pd.Timedelta(days=1)
    keep = when.isna() | ((when >= start) & (when < end))
    return orders[keep.to_numpy(bool)]


def match_orders(w: pd.DataFrame, orders: pd.DataFrame, *, orders_platform: str | None = None,
                 window: tuple[date, date] | None = None) -> tuple[np.ndarray, pd.DataFrame, RateBasis]:
    """Which returns the order export covers, the orders in the window, and the basis.

    `w` needs a ``platform`` column ("" when unknown). Returns with an
    unknown platform count as covered; when the orders' platform is unknown
    and the returns span several platforms, none is covered: dividing them
    all by one file's orders is the mix-up this guards against.
    """
    platform = _orders_platform(orders, orders_platform)
    plats = _as_text(w["platform"]) if "platform" in w.columns else pd.Series("", index=w.index)
    known = sorted(set(plats[plats != ""]))
    if platform is not None:
        covered = ((plats == platform) | (plats == "")).to_numpy(bool)
    else:
        covered = np.full(len(w), len(known) <= 1, dtype=bool)
    without = tuple(p for p in known if p != platform) if (platform is not None or len(known) > 1) else ()
    cut = _orders_in_window(orders, window)
    names = orders["source_file"].dropna().astype(str).unique() if "source_file" in orders.columns else []
    basis = RateBasis(
        orders_file=", ".join(names), orders_platform=platform, platforms_without_orders=without,
        date_from=window[0] if window else None, date_to=window[1] if window else None,
        order_rows=int(len(cut)), returns_matched=int(covered.sum()), returns_unmatched=int((~covered).sum()),
    )
    return covered, cut, basis


def _return_rates(w: pd.DataFrame, orders: pd.DataFrame, titles: pd.Series, *, orders_platform: str | None = None,
                  window: tuple[date, date] | None = None) -> tuple[pd.DataFrame, RateBasis]:
    if "sku" not in orders.columns:
        raise InputError(
            "the order export has no SKU column, so return rates cannot be computed",
            hint="map the order file's SKU column (for example --map sku=商家编码)",
            code="orders_no_sku_rates",
        )
    covered, cut, basis = match_orders(w, orders, orders_platform=orders_platform, window=window)
    w = w[covered & w["sku_known"].to_numpy(bool)]
    o = pd.DataFrame({"sku": _clean_ids(cut["sku"])})
    if "quantity" in cut.columns:
        q = pd.to_numeric(cut["quantity"], errors="coerce")
        o["quantity"] = q.where(q.notna(), 1.0).astype(float)
    else:
        o["quantity"] = 1.0
    sold = o.dropna(subset=["sku"]).groupby("sku")["quantity"].sum().rename("sold_units")
    if not covered.any():
        sold = sold.iloc[0:0]  # no return is covered: no SKU gets a rate
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
    cols = ["sku", "product_title", "sold_units", "returned_units", "returns", "return_rate", "spike", "priority"]
    return r[cols], basis
