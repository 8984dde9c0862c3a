"""Small layout helpers shared by the pages (no computing beyond display)."""
from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import streamlit as st

from diagnose.io import privacy, redact
from diagnose.messages import CATALOGUE, localise
from diagnose.model import cues
from diagnose.taxonomy import DROPDOWN_EVIDENCE_PREFIX, LIST_SEPARATORS, label_name, sub_reason_name
from ui import state
from ui.i18n import t



def require_data() -> state.Context | None:
    """The run's context when there are rows to show, else an explanation and None."""
    c = state.ctx()
    if c.model_error:
        return None
    if not c.ok:
        st.info(t("no_data"))
        return None
    return c


def require_rows(c: state.Context) -> bool:
    if c.filtered is None or len(c.filtered) == 0:
        st.info(t("no_rows_after_filter"))
        return False
    return True


def present(value: object) -> bool:
    """True for a real value (not None, NA, NaN or an empty string)."""
    if value is None or value is pd.NA:
        return False
    try:
        if pd.isna(value):
            return False
    except (TypeError, ValueError):
        pass
    return str(value).strip() != ""


def mask_id(value: object) -> str:
    """A buyer identifier safe to show (diagnose.io.privacy.mask_id); blank stays blank."""
    return privacy.mask_id(value) if present(value) else ""


def evidence_words(evidence: object) -> list[str]:
    """The evidence words of one row (a list; dropdown notes left out), longest first."""
    if not isinstance(evidence, (list, tuple, np.ndarray)):
        return []
    words: set[str] = set()
    for w in evidence:
        w = str(w).strip()
        if not w or w.startswith(DROPDOWN_EVIDENCE_PREFIX):
            continue
        words.add(w)
        if " " in w:  # word bigram: in the buyer's text the words touch
            words.add(w.replace(" ", ""))
            words.update(p for p in w.split(" ") if p)
    return sorted(words, key=len, reverse=True)


_ENGLISH_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9' ]*")


def highlight(text: object, evidence: object) -> str:
    """Buyer text as safe HTML: escaped first, then evidence words wrapped in <mark>.

    Matching runs on the raw text and every piece is escaped on output, so
    no character the buyer typed can become markup.
    """
    if not present(text):
        return ""
    raw = redact.redact_text(str(text))  # the table is redacted already; a caller's raw text is too
    words = evidence_words(evidence)
    if not words or not raw:
        return html.escape(raw)
    # English evidence matches whole words only ("up" must not light up "cup").
    pattern = re.compile("|".join(rf"\b{re.escape(w)}\b" if _ENGLISH_WORD.fullmatch(w) else re.escape(w) for w in words),
                         re.IGNORECASE)
    out, pos = [], 0
    for m in pattern.finditer(raw):
        if m.start() == m.end():
            continue
        out.append(html.escape(raw[pos:m.start()]))
        out.append(f"<mark>{html.escape(m.group())}</mark>")
        pos = m.end()
    out.append(html.escape(raw[pos:]))
    return "".join(out)


