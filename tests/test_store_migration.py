"""The store's schema versions: today's corrections file migrates to the fix log without losing a row."""
from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

import pytest

from diagnose.errors import InputError
from diagnose.store import SCHEMA_VERSION, CorrectionStore, FixLog, schema_version

# The schema the store wrote before it had versions (diagnose up to this change), verbatim.
V1_SCHEMA = """
CREATE TABLE IF NOT EXISTS corrections (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    return_id       TEXT NOT NULL,
    buyer_text      TEXT NOT NULL DEFAULT '',
    platform_reason TEXT NOT NULL DEFAULT '',
    old_reason      TEXT NOT NULL DEFAULT '',
    new_reason      TEXT NOT NULL,
    new_sub_reason  TEXT NOT NULL DEFAULT 'unspecified',
    corrected_at    TEXT NOT NULL,
    user            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS corrections_return_id ON corrections (return_id);
"""

ROWS = [
    ("R1", "衣服偏小", "尺码不合适", "quality", "sizing", "too_small", "2024-05-01T10:00:00+00:00", "ann"),
    ("R2", "不想要了", "", "quality", "changed_mind", "not_needed", "2024-05-01T10:05:00+00:00", "bo"),
    ("R1", "衣服偏小", "尺码不合适", "sizing", "sizing", "unspecified", "2024-05-02T09:00:00+00:00", "cy"),
]


def _v1_file(path):
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(V1_SCHEMA)
        conn.executemany(
            "INSERT INTO corrections (return_id, buyer_text, platform_reason, old_reason, new_reason, "
            "new_sub_reason, corrected_at, user) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ROWS)
        conn.commit()
    return path


def _version(path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return schema_version(conn)


def test_todays_store_migrates_and_keeps_every_correction(tmp_path):
    path = _v1_file(tmp_path / "corrections.sqlite")
    assert _version(path) == 1
    store = CorrectionStore(path)
    assert _version(path) == SCHEMA_VERSION == 3
    history = store.history()
    assert len(history) == 3
    assert history["shop"].tolist() == ["", "", ""]  # rows from before shops were recorded: shop unknown
    assert list(zip(history["return_id"], history["new_reason"], history["user"])) == [
        ("R1", "sizing", "ann"), ("R2", "changed_mind", "bo"), ("R1", "sizing", "cy")]
    assert store.latest().set_index("return_id").loc["R1", "new_sub_reason"] == "unspecified"
    assert store.revision() == 3  # ids kept, so cache keys downstream stay valid
    # The new table is there and usable; corrections still append after it.
    log = FixLog(path)
    assert log.add("DR-2401", "2024-04-10", "size_chart", note="加了实测尺寸") == 1
    store.add("R3", "quality")
    assert len(CorrectionStore(path).history()) == 4
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1


def test_reopening_does_not_migrate_again(tmp_path):
    path = _v1_file(tmp_path / "c.sqlite")
    for _ in range(3):
        CorrectionStore(path)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1


def test_new_file_starts_at_the_latest_version(tmp_path):
    path = tmp_path / "new" / "c.sqlite"
    FixLog(path).add("SH-8801", "2024-04-15", "size_chart")
    assert _version(path) == SCHEMA_VERSION
    assert CorrectionStore(path).count() == 0


def test_concurrent_openers_migrate_once(tmp_path):
    path = _v1_file(tmp_path / "c.sqlite")
    errors: list[BaseException] = []

    def open_it():
        try:
            CorrectionStore(path)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM corrections").fetchone()[0] == 3


def test_a_store_from_a_newer_program_is_refused(tmp_path):
    path = tmp_path / "c.sqlite"
    CorrectionStore(path)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 'later')")
        conn.commit()
    with pytest.raises(InputError, match="newer") as exc:
        CorrectionStore(path)
    assert exc.value.code == "store_too_new"


def test_fix_log_records_kinds_targets_and_overrides(tmp_path):
    log = FixLog(tmp_path / "c.sqlite")
    log.add("DR-2401", "2024-04-10", "size_chart", note="尺码表加了胸围，联系 13812345678")
    log.add("TS-1102", "2024/4/12", "supplier")
    log.add("PC-1301", "2024-04-20", "listing", reason="quality")
    fixes = log.list()
    assert fixes["target_reason"].tolist() == ["sizing", "quality", "quality"]
    assert fixes["fix_date"].tolist() == ["2024-04-10", "2024-04-12", "2024-04-20"]
    assert "13812345678" not in fixes["note"].iloc[0]  # contacts redacted like correction texts
    assert log.revision() == 3
    for bad in (dict(kind="paint"), dict(kind="other"), dict(kind="listing", reason="nonsense"),
                dict(kind="listing", fix_date="昨天")):
        args = dict(sku="X", fix_date="2024-04-01", kind="listing") | bad
        with pytest.raises(InputError):
            log.add(args.pop("sku"), args.pop("fix_date"), args.pop("kind"), **args)
    assert len(log.list()) == 3
