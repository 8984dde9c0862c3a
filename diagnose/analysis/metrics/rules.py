"""What each platform counts: metric definitions, quality and damage reasons, settings.

Facts from the platforms' rule texts (docs/METRICS.md cites them). Where a
platform publishes a metric's name but not its formula (JD, Pinduoduo), or a
merchant export cannot reproduce the platform's own rulings (damage returns),
the metric is computed the Douyin way and marked an estimate.
"""
from __future__ import annotations

from dataclasses import dataclass

from diagnose import taxonomy

PLATFORMS = ("douyin", "taobao", "jd", "pinduoduo")


@dataclass(frozen=True)
class MetricConfig:
    """Settings of the count. The platforms do not publish the 秒退 or low-price thresholds."""

    window_days: int = 30             # signed-for (or paid) in the 30 days ending on --as-of
    fast_refund_minutes: float = 5.0  # 秒退: first after-sale filed within N minutes of paying or signing
    low_price_yuan: float = 1.0       # unit price below this is a low-price order
    min_valid_orders: int = 30        # fewer valid orders: the shop is in the growth stage
    low_rating_max: int = 2           # Taobao: a 1-2 star 描述相符 rating is negative feedback


DEFAULT_METRIC_CONFIG = MetricConfig()


@dataclass(frozen=True)
class Metric:
    key: str
    zh: str
    en: str
    reason: str        # "quality" or "damage": which first reasons count
    window_on: str     # "signed" or "paid": which time places an order line in the window
    estimate: bool     # the platform's own formula is not public / not reproducible from exports
    uses_ratings: bool = False


METRICS: dict[str, tuple[Metric, ...]] = {
    "douyin": (
        Metric("quality_return_rate", "商品品质退货率", "quality-return rate", "quality", "signed", False),
        Metric("damage_return_rate", "商品/包装破损退货订单率", "damaged-goods return rate", "damage", "paid", True),
    ),
    "taobao": (
        Metric("negative_feedback_rate", "商品负反馈率", "negative-feedback rate", "quality", "signed", False,
               uses_ratings=True),
    ),
    "jd": (
        Metric("quality_return_rate", "商品品质退货率（估算）", "quality-return rate (estimate)", "quality",
               "signed", True),
    ),
    "pinduoduo": (
        Metric("quality_refund_rate", "品质退款率（估算）", "quality-refund rate (estimate)", "quality",
               "signed", True),
    ),
}

# Dropdown texts the platforms count as product quality beyond taxonomy's quality/mismatch labels:
# the explicit suffix, and size "not as described" (the taxonomy files it under sizing for labelling,
# but the platform counts a description mismatch against the product).
QUALITY_MARKERS = ("商品品质原因", "与商品描述不符", "与描述不符")
DAMAGE_MARKERS = ("破损", "压坏", "破碎", "碎了", "漏液", "包装损坏")

EXCLUSION_KINDS = ("gift", "lucky_bag", "low_price", "abnormal", "fast_refund")
EXCLUSION_ZH = {"gift": "赠品", "lucky_bag": "福袋", "low_price": "低价", "abnormal": "异常订单",
                "fast_refund": "秒退"}
EXCLUSION_EN = {"gift": "gift", "lucky_bag": "lucky bag", "low_price": "low price", "abnormal": "abnormal",
                "fast_refund": "instant refund"}


def is_quality_reason(reason: object) -> bool:
    """A first after-sale reason the platform counts as product quality."""
    text = "" if reason is None else str(reason)
    if any(m in text for m in QUALITY_MARKERS):
        return True
    return taxonomy.dropdown_label(text) in taxonomy.QUALITY_DROPDOWN_LABELS


def is_damage_reason(reason: object) -> bool:
    """A first after-sale reason of product or packaging damage."""
    text = "" if reason is None else str(reason)
    return any(m in text for m in DAMAGE_MARKERS)


def exclusion_label(kind: str, cfg: MetricConfig, lang: str = "zh") -> str:
    """The kind's name with its threshold, e.g. 秒退(≤5分钟)."""
    if kind == "fast_refund":
        return f"秒退(≤{cfg.fast_refund_minutes:g}分钟)" if lang == "zh" else \
            f"instant refund (≤{cfg.fast_refund_minutes:g} min)"
    if kind == "low_price":
        return f"低价(<¥{cfg.low_price_yuan:g})" if lang == "zh" else f"low price (<¥{cfg.low_price_yuan:g})"
    return (EXCLUSION_ZH if lang == "zh" else EXCLUSION_EN)[kind]
