"""diagnose: find out why buyers return what they bought.

The data flows one way: ``io`` reads platform exports into one canonical
table, ``model`` tags every return with its reason, ``analysis`` turns the
tagged table into causes, fixes and risk; ``pipeline.tag`` is the one read →
tag path every face (CLI, dashboard, batch jobs) goes through.

Names are imported lazily so ``python -m diagnose --help`` does not pay for
pandas and scikit-learn.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_PUBLIC = {
    "InputError": "diagnose.errors",
    "read_exports": "diagnose.io",
    "read_orders": "diagnose.io",
    "load_model": "diagnose.model.reason_model",
    "classify_frame": "diagnose.model.classify",
    "tag": "diagnose.pipeline",
    "build_report": "diagnose.analysis.report",
    "score_risk": "diagnose.analysis.risk",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'diagnose' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
