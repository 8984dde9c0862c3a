"""Shared fixtures: the shipped model (loaded once) and the sample exports."""
from __future__ import annotations

import csv
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


# A corpus of a few rows per label, for tests that train (seconds instead of the real corpus's ~20 s).
TINY = [
    ("你们的衣服偏小穿不上", "sizing"), ("感觉码数偏大", "sizing"), ("这次太紧了", "sizing"), ("大了一号", "sizing"),
    ("开线了", "quality"), ("起球严重", "quality"), ("用两天就坏了", "quality"), ("有异味", "quality"),
    ("色差太大", "mismatch"), ("发错货了", "mismatch"), ("少发一件", "mismatch"), ("不是正品", "mismatch"),
    ("物流太慢", "logistics"), ("快递压坏了", "logistics"), ("一直没收到", "logistics"), ("快递丢件", "logistics"),
    ("不想要了", "changed_mind"), ("拍错了", "changed_mind"), ("降价了", "changed_mind"), ("不喜欢", "changed_mind"),
    ("不退款就差评", "malicious"), ("赔我三倍", "malicious"), ("吃完了要退款", "malicious"), ("只退款不退货", "malicious"),
    ("客服态度差", "other"), ("一般般", "other"), ("不满意", "other"), ("没开发票", "other"),
]


@pytest.fixture
def tiny_corpus(tmp_path) -> Path:
    """A corpus folder holding TINY four times over (numbered copies, so every text is distinct)."""
    d = tmp_path / "corpus"
    d.mkdir()
    with (d / "tiny.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "reason", "sub_reason", "category", "platform_reason"])
        for i, (text, label) in enumerate(TINY * 4):
            w.writerow([f"{text}{'' if i < len(TINY) else i}", label, "", "general", ""])
    return d
