"""Downloads: the tagged table (CSV/XLSX) and the report (XLSX workbook / Markdown).

Every file is built by the library's formula-injection-safe writers
(`diagnose.io.export`, `diagnose.analysis.report`), and only when its button is pressed.
"""
from __future__ import annotations

import streamlit as st

from ui import common
from ui.i18n import t
from ui.state import report_md_bytes, report_xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def main() -> None:
    from diagnose.io import export

    c = common.require_data()
    if c is None:
        return
    lang = c.lang
    st.title(t("dl_title"))
    st.caption(t("dl_safe"))

    st.subheader(t("dl_tagged"))
    scoped = st.toggle(t("dl_scope"), value=True, key="dl_scope")
    table = c.filtered if scoped else c.table
    st.caption(t("dl_rows", n=len(table)))
    # A wrapping row sized to the labels: fixed narrow columns cut "Download …" at 1024 px.
    col1 = col2 = st.container(horizontal=True)
    col1.download_button(t("dl_csv"), data=lambda: export.to_csv_bytes(table), file_name="returns_tagged.csv",
                         mime="text/csv", on_click="ignore", key="dl_csv", disabled=len(table) == 0)
    col2.download_button(t("dl_xlsx"), data=lambda: export.to_xlsx_bytes({"returns": table}),
                         file_name="returns_tagged.xlsx", mime=XLSX, on_click="ignore", key="dl_xlsx",
                         disabled=len(table) == 0)

    st.subheader(t("dl_report"))
    if len(c.filtered) == 0:
        st.info(t("no_rows_after_filter"))
        return
    rep = c.report(full=True)
    col1 = col2 = st.container(horizontal=True)
    col1.download_button(t("dl_report_xlsx"), data=lambda: report_xlsx_bytes(rep, lang),
                         file_name="return_report.xlsx", mime=XLSX, on_click="ignore", key="dl_report_xlsx",
                         type="primary")
    col2.download_button(t("dl_report_md"), data=lambda: report_md_bytes(rep, lang),
                         file_name="return_report.md", mime="text/markdown", on_click="ignore", key="dl_report_md")


main()
