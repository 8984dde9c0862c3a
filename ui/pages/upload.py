"""Upload page: return exports (several at once) and an optional order export.

Uploaded bytes are copied into session state by the uploaders' callbacks,
so the data stays loaded while the user moves between pages. Each file's
detected profile and column mapping is shown, and the mapping can be
corrected (re-ingest with overrides).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from diagnose.io import CANONICAL_COLUMNS
from diagnose.messages import localise_note
from ui import common, state
from ui.filters import platform_name
from ui.i18n import column_name, t

RETURNS_KEY = "uploader_returns"
ORDERS_KEY = "uploader_orders"
# Canonical columns a user can re-map (derived bookkeeping columns are left out).
DERIVED = {"platform", "source_file", "source_row", "row_issues"}


def _on_returns() -> None:
    files = st.session_state.get(state.uploader_key(RETURNS_KEY)) or []
    if files:
        state.set_uploads([(f.name, f.getvalue()) for f in files])
    else:
        st.session_state.pop(state.UPLOADS, None)
    st.session_state.pop(state.OVERRIDES, None)
    st.session_state.pop(state.PROFILE, None)


def _on_orders() -> None:
    f = st.session_state.get(state.uploader_key(ORDERS_KEY))
    state.set_orders_upload((f.name, f.getvalue()) if f else None)
    st.session_state.pop(state.ORDERS_PLATFORM, None)


def _back_to_sample() -> None:
    state.clear_uploads()
    st.session_state["_restored"] = True


PLATFORMS = ["douyin", "taobao", "jd", "pinduoduo", "amazon", "generic"]


def _orders_platform(loaded: state.Loaded, lang: str) -> None:
    """Which platform the uploaded order export belongs to (return rates match on it)."""
    options = [""] + PLATFORMS
    current = loaded.orders_platform or ""
    plats = sorted(loaded.tagged["platform"].dropna().astype(str).unique()) if loaded.tagged is not None \
        and "platform" in loaded.tagged.columns else []
    pick = st.selectbox(t("up_orders_platform"), options, index=options.index(current) if current in options else 0,
                        format_func=lambda k: t("up_orders_platform_unknown") if not k else platform_name(k, lang),
                        help=t("up_orders_platform_help"), key="orders_platform_pick")
    if (pick or "") != current:
        st.session_state[state.ORDERS_PLATFORM] = pick or None
        st.rerun()
    if not current and len(plats) > 1:
        st.warning(t("up_orders_platform_need"))


def _canonical_columns() -> list[str]:
    return [c for c in CANONICAL_COLUMNS if c not in DERIVED]


def _file_details(f, lang: str) -> None:
    (c1, c2), (c3, c4) = st.columns(2), st.columns(2)  # four across cut "抖音/抖店" at 1024 px
    c1.metric(t("up_profile"), platform_name(f.profile, lang))
    c2.metric(t("up_encoding"), f.encoding or "—")
    c3.metric(t("up_header_row"), f.header_row if f.header_row is not None else "—")
    c4.metric(t("up_n_rows"), f"{f.n_rows:,}")
    mapping = pd.DataFrame({t("up_canonical"): [column_name(k) for k in f.mapping.keys()],
                            t("up_original"): [str(v) for v in f.mapping.values()]})
    st.markdown(f"**{t('up_mapping')}**")
    st.dataframe(mapping, hide_index=True, width="stretch")
    if f.unmapped:
        st.caption(t("up_unmapped") + "：" + "、".join(common.md_escape(u) for u in f.unmapped))
    if f.issues:
        st.markdown(f"**{t('up_issues')}**")
        shown = [localise_note(i, lang, "ui") for i in list(f.issues)[:20]]
        st.caption("\n".join(f"- {common.md_escape(i)}" for i in shown) + (f"\n- … (+{len(f.issues) - 20})" if len(f.issues) > 20 else ""))


def _mapping_form(loaded: state.Loaded) -> None:
    headers: list[str] = []
    for f in loaded.files:
        for h in list(f.mapping.values()) + list(f.unmapped):
            if str(h) not in headers:
                headers.append(str(h))
    current = dict(st.session_state.get(state.OVERRIDES) or {})
    auto = t("up_auto")
    with st.expander(t("up_fix_mapping"), expanded=bool(current)):
        st.caption(t("up_fix_help"))
        with st.form("mapping_form"):
            profiles = ["", "douyin", "taobao", "jd", "pinduoduo", "amazon", "generic"]
            cur_profile = st.session_state.get(state.PROFILE) or ""
            profile = st.selectbox(t("up_profile_override"), profiles,
                                   index=profiles.index(cur_profile) if cur_profile in profiles else 0,
                                   format_func=lambda k: auto if not k else platform_name(k, st.session_state.get("lang", "zh")))
            chosen: dict[str, str] = {}
            cols = st.columns(3)
            detected = {}
            for f in loaded.files:
                for k, v in f.mapping.items():
                    detected.setdefault(k, str(v))
            for i, canon in enumerate(_canonical_columns()):
                options = [""] + headers
                value = current.get(canon, "")
                label = column_name(canon) + (f"（{detected[canon]}）" if canon in detected else "")
                if value and value not in options:
                    options.append(value)
                pick = cols[i % 3].selectbox(label, options, index=options.index(value) if value in options else 0,
                                             format_func=lambda h: auto if not h else h, key=f"map_{canon}",
                                             accept_new_options=True)
                if pick:
                    chosen[canon] = pick
            submitted = st.form_submit_button(t("up_apply"), type="primary")
        if submitted:
            st.session_state[state.OVERRIDES] = chosen
            st.session_state[state.PROFILE] = profile or None
            st.rerun()
        if current or st.session_state.get(state.PROFILE):
            st.caption(t("up_overrides_active", m=common.md_escape(", ".join(f"{column_name(k)}←{v}" for k, v in current.items()) or "—")))
            if st.button(t("up_reset_map")):
                st.session_state.pop(state.OVERRIDES, None)
                st.session_state.pop(state.PROFILE, None)
                st.rerun()


# Streamlit's uploader writes "Upload" and "1GB per file" in English whatever the page's language;
# in Chinese the two texts are replaced by CSS (fixed text of ours, never user input).
_UPLOADER_ZH_CSS = """<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{font-size: 0;}}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: "{button}"; font-size: 0.875rem;}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0;}}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{content: "{limit}"; font-size: 0.8rem;}}
</style>"""


def _uploader_language(lang: str) -> None:
    if lang == "zh":
        st.html(_UPLOADER_ZH_CSS.format(button=t("up_button"), limit=t("up_limit")))


def main() -> None:
    c = state.ctx()
    lang = c.lang
    st.title(t("up_title"))
    st.caption(t("up_help"))
    _uploader_language(lang)
    left, right = st.columns([3, 2])
    left.file_uploader(t("up_returns"), accept_multiple_files=True, key=state.uploader_key(RETURNS_KEY),
                       on_change=_on_returns)
    right.file_uploader(t("up_orders"), accept_multiple_files=False, key=state.uploader_key(ORDERS_KEY),
                        on_change=_on_orders)
    if st.session_state.pop("_restored", False):
        st.success(t("up_restored"))

    loaded = c.loaded
    if loaded is None:
        return
    st.subheader(t("up_current"))
    st.caption(t("data_sample", n=len(loaded.names)) if loaded.is_sample else t("data_uploaded", n=len(loaded.names)))
    st.markdown("、".join(common.md_escape(n) for n in loaded.names) or "—")
    if not loaded.is_sample or st.session_state.get(state.ORDERS_UPLOAD) is not None:
        st.button(t("up_back_to_sample"), on_click=_back_to_sample)
    if loaded.orders is not None:
        st.caption(t("up_orders_loaded", name=common.md_escape(loaded.orders_name), n=len(loaded.orders)))
        if st.session_state.get(state.ORDERS_UPLOAD) is not None:
            _orders_platform(loaded, lang)
    elif not loaded.orders_error:
        st.caption(t("up_no_orders"))

    bad = [e.file for e in loaded.errors if e.file and e.file != state.MAPPING_ERROR]
    if bad:
        st.markdown(f"**{t('up_bad_files')}**")
        st.markdown("\n".join(f"- {common.md_escape(name)}" for name in bad))
    if loaded.tagged is None:
        if not loaded.is_sample:
            _mapping_form(loaded)
        return

    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("up_files_ok"), len(loaded.files))
    m2.metric(t("up_rows_in"), f"{loaded.rows_in:,}")
    m3.metric(t("up_merged"), f"{loaded.duplicates_merged:,}")
    m4.metric(t("up_flagged"), f"{loaded.flagged_rows:,}")

    for f in loaded.files:
        with st.expander(f"{common.md_escape(f.name)} · {platform_name(f.profile, lang)} · {f.n_rows:,}",
                         expanded=len(loaded.files) == 1):
            _file_details(f, lang)
    _mapping_form(loaded)


main()
