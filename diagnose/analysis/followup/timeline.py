"""Dates a return is counted on: its order date when known, else its application date.

Why order date: a return filed after a fix often comes from an order placed
before it (the buyer got the old size chart). Counting it on the "after"
side would credit or blame the fix for something it could not change. The
order date comes from the order export (matched on order id) or from an
order-time column the return export carries through under its own header.
"""
from __future__ import annotations

import pandas as pd

# Order-time headers some return exports carry (kept under their original header by ingest).
ORDER_TIME_HEADERS: tuple[str, ...] = (
    "订单付款时间", "订单提交时间", "支付完成时间", "下单时间", "付款时间", "订单创建时间", "支付时间",
    "purchase-date", "purchase date", "order-date", "order date", "ordered_at",
)


def _parse(values: pd.Series) -> pd.Series:
    """Timestamps from a carried column (text such as "2024-03-05 10:00:00" or "-"); unreadable → NaT."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    text = values.astype("string").str.strip().replace({"-": pd.NA, "": pd.NA})
    return pd.to_datetime(text, errors="coerce", format="mixed").astype("datetime64[ns]")


def _from_orders(tagged: pd.DataFrame, orders: pd.DataFrame | None) -> pd.Series:
    """Order times found by matching each return's order id in the order export (NaT where not found)."""
    out = pd.Series(pd.NaT, index=tagged.index, dtype="datetime64[ns]")
    if orders is None or not len(orders) or "ordered_at" not in orders.columns or "order_id" not in tagged.columns:
        return out
    when = _parse(orders["ordered_at"])
    ids = tagged["order_id"].astype("string")
    for key in ("order_id", "sub_order_id"):
        if key in orders.columns:
            first = when.groupby(orders[key].astype("string")).min()
            out = out.fillna(ids.map(first).astype("datetime64[ns]"))
    return out


def order_dates(tagged: pd.DataFrame, orders: pd.DataFrame | None = None) -> pd.Series:
    """Each return's order time (NaT where unknown), aligned with `tagged`."""
    out = _from_orders(tagged, orders)
    for header in ORDER_TIME_HEADERS:
        if header in tagged.columns and out.isna().any():
            out = out.fillna(_parse(tagged[header]))
    return out


def in_orders(tagged: pd.DataFrame, orders: pd.DataFrame | None) -> pd.Series:
    """Whether each return's order is in the order export.

    Why it matters: a rate per order is only honest over returns of the
    orders that were counted — returns from another platform or shop have no
    orders in the file, and dividing them by its orders inflates the rate.
    """
    return _from_orders(tagged, orders).notna()


def event_dates(tagged: pd.DataFrame, orders: pd.DataFrame | None = None) -> tuple[pd.Series, pd.Series]:
    """(day each return is counted on, basis "order" or "applied") for every row."""
    ordered = order_dates(tagged, orders)
    applied = _parse(tagged["applied_at"]) if "applied_at" in tagged.columns else \
        pd.Series(pd.NaT, index=tagged.index, dtype="datetime64[ns]")
    basis = pd.Series("applied", index=tagged.index, dtype="string").where(ordered.isna(), "order")
    day = ordered.fillna(applied).dt.normalize()
    return day, basis.where(day.notna(), pd.NA)


def applied_days(tagged: pd.DataFrame) -> pd.Series:
    """Each return's application day (NaT where unknown)."""
    if "applied_at" not in tagged.columns:
        return pd.Series(pd.NaT, index=tagged.index, dtype="datetime64[ns]")
    return _parse(tagged["applied_at"]).dt.normalize()


def data_as_of(tagged: pd.DataFrame, as_of: object = None) -> pd.Timestamp | None:
    """The day the data runs to: `as_of` when given, else the latest application day."""
    if as_of is not None and str(as_of).strip():
        return pd.Timestamp(as_of).normalize()
    days = applied_days(tagged).dropna()
    return days.max() if len(days) else None


def rows_for(frame: pd.DataFrame, key: str) -> pd.Series:
    """Rows of one SKU: matched on `sku`, else on `product_id` (a fix may name either)."""
    for column in ("sku", "product_id"):
        if column in frame.columns:
            hit = (frame[column].astype("string") == str(key)).fillna(False)
            if hit.any():
                return hit.astype(bool)
    return pd.Series(False, index=frame.index)


def money(frame: pd.DataFrame) -> pd.Series:
    """Refund amounts as floats (0 where missing)."""
    if "amount" not in frame.columns:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame["amount"], errors="coerce").fillna(0.0)
