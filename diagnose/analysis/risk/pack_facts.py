"""The facts of one return for its appeal pack, taken from the export (and the order file).

Every value is shown as the export gives it: quantity and unit price come
from the files (never assumed to be 1), tables carry Chinese headers and
Chinese values, and the buyer appears only under a masked id.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from diagnose import taxonomy
from diagnose.analysis.risk._util import _text
from diagnose.analysis.risk.cues import _OWN_COLUMNS, _TIME_COL_RE
from diagnose.io.privacy import mask_id

RETURN_TYPE_ZH = dict(taxonomy.RETURN_TYPES)
_NOT_GIVEN = "导出未提供"
# Carried return-export time columns shown in the timeline (besides applied/signed).
_ORDER_EVENTS = (("ordered_at", "买家下单"), ("paid_at", "买家付款"), ("shipped_at", "商家发货"),
                 ("signed_at", "买家签收"), ("completed_at", "订单完成"))
HISTORY_HEADERS = {"return_id": "售后单号", "applied_at": "申请时间", "sku": "商家编码", "product_title": "商品",
                   "return_type": "售后类型", "amount": "退款金额（元）", "platform_reason": "买家选择的原因",
                   "buyer_text": "买家说明"}


def clean(v) -> str:
    """A cell as display text ('' for missing and the export's '-' placeholder)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, float):
        return "" if np.isnan(v) else f"{v:,.2f}"
    if isinstance(v, pd.Timestamp):
        return fmt_time(v)
    s = str(v).strip()
    return "" if s in {"nan", "<NA>", "None", "NaT", "-"} else s


def fmt_time(v) -> str:
    t = pd.to_datetime(v, errors="coerce")
    if t is None or pd.isna(t):
        return ""
    t = pd.Timestamp(t)
    return (t.tz_localize(None) if t.tzinfo else t).strftime("%Y-%m-%d %H:%M:%S")


def excerpt(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…（以下略）"


def fmt_duration(seconds: float) -> str:
    if seconds < 0:
        return "早于该时间"
    if seconds < 60:
        return f"{seconds:.0f} 秒"
    if seconds < 3600:
        return f"{seconds / 60:.0f} 分钟"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} 小时"
    return f"{seconds / 86400:.1f} 天"


def order_line(orders: pd.DataFrame | None, row: pd.Series) -> pd.Series | None:
    """The order-file line of this return: by sub-order id, else SKU, else the order's first line."""
    oid = clean(row.get("order_id"))
    if orders is None or "order_id" not in orders.columns or not oid:
        return None
    o = orders[(_text(orders["order_id"], len(orders)).str.strip() == oid).to_numpy()]
    if len(o) > 1 and "sub_order_id" in o.columns:
        values = {clean(v) for v in row.to_numpy() if clean(v)}
        sub = o[_text(o["sub_order_id"], len(o)).isin(list(values)).to_numpy()]
        o = sub if len(sub) else o
    if len(o) > 1 and "sku" in o.columns and clean(row.get("sku")):
        sub = o[(_text(o["sku"], len(o)).str.strip() == clean(row.get("sku"))).to_numpy()]
        o = sub if len(sub) else o
    return o.iloc[0] if len(o) else None


def _money(v) -> str:
    x = pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]
    return f"¥{x:,.2f}" if pd.notna(x) else ""


def facts(row: pd.Series, oline: pd.Series | None) -> list[tuple[str, str]]:
    """The after-sale and order facts, Chinese headers, as the files give them."""
    rt = clean(row.get("return_type"))
    qty = clean(oline.get("quantity")) if oline is not None else clean(row.get("quantity"))
    unit = _money(oline.get("unit_price")) if oline is not None and "unit_price" in oline.index else ""
    items = [
        ("售后单号", clean(row.get("return_id"))), ("订单号", clean(row.get("order_id"))),
        ("商品", clean(row.get("product_title"))), ("商家编码", clean(row.get("sku"))),
        ("店铺", clean(row.get("shop"))), ("售后类型", RETURN_TYPE_ZH.get(rt, rt)),
        ("买家选择的售后原因", clean(row.get("platform_reason")) or "（空）"),
        ("平台原因标签", clean(row.get("售后原因标签"))),
        ("数量", qty.replace(".00", "") if qty else _NOT_GIVEN),
        ("单价", unit or _NOT_GIVEN),
        ("退款金额", _money(row.get("amount")) or _NOT_GIVEN),
        ("售后状态", clean(row.get("status"))), ("仲裁状态", clean(row.get("仲裁状态")) or "未进入仲裁"),
        ("纠纷责任方", clean(row.get("纠纷责任方"))), ("自动处理截止时间", clean(row.get("自动处理截止时间"))),
        ("是否上传凭证", clean(row.get("是否已上传退款凭证"))), ("是否极速退款", clean(row.get("是否极速退款"))),
        ("买家", mask_id(row.get("buyer_id")) if "buyer_id" in row.index else "—"),
        ("来源", f"{clean(row.get('source_file'))} 第 {clean(row.get('source_row'))} 行"
         if clean(row.get("source_file")) else ""),
    ]
    return [(k, v) for k, v in items if v]


