"""Per-platform header synonyms for the canonical columns.

Platforms rename, reorder and re-spell their export headers, so columns are
mapped by *name*, never by position. Every profile lists, for each canonical
column, the header spellings that mean it, best first; the generic synonyms
are appended to every profile so a Douyin file with an extra `签收时间`
column still maps it.

Headers are compared after `normalise_header`: surrounding whitespace
stripped, full-width characters folded to half-width (NFKC, so `（元）`
becomes `(元)`), unit suffixes such as `(元)` removed, lower-cased, and
spaces, underscores, hyphens, dots, colons and asterisks removed. So
`退商品金额（元）`, `Return-Date`, `return_date` and `RETURN DATE` all match
their synonym.

Profile detection (`detect_profile`) counts each profile's *distinctive*
headers (ones that only that platform writes) among the file's headers; the
highest count wins when it is at least two; a file with less evidence
(or a tie) is `generic`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Mapping

# Canonical columns a header can be mapped to (the rest of the canonical
# table — platform, source_file, source_row, row_issues — is derived).
MAPPABLE_COLUMNS: tuple[str, ...] = (
    "return_id",
    "order_id",
    "sku",
    "product_id",
    "product_title",
    "platform_reason",
    "buyer_text",
    "return_type",
    "amount",
    "applied_at",
    "signed_at",
    "buyer_id",
    "status",
    "quantity",
    "shop",
)

# Columns of an order export (`ingest.read_orders`).
ORDER_COLUMNS: tuple[str, ...] = (
    "order_id",
    "sub_order_id",
    "sku",
    "product_id",
    "product_title",
    "quantity",
    "ordered_at",
    "buyer_id",
)

PROFILE_KEYS: tuple[str, ...] = ("douyin", "taobao", "jd", "pinduoduo", "amazon", "generic")

_UNIT_SUFFIX = re.compile(r"\((?:元|rmb|cny|¥|人民币|单位:元|分|单位:分)\)")
_DROP_CHARS = re.compile(r"[\s_\-.:*#/\\]+")
_FEN_SUFFIX = re.compile(r"\((?:分|单位:分)\)")
# Spelling variants seen in real exports, folded before comparison.
_VARIANTS: tuple[tuple[str, str], ...] = (
    ("动帐", "动账"),
    ("帐号", "账号"),
    ("fulfilment", "fulfillment"),
    ("centre", "center"),
)


def normalise_header(header: object) -> str:
    """Fold a header to the form synonyms are compared in."""
    if header is None:
        return ""
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    text = text.lstrip("\ufeff")
    text = _UNIT_SUFFIX.sub("", text)
    text = _DROP_CHARS.sub("", text)
    for old, new in _VARIANTS:
        text = text.replace(old, new)
    return text


def header_in_fen(header: object) -> bool:
    """True when a header says its amounts are in fen (1/100 yuan), e.g. `退款金额(分)`."""
    text = unicodedata.normalize("NFKC", str(header)).lower()
    return bool(_FEN_SUFFIX.search(text.replace(" ", "")))


@dataclass(frozen=True)
class Profile:
    """How one platform names the canonical columns."""

    key: str
    name: str
    # Headers only this platform writes; used to detect the profile.
    distinctive: tuple[str, ...]
    # canonical column -> header spellings, best first (generic ones appended).
    synonyms: Mapping[str, tuple[str, ...]]
    # Normalised headers whose amounts are in fen (1/100 yuan).
    fen_headers: frozenset[str] = frozenset()
    # Time zone that epoch timestamps are shown in (naive local time).
    epoch_tz: str = "Asia/Shanghai"
    # Whether ambiguous numeric dates such as 01-05-2024 are day-first.
    day_first: bool = True
    distinctive_norm: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "distinctive_norm", frozenset(normalise_header(h) for h in self.distinctive)
        )


# ---------------------------------------------------------------------------
# Generic synonyms: common Chinese and English headers for each column.
# ---------------------------------------------------------------------------
GENERIC_SYNONYMS: dict[str, tuple[str, ...]] = {
    "return_id": (
        "return_id", "售后单号", "售后编号", "售后单编号", "售后单id", "售后id", "售后服务单号",
        "服务单号", "服务单编号", "退款编号", "退款单号", "退款单编号", "退款id", "退货单号",
        "退货编号", "退换货单号", "工单号", "return id", "refund id", "rma", "rma id",
        "after sales id", "aftersale id", "case id", "license plate number",
    ),
    "order_id": (
        "order_id", "订单号", "订单编号", "主订单编号", "主订单号", "父订单号", "关联订单号",
        "原订单号", "平台订单号", "订单id", "order id", "amazon order id", "order number",
        "order no", "ordersn", "order sn", "tid",
    ),
    "sku": (
        "sku", "商家编码", "商品编码", "商家商品编码", "商家sku编码", "sku编码", "商品sku编码",
        "规格编码", "外部编码", "商家外部编码", "商品货号", "货号", "款号", "seller sku",
        "merchant sku", "msku", "outer id", "sku code",
    ),
    "product_id": (
        "product_id", "商品id", "商品编号", "宝贝id", "商品id号", "spu id", "goods id",
        "product id", "item id", "num iid", "asin",
    ),
    "product_title": (
        "product_title", "商品名称", "商品标题", "宝贝标题", "宝贝名称", "商品名", "选购商品",
        "产品名称", "货品名称", "品名", "商品", "product name", "product title", "item name",
        "goods name", "title",
    ),
    "platform_reason": (
        "platform_reason", "售后原因", "退款原因", "买家退款原因", "退货原因", "退换货原因",
        "售后申请原因", "申请原因", "退款理由", "退货理由", "return reason", "refund reason",
        "after sales reason", "reason",
    ),
    "buyer_text": (
        "buyer_text", "用户售后说明", "买家退款说明", "退款说明", "售后说明", "退货说明",
        "问题描述", "买家问题描述", "退款描述", "售后描述", "申请说明", "补充描述", "补充说明",
        "用户描述", "买家描述", "买家说明", "详细描述", "用户留言", "买家留言", "退款留言",
        "评价内容", "评论内容", "评价", "评论", "customer comments", "customer comment",
        "buyer comments", "buyer comment", "buyer text", "comments", "comment", "feedback",
        "review text", "review", "description", "text", "content", "内容",
    ),
    "return_type": (
        "return_type", "售后类型", "退款类型", "退货类型", "售后方式", "服务类型", "申请类型",
        "是否需要退货", "after sales type", "return type", "refund type",
    ),
    "amount": (
        "amount", "退款金额", "退商品金额", "买家退款金额", "申请退款金额", "实际退款金额",
        "实退金额", "退货金额", "售后金额", "赔付金额", "refund amount", "refunded amount",
        "return amount", "金额",
    ),
    "applied_at": (
        "applied_at", "售后申请时间", "退款的申请时间", "退款申请时间", "申请时间", "申请日期",
        "售后创建时间", "退款创建时间", "创建时间", "return date", "refund date",
        "request date", "requested at", "applied at", "created at", "refund create time",
        "date", "日期",
    ),
    "signed_at": (
        "signed_at", "签收时间", "买家签收时间", "确认收货时间", "收货时间", "妥投时间",
        "送达时间", "delivered_at", "delivered at", "delivery date", "delivered date",
        "signed at",
    ),
    "buyer_id": (
        "buyer_id", "买家id", "买家昵称", "买家会员名", "买家账号", "买家旺旺", "旺旺号", "旺旺",
        "用户id", "用户昵称", "用户名", "会员名", "客户账号", "客户id", "客户昵称", "买家",
        "buyer id", "buyer", "buyer name", "customer id", "user id", "uid",
    ),
    "status": (
        "status", "售后状态", "退款状态", "服务单状态", "退货状态", "处理状态", "审核状态",
        "赔付状态", "状态", "after sales status", "return status", "refund status",
    ),
    "quantity": (
        "quantity", "退货数量", "退款数量", "申请数量", "退货件数", "商品数量", "数量", "件数",
        "qty", "return quantity", "goods number",
    ),
    "shop": (
        "shop", "门店名称", "店铺名称", "店铺", "店铺名", "门店", "商家名称", "shop name",
        "store name", "store",
    ),
}

# Order exports (Douyin 订单明细 and the like).
ORDER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "order_id": (
        "order_id", "主订单编号", "主订单号", "订单编号", "订单号", "父订单号", "订单id",
        "order id", "amazon order id", "order number", "ordersn", "order sn", "tid",
    ),
    "sub_order_id": (
        "sub_order_id", "子订单编号", "子订单号", "商品单号", "子单号", "oid", "order item id",
    ),
    "sku": GENERIC_SYNONYMS["sku"],
    "product_id": GENERIC_SYNONYMS["product_id"],
    "product_title": GENERIC_SYNONYMS["product_title"],
    "quantity": (
        "quantity", "商品数量", "购买数量", "数量", "件数", "qty", "quantity purchased",
        "goods number",
    ),
    "ordered_at": (
        "ordered_at", "订单提交时间", "下单时间", "订单创建时间", "创建时间", "提交时间",
        "支付完成时间", "付款时间", "订单付款时间", "支付时间", "成交时间", "purchase date",
        "order date", "ordered at", "created at", "date", "日期",
    ),
    "buyer_id": GENERIC_SYNONYMS["buyer_id"],
}

# Order-export headers used to find the header row of an order file.
ORDER_DISTINCTIVE: tuple[str, ...] = (
    "主订单编号", "子订单编号", "选购商品", "订单提交时间", "支付完成时间", "订单完成时间",
    "订单状态", "purchase-date", "quantity-purchased",
)


def _merge(specific: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Profile synonyms first, then the generic ones (without repeats)."""
    merged: dict[str, tuple[str, ...]] = {}
    for column in MAPPABLE_COLUMNS:
        seen: list[str] = []
        for header in tuple(specific.get(column, ())) + GENERIC_SYNONYMS[column]:
            if header not in seen:
                seen.append(header)
        merged[column] = tuple(seen)
    return merged


