"""Sidebar filters (date range, platform, shop, SKU, reason, return type).

They are drawn once per run by app.py, so every page sees the same
selection; widget keys carry a prefix of the dataset key, so loading new
files starts from fresh filters instead of stale choices.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import streamlit as st

from diagnose.analysis.report import aggregate as report_names
from diagnose.taxonomy import LABELS, RETURN_TYPES, label_name
from ui.i18n import t

PLATFORM_NAMES = report_names.PLATFORM_NAMES
RETURN_TYPE_EN = {"refund_only": "Refund only", "return_refund": "Return and refund", "exchange": "Exchange"}
FILTER_KEYS = ("dates", "platform", "shop", "sku", "reason", "return_type")


def platform_name(key: str, lang: str) -> str:
    pair = PLATFORM_NAMES.get(str(key))
    return (pair[0] if lang == "zh" else pair[1]) if pair else str(key)


def return_type_name(key: str, lang: str) -> str:
    return RETURN_TYPES.get(key, key) if lang == "zh" else RETURN_TYPE_EN.get(key, key)


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    dates_narrowed: bool = False
    platforms: tuple[str, ...] = ()
    shops: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    return_types: tuple[str, ...] = ()

    def key(self) -> tuple:
        return (self.date_from, self.date_to, self.dates_narrowed, self.platforms, self.shops, self.skus,
                self.reasons, self.return_types)


def _options(table: pd.DataFrame, column: str) -> list[str]:
    if column not in table.columns:
        return []
    values = table[column].dropna().astype(str)
    values = values[values.str.strip() != ""]
    return sorted(values.unique().tolist())


def _product_options(table: pd.DataFrame) -> list[str]:
    """Products as the report names them: SKU, else product id, else title (issue 13 item 9)."""
    from diagnose.analysis.report import product_keys

    keys = product_keys(table)[0].dropna().astype(str)
    return sorted(keys.unique().tolist())


def _date_bounds(table: pd.DataFrame) -> tuple[date, date] | None:
    if "applied_at" not in table.columns:
        return None
    col = _naive(table["applied_at"])
    if col.notna().sum() == 0:
        return None
    return col.min().date(), col.max().date()


def _naive(col: pd.Series) -> pd.Series:
    col = pd.to_datetime(col, errors="coerce")
    if getattr(col.dt, "tz", None) is not None:
        col = col.dt.tz_localize(None)
    return col


def widget_key(name: str, dataset_key: str) -> str:
    return f"filter_{name}_{dataset_key[:10]}"


def clear_filters(dataset_key: str) -> None:
    for name in FILTER_KEYS:
        st.session_state.pop(widget_key(name, dataset_key), None)


def _choices(table: pd.DataFrame, dataset_key: str) -> dict:
    """The date bounds and every filter's options of a dataset, worked out once per session.

    They depend on the whole table only, which a dataset key fixes, while
    every filter change reruns the script: scanning a 100k-row table for
    them each time was a sixth of a filter change's rerun.
    """
    memo = st.session_state.setdefault("_filter_choices", {})
    if dataset_key not in memo:
        memo.clear()  # one dataset at a time: a new upload drops the last one's
        memo[dataset_key] = {"dates": _date_bounds(table), "sku": _product_options(table),
                             **{col: _options(table, col) for col in ("platform", "shop", "return_type")}}
    return memo[dataset_key]


def render(table: pd.DataFrame, dataset_key: str, lang: str) -> Filters:
    """Draw the filter widgets in the sidebar and return the selection."""
    sb = st.sidebar
    sb.subheader(t("filters"))
    f = Filters()
    choices = _choices(table, dataset_key)
    bounds = choices["dates"]
    if bounds is not None:
        lo, hi = bounds
        value = sb.date_input(t("f_dates"), value=(lo, hi), min_value=lo, max_value=hi,
                              key=widget_key("dates", dataset_key))
        if isinstance(value, (tuple, list)) and len(value) == 2:
            d0, d1 = value
        elif isinstance(value, (tuple, list)) and len(value) == 1:  # picking the second date
            d0, d1 = value[0], hi
        elif isinstance(value, date):
            d0, d1 = value, value
        else:
            d0, d1 = lo, hi
        f = replace(f, date_from=d0, date_to=d1, dates_narrowed=(d0, d1) != (lo, hi))

    def multi(name: str, column: str, label: str, fmt=str, options=None):
        opts = options if options is not None else choices[column]
        if len(opts) <= 1 and name not in ("reason", "sku"):
            return ()
        chosen = sb.multiselect(label, opts, format_func=fmt, placeholder=t("f_all"),
                                key=widget_key(name, dataset_key))
        return tuple(chosen)

    f = replace(
        f,
        platforms=multi("platform", "platform", t("f_platform"), lambda k: platform_name(k, lang)),
        shops=multi("shop", "shop", t("f_shop")),
        skus=multi("sku", "sku", t("f_sku"), options=choices["sku"]),
        reasons=multi("reason", "reason", t("f_reason"), lambda k: label_name(k, lang), options=list(LABELS)),
        return_types=multi("return_type", "return_type", t("f_return_type"), lambda k: return_type_name(k, lang)),
    )
    sb.button(t("f_reset"), on_click=clear_filters, args=(dataset_key,), key=f"filter_reset_{dataset_key[:10]}")
    return f


def mask(table: pd.DataFrame, f: Filters, *, dates: tuple[date, date] | None = None) -> np.ndarray:
    """Boolean row mask for a selection (`dates` overrides the selection's dates)."""
    m = np.ones(len(table), dtype=bool)
    d0, d1 = dates if dates is not None else (f.date_from, f.date_to)
    if (dates is not None or f.dates_narrowed) and d0 is not None and "applied_at" in table.columns:
        col = _naive(table["applied_at"])
        m &= ((col >= pd.Timestamp(d0)) & (col < pd.Timestamp(d1) + pd.Timedelta(days=1))).fillna(False).to_numpy(bool)
    if f.skus:
        from diagnose.analysis.report import product_keys

        m &= product_keys(table)[0].astype("string").isin(f.skus).fillna(False).to_numpy(bool)
    for column, chosen in (("platform", f.platforms), ("shop", f.shops),
                           ("reason", f.reasons), ("return_type", f.return_types)):
        if chosen and column in table.columns:
            m &= table[column].astype("string").isin(chosen).fillna(False).to_numpy(bool)
    return m


def apply(table: pd.DataFrame, f: Filters) -> pd.DataFrame:
    m = mask(table, f)
    return table if m.all() else table[m]


def previous_period(c):
    """(rows, start, end, key) of the equally long period before the selected dates, or None."""
    f = c.filters
    if f is None or f.date_from is None or c.table is None:
        return None
    span = (f.date_to - f.date_from).days + 1
    start = f.date_from - timedelta(days=span)
    end = f.date_from - timedelta(days=1)
    m = mask(c.table, f, dates=(start, end))
    if not m.any():
        return None
    return c.table[m], start, end, replace(f, date_from=start, date_to=end, dates_narrowed=True).key()
