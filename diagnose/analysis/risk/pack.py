"""The appeal pack for one return (售后申诉材料): HTML for A4, Markdown, XLSX.

It cites facts from the export — the after-sale and order facts, the
timeline (paid → shipped → signed → applied, 秒退 marked), the buyer's own
words with the decisive phrases marked, the negotiation log — and a plain
statement that claims only what those facts show. The tool's own readings
(text label and confidence, risk score) sit in a separate section marked as
reference, never as evidence. HTML comes from an autoescaped Jinja2
template. Nothing here suggests asking a buyer to change a reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from diagnose import taxonomy
from diagnose.analysis.metrics.rules import DEFAULT_METRIC_CONFIG
from diagnose.analysis.risk import pack_facts as F
from diagnose.analysis.risk._util import _text
from diagnose.analysis.risk.appeal import deadline_status, quality_appeal_list
from diagnose.analysis.risk.config import LEVEL_ZH
from diagnose.analysis.risk.cues import TextFeatures
from diagnose.errors import InputError
from diagnose.io import redact
from diagnose.io import export
from diagnose.io.privacy import mask_id

TEMPLATES = Path(__file__).with_name("templates")
DISCLAIMER = ("本材料由 diagnose 根据商家导出的售后与订单数据整理；事实均来自导出文件，工具判读仅供参考。"
              "买家身份已脱敏。本工具不建议、也不协助以任何方式要求买家修改售后原因或规避平台考核。")
_MARK_KINDS = ("buyer_side", "courier", "threat", "compensation", "used", "rwr", "defect", "sizing")


@dataclass
class Pack:
    return_id: str
    facts: list[tuple[str, str]]
    urgency: str
    deadline_note: str
    timeline: list[tuple[str, str, str, bool]]
    buyer_parts: list[tuple[str, bool]]
    negotiation: str
    statement: str
    reading: list[tuple[str, str]]
    history_headers: list[str] = field(default_factory=list)
    history_rows: list[list[str]] = field(default_factory=list)
    history_summary: str = ""
    disclaimer: str = DISCLAIMER


def _marked_parts(text: str) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_decisive) at the cue words found in it."""
    if not text:
        return []
    tf = TextFeatures(pd.Series([text], dtype="str"), 1)
    words = {str(tf[f"word_{k}"][0]) for k in _MARK_KINDS if f"word_{k}" in tf.u}
    words = sorted((w for w in words if w and w in text), key=len, reverse=True)
    if not words:
        return [(text, False)]
    pattern = re.compile("(" + "|".join(re.escape(w) for w in words) + ")")
    return [(piece, bool(pattern.fullmatch(piece))) for piece in pattern.split(text) if piece]


def _statement(row: pd.Series, appeal_row: pd.Series | None, level: str) -> str:
    if appeal_row is not None:
        return str(appeal_row["appeal_text_zh"])
    reason = F.clean(row.get("platform_reason"))
    if level in ("high", "medium"):
        return ("本单不是品质误判申诉候选。如需向平台反映异常售后，请只陈述导出中可核实的事实"
                "（买家原话、时间线、协商记录），由商家人工核实后决定；本材料不对买家作任何结论。")
    return (f"本单不是品质误判申诉候选：买家选择的原因为「{reason or '（空）'}」，"
            "买家说明描述了具体问题，或所选原因不计入品质退货率。材料仅整理导出中的事实，供商家核对。")


def _reading(row: pd.Series, df: pd.DataFrame) -> list[tuple[str, str]]:
    out = []
    label = F.clean(row.get("reason"))
    if label:
        conf = row.get("confidence")
        conf_s = f"（置信度 {float(conf):.2f}）" if conf is not None and pd.notna(conf) else ""
        out.append(("文本分类", taxonomy.label_name(label, "zh") + conf_s))
    if "risk_score" in df.columns:
        lvl = str(row.get("risk_level"))
        out.append(("风险分（用于排序复核）", f"{int(row['risk_score'])} / 100（{LEVEL_ZH.get(lvl, lvl)}）"))
        ev = [e for e in str(row.get("risk_evidence_zh", "")).split("；") if e.strip()]
        if ev:
            out.append(("风险分依据", "；".join(ev)))
    return out or [("工具判读", "无")]


def build_pack(df: pd.DataFrame, return_id: str, orders: pd.DataFrame | None, *,
               now: pd.Timestamp | None = None, fast_minutes: float | None = None) -> Pack:
    """Everything the pack shows for one return, as plain values (the templates only lay it out)."""
    if "return_id" not in df.columns:
        raise InputError("the table has no return_id column", hint="read the export with diagnose.io first",
                         code="no_return_id_column")
    # Buyer-typed text enters the pack from here: redacted once (ids kept exact, contacts hashed).
    df = redact.redact_frame(df.reset_index(drop=True))
    rid = str(return_id).strip()
    hit = np.flatnonzero((_text(df["return_id"], len(df)).str.strip() == rid).to_numpy())
    if len(hit) == 0:
        raise InputError(f"return id {rid!r} is not in the data",
                         hint="copy the 售后单号/退款编号 exactly as it appears in the export",
                         code="return_id_not_found", params={"return_id": rid})
    row = df.iloc[hit[0]]
    fast = DEFAULT_METRIC_CONFIG.fast_refund_minutes if fast_minutes is None else fast_minutes
    oline = F.order_line(orders, row)
    appeals, _ = quality_appeal_list(df) if "platform_reason" in df.columns or "dropdown_label" in df.columns \
        else (pd.DataFrame(columns=["return_id"]), {})
    match = appeals[_text(appeals["return_id"], len(appeals)).str.strip() == rid] if len(appeals) else appeals
    appeal_row = match.iloc[0] if len(match) else None
    urgency, note = deadline_status(F.clean(row.get("自动处理截止时间")), F.clean(row.get("仲裁状态")), now)
    headers, rows, summary = F.history(df, row, hit[0])
    return Pack(
        return_id=rid, facts=F.facts(row, oline), urgency=urgency, deadline_note=note,
        timeline=F.timeline(df, row, oline, fast), buyer_parts=_marked_parts(F.clean(row.get("buyer_text"))),
        negotiation=F.excerpt(F.clean(row.get("协商记录")), 600),
        statement=_statement(row, appeal_row, str(row.get("risk_level", ""))),
        reading=_reading(row, df), history_headers=headers, history_rows=rows, history_summary=summary,
    )


