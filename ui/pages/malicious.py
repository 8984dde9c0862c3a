"""Suspected malicious refunds, ranked by risk score with evidence, and the appeal tools.

The scores come from `diagnose.analysis.risk.score_risk` (computed over every loaded
row, so a buyer's history counts the whole upload; the sidebar filters then
pick which rows are listed). Without that module, the queue falls back to
the rows whose text the classifier tagged `malicious`.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import common, state
from ui.i18n import t

LEVELS = ("high", "medium", "low")
PACK_FORMATS = {"xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                "md": ("Markdown", "text/markdown"),
                "html": ("HTML", "text/html")}


def _evidence_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return "；".join(str(v) for v in value)
    if hasattr(value, "tolist") and not isinstance(value, str):
        return "；".join(str(v) for v in value.tolist())
    return "" if not common.present(value) else str(value)


def _queue(c: state.Context) -> pd.DataFrame:
    """The scored rows among the filtered ones, riskiest first, evidence in the page's language."""
    scored = c.risk()
    rows = scored[scored["return_id"].isin(c.filtered["return_id"])]
    rows = rows.assign(risk_evidence=rows[f"risk_evidence_{c.lang}"].map(_evidence_text))
    return rows.sort_values("risk_score", ascending=False, kind="stable")


def _pack_bytes(scored: pd.DataFrame, return_id: str, fmt: str, orders=None) -> bytes:
    from diagnose.analysis.risk import appeal_pack

    data = appeal_pack(scored, return_id, fmt, orders=orders)
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def risk_tab(c: state.Context) -> None:
    lang = c.lang
    rows = _queue(c)
    st.caption(t("ml_note"))
    col1, col2 = st.columns([2, 3])
    levels = col1.multiselect(t("ml_levels"), list(LEVELS), default=["high", "medium"], key="ml_levels",
                              format_func=lambda k: t(f"lvl_{k}"))
    min_score = col2.slider(t("ml_min_score"), 0, 100, 0, key="ml_min")
    if levels:
        rows = rows[rows["risk_level"].isin(levels)]
    rows = rows[rows["risk_score"] >= min_score]
    st.markdown(f"**{t('ml_count', n=len(rows))}**")
    text_tagged = c.filtered["reason"].astype(str) == "malicious"
    both = int(rows["return_id"].isin(c.filtered.loc[text_tagged.to_numpy(bool), "return_id"]).sum())
    st.caption(t("ml_counts_note", levels="、".join(t(f"lvl_{k}") for k in levels) or t("f_all"), n=len(rows),
                 m=int(text_tagged.sum()), both=both))
    if len(rows) == 0:
        st.info(t("ml_empty"))
        return
    table, config = common.display_table(rows, lang, extra=("risk_score", "risk_level", "risk_evidence"))
    table["risk_level"] = table["risk_level"].map(lambda k: t(f"lvl_{k}") if k in LEVELS else k)
    order = ["risk_score", "risk_level", "return_id", "risk_evidence", "buyer_text", "platform_reason", "reason",
             "amount", "applied_at", "buyer_id", "sku"]
    table = table[[c for c in order if c in table.columns]]
    st.dataframe(table, column_config=config, hide_index=True, width="stretch", height=420)

    st.subheader(t("ml_pack"))
    ids = rows["return_id"].astype(str).head(500).tolist()
    col1, col2, col3 = st.columns([3, 1.2, 2.4], vertical_alignment="bottom")  # the button label whole at 1024 px
    rid = col1.selectbox(t("ml_pick"), ids, key="ml_pick")
    fmt = col2.selectbox(t("ml_pack_fmt"), list(PACK_FORMATS), format_func=lambda k: PACK_FORMATS[k][0],
                         key="ml_fmt")
    full = c.risk()
    col3.download_button(
        t("ml_download_pack"), data=lambda: _pack_bytes(full, rid, fmt, c.loaded.orders),
        file_name=f"appeal_{rid}.{fmt}".replace("/", "_"), mime=PACK_FORMATS[fmt][1], key="ml_download",
        on_click="ignore", type="primary",
    )


