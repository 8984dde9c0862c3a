"""Platform exports -> one canonical table.

`read_exports` reads after-sales / refund exports as platforms really write
them and returns the canonical table described in docs/ARCHITECTURE.md;
`read_orders` reads an order export for per-SKU return rates.

What it copes with:

* Formats by *content*, not by file extension: CSV/TSV/semicolon text in
  UTF-8, UTF-8 with BOM, GB18030/GBK and UTF-16 (BOM or NUL pattern), and
  XLSX/XLS/ODS through python-calamine (the engine behind pandas'
  ``engine="calamine"``; used directly so typed cells and sheet probing stay
  under our control). Text exports saved with an ``.xls`` name are read as
  text.
* Title and note rows above the header: the header is the row among the
  first 30 that matches the most known header synonyms.
* Every cell is read as a string, so IDs stay exact; export artefacts are
  removed from every column: surrounding whitespace and leading tabs,
  ``="123"`` wrappers, a leading apostrophe before an ID, and placeholders
  such as ``-`` (which become missing).
* Columns are mapped by header synonyms (`diagnose.io.profiles`), never by
  position; user overrides (``canonical=header``) win.
* Amounts (``¥1,299.00``, ``1299元``, full-width digits, fen for
  Pinduoduo's ``refundAmount``) and dates (``2024-05-01 12:03:04``,
  ``2024/5/1 12:03``, ``01-05-2024``, ISO with a time zone -> naive
  wall-clock time as written, epoch seconds/milliseconds -> the platform's
  local time, Excel serial numbers) are parsed column-wide, vectorised.
* Bad fields never drop a row: the row is kept, the field left empty and the
  problem written to ``row_issues`` and summarised in ``FileReport.issues``.
* Row accounting: ``source_row`` is the 1-based row as a spreadsheet shows it
  (title and header rows counted). Lines that are completely empty (every
  cell blank) are not data rows: they are skipped and not counted in
  ``n_rows`` / ``rows_in``. Every other row comes out, so
  ``len(frame) + duplicates_merged == rows_in``.
* Personal data: the buyer id is kept only as a salted SHA-256 hash (16 hex
  characters); other columns whose header names a phone, address, person's
  name or account are carried under their header with hashed values (same
  hash, so they can be compared but not read).

* Limits (`current_limits`, environment variables): upload and file size,
  data rows, and for XLSX the declared unpacked size, compression ratio and
  sheet dimension — checked before the workbook is loaded, because an
  oversized sheet makes the spreadsheet reader abort the whole process.
* Locked and odd containers are named: an encrypted .xlsx (an OLE file with
  `EncryptionInfo`), a password-protected .xls (FILEPASS), Word/PowerPoint.
* Encoding slips: a UTF-8 BOM in front of GBK text is read as GB18030 (and
  noted); text whose bytes change encoding part-way is refused with the line
  and column where it happens.

Everything a user can get wrong raises `InputError` naming the file and what
to do; no other exception is meant to escape. docs/BAD_INPUT.md lists every
kind of bad input and what the user sees.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from diagnose.errors import InputError
from diagnose.io import profiles as P
from diagnose.taxonomy import normalise_return_type

CANONICAL_COLUMNS: tuple[str, ...] = P.MAPPABLE_COLUMNS + (
    "platform",
    "source_file",
    "source_row",
    "row_issues",
)

ORDER_OUTPUT_COLUMNS: tuple[str, ...] = (
    "order_id",
    "sub_order_id",
    "sku",
    "product_id",
    "product_title",
    "quantity",
    "ordered_at",
    "buyer_id",
    "source_file",
    "source_row",
)

HEADER_SCAN_ROWS = 30
MAX_EXAMPLES = 3  # per problem kind, in FileReport.issues

# ---------------------------------------------------------------------------
# Limits. Read from the environment on every call, so an operator (or a test)
# can change them without a restart. The defaults let the CLI read a
# 10-million-row CSV from disk and the dashboard take a few-hundred-MB upload,
# while refusing — before anything is parsed — what would only exhaust memory.
# ---------------------------------------------------------------------------
MAX_UPLOAD_MB_ENV = "DIAGNOSE_MAX_UPLOAD_MB"  # bytes handed over in memory (dashboard uploads)
MAX_FILE_MB_ENV = "DIAGNOSE_MAX_FILE_MB"  # files read from disk (CLI)
MAX_ROWS_ENV = "DIAGNOSE_MAX_ROWS"  # data rows per call (all files together)
MAX_XLSX_MB_ENV = "DIAGNOSE_MAX_XLSX_UNCOMPRESSED_MB"  # declared unpacked size of an XLSX
MAX_CELLS_ENV = "DIAGNOSE_MAX_CELLS"  # rows x columns a sheet declares
MAX_ZIP_RATIO_ENV = "DIAGNOSE_MAX_ZIP_RATIO"  # unpacked / packed size of one XLSX part

_LIMIT_DEFAULTS: dict[str, float] = {
    MAX_UPLOAD_MB_ENV: 1024,  # = server.maxUploadSize in .streamlit/config.toml
    MAX_FILE_MB_ENV: 8192,
    MAX_ROWS_ENV: 20_000_000,
    MAX_XLSX_MB_ENV: 4096,
    MAX_CELLS_ENV: 120_000_000,
    MAX_ZIP_RATIO_ENV: 200,
}
# Parts smaller than this are never judged by their compression ratio (a
# 2 MB styles.xml full of repeated tags legitimately packs 100:1).
_RATIO_MIN_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Size limits applied while reading; see `current_limits`."""

    upload_bytes: int
    file_bytes: int
    rows: int
    xlsx_uncompressed_bytes: int
    cells: int
    zip_ratio: float


def current_limits() -> Limits:
    """The limits in force now: environment variables over the defaults.

    Why configurable: a team running the dashboard on a large machine wants
    bigger uploads; a shared small server wants smaller ones. A value that is
    not a positive number is a configuration mistake and is reported as such.
    """

    def value(env: str) -> float:
        raw = os.environ.get(env, "").strip()
        if not raw:
            return _LIMIT_DEFAULTS[env]
        try:
            number = float(raw)
        except ValueError:
            number = -1.0
        if not number > 0:
            raise InputError(
                f"the setting {env}={raw!r} is not a positive number",
                hint=f"set {env} to a number such as {int(_LIMIT_DEFAULTS[env])}, or unset it",
            )
        return number

    mb = 1024 * 1024
    return Limits(
        upload_bytes=int(value(MAX_UPLOAD_MB_ENV) * mb),
        file_bytes=int(value(MAX_FILE_MB_ENV) * mb),
        rows=int(value(MAX_ROWS_ENV)),
        xlsx_uncompressed_bytes=int(value(MAX_XLSX_MB_ENV) * mb),
        cells=int(value(MAX_CELLS_ENV)),
        zip_ratio=value(MAX_ZIP_RATIO_ENV),
    )


def _mb(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n / 1024:,.1f} KB"
    return f"{n / (1024 * 1024):,.1f} MB"

_STRING_COLUMNS = (
    "return_id", "order_id", "sku", "product_id", "product_title", "platform_reason",
    "status", "shop",
)
_DATE_COLUMNS = ("applied_at", "signed_at")
_NA_TOKENS = ["", "-", "--", "—", "null", "NULL", "N/A", "n/a", "#N/A"]
_DATETIME_DTYPE = "datetime64[us]"


@dataclass
class FileReport:
    """What happened to one input file."""

    name: str
    profile: str
    encoding: str | None
    header_row: int  # 1-based
    n_rows: int
    mapping: dict[str, str]  # canonical -> original header
    unmapped: list[str]
    issues: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FileError:
    """A file that could not be read (``errors="collect"``): its name and the user's message.

    ``file`` is ``MAPPING_ERROR`` when the problem is the user's column
    mapping rather than one file: the files were read without it.
    """

    file: str
    message: str


MAPPING_ERROR = "__mapping__"


