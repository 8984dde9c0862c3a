"""Did the fix work? The reason a fix targets, measured in equal windows before and after it.

For each recorded fix (SKU, date, kind → target reason) the returns of that
SKU are split at the fix date by the day they are counted on (order date
when known, `timeline.event_dates`). Both windows have the same length: the
requested window cut to what has been observed after the fix — and, when
returns are counted by order date, the last `maturity_days` before the data
ends are left out, because returns from those orders are still arriving —
and to what the data holds before the fix.

With an order export the measure is the target reason's returns per order
line of the SKU, over the returns whose order is in that export (returns
from another platform or shop have no orders there); without, its share of
the SKU's returns. Fisher's exact
test (two-sided) compares the two windows; the verdict is "improved" or
"regressed" only when it is significant at `alpha`, and "too early" when the
after side is shorter than `min_days_after` or has too few orders (or
returns, without orders). Every minimum is a setting and is reported.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy.stats import fisher_exact

from diagnose.analysis.followup import timeline
from diagnose.analysis.followup.config import DEFAULTS, FollowupSettings
from diagnose.errors import InputError

COLUMNS: tuple[str, ...] = (
    "sku", "fix_date", "kind", "target_reason", "before_returns", "before_orders", "after_returns",
    "after_orders", "p_value", "verdict",
)
EXTRA_COLUMNS: tuple[str, ...] = (
    "window_days", "before_total", "after_total", "before_rate", "after_rate", "measure", "counted_by",
    "amount_after", "why", "why_code", "note",
)
VERDICTS = ("improved", "unchanged", "regressed", "too early")


@dataclass(frozen=True)
class _Side:
    target: int
    total: int
    orders: int | None
    amount: float


def _side(rows: pd.DataFrame, days: pd.Series, start, end, target: str, order_days: pd.Series | None) -> _Side:
    inside = ((days >= start) & (days < end)).fillna(False).to_numpy(bool)
    part = rows[inside]
    hit = (part["reason"].astype("string") == target).fillna(False).to_numpy(bool)
    n_orders = None
    if order_days is not None:
        n_orders = int(((order_days >= start) & (order_days < end)).sum())
    return _Side(int(hit.sum()), int(len(part)), n_orders, float(timeline.money(part[hit]).sum()))


def _window(fix_day: pd.Timestamp, span: tuple, by_order: bool, s: FollowupSettings, window: int) -> int:
    """Days each side covers: the window cut to what is observed (and mature) after the fix, and before it."""
    first, as_of = span
    if as_of is None:
        return 0
    last = as_of - pd.Timedelta(days=s.maturity_days) if by_order else as_of
    observed = (last - fix_day).days + 1
    before = (fix_day - first).days if first is not None else window
    return max(0, min(window, observed, before))


def _verdict(before: _Side, after: _Side, length: int, s: FollowupSettings) -> tuple[float | None, str, str]:
    """(p value, verdict, why) for one fix; `why` starts with a code word (days, orders, returns, baseline, test)."""
    use_orders = before.orders is not None and after.orders is not None  # the SKU is in the order export
    if length < s.min_days_after:
        return None, "too early", f"days:{length} days observed after the fix (minimum {s.min_days_after})"
    if use_orders and after.orders < s.min_orders_after:
        return None, "too early", f"orders:{after.orders} orders after the fix (minimum {s.min_orders_after})"
    if not use_orders and after.total < s.min_returns_after:
        return None, "too early", f"returns:{after.total} returns after the fix (minimum {s.min_returns_after})"
    base_b = before.orders if use_orders else before.total
    base_a = after.orders if use_orders else after.total
    if base_b <= 0:
        return None, "too early", "baseline:nothing to compare before the fix"
    table = [[before.target, max(0, base_b - before.target)], [after.target, max(0, base_a - after.target)]]
    p = float(fisher_exact(table, alternative="two-sided")[1])
    rate_b, rate_a = before.target / base_b, after.target / base_a
    if p < s.alpha and rate_a < rate_b:
        return p, "improved", f"test:p = {p:.4f} < {s.alpha}"
    if p < s.alpha and rate_a > rate_b:
        return p, "regressed", f"test:p = {p:.4f} < {s.alpha}"
    return p, "unchanged", f"test:p = {p:.4f} ≥ {s.alpha}"


def _sku_orders(orders: pd.DataFrame | None, key: str) -> pd.Series | None:
    if orders is None or len(orders) == 0 or "ordered_at" not in orders.columns:
        return None
    hit = timeline.rows_for(orders, key)
    if not hit.any():
        return None
    return timeline._parse(orders.loc[hit, "ordered_at"]).dt.normalize()


def check_one(tagged: pd.DataFrame, fix: dict, orders: pd.DataFrame | None = None, *, window: int | None = None,
              as_of: object = None, settings: FollowupSettings = DEFAULTS, days=None) -> dict:
    """One fix's before/after numbers, p value and verdict (a row of `check_fixes`)."""
    s = settings
    window = int(window or s.window_days)
    key = str(fix["sku"]).strip()
    fix_day = pd.Timestamp(fix["fix_date"]).normalize()
    target = str(fix["target_reason"])
    if days is None:
        days = (*timeline.event_dates(tagged, orders), timeline.in_orders(tagged, orders))
    day, basis, matched = days
    mask = timeline.rows_for(tagged, key).to_numpy(bool)
    order_days = _sku_orders(orders, key)
    if order_days is not None and bool((matched.to_numpy(bool) & mask).any()):
        mask = mask & matched.to_numpy(bool)  # a rate per order: only returns of the orders counted
    else:
        order_days = None
    rows, row_days = tagged[mask], day[mask]
    by_order = bool(len(rows)) and bool((basis[mask] == "order").mean() >= 0.5)
    first = day.min() if day.notna().any() else None
    length = _window(fix_day, (first, timeline.data_as_of(tagged, as_of)), by_order, s, window)
    start, end = fix_day - pd.Timedelta(days=length), fix_day + pd.Timedelta(days=length)
    before = _side(rows, row_days, start, fix_day, target, order_days)
    after = _side(rows, row_days, fix_day, end, target, order_days)
    p, verdict, coded = _verdict(before, after, length, s)
    why_code, why = coded.split(":", 1)
    use_orders = before.orders is not None
    base = (lambda side: side.orders) if use_orders else (lambda side: side.total)
    rate = lambda side: (side.target / base(side)) if base(side) else None  # noqa: E731
    return {
        "sku": key, "fix_date": fix_day.date().isoformat(), "kind": fix.get("kind", ""), "target_reason": target,
        "before_returns": before.target, "before_orders": before.orders, "after_returns": after.target,
        "after_orders": after.orders, "p_value": p, "verdict": verdict,
        "window_days": length, "before_total": before.total, "after_total": after.total,
        "before_rate": rate(before), "after_rate": rate(after),
        "measure": "per order" if use_orders else "share of returns",
        "counted_by": "order date" if by_order else "application date",
        "amount_after": after.amount, "why": why, "why_code": why_code, "note": fix.get("note", "") or "",
    }


