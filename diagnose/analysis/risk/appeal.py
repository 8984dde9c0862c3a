"""Quality-return appeal list (品质退货与事实不符): quality-reason returns whose words name no defect.

Only genuine misjudgements are listed — the dropdown blames the goods while
the buyer's own words say something else — each with the words that show it.
The list never suggests asking a buyer to change a reason.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from diagnose import taxonomy
from diagnose.analysis.risk._util import _col, _num, _text
from diagnose.analysis.risk.config import DEFAULT_CONFIG
from diagnose.analysis.risk.cues import (
    _OWN_COLUMNS,
    TextFeatures,
    conflict_kind,
    defect_flags,
)
from diagnose.errors import InputError
from diagnose.io.privacy import mask_id

_PHOTO_RE = re.compile(r"凭证|图片|照片|photo|image|picture", re.IGNORECASE)
_YES = {"是", "已上传", "有", "yes", "y", "true", "1", "已传", "上传"}

BASIS_ZH = {
    "buyer_side": "买家说明为个人原因",
    "no_defect": "说明未描述任何缺陷",
    "no_text": "买家未填写说明",
    "courier": "说明描述的是运输途中的损坏",
}
BASIS_EN = {
    "buyer_side": "buyer-side reason in the text",
    "no_defect": "text names no defect",
    "no_text": "no text at all",
    "courier": "the text describes damage in transit",
}
APPEAL_BASES = tuple(BASIS_ZH)


def _find_photo_column(df: pd.DataFrame) -> str | None:
    for c in df.columns:
        if c in _OWN_COLUMNS:
            continue
        name = str(c)
        if _PHOTO_RE.search(name) and ("是否" in name or "上传" in name or "has" in name.lower()
                                        or "凭证" in name):
            return c
    return None


def quality_appeal_list(
    tagged: pd.DataFrame,
    *,
    photo_column: str | None = None,
    orders: pd.DataFrame | None = None,
    now: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Quality-reason returns whose words name no defect: candidates to appeal.

    A row is listed when its dropdown maps to a quality/description label
    (`taxonomy.QUALITY_DROPDOWN_LABELS`), the text names no concrete defect,
    no size problem and no vague defect claim ("质量有问题"), and — where
    the export has a photo column such as Douyin's 是否已上传退款凭证 — no
    photo was uploaded. `appeal_basis` says why: buyer_side (the words give a
    buyer-side reason such as 不想要/拍错), no_defect, no_text, or courier
    (the words describe damage in transit and no defect of the product; the
    label guide files that under logistics — photos do not disqualify it).
    Rows are sorted by urgency: the deadline (自动处理截止时间) and the
    arbitration state (仲裁状态) against `now` (default: the current time)
    give `urgency` (closing / open / unknown / closed) and `deadline_note`.

    The dict holds quality_returns, appealable, total_returns,
    current_quality_rate and rate_if_won (quality returns / all returns in
    the data), and with an order file sold_units, current_quality_rate_sold
    and rate_if_won_sold (returned units / sold units).
    """
    n = len(tagged)
    df = tagged.reset_index(drop=True)
    tf = TextFeatures(df["buyer_text"] if "buyer_text" in df.columns else None, n)
    defect = defect_flags(df, tf, n, min_confidence=DEFAULT_CONFIG.model_defect_confidence,
                          min_chars=DEFAULT_CONFIG.model_defect_min_chars)[0]
    kind, dl = conflict_kind(df, tf, n, defect)
    if dl is None:
        raise InputError("no dropdown reason column (platform_reason) in the table",
                         hint="the appeal list needs the platform's dropdown reason", code="no_dropdown_column")
    quality = dl.isin(list(taxonomy.QUALITY_DROPDOWN_LABELS)).to_numpy()
    appealable = np.isin(kind, ["buyer_side", "no_defect", "no_text"])
    courier = kind == "courier"  # photos of a crushed box support it: the photo rule does not apply
    if photo_column is not None and photo_column not in df.columns:
        raise InputError(f"photo column {photo_column!r} is not in the table",
                         hint="give the header of the 'photo uploaded' column, e.g. 是否已上传退款凭证",
                         code="photo_column_missing", params={"column": str(photo_column)})
    pcol = photo_column or _find_photo_column(df)
    if pcol is not None:
        pv = _text(df[pcol], n).str.strip().str.lower()
        has_photo = pv.isin(list(_YES)).to_numpy()
        appealable &= ~has_photo
    appealable |= courier
    qty = _num(_col(df, "quantity"))
    units = qty.fillna(1).to_numpy() if qty is not None else np.ones(n)

    sub = df.loc[appealable].copy()
    ksub = kind[appealable]
    wsub = tf["word_buyer_side"][appealable]
    text = _text(sub["buyer_text"] if "buyer_text" in sub.columns else None, len(sub))
    short = text.str.slice(0, 60) + pd.Series(np.where(text.str.len() > 60, "…", ""), dtype="str")
    rid = _text(sub.get("return_id"), len(sub))
    oid = _text(sub.get("order_id"), len(sub))
    pr = _text(sub.get("platform_reason"), len(sub))
    pr = pr.where(pr != "", "质量问题")
    photo_part = "，且未上传任何退款凭证（图片）" if pcol is not None else ""
    cw = pd.Series(tf["word_courier"][appealable], dtype="str")
    basis_sentence = pd.Series(np.select(
        [ksub == "buyer_side", ksub == "no_defect", ksub == "courier"],
        ["买家说明为「" + short + "」，属于买家个人原因（" + pd.Series(wsub, dtype="str") + "），未提及任何商品质量问题"
         + photo_part + "。退款原因与买家自述不符，申请更正退款原因，不计入店铺品质退货率。",
         "买家说明为「" + short + "」，未描述任何具体的质量缺陷" + photo_part
         + "。买家未提供质量问题的说明或凭证，申请平台核实后更正退款原因，不计入店铺品质退货率。",
         "买家说明为「" + short + "」，描述的是运输途中造成的损坏（" + cw + "），属于物流原因，"
         "未描述商品本身的质量缺陷。申请平台核实物流责任后更正退款原因，不计入店铺品质退货率。"],
        "买家未填写任何问题描述" + photo_part + "。买家未提供任何质量问题的说明或凭证，申请平台核实后不计入店铺品质退货率。",
    ), dtype="str")
    order_part = pd.Series(np.where(oid != "", "（订单 " + oid + "）", ""), dtype="str")
    appeal = "售后单 " + rid + order_part + "：买家选择的退款原因为「" + pr + "」，" + basis_sentence
    keep_cols = [c for c in ("return_id", "order_id", "sku", "product_title", "platform_reason", "buyer_text",
                             "return_type", "amount", "quantity", "applied_at", "status", "shop", "platform",
                             "risk_score", "risk_level") if c in sub.columns]
    out = sub[keep_cols].reset_index(drop=True)
    if "buyer_id" in sub.columns:
        out.insert(min(3, len(out.columns)), "buyer", _mask_series(sub["buyer_id"]))
    if pcol is not None:
        out[str(pcol)] = sub[pcol].to_numpy()
    out["appeal_basis"] = ksub
    out["appeal_basis_zh"] = pd.Series(ksub, dtype="str").map(BASIS_ZH).to_numpy()
    out["appeal_basis_en"] = pd.Series(ksub, dtype="str").map(BASIS_EN).to_numpy()
    out["appeal_text_zh"] = appeal.to_numpy()
    out = _with_deadlines(out, sub, now)

    total = n
    q = int(quality.sum())
    a = int(appealable.sum())
    stats: dict = {
        "total_returns": total,
        "quality_returns": q,
        "appealable": a,
        "appealable_by_basis": {k: int((ksub == k).sum()) for k in BASIS_ZH},
        "current_quality_rate": (q / total) if total else 0.0,
        "rate_if_won": ((q - a) / total) if total else 0.0,
        "photo_column": None if pcol is None else str(pcol),
        "basis": "quality returns / all returns in the data",
    }
    if orders is not None:
        oq = _num(_col(orders, "quantity"))
        sold = float(oq.fillna(1).sum()) if oq is not None else float(len(orders))
        stats["sold_units"] = sold
        q_units = float(units[quality].sum())
        a_units = float(units[appealable].sum())
        stats["current_quality_rate_sold"] = q_units / sold if sold else 0.0
        stats["rate_if_won_sold"] = (q_units - a_units) / sold if sold else 0.0
    return out, stats


