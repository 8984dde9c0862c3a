"""Sheets that are not return exports: orders, settlements, reviews.

An order export has a buyer-message column (买家留言) that the header
synonyms would happily take for the buyer's return text, so without this
check a Douyin 订单明细 uploaded as returns is "read" as ten thousand
returns. A sheet is refused as another kind when it names at least two
headers typical of that kind and nothing that only a return export has
(a return/after-sales id, or a return reason) — unless the user mapped
those columns by hand.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from diagnose.errors import InputError
from diagnose.io import profiles as P

_KIND_CUES: dict[str, tuple[str, ...]] = {
    "order_export": P.ORDER_DISTINCTIVE + (
        "子订单号", "订单应付金额", "商品单价", "支付方式", "收件人", "收件人手机号", "详细地址",
        "发货时间", "付款时间", "下单时间", "订单创建时间", "订单付款时间", "买家应付货款", "买家实付金额",
        "order-status", "purchase-date", "item-price", "ship-service-level",
    ),
    "settlement_export": (
        "结算单号", "结算金额", "结算时间", "实际结算金额", "结算状态", "账单编号", "账单日期", "账单类型",
        "动账金额", "动账时间", "动账方向", "动账类型", "收支类型", "入账时间", "入账金额", "账务类型",
        "业务类型", "佣金", "技术服务费", "平台服务费", "账户余额", "收入金额", "支出金额",
        "settlement-id", "settlement-start-date", "settlement-end-date", "total-amount",
    ),
    "review_export": (
        "评价内容", "评论内容", "评价时间", "评论时间", "评分", "星级", "商品评分", "追评内容", "追加评论",
        "评价等级", "评价类型", "晒图", "是否有图", "review date", "rating", "star rating", "stars",
        "review title",
    ),
}
KIND_NAMES = {"order_export": "an order export", "settlement_export": "a settlement (bill) export",
              "review_export": "a product-review export"}
KIND_UPLOADER = {"order_export": "订单", "settlement_export": "", "review_export": ""}


def _normalised(names: Iterable[str]) -> frozenset[str]:
    return frozenset(P.normalise_header(n) for n in names)


_CUES = {kind: _normalised(cues) for kind, cues in _KIND_CUES.items()}
_RETURN_ONLY = _normalised(
    [h for profile in P.PROFILES.values() for column in ("return_id", "platform_reason", "return_type")
     for h in profile.synonyms[column]]
    + ["售后申请时间", "退款的申请时间", "退款申请时间", "用户售后说明", "买家退款说明", "退货物流单号",
       "customer-comments", "detailed-disposition"]
)


def sheet_kind(headers: Iterable[str]) -> tuple[str | None, list[str]]:
    """("order_export" | "settlement_export" | "review_export" | None, the typical headers seen)."""
    names = list(headers)
    present = {P.normalise_header(h): h for h in names}
    if set(present) & _RETURN_ONLY:
        return None, []
    best, seen = None, []
    for kind, cues in _CUES.items():
        hits = [present[n] for n in present if n in cues]
        if len(hits) >= 2 and len(hits) > len(seen):
            best, seen = kind, hits
    return best, seen


def refuse_other_kinds(name: str, headers: list[str], overrides: Mapping[str, str]) -> None:
    """Raise when the sheet is an order, settlement or review export rather than returns."""
    if set(overrides) & {"return_id", "platform_reason", "buyer_text"}:
        return  # the user said which columns hold the returns
    kind, seen = sheet_kind(headers)
    if kind is None:
        return
    shown = " | ".join(seen[:5])
    where = {"order_export": "upload it under 订单 (orders) in the dashboard, or pass it with --orders",
             "settlement_export": "it holds no returns; export the after-sales (售后) sheet instead",
             "review_export": "it holds no returns; export the after-sales (售后) sheet instead"}[kind]
    raise InputError(
        f"this is {KIND_NAMES[kind]}, not a return export (its headers include {shown}, and it has "
        "no after-sales id or return reason column)",
        file=name,
        hint=where,
        code=kind,
        params={"headers": shown},
    )