@dataclass
class IngestResult:
    """The canonical table plus what was done to get it."""

    frame: pd.DataFrame
    files: list[FileReport]
    duplicates_merged: int
    rows_in: int
    flagged_rows: int
    errors: list[FileError] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def parse_overrides(items: Sequence[str]) -> dict[str, str]:
    """Parse ``["buyer_text=问题描述", ...]`` into ``{canonical: header}``."""
    valid = list(dict.fromkeys(P.MAPPABLE_COLUMNS + P.ORDER_COLUMNS))
    result: dict[str, str] = {}
    for item in items or ():
        text = str(item)
        if "=" not in text:
            raise InputError(
                f"column mapping '{text}' is not of the form canonical=header",
                hint="write it like --map buyer_text=问题描述",
            )
        key, header = text.split("=", 1)
        key, header = key.strip(), header.strip()
        if key not in valid:
            raise InputError(
                f"column mapping '{text}': '{key}' is not a column name we know",
                hint="use one of: " + ", ".join(valid),
            )
        if not header:
            raise InputError(
                f"column mapping '{text}' names no header",
                hint=f"write the file's header after the '=', e.g. --map {key}=问题描述",
            )
        if key in result and result[key] != header:
            raise InputError(
                f"--map {key} is given twice, with '{result[key]}' and with '{header}'",
                hint=f"keep only the --map {key}=… that names the right header",
            )
        result[key] = header
    return result


def read_exports(
    sources: Sequence[str | os.PathLike | tuple[str, bytes]],
    overrides: Mapping[str, str] | None = None,
    salt: str | None = None,
    profile: str | None = None,
    errors: str = "raise",
) -> IngestResult:
    """Read one or more after-sales exports into the canonical table.

    ``errors="raise"`` raises the first file's `InputError`; ``"collect"``
    skips each unreadable file whole and lists it in `IngestResult.errors`.
    """
    if errors not in ("raise", "collect"):
        raise ValueError(f"errors must be 'raise' or 'collect', not {errors!r}")
    if isinstance(sources, (str, os.PathLike, tuple)):
        sources = [sources]  # type: ignore[list-item]
    sources = list(sources)
    if not sources:
        raise InputError("no input files given", hint="pass at least one export file")
    if profile is not None and profile not in P.PROFILES:
        raise InputError(
            f"unknown profile '{profile}'", hint="use one of: " + ", ".join(P.PROFILE_KEYS)
        )
    overrides = {k: v for k, v in (overrides or {}).items() if k in P.MAPPABLE_COLUMNS}
    _check_one_header_per_column(overrides)
    limits = current_limits()
    salt = _resolve_salt(salt)

    frames: list[pd.DataFrame] = []
    reports: list[FileReport] = []
    override_found: dict[str, bool] = {k: False for k in overrides}
    override_misses: list[tuple[str, list[str]]] = []
    failed: list[FileError] = []
    for source in sources:
        try:
            name, data = _load_source(source)
            frame, report, present = _read_one_export(name, data, overrides, salt, profile)
            _check_row_limit(name, report, reports, limits)
        except InputError as exc:
            if errors == "raise":
                raise
            failed.append(FileError(_source_name(source, exc), str(exc)))
            continue
        for key in present:
            override_found[key] = True
        if len(present) < len(overrides):
            override_misses.append((name, report.unmapped + list(report.mapping.values())))
        frames.append(frame)
        reports.append(report)

    missing = [k for k, ok in override_found.items() if not ok]
    if missing and override_misses:
        key = missing[0]
        where, headers = override_misses[0]
        files = ", ".join(n for n, _ in override_misses)
        exc = InputError(
            f"column '{overrides[key]}' given in --map {key}={overrides[key]} is not a header "
            f"of {files}",
            file=where,
            hint="headers available: " + " | ".join(headers),
        )
        if errors == "raise":
            raise exc
        # No file has that header, so no file used it: the rows are as read without it.
        failed.append(FileError(MAPPING_ERROR, str(exc)))
    if not frames:
        return IngestResult(frame=_empty_canonical(), files=[], duplicates_merged=0, rows_in=0,
                            flagged_rows=0, errors=failed)

    frame = _concat(frames)
    rows_in = sum(r.n_rows for r in reports)
    dup = frame["return_id"].duplicated(keep="last")
    if dup.any():
        dup &= ~frame["row_issues"].str.contains("return_id:imprecise", regex=False)
    duplicates_merged = int(dup.sum())
    if duplicates_merged:
        frame = frame.loc[~dup.to_numpy()].reset_index(drop=True)
    flagged = int((frame["row_issues"] != "").sum())
    return IngestResult(
        frame=frame,
        files=reports,
        duplicates_merged=duplicates_merged,
        rows_in=rows_in,
        flagged_rows=flagged,
        errors=failed,
    )


def _check_row_limit(name: str, report: FileReport, before: list[FileReport], limits: "Limits") -> None:
    total_rows = sum(r.n_rows for r in before) + report.n_rows
    if total_rows > limits.rows:
        together = "" if not before else f" (with the files before it: {total_rows:,})"
        raise InputError(
            f"{report.n_rows:,} data rows{together}, more than the limit of {limits.rows:,} rows",
            file=name,
            hint=f"split the export into smaller periods, or raise {MAX_ROWS_ENV}",
        )


def _source_name(source: Any, exc: InputError) -> str:
    """The file name a failed source is shown under."""
    if isinstance(source, tuple) and source:
        return str(source[0])
    if exc.file:
        return Path(str(exc.file)).name
    return Path(str(source)).name


def _empty_canonical() -> pd.DataFrame:
    frame = pd.DataFrame({c: _na_str(0) for c in CANONICAL_COLUMNS})
    frame["source_row"] = pd.Series([], dtype="int64")
    frame["row_issues"] = pd.Series([], dtype="str")
    return frame


def read_orders(
    source: str | os.PathLike | tuple[str, bytes],
    overrides: Mapping[str, str] | None = None,
    *,
    salt: str | None = None,
) -> pd.DataFrame:
    """Read an order export (Douyin 订单明细 and the like).

    Columns (`ORDER_OUTPUT_COLUMNS`): order_id, sub_order_id, sku (falls back
    to product_id), product_id, product_title, quantity (float, default 1),
    ordered_at, buyer_id (salted hash as in `read_exports`, NA when the file
    has no buyer column), source_file, source_row. One row per order line;
    rows never dropped; no other column is carried (order files are full of
    addresses and phone numbers).
    """
    name, data = _load_source(source)
    overrides = {k: v for k, v in (overrides or {}).items() if k in P.ORDER_COLUMNS}
    raw, encoding = _read_cells(name, data, extra_headers=overrides.values())
    header_idx, headers = _find_header(raw, name, overrides.values())
    body, rows = _body(raw, header_idx)
    _check_overrides(name, headers, overrides)
    mapping = P.map_headers(headers, P.ORDER_SYNONYMS, P.ORDER_COLUMNS, overrides)
    if "sku" not in mapping and "product_id" not in mapping:
        raise InputError(
            "no SKU or product id column found in the order export; headers seen: "
            + " | ".join(headers),
            file=name,
            hint="use --map sku=<header> for the column with the merchant SKU code (商家编码)",
        )
    out = pd.DataFrame(index=pd.RangeIndex(len(body)))
    for column in ("order_id", "sub_order_id", "sku", "product_id", "product_title"):
        out[column] = _clean(body[mapping[column]]) if column in mapping else _na_str(len(body))
    out["sku"] = out["sku"].fillna(out["product_id"])
    if "quantity" in mapping:
        qty, _bad = _parse_numbers(_clean(body[mapping["quantity"]]))
        out["quantity"] = qty.fillna(1.0)
    else:
        out["quantity"] = 1.0
    if "ordered_at" in mapping:
        when, _bad = _parse_dates(_clean(body[mapping["ordered_at"]]), P.PROFILES["generic"])
        out["ordered_at"] = when
    else:
        out["ordered_at"] = pd.Series(pd.NaT, index=out.index, dtype=_DATETIME_DTYPE)
    if "buyer_id" in mapping:
        out["buyer_id"] = _hash_series(_clean(body[mapping["buyer_id"]]), _resolve_salt(salt))
    else:
        out["buyer_id"] = _na_str(len(body))
    out["source_file"] = name
    out["source_row"] = rows
    return out


