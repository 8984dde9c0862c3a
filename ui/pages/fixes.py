"""Suggested fixes per SKU, ranked by refunded amount at stake (report.fixes)."""
from __future__ import annotations

import html

import streamlit as st

from diagnose.taxonomy import UNSPECIFIED, label_name, sub_reason_name
from ui import common, state
from ui.i18n import t


def _examples_html(examples: str) -> str:
    quotes = [q for q in str(examples or "").split("\n") if q.strip()]
    if not quotes:
        return ""
    items = "".join(f"<li>“{html.escape(q)}”</li>" for q in quotes)
    return f'<div style="color:#444;font-size:0.9rem"><b>{html.escape(t("fx_examples"))}</b><ul style="margin:2px 0 0 0">{items}</ul></div>'


# The kind of fix a suggested fix most likely is, by the reason it is about.
_KIND_FOR_REASON = {"sizing": "size_chart", "mismatch": "listing", "quality": "qc", "logistics": "packaging"}


def _mark_fixed(rec: dict, lang: str) -> None:
    """"Mark as fixed": record the fix in the fix log, to be re-measured on the follow-up page."""
    from datetime import date

    from diagnose.errors import InputError
    from diagnose.store import FIX_KINDS

    store = state.ctx().store
    if store is None:
        return
    rank = int(rec["rank"])
    with st.expander(t("fx_mark_fixed")), st.form(f"fx_fixed_{rank}", clear_on_submit=True):
        kinds = list(FIX_KINDS)
        kind = st.selectbox(t("fu_fix_kind"), kinds, index=kinds.index(_KIND_FOR_REASON.get(rec["reason"], "other")),
                            format_func=lambda k: t(f"fu_kind_{k}"), key=f"fx_fixed_kind_{rank}")
        when = st.date_input(t("fu_fix_date"), value=date.today(), key=f"fx_fixed_date_{rank}")
        note = st.text_input(t("fu_fix_note"), value=rec.get(f"fix_{lang}", ""), key=f"fx_fixed_note_{rank}")
        if st.form_submit_button(t("fu_fix_save")):
            try:
                store.fix_log().add(str(rec["sku"]), when, kind, reason=rec["reason"], note=note)
                st.success(t("fu_fix_saved", sku=common.md_escape(rec["sku"])))
            except InputError as exc:
                st.error(common.error_line(exc))


def main() -> None:
    c = common.require_data()
    if c is None:
        return
    st.title(t("fx_title"))
    if not common.require_rows(c):
        return
    lang = c.lang
    rep = c.report(full=True)
    fixes = rep.fixes
    if fixes is None or fixes.empty:
        st.info(t("fx_none"))
        return
    # A slider needs min < max: with a single fix there is nothing to choose, so none is drawn.
    top_n = 1 if len(fixes) == 1 else st.slider(t("fx_top"), min_value=1, max_value=min(100, len(fixes)),
                                                  value=min(15, len(fixes)), key="fx_top")
    phrases = rep.phrases
    fix_col = "fix_zh" if lang == "zh" else "fix_en"
    for rec in fixes.head(top_n).to_dict("records"):
        with st.container(border=True):
            cause = label_name(rec["reason"], lang)
            if rec.get("sub_reason") and rec["sub_reason"] != UNSPECIFIED:
                cause += " / " + sub_reason_name(rec["sub_reason"], lang)
            badge = "🚨 " if rec.get("kind") == "review" else ""
            st.markdown(f"**#{int(rec['rank'])} {badge}{common.md_escape(rec[fix_col])}**")
            title = f" · {rec['product_title']}" if common.present(rec.get("product_title")) else ""
            st.caption(common.md_escape(f"{rec['sku']}{title} · {cause}"))
            # Numbers in their own row: beside a long fix text they are cut at 1024 px.
            m1, m2, m3 = st.columns(3)
            m1.metric(t("fx_amount"), common.money_short(rec["amount_at_stake"], lang), help=common.money(rec["amount_at_stake"]))
            m2.metric(t("fx_returns"), f"{int(rec['n'])}/{int(rec['total'])}")
            m3.metric(t("fx_share"), f"{rec['share']:.0%}")
            body = _examples_html(rec.get("examples"))
            if phrases is not None and not phrases.empty:
                words = phrases.loc[phrases["sku"] == rec["sku"], "phrase"].tolist()
                if words:
                    body += (f'<div style="font-size:0.85rem;color:#666;margin-top:4px"><b>{html.escape(t("fx_phrases"))}</b>：'
                             + "、".join(f"<code>{html.escape(w)}</code>" for w in words) + "</div>")
            if body:
                st.html(body)
            _mark_fixed(rec, lang)


main()
