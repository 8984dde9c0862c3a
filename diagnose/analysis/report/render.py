"""The report as Markdown (a merchant reads it top to bottom) and as an XLSX workbook."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from diagnose import taxonomy
from diagnose.analysis.report.aggregate import UNSPECIFIED, Report, platform_name
from diagnose.errors import InputError
from diagnose.io import export

# ---------------------------------------------------------------------------
# Wording
# ---------------------------------------------------------------------------
_T = {
    "zh": {
        "title": "退货原因诊断报告",
        "period": "数据期间", "to": "至", "no_dates": "无申请时间",
        "overview": "一、概览",
        "returns_line": "退货 **{n}** 条，涉及 **{skus}** 个 SKU，退款金额合计 **{amount}**",
        "top_reason_line": "最主要的退货原因：**{name}**（{share}）",
        "conflict_line": "下拉原因与买家描述冲突率：**{rate}**（{c}/{b} 条同时有下拉原因和买家描述的退货）",
        "conflict_na": "下拉原因与买家描述冲突率：无法计算（没有同时带下拉原因和买家描述的退货）",
        "review_line": "需人工复核（模型把握不足）：{n} 条",
        "malicious_line": "疑似恶意退款：{n} 条（见改进建议中的“需复核”项）",
        "dup_line": "多个文件中重复的退货单已合并：{n} 条",
        "flag_line": "有字段问题的行（已保留并标记）：{n} 条",
        "undated_line": "缺少申请时间的退货：{n} 条（计入总数，不计入每周趋势）",
        "empty": "没有可分析的退货记录。",
        "fixes": "二、优先改进建议（按涉及退款金额排序）",
        "fixes_none": "没有达到门槛的原因（SKU 至少 {m} 条退货，且某一原因至少 2 条、占该 SKU 退货 10% 以上）。",
        "fixes_more": "共 {n} 条建议，此处列出前 {k} 条；完整列表见 xlsx 报告的“改进建议”表。",
        "at_stake": "涉及退款金额", "cause": "原因", "review_tag": "【需复核】",
        "quotes": "买家原话",
        "reasons": "三、退货原因分布",
        "subs": "四、细分原因",
        "top_skus": "五、退款金额最高的 SKU",
        "pareto": "前 **{k}** 个 SKU（共 {n} 个）占退款金额的 80%。",
        "rates": "六、退货率（退货件数 ÷ 销售件数）",
        "rates_note": "⚠ 表示退货率达到全店 SKU 中位数（{median}）的 1.5 倍及以上；优先级 = 退货率 × 退货条数。无订单记录的 SKU 退货率记为“-”。",
        "conflict": "七、下拉原因与买家描述的冲突",
        "conflict_text": ("买家选的下拉原因（如“质量问题”）与其文字描述（如“不想要了”）不一致的比例为 **{rate}**"
                          "（{c}/{b}）。选质量类原因时运费通常由商家承担、并计入品质退货率，"
                          "这类退货可整理证据向平台申诉。"),
        "conflict_text_na": "没有同时带下拉原因和买家描述的退货，无法计算冲突率。",
        "phrases": "八、各 SKU 买家的高频用语",
        "phrases_note": "这些词在该 SKU 买家的描述中明显多于店内其他退货买家，是修改详情页、主图或尺码表的线索。",
        "phrases_none": "没有明显区别于其他商品的高频用语（每个 SKU 需至少 {m} 条退货、3 条以上描述）。",
        "weeks": "九、每周退货趋势",
        "weeks_note": "按申请时间所在周（周一）统计；{n} 条缺少申请时间的退货未计入本表，但计入其他统计。",
        "weeks_note_all": "按申请时间所在周（周一）统计。",
        "weeks_none": "没有申请时间，无法统计每周趋势。",
        "method": "说明",
        "method_text": [
            "原因由模型根据买家描述和下拉原因判断；“需人工复核”为模型置信度低于阈值的退货。",
            "改进建议：每个退货不少于 {m} 条的 SKU，某一原因（细分原因）至少 2 条且占该 SKU 退货 10% 以上时给出；买家个人原因和“其他”需占 30% 以上；疑似恶意退款只列为复核项。",
            "高频用语：提及率 = 含该词的描述数 ÷ 描述总数；倍数 = 本 SKU 提及率 ÷ 其他 SKU 提及率（下限 1%）。",
        ],
        "h_reason": "原因", "h_sub": "细分原因", "h_returns": "退货数", "h_share": "占比",
        "h_share_reason": "占该原因", "h_amount": "退款金额", "h_rank": "排名", "h_sku": "SKU",
        "h_title": "商品", "h_cum": "累计占比", "h_top": "主要原因", "h_sold": "销售件数",
        "h_returned": "退货件数", "h_rate": "退货率", "h_priority": "优先级", "h_phrase": "用语",
        "h_sku_share": "本 SKU 提及率", "h_rest_share": "其他买家提及率", "h_lift": "倍数",
        "h_week": "周（周一）", "h_total": "合计", "h_docs": "提及条数",
        "key_line": "导出文件没有 SKU 列：商品按 **{key}** 区分",
        "key_sku": "SKU", "key_product_id": "商品ID", "key_product_title": "商品名称",
        "plat_unknown": "平台未知",
        "basis_line": "退货率所用订单文件：{file}（{platform}，{rows} 行订单）",
        "basis_window": "；订单与退货都限于 {start} 至 {end}",
        "basis_without": "；{platforms}没有订单文件，这些平台的 {n} 条退货不计算退货率",
        "basis_unknown": "；无法确定订单文件属于哪个平台，而退货来自多个平台，因此不计算退货率",
    },
    "en": {
        "title": "Return reasons report",
        "period": "Period", "to": "to", "no_dates": "no application dates",
        "overview": "1. Overview",
        "returns_line": "**{n}** returns across **{skus}** SKUs, **{amount}** refunded",
        "top_reason_line": "Main reason: **{name}** ({share})",
        "conflict_line": "Dropdown-vs-text conflict rate: **{rate}** ({c} of {b} returns with both a dropdown reason and buyer text)",
        "conflict_na": "Dropdown-vs-text conflict rate: not computable (no return has both a dropdown reason and buyer text)",
        "review_line": "Need a human look (low model confidence): {n}",
        "malicious_line": "Suspected malicious refunds: {n} (listed as review items among the fixes)",
        "dup_line": "Duplicate returns merged across files: {n}",
        "flag_line": "Rows with problem fields (kept and flagged): {n}",
        "undated_line": "Returns without an application date: {n} (counted in totals, left out of the weekly trend)",
        "empty": "There are no returns to analyse.",
        "fixes": "2. Fixes first (ranked by refunded amount at stake)",
        "fixes_none": "No cause passes the bar (a SKU with at least {m} returns, a cause with at least 2 returns and 10% of them).",
        "fixes_more": "{n} suggestions in all; the top {k} are shown. The full list is the Fixes sheet of the xlsx report.",
        "at_stake": "Refunded amount at stake", "cause": "Cause", "review_tag": "[review]",
        "quotes": "Buyers wrote",
        "reasons": "3. Returns by reason",
        "subs": "4. Sub-reasons",
        "top_skus": "5. SKUs with the most refunded",
        "pareto": "The top **{k}** SKUs (of {n}) account for 80% of the refunded amount.",
        "rates": "6. Return rates (returned units ÷ sold units)",
        "rates_note": "⚠ marks a rate at least 1.5× the shop's median SKU rate ({median}); priority = return rate × returns. SKUs without orders show '-'.",
        "conflict": "7. Dropdown reason vs buyer text",
        "conflict_text": ("**{rate}** of returns ({c} of {b}) picked a dropdown reason (such as 'quality problem') that "
                          "their own text contradicts (such as 'no longer want it'). Quality reasons usually "
                          "put return shipping on the merchant and count toward the quality return rate; such "
                          "returns can be appealed with evidence."),
        "conflict_text_na": "No return has both a dropdown reason and buyer text, so there is no conflict rate.",
        "phrases": "8. Words that set each SKU's buyers apart",
        "phrases_note": "These phrases appear markedly more often in this SKU's return texts than in the shop's other return texts: clues for the listing, photos or size chart.",
        "phrases_none": "No SKU-specific phrases (a SKU needs at least {m} returns and 3 texts).",
        "weeks": "9. Weekly trend",
        "weeks_note": "By week of application (Monday). {n} returns without a date are left out of this table but counted elsewhere.",
        "weeks_note_all": "By week of application (Monday).",
        "weeks_none": "No application dates, so there is no weekly trend.",
        "method": "Method",
        "method_text": [
            "Reasons are tagged by the model from the buyer text and the dropdown reason; 'need a human look' are returns below the confidence threshold.",
            "Fixes: for SKUs with at least {m} returns, causes (sub-reasons) with at least 2 returns and 10% of the SKU's returns; buyer-side reasons and 'other' need 30%; suspected malicious refunds appear only as review items.",
            "Phrases: share = texts containing the phrase ÷ texts; lift = SKU share ÷ other SKUs' share (floored at 1%).",
        ],
        "h_reason": "Reason", "h_sub": "Sub-reason", "h_returns": "Returns", "h_share": "Share",
        "h_share_reason": "Of reason", "h_amount": "Refunded", "h_rank": "#", "h_sku": "SKU",
        "h_title": "Product", "h_cum": "Cumulative", "h_top": "Main reason", "h_sold": "Sold units",
        "h_returned": "Returned units", "h_rate": "Return rate", "h_priority": "Priority",
        "h_phrase": "Phrase", "h_sku_share": "SKU share", "h_rest_share": "Others' share",
        "h_lift": "Lift", "h_week": "Week (Monday)", "h_total": "Total", "h_docs": "Texts",
        "key_line": "The export has no SKU column: products are told apart by **{key}**",
        "key_sku": "SKU", "key_product_id": "product ID", "key_product_title": "product title",
        "plat_unknown": "platform unknown",
        "basis_line": "Return rates use the order file {file} ({platform}, {rows} order lines)",
        "basis_window": "; orders and returns both limited to {start} to {end}",
        "basis_without": "; {platforms} have no order file, so their {n} returns get no rate",
        "basis_unknown": "; the order file's platform is unknown and the returns come from several platforms, so no rate is given",
    },
}


def _lang(lang: str) -> str:
    if lang not in _T:
        raise InputError(f"unknown report language '{lang}'", hint="use zh or en", code="unknown_language",
                         params={"lang": str(lang)})
    return lang


def _int(v) -> str:
    return "-" if v is None or pd.isna(v) else f"{int(round(float(v))):,}"


def _money(v) -> str:
    return "-" if v is None or pd.isna(v) else f"{float(v):,.2f}"


def _pct(v, digits: int = 1) -> str:
    return "-" if v is None or pd.isna(v) else f"{float(v):.{digits}%}"


def _num(v, digits: int = 1) -> str:
    return "-" if v is None or pd.isna(v) else f"{float(v):.{digits}f}"


def _date(v) -> str:
    return "-" if v is None or pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def _esc(text: object, limit: int | None = None) -> str:
    """Text safe inside Markdown (and a table cell): no markup, no line breaks."""
    s = "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)
    s = re.sub(r"\s+", " ", s).strip()
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", s)


def _table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _reason_name(key: str, lang: str) -> str:
    return taxonomy.label_name(key, lang)


def _sub_name(key: str, lang: str) -> str:
    return taxonomy.sub_reason_name(key, lang)


def _sku_label(sku: str, title: str, limit: int = 24) -> str:
    return _esc(sku) + (f"（{_esc(title, limit)}）" if title else "")


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------
def _md_overview(report: Report, t: dict, lang: str) -> list[str]:
    tot = report.totals
    bullets = [t["returns_line"].format(n=_int(tot["returns"]), skus=_int(tot["skus"]),
                                        amount=_money(tot["refunded_amount"]))]
    key = tot.get("product_key")
    if key and key != "sku":
        bullets.append(t["key_line"].format(key=t[f"key_{key}"]))
    if not report.by_reason.empty:
        top = report.by_reason.iloc[0]
        bullets.append(t["top_reason_line"].format(name=_reason_name(top["reason"], lang),
                                                   share=_pct(top["share"])))
    if tot.get("conflict_rate") is not None:
        bullets.append(t["conflict_line"].format(rate=_pct(tot["conflict_rate"]),
                                                 c=_int(tot.get("conflicts")), b=_int(tot.get("conflict_base"))))
    else:
        bullets.append(t["conflict_na"])
    bullets.append(t["review_line"].format(n=_int(tot["needs_review"])))
    bullets.append(t["malicious_line"].format(n=_int(tot["malicious"])))
    for key, line in (("duplicates_merged", "dup_line"), ("flagged_rows", "flag_line"),
                      ("undated_rows", "undated_line")):
        if tot.get(key):
            bullets.append(t[line].format(n=_int(tot[key])))
    return [f"- {b}" for b in bullets] + [""]


def _md_fixes(report: Report, t: dict, lang: str, top_fixes: int) -> list[str]:
    out = [f"## {t['fixes']}", ""]
    fixes = report.fixes
    if fixes.empty:
        return out + [t["fixes_none"].format(m=report.totals.get("min_returns", 5)), ""]
    fix_col = "fix_zh" if lang == "zh" else "fix_en"
    sep = "：" if lang == "zh" else ": "
    for r in fixes.head(top_fixes).itertuples(index=False):
        tag = t["review_tag"] + " " if r.kind == "review" else ""
        cause = _reason_name(r.reason, lang)
        if r.sub_reason != UNSPECIFIED:
            cause += " / " + _sub_name(r.sub_reason, lang)
        title = f" · {_esc(r.product_title, 30)}" if r.product_title else ""
        out.append(f"{int(r.rank)}. {tag}**{_esc(getattr(r, fix_col))}**  ")
        out.append(f"   {t['at_stake']}{sep}{_money(r.amount_at_stake)} · {t['cause']}{sep}{cause}{title}  ")
        quotes = [q for q in str(r.examples).split("\n") if q.strip()]
        if quotes:
            out.append(f"   {t['quotes']}{sep}" + " ".join(f"“{_esc(q, 60)}”" for q in quotes))
    out.append("")
    if len(fixes) > top_fixes:
        out += [t["fixes_more"].format(n=len(fixes), k=top_fixes), ""]
    return out


def _md_breakdowns(report: Report, t: dict, lang: str, top_rows: int) -> list[str]:
    out = [f"## {t['reasons']}", ""]
    rows = [[_esc(_reason_name(r.reason, lang)), _int(r.returns), _pct(r.share), _money(r.amount)]
            for r in report.by_reason.itertuples(index=False)]
    out += [_table([t["h_reason"], t["h_returns"], t["h_share"], t["h_amount"]], rows, {1, 2, 3}), ""]
    subs = report.by_sub_reason.sort_values("returns", ascending=False, kind="stable").head(15)
    rows = [[_esc(_reason_name(r.reason, lang)), _esc(_sub_name(r.sub_reason, lang)), _int(r.returns),
             _pct(r.share_of_reason), _money(r.amount)] for r in subs.itertuples(index=False)]
    out += [f"## {t['subs']}", "",
            _table([t["h_reason"], t["h_sub"], t["h_returns"], t["h_share_reason"], t["h_amount"]],
                   rows, {2, 3, 4}), ""]
    top = report.top_skus
    out += [f"## {t['top_skus']}", ""]
    if not top.empty and top["cumulative_share"].notna().any():
        reach = top.index[top["cumulative_share"] >= 0.8 - 1e-9]
        k = int(reach[0]) + 1 if len(reach) else len(top)
        out += [t["pareto"].format(k=k, n=len(top)), ""]
    rows = [[str(int(r.rank)), _sku_label(r.sku, r.product_title), _int(r.returns), _money(r.amount),
             _pct(r.cumulative_share), _esc(_reason_name(r.top_reason, lang))]
            for r in top.head(top_rows).itertuples(index=False)]
    out += [_table([t["h_rank"], t["h_sku"], t["h_returns"], t["h_amount"], t["h_cum"], t["h_top"]],
                   rows, {0, 2, 3, 4}), ""]
    return out


def rate_basis_text(report: Report, lang: str = "zh") -> str:
    """One sentence saying which orders file, platform and days the return rates divide by."""
    b = report.rate_basis
    if b is None:
        return ""
    t = _T[_lang(lang)]
    plat = platform_name(b.orders_platform, lang) if b.orders_platform else t["plat_unknown"]
    text = t["basis_line"].format(file=_esc(b.orders_file) or "-", platform=plat, rows=_int(b.order_rows))
    if b.date_from is not None:
        text += t["basis_window"].format(start=_date(b.date_from), end=_date(b.date_to))
    if b.orders_platform is None and b.returns_matched == 0:
        text += t["basis_unknown"]
    elif b.platforms_without_orders:
        names = "、".join(platform_name(p, lang) for p in b.platforms_without_orders) if lang == "zh" \
            else ", ".join(platform_name(p, lang) for p in b.platforms_without_orders)
        text += t["basis_without"].format(platforms=names, n=_int(b.returns_unmatched))
    return text


def _md_rates(report: Report, t: dict, lang: str, top_rows: int) -> list[str]:
    if report.return_rates is None:
        return []
    rr = report.return_rates
    median = rr["return_rate"].median()
    out = [f"## {t['rates']}", "", rate_basis_text(report, lang), "",
           t["rates_note"].format(median=_pct(median)), ""]
    rows = [[_sku_label(r.sku, r.product_title), _int(r.sold_units), _int(r.returned_units),
             _pct(r.return_rate) + (" ⚠" if pd.notna(r.spike) and bool(r.spike) else ""), _num(r.priority, 2)]
            for r in rr[rr["returns"] > 0].head(top_rows).itertuples(index=False)]
    return out + [_table([t["h_sku"], t["h_sold"], t["h_returned"], t["h_rate"], t["h_priority"]],
                         rows, {1, 2, 3, 4}), ""]


def _md_phrases(report: Report, t: dict) -> list[str]:
    out = [f"## {t['phrases']}", ""]
    ph = report.phrases
    if ph.empty:
        return out + [t["phrases_none"].format(m=report.totals.get("min_returns", 5)), ""]
    out += [t["phrases_note"], ""]
    titles = report.by_sku.set_index("sku")["product_title"] if not report.by_sku.empty else {}
    rows = []
    for sku, grp in ph.groupby("sku", sort=False):
        first = True
        for r in grp.itertuples(index=False):
            rows.append([_sku_label(sku, titles.get(sku, "")) if first else "",
                         _esc(r.phrase), f"{int(r.sku_count)}/{int(r.sku_docs)}",
                         _pct(r.sku_share, 0), _pct(r.rest_share, 0), f"×{r.lift:.1f}"])
            first = False
    return out + [_table([t["h_sku"], t["h_phrase"], t["h_docs"], t["h_sku_share"], t["h_rest_share"],
                          t["h_lift"]], rows, {2, 3, 4, 5}), ""]


def _md_weeks(report: Report, t: dict, lang: str) -> list[str]:
    out = [f"## {t['weeks']}", ""]
    wk = report.by_week
    if wk.empty:
        return out + [t["weeks_none"], ""]
    undated = report.totals.get("undated_rows", 0)
    out += [t["weeks_note"].format(n=_int(undated)) if undated else t["weeks_note_all"], ""]
    pivot = wk.pivot_table(index="week", columns="reason", values="returns", aggfunc="sum", fill_value=0)
    cols = [r for r in report.by_reason["reason"] if r in pivot.columns]
    pivot = pivot[cols].tail(12)
    rows = [[_date(week)] + [_int(v) for v in vals] + [_int(sum(vals))]
            for week, vals in zip(pivot.index, pivot.to_numpy().tolist())]
    headers = [t["h_week"]] + [_esc(_reason_name(c, lang)) for c in cols] + [t["h_total"]]
    return out + [_table(headers, rows, set(range(1, len(headers)))), ""]


def report_to_markdown(report: Report, lang: str = "zh", *, top_fixes: int = 10,
                       top_rows: int = 10) -> str:
    """A Markdown report a merchant can read top to bottom."""
    t = _T[_lang(lang)]
    tot = report.totals
    sep = "：" if lang == "zh" else ": "
    out: list[str] = [f"# {t['title']}", ""]
    if tot.get("date_from") is not None:
        out.append(f"> {t['period']}{sep}{_date(tot['date_from'])} {t['to']} {_date(tot['date_to'])}")
    else:
        out.append(f"> {t['period']}{sep}{t['no_dates']}")
    out += ["", f"## {t['overview']}", ""]
    if not tot["returns"]:
        return "\n".join(out + [t["empty"], ""])
    out += _md_overview(report, t, lang)
    out += _md_fixes(report, t, lang, top_fixes)
    out += _md_breakdowns(report, t, lang, top_rows)
    out += _md_rates(report, t, lang, top_rows)
    out += [f"## {t['conflict']}", ""]
    if tot.get("conflict_rate") is not None:
        out += [t["conflict_text"].format(rate=_pct(tot["conflict_rate"]), c=_int(tot.get("conflicts")),
                                          b=_int(tot.get("conflict_base"))), ""]
    else:
        out += [t["conflict_text_na"], ""]
    out += _md_phrases(report, t)
    out += _md_weeks(report, t, lang)
    out += [f"## {t['method']}", ""]
    out += [f"- {line.format(m=tot.get('min_returns', 5))}" for line in t["method_text"]] + [""]
    return "\n".join(out)


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------
_COLUMNS_ZH = {
    "reason": "原因代码", "reason_zh": "原因", "returns": "退货数", "share": "占比", "amount": "退款金额",
    "sub_reason": "细分原因代码", "sub_reason_zh": "细分原因", "share_of_reason": "占该原因",
    "sku": "SKU", "product_title": "商品", "top_reason": "主要原因代码", "top_reason_zh": "主要原因",
    "top_reason_share": "主要原因占比", "return_rate": "退货率", "week": "周（周一）",
    "rank": "排名", "amount_share": "金额占比", "cumulative_share": "累计金额占比",
    "n": "条数", "total": "该SKU退货数", "amount_at_stake": "涉及退款金额", "fix_zh": "改进建议",
    "fix_en": "Suggested fix", "examples": "买家原话", "kind": "类型",
    "phrase": "用语", "sku_count": "提及条数", "sku_docs": "该SKU描述数", "sku_share": "本SKU提及率",
    "rest_share": "其他买家提及率", "lift": "倍数", "sold_units": "销售件数",
    "returned_units": "退货件数", "spike": "退货率异常", "priority": "优先级",
    "item": "项目", "value": "数值",
}
_SHEETS = {
    "zh": {"summary": "概览", "fixes": "改进建议", "by_reason": "原因分布", "by_sub_reason": "细分原因",
           "by_sku": "按SKU", "top_skus": "退款金额TOP", "return_rates": "退货率",
           "phrases": "高频用语", "by_week": "每周趋势", "readme": "说明"},
    "en": {"summary": "Summary", "fixes": "Fixes", "by_reason": "By reason", "by_sub_reason": "By sub-reason",
           "by_sku": "By SKU", "top_skus": "Top SKUs", "return_rates": "Return rates",
           "phrases": "Phrases", "by_week": "Weekly", "readme": "README"},
}
_TOTAL_NAMES = {
    "zh": {"returns": "退货条数", "refunded_amount": "退款金额合计", "skus": "SKU 数", "date_from": "最早申请时间",
           "date_to": "最晚申请时间", "needs_review": "需人工复核", "malicious": "疑似恶意退款",
           "conflict_rate": "下拉原因与描述冲突率", "conflicts": "冲突条数",
           "conflict_base": "同时有下拉原因和描述的条数", "duplicates_merged": "合并的重复退货单",
           "flagged_rows": "有字段问题的行", "undated_rows": "缺少申请时间的行", "texts": "有买家描述的条数"},
    "en": {},
}
_README = {
    "zh": [
        ("概览", "退货总数、退款金额、冲突率等主要数字。"),
        ("改进建议", "每个退货不少于 {m} 条的 SKU 的主要原因与建议，按涉及退款金额排序；类型 review 为疑似恶意退款，需人工复核。"),
        ("原因分布 / 细分原因", "各原因与细分原因的退货数、占比（按条数）和退款金额。"),
        ("按SKU", "每个 SKU 的退货数、退款金额、主要原因及各原因条数；有订单时含退货率。"),
        ("退款金额TOP", "按退款金额排序的 SKU 及累计占比（帕累托）。"),
        ("退货率", "退货件数 ÷ 销售件数；退货率异常 = 达到全店 SKU 退货率中位数的 1.5 倍；优先级 = 退货率 × 退货条数。无订单的 SKU 退货率为空。"),
        ("高频用语", "该 SKU 买家描述中明显多于其他退货买家的词：提及率 = 含该词描述数 ÷ 描述数；倍数 = 本 SKU 提及率 ÷ 其他买家提及率（下限 1%）；至少 3 条且占 10%。"),
        ("每周趋势", "按申请时间所在周（周一）统计；缺少申请时间的退货不计入此表。"),
        ("冲突率", "下拉原因与买家描述不一致的退货 ÷ 同时有下拉原因和描述的退货。"),
        ("安全", "以 = + - @ 开头的文字单元格已加前缀 ' ，防止公式注入。"),
    ],
    "en": [
        ("Summary", "Headline numbers: returns, refunded amount, conflict rate."),
        ("Fixes", "Main causes and fixes for SKUs with at least {m} returns, ranked by refunded amount at stake; kind 'review' marks suspected malicious refunds to check by hand."),
        ("By reason / By sub-reason", "Returns, share (by count) and refunded amount per reason and sub-reason."),
        ("By SKU", "Per SKU: returns, refunded amount, main reason and counts per reason; return rate when orders were given."),
        ("Top SKUs", "SKUs by refunded amount with cumulative share (Pareto)."),
        ("Return rates", "Returned units ÷ sold units; spike = rate at least 1.5× the shop's median SKU rate; priority = rate × returns. Empty for SKUs without orders."),
        ("Phrases", "Phrases this SKU's buyers use markedly more than the shop's other returning buyers: share = texts containing it ÷ texts; lift = SKU share ÷ others' share (floored at 1%); at least 3 texts and 10%."),
        ("Weekly", "By week of application (Monday); returns without a date are left out of this sheet."),
        ("Conflict rate", "Returns whose dropdown reason contradicts the buyer text ÷ returns having both."),
        ("Safety", "Text cells starting with = + - @ are prefixed with ' to prevent formula injection."),
    ],
}


def _summary_frame(report: Report, lang: str) -> pd.DataFrame:
    names = _TOTAL_NAMES[lang]
    rows = []
    for key, value in report.totals.items():
        if key == "min_returns":
            continue
        if key in ("date_from", "date_to"):
            value = _date(value) if value is not None else ""
        elif value is None:
            value = ""
        rows.append({"item": names.get(key, key), "value": value})
    return pd.DataFrame(rows, columns=["item", "value"])


def _sheet_tables(report: Report, lang: str) -> dict[str, pd.DataFrame]:
    names = _SHEETS[lang]
    m = report.totals.get("min_returns", 5)
    tables: list[tuple[str, pd.DataFrame | None]] = [
        ("summary", _summary_frame(report, lang)),
        ("fixes", report.fixes),
        ("by_reason", report.by_reason),
        ("by_sub_reason", report.by_sub_reason),
        ("by_sku", report.by_sku),
        ("top_skus", report.top_skus),
        ("return_rates", report.return_rates),
        ("phrases", report.phrases),
        ("by_week", report.by_week),
        ("readme", pd.DataFrame([{"item": a, "value": b.format(m=m)} for a, b in _README[lang]])),
    ]
    sheets: dict[str, pd.DataFrame] = {}
    for key, df in tables:
        if df is None:
            continue
        df = df.copy()
        for c in df.columns:  # readable numbers; the Report keeps full precision
            if pd.api.types.is_float_dtype(df[c].dtype):
                df[c] = df[c].round(2 if c in ("amount", "amount_at_stake") else 4)
        if lang == "zh":
            labels = {l: taxonomy.label_name(l, "zh") for l in taxonomy.LABELS}
            df = df.rename(columns=lambda c: _COLUMNS_ZH.get(c, labels.get(c, c)))
        sheets[names[key]] = df
    return sheets


def to_xlsx_bytes(report: Report, lang: str = "zh", notes: list[str] | None = None) -> bytes:
    """The report workbook (one formula-safe sheet per table) as bytes, for downloads; a table
    longer than a sheet is split over several (`notes` gets what to tell the user)."""
    _lang(lang)
    return export.to_xlsx_bytes(_sheet_tables(report, lang), notes=notes)


def write_report(report: Report, path: str | os.PathLike, lang: str = "zh") -> list[str]:
    """Write the report as .xlsx (one sheet per table) or .md (Markdown); the notes to tell the user."""
    _lang(lang)
    p = Path(path)
    ext = p.suffix.lower()
    notes: list[str] = []
    if ext == ".md":
        data = report_to_markdown(report, lang).encode("utf-8")
    elif ext == ".xlsx":
        data = to_xlsx_bytes(report, lang, notes=notes)
    else:
        raise InputError(
            f"cannot write a report as '{p.suffix or '(no extension)'}'",
            file=str(p),
            hint="name the report file .xlsx or .md",
            code="output_format", params={"suffix": p.suffix or "(no extension)", "formats": ".xlsx / .md"},
        )
    export._write_bytes(data, p)
    return notes