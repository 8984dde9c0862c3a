"""Shared fixtures: the shipped model (loaded once) and the sample exports."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Tests never touch the user's corrections database nor write inside the
# checkout: the store and the salt live in a temporary folder for the session.
os.environ.setdefault("DIAGNOSE_DATA_DIR", tempfile.mkdtemp(prefix="diagnose-test-data-"))


@pytest.fixture(scope="session")
def model():
    """The shipped model, as the CLI and dashboard load it."""
    from diagnose.model.reason_model import load_model

    return load_model()


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """sample_data/ as committed (written by scripts/make_samples.py); a missing file fails the test."""
    d = ROOT / "sample_data"
    needed = [
        "douyin_aftersales.csv", "taobao_refunds.xlsx", "amazon_fba_returns.tsv", "douyin_orders.csv",
        "pdd_aftersales.csv", "jd_service_orders.csv",
    ]
    missing = [n for n in needed if not (d / n).exists()]
    assert not missing, f"sample_data lacks {missing}: run python scripts/make_samples.py"
    return d


@pytest.fixture(scope="session")
def bad_dir(sample_dir) -> Path:
    """tests/data/bad/: deliberately broken inputs, written by scripts/make_samples.py."""
    return ROOT / "tests" / "data" / "bad"
