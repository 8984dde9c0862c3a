"""Altair charts for the dashboard, all fed with small aggregated tables.

No chart ever receives the raw return rows: the library aggregates
(`diagnose.analysis.report`), `ui.state` reshapes the report's tables into the tidy
frames below, and these functions only draw. Reason colours are fixed per
label so a reason looks the same in every chart.
"""
from __future__ import annotations

import functools

import altair as alt
import pandas as pd

from diagnose.taxonomy import LABELS, label_name
from ui.i18n import t

# One colour per label, in taxonomy.LABELS order.
PALETTE = ("#4C78A8", "#E45756", "#F58518", "#72B7B2", "#54A24B", "#B279A2", "#9D9D9D")
FONT = "'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"


def reason_scale(lang: str) -> alt.Scale:
    return alt.Scale(domain=[label_name(x, lang) for x in LABELS], range=list(PALETTE))


def _base(chart: alt.Chart, height: int = 300) -> alt.Chart:
    """Shared fonts and legend; `height` is the plot's own height.

    ``fit-x``: the chart fills the width, and axes, labels and legends come
    on top of `height` (Streamlit's default ``fit`` squeezed them into it, so
    20 sub-reason bars got 13 px each and their labels overlapped).
    """
    return _unvalidated(chart.properties(height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding")).configure_axis(labelFont=FONT, titleFont=FONT).configure_legend(
        labelFont=FONT, titleFont=FONT, orient="bottom", columns=4
    ).configure_text(font=FONT))


