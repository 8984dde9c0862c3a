"""Platform exports -> one canonical table: the facade and the assembler.

`read_exports` reads after-sales / refund exports as platforms really write
them and returns the canonical table; `read_orders` reads an order export
for per-SKU return rates. The work is split by concern, as pandas splits
its io:

* `sources` — where bytes come from (paths must be regular files; size
  limits) and which reader they go to (by content, never by extension);
* `containers` — what a file really is (PDF, Word, encrypted workbook, zip
  bomb), and the streaming XML scan of every XLSX before it is opened;
* `encoding`, `textfile` — text encodings, delimiter, CSV parsing and quote
  damage; `spreadsheet` — workbooks through python-calamine, every sheet
  that holds an export;
* `header` — the header row among title rows, and second headers below it;
* `sheetkind` — order, settlement and review sheets given as returns;
* `fields` — cleaning cells, amounts, dates, row flags; `hashing` — salted
  hashes of buyer identifiers; `limits` — every size limit.

Readers hand this module a `RawTable` per sheet; this module maps headers to
canonical columns (`profiles`), parses the fields, assigns ids and merges
the same return given twice.

Row accounting: ``source_row`` is the 1-based row as a spreadsheet shows it
(title and header rows counted). Lines that are completely empty are not
data rows; every other row comes out, so
``len(frame) + duplicates_merged == rows_in``. Bad fields never drop a row:
the field is left empty and the problem written to ``row_issues`` and
summarised in ``FileReport.issues``.

Everything a user can get wrong raises `InputError` (with a ``code`` and
``params`` for `diagnose.messages.localise`) naming the file and what to do.
docs/BAD_INPUT.md lists every kind of bad input and what the user sees.
"""
from __future__ import annotations

import os
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from diagnose.errors import InputError
from diagnose.io import assemble as A
from diagnose.io import profiles as P
from diagnose.io.fields import DATETIME_DTYPE, clean, na_str, parse_dates, parse_numbers
from diagnose.io.hashing import hash_identifier, hash_series, resolve_salt
from diagnose.io.header import body, find_header
from diagnose.io.limits import (  # noqa: F401 - re-exported for callers of the old module
    MAX_CELLS_ENV,
    MAX_FILE_MB_ENV,
    MAX_ROWS_ENV,
    MAX_UPLOAD_MB_ENV,
    MAX_XLSX_MB_ENV,
    MAX_ZIP_RATIO_ENV,
    Limits,
    current_limits,
)
from diagnose.io.sources import load_source, read_cells

CANONICAL_COLUMNS: tuple[str, ...] = A.CANONICAL_COLUMNS

ORDER_OUTPUT_COLUMNS: tuple[str, ...] = P.ORDER_COLUMNS + ("source_file", "source_row")

FileReport = A.FileReport
MAPPING_ERROR = "__mapping__"
_resolve_salt = resolve_salt  # the name batch/ uses
__all__ = [
    "CANONICAL_COLUMNS", "FileError", "FileReport", "IngestResult", "MAPPING_ERROR", "Limits",
    "current_limits", "hash_identifier", "parse_overrides", "read_exports", "read_orders",
]


