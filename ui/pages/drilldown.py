"""Drill-down: pick a reason and SKU (or click the heat map) and read what buyers wrote."""
from __future__ import annotations

import streamlit as st

from diagnose.taxonomy import LABELS, label_name, sub_reason_name
from ui import charts, common, state
from ui.i18n import t

REASON_KEY = "dd_reason"
SKU_KEY = "dd_sku"
SUB_KEY = "dd_sub"
HEAT_KEY = "dd_heat"
ALL = "__all__"


def _take_click() -> None:
    """Copy a heat-map click into the reason/SKU pickers (once per new click)."""
    event = st.session_state.get(HEAT_KEY)
    try:
        points = event["selection"]["cell"]
    except (KeyError, TypeError):
        return
    if points:
        point = points[0]
        if point.get("reason") in LABELS:
            st.session_state[REASON_KEY] = point["reason"]
        if point.get("sku") is not None:
            st.session_state[SKU_KEY] = str(point["sku"])
        st.session_state.pop(SUB_KEY, None)


def main() -> None:
    c = common.require_data()
    if c is None or not common.require_rows(c):
        return
    lang = c.lang
    st.title(t("dd_title"))
    st.caption(t("dd_pick"))
    frame = c.filtered

    heat = state.heatmap_data(c, top_n=20)
    if heat is not None and len(heat):
        st.altair_chart(charts.heatmap(heat, lang, select_name="cell"), key=HEAT_KEY, on_select=_take_click,
                        selection_mode="cell", width="stretch")

    skus = state.sku_options(frame)
    if st.session_state.get(SKU_KEY) not in [ALL, *skus]:
        st.session_state[SKU_KEY] = ALL
    if st.session_state.get(REASON_KEY) not in [ALL, *LABELS]:
        st.session_state[REASON_KEY] = ALL
    col1, col2, col3 = st.columns(3)
    reason = col1.selectbox(t("dd_reason"), [ALL, *LABELS], key=REASON_KEY,
                            format_func=lambda k: t("f_all") if k == ALL else label_name(k, lang))
    sku = col2.selectbox(t("dd_sku"), [ALL, *skus], key=SKU_KEY, format_func=lambda k: t("f_all") if k == ALL else k)
    subs = state.sub_reason_options(frame, None if reason == ALL else reason)
    if st.session_state.get(SUB_KEY) not in [ALL, *subs]:
        st.session_state[SUB_KEY] = ALL
    sub = col3.selectbox(t("dd_sub"), [ALL, *subs], key=SUB_KEY,
                         format_func=lambda k: t("f_all") if k == ALL else sub_reason_name(k, lang))
    col4, col5, col6 = st.columns([3, 1.6, 1.1], vertical_alignment="bottom")  # "Needs review only" fits at 1024 px
    query = col4.text_input(t("dd_search"), key="dd_query")
    only_review = col5.checkbox(t("dd_only_review"), key="dd_review")
    limit = col6.selectbox(t("dd_show_more"), [20, 50, 100, 200], key="dd_limit")

    rows = state.drill_rows(frame, reason=None if reason == ALL else reason, sku=None if sku == ALL else sku,
                            sub_reason=None if sub == ALL else sub, query=query, only_review=only_review)
    st.markdown(f"**{t('dd_count', n=len(rows))}**")
    if len(rows) == 0:
        return

    tab_text, tab_table = st.tabs([t("dd_comments"), t("dd_table")])
    with tab_text:
        st.html(_cards(rows.head(limit), lang))
    with tab_table:
        table, config = common.display_table(rows, lang)
        st.dataframe(table, column_config=config, hide_index=True, width="stretch", height=420)


def _cards(rows, lang: str) -> str:
    """One HTML block of comment cards; buyer text is escaped inside common.highlight."""
    parts = ["<style>.dd-card{border:1px solid #e6e6e6;border-radius:6px;padding:8px 12px;margin:6px 0;"
             "font-size:0.95rem;line-height:1.5}.dd-meta{color:#666;font-size:0.8rem}"
             ".dd-card mark{background:#ffe08a;padding:0 2px;border-radius:2px}</style>"]
    import html as _html

    for rec in rows.to_dict("records"):
        text = common.highlight(rec.get("buyer_text"), rec.get("evidence")) or f"<i>{_html.escape(t('dd_empty_text'))}</i>"
        conf = rec.get("confidence")
        present = common.present
        meta = " · ".join(_html.escape(str(x)) for x in (
            rec.get("return_id") if present(rec.get("return_id")) else "",
            rec.get("sku") if present(rec.get("sku")) else "",
            label_name(str(rec.get("reason")), lang) + " / " + sub_reason_name(str(rec.get("sub_reason")), lang),
            f"{t('col_confidence')} {float(conf):.2f}" if present(conf) else "",
            f"{t('col_platform_reason')}：{rec.get('platform_reason')}" if present(rec.get("platform_reason")) else "",
            f"{t('col_buyer')} {common.mask_id(rec.get('buyer_id'))}" if present(rec.get("buyer_id")) else "",
            "✓ " + t("col_corrected") if present(rec.get("corrected")) and bool(rec.get("corrected")) else "",
        ) if x)
        parts.append(f'<div class="dd-card"><div>{text}</div><div class="dd-meta">{meta}</div></div>')
    return "".join(parts)


main()
