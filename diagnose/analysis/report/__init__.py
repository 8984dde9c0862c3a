"""From a tagged table to causes and fixes a merchant can act on.

`build_report` turns the tagged table (see docs/ARCHITECTURE.md) into a
`Report`: headline totals, breakdowns by reason, sub-reason, SKU and week,
the SKUs that cost the most, return rates when an order export is given,
ranked suggested fixes, and the phrases that set each SKU's buyers apart.
Products are told apart by SKU, else product id, else title
(`totals['product_key']` says which). `write_report` writes it as an XLSX workbook (one sheet per table) or as a
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
  when the export has no quantity). Returns and orders are matched by
  platform (the order export belongs to one platform: its ``platform``
  column, the `orders_platform` argument, or its file name) and by the date
  window the returns were cut to (`date_window` cuts the orders by
  ``ordered_at``); returns of a platform without orders get no rate, and
  `Report.rate_basis` says which file, platform and days were used. SKUs
  with returns but no orders get NA.
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

from __future__ import annotations

from datetime import date

import pandas as pd

from diagnose.analysis.report.aggregate import (
    NO_SKU, PLATFORM_NAMES, PRODUCT_KEYS, SPIKE_FACTOR, UNSPECIFIED, RateBasis, Report, _by_reason, _by_sku,
    _by_sub_reason, _by_week, _return_rates, _titles, _top_skus, _totals, _working, by_day, match_orders,
    platform_from_name, platform_name, product_keys,
)
from diagnose.analysis.report.fixes import _fixes
from diagnose.analysis.report.phrases import _phrases
from diagnose.analysis.report.render import rate_basis_text, report_to_markdown, to_xlsx_bytes, write_report
from diagnose.errors import InputError

__all__ = [
    "NO_SKU", "PLATFORM_NAMES", "PRODUCT_KEYS", "SPIKE_FACTOR", "UNSPECIFIED", "RateBasis", "Report",
    "build_report", "by_day", "headline_totals", "match_orders", "matched_rows", "platform_from_name",
    "platform_name", "product_keys", "rate_basis_text", "report_to_markdown", "to_xlsx_bytes", "write_report",
]


def build_report(
    tagged: pd.DataFrame,
    orders: pd.DataFrame | None = None,
    *,
    duplicates_merged: int = 0,
    min_returns: int = 5,
    lang: str = "zh",
    fixes: bool = True,
    phrases: bool = True,
    orders_platform: str | None = None,
    date_window: tuple[date, date] | None = None,
) -> Report:
    """Aggregate a tagged table (and optionally an order export) into a Report.

    `fixes=False` / `phrases=False` skip the two costly tables (phrases are
    most of a report's time) for views, such as the dashboard overview, that
    do not show them; the skipped tables come back empty. `orders_platform`
    names the platform the order export belongs to and `date_window` the
    days the returns were cut to (see "return rate" above).
    """
    if lang not in ("zh", "en"):
        raise InputError(f"unknown report language '{lang}'", hint="use zh or en",
                         code="unknown_language", params={"lang": str(lang)})
    w = _working(tagged, lang)
    totals = _totals(w, duplicates_merged)
    totals["min_returns"] = int(min_returns)
    by_reason = _by_reason(w)
    order = list(by_reason["reason"])
    titles = _titles(w)
    by_sku = _by_sku(w, titles)
    rates = basis = None
    if orders is not None:
        rates, basis = _return_rates(w, orders, titles, orders_platform=orders_platform, window=date_window)
        if not basis.platforms_without_orders:  # a SKU's row mixes platforms otherwise
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
        rate_basis=basis,
    )


def headline_totals(tagged: pd.DataFrame, lang: str = "zh", duplicates_merged: int = 0) -> dict:
    """Only the report's headline numbers: cheap enough to compute per filter change."""
    return _totals(_working(tagged, lang), duplicates_merged)



def matched_rows(tagged: pd.DataFrame, orders: pd.DataFrame, *, orders_platform: str | None = None,
                 date_window: tuple[date, date] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, RateBasis]:
    """The returns an order export covers, its orders in the window, and the basis.

    For any other rate over returns and orders (the quality return rate of
    the appeal list): the same platform and date matching as the report's
    return rates, so the two never divide different things.
    """
    plats = tagged["platform"] if "platform" in tagged.columns else pd.Series("", index=tagged.index)
    covered, cut, basis = match_orders(pd.DataFrame({"platform": plats.astype(object).where(plats.notna(), "")}),
                                       orders, orders_platform=orders_platform, window=date_window)
    return tagged[covered], cut, basis
