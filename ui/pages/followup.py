"""Follow-up: did the fix work, which size to recommend, batch defects, cohort trends, alerts.

Lays out what `diagnose.analysis.followup` computes over every loaded row
(the sidebar filters are not applied: windows before and after a fix need
the whole history). Fixes come from the fix log in the corrections
database; with the sample data, the sample fix log is shown beside it.
"""
from __future__ import annotations

import html
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from diagnose.analysis import followup
from diagnose.errors import InputError
from diagnose.store import FIX_KINDS
from diagnose.taxonomy import label_name, sub_reason_name
from ui import common, state
from ui.i18n import t

# Material icons are served by Streamlit itself (an emoji needs a font the laptop may lack).
VERDICT_ICON = {"improved": ":material/check_circle:", "unchanged": ":material/remove_circle_outline:",
                "regressed": ":material/warning:", "too early": ":material/hourglass_empty:"}


def _rate(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1%}"


def _alerts(alerts: pd.DataFrame, lang: str) -> None:
    st.subheader(t("fu_alerts"))
    if alerts.empty:
        st.success(t("fu_no_alerts"))
        return
    head = "headline_zh" if lang == "zh" else "headline_en"
    for r in alerts.to_dict("records"):
        kind = followup.alerts.KIND_NAMES[r["kind"]][0 if lang == "zh" else 1]
        st.warning(f"**{common.md_escape(kind)}** · {common.money(r['amount_at_stake'])} · {common.md_escape(r[head])}")
    st.caption(followup.alerts.NOT_COVERED[0 if lang == "zh" else 1])


def _fix_chart(r: dict) -> alt.Chart:
    df = pd.DataFrame({"side": [t("fu_before"), t("fu_after")], "rate": [r["before_rate"] or 0.0, r["after_rate"] or 0.0],
                       "n": [r["before_returns"], r["after_returns"]]})
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("side:N", title=None, sort=None, axis=alt.Axis(labelAngle=0)), y=alt.Y("rate:Q", title=t("fu_rate"), axis=alt.Axis(format="%")),
        color=alt.Color("side:N", legend=None, scale=alt.Scale(range=["#9aa5b1", "#E4572E"])),
        tooltip=[alt.Tooltip("side:N"), alt.Tooltip("rate:Q", format=".1%"), alt.Tooltip("n:Q", title=t("fu_returns"))],
    ).properties(height=140)