def render_html(p: Pack) -> bytes:
    """The pack as one HTML page for A4 print, from the autoescaped Jinja2 template."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    return env.get_template("appeal_pack.html.j2").render(p=p).encode("utf-8")


def _md(v: object) -> str:
    s = str(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Escaped brackets/backticks: a buyer's ![x](http://…) must not become an image a viewer fetches.
    s = re.sub(r"([\\`*_\[\]])", r"\\\1", s)
    return s.replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def render_md(p: Pack) -> bytes:
    L = [f"# 售后申诉材料 · 售后单 {_md(p.return_id)}", "", f"> {_md(p.deadline_note)}", "", "## 售后与订单信息", "",
         "| 项目 | 内容 |", "|---|---|"]
    L += [f"| {_md(k)} | {_md(v)} |" for k, v in p.facts]
    L += ["", "## 时间线", "", "| 时间 | 事件 | 来源 |", "|---|---|---|"]
    L += [f"| {_md(t)} | {'**' + _md(e) + '**' if fast else _md(e)} | {_md(s)} |" for t, e, s, fast in p.timeline] \
        or ["| | 导出中没有时间数据 | |"]
    text = "".join(f"=={_md(t)}==" if m else _md(t) for t, m in p.buyer_parts) or "（买家未填写）"
    L += ["", "## 买家说明（==标出== 的是决定性的词句）", "", "> " + text, "", "## 协商记录（摘录）", "",
          "> " + (_md(p.negotiation) or "（导出中没有协商记录）"), "", "## 申诉说明", "", _md(p.statement), "",
          "## 买家在本数据中的其他售后（买家身份已脱敏）", "", _md(p.history_summary), ""]
    if p.history_rows:
        L += ["| " + " | ".join(_md(c) for c in p.history_headers) + " |", "|" + "---|" * len(p.history_headers)]
        L += ["| " + " | ".join(_md(v) for v in r) + " |" for r in p.history_rows]
    L += ["", "## 工具判读（仅供商家参考，不作为证据提交）", "", "| 项目 | 内容 |", "|---|---|"]
    L += [f"| {_md(k)} | {_md(v)} |" for k, v in p.reading]
    L += ["", "---", "", _md(p.disclaimer), ""]
    return "\n".join(L).encode("utf-8")


def render_xlsx(p: Pack) -> bytes:
    text = "".join(f"【{t}】" if m else t for t, m in p.buyer_parts) or "（买家未填写）"
    summary = ([("截止与仲裁", p.deadline_note)] + p.facts
               + [("买家说明（【】内为决定性词句）", text), ("协商记录（摘录）", p.negotiation or "（无）"),
                  ("申诉说明", p.statement), ("说明", p.disclaimer)])
    sheets = {
        "申诉摘要": pd.DataFrame(summary, columns=["项目", "内容"]),
        "时间线": pd.DataFrame([(t, e + ("（秒退）" if f and "秒退" not in e else ""), s) for t, e, s, f in p.timeline],
                            columns=["时间", "事件", "来源"]),
        "买家历史": pd.DataFrame(p.history_rows, columns=p.history_headers) if p.history_headers
        else pd.DataFrame({"说明": [p.history_summary]}),
        "工具判读": pd.DataFrame(p.reading, columns=["项目", "内容"]),
    }
    return export.to_xlsx_bytes(sheets)


def appeal_pack(tagged_scored: pd.DataFrame, return_id: str, fmt: str, *,
                orders: pd.DataFrame | None = None, now: pd.Timestamp | None = None) -> bytes:
    """The appeal material for one return as xlsx, md or html bytes.

    Raises InputError for an unknown id or format. `orders` (an order table,
    ideally `metrics.read_order_facts`) adds the order line's paid / shipped /
    signed times, quantity and unit price; `now` dates the deadline warning.
    """
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in ("xlsx", "md", "html"):
        raise InputError(f"unknown appeal pack format {fmt!r}", hint="use xlsx, md or html",
                         code="output_format", params={"suffix": "." + fmt, "formats": ".xlsx / .md / .html"})
    df = tagged_scored.reset_index(drop=True)
    if not {"risk_score", "risk_evidence_zh"} <= set(df.columns):
        from diagnose.analysis.risk.score import score_risk

        df = score_risk(df).reset_index(drop=True)
    pack = build_pack(df, return_id, orders, now=now)
    return {"md": render_md, "html": render_html, "xlsx": render_xlsx}[fmt](pack)


def appeal_index_xlsx(appeals: pd.DataFrame) -> bytes:
    """The XLSX index of appeal candidates (`quality_appeal_list`), Chinese headers, most urgent first."""
    return export.to_xlsx_bytes({"申诉清单": F.index_frame(appeals)})


__all__ = ["appeal_index_xlsx", "appeal_pack", "build_pack", "mask_id"]
