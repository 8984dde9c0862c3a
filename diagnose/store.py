"""Ops staff's relabels, kept in a small SQLite file.

When someone on the ops team reads a return and decides the classifier got
its reason wrong, the dashboard writes a correction here. Corrections

* survive restarts (one SQLite file on disk),
* are applied on top of every tagged table the dashboard shows
  (`CorrectionStore.apply`), marked `corrected=True`,
* and are folded into the next model by `python -m diagnose train`
  (`CorrectionStore.training_rows`).

The store is append-only: every save adds a row, and the latest correction
per `return_id` wins (`latest`). That keeps an audit trail of who changed
what and when.

Where the file lives: ``$DIAGNOSE_DATA_DIR/corrections.sqlite``, with
``DIAGNOSE_DATA_DIR`` defaulting to ``./data`` (created on first use).
All SQL is parameterised; nothing a user types is pasted into a statement.

Several writers at once (dashboard sessions, the CLI, a training run):
the database is in WAL mode, every connection waits up to
`BUSY_TIMEOUT_MS` for a lock instead of failing, and each save is one
``BEGIN IMMEDIATE`` transaction, so concurrent saves queue up and all of
them are kept. ``synchronous=FULL`` makes a committed save durable; a
process killed mid-save loses at most that one uncommitted save and
leaves the file consistent (SQLite's journal rolls it back).

Personal data: no buyer identifier is stored (no buyer id, nickname or
address column), and whatever a buyer typed into the free text that could
reach or identify them (phones, landlines, ID and bank cards, e-mail,
WeChat/QQ ids, addresses, names — `diagnose.io.redact`) is replaced by
placeholders (`redact_contacts`) before the text is saved, as is the
dropdown reason. The model removes long
digit runs from text anyway, so training loses nothing.
"""
from __future__ import annotations

import getpass
import os
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import pandas as pd

from diagnose import settings
from diagnose.errors import InputError
from diagnose.io.redact import redact_text
from diagnose.settings import DATA_DIR_ENV, DB_NAME, DEFAULT_DATA_DIR  # noqa: F401 - re-exported
from diagnose.taxonomy import LABELS, SUB_REASON_BY_KEY, UNSPECIFIED, label_name

BUSY_TIMEOUT_MS = 30_000

COLUMNS: tuple[str, ...] = (
    "return_id",
    "buyer_text",
    "platform_reason",
    "old_reason",
    "new_reason",
    "new_sub_reason",
    "corrected_at",
    "user",
    "shop",
)

_SCHEMA = """
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

_LATEST_SQL = """
SELECT c.id, c.return_id, c.buyer_text, c.platform_reason, c.old_reason,
       c.new_reason, c.new_sub_reason, c.corrected_at, c.user, c.shop
FROM corrections AS c
JOIN (SELECT return_id, MAX(id) AS id FROM corrections GROUP BY return_id) AS m
  ON c.id = m.id
ORDER BY c.id
"""

_INSERT_SQL = (
    "INSERT INTO corrections (return_id, buyer_text, platform_reason, old_reason, "
    "new_reason, new_sub_reason, corrected_at, user, shop) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


# -- schema versions and migrations -------------------------------------------
# The database carries its schema version in `schema_version` (one row).
# A file from before versioning (the corrections table and nothing else) is
# version 1. Each migration moves the file up one version inside the same
# BEGIN IMMEDIATE transaction that records the new version, so a crash or a
# concurrent opener never sees a half-migrated file, and no existing row is
# rewritten: corrections survive every migration untouched.
SCHEMA_VERSION = 3

_FIXES_SCHEMA = """
CREATE TABLE IF NOT EXISTS fixes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    sku           TEXT NOT NULL,
    fix_date      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    target_reason TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    user          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS fixes_sku ON fixes (sku);
"""

# Version 3: which shop a corrected return came from ('' = unknown), so a shop can
# get a model of its own (diagnose.model.versions); rows from before keep ''.
_SHOP_COLUMN = "ALTER TABLE corrections ADD COLUMN shop TEXT NOT NULL DEFAULT ''"

# version reached -> statements that reach it from the version before
_MIGRATIONS: dict[int, str] = {
    1: _SCHEMA,
    2: _FIXES_SCHEMA,
    3: _SHOP_COLUMN,
}


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version of an open database: 0 for an empty file, 1 for today's unversioned store."""
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")}
    if "schema_version" in names:
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)
    if "corrections" in names:
        return 1 if "corrections_return_id" in names else 0
    return 0