@dataclass(frozen=True)
class FileError:
    """A file that could not be read (``errors="collect"``): its name and the user's message.

    ``file`` is ``MAPPING_ERROR`` when the problem is the user's column
    mapping rather than one file: the files were read without it. ``code``
    and ``params`` are the `InputError`'s, so a face can say it in the
    user's language (`diagnose.messages.localise`).
    """

    file: str
    message: str
    code: str | None = None
    params: dict = field(default_factory=dict)
    hint: str | None = None

    @classmethod
    def of(cls, file: str, exc: InputError) -> "FileError":
        return cls(file=file, message=str(exc), code=exc.code, params=dict(exc.params), hint=exc.hint)


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
                code="map_syntax", params={"mapping": text},
            )
        key, header = text.split("=", 1)
        key, header = key.strip(), header.strip()
        if key not in valid:
            raise InputError(
                f"column mapping '{text}': '{key}' is not a column name we know",
                hint="use one of: " + ", ".join(valid),
                code="map_unknown_column", params={"mapping": text, "key": key, "choices": ", ".join(valid)},
            )
        if not header:
            raise InputError(
                f"column mapping '{text}' names no header",
                hint=f"write the file's header after the '=', e.g. --map {key}=问题描述",
                code="map_no_header", params={"mapping": text, "key": key},
            )
        if key in result and result[key] != header:
            raise InputError(
                f"--map {key} is given twice, with '{result[key]}' and with '{header}'",
                hint=f"keep only the --map {key}=… that names the right header",
                code="map_given_twice", params={"key": key, "first": result[key], "second": header},
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
    return read_with(read_file, sources, overrides=overrides, salt=salt, profile=profile, errors=errors)


def read_with(reader: Callable[..., list[A.Part]] | None, sources: Sequence[Any], *,
              overrides: Mapping[str, str] | None = None, salt: str | None = None,
              profile: str | None = None, errors: str = "raise",
              batch: Callable[[list[tuple]], list[Any]] | None = None) -> IngestResult:
    """`read_exports` with another way of parsing the files (`sandbox` parses them in a child process).

    ``reader(name, data, overrides, salt, profile, id_prefix=…)`` returns one
    file's parts or raises `InputError`; ``batch(jobs)`` instead takes every
    file's ``(name, data, overrides, salt, profile, id_prefix)`` at once and
    returns, per job, its parts or its `InputError`. Everything around the
    parsing — limits, mappings, ids, merging, error collection — is the same.
    """
    if errors not in ("raise", "collect"):
        raise ValueError(f"errors must be 'raise' or 'collect', not {errors!r}")
    sources = _as_list(sources)
    overrides = {k: v for k, v in (overrides or {}).items() if k in P.MAPPABLE_COLUMNS}
    _check_call(sources, overrides, profile)
    limits = current_limits()
    salt = resolve_salt(salt)
    prefixes = A.id_prefixes(sources)
    if batch is not None:
        outcomes: Any = _batch_outcomes(batch, sources, prefixes, overrides, salt, profile)
    else:
        outcomes = (_outcome(reader, s, p, overrides, salt, profile) for s, p in zip(sources, prefixes))

    parts: list[A.Part] = []
    failed: list[FileError] = []
    for source, outcome in zip(sources, outcomes):
        try:
            if isinstance(outcome, InputError):
                raise outcome
            for part in outcome:
                A.check_row_limit(part.report, [p.report for p in parts], limits)
        except InputError as exc:
            if errors == "raise":
                raise
            failed.append(FileError.of(A.source_name(source, exc), exc))
            continue
        parts.extend(outcome)
    return _result(parts, overrides, failed, errors)


def _outcome(reader: Callable[..., list[A.Part]], source: Any, prefix: str, overrides: Mapping[str, str],
             salt: str, profile: str | None) -> list[A.Part] | InputError:
    try:
        name, data = load_source(source)
        return reader(name, data, overrides, salt, profile, id_prefix=prefix)
    except InputError as exc:
        return exc


def _batch_outcomes(batch: Callable[[list[tuple]], list[Any]], sources: list, prefixes: list[str],
                    overrides: Mapping[str, str], salt: str, profile: str | None) -> list[Any]:
    outcomes: list[Any] = []
    jobs: list[tuple] = []
    where: list[int] = []
    for source, prefix in zip(sources, prefixes):
        try:
            name, data = load_source(source)
        except InputError as exc:
            outcomes.append(exc)
            continue
        where.append(len(outcomes))
        outcomes.append(None)
        jobs.append((name, data, dict(overrides), salt, profile, prefix))
    for index, result in zip(where, batch(jobs)):
        outcomes[index] = result
    return outcomes


def _as_list(sources: Any) -> list:
    if isinstance(sources, (str, os.PathLike, tuple)):
        sources = [sources]
    sources = list(sources)
    if not sources:
        raise InputError("no input files given", hint="pass at least one export file", code="no_input")
    return sources


def _check_call(sources: list, overrides: Mapping[str, str], profile: str | None) -> None:
    if profile is not None and profile not in P.PROFILES:
        raise InputError(
            f"unknown profile '{profile}'", hint="use one of: " + ", ".join(P.PROFILE_KEYS),
            code="unknown_profile", params={"profile": profile, "choices": ", ".join(P.PROFILE_KEYS)},
        )
    A.check_one_header_per_column(overrides)


def _result(parts: list[A.Part], overrides: Mapping[str, str], failed: list[FileError],
            errors: str) -> IngestResult:
    exc = A.unused_override_error(parts, overrides)
    if exc is not None:
        if errors == "raise":
            raise exc
        # No file has that header, so no file used it: the rows are as read without it.
        failed.append(FileError.of(MAPPING_ERROR, exc))
    if not parts:
        return IngestResult(frame=A.empty_canonical(), files=[], duplicates_merged=0, rows_in=0,
                            flagged_rows=0, errors=failed)
    frame = A.concat([p.frame for p in parts])
    rows_in = sum(p.report.n_rows for p in parts)
    frame, duplicates_merged = A.merge_duplicates(frame)
    flagged = int((frame["row_issues"] != "").sum())
    return IngestResult(frame=frame, files=[p.report for p in parts], duplicates_merged=duplicates_merged,
                        rows_in=rows_in, flagged_rows=flagged, errors=failed)


def read_file(name: str, data: bytes, overrides: Mapping[str, str], salt: str,
              forced_profile: str | None, *, id_prefix: str | None = None,
              row_offset: int = 0) -> list[A.Part]:
    """One export file → one `Part` per table it holds (sheets, or blocks split at a second header)."""
    tables = read_cells(name, data, extra_headers=overrides.values())
    return A.read_tables(name, tables, overrides, salt, forced_profile,
                         id_prefix=id_prefix or Path(name).stem, row_offset=row_offset)


def _read_one_export(
    name: str,
    data: bytes,
    overrides: Mapping[str, str],
    salt: str,
    forced_profile: str | None,
    row_offset: int = 0,
) -> tuple[pd.DataFrame, FileReport, list[str]]:
    """One file as one frame and report (the chunked path reads slices through this)."""
    parts = read_file(name, data, overrides, salt, forced_profile, row_offset=row_offset)
    if len(parts) == 1:
        return parts[0].frame, parts[0].report, parts[0].present
    frame = A.concat([p.frame for p in parts])
    first = parts[0].report
    report = FileReport(
        name=name, profile=first.profile, encoding=first.encoding, header_row=first.header_row,
        n_rows=sum(p.report.n_rows for p in parts), mapping=first.mapping, unmapped=first.unmapped,
        issues=[i for p in parts for i in p.report.issues],
    )
    present = sorted({k for p in parts for k in p.present})
    return frame, report, present


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
    name, data = load_source(source)
    overrides = {k: v for k, v in (overrides or {}).items() if k in P.ORDER_COLUMNS}
    table = read_cells(name, data, extra_headers=overrides.values())[0]
    header = find_header(table, name, overrides.values())
    cells, rows = body(table, header)
    headers = header.names
    A.check_overrides(name, headers, overrides)
    mapping = P.map_headers(headers, P.ORDER_SYNONYMS, P.ORDER_COLUMNS, overrides)
    if "sku" not in mapping and "product_id" not in mapping:
        raise InputError(
            "no SKU or product id column found in the order export; headers seen: "
            + " | ".join(headers),
            file=name,
            hint="use --map sku=<header> for the column with the merchant SKU code (商家编码)",
            code="orders_no_sku", params={"headers": " | ".join(headers)},
        )
    out = pd.DataFrame(index=pd.RangeIndex(len(cells)))
    for column in ("order_id", "sub_order_id", "sku", "product_id", "product_title"):
        out[column] = clean(cells[mapping[column]]) if column in mapping else na_str(len(cells))
    out["sku"] = out["sku"].fillna(out["product_id"])
    if "quantity" in mapping:
        qty, _bad = parse_numbers(clean(cells[mapping["quantity"]]))
        out["quantity"] = qty.fillna(1.0)
    else:
        out["quantity"] = 1.0
    if "ordered_at" in mapping:
        when, _bad = parse_dates(clean(cells[mapping["ordered_at"]]), P.PROFILES["generic"])
        out["ordered_at"] = when
    else:
        out["ordered_at"] = pd.Series(pd.NaT, index=out.index, dtype=DATETIME_DTYPE)
    if "buyer_id" in mapping:
        out["buyer_id"] = hash_series(clean(cells[mapping["buyer_id"]]), resolve_salt(salt))
    else:
        out["buyer_id"] = na_str(len(cells))
    out["source_file"] = name
    out["source_row"] = rows
    return out

