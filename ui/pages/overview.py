"""Overview: headline numbers (with the previous period where dates allow) and the charts."""
from __future__ import annotations

import streamlit as st

from ui import charts, common, state
from ui.i18n import t


def _delta_count(cur: float, prev: float | None) -> str | None:
    if prev is None:
        return None
    diff = cur - prev
    pct = f" ({diff / prev:+.1%})" if prev else ""
    return f"{diff:+,.0f}{pct}"


def _delta_money(cur: float, prev: float | None) -> str | None:
    if prev is None:
        return None
    diff = cur - prev
    pct = f" ({diff / prev:+.1%})" if prev else ""
    return f"{'+' if diff >= 0 else '-'}¥{abs(diff):,.0f}{pct}"


def _delta_points(cur: float | None, prev: float | None) -> str | None:
    if cur is None or prev is None:
        return None
    return f"{(cur - prev) * 100:+.1f} pp"


def metrics(c: state.Context, rep) -> None:
    tot = rep.totals
    prev_info = c.previous_totals()
    prev = prev_info[0] if prev_info else None

    def p(key):
        return prev.get(key) if prev else None

    weekly = state.weekly_totals(rep)
    key = tot.get("product_key") or "sku"
    # Three tiles a row: at 1024 px (sidebar open) six tiles cut the values ("3…", "¥…").
    row1, row2 = st.columns(3), st.columns(3)
    row1[0].metric(t("m_returns"), f"{tot['returns']:,}", _delta_count(tot["returns"], p("returns")),
                   delta_color="inverse", chart_data=weekly if len(weekly) > 1 else None, chart_type="bar",
                   border=True, help=t("m_returns_help"))
    row1[1].metric(t("m_amount"), common.money_short(tot["refunded_amount"], c.lang),
                   _delta_money(tot["refunded_amount"], p("refunded_amount")), delta_color="inverse",
                   help=t("m_amount_help", full=common.money(tot["refunded_amount"])), border=True)
    row1[2].metric(t("m_review"), f"{tot['needs_review']:,}", _delta_count(tot["needs_review"], p("needs_review")),
                   delta_color="inverse", border=True, help=t("m_review_help"))
    row2[0].metric(t("m_malicious"), f"{tot['malicious']:,}", _delta_count(tot["malicious"], p("malicious")),
                   delta_color="inverse", border=True, help=t("m_malicious_help"))
    rate = tot.get("conflict_rate")
    row2[1].metric(t("m_conflict_short"), f"{rate:.1%}" if rate is not None else "—",
                   _delta_points(rate, p("conflict_rate")), delta_color="inverse", border=True,
                   help=t("m_conflict_help"))
    if key == "sku":
        label, helptext = t("m_skus"), t("m_skus_help")
    else:
        label, helptext = t("m_products"), t("m_products_help", name=t(f"key_{key}"))
    row2[2].metric(label, f"{tot.get('skus', 0):,}", _delta_count(tot.get("skus", 0), p("skus")),
                   delta_color="off", border=True, help=helptext)
    if prev_info:
        st.caption(t("cmp_prev", start=prev_info[1].isoformat(), end=prev_info[2].isoformat()))
    elif c.filters is not None and c.filters.date_from is None:
        st.caption(t("cmp_no_dates"))
    else:
        st.caption(t("cmp_none"))
    st.caption(t("ov_malicious_note", n=tot["malicious"]))
    if key != "sku":
        st.info(t("ov_product_key", name=t(f"key_{key}")))


def _alerts(c, limit: int = 3) -> None:
    """The follow-up page's alerts, largest money at stake first, at the top of the overview."""
    alerts = state.followup_for(c)[0]["alerts"]
    if alerts.empty:
        return
    head = "headline_zh" if c.lang == "zh" else "headline_en"
    for r in alerts.head(limit).to_dict("records"):
        st.warning(f"{common.money(r['amount_at_stake'])} · {common.md_escape(r[head])}", icon=":material/notifications:")
    if len(alerts) > limit:
        st.caption(t("ov_more_alerts", n=len(alerts) - limit))


def main() -> None:
    c = common.require_data()
    if c is None:
        return
    st.title(t("ov_title"))
    if not common.require_rows(c):
        return
    lang = c.lang
    rep = c.report()
    _alerts(c)
    metrics(c, rep)

    left, right = st.columns([2, 3])  # the sub-reason labels need the wider half
    with left:
        st.subheader(t("ch_reasons"))
        measure = st.segmented_control(t("ch_measure"), ["count", "amount"], default="count", required=True, key="ov_measure",
                                       format_func=lambda k: t("ch_count") if k == "count" else t("ch_amount"),
                                       label_visibility="collapsed") or "count"
        st.altair_chart(charts.reason_bar(state.reason_chart_data(rep, lang), lang, measure), width="stretch")
    with right:
        st.subheader(t("ch_sub_reasons"))
        st.altair_chart(charts.sub_reason_bar(state.sub_reason_chart_data(rep, lang).head(20), lang), width="stretch")

    st.subheader(t("ch_trend"))
    gran = st.segmented_control(t("ch_granularity"), ["week", "day"], default="week", required=True, key="ov_gran",
                                format_func=lambda k: t("ch_week") if k == "week" else t("ch_day"),
                                label_visibility="collapsed") or "week"
    trend = state.trend_data(c, gran)
    if len(trend):
        st.altair_chart(charts.trend(trend, lang, gran), width="stretch")
    else:
        st.caption(t("cmp_no_dates"))

    # Full width each: side by side, SKU and reason labels overlap below 1440 px.
    st.subheader(t("ch_heatmap"))
    heat = state.heatmap_data(c, top_n=15)
    if heat is not None and len(heat):
        st.altair_chart(charts.heatmap(heat, lang), width="stretch")
    st.subheader(t("ch_pareto"))
    st.altair_chart(charts.pareto(state.pareto_data(rep, 20), lang), width="stretch")

    if rep.return_rates is not None:
        rates_table(rep, c.lang)


def rates_table(rep, lang: str) -> None:
    """Return rates per SKU, with which orders file, platform and days they divide by."""
    from diagnose.analysis.report import rate_basis_text

    st.subheader(t("ov_rates"))
    st.caption(rate_basis_text(rep, lang))  # Markdown-safe: the library escapes the file name
    rates = rep.return_rates[rep.return_rates["returns"] > 0].head(15)
    if not len(rates) or rates["return_rate"].notna().sum() == 0:
        st.info(t("rt_none"))
        if not len(rates):
            return
    st.dataframe(
        rates, hide_index=True, width="stretch",
        # Narrow number columns, so all eight fit at 1024 px (the product title takes what is left).
        column_config={
            "sku": st.column_config.TextColumn(t("col_sku"), width="small"),
            "product_title": st.column_config.TextColumn(t("col_title")),
            "sold_units": st.column_config.NumberColumn(t("rt_sold"), help=t("rt_sold_help"), format="%d", width="small"),
            "returned_units": st.column_config.NumberColumn(t("rt_returned"), format="%d", width="small"),
            "returns": st.column_config.NumberColumn(t("rt_returns"), format="%d", width="small"),
            "return_rate": st.column_config.NumberColumn(t("m_rate"), help=t("rt_rate_help"), format="percent",
                                                         width="small"),
            "spike": st.column_config.CheckboxColumn(t("rt_spike"), help=t("rt_spike_help"), width="small"),
            "priority": st.column_config.NumberColumn(t("rt_priority"), help=t("rt_priority_help"), format="%.2f",
                                                      width="small"),
        },
    )

main()