# ---------------------------------------------------------------------------
# One export file
# ---------------------------------------------------------------------------
def _read_one_export(
    name: str,
    data: bytes,
    overrides: Mapping[str, str],
    salt: str,
    forced_profile: str | None,
    row_offset: int = 0,
) -> tuple[pd.DataFrame, FileReport, list[str]]:
    raw, encoding = _read_cells(name, data, extra_headers=overrides.values())
    if row_offset:  # a slice of a larger file (diagnose.batch.chunked): number rows as in the file
        raw.attrs["row_offset"] = int(raw.attrs.get("row_offset", 0)) + row_offset
    header_idx, headers = _find_header(raw, name, overrides.values())
    body, rows = _body(raw, header_idx)
    issues: list[str] = []
    offset = int(raw.attrs.get("row_offset", 0))
    for j in raw.attrs.get("lossy_columns", []):
        if j < len(headers):
            issues.append(
                f"column '{headers[j]}' holds numbers of more than 15 digits stored as numbers "
                "in the spreadsheet; their last digits may be wrong — export IDs as text"
            )
    if raw.attrs.get("encoding_note"):
        issues.append(raw.attrs["encoding_note"])
    if header_idx + offset > 0:
        issues.append(
            f"header found on row {header_idx + offset + 1}; "
            f"{header_idx + offset} row(s) above it skipped"
        )
    blank = (len(raw) - header_idx - 1) - len(body)
    if blank:
        issues.append(f"{blank} completely empty line(s) skipped (not counted as data rows)")

    # Overrides whose header is absent here are reported by the caller.
    present = {
        k: v for k, v in overrides.items()
        if any(h == v or P.normalise_header(h) == P.normalise_header(v) for h in headers)
    }
    key = forced_profile or P.detect_profile(headers)[0]
    profile = P.PROFILES[key]
    mapping = P.map_headers(headers, profile.synonyms, P.MAPPABLE_COLUMNS, present)
    if "buyer_text" not in mapping and "platform_reason" not in mapping:
        raise InputError(
            "no column with the buyer's reason or comment found; headers seen: "
            + " | ".join(headers),
            file=name,
            hint="use --map buyer_text=<header> (or platform_reason=<header>) to name it",
        )

    for header, count in raw.attrs.get("duplicate_headers", {}).items():
        first = headers.index(header)
        used = next((c for c, i in mapping.items() if i == first), None)
        issues.append(
            f"header '{header}' appears {count} times; the first is read"
            + (f" as {used}" if used else "")
            + f", the others are kept as '{header} (2)'" + ("…" if count > 2 else "")
        )

    n = len(body)
    stem = Path(name).stem
    out: dict[str, Any] = {}
    flags: list[tuple[str, np.ndarray]] = []
    examples: list[str] = []

    def col(column: str) -> pd.Series | None:
        return _clean(body[mapping[column]]) if column in mapping else None

    for column in _STRING_COLUMNS:
        values = col(column)
        out[column] = values if values is not None else _na_str(n)

    text = col("buyer_text")
    out["buyer_text"] = text.fillna("") if text is not None else pd.Series([""] * n, dtype=str)

    rtype = col("return_type")
    out["return_type"] = _map_unique(rtype, normalise_return_type) if rtype is not None else _na_str(n)

    amount = col("amount")
    if amount is not None:
        values, bad = _parse_numbers(amount)
        header = headers[mapping["amount"]]
        if P.normalise_header(header) in profile.fen_headers or P.header_in_fen(header):
            values = values / 100.0
            issues.append(f"amount column '{header}' is in fen; divided by 100 to yuan")
        out["amount"] = values
        _flag("amount", header, amount, bad, rows, flags, examples, "is not a number — kept, amount left empty")
    else:
        out["amount"] = pd.Series(np.nan, index=range(n), dtype="float64")

    for column in _DATE_COLUMNS:
        values = col(column)
        if values is None:
            out[column] = pd.Series(pd.NaT, index=range(n), dtype=_DATETIME_DTYPE)
            continue
        parsed, bad = _parse_dates(values, profile)
        out[column] = parsed
        _flag(column, headers[mapping[column]], values, bad, rows, flags, examples,
              f"is not a date we can read — kept, {column} left empty")

    buyer = col("buyer_id")
    out["buyer_id"] = _hash_series(buyer, salt) if buyer is not None else _na_str(n)

    qty = col("quantity")
    if qty is not None:
        values, bad = _parse_numbers(qty)
        out["quantity"] = values.fillna(1.0)
        _flag("quantity", headers[mapping["quantity"]], qty, bad, rows, flags, examples,
              "is not a number — kept, quantity set to 1")
    else:
        out["quantity"] = pd.Series(1.0, index=range(n), dtype="float64")

    overflow = _overflow(raw, header_idx, rows)
    if overflow.any():
        flags.append(("row:extra_cells", overflow))
        for pos in np.flatnonzero(overflow)[:MAX_EXAMPLES]:
            examples.append(
                f"row {rows[pos]}: has more cells than the header — columns may be shifted "
                "(an unquoted delimiter in the text?); kept as is"
            )
        if overflow.sum() > MAX_EXAMPLES:
            examples.append(f"… {int(overflow.sum()) - MAX_EXAMPLES} more row(s) with extra cells")

    if "return_id" in mapping and mapping["return_id"] in raw.attrs.get("lossy_columns", []):
        # Ids that went through a spreadsheet number lost their last digits; two
        # different returns may now look alike, so they are flagged and never merged.
        ids = out["return_id"]
        imprecise = (ids.str.fullmatch(r"[0-9]{16,}").fillna(False)).to_numpy(dtype=bool)
        if imprecise.any():
            flags.append(("return_id:imprecise", imprecise))
    out["sku"] = out["sku"].fillna(out["product_id"])
    if "return_id" in mapping:
        missing_id = out["return_id"].isna().to_numpy()
        if missing_id.any():
            issues.append(
                f"{int(missing_id.sum())} row(s) without a return id; "
                f"given the id '{stem}#<row>'"
            )
            ids = out["return_id"].to_numpy(dtype=object, na_value=None)
            ids[missing_id] = [f"{stem}#{r}" for r in rows[missing_id]]
            out["return_id"] = pd.Series(ids, dtype=str)
    else:
        out["return_id"] = pd.Series([f"{stem}#{r}" for r in rows], dtype=str)
        issues.append(f"no return id column; each row gets the id '{stem}#<row>'")

    out["platform"] = pd.Series([key] * n, dtype=str)
    out["source_file"] = pd.Series([name] * n, dtype=str)
    out["source_row"] = pd.Series(rows, dtype="int64")
    out["row_issues"] = _join_flags(flags, n)

    frame = pd.DataFrame({c: _reindexed(out[c]) for c in CANONICAL_COLUMNS})

    # Unmapped columns, carried through after the canonical ones.
    mapped_idx = set(mapping.values())
    unmapped: list[str] = []
    extra: dict[str, pd.Series] = {}
    for i, header in enumerate(headers):
        if i in mapped_idx:
            continue
        unmapped.append(header)
        values = _clean(body[i])
        if P.looks_personal(header):
            values = _hash_series(values, salt)
        target = f"orig:{header}" if header in CANONICAL_COLUMNS else header
        extra[target] = _reindexed(values)
    if extra:
        frame = pd.concat([frame, pd.DataFrame(extra)], axis=1)

    issues.extend(examples)
    if n == 0:
        issues.append("no data rows below the header")
    report = FileReport(
        name=name,
        profile=key,
        encoding=encoding,
        header_row=header_idx + offset + 1,
        n_rows=n,
        mapping={c: headers[i] for c, i in mapping.items()},
        unmapped=unmapped,
        issues=issues,
    )
    return frame, report, list(present)


def _flag(
    column: str,
    header: str,
    values: pd.Series,
    bad: pd.Series,
    rows: np.ndarray,
    flags: list[tuple[str, np.ndarray]],
    examples: list[str],
    what: str,
) -> None:
    mask = bad.to_numpy(dtype=bool)
    count = int(mask.sum())
    if not count:
        return
    flags.append((f"{column}:unparseable", mask))
    positions = np.flatnonzero(mask)
    for pos in positions[:MAX_EXAMPLES]:
        examples.append(f"row {rows[pos]}: {column} ({header}) '{values.iloc[pos]}' {what}")
    if count > MAX_EXAMPLES:
        examples.append(
            f"… {count - MAX_EXAMPLES} more row(s) with an unreadable {column}; "
            f"see the row_issues column"
        )


