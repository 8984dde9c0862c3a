"""Platform metrics per shop and SKU, what moves them, and the misjudgement appeals before arbitration.

Everything is computed by `diagnose.analysis.metrics.platform_metrics` and
`diagnose.analysis.risk.quality_appeal_list` over every loaded row (the
platform counts the whole shop, so the sidebar filters do not apply here);
this page only lays it out.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from ui import common, state
from ui.i18n import t

PLATFORM_NAMES = {"douyin": ("抖音/抖店", "Douyin"), "taobao": ("淘宝/天猫", "Taobao / Tmall"),
                  "jd": ("京东", "JD"), "pinduoduo": ("拼多多", "Pinduoduo")}


@st.cache_data(show_spinner=False, max_entries=4)
def _order_facts(sha: str, _source: tuple[str, bytes]) -> tuple[pd.DataFrame | None, str | None]:
    from diagnose.analysis.metrics import read_order_facts
    from diagnose.errors import InputError

    try:
        return read_order_facts(_source), None
    except InputError as exc:
        return None, str(exc)


def _pct(x) -> str:
    return "—" if x is None or pd.isna(x) else f"{100 * float(x):.2f}%"


def _controls(c: state.Context) -> tuple[str, dt.date, float]:
    platforms = list(PLATFORM_NAMES)
    seen = c.table["platform"].dropna().astype(str) if "platform" in c.table.columns else pd.Series(dtype=str)
    seen = [p for p in seen.value_counts().index if p in PLATFORM_NAMES]
    idx = platforms.index(seen[0]) if seen else 0
    last = pd.to_datetime(c.table.get("applied_at"), errors="coerce").max()
    default_day = last.date() if pd.notna(last) else dt.date.today()
    a, b, d = st.columns([1.2, 1, 1])
    zh = c.lang == "zh"
    platform = a.selectbox(t("mt_platform"), platforms, index=idx, key="mt_platform",
                           format_func=lambda p: PLATFORM_NAMES[p][0 if zh else 1])
    as_of = b.date_input(t("mt_as_of"), value=default_day, key="mt_as_of")
    fast = d.number_input(t("mt_fast"), min_value=0.0, max_value=1440.0, value=5.0, step=1.0, key="mt_fast")
    return platform, as_of, float(fast)


def _shop_block(res, lang: str) -> None:
    for _, r in res.table[res.table["scope"] == "shop"].iterrows():
        with st.container(border=True):
            base = r["metric_zh"] if lang == "zh" else r["metric_en"]
            mark = f"（{t('mt_estimate')}）" if lang == "zh" else f" ({t('mt_estimate')})"
            name = base + (mark if r["estimate"] and "估算" not in base and "estimate" not in base else "")
            st.metric(name, _pct(r["rate"]) if pd.notna(r["rate"]) else str(int(r["numerator"])))
            if pd.notna(r["denominator"]):
                st.caption(t("mt_counts", num=int(r["numerator"]), den=int(r["denominator"]), start=r["window_start"],
                             end=r["window_end"]))
            else:
                st.caption(t("mt_counts_only", num=int(r["numerator"]), start=r["window_start"], end=r["window_end"]))
            excluded = r["excluded"] if lang == "zh" else r["excluded_en"]
            if excluded:
                st.caption(t("mt_excluded", what=common.md_escape(excluded)))
            if r["appeal_candidates"]:
                st.caption(t("mt_what_if", n=int(r["appeal_candidates"]), rate=_pct(r["rate_if_appeals_won"])))
            note = r["note"] if lang == "zh" else r["note_en"]
            if note:
                st.warning(common.md_escape(note))


def _sku_table(res, metric: str, lang: str) -> None:
    t_ = res.table
    sku = t_[(t_["scope"] == "sku") & (t_["metric"] == metric)]
    view = pd.DataFrame({
        t("mt_col_sku"): sku["key"].astype(str), t("mt_col_num"): sku["numerator"].astype(int),
        t("mt_col_den"): sku["denominator"], t("mt_col_rate"): sku["rate"].map(_pct),
        t("mt_col_contrib"): sku["contribution"].map(_pct), t("mt_col_appeals"): sku["appeal_candidates"].astype(int),
        t("mt_col_if_won"): sku["rate_if_appeals_won"].map(_pct),
        t("mt_col_excluded"): sku["excluded" if lang == "zh" else "excluded_en"],
    })
    st.dataframe(view, hide_index=True, width="stretch")


def _appeals(c: state.Context, rows: pd.DataFrame, as_of: dt.date, orders) -> None:
    """Misjudgement candidates among the chosen platform's returns (the metric above counts only those)."""
    from diagnose.analysis.risk import appeal_pack, quality_appeal_list
    from diagnose.analysis.risk.pack import appeal_index_xlsx
    from diagnose.analysis.risk.pack_facts import index_frame

    st.subheader(t("mt_appeals_title"))
    now = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    appeals, _ = quality_appeal_list(rows, now=now)
    if appeals.empty:
        st.info(t("mt_appeals_none"))
        return
    st.dataframe(index_frame(appeals.drop(columns=["appeal_text_zh"], errors="ignore"), c.lang), hide_index=True,
                 width="stretch")
    st.download_button(t("mt_appeals_index"), appeal_index_xlsx(appeals), file_name="appeal_index.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="mt_index")
    rid = st.selectbox(t("mt_pack_pick"), appeals["return_id"].astype(str).tolist(), key="mt_pack_rid")
    if rid:
        data = appeal_pack(c.risk(), rid, "html", orders=orders, now=now)
        st.download_button(t("mt_pack_html"), data, file_name=f"appeal_{rid}.html", mime="text/html", key="mt_pack")


def main() -> None:
    from diagnose.analysis.metrics import MetricConfig, platform_metrics
    from diagnose.analysis.metrics.output import COUNTED_HEADERS, localised

    c = common.require_data()
    if c is None:
        return
    st.title(t("mt_title"))
    st.caption(t("mt_intro"))
    if "platform_reason" not in c.table.columns:
        st.info(t("mt_no_reason"))
        return
    platform, as_of, fast = _controls(c)
    _, orders_src, _ = state.current_sources()
    orders = None
    if orders_src is not None:
        orders, err = _order_facts(orders_src.sha, (orders_src.name, orders_src.data))
        if err:
            st.warning(t("mt_orders_error", msg=common.md_escape(err)))
    now = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    from diagnose.analysis.risk import quality_appeal_list

    appeals, _ = quality_appeal_list(c.table, now=now)
    ids = set(appeals.loc[appeals["urgency"] != "closed", "return_id"].astype(str))
    rows = c.table
    if "platform" in rows.columns and (rows["platform"] == platform).any():
        rows = rows[rows["platform"] == platform]  # the platform scores its own after-sales only
    res = localised(platform_metrics(rows, orders, platform=platform, as_of=as_of,
                                     config=MetricConfig(fast_refund_minutes=fast), appeal_ids=ids), c.lang)
    for note in (res.notes if c.lang == "zh" else res.notes_en):
        st.info(common.md_escape(note))
    _shop_block(res, c.lang)
    st.subheader(t("mt_sku_title"))
    _sku_table(res, res.table["metric"].iloc[0], c.lang)
    _appeals(c, rows, as_of, orders)
    with st.expander(t("mt_counted", n=len(res.counted))):
        counted = res.counted.rename(columns=COUNTED_HEADERS) if c.lang == "zh" else res.counted
        st.dataframe(counted, hide_index=True, width="stretch")


main()
