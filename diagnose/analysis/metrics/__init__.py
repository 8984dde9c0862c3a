"""Platform metrics on returns (商品品质退货率, 商品负反馈率 …), counted the platforms' way.

`platform_metrics(returns, orders, platform=…, as_of=…)` gives per shop and
per SKU the numerator, denominator, rate, exclusions and what moves it;
`read_order_facts` reads the order columns the count needs; docs/METRICS.md
holds the definitions.
"""
from diagnose.analysis.metrics.compute import (  # noqa: F401
    COUNTED_COLUMNS,
    OUTPUT_COLUMNS,
    MetricsResult,
    platform_metrics,
    window,
)
from diagnose.analysis.metrics.orders import finish_order_facts, read_order_facts  # noqa: F401
from diagnose.analysis.metrics.rules import (  # noqa: F401
    DEFAULT_METRIC_CONFIG,
    METRICS,
    PLATFORMS,
    MetricConfig,
    is_damage_reason,
    is_quality_reason,
)
