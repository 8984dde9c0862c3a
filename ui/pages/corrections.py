"""Corrections: ops staff relabel reasons in an editable table; saved to the CorrectionStore.

Testing hook: the editor's key is shown by `AppTest.data_editor[0].key`; set
``at.session_state[key] = {"edited_rows": {0: {"reason": "quality"}},
"added_rows": [], "deleted_rows": []}`` and press the save button.
"""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from diagnose.taxonomy import (
    LABELS,
    SUB_REASON_BY_KEY,
    SUB_REASONS,
    UNSPECIFIED,
    label_name,
    sub_reason_name,
)
from diagnose.errors import InputError
from ui import common, state
from ui.i18n import t

MODES = ("proposed", "review", "conflict", "corrected", "all")
EDIT_COLS = ["return_id", "buyer_text", "reason", "sub_reason", "model_reason", "confidence", "platform_reason",
             "sku", "shop", "corrected"]


def _candidates(frame: pd.DataFrame, mode: str, query: str, model=None, limit: int = 100) -> pd.DataFrame:
    rows = frame
    if mode == "proposed":
        # the rows whose label would teach the model most, a few per SKU and reason
        from diagnose.model.active import propose

        if query:
            text = rows["buyer_text"].astype("string").fillna("")
            rows = rows[text.str.contains(query, case=False, regex=False).fillna(False).to_numpy(bool)]
        return propose(rows, model, n=limit).drop(columns=["teach_score"])
    if mode == "review" and "needs_review" in rows.columns:
        rows = rows[rows["needs_review"].fillna(False).astype(bool)]
    elif mode == "conflict" and "reason_conflict" in rows.columns:
        rows = rows[rows["reason_conflict"].fillna(False).astype(bool)]
    elif mode == "corrected":
        rows = rows[rows["corrected"].fillna(False).astype(bool)]
    if query:
        text = rows["buyer_text"].astype("string").fillna("")
        rows = rows[text.str.contains(query, case=False, regex=False).fillna(False).to_numpy(bool)]
    if "confidence" in rows.columns and mode != "corrected":
        rows = rows.sort_values("confidence", kind="stable")
    return rows


def _editor_frame(rows: pd.DataFrame, original: pd.DataFrame | None) -> pd.DataFrame:
    out = pd.DataFrame({
        "return_id": rows["return_id"].astype(str).to_numpy(),
        "sku": rows["sku"].astype("string").fillna("").to_numpy() if "sku" in rows.columns else "",
        "shop": rows["shop"].astype("string").fillna("").to_numpy() if "shop" in rows.columns else "",
        "buyer_text": rows["buyer_text"].astype("string").fillna("").to_numpy(),
        "platform_reason": rows["platform_reason"].astype("string").fillna("").to_numpy()
        if "platform_reason" in rows.columns else "",
        "model_reason": (original.loc[rows.index, "reason"] if original is not None else rows["reason"]).astype(str).to_numpy(),
        "confidence": pd.to_numeric(rows["confidence"], errors="coerce").to_numpy(),
        "reason": rows["reason"].astype(str).to_numpy(),
        "sub_reason": rows["sub_reason"].astype(str).to_numpy() if "sub_reason" in rows.columns else UNSPECIFIED,
        "corrected": rows["corrected"].fillna(False).astype(bool).to_numpy(),
    })
    return out[EDIT_COLS]


def _save(before: pd.DataFrame, after: pd.DataFrame, user: str) -> int:
    changed = (before["reason"] != after["reason"]) | (before["sub_reason"] != after["sub_reason"])
    if not changed.any():
        return 0
    rows = after[changed.to_numpy()].copy()
    old = before[changed.to_numpy()]
    # the store decides what a sub-reason left over from the old reason becomes
    records = pd.DataFrame({
        "return_id": rows["return_id"].to_numpy(),
        "new_reason": rows["reason"].to_numpy(),
        "new_sub_reason": rows["sub_reason"].to_numpy(),
        "old_reason": old["reason"].to_numpy(),
        "old_sub_reason": old["sub_reason"].to_numpy(),
        "buyer_text": rows["buyer_text"].to_numpy(),
        "platform_reason": rows["platform_reason"].to_numpy(),
        "shop": rows["shop"].to_numpy() if "shop" in rows.columns else "",
    })
    return state.get_store().add_many(records, user=user or None)


