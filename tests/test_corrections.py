"""CorrectionStore: ops staff's relabels persist, the latest wins, and they feed training."""
from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from diagnose.store import CorrectionStore, default_path
from diagnose.errors import InputError


def _tagged() -> pd.DataFrame:
    return pd.DataFrame({
        "return_id": ["R1", "R2", "R3"],
        "buyer_text": ["鞋子偏小穿不上", "不想要了", "质量太差开线了"],
        "platform_reason": ["尺码不合适", "质量问题", "质量问题"],
        "reason": ["sizing", "quality", "quality"],
        "reason_zh": ["尺码问题", "质量问题", "质量问题"],
        "sub_reason": ["too_small", "unspecified", "workmanship"],
        "confidence": [0.9, 0.41, 0.88],
        "needs_review": [False, True, False],
        "dropdown_label": ["sizing", "quality", "quality"],
        "reason_conflict": [False, False, False],
    })


def test_default_path_follows_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(tmp_path / "somewhere"))
    store = CorrectionStore()
    assert store.path == tmp_path / "somewhere" / "corrections.sqlite"
    assert default_path() == store.path
    assert store.path.exists()


def test_persists_across_instances(tmp_path):
    path = tmp_path / "c.sqlite"
    CorrectionStore(path).add("R2", "changed_mind", "not_needed", buyer_text="不想要了",
                              platform_reason="质量问题", old_reason="quality", user="ops1")
    again = CorrectionStore(path)
    latest = again.latest()
    assert again.count() == 1
    row = latest.iloc[0]
    assert (row["return_id"], row["new_reason"], row["new_sub_reason"]) == ("R2", "changed_mind", "not_needed")
    assert row["user"] == "ops1" and row["old_reason"] == "quality" and row["corrected_at"]


def test_latest_wins_and_history_kept(tmp_path):
    store = CorrectionStore(tmp_path / "c.sqlite")
    store.add("R1", "quality")
    store.add("R1", "mismatch", "color_difference")
    store.add("R2", "other")
    latest = store.latest().set_index("return_id")
    assert latest.loc["R1", "new_reason"] == "mismatch"
    assert latest.loc["R1", "new_sub_reason"] == "color_difference"
    assert store.count() == 2
    assert len(store.history()) == 3
    assert store.revision() == 3


def test_apply_overrides_only_corrected_rows(tmp_path):
    store = CorrectionStore(tmp_path / "c.sqlite")
    store.add("R2", "changed_mind", "not_needed")
    tagged = _tagged()
    out = store.apply(tagged)
    assert list(out["corrected"]) == [False, True, False]
    r2 = out.set_index("return_id").loc["R2"]
    assert r2["reason"] == "changed_mind" and r2["reason_zh"] == "买家原因"
    assert r2["sub_reason"] == "not_needed"
    assert r2["confidence"] == 1.0 and not bool(r2["needs_review"])
    assert bool(r2["reason_conflict"])  # dropdown said quality, staff say changed mind
    # untouched rows and the input frame stay as they were
    assert out.set_index("return_id").loc["R1", "reason"] == "sizing"
    assert "corrected" not in tagged.columns and tagged.loc[1, "reason"] == "quality"


def test_apply_without_corrections_marks_nothing(tmp_path):
    out = CorrectionStore(tmp_path / "c.sqlite").apply(_tagged())
    assert not out["corrected"].any()
    assert list(out["reason"]) == list(_tagged()["reason"])


def test_add_many_and_training_rows(tmp_path):
    store = CorrectionStore(tmp_path / "c.sqlite")
    n = store.add_many(pd.DataFrame({
        "return_id": ["R1", "R2", "R3"],
        "reason": ["sizing", "changed_mind", "quality"],  # `reason` accepted for new_reason
        "buyer_text": ["偏小", "不想要了", ""],
        "platform_reason": ["尺码", "质量问题", ""],
    }))
    assert n == 3
    store.add("R1", "quality", buyer_text="偏小", platform_reason="尺码")
    rows = store.training_rows()
    assert list(rows.columns) == ["text", "reason", "platform_reason", "sub_reason", "shop"]
    # R3 has neither text nor dropdown: nothing to learn from
    assert sorted(zip(rows["text"], rows["reason"])) == [("不想要了", "changed_mind"), ("偏小", "quality")]


def test_rejects_unknown_labels(tmp_path):
    store = CorrectionStore(tmp_path / "c.sqlite")
    with pytest.raises(InputError, match="unknown reason"):
        store.add("R1", "nonsense")
    with pytest.raises(InputError, match="does not belong"):
        store.add("R1", "sizing", "color_difference")
    assert store.count() == 0


def test_sql_is_parameterised(tmp_path):
    store = CorrectionStore(tmp_path / "c.sqlite")
    evil = "R1'); DROP TABLE corrections; --"
    store.add(evil, "other", buyer_text="'; DELETE FROM corrections; --")
    assert store.latest()["return_id"].tolist() == [evil]
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM corrections").fetchone()[0] == 1


def test_damaged_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "c.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InputError, match="corrections store"):
        CorrectionStore(bad)