def _p(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{value:.4f}" if value >= 0.0001 else f"{value:.1e}"


def _why(r: dict) -> str:
    """Why a fix is "too early", in the UI language (the library's `why` is English)."""
    s = followup.DEFAULTS
    code = r["why_code"]
    if code == "days":
        return t("fu_why_days", n=r["window_days"], min=s.min_days_after)
    if code == "orders":
        return t("fu_why_orders", n=r["after_orders"], min=s.min_orders_after)
    if code == "returns":
        return t("fu_why_returns", n=r["after_total"], min=s.min_returns_after)
    return t("fu_why_baseline")


def _fixes(table: pd.DataFrame, lang: str, sample: bool) -> None:
    st.subheader(t("fu_fixes"))
    s = followup.DEFAULTS
    st.caption(t("fu_fix_rules", days=s.min_days_after, orders=s.min_orders_after, returns=s.min_returns_after,
                 mature=s.maturity_days, alpha=s.alpha))
    if sample:
        st.caption(t("fu_sample_fixes"))
    if table.empty:
        st.info(t("fu_no_fixes"))
        return
    for r in table.to_dict("records"):
        with st.container(border=True):
            head, chart = st.columns([3, 2])
            with head:
                verdict = t(f"fu_v_{r['verdict'].replace(' ', '_')}")
                st.markdown(f"**{VERDICT_ICON[r['verdict']]} {common.md_escape(r['sku'])} · {verdict}**")
                st.caption(common.md_escape(t("fu_fix_line", date=r["fix_date"], kind=t(f"fu_kind_{r['kind']}"),
                                                reason=label_name(r["target_reason"], lang), days=r["window_days"],
                                                basis=t("fu_by_order") if r["counted_by"] == "order date" else t("fu_by_applied"))))
                m1, m2 = st.columns(2)
                per = r["measure"] == "per order"
                base_b = r["before_orders"] if per else r["before_total"]
                base_a = r["after_orders"] if per else r["after_total"]
                m1.metric(t("fu_before"), _rate(r["before_rate"]), help=f"{r['before_returns']} / {base_b}")
                m2.metric(t("fu_after"), _rate(r["after_rate"]), help=f"{r['after_returns']} / {base_a}")
                st.caption(t("fu_counts", rb=r["before_returns"], nb=base_b, ra=r["after_returns"], na=base_a,
                             p=_p(r["p_value"])))
                st.caption(t("fu_measure_order") if per else t("fu_measure_share"))
                if r["verdict"] == "too early":
                    st.caption(_why(r))
                if common.present(r.get("note")):
                    st.caption(common.md_escape(r["note"]))
            with chart:
                st.altair_chart(_fix_chart(r), use_container_width=True)


def _add_fix_form(c, skus: list[str]) -> None:
    with st.expander(t("fu_add_fix")):
        with st.form("fu_add_fix_form", clear_on_submit=True):
            sku = st.selectbox(t("col_sku"), skus, key="fu_fix_sku")
            when = st.date_input(t("fu_fix_date"), value=date.today(), key="fu_fix_date")
            kind = st.selectbox(t("fu_fix_kind"), list(FIX_KINDS), format_func=lambda k: t(f"fu_kind_{k}"), key="fu_fix_kind")
            reason = st.selectbox(t("fu_fix_reason"), ["", "sizing", "quality", "mismatch", "logistics", "other"],
                                  format_func=lambda k: t("fu_reason_default") if not k else label_name(k, c.lang),
                                  key="fu_fix_reason")
            note = st.text_input(t("fu_fix_note"), key="fu_fix_note")
            if st.form_submit_button(t("fu_fix_save")):
                try:
                    c.store.fix_log().add(sku, when, kind, reason=reason or None, note=note)
                    st.success(t("fu_fix_saved", sku=common.md_escape(sku)))
                except InputError as exc:
                    st.error(common.error_line(exc))


def _sizes(sizes: pd.DataFrame, lang: str) -> None:
    st.subheader(t("fu_sizes"))
    st.caption(t("fu_size_rules", n=followup.DEFAULTS.min_sizing_returns, share=followup.DEFAULTS.direction_share))
    if sizes.empty:
        st.info(t("fu_no_sizes"))
        return
    col = "advice_zh" if lang == "zh" else "advice_en"
    for r in sizes.to_dict("records"):
        with st.container(border=True):
            title = f" · {r['product_title']}" if common.present(r.get("product_title")) else ""
            st.markdown(f"**{common.md_escape(r['sku'] + title)}** — {common.md_escape(r[col])}")
            detail = t("fu_size_detail", small=r["small"], large=r["large"], fit=r["fit"],
                       sizes=r["sizes"] or "—", source=t("fu_src_spec") if r["size_source"] == "spec column" else t("fu_src_text"))
            st.caption(common.md_escape(detail))
            quotes = [q for q in str(r["examples"] or "").split("\n") if q.strip()]
            if quotes:
                st.html('<div style="color:#444;font-size:0.9rem"><b>' + html.escape(t("fx_examples")) + "</b><ul>"
                        + "".join(f"<li>“{html.escape(q)}”</li>" for q in quotes) + "</ul></div>")


def _spikes(spikes: pd.DataFrame, suppliers: pd.DataFrame, lang: str) -> None:
    st.subheader(t("fu_spikes"))
    s = followup.DEFAULTS
    st.caption(t("fu_spike_rules", ratio=s.spike_ratio, alpha=s.spike_alpha, n=s.min_spike_returns,
                 weeks=s.baseline_weeks, skus=s.supplier_min_skus))
    for r in suppliers.to_dict("records"):
        st.error(common.md_escape(t("fu_supplier_line", supplier=r["supplier"], n=r["n_skus"], skus=r["skus"],
                                    start=r["start_week"], end=r["end_week"], returns=r["quality_returns"])))
    if spikes.empty:
        st.info(t("fu_no_spikes"))
        return
    shown = spikes.assign(top_sub_reason=[sub_reason_name(x, lang) for x in spikes["top_sub_reason"]])
    cols = ["sku", "product_title", "start_week", "end_week", "quality_returns", "expected", "ratio", "p_value",
            "top_sub_reason", "first_day", "amount", "supplier", "batch", "warehouse"]
    config = {k: st.column_config.Column(t(f"fu_col_{k}")) for k in cols}
    config["p_value"] = st.column_config.NumberColumn(t("fu_col_p_value"), format="%.2e")
    config["amount"] = st.column_config.NumberColumn(t("fu_col_amount"), format="¥%.2f")
    st.dataframe(shown[cols], column_config=config, hide_index=True, use_container_width=True)


def _cohorts(cohorts: pd.DataFrame) -> None:
    st.subheader(t("fu_cohorts"))
    st.caption(t("fu_cohort_rules", days=followup.DEFAULTS.maturity_days))
    if cohorts.empty:
        return
    df = cohorts.copy()
    df["basis_name"] = df["basis"].map({"applied": t("fu_by_applied"), "ordered": t("fu_by_order")})
    df["state"] = [t("fu_young") if not m else (t("fu_partial") if p else t("fu_mature"))
                   for m, p in zip(df["mature"], df["partial"])]
    chart = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("week:T", title=t("ch_week")), y=alt.Y("returns:Q", title=t("fu_returns")),
        color=alt.Color("basis_name:N", title=None),
        strokeDash=alt.StrokeDash("state:N", title=None),
        tooltip=[alt.Tooltip("week:T", format="%Y-%m-%d"), "basis_name:N", "returns:Q", "orders:Q",
                 alt.Tooltip("rate:Q", format=".1%"), "state:N"],
    ).properties(height=300)
    st.altair_chart(chart, use_container_width=True)
    young = df[(df["basis"] == "ordered") & ~df["mature"]]
    if len(young):
        st.caption(t("fu_young_weeks", weeks="、".join(w.strftime("%Y-%m-%d") for w in young["week"])))


def main() -> None:
    c = common.require_data()
    if c is None:
        return
    st.title(t("fu_title"))
    st.caption(t("fu_scope"))
    with st.spinner(t("loading")):
        out, sample = state.followup_for(c)
    _alerts(out["alerts"], c.lang)
    _fixes(out["fixes"], c.lang, sample)
    if c.store is not None:
        _add_fix_form(c, state.sku_options(c.table))
    _sizes(out["sizes"], c.lang)
    _spikes(out["spikes"], out["suppliers"], c.lang)
    _cohorts(out["cohorts"])


main()