def check_fixes(tagged: pd.DataFrame, fixes: pd.DataFrame, orders: pd.DataFrame | None = None, *,
                window: int | None = None, as_of: object = None,
                settings: FollowupSettings = DEFAULTS) -> pd.DataFrame:
    """One row per fix: `COLUMNS` then `EXTRA_COLUMNS` (window used, totals, rates, basis, why)."""
    if fixes is None or len(fixes) == 0:
        return pd.DataFrame(columns=list(COLUMNS + EXTRA_COLUMNS))
    missing = [c for c in ("sku", "fix_date", "target_reason") if c not in fixes.columns]
    if missing:
        raise InputError("the fix list lacks the columns " + ", ".join(missing),
                         hint="record fixes with `python -m diagnose fix add`", code="fixes_columns",
                         params={"missing": ", ".join(missing)})
    if window is not None and int(window) < 1:
        raise InputError(f"--window must be at least 1 day (got {window})", code="bad_window")
    days = (*timeline.event_dates(tagged, orders), timeline.in_orders(tagged, orders))
    rows = [check_one(tagged, fix, orders, window=window, as_of=as_of, settings=settings, days=days)
            for fix in fixes.to_dict("records")]
    out = pd.DataFrame(rows, columns=list(COLUMNS + EXTRA_COLUMNS))
    for c in ("before_orders", "after_orders"):
        out[c] = out[c].astype("Int64")
    return out


def read_fixes_csv(path: str) -> pd.DataFrame:
    """A fix list from a CSV (columns sku, fix_date, kind, optional reason / target_reason, note)."""
    from diagnose.store import fix_target

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read the fix list ({exc})", file=str(path), code="fixes_unreadable") from exc
    need = [c for c in ("sku", "fix_date", "kind") if c not in frame.columns]
    if need:
        raise InputError("the fix list lacks the columns " + ", ".join(need), file=str(path),
                         hint="header: sku,fix_date,kind,note (reason optional)", code="fixes_columns",
                         params={"missing": ", ".join(need)})
    targets = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        try:
            pd.Timestamp(rec["fix_date"])
            targets.append(fix_target(rec["kind"], rec.get("reason") or rec.get("target_reason"))[1])
        except (InputError, ValueError) as exc:
            raise InputError(f"row {i}: {exc}", file=str(path), code="fixes_row",
                             params={"row": i, "detail": str(exc)}) from exc
    return frame.assign(target_reason=targets)