def _join_flags(flags: list[tuple[str, np.ndarray]], n: int) -> pd.Series:
    if not flags:
        return pd.Series([""] * n, dtype=str)
    joined = np.full(n, "", dtype=object)
    for tag, mask in flags:
        current = joined[mask]
        joined[mask] = np.where(current == "", tag, current + ";" + tag)
    return pd.Series(joined, dtype=str)


def _reindexed(series: pd.Series) -> pd.Series:
    return series.reset_index(drop=True)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    frame = pd.concat(frames, ignore_index=True, sort=False)
    # Column order: canonical first, then extras in first-seen order.
    extras: list[str] = []
    for f in frames:
        extras.extend(c for c in f.columns if c not in CANONICAL_COLUMNS and c not in extras)
    frame = frame[list(CANONICAL_COLUMNS) + extras]
    for column in _DATE_COLUMNS:
        frame[column] = frame[column].astype(_DATETIME_DTYPE)
    frame["source_row"] = frame["source_row"].astype("int64")
    frame["buyer_text"] = frame["buyer_text"].fillna("")
    frame["row_issues"] = frame["row_issues"].fillna("")
    return frame


def _check_one_header_per_column(overrides: Mapping[str, str]) -> None:
    """Refuse a mapping that sends one header to two fields.

    Only one field can own a column (`map_headers` lets the first claim it),
    so the second mapping would silently do nothing; say so instead.
    """
    owner: dict[str, str] = {}
    for key, header in overrides.items():
        norm = P.normalise_header(header)
        if norm in owner:
            raise InputError(
                f"the header '{header}' is mapped twice, to {owner[norm]} and to {key}; "
                "one column can fill only one field",
                hint=f"remove one of --map {owner[norm]}=… / --map {key}=…, or give it another header",
            )
        owner[norm] = key


def _check_overrides(name: str, headers: list[str], overrides: Mapping[str, str]) -> None:
    norms = {P.normalise_header(h) for h in headers}
    for key, header in overrides.items():
        if header not in headers and P.normalise_header(header) not in norms:
            raise InputError(
                f"column '{header}' given in --map {key}={header} is not a header of this file",
                file=name,
                hint="headers available: " + " | ".join(headers),
            )


# ---------------------------------------------------------------------------
# Sources, format sniffing, decoding
# ---------------------------------------------------------------------------
def _load_source(source: Any) -> tuple[str, bytes]:
    limits = current_limits()
    if isinstance(source, tuple) and len(source) == 2:
        name, data = source
        if isinstance(data, str):
            data = data.encode("utf-8")
        name = Path(str(name)).name or "upload"
        _check_size(name, len(data), limits.upload_bytes, MAX_UPLOAD_MB_ENV)
        return name, bytes(data)
    if hasattr(source, "getvalue") and hasattr(source, "name"):  # e.g. an uploaded file
        name, data = Path(str(source.name)).name, source.getvalue()
        _check_size(name, len(data), limits.upload_bytes, MAX_UPLOAD_MB_ENV)
        return name, bytes(data)
    path = Path(os.fspath(source))
    try:
        if path.is_file():
            _check_size(path.name, path.stat().st_size, limits.file_bytes, MAX_FILE_MB_ENV)
        return path.name, path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=str(path), hint="check the path") from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", file=str(path),
                         hint="pass the export files inside it") from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", file=str(path)) from None


def _check_size(name: str, size: int, limit: int, env: str) -> None:
    """Refuse a file above the size limit before its bytes are parsed."""
    if size > limit:
        raise InputError(
            f"the file is {_mb(size)}, larger than the limit of {_mb(limit)}",
            file=name,
            hint=f"split the export into smaller periods (e.g. one file per month), or raise {env}",
        )


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)
_SOMETHING = re.compile(rb"[^ \t\r\n\x00\xef\xbb\xbf\xff\xfe]")  # any byte that is not blank/BOM
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WHAT_TO_DO = "export the after-sales sheet again as .xlsx or .csv and pass that file"


def _read_cells(name: str, data: bytes, extra_headers: Any = ()) -> tuple[pd.DataFrame, str | None]:
    """Bytes -> positional table of strings, plus the text encoding (None for spreadsheets).

    The table's row i is the file's row ``i + 1 + attrs["row_offset"]``.
    """
    if not _SOMETHING.search(data):
        raise InputError("the file is empty", file=name, hint=_WHAT_TO_DO)
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"this is {what}, not a spreadsheet or CSV export",
                             file=name, hint=_WHAT_TO_DO)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _read_zip_sheet(name, data, extra_headers), None
    if data.startswith(_OLE2):
        _refuse_non_workbook_ole(name, data)
        return _read_workbook(name, data, "XLS", extra_headers), None
    return _read_text(name, data, extra_headers)


# Stream names inside an OLE compound file (the container of .xls/.doc and of
# password-encrypted .xlsx) that tell what the file really is.
_OLE_ENCRYPTED = {"encryptioninfo", "encryptedpackage"}
_OLE_OTHER = {"worddocument": "a Word document (.doc)", "powerpoint document": "a PowerPoint file (.ppt)"}
_CFB_END = 0xFFFFFFFA  # sector numbers at or above this are markers, not sectors


def _refuse_non_workbook_ole(name: str, data: bytes) -> None:
    """Explain an encrypted workbook or a Word/PowerPoint file before calamine sees it.

    Excel's "Encrypt with password" saves even an .xlsx as an OLE compound
    file holding `EncryptionInfo` and `EncryptedPackage` streams; calamine
    would call it a damaged XLS, which sends the merchant looking for the
    wrong fix.
    """
    directory = _ole_directory(data)
    names = {n.lower() for n, _, _ in directory}
    if names & _OLE_ENCRYPTED:
        raise InputError(
            "the Excel file is encrypted with a password, so it cannot be read",
            file=name,
            hint="open it in Excel with the password, remove it (File → Info → Protect Workbook → "
                 "Encrypt with Password, clear the box), save, and pass the file again",
        )
    for stream, what in _OLE_OTHER.items():
        if stream in names and "workbook" not in names and "book" not in names:
            raise InputError(f"this is {what}, not a spreadsheet", file=name, hint=_WHAT_TO_DO)
    # A password-protected .xls keeps its sheets but puts a FILEPASS record
    # (0x002F) among the first records of the workbook stream. (calamine knows,
    # but reading from memory it reports only "cannot detect file format".)
    sector_size = 1 << (data[0x1E] if len(data) > 0x1E else 9)
    for stream, start, size in directory:
        if stream.lower() not in ("workbook", "book") or size < 4096:
            continue  # small streams live in the mini stream: left to calamine
        head = data[(start + 1) * sector_size: (start + 2) * sector_size]
        pos = 0
        for _ in range(8):
            if pos + 4 > len(head):
                break
            kind, length = int.from_bytes(head[pos:pos + 2], "little"), int.from_bytes(head[pos + 2:pos + 4], "little")
            if kind == 0x002F:
                raise InputError("the XLS file is password-protected", file=name,
                                 hint="open it in Excel with the password, remove the password, "
                                      "save it as .xlsx and pass that file")
            pos += 4 + length


