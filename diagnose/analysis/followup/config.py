"""The thresholds behind every follow-up verdict, in one place so the UI and CLI can show them.

Why settings and not constants buried in the code: a merchant reading
"too early" or "no size advice yet" needs to know the minimum that was not
met, and a shop with little volume may want to lower it knowingly.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class FollowupSettings:
    """Minimums and test levels for fix checks, size advice, spikes and cohorts."""

    # fix check
    window_days: int = 60           # length of each side (before / after), cut to what has been observed
    min_days_after: int = 14        # fewer observed days after the fix: "too early"
    min_orders_after: int = 30      # with orders: fewer order lines after the fix: "too early"
    min_returns_after: int = 20     # without orders: fewer returns after the fix: "too early"
    alpha: float = 0.05             # Fisher's exact test, two-sided
    # cohorts: an order cohort is judged only once its returns have had time to arrive
    maturity_days: int = 14
    # size advice
    min_sizing_returns: int = 10    # fewer sizing returns for a SKU: no advice
    direction_share: float = 0.6    # share of sizing returns one way before saying "runs small/large"
    # spikes
    baseline_weeks: int = 6         # trailing weeks that make a SKU's own baseline
    min_baseline_weeks: int = 3     # fewer weeks of history: no spike test for that week
    spike_ratio: float = 1.5        # observed / expected at least this …
    spike_alpha: float = 0.001      # … and a one-sided exact test below this (many SKU-weeks are tested)
    min_spike_returns: int = 5      # and at least this many quality returns in the week
    baseline_floor: float = 0.5     # quality returns per week assumed when the baseline saw none
    supplier_min_skus: int = 3      # SKUs of one supplier spiking in the same or adjacent weeks

    def as_dict(self) -> dict:
        """The settings as a plain dict (shown in reports and on the dashboard)."""
        return asdict(self)


DEFAULTS = FollowupSettings()