def timeline(df: pd.DataFrame, row: pd.Series, oline: pd.Series | None,
             fast_minutes: float) -> list[tuple[str, str, str, bool]]:
    """(time, event, source, is_秒退) sorted by time: order → pay → ship → sign → apply → after."""
    events: list[tuple[pd.Timestamp, str, str]] = []
    if oline is not None:
        for col, label in _ORDER_EVENTS:
            if col in oline.index and fmt_time(oline[col]):
                events.append((pd.Timestamp(fmt_time(oline[col])), label, "订单导出"))
    signed = pd.Timestamp(fmt_time(row.get("signed_at"))) if fmt_time(row.get("signed_at")) else None
    if signed is not None and not any(e[1] == "买家签收" for e in events):
        events.append((signed, "买家签收", "售后导出"))
    applied = pd.Timestamp(fmt_time(row.get("applied_at"))) if fmt_time(row.get("applied_at")) else None
    for c in df.columns:
        if c in _OWN_COLUMNS or not _TIME_COL_RE.search(str(c)) or not fmt_time(clean(row.get(c)) or None):
            continue
        events.append((pd.Timestamp(fmt_time(clean(row[c]))), str(c), "售后导出"))
    out = [(t, e, s, False) for t, e, s in events]
    if applied is not None:
        refs = [(t, e) for t, e, _ in events if e in ("买家付款", "买家签收")]
        gaps = [(applied - t).total_seconds() for t, _ in refs]
        fast = any(0 <= g <= fast_minutes * 60 for g in gaps)
        label = "买家申请售后"
        if refs:
            label += "（" + "，".join(f"{e[2:]}后 {fmt_duration(g)}" for (_, e), g in zip(refs, gaps)) + "）"
        if fast:
            label += f"【秒退：{fast_minutes:g} 分钟内】"
        out.append((applied, label, "售后导出", fast))
    out.sort(key=lambda x: x[0])
    return [(fmt_time(t), e, s, f) for t, e, s, f in out]


def history(df: pd.DataFrame, row: pd.Series, pos: int) -> tuple[list[str], list[list[str]], str]:
    """The buyer's other returns in the data, Chinese headers, under a masked id."""
    bid = clean(row.get("buyer_id"))
    if "buyer_id" not in df.columns or not bid:
        return [], [], "本数据中没有该买家的其他售后（或导出没有买家列）。"
    same = (_text(df["buyer_id"], len(df)).str.strip() == bid).to_numpy().copy()
    n_all = int(same.sum())
    all_rows = df.loc[same]
    ro = int((_text(all_rows.get("return_type"), n_all) == "refund_only").sum()) if "return_type" in df else 0
    tot = float(pd.to_numeric(all_rows["amount"], errors="coerce").fillna(0).sum()) if "amount" in df else 0.0
    same[pos] = False
    cols = [c for c in HISTORY_HEADERS if c in df.columns]
    other = df.loc[same, cols]
    if "applied_at" in other.columns:
        other = other.sort_values("applied_at")
    rows = []
    for rec in other.itertuples(index=False):
        vals = dict(zip(cols, rec))
        if "return_type" in vals:
            vals["return_type"] = RETURN_TYPE_ZH.get(clean(vals["return_type"]), clean(vals["return_type"]))
        if "buyer_text" in vals:
            vals["buyer_text"] = excerpt(clean(vals["buyer_text"]), 60)
        rows.append([clean(vals[c]) for c in cols])
    summary = (f"{mask_id(bid)} 在本数据中共 {n_all} 次售后（含本单），其中仅退款 {ro} 次，"
               f"退款金额合计 ¥{tot:,.2f}。")
    return [HISTORY_HEADERS[c] for c in cols], rows, summary


INDEX_HEADERS = {"urgency_zh": "紧急程度", "deadline": "自动处理截止时间", "arbitration": "仲裁状态",
                 "return_id": "售后单号", "order_id": "订单号", "sku": "商家编码", "product_title": "商品",
                 "platform_reason": "买家选择的原因", "buyer_text": "买家说明", "appeal_basis_zh": "申诉依据",
                 "quantity": "数量", "amount": "退款金额（元）", "deadline_note": "截止提示",
                 "appeal_text_zh": "申诉说明"}


INDEX_HEADERS_EN = {"urgency_zh": "Urgency", "deadline": "Auto-processing deadline", "arbitration": "Arbitration",
                    "return_id": "Return ID", "order_id": "Order ID", "sku": "SKU", "product_title": "Product",
                    "platform_reason": "Buyer's chosen reason", "buyer_text": "Buyer text",
                    "appeal_basis_zh": "Appeal basis", "quantity": "Quantity", "amount": "Refund (yuan)",
                    "deadline_note": "Deadline note", "appeal_text_zh": "Appeal statement"}


def index_frame(appeals: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The appeal list with headers in words only (no internal keys): Chinese, or English for an English screen.

    The workbook and the pack stay Chinese (they go to the platform); values such as the
    urgency and the appeal basis are Chinese in both.
    """
    headers = INDEX_HEADERS_EN if lang == "en" else INDEX_HEADERS
    cols = [c for c in INDEX_HEADERS if c in appeals.columns]
    out = appeals[cols]
    if lang == "en" and "urgency" in appeals.columns and "urgency_zh" in out.columns:
        out = out.assign(urgency_zh=appeals["urgency"].map(URGENCY_EN).fillna(appeals["urgency_zh"]))
    return out.rename(columns=headers)


URGENCY_EN = {"closing": "closing soon", "open": "open", "unknown": "deadline unknown", "closed": "closed"}