PROFILES: dict[str, Profile] = {
    "douyin": Profile(
        key="douyin",
        name="抖店 售后单 (Douyin)",
        distinctive=(
            "售后单号", "商品单号", "用户售后说明", "售后原因标签", "退商品金额（元）",
            "退运费金额（元）", "退支付优惠（元）", "应付金额（元）", "商品发货状态",
            "是否已上传退款凭证", "纠纷责任方", "是否拒签后退款", "协商记录", "换货商品信息",
            "商家退货联系人姓名", "售后完结时间", "自动处理截止时间",
        ),
        synonyms=_merge({
            "return_id": ("售后单号",),
            "order_id": ("订单号",),
            "sku": ("商家编码",),
            "product_id": ("商品ID",),
            "product_title": ("商品名称",),
            "platform_reason": ("售后原因",),
            "buyer_text": ("用户售后说明",),
            "return_type": ("售后类型",),
            "amount": ("退商品金额（元）", "退款金额（元）"),
            "applied_at": ("售后申请时间",),
            "signed_at": ("签收时间",),
            "buyer_id": ("用户昵称", "买家昵称"),
            "status": ("售后状态",),
            "shop": ("门店名称",),
        }),
    ),
    "taobao": Profile(
        key="taobao",
        name="千牛 退款单 (Taobao/Tmall)",
        distinctive=(
            "退款编号", "宝贝标题", "买家退款原因", "买家退款说明", "退款的申请时间", "买家退款金额",
            "是否需要退货", "支付宝交易号", "手工退款/系统退款", "部分退款/全部退款",
            "买家实际支付金额", "客服介入状态", "卖家真实姓名", "买家会员名",
        ),
        synonyms=_merge({
            "return_id": ("退款编号",),
            "order_id": ("订单编号",),
            "sku": ("商品编码", "商家编码"),
            "product_id": ("宝贝ID", "商品ID"),
            "product_title": ("宝贝标题",),
            "platform_reason": ("买家退款原因",),
            "buyer_text": ("买家退款说明",),
            "return_type": ("是否需要退货",),
            "amount": ("买家退款金额",),
            "applied_at": ("退款的申请时间",),
            "signed_at": ("确认收货时间", "签收时间"),
            "buyer_id": ("买家会员名", "买家昵称", "买家旺旺"),
            "status": ("退款状态",),
            "shop": ("店铺名称",),
        }),
    ),
    "jd": Profile(
        key="jd",
        name="京东 服务单 (JD)",
        distinctive=(
            "服务单号", "售后服务单号", "服务单状态", "关联服务单号", "赔付单号", "赔付原因",
            "赔付状态", "关联订单号", "客户账号", "服务类型",
        ),
        synonyms=_merge({
            "return_id": ("服务单号", "售后服务单号", "赔付单号"),
            "order_id": ("订单号", "关联订单号"),
            "sku": ("商家SKU", "商家编码"),
            "product_id": ("商品编号", "商品ID", "SKU编号"),
            "platform_reason": ("申请原因", "售后原因", "赔付原因"),
            "buyer_text": ("问题描述",),
            "return_type": ("服务类型",),
            "amount": ("退款金额", "赔付金额"),
            "applied_at": ("申请时间",),
            "buyer_id": ("客户账号", "用户账号"),
            "status": ("服务单状态", "审核状态", "赔付状态"),
        }),
    ),
    "pinduoduo": Profile(
        key="pinduoduo",
        name="拼多多 售后 (Pinduoduo)",
        distinctive=(
            "afterSalesId", "orderSn", "afterSalesType", "afterSalesStatus", "afterSalesReason",
            "isSpeedRefund", "refundAmount", "refundCreateTime", "goodsName", "售后编号",
            "商品规格", "spec",
        ),
        synonyms=_merge({
            "return_id": ("售后编号", "afterSalesId"),
            "order_id": ("订单号", "orderSn"),
            "sku": ("商家编码", "outerId", "skuOuterId"),
            "product_id": ("商品ID", "goodsId"),
            "product_title": ("商品名称", "goodsName"),
            "platform_reason": ("售后原因", "afterSalesReason"),
            "buyer_text": ("售后说明", "退款说明", "问题描述", "afterSalesDesc", "description"),
            "return_type": ("售后类型", "afterSalesType"),
            "amount": ("退款金额", "refundAmount"),
            "applied_at": ("申请时间", "refundCreateTime", "createdTime"),
            "signed_at": ("签收时间", "confirmTime", "receiveTime"),
            "buyer_id": ("买家ID", "买家昵称", "uid"),
            "status": ("售后状态", "afterSalesStatus"),
            "quantity": ("申请数量", "goodsNumber"),
        }),
        # Pinduoduo API data gives refundAmount in fen (1/100 yuan).
        fen_headers=frozenset({normalise_header("refundAmount")}),
    ),
    "amazon": Profile(
        key="amazon",
        name="Amazon FBA customer returns",
        distinctive=(
            "return-date", "amazon-order-id", "asin", "fnsku", "product-name",
            "fulfillment-center-id", "detailed-disposition", "customer-comments",
            "license-plate-number",
        ),
        synonyms=_merge({
            "return_id": ("license-plate-number",),
            "order_id": ("order-id", "amazon-order-id"),
            "sku": ("sku", "seller-sku"),
            "product_id": ("asin",),
            "product_title": ("product-name",),
            "platform_reason": ("reason",),
            "buyer_text": ("customer-comments",),
            "applied_at": ("return-date",),
            "status": ("status",),
            "quantity": ("quantity",),
        }),
        epoch_tz="UTC",
        day_first=True,
    ),
    "generic": Profile(
        key="generic",
        name="Generic (header synonyms)",
        distinctive=(),
        synonyms=_merge({}),
    ),
}