def migrate(conn: sqlite3.Connection, where: str = "") -> int:
    """Bring the database up to `SCHEMA_VERSION`; returns the version it started at.

    Why a transaction per open: several processes may open an old file at
    once; the version is read again after BEGIN IMMEDIATE takes the write
    lock, so exactly one of them migrates and the others find it done.
    """
    start = schema_version(conn)
    if start > SCHEMA_VERSION:
        raise InputError(
            f"the store has schema version {start}, newer than this program understands ({SCHEMA_VERSION})",
            file=where or None, hint="upgrade diagnose, or point DIAGNOSE_DATA_DIR at another folder",
            code="store_too_new", params={"version": start, "supported": SCHEMA_VERSION},
        )
    if start == SCHEMA_VERSION:
        return start
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(conn)
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in _MIGRATIONS[version].split(";"):
                if statement.strip():
                    conn.execute(statement)
        if current < SCHEMA_VERSION:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version "
                         "(version INTEGER NOT NULL, migrated_at TEXT NOT NULL)")
            conn.execute("INSERT INTO schema_version (version, migrated_at) VALUES (?, ?)",
                         (SCHEMA_VERSION, datetime.now(timezone.utc).isoformat(timespec="seconds")))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return start


def default_data_dir() -> Path:
    """The folder for the dashboard's persistent data (``$DIAGNOSE_DATA_DIR`` or ``./data``)."""
    return settings.data_dir()


def default_path() -> Path:
    """Where corrections are stored when no path is given."""
    return settings.store_path()


