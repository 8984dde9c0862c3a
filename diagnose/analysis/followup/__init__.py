"""Following a product after the merchant acts: did the fix work, size advice, spikes, cohorts, alerts.

Library only (no Streamlit); the CLI (`fix check`, `alerts`) and the
dashboard's follow-up page lay out what these functions compute. All
thresholds are in `config.FollowupSettings` so every face can show them.
"""
from diagnose.analysis.followup.alerts import build_alerts, digest_html, digest_markdown
from diagnose.analysis.followup.cohorts import cohort_trend
from diagnose.analysis.followup.config import DEFAULTS, FollowupSettings
from diagnose.analysis.followup.fixcheck import check_fixes, read_fixes_csv
from diagnose.analysis.followup.sizing import parse_sizes, size_advice
from diagnose.analysis.followup.spikes import quality_spikes, read_supplier_map, supplier_flags

__all__ = [
    "DEFAULTS", "FollowupSettings", "build_alerts", "check_fixes", "cohort_trend", "digest_html",
    "digest_markdown", "parse_sizes", "quality_spikes", "read_fixes_csv", "read_supplier_map", "size_advice",
    "supplier_flags",
]