def _ole_directory(data: bytes) -> list[tuple[str, int, int]]:
    """(name, first sector, size) of each entry of an OLE compound file's directory.

    Empty (or partial) when the directory cannot be walked.

    Reads only the header, the FAT and the directory sectors ([MS-CFB]); a
    damaged file yields what could be read and is left to the workbook reader.
    """
    import struct

    names: list[tuple[str, int, int]] = []
    try:
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):
            return names
        size = 1 << shift
        per_sector = size // 4
        n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
        first_difat, n_difat = struct.unpack_from("<II", data, 0x44)
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        sector, hops = first_difat, 0
        while sector < _CFB_END and hops < n_difat and hops < 10000:
            entries = struct.unpack_from(f"<{per_sector}I", data, (sector + 1) * size)
            difat.extend(entries[:-1])
            sector, hops = entries[-1], hops + 1
        fat: list[int] = []
        for fat_sector in [s for s in difat if s < _CFB_END][:n_fat]:
            offset = (fat_sector + 1) * size
            if offset + size > len(data):
                break
            fat.extend(struct.unpack_from(f"<{per_sector}I", data, offset))
        sector, seen = first_dir, set()
        while sector < _CFB_END and sector not in seen and len(seen) < 100000:
            seen.add(sector)
            offset = (sector + 1) * size
            for k in range(size // 128):
                entry = data[offset + 128 * k: offset + 128 * (k + 1)]
                if len(entry) < 128:
                    return names
                length, kind = struct.unpack_from("<HB", entry, 64)
                if kind in (1, 2, 5) and 2 <= length <= 64:
                    start, stream_size = struct.unpack_from("<IQ", entry, 116)
                    if shift == 9:
                        stream_size &= 0xFFFFFFFF  # version 3: the high half may be junk
                    names.append((entry[: length - 2].decode("utf-16-le", errors="replace"),
                                  start, stream_size))
            sector = fat[sector] if sector < len(fat) else _CFB_END
    except struct.error:
        pass
    return names


def _read_zip_sheet(name: str, data: bytes, extra_headers: Any) -> pd.DataFrame:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = set(zf.namelist())
    except Exception:  # BadZipFile, ValueError, NotImplementedError ("zip file version"), …
        raise InputError(
            "the spreadsheet is damaged or truncated (it is a ZIP/XLSX file that cannot be opened)",
            file=name,
            hint="download or export it again, and check the copy finished",
        ) from None
    if "xl/workbook.xml" in members or "xl/workbook.bin" in members:
        _refuse_zip_bomb(name, data)
        return _read_workbook(name, data, "XLSX", extra_headers)
    if "content.xml" in members and "mimetype" in members:
        return _read_workbook(name, data, "ODS", extra_headers)
    if any(m.startswith("word/") for m in members):
        what = "a Word document (.docx)"
    elif any(m.startswith("ppt/") for m in members):
        what = "a PowerPoint file (.pptx)"
    else:
        what = "a ZIP archive"
    hint = ("unzip it and pass the spreadsheet inside, or " + _WHAT_TO_DO
            if what == "a ZIP archive" else _WHAT_TO_DO)
    raise InputError(f"this is {what}, not a spreadsheet", file=name, hint=hint)


_DIMENSION = re.compile(
    rb"<(?:[A-Za-z0-9_]+:)?dimension[^>]*?\sref=\"\$?([A-Z]{1,3})\$?([0-9]{1,7})"
    rb"(?::\$?([A-Z]{1,3})\$?([0-9]{1,7}))?\""
)
_CELL_REF = re.compile(rb"\sr=\"([A-Z]{0,3})([0-9]{1,7})\"")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ch - 64)
    return number


def _refuse_zip_bomb(name: str, data: bytes) -> None:
    """Refuse an XLSX whose unpacked size or sheet size is absurd — before loading it.

    Why here: the spreadsheet reader unpacks every sheet and allocates one
    slot per cell of the sheet's rectangle, so a 100 KB file that unpacks to
    gigabytes, or that declares a sheet of 16384 x 1048576 cells, would take
    the whole process down (the allocation failure aborts it; no exception
    reaches us). The ZIP directory's declared sizes and each sheet's
    ``<dimension ref=…>`` (in the first bytes of the sheet) are cheap to read.
    A sheet without a dimension element is scanned for its cell references.
    Known limit: a hand-made file whose dimension lies about a far-away cell is
    not caught (finding that needs a full scan of every sheet).
    """
    limits = current_limits()
    damaged = InputError(
        "the spreadsheet is damaged or truncated (a part of the XLSX cannot be unpacked)",
        file=name,
        hint="download or export it again, and check the copy finished",
    )
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > limits.xlsx_uncompressed_bytes:
            raise InputError(
                f"the XLSX unpacks to {_mb(total)}, more than the limit of "
                f"{_mb(limits.xlsx_uncompressed_bytes)}; it was not opened",
                file=name,
                hint="export a shorter period or fewer columns (or CSV), or raise " + MAX_XLSX_MB_ENV,
            )
        for info in infos:
            ratio = info.file_size / max(1, info.compress_size)
            if info.file_size >= _RATIO_MIN_BYTES and ratio > limits.zip_ratio:
                raise InputError(
                    f"the part '{info.filename}' unpacks {ratio:,.0f} times larger than it is stored "
                    f"({_mb(info.file_size)}); a real export does not compress like this, so the file "
                    "was not opened (a 'zip bomb'?)",
                    file=name,
                    hint="export the sheet again from the platform, or pass it as CSV",
                )
        for info in infos:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            sheet = info.filename.rsplit("/", 1)[-1]
            try:
                with zf.open(info) as stream:
                    head = stream.read(65536)
                    found = _DIMENSION.search(head)
                    told = "declares" if found else "has cells reaching"
                    if found:
                        rows = int(found.group(4) or found.group(2))
                        cols = _column_number(found.group(3) or found.group(1))
                    else:
                        rows = cols = 0
                        tail = b""
                        chunk = head
                        while chunk:
                            block = tail + chunk
                            for letters, digits in _CELL_REF.findall(block):
                                rows = max(rows, int(digits))
                                if letters:
                                    cols = max(cols, _column_number(letters))
                            tail = block[-32:]
                            chunk = stream.read(1 << 22)
            except Exception:  # zipfile raises many types (ValueError, RuntimeError, zlib.error…) for damage
                raise damaged from None
            if rows > limits.rows:
                raise InputError(
                    f"sheet '{sheet}' {told} {rows:,} rows, more than the limit of {limits.rows:,}; "
                    "it was not opened",
                    file=name,
                    hint=f"export a shorter period, or raise {MAX_ROWS_ENV}",
                )
            if rows * cols > limits.cells:
                raise InputError(
                    f"sheet '{sheet}' {told} {rows:,} rows x {cols:,} columns "
                    f"({rows * cols:,} cells), more than the limit of {limits.cells:,} cells; "
                    "it was not opened",
                    file=name,
                    hint="delete the empty or formatted-but-unused rows and columns in Excel (or "
                         f"export CSV), or raise {MAX_CELLS_ENV}",
                )


def _read_workbook(name: str, data: bytes, kind: str, extra_headers: Any) -> pd.DataFrame:
    import python_calamine as pc

    damaged = InputError(
        f"the {kind} file is damaged or truncated and cannot be read",
        file=name,
        hint="download or export it again, and check the copy finished",
    )
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
    except pc.PasswordError:
        raise InputError(f"the {kind} file is password-protected", file=name,
                         hint="remove the password in Excel and save again") from None
    except Exception:  # calamine raises several types for broken files
        if kind == "XLS":
            raise InputError("this is an old Office file that is not a readable spreadsheet "
                             "(perhaps a Word .doc)", file=name, hint=_WHAT_TO_DO) from None
        raise damaged from None
    if not names:
        raise InputError(f"the {kind} file has no sheets", file=name, hint=_WHAT_TO_DO)

    known = P.all_known_headers(extra_headers)
    best: tuple[int, list[list[Any]] | None] = (-1, None)
    for index in range(min(len(names), 20)):
        try:
            rows = book.get_sheet_by_index(index).to_python(skip_empty_area=False)
        except Exception:
            raise damaged from None
        if not rows:
            continue
        score = max((_header_score(r, known) for r in rows[:HEADER_SCAN_ROWS]), default=0)
        if score > best[0]:
            best = (score, rows)
        if score >= 3:
            break
    rows = best[1]
    if not rows:
        raise InputError("the spreadsheet has no cells with data", file=name, hint=_WHAT_TO_DO)
    width = max(len(r) for r in rows)
    columns: dict[int, pd.Series] = {}
    lossy: list[int] = []
    padded = rows if all(len(r) == width for r in rows) else [
        list(r) + [""] * (width - len(r)) for r in rows
    ]
    for j, cells in enumerate(zip(*padded)):
        if pd.api.types.infer_dtype(cells, skipna=False) == "string":
            columns[j] = pd.Series(cells, dtype=str)
            continue
        if any(isinstance(v, float) and abs(v) >= 2**53 for v in cells):
            lossy.append(j)
        columns[j] = pd.Series([_cell_str(v) for v in cells], dtype=str)
    frame = pd.DataFrame(columns)
    frame.attrs["lossy_columns"] = lossy
    return frame