def _default_user() -> str:
    user = os.environ.get("DIAGNOSE_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except Exception:  # no login name on some containers
        return "ops"


def _text(value: object) -> str:
    """A cell as plain text: NA/None become ''."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def redact_contacts(text: str) -> str:
    """`text` with the buyer's personal data replaced by placeholders (`diagnose.io.redact`).

    Why: a correction keeps the buyer's words (they are training data), and
    buyers sometimes type a phone number, an address or a WeChat id into
    them; the store must not keep a way to reach or identify the buyer.
    """
    return redact_text(text) if text else text


def _check_labels(new_reason: str, new_sub_reason: str | None, return_id: str) -> tuple[str, str]:
    """Validate a reason / sub-reason pair; returns the normalised pair."""
    reason = _text(new_reason).strip()
    if reason not in LABELS:
        raise InputError(
            f"correction for return {return_id!r}: unknown reason {reason!r}",
            hint="use one of " + ", ".join(LABELS),
        )
    sub = _text(new_sub_reason).strip() or UNSPECIFIED
    if sub != UNSPECIFIED:
        known = SUB_REASON_BY_KEY.get(sub)
        if known is None or known.label != reason:
            raise InputError(
                f"correction for return {return_id!r}: sub-reason {sub!r} does not belong to {reason!r}",
                hint="pick a sub-reason of that reason, or leave it empty",
            )
    return reason, sub


def _carried_sub_reason(rec: dict) -> str:
    """The sub-reason to store: one left over from the old reason is dropped, a chosen one is checked.

    When staff change only the reason, the row still carries the old
    reason's sub-reason (``old_sub_reason`` given and unchanged): that
    becomes ``unspecified``. A sub-reason staff picked themselves must belong
    to the new reason, or the correction is refused (`_check_labels`).
    """
    sub = _text(rec.get("new_sub_reason")).strip()
    old_sub = _text(rec.get("old_sub_reason")).strip()
    reason_changed = _text(rec.get("new_reason")).strip() != _text(rec.get("old_reason")).strip()
    if sub and sub == old_sub and reason_changed:
        known = SUB_REASON_BY_KEY.get(sub)
        if known is None or known.label != _text(rec.get("new_reason")).strip():
            return UNSPECIFIED
    return sub


class CorrectionStore:
    """Append-only SQLite store of relabels; the latest one per return wins."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as conn:
                # WAL lets readers go on while one writer commits; the mode is
                # stored in the file, so setting it once per open is enough.
                conn.execute("PRAGMA journal_mode=WAL")
                migrate(conn, str(self.path))
        except InputError:
            raise
        except (OSError, sqlite3.Error) as exc:
            raise InputError(
                f"cannot open the corrections store ({exc})",
                file=str(self.path),
                hint=f"set {DATA_DIR_ENV} to a writable folder, or move the damaged file aside",
            ) from exc

    def fix_log(self) -> "FixLog":
        """The fix log kept in the same database file (see `FixLog`)."""
        return FixLog(self.path)

    # -- plumbing -----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        # A fresh connection per operation: Streamlit runs scripts on several
        # threads, and sqlite3 connections must not cross threads.
        # isolation_level=None: transactions are opened explicitly (BEGIN
        # IMMEDIATE in `_insert`), never implicitly by the sqlite3 module.
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def _query(self, sql: str, params: Iterable = ()) -> pd.DataFrame:
        try:
            with closing(self._connect()) as conn:
                cur = conn.execute(sql, tuple(params))
                names = [d[0] for d in cur.description]
                rows = cur.fetchall()
        except sqlite3.Error as exc:
            raise InputError(f"cannot read the corrections store ({exc})", file=str(self.path)) from exc
        return pd.DataFrame(rows, columns=names)

    def _insert(self, rows: list[tuple]) -> int:
        if not rows:
            return 0
        try:
            with closing(self._connect()) as conn:
                # One write transaction for the whole batch; IMMEDIATE takes
                # the write lock up front, so a concurrent writer waits
                # (busy_timeout) rather than failing half-way.
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.executemany(_INSERT_SQL, rows)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        except sqlite3.Error as exc:
            raise InputError(
                f"cannot save corrections ({exc})",
                file=str(self.path),
                hint=f"check that {DATA_DIR_ENV} points to a writable folder",
            ) from exc
        return len(rows)

    # -- writing ------------------------------------------------------------
    def add(
        self,
        return_id: str,
        new_reason: str,
        new_sub_reason: str | None = None,
        *,
        buyer_text: str | None = None,
        platform_reason: str | None = None,
        old_reason: str | None = None,
        user: str | None = None,
        corrected_at: str | datetime | None = None,
        shop: str | None = None,
    ) -> None:
        """Record one relabel of `return_id` to `new_reason` (and optional sub-reason)."""
        self.add_many(pd.DataFrame([{
            "return_id": return_id,
            "new_reason": new_reason,
            "new_sub_reason": new_sub_reason,
            "buyer_text": buyer_text,
            "platform_reason": platform_reason,
            "old_reason": old_reason,
            "user": user,
            "corrected_at": corrected_at,
            "shop": shop,
        }]))

    def add_many(self, df: pd.DataFrame, user: str | None = None) -> int:
        """Record several relabels at once (one transaction); returns how many.

        `df` needs `return_id` and `new_reason` (a `reason` column is accepted
        in its place); `buyer_text`, `platform_reason`, `old_reason`,
        `new_sub_reason`, `corrected_at`, `user` and `shop` are optional.
        """
        if df is None or len(df) == 0:
            return 0
        if "new_reason" not in df.columns and "reason" in df.columns:
            df = df.rename(columns={"reason": "new_reason"})
        missing = [c for c in ("return_id", "new_reason") if c not in df.columns]
        if missing:
            raise InputError("corrections need the columns " + ", ".join(missing))
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        default_user = user or _default_user()
        rows: list[tuple] = []
        for rec in df.to_dict("records"):
            return_id = _text(rec.get("return_id")).strip()
            if not return_id:
                raise InputError("a correction has no return_id", hint="every corrected row needs its return id")
            sub = _carried_sub_reason(rec)
            reason, sub = _check_labels(rec.get("new_reason"), sub, return_id)
            at = rec.get("corrected_at")
            if isinstance(at, datetime):
                at = at.isoformat(timespec="seconds")
            rows.append((
                return_id,
                redact_contacts(_text(rec.get("buyer_text"))),
                redact_contacts(_text(rec.get("platform_reason"))),
                _text(rec.get("old_reason")),
                reason,
                sub,
                _text(at) or now,
                _text(rec.get("user")) or default_user,
                _text(rec.get("shop")).strip(),
            ))
        return self._insert(rows)

    # -- reading ------------------------------------------------------------
    def history(self) -> pd.DataFrame:
        """Every correction ever saved, oldest first (the audit trail)."""
        return self._query("SELECT * FROM corrections ORDER BY id")

    def latest(self) -> pd.DataFrame:
        """The latest correction per return_id (columns `id` + COLUMNS)."""
        return self._query(_LATEST_SQL)

    def count(self) -> int:
        """How many returns carry a correction (distinct return_id)."""
        df = self._query("SELECT COUNT(DISTINCT return_id) AS n FROM corrections")
        return int(df["n"].iloc[0])

    def revision(self) -> int:
        """A number that grows with every save (use it as a cache key)."""
        df = self._query("SELECT COALESCE(MAX(id), 0) AS rev FROM corrections")
        return int(df["rev"].iloc[0])

    def apply(self, tagged: pd.DataFrame) -> pd.DataFrame:
        """The tagged table with corrections laid over it.

        Corrected rows get the new `reason`, `reason_zh` and `sub_reason`,
        `confidence` 1.0, `needs_review` False and `corrected` True;
        `reason_conflict` is recomputed against `dropdown_label` where present.
        Every other row gets `corrected` False. The input is not modified.
        """
        out = tagged.copy()
        out["corrected"] = False
        if len(out) == 0 or "return_id" not in out.columns:
            return out
        latest = self.latest()
        if latest.empty:
            return out
        by_id = latest.set_index("return_id")
        ids = out["return_id"].astype("string")
        mask = ids.isin(by_id.index).fillna(False).to_numpy(dtype=bool)
        if not mask.any():
            return out
        hit = ids[mask]
        new_reason = by_id["new_reason"].reindex(hit).to_numpy()
        new_sub = by_id["new_sub_reason"].reindex(hit).to_numpy()
        _set(out, "reason", mask, new_reason)
        _set(out, "reason_zh", mask, [label_name(r, "zh") for r in new_reason])
        _set(out, "sub_reason", mask, new_sub)
        _set(out, "confidence", mask, 1.0)
        _set(out, "needs_review", mask, False)
        out.loc[mask, "corrected"] = True
        if "dropdown_label" in out.columns and "reason_conflict" in out.columns:
            drop = out.loc[mask, "dropdown_label"].astype("string")
            conflict = (drop.notna() & (drop != pd.Series(new_reason, index=drop.index, dtype="string")))
            _set(out, "reason_conflict", mask, conflict.fillna(False).to_numpy(dtype=bool))
        return out

    def shops(self) -> list[str]:
        """The shops that corrections were saved for, sorted ('' — unknown shop — left out)."""
        df = self._query("SELECT DISTINCT shop FROM corrections WHERE shop != '' ORDER BY shop")
        return df["shop"].astype(str).tolist()

    def training_rows(self) -> pd.DataFrame:
        """Latest corrections as training rows: `text`, `reason`, `platform_reason`, `sub_reason`, `shop`.

        Rows with neither buyer text nor a dropdown reason teach nothing and
        are left out.
        """
        latest = self.latest()
        out = pd.DataFrame({
            "text": latest.get("buyer_text", pd.Series(dtype=str)).astype(str),
            "reason": latest.get("new_reason", pd.Series(dtype=str)).astype(str),
            "platform_reason": latest.get("platform_reason", pd.Series(dtype=str)).astype(str),
            "sub_reason": latest.get("new_sub_reason", pd.Series(dtype=str)).fillna("").astype(str),
            "shop": latest.get("shop", pd.Series(dtype=str)).fillna("").astype(str),
        })
        keep = (out["text"].str.strip() != "") | (out["platform_reason"].str.strip() != "")
        return out[keep].reset_index(drop=True)


def _set(frame: pd.DataFrame, column: str, mask, values) -> None:
    """Assign values to the masked rows of one column, widening its dtype when needed."""
    if column not in frame.columns:
        frame[column] = pd.NA
    col = frame[column]
    if isinstance(values, (bool, float, int, str)):
        values = [values] * int(mask.sum())
    values = list(values)
    try:
        updated = col.copy()
        updated.iloc[mask.nonzero()[0]] = values
    except (TypeError, ValueError):
        updated = col.astype(object)
        updated.iloc[mask.nonzero()[0]] = values
    frame[column] = updated


# ---------------------------------------------------------------------------
# The fix log: what ops changed on a product, and when
# ---------------------------------------------------------------------------
# Each kind of fix aims at one return reason; `fix check` re-measures that
# reason before and after the fix date. "other" names no reason by itself.
FIX_KINDS: dict[str, str | None] = {
    "size_chart": "sizing",
    "listing": "mismatch",
    "supplier": "quality",
    "qc": "quality",
    "packaging": "logistics",
    "other": None,
}

FIX_COLUMNS: tuple[str, ...] = ("id", "sku", "fix_date", "kind", "target_reason", "note", "created_at", "user")


def _fix_date(value: object) -> str:
    """A fix date as ISO ``YYYY-MM-DD``; anything unreadable is an InputError."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    text = _text(value).strip()
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if not text or pd.isna(stamp):
        raise InputError(f"cannot read the fix date {text!r}", hint="write it as YYYY-MM-DD, e.g. 2024-04-10",
                         code="bad_fix_date", params={"value": text})
    return stamp.date().isoformat()


def fix_target(kind: str, reason: str | None = None) -> tuple[str, str]:
    """The (kind, target reason) pair of a fix, checked: an explicit reason overrides the kind's."""
    kind = _text(kind).strip().lower()
    if kind not in FIX_KINDS:
        raise InputError(f"unknown fix kind {kind!r}", hint="use one of " + ", ".join(FIX_KINDS),
                         code="bad_fix_kind", params={"value": kind})
    target = _text(reason).strip() or FIX_KINDS[kind]
    if not target:
        raise InputError("a fix of kind 'other' needs the reason it targets",
                         hint="add --reason, one of " + ", ".join(LABELS), code="fix_needs_reason")
    if target not in LABELS:
        raise InputError(f"unknown reason {target!r}", hint="use one of " + ", ".join(LABELS),
                         code="bad_reason", params={"value": target})
    return kind, target


class FixLog:
    """Fixes ops recorded (SKU, date, kind, target reason, note), in the corrections database.

    Same file, same rules as `CorrectionStore`: WAL, a fresh connection per
    call, each write one BEGIN IMMEDIATE transaction, parameterised SQL. The
    log is append-only; `list` returns every fix, oldest first.
    """

    def __init__(self, path: str | Path | None = None):
        self._store = CorrectionStore(path)  # opens (and migrates) the file
        self.path = self._store.path

    def add(self, sku: str, fix_date: object, kind: str, *, reason: str | None = None, note: str = "",
            user: str | None = None) -> int:
        """Record one fix; returns its id."""
        sku = _text(sku).strip()
        if not sku:
            raise InputError("a fix needs the SKU (or product id) it was made on", code="fix_needs_sku")
        kind, target = fix_target(kind, reason)
        row = (sku, _fix_date(fix_date), kind, target, redact_contacts(_text(note).strip()),
               datetime.now(timezone.utc).isoformat(timespec="seconds"), _text(user) or _default_user())
        try:
            with closing(self._store._connect()) as conn:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    cur = conn.execute(
                        "INSERT INTO fixes (sku, fix_date, kind, target_reason, note, created_at, user) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)", row)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        except sqlite3.Error as exc:
            raise InputError(f"cannot save the fix ({exc})", file=str(self.path),
                             hint=f"check that {DATA_DIR_ENV} points to a writable folder") from exc
        return int(cur.lastrowid)

    def list(self) -> pd.DataFrame:
        """Every recorded fix, oldest first (columns `FIX_COLUMNS`)."""
        frame = self._store._query("SELECT " + ", ".join(FIX_COLUMNS) + " FROM fixes ORDER BY id")
        return frame if len(frame.columns) else pd.DataFrame(columns=list(FIX_COLUMNS))

    def revision(self) -> int:
        """Grows with every recorded fix (a cache key)."""
        return int(self._store._query("SELECT COALESCE(MAX(id), 0) AS rev FROM fixes")["rev"].iloc[0])
