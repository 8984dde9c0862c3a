"""Batch and supplier defects: weeks where a SKU's quality returns jump above its own baseline.

For each SKU, quality returns are counted per application week and compared
with the SKU's trailing `baseline_weeks` (weeks already flagged are left out
of later baselines, so a two-week spike does not hide its second week).
With an order export the baseline is quality returns per order line, and
the week's expectation is that rate times the week's orders; without, it is
the trailing weekly mean. A week is flagged only when the count is at least
`min_spike_returns`, at least `spike_ratio` × expected, and a one-sided
test puts it below `spike_alpha` — a bare ratio on small counts is noise.
The test is the exact conditional (binomial) test for two Poisson counts,
so a baseline of one or two returns does not make every small week look
like a spike; many SKU-weeks are tested, so the level is strict (0.001). Consecutive flagged weeks form one spike, reported with the defect
sub-reason driving it, the first day it appeared, its money, and the most
common supplier / batch / warehouse among its rows when those are known
(an export column, or a SKU → supplier mapping file). A supplier is flagged
when `supplier_min_skus` of its SKUs spike in the same or adjacent weeks.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from diagnose.analysis.followup import timeline
from diagnose.analysis.followup.config import DEFAULTS, FollowupSettings
from diagnose.errors import InputError

SUPPLIER_HEADERS = ("供应商", "供货商", "生产厂家", "厂家", "supplier", "vendor")
BATCH_HEADERS = ("生产批次", "批次号", "批次", "batch", "lot", "lot number")
WAREHOUSE_HEADERS = ("发货仓", "发货仓库", "仓库", "warehouse", "fulfilment-centre-id", "fulfillment-center-id")
SPIKE_COLUMNS = ("sku", "product_title", "start_week", "end_week", "weeks", "quality_returns", "expected", "ratio",
                 "p_value", "top_sub_reason", "top_sub_share", "first_day", "amount", "supplier", "batch",
                 "warehouse")
SUPPLIER_COLUMNS = ("supplier", "skus", "n_skus", "start_week", "end_week", "quality_returns", "amount")


def _column(frame: pd.DataFrame, headers: tuple[str, ...]) -> str | None:
    lowered = {str(c).strip().lower(): c for c in frame.columns}
    for h in headers:
        if h.lower() in lowered:
            return lowered[h.lower()]
    return None


def read_supplier_map(path: str) -> pd.DataFrame:
    """A SKU → supplier mapping CSV (headers sku/商家编码 and supplier/供应商)."""
    try:
        raw = open(path, "rb").read()
    except OSError as exc:
        raise InputError(f"cannot read the supplier mapping ({exc.strerror or exc})", file=str(path),
                         code="suppliers_unreadable") from exc
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError("the supplier mapping is not UTF-8 or GB18030 text", file=str(path),
                         code="suppliers_encoding")
    import io

    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    sku = _column(frame, ("sku", "商家编码", "商品编码"))
    supplier = _column(frame, SUPPLIER_HEADERS)
    if sku is None or supplier is None:
        raise InputError("the supplier mapping needs a sku column and a supplier column", file=str(path),
                         hint="header: sku,supplier (or 商家编码,供应商)", code="suppliers_columns")
    out = pd.DataFrame({"sku": frame[sku].str.strip(), "supplier": frame[supplier].str.strip()})
    return out[(out["sku"] != "") & (out["supplier"] != "")].drop_duplicates("sku", keep="last")


def _week(days: pd.Series) -> pd.Series:
    return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.normalize()


def _test(c: int, seen: float, share: float) -> float:
    """One-sided p value that `c` (this week) is high given `seen` in the baseline.

    The conditional test for two Poisson counts: under "no change", this
    week's share of (this week + baseline) is binomial with the week's
    share of the exposure. Unlike a Poisson test against the baseline mean,
    it allows for the baseline itself being a small, noisy count.
    """
    return float(binomtest(int(c), int(c + seen), share, alternative="greater").pvalue)


def _flag_weeks(counts: pd.Series, orders: pd.Series | None, s: FollowupSettings) -> list[tuple]:
    """(week, count, expected, p) for each flagged week of one SKU (weekly series, oldest first).

    Plain arrays and positions, not a pandas lookup per week: a dashboard upload has hundreds of SKUs.
    """
    weeks = counts.index
    c_arr = counts.to_numpy()
    o_arr = None if orders is None else orders.reindex(weeks).fillna(0).to_numpy(float)
    flagged: list[tuple] = []
    clean: list[int] = []
    for i, week in enumerate(weeks):
        history = clean[-s.baseline_weeks:]
        c = int(c_arr[i])
        if len(history) >= s.min_baseline_weeks and c >= s.min_spike_returns:
            seen = float(c_arr[history].sum())
            if o_arr is not None:
                exposure, base = float(o_arr[i]), float(o_arr[history].sum())
            else:
                exposure, base = 1.0, float(len(history))
            if exposure > 0 and base > 0:
                expected = max(seen, s.baseline_floor) * exposure / base
                p = _test(c, seen, exposure / (exposure + base))
                if c >= s.spike_ratio * expected and p < s.spike_alpha:
                    flagged.append((week, c, expected, p))
                    continue
        clean.append(i)
    return flagged


def _runs(flagged: list[tuple]) -> list[list[tuple]]:
    runs: list[list[tuple]] = []
    for item in flagged:
        if runs and (item[0] - runs[-1][-1][0]).days <= 7:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _top(values: pd.Series) -> str:
    v = values.astype("string").str.strip().replace({"-": pd.NA, "": pd.NA}).dropna()
    return str(v.mode().iloc[0]) if len(v) else ""


def _describe(sku: str, run: list[tuple], rows: pd.DataFrame, weeks: pd.Series, cols: dict) -> dict:
    start, end = run[0][0], run[-1][0]
    inside = rows[((weeks >= start) & (weeks <= end)).to_numpy(bool)]
    c, e = sum(r[1] for r in run), sum(r[2] for r in run)
    subs = inside["sub_reason"].astype("string").fillna("unspecified") if "sub_reason" in inside else \
        pd.Series(["unspecified"] * len(inside))
    known = subs[subs != "unspecified"]
    top_sub = known.mode().iloc[0] if len(known) else "unspecified"
    days = timeline.applied_days(inside)
    first = days[(subs == top_sub).to_numpy(bool)].min() if len(inside) else pd.NaT
    title = inside["product_title"] if "product_title" in inside.columns else pd.Series(dtype="string")
    return {
        "sku": sku, "product_title": _top(title), "start_week": start.date().isoformat(),
        "end_week": end.date().isoformat(), "weeks": len(run), "quality_returns": int(c), "expected": round(e, 2),
        "ratio": round(c / e, 2) if e else None, "p_value": min(r[3] for r in run),
        "top_sub_reason": str(top_sub), "top_sub_share": float((subs == top_sub).mean()) if len(subs) else 0.0,
        "first_day": first.date().isoformat() if pd.notna(first) else "",
        "amount": float(timeline.money(inside).sum()),
        **{k: (_top(inside[col]) if col is not None else "") for k, col in cols.items()},
    }


def _with_supplier(tagged: pd.DataFrame, suppliers: pd.DataFrame | None) -> tuple[pd.DataFrame, dict]:
    cols = {"supplier": _column(tagged, SUPPLIER_HEADERS), "batch": _column(tagged, BATCH_HEADERS),
            "warehouse": _column(tagged, WAREHOUSE_HEADERS)}
    if suppliers is not None and len(suppliers):
        mapped = tagged["sku"].astype("string").map(suppliers.set_index("sku")["supplier"])
        base = tagged[cols["supplier"]] if cols["supplier"] else pd.Series(pd.NA, index=tagged.index)
        tagged = tagged.assign(_supplier=mapped.fillna(base))
        cols["supplier"] = "_supplier"
    return tagged, cols


def _series(weeks: pd.Series, span: pd.DatetimeIndex) -> pd.Series:
    return weeks.value_counts().reindex(span, fill_value=0).sort_index()


def _span(weeks: pd.Series) -> pd.DatetimeIndex:
    weeks = weeks.dropna()
    return pd.date_range(weeks.min(), weeks.max(), freq="7D") if len(weeks) else pd.DatetimeIndex([])


def _narrow(tagged: pd.DataFrame, cols: dict) -> pd.DataFrame:
    """Only the columns the spike search reads: a per-SKU row selection then copies a few columns, not
    every column of a wide export (taking 50 Arrow string columns per SKU cost seconds per 100k rows)."""
    keep = ["sku", "reason", "sub_reason", "product_title", "applied_at", "amount", "order_id",
            *timeline.ORDER_TIME_HEADERS, *(c for c in cols.values() if c is not None)]
    return tagged[[c for c in dict.fromkeys(keep) if c in tagged.columns]]


def quality_spikes(tagged: pd.DataFrame, orders: pd.DataFrame | None = None, suppliers: pd.DataFrame | None = None,
                   settings: FollowupSettings = DEFAULTS) -> pd.DataFrame:
    """Every quality spike per SKU (`SPIKE_COLUMNS`), largest money first.

    With an order export, a SKU's returns whose order is in it are counted by
    order week and set against that week's order lines (a bad batch shows in
    the orders it shipped to); otherwise by application week against the
    SKU's own weekly counts. (benchmarks/naive_followup.py holds the plain
    one-mask-per-SKU loop this is tested equal to.)
    """
    if len(tagged) == 0 or "sku" not in tagged.columns:
        return pd.DataFrame(columns=list(SPIKE_COLUMNS))
    tagged, cols = _with_supplier(tagged, suppliers)
    tagged = _narrow(tagged, cols)
    applied = _week(timeline.applied_days(tagged))
    ordered = _week(timeline.order_dates(tagged, orders).dt.normalize())
    matched = timeline.in_orders(tagged, orders).to_numpy(bool)
    is_quality = (tagged["reason"].astype("string") == "quality").fillna(False).to_numpy(bool)
    order_weeks, ordered_skus = None, set()
    if orders is not None and len(orders) and "ordered_at" in orders.columns and "sku" in orders.columns:
        ow = _week(timeline._parse(orders["ordered_at"]).dt.normalize())
        order_weeks = ow.groupby([orders["sku"].astype("string"), ow]).size()
        ordered_skus = set(order_weeks.index.get_level_values(0))
    span_applied, span_ordered = _span(applied), _span(ordered[matched])
    quality = np.flatnonzero(is_quality)
    rows_q, applied_q, ordered_q = tagged.iloc[quality], applied.iloc[quality], ordered.iloc[quality]
    matched_q, dated_q = matched[quality], applied_q.notna().to_numpy(bool)
    sku_q = rows_q["sku"].astype("string")
    by_sku = sku_q.groupby(sku_q.to_numpy(), sort=False).indices
    out = []
    for sku in sorted(by_sku):
        pos = by_sku[sku]  # ascending positions in the quality rows: the rows' order as in the table
        if sku in ordered_skus and matched_q[pos].any():
            sel = pos[matched_q[pos]]
            weeks, span = ordered_q.iloc[sel], span_ordered
            per_order = order_weeks.loc[sku].reindex(span, fill_value=0).astype(float)
        else:
            sel = pos[dated_q[pos]]
            weeks, span, per_order = applied_q.iloc[sel], span_applied, None
        rows = rows_q.iloc[sel]
        for run in _runs(_flag_weeks(_series(weeks, span), per_order, settings)):
            out.append(_describe(sku, run, rows, weeks, cols))
    frame = pd.DataFrame(out, columns=list(SPIKE_COLUMNS))
    return frame.sort_values(["amount", "sku"], ascending=[False, True]).reset_index(drop=True)


def supplier_flags(spikes: pd.DataFrame, settings: FollowupSettings = DEFAULTS) -> pd.DataFrame:
    """Suppliers with `supplier_min_skus` or more SKUs spiking in the same or adjacent weeks."""
    if spikes is None or len(spikes) == 0:
        return pd.DataFrame(columns=list(SUPPLIER_COLUMNS))
    out = []
    known = spikes[spikes["supplier"].astype("string").fillna("").str.strip() != ""]
    for supplier, group in known.groupby("supplier", sort=True):
        starts = pd.to_datetime(group["start_week"])
        ends = pd.to_datetime(group["end_week"])
        best: pd.DataFrame | None = None
        for anchor in sorted(starts.unique()):
            near = group[((starts <= anchor + pd.Timedelta(days=7)) &
                          (ends >= anchor - pd.Timedelta(days=7))).to_numpy(bool)]
            if best is None or near["sku"].nunique() > best["sku"].nunique():
                best = near
        if best is not None and best["sku"].nunique() >= settings.supplier_min_skus:
            out.append({"supplier": supplier, "skus": ", ".join(sorted(best["sku"].unique())),
                        "n_skus": int(best["sku"].nunique()), "start_week": min(best["start_week"]),
                        "end_week": max(best["end_week"]), "quality_returns": int(best["quality_returns"].sum()),
                        "amount": float(best["amount"].sum())})
    return pd.DataFrame(out, columns=list(SUPPLIER_COLUMNS)).sort_values("amount", ascending=False,
                                                                          ignore_index=True)