def _cell_str(value: Any) -> str:
    """One typed spreadsheet cell -> its text as the sheet shows it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "strftime"):
        if hasattr(value, "hour"):
            if getattr(value, "microsecond", 0):
                return value.strftime("%Y-%m-%d %H:%M:%S.%f")
            if hasattr(value, "year"):
                return value.strftime("%Y-%m-%d %H:%M:%S")
            return value.strftime("%H:%M:%S")
        return value.strftime("%Y-%m-%d")
    return str(value)


_HEAD_BYTES = 262144


def _detect_encoding(name: str, data: bytes) -> tuple[str, bytes]:
    """(encoding, bytes without BOM) of a text export; UTF-8 vs GB18030 judged on the head."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", data[3:]
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return "utf-16", data
    head = data[:8192]
    if b"\x00" in head:
        even = head[0::2].count(0) / max(1, len(head[0::2]))
        odd = head[1::2].count(0) / max(1, len(head[1::2]))
        if odd > 0.2 and even < 0.02:
            return "utf-16-le", data
        if even > 0.2 and odd < 0.02:
            return "utf-16-be", data
        raise InputError("this looks like binary data, not a spreadsheet or CSV export",
                         file=name, hint=_WHAT_TO_DO)
    failures: list[tuple[int, str]] = []
    for codec in ("utf-8", "gb18030"):
        try:
            _decode_head(data, codec)
            return codec, data
        except UnicodeDecodeError as exc:
            failures.append((exc.start, codec))
    at, codec = max(failures)
    before = data[:at].decode(codec, errors="replace")
    if "\n" in before.strip("\r\n") and not _CONTROL.search(before[:4096]):
        # Good text up to a bad spot: say where, so the merchant can fix that row.
        first = before.split("\n", 1)[0]
        delim = max(_DELIMITERS, key=first.count)
        headers = next(csv.reader([first], delimiter=delim), [])
        raise _bad_bytes_error(name, before, codec, delim, headers)
    raise InputError(
        "this is neither a text export we can decode (UTF-8, GB18030/GBK, UTF-16) nor a "
        "spreadsheet; it looks like binary data",
        file=name,
        hint=_WHAT_TO_DO,
    )


def _decode_head(data: bytes, codec: str) -> str:
    """Decode the first part of a file, tolerating a character cut at the end."""
    head = data[:_HEAD_BYTES]
    if codec.startswith("utf-16"):
        head = head[: len(head) - len(head) % 2]
    try:
        return head.decode(codec)
    except UnicodeDecodeError as exc:
        if len(data) > len(head) and exc.start >= len(head) - 4:
            return head[: exc.start].decode(codec)
        raise


def _to_utf8(name: str, data: bytes, encoding: str, delim: str = ",",
             headers: Sequence[str] = ()) -> bytes:
    """The whole file as UTF-8 bytes (what the CSV parsers read fastest)."""
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    codec = "utf-16" if encoding == "utf-16" else encoding
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode(codec, errors="replace")
        raise _bad_bytes_error(name, before, encoding, delim, headers) from None
    return text.lstrip("\ufeff").encode("utf-8")


def _bad_bytes_error(name: str, before: str, encoding: str, delim: str,
                     headers: Sequence[str]) -> InputError:
    """Text that decodes up to a spot and not beyond: name the line and column."""
    where = _text_position(before, delim, headers)
    if encoding.startswith("utf-8"):
        what = ("the bytes there are not UTF-8 although the text before them is — the file mixes "
                "two encodings (rows pasted from a GBK/ANSI file?)")
    else:
        what = (f"the bytes there do not decode as {encoding}, the encoding of the text before "
                "them (mixed encodings, or a damaged file?)")
    return InputError(
        f"{where}: {what}",
        file=name,
        hint="open the file in Excel or a text editor and save it again as 'CSV UTF-8' or .xlsx",
    )


def _text_position(before: str, delim: str, headers: Sequence[str]) -> str:
    """'line N, column M (header)' of the character that follows `before`.

    Counted in text lines, which are spreadsheet rows unless a cell above
    holds a line break; good enough to find the spot in an editor.
    """
    line = before.count("\n") + 1
    last = before[before.rfind("\n") + 1:].replace("\r", " ")
    column = 1
    if delim != _SINGLE_COLUMN:
        try:
            column = len(next(csv.reader([last + "x"], delimiter=delim), [""])) or 1
        except csv.Error:
            column = last.count(delim) + 1
    where = f"line {line}, column {column}"
    if 0 < column <= len(headers) and str(headers[column - 1]).strip():
        where += f" ('{str(headers[column - 1]).strip()[:40]}')"
    return where


def _first_bad_utf8(data: bytes) -> int | None:
    """Byte offset of the first sequence that is not UTF-8, or None; 16 MB at a time."""
    import codecs

    pos, n = 0, len(data)
    while pos < n:
        piece = data[pos: pos + (1 << 24)]
        try:
            _, used = codecs.utf_8_decode(piece, "strict", pos + len(piece) >= n)
        except UnicodeDecodeError as exc:
            return pos + exc.start
        if used == 0:
            return pos
        pos += used
    return None


def _not_utf8_error(name: str, utf8: bytes, delim: str, headers: Sequence[str]) -> InputError:
    """The error for a file that starts as UTF-8 and has other bytes further down."""
    offset = _first_bad_utf8(utf8)
    if offset is None:
        return InputError("the text is not valid UTF-8 further down the file", file=name,
                          hint="save the file again as UTF-8 CSV or as .xlsx")
    return _bad_bytes_error(name, utf8[:offset].decode("utf-8", errors="replace"), "utf-8",
                            delim, headers)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ue000-\uf8ff]")


def _reject_binary_text(name: str, text: str) -> None:
    sample = text[:65536]
    if not sample.strip():
        raise InputError("the file is empty", file=name, hint=_WHAT_TO_DO)
    bad = len(_CONTROL.findall(sample))
    if bad > max(2, len(sample) // 200):
        raise InputError("this looks like binary data, not a spreadsheet or CSV export",
                         file=name, hint=_WHAT_TO_DO)
    lowered = sample.lstrip()[:2048].lower()
    if lowered.startswith("<") and ("<table" in lowered or "<html" in lowered):
        raise InputError(
            "this is a web page (HTML table) saved under a spreadsheet name",
            file=name,
            hint="open it in Excel and save it as .xlsx or .csv, then pass that file",
        )


_DELIMITERS = (",", "\t", ";", "|")
_SINGLE_COLUMN = "\x1f"  # a separator that never occurs: the file has one column


def _read_text(name: str, data: bytes, extra_headers: Any) -> tuple[pd.DataFrame, str]:
    """A text export -> positional table of strings (one row per record), and its encoding."""
    encoding, payload = _detect_encoding(name, data)
    note = ""
    try:
        head = _decode_head(payload, "utf-16" if encoding == "utf-16" else encoding)
    except UnicodeDecodeError:
        head = None
        if encoding == "utf-8-sig":
            # Some tools put a UTF-8 BOM in front of GBK text: trust the bytes, not the BOM.
            try:
                head = _decode_head(payload, "gb18030")
                encoding = "gb18030"
                note = ("the file starts with a UTF-8 marker (BOM) but its text is GB18030/GBK; "
                        "read as GB18030")
            except UnicodeDecodeError:
                pass
        if head is None:
            raise InputError(f"the text looks like {encoding} but does not decode as it",
                             file=name, hint="save the file again as UTF-8 CSV or as .xlsx") from None
    if encoding == "utf-8" and len(payload) > _HEAD_BYTES and head.isascii() and not payload.isascii():
        # The head cannot tell UTF-8 from GB18030: look at the first non-ASCII bytes.
        # If the first line with non-ASCII bytes is not UTF-8, the file is GB18030.
        bad = _first_bad_utf8(payload)
        first = re.search(rb"[\x80-\xff]", payload)
        if bad is not None and first is not None and b"\n" not in payload[first.start(): bad]:
            encoding = "gb18030"
    head = head.lstrip("\ufeff")
    _reject_binary_text(name, head)
    if len(payload) > _HEAD_BYTES and "\n" in head:
        head = head[: head.rfind("\n") + 1]

    known = P.all_known_headers(extra_headers)
    best: tuple[tuple[int, int], str, int] = ((-1, -1), ",", 0)
    for delim in _DELIMITERS:
        try:
            records = list(_limited(csv.reader(io.StringIO(head), delimiter=delim), HEADER_SCAN_ROWS))
        except csv.Error:
            continue
        for idx, record in enumerate(records):
            key = (_header_score(record, known), len(record))
            if key > best[0]:
                best = (key, delim, idx)
    (score, width), delim, header_guess = best
    if width <= 1:
        delim = _SINGLE_COLUMN  # commas inside the buyer's text are not separators
    try:
        sample = list(_limited(csv.reader(io.StringIO(head), delimiter=delim), 5000))
    except csv.Error:
        sample = []
    n_cols = max((len(r) for r in sample[header_guess:]), default=1) or 1

    headers = sample[header_guess] if header_guess < len(sample) else []
    utf8 = _to_utf8(name, payload, encoding, delim, headers)
    frame = None
    if score > 0:
        with _quiet_arrow_row_errors():
            frame = _arrow_read(utf8, delim, n_cols, header_guess)
    if frame is None:
        frame = _pandas_read_checked(name, utf8, delim, n_cols, headers)
    if note:
        frame.attrs["encoding_note"] = note
    return frame, encoding


@contextlib.contextmanager
def _quiet_arrow_row_errors() -> Iterator[None]:
    """Swallow the "Exception ignored" report pyarrow prints for an undecodable ragged row.

    pyarrow decodes a ragged row's text before calling our handler; with
    bytes that are not UTF-8 that fails inside pyarrow, which prints a
    traceback to stderr and then fails the read (we fall back and explain).
    A merchant must not see that traceback; other reports pass through.
    """
    import sys

    previous = sys.unraisablehook

    def hook(report: Any) -> None:
        if not isinstance(report.exc_value, UnicodeDecodeError):
            previous(report)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


def _arrow_read(utf8: bytes, delim: str, n_cols: int, skip: int) -> pd.DataFrame | None:
    """Fast multi-threaded read of a regular file; None when rows are ragged or blank."""
    import pyarrow as pa

    names = [f"c{i}" for i in range(n_cols)]
    ragged: list[int] = []

    def on_invalid(row: Any) -> str:
        ragged.append(1)
        return "skip"

    for multiline in (False, True):
        # Without quoted newlines the parse is faster; a quoted newline that crosses
        # a block boundary shows up as ragged rows, and then we read again.
        ragged.clear()
        table = _arrow_parse(utf8, delim, names, skip, multiline, on_invalid)
        if table is not None and not ragged:
            break
        if not multiline and b'"' not in utf8:
            return None
    if table is None or ragged or table.num_rows == 0:
        return None
    frame = table.to_pandas(types_mapper=lambda t: _STR_DTYPE if pa.types.is_string(t) else None)
    frame.columns = range(n_cols)
    frame.attrs["row_offset"] = skip
    return frame


def _arrow_parse(utf8: bytes, delim: str, names: list[str], skip: int, multiline: bool,
                 on_invalid: Callable[[Any], str]) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        return pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=skip, block_size=1 << 20),
            parse_options=pacsv.ParseOptions(
                delimiter=delim,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=multiline,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, UnicodeDecodeError):
        return None