def display_table(frame: pd.DataFrame, lang: str, extra: tuple[str, ...] = ()) -> tuple[pd.DataFrame, dict]:
    """The rows as a readable table (names translated, buyer masked) and its column config."""
    cols = ["return_id", "sku", "buyer_text", "reason", "sub_reason", "confidence", "evidence", "platform_reason",
            "needs_review", "reason_conflict", "corrected", "amount", "applied_at", "buyer_id", "product_title",
            *extra]
    shown = [c for c in cols if c in frame.columns]
    out = redact.redact_frame(frame[shown])  # personal data never on screen (no-op on tagged tables)
    if "reason" in out.columns:
        out["reason"] = out["reason"].map(lambda k: label_name(str(k), lang))
    if "sub_reason" in out.columns:
        out["sub_reason"] = out["sub_reason"].map(lambda k: sub_reason_name(str(k), lang))
    if "buyer_id" in out.columns:
        out["buyer_id"] = out["buyer_id"].map(mask_id)
    if "evidence" in out.columns:  # a list per row in the library; one readable line here
        sep = LIST_SEPARATORS["evidence"]
        out["evidence"] = out["evidence"].map(
            lambda v: sep.join(cues.display_term(str(w), lang) for w in v) if isinstance(v, (list, tuple)) else "")
    config = {
        "return_id": st.column_config.TextColumn(t("col_return_id")),
        "sku": st.column_config.TextColumn(t("col_sku")),
        "product_title": st.column_config.TextColumn(t("col_title"), width="medium"),
        "buyer_text": st.column_config.TextColumn(t("col_buyer_text"), width="large"),
        "platform_reason": st.column_config.TextColumn(t("col_platform_reason")),
        "reason": st.column_config.TextColumn(t("col_reason")),
        "sub_reason": st.column_config.TextColumn(t("col_sub_reason")),
        "confidence": st.column_config.ProgressColumn(t("col_confidence"), min_value=0.0, max_value=1.0, format="%.2f"),
        "evidence": st.column_config.TextColumn(t("col_evidence")),
        "needs_review": st.column_config.CheckboxColumn(t("col_needs_review")),
        "reason_conflict": st.column_config.CheckboxColumn(t("col_conflict")),
        "corrected": st.column_config.CheckboxColumn(t("col_corrected")),
        "amount": st.column_config.NumberColumn(t("col_amount"), format="¥%.2f"),
        "applied_at": st.column_config.DatetimeColumn(t("col_applied_at"), format="YYYY-MM-DD HH:mm"),
        "buyer_id": st.column_config.TextColumn(t("col_buyer")),
        "risk_score": st.column_config.ProgressColumn(t("col_score"), min_value=0, max_value=100, format="%d"),
        "risk_level": st.column_config.TextColumn(t("col_level")),
        "risk_evidence": st.column_config.TextColumn(t("col_risk_evidence"), width="large"),
    }
    return out, {k: v for k, v in config.items() if k in out.columns}


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md_escape(value: object) -> str:
    """Text safe inside st.markdown: Markdown and HTML characters backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", "" if not present(value) else str(value))


def money(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"¥{value:,.2f}"


def money_short(value: float | None, lang: str) -> str:
    """A refunded amount short enough for a metric tile (万 in Chinese, K/M in English)."""
    if value is None or pd.isna(value):
        return "—"
    if lang == "zh":
        if abs(value) >= 1e8:
            return f"¥{value / 1e8:,.2f}亿"
        if abs(value) >= 1e5:
            return f"¥{value / 1e4:,.1f}万"
        return f"¥{value:,.0f}"
    if abs(value) >= 1e6:
        return f"¥{value / 1e6:,.2f}M"
    if abs(value) >= 1e5:
        return f"¥{value / 1e3:,.1f}K"
    return f"¥{value:,.0f}"


# --------------------------------------------------------------------------
# file errors, page language, translated keys
# --------------------------------------------------------------------------


def error_line(exc: Exception) -> str:
    """An `InputError` raised by an action on a page, in the user's language, Markdown-escaped.

    Every error the library raises has a catalogue code (tests/test_error_codes.py),
    so this is Chinese in the Chinese dashboard; one without a code keeps its English text.
    """
    from ui.i18n import lang

    return md_escape(localise(exc, lang(), "ui"))


def error_text(err: object, lang: str, *, orders: bool = False) -> str:
    """What the UI says for a file error: an InputError, a FileError, or a (file, message) pair.

    ``orders=True``: the error is about the order export (it is ignored, the returns still load).

    An error with a known code is said in the user's language with the
    dashboard's advice (`diagnose.messages.localise`); one without falls back
    to the library's English text. Markdown-escaped either way: it quotes the
    user's file.
    """
    if isinstance(err, tuple):
        name, msg = err
    else:
        name = getattr(err, "file", "") or ""
        msg = getattr(err, "message", None) or str(err)
        if getattr(err, "code", None) in CATALOGUE:
            msg = localise(err, lang, "ui")
    msg = str(msg)
    safe = md_escape(msg)
    if name == state.MAPPING_ERROR:
        text = t("mapping_error", msg=safe)
    elif orders:
        text = t("orders_error", msg=safe)
    else:
        text = t("file_error", msg=safe)
    if "--map" in msg:
        text += "\n\n" + t("map_hint")
    return text


_LANG_SCRIPT = """<script>
(function () {{
  try {{ window.parent.document.documentElement.lang = {lang!r}; }} catch (e) {{}}
}})();
</script>"""


def page_language(lang: str) -> None:
    """Set the page's <html lang> (zh-CN or en): screen readers, fonts and translators read it.

    Streamlit serves its page as lang="en"; a 1-pixel iframe in the
    sidebar (same origin as the app; our own fixed script, never user text)
    corrects it on every run (1 px high: Streamlit refuses 0).
    """
    st.sidebar.iframe(_LANG_SCRIPT.format(lang="zh-CN" if lang == "zh" else "en"), height=1)


HISTORY_KEYS = {
    "id": ("编号", "ID"), "return_id": ("售后单号", "Return ID"), "old_reason": ("原原因", "Old reason"),
    "new_reason": ("新原因", "New reason"), "old_sub_reason": ("原细分原因", "Old sub-reason"),
    "new_sub_reason": ("新细分原因", "New sub-reason"), "user": ("操作人", "By"), "corrected_by": ("操作人", "By"),
    "created_at": ("时间", "When"), "corrected_at": ("时间", "When"), "at": ("时间", "When"),
    "buyer_text": ("买家原话", "Buyer text"), "platform_reason": ("下拉原因", "Dropdown reason"),
    "note": ("备注", "Note"), "source": ("来源", "Source"),
    "model_version": ("模型版本", "Model version"),
}


def history_table(hist: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Correction history with reason keys and column names in the UI's language (no old_reason=quality)."""
    out = hist.copy()
    for col in ("old_reason", "new_reason"):
        if col in out.columns:
            out[col] = out[col].map(lambda k: label_name(str(k), lang) if present(k) else "")
    for col in ("old_sub_reason", "new_sub_reason"):
        if col in out.columns:
            out[col] = out[col].map(lambda k: sub_reason_name(str(k), lang) if present(k) else "")
    i = 0 if lang == "zh" else 1
    return out.rename(columns={k: v[i] for k, v in HISTORY_KEYS.items() if k in out.columns})