# Headers whose values identify a person: hashed like buyer_id, never kept raw.
PERSONAL_HEADER_CUES: tuple[str, ...] = (
    "电话", "手机", "联系方式", "地址", "姓名", "联系人", "收货人", "收件人", "昵称", "会员名",
    "旺旺", "身份证", "邮箱", "phone", "mobile", "address", "email", "buyername",
    "recipientname", "shipname", "customername",
)


def all_known_headers(extra: Iterable[str] = ()) -> frozenset[str]:
    """Every normalised synonym of every profile, for header-row detection."""
    known: set[str] = set()
    for profile in PROFILES.values():
        for synonyms in profile.synonyms.values():
            known.update(normalise_header(h) for h in synonyms)
        known.update(profile.distinctive_norm)
    for synonyms in ORDER_SYNONYMS.values():
        known.update(normalise_header(h) for h in synonyms)
    known.update(normalise_header(h) for h in ORDER_DISTINCTIVE)
    known.update(normalise_header(h) for h in extra)
    known.discard("")
    return frozenset(known)


# A platform is named only on this much evidence: one distinctive header
# (售后编号, spec …) also occurs in hand-made and other platforms' sheets.
MIN_PROFILE_EVIDENCE = 2


def detect_profile(headers: Iterable[object]) -> tuple[str, dict[str, int]]:
    """Pick the profile whose distinctive headers appear most often.

    Returns the profile key and every profile's score. A platform is named
    only when at least `MIN_PROFILE_EVIDENCE` of its distinctive headers are
    present and no other platform scores as high; otherwise `generic`
    (whose synonyms cover every platform's columns), so a weak guess never
    decides a file's platform.
    """
    present = {normalise_header(h) for h in headers}
    scores = {
        key: len(profile.distinctive_norm & present)
        for key, profile in PROFILES.items()
        if key != "generic"
    }
    best = max(scores.values(), default=0)
    winners = [key for key, score in scores.items() if score == best]
    if best < MIN_PROFILE_EVIDENCE or len(winners) != 1:
        return "generic", scores
    return winners[0], scores


