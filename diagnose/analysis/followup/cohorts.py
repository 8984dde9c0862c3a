"""Trends that do not mislead: by application week, and by order week (cohort) when order dates exist.

Counting returns by the week they were filed mixes sales from earlier
weeks; counting them by the week the order was placed (a cohort) shows the
return rate of what was sold that week. A young cohort always looks good,
because most of its returns have not arrived yet: cohorts whose week ended
less than `maturity_days` before the data ends are marked ``mature=False``,
and the last application week is marked ``partial`` when the data stops
inside it.
"""
from __future__ import annotations

import pandas as pd

from diagnose.analysis.followup import timeline
from diagnose.analysis.followup.config import DEFAULTS, FollowupSettings

COLUMNS = ("basis", "week", "returns", "orders", "rate", "mature", "partial")


def _week(days: pd.Series) -> pd.Series:
    return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.normalize()


def cohort_trend(tagged: pd.DataFrame, orders: pd.DataFrame | None = None, *, as_of: object = None,
                 settings: FollowupSettings = DEFAULTS) -> pd.DataFrame:
    """Weekly returns by application week (basis "applied") and by order week (basis "ordered").

    The "ordered" rows exist only for returns whose order date is known;
    with an order export they count only the returns of its orders, and
    `orders` and `rate` (returns ÷ order lines placed that week) are filled,
    so returns from another platform are never divided by these orders.
    """
    end = timeline.data_as_of(tagged, as_of)
    if end is None or len(tagged) == 0:
        return pd.DataFrame(columns=list(COLUMNS))
    applied = timeline.applied_days(tagged).dropna()
    aw = _week(applied).value_counts().sort_index()
    frames = [pd.DataFrame({"basis": "applied", "week": aw.index, "returns": aw.to_numpy(),
                            "orders": pd.NA, "rate": pd.NA, "mature": True,
                            "partial": [(w + pd.Timedelta(days=6)) > end for w in aw.index]})]
    ordered = timeline.order_dates(tagged, orders)
    if orders is not None and len(orders) and timeline.in_orders(tagged, orders).any():
        # A rate needs the same orders on both sides: only returns of orders in the order export.
        ordered = ordered[timeline.in_orders(tagged, orders).to_numpy(bool)]
    ordered = ordered.dropna().dt.normalize()
    if len(ordered):
        ow = _week(ordered).value_counts().sort_index()
        n_orders = pd.Series(dtype=float)
        if orders is not None and len(orders) and "ordered_at" in orders.columns:
            n_orders = _week(timeline._parse(orders["ordered_at"]).dropna().dt.normalize()).value_counts()
            ow = ow.reindex(ow.index.union(n_orders.index), fill_value=0).sort_index()
            ow = ow[ow.index <= end]
        o = n_orders.reindex(ow.index) if len(n_orders) else pd.Series(pd.NA, index=ow.index)
        rate = [(r / n) if pd.notna(n) and n else pd.NA for r, n in zip(ow.to_numpy(), o.to_numpy())]
        mature = [(w + pd.Timedelta(days=6 + settings.maturity_days)) <= end for w in ow.index]
        frames.append(pd.DataFrame({"basis": "ordered", "week": ow.index, "returns": ow.to_numpy(),
                                    "orders": o.to_numpy(), "rate": rate, "mature": mature,
                                    "partial": [(w + pd.Timedelta(days=6)) > end for w in ow.index]}))
    out = pd.concat(frames, ignore_index=True)
    out["orders"] = pd.to_numeric(out["orders"], errors="coerce").astype("Int64")
    out["rate"] = pd.to_numeric(out["rate"], errors="coerce")
    return out[list(COLUMNS)]
