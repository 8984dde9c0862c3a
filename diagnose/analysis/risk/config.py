"""Levels and every number the risk signals use, in one frozen `RiskConfig`.

The maximum points of each signal live with the signal in the registry
(`signals.REGISTRY`); everything else — thresholds, points per event,
dampings — is a field here, so a reviewer can read and change the whole
scoring policy in one place (docs/RISK.md explains each).
"""
from __future__ import annotations

from dataclasses import dataclass

HIGH = 70
MEDIUM = 40
LEVELS = ("low", "medium", "high")
LEVEL_ZH = {"low": "低", "medium": "中", "high": "高"}


@dataclass(frozen=True)
class RiskConfig:
    """Thresholds, points and dampings of the signals (defaults documented in docs/RISK.md)."""

    high: int = HIGH
    medium: int = MEDIUM
    fire_min_points: float = 1.0        # a signal "fired" on a row from this many points
    # "describes a concrete problem" by the classifier's reading
    model_defect_confidence: float = 0.8
    model_defect_min_chars: int = 4
    # text_model
    text_model_floor: float = 0.3       # p_malicious above this earns points …
    text_model_span: float = 0.6        # … linearly, full points at floor + span
    text_model_defect_keep: float = 0.6
    # text_cues
    cue_threat: float = 10
    cue_cond_threat: float = 25
    cue_compensation: float = 20
    cue_used: float = 20
    cue_rwr: float = 15
    defect_damping: float = 0.5         # text cue points kept when a defect is named
    # buyer history
    buyer_min_returns: int = 3
    buyer_points_per_return: float = 5.0
    refund_only_min: int = 2
    refund_only_min_share: float = 0.5
    refund_only_points_each: float = 6.0
    # timing
    fast_minutes: float = 10.0          # 秒退: applied within N minutes of sign-for
    fast_defect_keep: float = 0.5
    long_days: float = 15.0             # return long after use
    very_long_days: float = 30.0        # full long_after_sign points from here
    long_base: float = 10.0
    long_ramp: float = 5.0
    long_used_bonus: float = 5.0
    long_defect_keep: float = 0.3
    # high-value refund-only
    high_value_quantile: float = 0.9    # shop-level quantile for "high value"
    high_value_median_ratio: float = 1.5  # … and above this many times the median
    sku_ratio: float = 2.0              # or this many times the SKU's median per unit
    sku_min_rows: int = 5               # SKU median used only with this many rows
    shop_min_rows: int = 10             # shop quantile used only with this many rows
    high_value_defect_keep: float = 0.4
    # dropdown vs text
    conflict_buyer_side: float = 15
    conflict_no_defect: float = 8
    conflict_no_text: float = 5
    conflict_vague: float = 3
    # template texts
    template_min_chars: int = 6         # ignore shorter normalised texts
    near_dup_min_chars: int = 10        # MinHash only for texts at least this long
    template_full_chars: int = 16       # full length factor from this many characters
    template_base: float = 10
    template_per_buyer: float = 5
    template_mid_factor: float = 0.7    # near_dup_min_chars .. template_full_chars
    template_short_factor: float = 0.3  # shorter than near_dup_min_chars
    template_near_factor: float = 0.8
    template_no_claim_keep: float = 0.5
    template_defect_keep: float = 0.5
    # shared contact
    contact_max_buyers: int = 30        # a value shared wider is a placeholder
    contact_points_two: float = 15
    contact_points_three: float = 20    # 3-4 buyer ids
    contact_points_five: float = 25     # 5 or more
    # order share
    order_min_orders: int = 3
    order_share_min: float = 0.5
    order_share_base: float = 10
    order_share_ramp: float = 20        # points per 1.0 of share above order_share_min (20 at 100 %)

    def cue_points(self) -> dict[str, float]:
        """Points per text cue kind."""
        return {"threat": self.cue_threat, "cond_threat": self.cue_cond_threat,
                "compensation": self.cue_compensation, "used": self.cue_used, "rwr": self.cue_rwr}


DEFAULT_CONFIG = RiskConfig()
