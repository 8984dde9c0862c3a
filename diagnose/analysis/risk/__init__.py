"""Suspected malicious refunds and misjudged quality returns: a ranking for human review, with evidence.

Nothing here decides that a buyer is abusive. `score_risk` runs every
registered signal (`registry.REGISTRY`, each a small function over one
frozen `Context`, worth at most its registered weight), adds the points,
caps the sum at 100 and explains every point in Chinese and English.
All thresholds, points and dampings are fields of `RiskConfig`.

Modules: `cues` (cue words, text features, MinHash), `registry` (signals,
context), `signals` / `signals_group` (the signals), `score` (the loop and the
combination), `appeal` (the quality-return appeal list), `pack` (the appeal
pack per return, from an autoescaped Jinja2 template). docs/RISK.md has the
details.
"""
from diagnose.analysis.risk.appeal import quality_appeal_list  # noqa: F401
from diagnose.analysis.risk.config import (  # noqa: F401
    DEFAULT_CONFIG,
    HIGH,
    LEVEL_ZH,
    LEVELS,
    MEDIUM,
    RiskConfig,
)
from diagnose.analysis.risk.cues import minhash_bands, text_features  # noqa: F401
from diagnose.analysis.risk.pack import appeal_pack  # noqa: F401
from diagnose.analysis.risk.registry import (  # noqa: F401
    REGISTRY,
    Context,
    Fired,
    Signal,
    Skipped,
    ordered,
    signal,
)
from diagnose.analysis.risk.score import lists_as_text, risk_table, score_risk  # noqa: F401
from diagnose.io.privacy import mask_id  # noqa: F401 - part of the risk API (masked buyer ids)

WEIGHTS: dict[str, int] = {s.key: s.weight for s in ordered()}
SIGNAL_ZH: dict[str, str] = {s.key: s.zh for s in ordered()}
SIGNAL_EN: dict[str, str] = {s.key: s.en for s in ordered()}
