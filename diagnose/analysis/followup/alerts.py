"""The alerts digest: new spikes, suppliers going bad, fixes that regressed — money at stake first.

One list for the CLI (`python -m diagnose alerts`) and the dashboard. Every
alert says what happened and since when, with numbers a merchant can check
on the follow-up page. Platform metric thresholds (商品品质退货率 and the
like) are not part of this version: the digest says so instead of guessing.
"""
from __future__ import annotations

import html

import pandas as pd

from diagnose.analysis.followup import fixcheck, spikes
from diagnose.analysis.followup.config import DEFAULTS, FollowupSettings
from diagnose.taxonomy import label_name, sub_reason_name

COLUMNS = ("kind", "subject", "since", "amount_at_stake", "headline_zh", "headline_en")
KIND_NAMES = {"spike": ("质量退货激增", "Quality spike"), "supplier": ("供应商批次问题", "Supplier batch"),
              "fix_regressed": ("修复后变差", "Fix regressed")}
NOT_COVERED = ("平台考核指标（如商品品质退货率）不在这些预警里：请看「平台考核指标」页（命令行：metrics）。",
               "Platform metrics (e.g. the quality-return rate) are not part of these alerts: see the Platform "
               "metrics page (command line: metrics).")


def _spike_alert(r: dict) -> dict:
    sub = r["top_sub_reason"]
    zh_sub, en_sub = sub_reason_name(sub, "zh"), sub_reason_name(sub, "en")
    zh = (f"{r['sku']} 质量退货 {r['quality_returns']} 条，预期 {r['expected']:.1f} 条（{r['ratio']:.1f} 倍，"
          f"p={r['p_value']:.2g}），主要是「{zh_sub}」，{r['first_day']} 起")
    en = (f"{r['sku']}: {r['quality_returns']} quality returns vs {r['expected']:.1f} expected "
          f"({r['ratio']:.1f}×, p={r['p_value']:.2g}), mostly {en_sub}, from {r['first_day']}")
    if r.get("batch"):
        zh += f"，批次 {r['batch']}"
        en += f", batch {r['batch']}"
    return {"kind": "spike", "subject": r["sku"], "since": r["first_day"] or r["start_week"],
            "amount_at_stake": float(r["amount"]), "headline_zh": zh, "headline_en": en}


def _supplier_alert(r: dict) -> dict:
    zh = (f"供应商 {r['supplier']} 的 {r['n_skus']} 个 SKU（{r['skus']}）在 {r['start_week']} 至 {r['end_week']} "
          f"同时质量退货激增，共 {r['quality_returns']} 条")
    en = (f"Supplier {r['supplier']}: {r['n_skus']} SKUs ({r['skus']}) spiked together "
          f"{r['start_week']} – {r['end_week']}, {r['quality_returns']} quality returns")
    return {"kind": "supplier", "subject": r["supplier"], "since": r["start_week"],
            "amount_at_stake": float(r["amount"]), "headline_zh": zh, "headline_en": en}


def _fix_alert(r: dict) -> dict:
    reason = r["target_reason"]
    rate = lambda v: "—" if v is None or pd.isna(v) else f"{v:.1%}"  # noqa: E731
    zh = (f"{r['sku']} 于 {r['fix_date']} 修复（{r['kind']}）后，{label_name(reason, 'zh')} 由 {rate(r['before_rate'])} "
          f"升到 {rate(r['after_rate'])}（p={r['p_value']:.2g}）")
    en = (f"{r['sku']}: after the {r['kind']} fix on {r['fix_date']}, {label_name(reason, 'en')} went from "
          f"{rate(r['before_rate'])} to {rate(r['after_rate'])} (p={r['p_value']:.2g})")
    return {"kind": "fix_regressed", "subject": r["sku"], "since": r["fix_date"],
            "amount_at_stake": float(r["amount_after"]), "headline_zh": zh, "headline_en": en}


def build_alerts(tagged: pd.DataFrame, orders: pd.DataFrame | None = None, fixes: pd.DataFrame | None = None, *,
                 since: object = None, suppliers: pd.DataFrame | None = None, as_of: object = None,
                 settings: FollowupSettings = DEFAULTS, found: pd.DataFrame | None = None,
                 checked: pd.DataFrame | None = None) -> pd.DataFrame:
    """All alerts (`COLUMNS`), largest money at stake first; `since` keeps those starting on/after it.

    `found` (the `quality_spikes` table) and `checked` (the `check_fixes` table) may be passed when the
    caller has them already for the same arguments, as the dashboard does: they are the slow part.
    """
    if found is None:
        found = spikes.quality_spikes(tagged, orders, suppliers, settings)
    rows = [_spike_alert(r) for r in found.to_dict("records")]
    rows += [_supplier_alert(r) for r in spikes.supplier_flags(found, settings).to_dict("records")]
    if fixes is not None and len(fixes):
        if checked is None:
            checked = fixcheck.check_fixes(tagged, fixes, orders, as_of=as_of, settings=settings)
        rows += [_fix_alert(r) for r in checked[checked["verdict"] == "regressed"].to_dict("records")]
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    if since is not None and str(since).strip() and len(out):
        cut = pd.Timestamp(since).normalize()
        out = out[pd.to_datetime(out["since"]) >= cut]
    return out.sort_values(["amount_at_stake", "subject"], ascending=[False, True], ignore_index=True)


def _money(x: float) -> str:
    return f"¥{x:,.2f}"


def digest_markdown(alerts: pd.DataFrame, lang: str = "zh") -> str:
    """The digest as Markdown (buyer words never appear in it; SKU codes are escaped)."""
    title = "# 预警摘要" if lang == "zh" else "# Alerts digest"
    lines = [title, ""]
    if alerts.empty:
        lines.append("没有新的预警。" if lang == "zh" else "No new alerts.")
    for i, r in enumerate(alerts.to_dict("records"), start=1):
        kind = KIND_NAMES[r["kind"]][0 if lang == "zh" else 1]
        text = r["headline_zh"] if lang == "zh" else r["headline_en"]
        esc = "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in text)
        lines.append(f"{i}. **{kind}** · {_money(r['amount_at_stake'])} · {esc}")
    lines += ["", "> " + NOT_COVERED[0 if lang == "zh" else 1], ""]
    return "\n".join(lines)


def digest_html(alerts: pd.DataFrame, lang: str = "zh") -> str:
    """The digest as a standalone HTML page, every value escaped."""
    title = "预警摘要" if lang == "zh" else "Alerts digest"
    items = "".join(
        f"<li><b>{html.escape(KIND_NAMES[r['kind']][0 if lang == 'zh' else 1])}</b> · "
        f"{html.escape(_money(r['amount_at_stake']))} · "
        f"{html.escape(r['headline_zh'] if lang == 'zh' else r['headline_en'])}</li>"
        for r in alerts.to_dict("records"))
    body = f"<ol>{items}</ol>" if items else f"<p>{'没有新的预警。' if lang == 'zh' else 'No new alerts.'}</p>"
    note = html.escape(NOT_COVERED[0 if lang == "zh" else 1])
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{title}</title></head><body><h1>{title}</h1>{body}<p><small>{note}</small></p></body></html>")