def _pandas_read_checked(name: str, utf8: bytes, delim: str, n_cols: int,
                         headers: Sequence[str] = ()) -> pd.DataFrame:
    try:
        return _pandas_read(utf8, delim, n_cols)
    except pd.errors.ParserError:
        pass
    except UnicodeDecodeError:
        raise _not_utf8_error(name, utf8, delim, headers) from None
    try:
        text = utf8.decode("utf-8", errors="replace")
        n_cols = max((len(r) for r in csv.reader(io.StringIO(text), delimiter=delim)), default=1)
        del text
        return _pandas_read(utf8, delim, n_cols)
    except UnicodeDecodeError:
        raise _not_utf8_error(name, utf8, delim, headers) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError(
            f"the text cannot be split into columns ({str(exc).splitlines()[0][:200]})",
            file=name,
            hint="check the quotes in the file, or save it again as .xlsx",
        ) from None


def _pandas_read(utf8: bytes, delim: str, n_cols: int) -> pd.DataFrame:
    """Slower, tolerant read: short rows padded, blank lines kept (so row numbers stay true)."""
    frame = pd.read_csv(
        io.BytesIO(utf8),
        encoding="utf-8",
        encoding_errors="strict",
        sep=delim,
        header=None,
        names=list(range(n_cols)),
        dtype=str,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
        quotechar='"',
        doublequote=True,
    )
    frame.attrs["row_offset"] = 0
    return frame


def _limited(iterator: Any, n: int) -> Any:
    for i, item in enumerate(iterator):
        if i >= n:
            return
        yield item


def _header_score(row: Sequence[Any], known: frozenset[str]) -> int:
    seen = {P.normalise_header(_strip_wrapper(str(c))) for c in row if c not in (None, "")}
    seen.discard("")
    return len(seen & known)


def _strip_wrapper(text: str) -> str:
    text = text.strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1].strip()
    return text


def _find_header(raw: pd.DataFrame, name: str, extra_headers: Any) -> tuple[int, list[str]]:
    """Index of the header row among the first rows, and its cleaned header names."""
    known = P.all_known_headers(extra_headers)
    top = raw.head(HEADER_SCAN_ROWS)
    best_idx, best_score = -1, 0
    for idx, row in enumerate(top.itertuples(index=False, name=None)):
        score = _header_score(row, known)
        if score > best_score:
            best_idx, best_score = idx, score
    if best_idx < 0:
        first = next(
            (
                [c for c in row if str(c).strip()]
                for row in top.itertuples(index=False, name=None)
                if any(str(c).strip() for c in row)
            ),
            [],
        )
        shown = " | ".join(str(c).strip()[:30] for c in first[:12])
        raise InputError(
            f"no header row found in the first {HEADER_SCAN_ROWS} rows: no cell looks like a "
            f"column name we know (first row: {shown})",
            file=name,
            hint="add the export's header row back, or name the columns with "
                 "--map buyer_text=<header>",
        )
    headers: list[str] = []
    seen: dict[str, int] = {}
    for j, cell in enumerate(raw.iloc[best_idx].tolist()):
        header = _strip_wrapper(str(cell)).lstrip("\ufeff").strip()
        if not header:
            header = f"column {j + 1}"
        if header in seen:
            seen[header] += 1
            header = f"{header} ({seen[header]})"
        else:
            seen[header] = 1
        headers.append(header)
    raw.attrs["duplicate_headers"] = {h: n for h, n in seen.items() if n > 1}
    # Drop trailing header-less columns that hold nothing (trailing delimiters).
    body = raw.iloc[best_idx + 1:]
    while len(headers) > 1 and headers[-1] == f"column {len(headers)}":
        last = body[raw.columns[len(headers) - 1]]
        if (last.str.strip() != "").any():
            break
        headers.pop()
    raw.attrs["n_header_cols"] = len(headers)
    return best_idx, headers