def quality_tab(c: state.Context) -> None:
    from diagnose.analysis.risk import quality_appeal_list
    from diagnose.errors import InputError
    from diagnose.io import export

    st.caption(t("ml_quality_note"))
    returns, orders, basis = state.quality_inputs(c)
    try:
        # The list covers every filtered return; the rate over sold units only
        # the returns the order export covers (same platform, same days).
        result, stats = quality_appeal_list(c.filtered, orders=None)
        if orders is not None:
            _, rated = quality_appeal_list(returns, orders=orders)
            stats = {**stats, **{k: v for k, v in rated.items() if k.endswith("_sold")}}
    except InputError as exc:
        st.warning(common.error_line(exc))  # the message may quote the user's file
        return
    if basis is not None:
        from diagnose.analysis.report import platform_name

        if orders is not None:
            st.caption(t("ml_q_basis_note", platform=platform_name(basis.orders_platform, c.lang),
                         file=common.md_escape(basis.orders_file)))
        else:
            st.caption(t("rt_none"))
    (m1, m2), (m3, m4) = st.columns(2), st.columns(2)  # two a row: the rate labels are long
    m1.metric(t("ml_q_quality"), f"{stats.get('quality_returns', 0):,}", border=True)
    m2.metric(t("ml_q_appealable"), f"{stats.get('appealable', 0):,}", border=True)
    if "current_quality_rate_sold" in stats:
        cur, won = stats["current_quality_rate_sold"], stats["rate_if_won_sold"]
        label_cur, label_won = t("ml_q_rate_sold"), t("ml_q_rate_won_sold")
    else:
        cur, won = stats.get("current_quality_rate", 0.0), stats.get("rate_if_won", 0.0)
        label_cur, label_won = t("ml_q_rate"), t("ml_q_rate_won")
    m3.metric(label_cur, f"{cur:.2%}", border=True)
    m4.metric(label_won, f"{won:.2%}", f"{(won - cur) * 100:+.2f} pp", delta_color="inverse", border=True)
    if result is None or len(result) == 0:
        st.info(t("ml_quality_empty"))
        return
    basis_col = "appeal_basis_zh" if c.lang == "zh" else "appeal_basis_en"
    cols = [x for x in ("return_id", "order_id", "sku", "buyer", "platform_reason", "buyer_text", basis_col,
                        "amount", "applied_at", "appeal_text_zh") if x in result.columns]
    st.dataframe(result[cols], hide_index=True, width="stretch", height=380, column_config={
        "return_id": st.column_config.TextColumn(t("col_return_id")),
        "order_id": st.column_config.TextColumn(t("col_order_id")),
        "sku": st.column_config.TextColumn(t("col_sku")),
        "buyer": st.column_config.TextColumn(t("col_buyer")),
        "platform_reason": st.column_config.TextColumn(t("col_platform_reason")),
        "buyer_text": st.column_config.TextColumn(t("col_buyer_text"), width="medium"),
        basis_col: st.column_config.TextColumn(t("ml_q_basis")),
        "amount": st.column_config.NumberColumn(t("col_amount"), format="¥%.2f"),
        "applied_at": st.column_config.DatetimeColumn(t("col_applied_at"), format="YYYY-MM-DD HH:mm"),
        "appeal_text_zh": st.column_config.TextColumn(t("ml_q_text"), width="large"),
    })
    st.download_button(t("ml_quality_download"), data=lambda: export.to_xlsx_bytes({"appeals": result}),
                       file_name="quality_appeals.xlsx", on_click="ignore", key="ml_quality_dl",
                       mime=PACK_FORMATS["xlsx"][1])


def main() -> None:
    c = common.require_data()
    if c is None:
        return
    st.title(t("ml_title"))
    if not common.require_rows(c):
        return
    tab1, tab2 = st.tabs([t("ml_queue_tab"), t("ml_quality_tab")])
    with tab1:
        risk_tab(c)
    with tab2:
        quality_tab(c)


main()
