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


def to_markdown(res: MetricsResult, *, top: int = 20) -> str:
    """A readable report: per metric the shop line, the SKUs that move it, notes, and the counted returns."""
    t = res.table
    lines = ["# 平台考核指标 Platform metrics", ""]
    lines += [f"- {n}" for n in res.notes] + ([""] if res.notes else [])
    for metric, g in t.groupby("metric", sort=False):
        shop = g[g["scope"] == "shop"].iloc[0]
        head = (f"窗口 {shop['window_start']} 至 {shop['window_end']}：{_num(shop['numerator'])} / "
                f"{_num(shop['denominator'])} = **{_pct(shop['rate'])}**；剔除 {shop['excluded'] or '—'}")
        lines += [f"## {shop['metric_zh']} ({metric})", "", head, ""]
        if shop["note"]:
            lines += [f"> {shop['note']}", ""]
        if shop["appeal_candidates"]:
            won = (f"其中 {int(shop['appeal_candidates'])} 单为可申诉的误判；申诉成功后为 "
                   f"{_pct(shop['rate_if_appeals_won'])}。")
            lines += [won, ""]
        skus = g[g["scope"] == "sku"].head(top)
        lines += ["| 商家编码 | 计入 | 有效订单 | 比率 | 对全店的贡献 | 可申诉 | 申诉成功后 | 剔除 |",
                  "|---|---|---|---|---|---|---|---|"]
        for _, r in skus.iterrows():
            key = str(r["key"]).replace("|", "\\|")
            lines.append(f"| {key} | {_num(r['numerator'])} | {_num(r['denominator'])} | {_pct(r['rate'])} | "
                         f"{_pct(r['contribution'])} | {int(r['appeal_candidates'])} | "
                         f"{_pct(r['rate_if_appeals_won'])} | {r['excluded'] or '—'} |")
        lines.append("")
    lines += [f"计入的售后共 {len(res.counted)} 条（见 CSV 旁的 returns 文件或 XLSX 的「计入的售后」表）。", ""]
    return "\n".join(lines)


def write_metrics(res: MetricsResult, path: str | Path) -> list[Path]:
    """Write the result; returns the files written (CSV writes the counted returns beside it)."""
    p = Path(path)
    ext = p.suffix.lower()
    counted = res.counted.rename(columns=COUNTED_HEADERS)
    if ext == ".csv":
        side = p.with_name(p.stem + ".returns.csv")
        _write(export.to_csv_bytes(res.table), p)
        _write(export.to_csv_bytes(counted), side)
        return [p, side]
    if ext == ".xlsx":
        notes = pd.DataFrame({"说明": res.notes or ["—"]})
        data = export.to_xlsx_bytes({"指标": res.table, "计入的售后": counted, "说明": notes})
        _write(data, p)
        return [p]
    if ext == ".md":
        _write(to_markdown(res).encode("utf-8"), p)
        return [p]
    raise InputError(f"cannot write {p.name!r}", hint="name the output .csv, .xlsx or .md",
                     code="output_format",
                     params={"suffix": p.suffix or "(no extension)", "formats": ".csv / .xlsx / .md"})


__all__ = ["OUTPUT_COLUMNS", "to_markdown", "write_metrics"]
