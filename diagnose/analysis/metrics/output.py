"""Writing the metrics: CSV (+ the counted returns beside it), XLSX (three sheets) or Markdown.

Every writer goes through the formula-safe `diagnose.io.export`; buyer text
is not in these tables at all (ids, SKUs, reasons and times only).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from diagnose.analysis.metrics.compute import OUTPUT_COLUMNS, MetricsResult
from diagnose.errors import InputError
from diagnose.io import export

COUNTED_HEADERS = {"metric": "指标", "return_id": "售后单号", "order_id": "订单号", "sub_order_id": "子订单号",
                   "sku": "商家编码", "product_title": "商品", "first_reason": "首次售后原因",
                   "applied_at": "售后申请时间", "window_time": "计入窗口的时间", "appeal_candidate": "可申诉（误判）",
                   "deadline": "自动处理截止时间", "arbitration": "仲裁状态"}


def _write(data: bytes, path: Path) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write the file ({exc.strerror or exc})", file=str(path),
                         hint="check that the folder exists and the file is not open in Excel",
                         code="write_failed", params={"reason": str(exc.strerror or exc)}) from exc


def _pct(x) -> str:
    return "—" if x is None or pd.isna(x) else f"{100 * float(x):.2f}%"


def _num(x) -> str:
    return "—" if x is None or pd.isna(x) else f"{int(x):,}"


_MD = {
    "zh": {"title": "# 平台考核指标 Platform metrics",
           "head": "窗口 {start} 至 {end}：{num} / {den} = **{rate}**；剔除 {excl}",
           "won": "其中 {n} 单为可申诉的误判；申诉成功后为 {rate}。",
           "cols": "| 商家编码 | 计入 | 有效订单 | 比率 | 对全店的贡献 | 可申诉 | 申诉成功后 | 剔除 |",
           "counted": "计入的售后共 {n} 条（见 CSV 旁的 returns 文件或 XLSX 的「计入的售后」表）。"},
    "en": {"title": "# Platform metrics",
           "head": "Window {start} to {end}: {num} / {den} = **{rate}**; excluded {excl}",
           "won": "Misjudgements among them that can be appealed: {n}; if the appeals succeed: {rate}.",
           "cols": "| SKU | Counted | Valid orders | Rate | Contribution to the shop | Appealable | If appeals win "
                   "| Excluded |",
           "counted": "{n} returns counted (see the .returns.csv beside the CSV, or the 'counted returns' sheet "
                      "of the XLSX)."},
}
NO_SKU_KEY = "（无商家编码）"  # compute's key for order lines without a SKU


def localised(res: MetricsResult, lang: str = "zh") -> MetricsResult:
    """The result in one language: in English the ``excluded``/``note`` columns, keys and notes are English."""
    if lang != "en":
        return res
    from diagnose.analysis.metrics.compute import SHOP_KEY

    t = res.table.copy()
    if "excluded_en" in t.columns:
        t["excluded"] = t["excluded_en"]
    if "note_en" in t.columns:
        t["note"] = t["note_en"]
    t["key"] = t["key"].replace({SHOP_KEY: "whole shop", NO_SKU_KEY: "(no SKU)"})
    return MetricsResult(t, res.counted, list(res.notes_en), list(res.notes_en))


def to_markdown(res: MetricsResult, *, top: int = 20, lang: str = "zh") -> str:
    """A readable report: per metric the shop line, the SKUs that move it, notes, and the counted returns."""
    res = localised(res, lang)
    w = _MD["en" if lang == "en" else "zh"]
    t = res.table
    lines = [w["title"], ""]
    lines += [f"- {n}" for n in res.notes] + ([""] if res.notes else [])
    for metric, g in t.groupby("metric", sort=False):
        shop = g[g["scope"] == "shop"].iloc[0]
        head = w["head"].format(start=shop["window_start"], end=shop["window_end"], num=_num(shop["numerator"]),
                                den=_num(shop["denominator"]), rate=_pct(shop["rate"]), excl=shop["excluded"] or "—")
        name = shop["metric_en"] if lang == "en" and "metric_en" in shop.index else shop["metric_zh"]
        lines += [f"## {name} ({metric})", "", head, ""]
        if shop["note"]:
            lines += [f"> {shop['note']}", ""]
        if shop["appeal_candidates"]:
            lines += [w["won"].format(n=int(shop["appeal_candidates"]), rate=_pct(shop["rate_if_appeals_won"])), ""]
        skus = g[g["scope"] == "sku"].head(top)
        lines += [w["cols"], "|---|---|---|---|---|---|---|---|"]
        for _, r in skus.iterrows():
            key = str(r["key"]).replace("|", "\\|")
            lines.append(f"| {key} | {_num(r['numerator'])} | {_num(r['denominator'])} | {_pct(r['rate'])} | "
                         f"{_pct(r['contribution'])} | {int(r['appeal_candidates'])} | "
                         f"{_pct(r['rate_if_appeals_won'])} | {r['excluded'] or '—'} |")
        lines.append("")
    lines += [w["counted"].format(n=len(res.counted)), ""]
    return "\n".join(lines)


def write_metrics(res: MetricsResult, path: str | Path, lang: str = "zh") -> list[Path]:
    """Write the result; returns the files written (CSV writes the counted returns beside it).

    ``lang="en"`` writes the exclusion counts, notes and keys in English (the
    column names are the same in both: they are the documented CSV schema).
    """
    p = Path(path)
    ext = p.suffix.lower()
    en = lang == "en"
    res = localised(res, lang)
    counted = res.counted if en else res.counted.rename(columns=COUNTED_HEADERS)
    if ext == ".csv":
        side = p.with_name(p.stem + ".returns.csv")
        _write(export.to_csv_bytes(res.table), p)
        _write(export.to_csv_bytes(counted), side)
        return [p, side]
    if ext == ".xlsx":
        notes = pd.DataFrame({"notes" if en else "说明": res.notes or ["—"]})
        sheets = {"metrics": res.table, "counted returns": counted, "notes": notes} if en else \
            {"指标": res.table, "计入的售后": counted, "说明": notes}
        _write(export.to_xlsx_bytes(sheets), p)
        return [p]
    if ext == ".md":
        _write(to_markdown(res, lang=lang).encode("utf-8"), p)
        return [p]
    raise InputError(f"cannot write {p.name!r}", hint="name the output .csv, .xlsx or .md",
                     code="output_format",
                     params={"suffix": p.suffix or "(no extension)", "formats": ".csv / .xlsx / .md"})


__all__ = ["OUTPUT_COLUMNS", "localised", "to_markdown", "write_metrics"]
