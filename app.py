"""The dashboard: `streamlit run app.py`.

Thin on purpose: page config, the language switch, shared data loading and
the sidebar filters, then navigation. Each page under `ui/pages/` only lays
out what `ui.state` / the `diagnose` library computed.

With nothing uploaded, the sample exports in `sample_data/` are loaded (all
return exports there, with `douyin_orders.csv` as the order export), so a
newcomer sees a full diagnosis straight away.
"""
from __future__ import annotations

import streamlit as st

from ui import filters, state
from ui.common import error_text, md_escape, page_language
from ui.i18n import LANG_KEY, t

# The favicon is an inline SVG served by this server: a ":material/…:" or emoji
# icon would make every browser fetch it from Google's or a CDN's servers.
PAGE_ICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="5" '
             'fill="#E4572E"/><path d="M9 7 4 12l5 5v-3h6a3 3 0 0 0 0-6H9z" fill="#fff"/></svg>')
st.set_page_config(page_title="退货原因诊断 · Return diagnosis", page_icon=PAGE_ICON, layout="wide")

# --- language -----------------------------------------------------------------
st.sidebar.segmented_control(
    "语言 / Language", options=["zh", "en"], format_func=lambda k: "中文" if k == "zh" else "English",
    key=LANG_KEY, default="zh", required=True,
)
lang = st.session_state.get(LANG_KEY) or "zh"

# --- navigation (built first so page titles follow the language) ----------------
PAGES = [
    ("overview", ":material/dashboard:"), ("upload", ":material/upload_file:"),
    ("drilldown", ":material/manage_search:"), ("fixes", ":material/build:"),
    ("malicious", ":material/gpp_maybe:"), ("corrections", ":material/edit_note:"),
    ("downloads", ":material/download:"),
    ("metrics", ":material/monitoring:"),
    ("followup", ":material/published_with_changes:"),
]
pages = [
    st.Page(f"ui/pages/{name}.py", title=t(f"nav_{name}"), icon=icon, url_path=name, default=(name == "overview"))
    for name, icon in PAGES
]
nav = st.navigation(pages)
# Each page gets its own browser-tab title, and the page says which language it is in.
st.set_page_config(page_title=f"{nav.title} · {t('app_title')}", page_icon=PAGE_ICON, layout="wide")
page_language(lang)

# --- shared data -------------------------------------------------------------------
# A spare child process for parsing uploads, started before the user picks a file.
state.warm_parser()
with st.spinner(t("loading")):
    ctx = state.build_context(lang)

if ctx.model_error:
    st.error(t("model_error", msg=md_escape(ctx.model_error)))
elif ctx.loaded is not None:
    for err in ctx.loaded.errors:
        st.error(error_text(err, lang))
    if ctx.loaded.orders_error:
        st.warning(error_text(ctx.loaded.orders_error, lang, orders=True))
    if ctx.table is not None:
        ctx.filters = filters.render(ctx.table, ctx.loaded.key, lang)
        ctx.filtered = filters.apply(ctx.table, ctx.filters)
        st.sidebar.caption(t("f_rows", n=len(ctx.filtered), total=len(ctx.table)))
        n_files = len(ctx.loaded.files)
        st.sidebar.caption(t("data_sample", n=n_files) if ctx.loaded.is_sample else t("data_uploaded", n=n_files))
if ctx.store_error:
    st.warning(t("co_store_error", msg=md_escape(ctx.store_error)))

nav.run()