def main() -> None:
    c = common.require_data()
    if c is None:
        return
    lang = c.lang
    st.title(t("co_title"))
    st.info(t("co_model", v=getattr(c.model, "version", "?")))
    if c.store is None:
        st.error(t("co_store_error", msg=common.md_escape(c.store_error or "?")))
        return
    st.caption(t("co_store", path=common.md_escape(c.store.path), n=c.store.count()))
    if "co_flash" in st.session_state:
        st.success(st.session_state.pop("co_flash"))
    if not common.require_rows(c):
        return

    # The five views on a row of their own: beside the search box they were cut off at 1024 px.
    mode = st.segmented_control(t("co_show"), MODES, default="proposed", required=True, key="co_mode",
                                format_func=lambda k: t(f"co_show_{k}")) or "all"
    col2, col3, col4 = st.columns([3, 1.4, 2])
    query = col2.text_input(t("dd_search"), key="co_query")
    limit = col3.selectbox(t("co_limit"), [50, 100, 200, 500], index=1, key="co_limit")
    user = col4.text_input(t("co_user"), key="co_user")

    rows = _candidates(c.filtered, mode, query, c.model, limit).head(limit)
    st.caption(t("dd_count", n=len(rows)) + " · " + (t("co_proposed_help") + " · " if mode == "proposed" else "")
               + t("co_help"))
    original = c.loaded.tagged if c.loaded is not None else None
    before = _editor_frame(rows, original)
    sig = hashlib.sha1("|".join(before["return_id"]).encode("utf-8") + c.revision.encode()).hexdigest()[:10]
    sub_options = [UNSPECIFIED] + [s.key for s in SUB_REASONS]
    edited = st.data_editor(
        before,
        key=f"co_editor_{sig}",
        hide_index=True,
        width="stretch",
        height=460,
        num_rows="fixed",
        disabled=["return_id", "sku", "shop", "buyer_text", "platform_reason", "model_reason", "confidence", "corrected"],
        column_config={
            "return_id": st.column_config.TextColumn(t("col_return_id")),
            "sku": st.column_config.TextColumn(t("col_sku")),
            "shop": st.column_config.TextColumn(t("col_shop")),
            "buyer_text": st.column_config.TextColumn(t("col_buyer_text"), width="medium"),
            "platform_reason": st.column_config.TextColumn(t("col_platform_reason")),
            "model_reason": st.column_config.SelectboxColumn(
                "model" if lang == "en" else "模型判断", options=list(LABELS),
                format_func=lambda k: label_name(k, lang)),
            "confidence": st.column_config.ProgressColumn(t("col_confidence"), min_value=0.0, max_value=1.0,
                                                          format="%.2f"),
            "reason": st.column_config.SelectboxColumn(
                "✏️ " + t("col_reason"), options=list(LABELS), required=True,
                format_func=lambda k: label_name(k, lang)),
            "sub_reason": st.column_config.SelectboxColumn(
                "✏️ " + t("col_sub_reason"), options=sub_options,
                format_func=lambda k: (label_name(SUB_REASON_BY_KEY[k].label, lang) + " · " if k in SUB_REASON_BY_KEY else "")
                + sub_reason_name(k, lang)),
            "corrected": st.column_config.CheckboxColumn(t("col_corrected")),
        },
    )
    if st.button(t("co_save"), type="primary", key="co_save"):
        try:
            n = _save(before, edited, user)
        except InputError as exc:  # a sub-reason that does not belong to the chosen reason
            st.error(common.error_line(exc))
            return
        if n:
            st.session_state["co_flash"] = t("co_saved", n=n)
            st.rerun()
        else:
            st.info(t("co_nothing"))

    _retrain_section(c)

    with st.expander(t("co_history")):
        hist = c.store.history()
        if len(hist):
            hist = hist.sort_values("id", ascending=False).head(200)
            st.dataframe(common.history_table(hist, c.lang), hide_index=True, width="stretch")


def _shops(c) -> list[str]:
    """Shops to offer a model of their own: those with saved corrections, then those in the data."""
    shops = list(c.store.shops())
    if c.loaded is not None and c.loaded.tagged is not None and "shop" in c.loaded.tagged.columns:
        seen = c.loaded.tagged["shop"].astype("string").dropna().str.strip()
        shops += sorted(s for s in set(seen.tolist()) if s and s not in shops)
    return shops


def _retrain_section(c) -> None:
    """Retrain with the saved corrections (progress bar), install-wide or for one shop; show the version; roll back."""
    from diagnose.model import versions

    st.subheader(t("co_retrain_title"))
    shops = _shops(c)
    scope = ""
    if shops:
        scope = st.selectbox(t("co_scope"), [""] + shops, key="co_scope",
                             format_func=lambda s: t("co_scope_shop", s=s) if s else t("co_scope_all")) or ""
    active = versions.active_model_path(scope or None)
    if active is not None:
        where = common.md_escape(active.name)
    else:
        where = t("co_retrain_install") if scope else t("co_retrain_shipped")
    version = active.name.removeprefix("reason_model-").removesuffix(".npz") if scope and active is not None \
        else getattr(c.model, "version", "?")
    st.caption(t("co_retrain_help", n=c.store.count(), v=version, where=where)
               + (" " + t("co_shop_help", w=f"{versions.SHOP_WEIGHT:g}") if scope else ""))
    if "co_retrain_flash" in st.session_state:
        st.success(st.session_state.pop("co_retrain_flash"))
    b1, b2 = st.columns(2)
    if b1.button(t("co_retrain"), key="co_retrain", disabled=c.store.count() == 0):
        bar = st.progress(0.0, text=t("co_retrain_step", step="…"))
        try:
            res = versions.retrain(c.store, shop=scope or None, progress=lambda f, step: bar.progress(
                min(max(f, 0.0), 1.0), text=t("co_retrain_step", step=step)))
        except InputError as exc:
            st.error(common.error_line(exc))
            return
        st.session_state["co_retrain_flash"] = t("co_retrained", v=res.version, old=res.previous,
                                                 n=res.n_corrections)
        st.rerun()
    if active is not None and b2.button(t("co_rollback"), key="co_rollback"):
        back = versions.rollback(scope or None)
        st.session_state["co_retrain_flash"] = t("co_rolled_back", v=common.md_escape(back))
        st.rerun()


main()