def looks_personal(header: object) -> bool:
    """True when a header names a person's phone, address, name or account."""
    norm = normalise_header(header)
    if not norm:
        return False
    if any(normalise_header(cue) in norm for cue in PERSONAL_HEADER_CUES):
        return True
    buyer_synonyms = {normalise_header(h) for h in GENERIC_SYNONYMS["buyer_id"]}
    for profile in PROFILES.values():
        buyer_synonyms.update(normalise_header(h) for h in profile.synonyms["buyer_id"])
    return norm in buyer_synonyms


def map_headers(
    headers: list[str],
    synonyms: Mapping[str, tuple[str, ...]],
    columns: Iterable[str],
    overrides: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Map canonical columns to header positions.

    Overrides (canonical -> header text, already validated) win. Then each
    canonical column, in `columns` order, takes its best synonym among the
    headers not claimed yet: exact (normalised) matches first, then — for a
    few free-text/reason columns — a header that *contains* a long synonym
    and is not itself an exact synonym of anything else.
    """
    norm = [normalise_header(h) for h in headers]
    claimed: dict[int, str] = {}
    result: dict[str, int] = {}
    overrides = dict(overrides or {})
    for column, header in overrides.items():
        target = normalise_header(header)
        exact = [i for i, h in enumerate(headers) if h == header and i not in claimed]
        loose = [i for i, h in enumerate(norm) if h == target and i not in claimed]
        pick = (exact or loose or [None])[0]
        if pick is not None:
            result[column] = pick
            claimed[pick] = column
    columns = [c for c in columns if c not in result]
    for column in columns:
        for synonym in synonyms.get(column, ()):
            target = normalise_header(synonym)
            hit = next((i for i, h in enumerate(norm) if h == target and i not in claimed), None)
            if hit is not None:
                result[column] = hit
                claimed[hit] = column
                break
    # Loose pass: headers such as `买家退款原因(必填)` or `退款说明（买家）`.
    every_exact = {
        normalise_header(s) for values in synonyms.values() for s in values
    }
    for column in ("buyer_text", "platform_reason"):
        if column in result or column not in columns:
            continue
        for synonym in synonyms.get(column, ()):
            target = normalise_header(synonym)
            if len(target) < 4 or not re.search(r"[\u4e00-\u9fff]", target):
                continue
            hit = next(
                (
                    i for i, h in enumerate(norm)
                    if i not in claimed and target in h and h not in every_exact
                ),
                None,
            )
            if hit is not None:
                result[column] = hit
                claimed[hit] = column
                break
    return result