def _mask_series(s: pd.Series) -> np.ndarray:
    vals = _text(s, len(s))
    codes, uniques = pd.factorize(vals)
    masked = np.array([mask_id(v) for v in uniques], dtype=object)
    return masked[codes] if len(masked) else np.array([], dtype=object)


_ARB_CLOSED = ("完成", "结束", "已仲裁", "成功", "失败", "关闭", "已判定")
_ARB_OPEN = ("仲裁中", "待仲裁", "申请仲裁", "处理中", "举证")
URGENCY_ZH = {"closed": "已截止", "closing": "即将截止", "open": "可申诉", "unknown": "截止时间未知"}
URGENCY_ORDER = {"closing": 0, "open": 1, "unknown": 2, "closed": 3}
CLOSING_HOURS = 24.0


def deadline_status(deadline: str, arbitration: str, now: pd.Timestamp | None = None) -> tuple[str, str]:
    """(urgency, Chinese note) of one return from its deadline and arbitration state.

    Douyin accepts evidence only during arbitration (nothing new at the appeal
    stage), so a finished arbitration closes the window whatever the deadline.
    """
    now = pd.Timestamp.now() if now is None else pd.Timestamp(now)
    arb = (arbitration or "").strip()
    if arb and any(k in arb for k in _ARB_CLOSED):
        return "closed", f"仲裁已结束（{arb}）：平台不再接受新的证据，本单已无法补充申诉材料。"
    when = pd.to_datetime(deadline or None, errors="coerce")
    in_arb = bool(arb) and any(k in arb for k in _ARB_OPEN)
    arb_note = "本单正在仲裁：证据须在仲裁期内提交，申诉阶段不再接受新证据。" if in_arb else \
        "证据须在售后进入仲裁时提交，申诉阶段不再接受新证据。"
    if when is None or pd.isna(when):
        return ("closing" if in_arb else "unknown"), "导出没有自动处理截止时间。" + arb_note
    left = (when - now).total_seconds() / 3600.0
    stamp = when.strftime("%Y-%m-%d %H:%M")
    if left < 0:
        return "closed", f"自动处理截止时间 {stamp} 已过：平台可能已自动处理，请核实售后状态。"
    if left <= CLOSING_HOURS or in_arb:
        return "closing", f"距自动处理截止时间 {stamp} 还有 {left:.0f} 小时，请尽快提交。" + arb_note
    return "open", f"自动处理截止时间 {stamp}（还有 {left / 24:.1f} 天）。" + arb_note


def _with_deadlines(out: pd.DataFrame, sub: pd.DataFrame, now: pd.Timestamp | None) -> pd.DataFrame:
    """Add deadline, arbitration, urgency and its note; sort the most urgent first."""
    dl = _text(sub.get("自动处理截止时间"), len(sub)).to_numpy(dtype=object)
    arb = _text(sub.get("仲裁状态"), len(sub)).to_numpy(dtype=object)
    status = [deadline_status(d, a, now) for d, a in zip(dl, arb)]
    out = out.assign(deadline=dl, arbitration=arb, urgency=[u for u, _ in status],
                     urgency_zh=[URGENCY_ZH[u] for u, _ in status], deadline_note=[m for _, m in status])
    rank = out["urgency"].map(URGENCY_ORDER)
    when = pd.to_datetime(out["deadline"].replace("", None), errors="coerce")
    order = np.lexsort((when.rank(method="first", na_option="bottom").to_numpy(), rank.to_numpy()))
    return out.iloc[order].reset_index(drop=True)