def _body(raw: pd.DataFrame, header_idx: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Data rows below the header (blank lines removed) and their 1-based row numbers."""
    width = raw.attrs.get("n_header_cols", raw.shape[1])
    body = raw.iloc[header_idx + 1:, :width]
    body = body.set_axis(range(width), axis=1)
    if len(body):
        blank = np.ones(len(body), dtype=bool)
        for j in range(width):
            column = body[j]
            blank &= (column.str.len().to_numpy() == 0) | (column.str.strip() == "").to_numpy()
            if not blank.any():
                break
        if blank.any():
            body = body.loc[~blank]
    rows = body.index.to_numpy(dtype="int64") + 1 + int(raw.attrs.get("row_offset", 0))
    return body.reset_index(drop=True), rows


def _overflow(raw: pd.DataFrame, header_idx: int, rows: np.ndarray) -> np.ndarray:
    """Rows holding text beyond the header's last column (usually shifted columns)."""
    width = raw.attrs.get("n_header_cols", raw.shape[1])
    mask = np.zeros(len(rows), dtype=bool)
    if raw.shape[1] <= width or not len(rows):
        return mask
    extra = raw.iloc[rows - 1 - int(raw.attrs.get("row_offset", 0)), width:]
    for j in extra.columns:
        mask |= (extra[j].str.strip() != "").to_numpy()
    return mask


# ---------------------------------------------------------------------------
# Cell cleaning and parsing (vectorised)
# ---------------------------------------------------------------------------
def _na_str(n: int) -> pd.Series:
    return pd.Series([np.nan] * n, dtype=str)


_STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default `str` dtype
_TRIM_CHARS = " \t\r\n\u3000\ufeff\xa0"


def _clean(series: pd.Series) -> pd.Series:
    """Strip export artefacts from a column of strings; placeholders become missing.

    Runs in pyarrow compute (a 1M-row column takes milliseconds).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if series.dtype == _STR_DTYPE:
        arr = series.array.__arrow_array__()  # the backing arrow data, no copy
    else:
        arr = pa.array(series.to_numpy(dtype=object, na_value=None), pa.large_string())
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr])
    arr = pc.utf8_trim(arr, characters=_TRIM_CHARS)
    if pc.any(pc.starts_with(arr, "=")).as_py():
        arr = pc.replace_substring_regex(arr, pattern='^="(.*)"$', replacement=r"\1")
        arr = pc.utf8_trim(arr, characters=_TRIM_CHARS)
    if pc.any(pc.starts_with(arr, "'")).as_py():
        arr = pc.replace_substring_regex(arr, pattern=r"^'([0-9A-Za-z_./-]+)$", replacement=r"\1")
    placeholder = pc.is_in(arr, value_set=pa.array(_NA_TOKENS, arr.type))
    arr = pc.if_else(placeholder, pa.scalar(None, arr.type), arr)
    return pd.Series(pd.array(arr, dtype=_STR_DTYPE))


def _map_unique(series: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """Apply a Python function once per distinct value."""
    codes, uniques = pd.factorize(series)
    values = uniques.to_numpy(dtype=object) if len(uniques) else []
    mapped = np.array([func(v) for v in values] + [None], dtype=object)
    result = mapped[codes]  # code -1 picks the trailing None
    return pd.Series(result, dtype=str)


def _resolve_salt(salt: str | None) -> str:
    if salt:
        return salt
    from diagnose.io.privacy import install_salt

    return install_salt()


def hash_identifier(value: str, salt: str | None = None) -> str:
    """Salted SHA-256 of an identifier, first 16 hex characters (the buyer_id form)."""
    data = (_resolve_salt(salt) + "\x1f" + str(value)).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


def _hash_series(series: pd.Series, salt: str) -> pd.Series:
    base = hashlib.sha256((salt + "\x1f").encode("utf-8"))

    def digest(value: Any) -> str:
        h = base.copy()
        h.update(str(value).encode("utf-8"))
        return h.hexdigest()[:16]

    return _map_unique(series, digest)


_MONEY_JUNK = r"[¥$€£, \t]|元|人民币|RMB|rmb|CNY|cny|USD|usd|件|个|pcs|PCS"


def _parse_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Amount/quantity text -> float; returns (values, unparseable-mask)."""
    codes, uniques = pd.factorize(series)
    u = pd.Series(uniques, dtype=str)
    t = u.str.normalize("NFKC").str.replace(_MONEY_JUNK, "", regex=True)
    t = t.str.replace(r"^[(](.*)[)]$", r"-\1", regex=True)
    num = pd.to_numeric(t, errors="coerce").astype("float64").to_numpy()
    num = np.append(num, np.nan)
    values = pd.Series(num[codes], dtype="float64")
    bad = values.isna() & series.notna().to_numpy()
    return values, bad.reset_index(drop=True)


_DATE_FORMATS_Y = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d", "%Y%m%d",
    "%Y-%m-%d %H", "%Y-%m",
)
_DATE_FORMATS_D = ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y")
_DATE_FORMATS_M = ("%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M", "%m-%d-%Y")
_MONTHS_EN = (
    "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%d %b %Y %H:%M:%S", "%b %d %Y %H:%M:%S",
)
# Patterns kept RE2-compatible ([0-9], no \s) so pandas runs them in pyarrow.
_TZ_SUFFIX = (
    r"([0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.][0-9]+)?)?) *(?:Z|[+-][0-9]{2}:?[0-9]{2}|UTC|GMT|[A-Z]{3,4})$"
)


def _parse_dates(series: pd.Series, profile: P.Profile) -> tuple[pd.Series, pd.Series]:
    """Date text -> naive datetime64; returns (values, unparseable-mask).

    The common export format is tried on the whole column first; only what is
    left goes through normalisation (年月日, slashes, ISO ``T`` and time
    zones, epoch numbers, Excel serials) and the other formats.
    """
    s = series.reset_index(drop=True)
    present = s.notna().to_numpy()
    values = pd.Series(pd.NaT, index=range(len(s)), dtype=_DATETIME_DTYPE)
    todo = present.copy()
    if not todo.any():
        return values, pd.Series(np.zeros(len(s), dtype=bool))

    def attempt(texts: pd.Series, positions: np.ndarray, fmt: str) -> None:
        parsed = pd.to_datetime(texts, format=fmt, errors="coerce")
        ok = parsed.notna().to_numpy()
        if ok.any():
            values.iloc[positions[ok]] = parsed[ok].to_numpy().astype(_DATETIME_DTYPE)
            todo[positions[ok]] = False

    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        if todo.any():
            positions = np.flatnonzero(todo)
            attempt(s.iloc[positions], positions, fmt)

    if todo.any():
        positions = np.flatnonzero(todo)
        t = s.iloc[positions].reset_index(drop=True)
        if t.str.contains(r"[^\x00-\x7f]", regex=True).any():
            t = t.str.normalize("NFKC")
            t = t.str.replace(r"^([0-9]{2,4})年([0-9]{1,2})月([0-9]{1,2})日?", r"\1-\2-\3", regex=True)
        t = t.str.replace(r"^([0-9]{1,4})[./]([0-9]{1,2})[./]([0-9]{1,4})", r"\1-\2-\3", regex=True)
        t = t.str.replace(r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})T", r"\1 ", regex=True)
        t = t.str.replace(_TZ_SUFFIX, r"\1", regex=True)
        t = t.str.replace(r"[ \t]+", " ", regex=True).str.strip().str.replace(",", "", regex=False)

        # Numbers: epoch seconds / milliseconds, Excel serial days.
        numeric = t.str.fullmatch(r"[0-9]+(?:[.][0-9]+)?").fillna(False).to_numpy(dtype=bool)
        if numeric.any():
            num = pd.to_numeric(t[numeric], errors="coerce").astype("float64").to_numpy()
            digits = t[numeric].str.split(".").str[0].str.len().to_numpy()
            where = positions[numeric]
            for mask, unit in ((digits == 13, "ms"), (digits == 10, "s")):
                if mask.any():
                    stamps = pd.to_datetime(pd.Series(num[mask]), unit=unit, utc=True, errors="coerce")
                    stamps = stamps.dt.tz_convert(profile.epoch_tz).dt.tz_localize(None)
                    values.iloc[where[mask]] = stamps.to_numpy().astype(_DATETIME_DTYPE)
                    todo[where[mask]] = False
            serial = (num >= 20000) & (num < 80000) & (digits <= 5)
            if serial.any():
                stamps = pd.Timestamp("1899-12-30") + pd.to_timedelta(num[serial], unit="D")
                values.iloc[where[serial]] = stamps.round("s").to_numpy().astype(_DATETIME_DTYPE)
                todo[where[serial]] = False

        keep = todo[positions]
        t, positions = t[keep].reset_index(drop=True), positions[keep]
        if len(t):
            sample = t.drop_duplicates().head(500)
            d_hits = sum(int(pd.to_datetime(sample, format=f, errors="coerce").notna().sum())
                         for f in _DATE_FORMATS_D)
            m_hits = sum(int(pd.to_datetime(sample, format=f, errors="coerce").notna().sum())
                         for f in _DATE_FORMATS_M)
            formats = list(_DATE_FORMATS_Y)
            if d_hits > m_hits or (d_hits == m_hits and profile.day_first):
                formats += list(_DATE_FORMATS_D)
            else:
                formats += list(_DATE_FORMATS_M)
            formats += list(_MONTHS_EN)
            for fmt in formats:
                left = todo[positions]
                if not left.any():
                    break
                attempt(t[left], positions[left], fmt)

    # Implausible years are as good as unreadable.
    years = values.dt.year
    implausible = ((years < 1990) | (years > 2100)).fillna(False).to_numpy(dtype=bool)
    if implausible.any():
        values[implausible] = pd.NaT
    bad = pd.Series(present & values.isna().to_numpy())
    return values.astype(_DATETIME_DTYPE), bad