def _unvalidated(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart, turned into Vega-Lite without checking it against the schema.

    Streamlit calls ``to_dict()`` on every rerun, and Altair then validates
    the whole spec with jsonschema: a fifth of a filter change's rerun, for
    charts whose shape this module fixes. tests/test_app_language.py checks
    every chart kind against the schema instead. (Set on the instance past
    Altair's ``__setattr__``, which would store it as a chart property.)
    """
    object.__setattr__(chart, "to_dict", functools.partial(type(chart).to_dict, chart, validate=False))
    return chart


def reason_bar(df: pd.DataFrame, lang: str, measure: str = "count") -> alt.Chart:
    """Horizontal bars, one per reason. `df`: reason_name, count, amount, share."""
    value_title = t("ch_count") if measure == "count" else t("ch_amount")
    order = df.sort_values(measure, ascending=False)["reason_name"].tolist()
    chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y("reason_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X(f"{measure}:Q", title=value_title),
        color=alt.Color("reason_name:N", scale=reason_scale(lang), legend=None),
        tooltip=[
            alt.Tooltip("reason_name:N", title=t("ch_reason")),
            alt.Tooltip("count:Q", title=t("ch_count"), format=","),
            alt.Tooltip("amount:Q", title=t("ch_amount"), format=",.2f"),
            alt.Tooltip("share:Q", title=t("ch_share"), format=".1%"),
        ],
    )
    text = alt.Text("share:Q", format=".0%") if measure == "count" else alt.Text("amount:Q", format=",.0f")
    labels = chart.mark_text(align="left", dx=3).encode(text=text, color=alt.value("#333"))
    return _base(alt.layer(chart, labels), height=max(120, 28 * len(df)))


def sub_reason_bar(df: pd.DataFrame, lang: str) -> alt.Chart:
    """Sub-reasons inside each reason. `df`: reason_name, sub_name, count."""
    chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y("sub_label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
        x=alt.X("count:Q", title=t("ch_count")),
        # no legend: every label already starts with its reason
        color=alt.Color("reason_name:N", scale=reason_scale(lang), legend=None),
        tooltip=[
            alt.Tooltip("reason_name:N", title=t("ch_reason")),
            alt.Tooltip("sub_name:N", title=t("ch_sub_reason")),
            alt.Tooltip("count:Q", title=t("ch_count"), format=","),
        ],
    ).transform_calculate(sub_label="datum.reason_name + ' · ' + datum.sub_name")
    return _base(chart, height=max(120, 20 * len(df)))


def trend(df: pd.DataFrame, lang: str, granularity: str = "week") -> alt.Chart:
    """Returns per period and reason. `df`: period (datetime), reason_name, count."""
    sel = alt.selection_point(fields=["reason_name"], bind="legend")
    time_unit = "yearmonthdate"
    # Numeric dates: Vega's default axis format writes English month names ("Mar 10, 2024").
    weeks = sorted(pd.to_datetime(df["period"]).dropna().unique()) if granularity == "week" else []
    axis = alt.Axis(format="%m-%d", labelAngle=0, labelOverlap="greedy",
                    # one tick per week, on the weeks' own start days (default ticks fell between the points)
                    values=[alt.DateTime(year=w.year, month=w.month, date=w.day) for w in map(pd.Timestamp, weeks)]
                    or alt.Undefined)
    chart = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X(f"{time_unit}(period):T", title=t("ch_week_start") if granularity == "week" else t("ch_day"),
                axis=axis),
        y=alt.Y("count:Q", title=t("ch_count")),
        color=alt.Color("reason_name:N", scale=reason_scale(lang), title=t("ch_reason")),
        opacity=alt.condition(sel, alt.value(1.0), alt.value(0.15)),
        tooltip=[
            alt.Tooltip("period:T", title=t("ch_date"), format="%Y-%m-%d"),
            alt.Tooltip("reason_name:N", title=t("ch_reason")),
            alt.Tooltip("count:Q", title=t("ch_count"), format=","),
        ],
    ).add_params(sel)
    if "partial" in df.columns and df["partial"].any():
        # The last week is not over: say so where its low point is, or it reads as a collapse.
        last = df[df["partial"]].groupby("period", as_index=False)["count"].max()
        last["label"] = t("ch_partial_week")
        rule = alt.Chart(last).mark_rule(strokeDash=[4, 4], color="#888").encode(
            x=alt.X(f"{time_unit}(period):T"))
        text = alt.Chart(last).mark_text(align="right", dx=-4, dy=-6, color="#666", fontSize=11).encode(
            x=alt.X(f"{time_unit}(period):T"), y=alt.value(8), text="label:N")
        return _base(alt.layer(chart, rule, text), height=300)
    return _base(chart, height=300)


def heatmap(df: pd.DataFrame, lang: str, select_name: str | None = None) -> alt.Chart:
    """SKU × reason counts. `df`: sku, reason, reason_name, count, share (of the SKU).

    With `select_name`, clicking a cell selects (sku, reason) for drill-down.
    """
    n_sku = df["sku"].nunique() if len(df) else 0
    base = alt.Chart(df).encode(
        x=alt.X("reason_name:N", title=None, sort=[label_name(x, lang) for x in LABELS],
                axis=alt.Axis(labelAngle=-35, labelOverlap=False, labelLimit=150, orient="top")),
        y=alt.Y("sku:N", title=t("ch_sku"), sort=alt.EncodingSortField("sku_total", order="descending"),
                axis=alt.Axis(labelOverlap=False, labelLimit=120)),  # long ids cut; the tooltip has them whole
    )
    rect = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="orangered"), title=t("ch_count")),
        tooltip=[
            alt.Tooltip("sku:N", title=t("ch_sku")),
            alt.Tooltip("reason_name:N", title=t("ch_reason")),
            alt.Tooltip("count:Q", title=t("ch_count"), format=","),
            alt.Tooltip("share:Q", title=t("ch_share"), format=".0%"),
        ],
    )
    if select_name:
        sel = alt.selection_point(name=select_name, fields=["sku", "reason"], on="click", clear="dblclick")
        rect = rect.add_params(sel).encode(opacity=alt.condition(sel, alt.value(1.0), alt.value(0.35)))
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("count:Q", format=","),
        color=alt.condition("datum.count > datum.max_count * 0.55", alt.value("white"), alt.value("#222")),
    )
    return _base(alt.layer(rect, text), height=max(150, 24 * n_sku))


def pareto(df: pd.DataFrame, lang: str) -> alt.Chart:
    """SKUs by refunded amount with the cumulative share. `df`: sku, amount, cum_share (sorted desc)."""
    order = df["sku"].tolist()
    bars = alt.Chart(df).mark_bar(color=PALETTE[0]).encode(
        x=alt.X("sku:N", sort=order, title=t("ch_sku"), axis=alt.Axis(labelAngle=-60, labelOverlap=False, labelLimit=90)),
        y=alt.Y("amount:Q", title=t("ch_amount")),
        tooltip=[
            alt.Tooltip("sku:N", title=t("ch_sku")),
            alt.Tooltip("amount:Q", title=t("ch_amount"), format=",.2f"),
            alt.Tooltip("cum_share:Q", title=t("ch_cum_share"), format=".1%"),
        ],
    )
    line = alt.Chart(df).mark_line(color=PALETTE[1], point=True).encode(
        x=alt.X("sku:N", sort=order),
        y=alt.Y("cum_share:Q", title=t("ch_cum_share"), axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
    )
    rule = alt.Chart(pd.DataFrame({"y": [0.8]})).mark_rule(strokeDash=[4, 4], color="#888").encode(y="y:Q")
    return _base(alt.layer(bars, alt.layer(line, rule)).resolve_scale(y="independent"), height=320)
