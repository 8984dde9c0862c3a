"""From a reader's `RawTable` to canonical rows, and from many files to one table.

One table (a text file, a sheet, or a block of either split at a second
header) becomes one `Part`: the canonical frame, its `FileReport`, and the
user's mappings it used. Then parts are concatenated and the same return
given twice is merged (`merge_duplicates`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from diagnose.errors import InputError
from diagnose.io import fields as F
from diagnose.io import limits as L
from diagnose.io import profiles as P
from diagnose.io.hashing import hash_series
from diagnose.io.header import body, find_header, later_headers, overflow
from diagnose.io.notes import note
from diagnose.io.rawtable import Header, RawTable
from diagnose.io.sheetkind import refuse_other_kinds, sheet_kind
from diagnose.taxonomy import normalise_return_type

CANONICAL_COLUMNS: tuple[str, ...] = P.MAPPABLE_COLUMNS + (
    "platform",
    "source_file",
    "source_row",
    "row_issues",
)
_STRING_COLUMNS = (
    "return_id", "order_id", "sku", "product_id", "product_title", "platform_reason",
    "status", "shop",
)
_DATE_COLUMNS = ("applied_at", "signed_at")
# What makes two rows with one return id the same return (a later export of
# it may change its status or amount, not these).
MERGE_CONTENT = ("order_id", "sku", "product_id", "platform_reason", "buyer_text", "applied_at")
# An id that went through a spreadsheet number: 7.55454E+18 (the digits are gone).
_SCIENTIFIC = r"[0-9](?:[.][0-9]+)?[eE][+][0-9]{1,3}"
MAX_EXAMPLES = F.MAX_EXAMPLES


@dataclass
class FileReport:
    """What happened to one input file (or one sheet of it)."""

    name: str
    profile: str
    encoding: str | None
    header_row: int  # 1-based
    n_rows: int
    mapping: dict[str, str]  # canonical -> original header
    unmapped: list[str]
    issues: list[str] = field(default_factory=list)


@dataclass
class Part:
    """One table's canonical rows, its report, and the user's mappings it used."""

    frame: pd.DataFrame
    report: FileReport
    present: list[str]


# ---------------------------------------------------------------------------
# Files → tables → parts
# ---------------------------------------------------------------------------
def read_tables(name: str, tables: list[RawTable], overrides: Mapping[str, str], salt: str,
                forced_profile: str | None, *, id_prefix: str, row_offset: int = 0) -> list[Part]:
    """Every table of one file as parts; tables that are orders/reviews are skipped when others are returns."""
    blocks: list[tuple[str, RawTable, Header, set[int]]] = []
    for table in tables:
        table.row_offset += row_offset  # a slice of a larger file: number rows as in the file
        label = name if len(tables) == 1 else f"{name} [{table.sheet}]"
        blocks.extend((label, t, h, skip) for t, h, skip in _blocks(label, table, overrides))
    if len(blocks) > 1:
        labels = [label for label, *_ in blocks]
        blocks = [(f"{lab} (block {labels[:i].count(lab) + 1})" if labels.count(lab) > 1 else lab, t, h, s)
                  for i, (lab, t, h, s) in enumerate(blocks)]
    parts: list[Part] = []
    skipped: list[str] = []
    for label, table, header, skip in blocks:
        prefix = id_prefix if label == name else f"{id_prefix}{label[len(name):]}"
        if len(blocks) > 1 and sheet_kind(header.names)[0] is not None and not (
                set(overrides) & {"return_id", "platform_reason", "buyer_text"}):
            skipped.append(label)
            continue
        parts.append(table_part(label, table, header, overrides, salt, forced_profile, prefix, skip))
    if not parts:
        _label, table, header, _skip = blocks[0]
        refuse_other_kinds(name, header.names, overrides)
    if skipped:
        parts[0].report.issues.append(note(
            "sheets_not_returns", "not read (an order, settlement or review sheet, not returns): "
            + ", ".join(skipped), sheets=", ".join(skipped)))
    return parts


def _blocks(name: str, table: RawTable, overrides: Mapping[str, str]) -> list[tuple[RawTable, Header, set[int]]]:
    """The table split where a different header starts; rows repeating the header are skipped."""
    header = find_header(table, name, overrides.values())
    later = later_headers(table, header, overrides.values())
    repeats: set[int] = set()
    for pos in later:
        row = [_strip(c) for c in table.cells.iloc[pos].tolist()[: header.width]]
        if row == [_strip(h) for h in header.names]:
            repeats.add(pos)
            continue
        start = _title_start(table, header, pos)
        first = RawTable(cells=table.cells.iloc[:start].reset_index(drop=True), encoding=table.encoding,
                         row_offset=table.row_offset, sheet=table.sheet, lossy_columns=table.lossy_columns,
                         notes=table.notes, row_flags=_flags_below(table.row_flags, 0, start))
        second = RawTable(cells=table.cells.iloc[start:].reset_index(drop=True), encoding=table.encoding,
                          row_offset=table.row_offset + start, rows_before=table.row_offset + start,
                          sheet=table.sheet,
                          lossy_columns=table.lossy_columns,
                          notes=[note("second_table", f"a second table starts on row {table.row_offset + start + 1} "
                                      "(another header); read as its own block", row=table.row_offset + start + 1)],
                          row_flags=_flags_below(table.row_flags, start, len(table.cells)))
        return [(first, header, repeats)] + _blocks(name, second, overrides)
    return [(table, header, repeats)]


def _strip(value: Any) -> str:
    """A header cell as compared with the header (blanks and a BOM removed)."""
    return str(value).strip().lstrip("\ufeff")


def _title_start(table: RawTable, header: Header, pos: int) -> int:
    """Where the second block starts: its header, or the title rows just above it."""
    start = pos
    cells = table.cells
    while start - 1 > header.index:
        row = cells.iloc[start - 1].tolist()
        if sum(1 for c in row if str(c).strip()) > 1:
            break
        start -= 1
    return start


def _flags_below(flags: dict[str, list[int]], start: int, stop: int) -> dict[str, list[int]]:
    return {tag: [p - start for p in pos if start <= p < stop] for tag, pos in flags.items()}


def table_part(name: str, table: RawTable, header: Header, overrides: Mapping[str, str], salt: str,
               forced_profile: str | None, id_prefix: str, skip: set[int] = frozenset()) -> Part:
    """One table's canonical rows (the heart of reading an export)."""
    cells, rows = body(table, header, skip)
    headers = header.names
    issues = _table_notes(table, header, len(cells), skip)
    # Overrides whose header is absent here are reported by the caller.
    present = {
        k: v for k, v in overrides.items()
        if any(h == v or P.normalise_header(h) == P.normalise_header(v) for h in headers)
    }
    refuse_other_kinds(name, headers, present)
    key, profile_note = _profile(headers, forced_profile)
    if profile_note:
        issues.append(profile_note)
    profile = P.PROFILES[key]
    mapping = P.map_headers(headers, profile.synonyms, P.MAPPABLE_COLUMNS, present)
    if "buyer_text" not in mapping and "platform_reason" not in mapping:
        raise InputError(
            "no column with the buyer's reason or comment found; headers seen: " + " | ".join(headers),
            file=name,
            hint="use --map buyer_text=<header> (or platform_reason=<header>) to name it",
            code="no_text_column", params={"headers": " | ".join(headers)},
        )
    _check_cell_lengths(name, cells, headers, rows)
    issues.extend(_duplicate_notes(header, mapping))
    cols = _Columns(name, cells, rows, mapping, headers, profile, salt)
    cols.build(issues)
    cols.reader_flags(table)
    cols.overflow(table, header)
    cols.ids(id_prefix, table, issues)
    frame, unmapped = cols.frame(key)
    issues.extend(cols.examples)
    if len(cells) == 0:
        issues.append(note("no_data_rows", "no data rows below the header"))
    report = FileReport(
        name=name, profile=key, encoding=table.encoding,
        header_row=header.index + table.row_offset + 1, n_rows=len(cells),
        mapping={c: headers[i] for c, i in mapping.items()}, unmapped=unmapped, issues=issues,
    )
    return Part(frame=frame, report=report, present=list(present))


def _table_notes(table: RawTable, header: Header, n_body: int, skip: set[int]) -> list[str]:
    issues: list[str] = []
    offset = table.row_offset
    for j in table.lossy_columns:
        if j < header.width:
            issues.append(note(
                "lossy_column",
                f"column '{header.names[j]}' holds numbers of more than 15 digits stored as numbers "
                "in the spreadsheet; their last digits may be wrong — export IDs as text",
                header=header.names[j]))
    issues.extend(table.notes)
    above = header.index + offset - table.rows_before
    if above > 0:
        row = header.index + offset + 1
        issues.append(note("header_row", f"header found on row {row}; {above} row(s) above it skipped",
                           row=row, above=above))
    if skip:
        lines = ", ".join(str(p + offset + 1) for p in sorted(skip)[:3])
        issues.append(note("repeated_header", f"{len(skip)} row(s) repeat the header row (row {lines}); "
                           "not read as data", count=len(skip), rows=lines))
    blank = (len(table.cells) - header.index - 1) - n_body - len(skip)
    if blank:
        issues.append(note("blank_lines", f"{blank} completely empty line(s) skipped (not counted as data rows)",
                           count=blank))
    return issues


def _profile(headers: list[str], forced: str | None) -> tuple[str, str | None]:
    """The profile to read with, and a note when the headers were too weak a sign to name a platform."""
    if forced:
        return forced, None
    key, scores = P.detect_profile(headers)
    if key == "generic" and any(scores.values()):
        seen = []
        for k, score in scores.items():
            if score:
                typical = [h for h in headers if P.normalise_header(h) in P.PROFILES[k].distinctive_norm]
                seen.append([" / ".join(typical), k])
        return key, note("weak_platform", "the headers are not typical enough of one platform to name it (only "
                         + "; ".join(f"'{h}' for {P.PROFILES[k].name}" for h, k in seen)
                         + "); read with the generic column names", seen=seen)
    return key, None


def _duplicate_notes(header: Header, mapping: dict[str, int]) -> list[str]:
    notes = []
    for name, count in header.duplicates.items():
        first = header.names.index(name)
        used = next((c for c, i in mapping.items() if i == first), None)
        notes.append(note(
            "duplicate_header",
            f"header '{name}' appears {count} times; the first is read"
            + (f" as {used}" if used else "")
            + f", the others are kept as '{name} (2)'" + ("…" if count > 2 else ""),
            header=name, count=count, used=used or "", more=count > 2))
    return notes


def _check_cell_lengths(name: str, cells: pd.DataFrame, headers: list[str], rows: np.ndarray) -> None:
    """Refuse a cell longer than the cell limit (a real export's longest text is a few thousand)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    limit = L.current_limits().cell_chars
    if not len(cells):
        return
    for j in cells.columns:
        column = cells[j]
        arr = pa.array(column.to_numpy(dtype=object, na_value=None), pa.large_string()) \
            if column.dtype != F.STR_DTYPE else column.array.__arrow_array__()
        longest = pc.max(pc.utf8_length(arr)).as_py()
        if longest and longest > limit:
            pos = int(np.argmax(column.str.len().fillna(0).to_numpy()))
            raise InputError(
                f"row {rows[pos]}, column '{headers[j]}' holds {longest:,} characters, more than the limit "
                f"of {limit:,} for one cell; the file was not read",
                file=name,
                hint=f"shorten that cell (or remove it) and save again, or raise {L.MAX_CELL_CHARS_ENV}",
                code="cell_too_long",
                params={"row": int(rows[pos]), "column": headers[j], "chars": longest, "limit": limit,
                        "env": L.MAX_CELL_CHARS_ENV},
            )


class _Columns:
    """The canonical columns of one table, built field by field, with the row flags they raise."""

    def __init__(self, name: str, cells: pd.DataFrame, rows: np.ndarray, mapping: dict[str, int],
                 headers: list[str], profile: P.Profile, salt: str):
        self.name, self.cells, self.rows, self.mapping = name, cells, rows, mapping
        self.headers, self.profile, self.salt = headers, profile, salt
        self.n = len(cells)
        self.out: dict[str, pd.Series] = {}
        self.flags: list[tuple[str, np.ndarray]] = []
        self.examples: list[str] = []

    def cleaned(self, j: int) -> pd.Series:
        """Column j of the cells, cleaned (`fields.clean`) once.

        The first call cleans every column at once on a few threads (Arrow's
        kernels release the GIL); each is used once, mapped or carried.
        """
        if not hasattr(self, "_cleaned"):
            columns = list(self.cells.columns)
            if self.n >= 50_000 and len(columns) > 1:
                from concurrent.futures import ThreadPoolExecutor

                with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
                    self._cleaned = dict(zip(columns, pool.map(F.clean, [self.cells[c] for c in columns])))
            else:
                self._cleaned = {c: F.clean(self.cells[c]) for c in columns}
        return self._cleaned[j]

    def col(self, column: str) -> pd.Series | None:
        return self.cleaned(self.mapping[column]) if column in self.mapping else None

    def _flag(self, column: str, values: pd.Series, bad: pd.Series, what: str) -> None:
        F.flag(column, self.headers[self.mapping[column]], values, bad, self.rows, self.flags,
               self.examples, what)

    def build(self, issues: list[str]) -> None:
        out, n = self.out, self.n
        for column in _STRING_COLUMNS:
            values = self.col(column)
            out[column] = values if values is not None else F.na_str(n)
        text = self.col("buyer_text")
        out["buyer_text"] = text.fillna("") if text is not None else F.repeat_str("", n)
        self._long_text(issues)
        rtype = self.col("return_type")
        out["return_type"] = F.map_unique(rtype, normalise_return_type) if rtype is not None else F.na_str(n)
        self._amount(issues)
        for column in _DATE_COLUMNS:
            values = self.col(column)
            if values is None:
                out[column] = pd.Series(pd.NaT, index=range(n), dtype=F.DATETIME_DTYPE)
                continue
            parsed, bad = F.parse_dates(values, self.profile)
            out[column] = parsed
            self._flag(column, values, bad, f"is not a date we can read — kept, {column} left empty")
        buyer = self.col("buyer_id")
        out["buyer_id"] = hash_series(buyer, self.salt) if buyer is not None else F.na_str(n)
        qty = self.col("quantity")
        if qty is not None:
            values, bad = F.parse_numbers(qty)
            out["quantity"] = values.fillna(1.0)
            self._flag("quantity", qty, bad, "is not a number — kept, quantity set to 1")
        else:
            out["quantity"] = pd.Series(1.0, index=range(n), dtype="float64")

    def _long_text(self, issues: list[str]) -> None:
        lengths = self.out["buyer_text"].str.len().fillna(0).to_numpy()
        long = lengths > L.MAX_TEXT_CHARS
        if long.any():
            self.flags.append(("buyer_text:long", long))
            first = self.rows[np.flatnonzero(long)[0]]
            issues.append(note(
                "long_text",
                f"{int(long.sum())} buyer text(s) longer than {L.MAX_TEXT_CHARS:,} characters (first on "
                f"row {first}); kept whole, the classifier reads the first {L.MAX_TEXT_CHARS:,}",
                count=int(long.sum()), row=first, limit=L.MAX_TEXT_CHARS))

    def _amount(self, issues: list[str]) -> None:
        amount = self.col("amount")
        if amount is None:
            self.out["amount"] = pd.Series(np.nan, index=range(self.n), dtype="float64")
            return
        values, bad, decimal_comma = F.parse_amounts(amount)
        header = self.headers[self.mapping["amount"]]
        if decimal_comma:
            issues.append(note("decimal_comma", f"amount column '{header}' writes decimals with a comma "
                               "(59,90 = 59.90); read so", header=header))
        if P.normalise_header(header) in self.profile.fen_headers or P.header_in_fen(header):
            values = values / 100.0
            issues.append(note("amount_fen", f"amount column '{header}' is in fen; divided by 100 to yuan",
                               header=header))
        self.out["amount"] = values
        self._flag("amount", amount, bad, "is not a finite number — kept, amount left empty")

    def reader_flags(self, table: RawTable) -> None:
        """Rows the reader had to repair (a stray quote), flagged where they ended up."""
        for tag, positions in table.row_flags.items():
            if not positions:
                continue
            wanted = np.asarray(positions, dtype="int64") + 1 + int(table.row_offset)
            mask = np.isin(self.rows, wanted)
            if mask.any():
                self.flags.append((tag, mask))

    def overflow(self, table: RawTable, header: Header) -> None:
        extra = overflow(table, header, self.rows)
        if not extra.any():
            return
        self.flags.append(("row:extra_cells", extra))
        for pos in np.flatnonzero(extra)[:MAX_EXAMPLES]:
            self.examples.append(note(
                "extra_cells", f"row {self.rows[pos]}: has more cells than the header — columns may be shifted "
                "(an unquoted delimiter in the text?); kept as is", row=self.rows[pos]))
        if extra.sum() > MAX_EXAMPLES:
            more = int(extra.sum()) - MAX_EXAMPLES
            self.examples.append(note("extra_cells_more", f"… {more} more row(s) with extra cells", count=more))

    def ids(self, prefix: str, table: RawTable, issues: list[str]) -> None:
        out, mapping, rows = self.out, self.mapping, self.rows
        for column in ("return_id", "order_id"):
            if column not in mapping:
                continue
            ids = out[column]
            imprecise = ids.str.fullmatch(_SCIENTIFIC).fillna(False).to_numpy(dtype=bool).copy()
            if mapping[column] in table.lossy_columns:
                # Ids that went through a spreadsheet number lost their last digits; two
                # different returns may now look alike, so they are flagged and never merged.
                imprecise = imprecise | ids.str.fullmatch(r"[0-9]{16,}").fillna(False).to_numpy(dtype=bool)
            if imprecise.any():
                self.flags.append((f"{column}:imprecise", imprecise))
                if column == "return_id" or not mapping.get("return_id"):
                    first = rows[np.flatnonzero(imprecise)[0]]
                    value = ids.iloc[np.flatnonzero(imprecise)[0]]
                    issues.append(note(
                        "imprecise_ids",
                        f"{int(imprecise.sum())} {column}(s) in column '{self.headers[mapping[column]]}' "
                        f"lost digits (e.g. row {first}: '{value}', a "
                        "number in scientific notation); flagged and never merged — export IDs as text",
                        count=int(imprecise.sum()), column=column, header=self.headers[mapping[column]],
                        row=first, value=str(value)))
        out["sku"] = out["sku"].fillna(out["product_id"])
        if "return_id" in mapping:
            missing_id = out["return_id"].isna().to_numpy()
            if missing_id.any():
                issues.append(note("missing_ids", f"{int(missing_id.sum())} row(s) without a return id; "
                                   f"given the id '{prefix}#<row>'", count=int(missing_id.sum()), prefix=prefix))
                out["return_id"] = out["return_id"].fillna(_synthetic_ids(prefix, rows))
        else:
            out["return_id"] = _synthetic_ids(prefix, rows)
            issues.append(note("no_id_column", f"no return id column; each row gets the id '{prefix}#<row>'",
                               prefix=prefix))

    def frame(self, key: str) -> tuple[pd.DataFrame, list[str]]:
        out, n = self.out, self.n
        out["platform"] = F.repeat_str(key, n)
        out["source_file"] = F.repeat_str(self.name, n)
        out["source_row"] = pd.Series(self.rows, dtype="int64")
        out["row_issues"] = F.join_flags(self.flags, n)
        frame = pd.DataFrame({c: out[c].reset_index(drop=True) for c in CANONICAL_COLUMNS})
        # Unmapped columns, carried through after the canonical ones.
        mapped_idx = set(self.mapping.values())
        unmapped: list[str] = []
        extra: dict[str, pd.Series] = {}
        for i, header in enumerate(self.headers):
            if i in mapped_idx:
                continue
            unmapped.append(header)
            values = self.cleaned(i)
            if P.looks_personal(header):
                values = hash_series(values, self.salt)
            target = f"orig:{header}" if header in CANONICAL_COLUMNS else header
            extra[target] = values.reset_index(drop=True)
        if extra:
            frame = pd.concat([frame, pd.DataFrame(extra)], axis=1)
        return frame, unmapped


def _synthetic_ids(prefix: str, rows: np.ndarray) -> pd.Series:
    """``<prefix>#<row>`` for every row, built in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    numbers = pc.cast(pa.array(np.asarray(rows, dtype="int64")), pa.large_string())
    return F.from_arrow(pc.binary_join_element_wise(pa.scalar(f"{prefix}#", pa.large_string()), numbers,
                                                    pa.scalar("", pa.large_string())))


# ---------------------------------------------------------------------------
# Many parts → one table
# ---------------------------------------------------------------------------
def id_prefixes(sources: Sequence[Any]) -> list[str]:
    """The prefix of synthesised ids per source: its file stem, made unique within the call.

    Why: two ``export.csv`` from different folders, or ``returns.csv`` and
    ``returns.xlsx``, must not both make ``export#2``, or half their rows
    would merge away as duplicates. A stem no other source shares stays as
    it is (``returns#2``, as before); otherwise the file name, then the
    path, then a counter tell them apart.
    """
    names = [_plain_name(s) for s in sources]
    stems = [Path(n).stem for n in names]
    prefixes = []
    for source, name, stem in zip(sources, names, stems):
        if stems.count(stem) == 1:
            prefixes.append(stem)
        elif names.count(name) == 1:
            prefixes.append(name)
        elif isinstance(source, (str, Path)) or hasattr(source, "__fspath__"):
            prefixes.append(str(source))
        else:
            prefixes.append(name)
    seen: dict[str, int] = {}
    unique = []
    for p in prefixes:  # the same path (or upload name) given twice
        seen[p] = seen.get(p, 0) + 1
        unique.append(p if seen[p] == 1 else f"{p} ({seen[p]})")
    return unique


def _plain_name(source: Any) -> str:
    from diagnose.io.sources import display_name

    if isinstance(source, tuple) and source:
        return display_name(Path(str(source[0])).name) or "upload"
    if hasattr(source, "getvalue") and hasattr(source, "name"):
        return display_name(Path(str(source.name)).name)
    return display_name(Path(str(source)).name)


def source_name(source: Any, exc: InputError) -> str:
    """The file name a failed source is shown under."""
    from diagnose.io.sources import display_name

    if isinstance(source, tuple) and source:
        return display_name(str(source[0]))
    if exc.file:
        return Path(str(exc.file)).name
    return display_name(Path(str(source)).name)


def check_row_limit(report: FileReport, before: list[FileReport], limits: L.Limits) -> None:
    total_rows = sum(r.n_rows for r in before) + report.n_rows
    if total_rows > limits.rows:
        together = "" if not before else f" (with the files before it: {total_rows:,})"
        raise InputError(
            f"{report.n_rows:,} data rows{together}, more than the limit of {limits.rows:,} rows",
            file=report.name,
            hint=f"split the export into smaller periods, or raise {L.MAX_ROWS_ENV}",
            code="rows_over_limit",
            params={"rows": report.n_rows, "total": total_rows, "limit": limits.rows, "env": L.MAX_ROWS_ENV},
        )


def empty_canonical() -> pd.DataFrame:
    frame = pd.DataFrame({c: F.na_str(0) for c in CANONICAL_COLUMNS})
    frame["source_row"] = pd.Series([], dtype="int64")
    frame["row_issues"] = pd.Series([], dtype="str")
    return frame


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    frame = pd.concat(frames, ignore_index=True, sort=False)
    # Column order: canonical first, then extras in first-seen order.
    extras: list[str] = []
    for f in frames:
        extras.extend(c for c in f.columns if c not in CANONICAL_COLUMNS and c not in extras)
    frame = frame[list(CANONICAL_COLUMNS) + extras]
    for column in _DATE_COLUMNS:
        frame[column] = frame[column].astype(F.DATETIME_DTYPE)
    frame["source_row"] = frame["source_row"].astype("int64")
    frame["buyer_text"] = frame["buyer_text"].fillna("")
    frame["row_issues"] = frame["row_issues"].fillna("")
    return frame


def merge_key(frame: pd.DataFrame) -> pd.Series:
    """The key two rows must share to be one return: the exact id plus a hash of the return's content.

    Content is `MERGE_CONTENT` (order, SKU, product, reason, buyer text,
    application time), not status or amount, which a later export of the
    same return may change. A row whose id is flagged imprecise gets a key
    of its own (file and row), so it is never merged. `batch.chunked` and
    `batch.spark` merge on this key too, so every path merges alike.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    content = np.zeros(len(frame), dtype=np.uint64)
    for column in MERGE_CONTENT:
        with np.errstate(over="ignore"):
            content = content * np.uint64(1_000_003) ^ _content_hash(frame[column], column)
    ids = pa.array(frame["return_id"].astype(str).array, from_pandas=True).cast(pa.large_string())
    joined = pc.binary_join_element_wise(ids, pc.cast(pa.array(content), pa.large_string()),
                                         pa.scalar("\x1f", pa.large_string()))
    key = pd.Series(pd.array(joined, dtype=F.STR_DTYPE), index=frame.index)
    imprecise = frame["row_issues"].str.contains(":imprecise", regex=False).fillna(False).to_numpy()
    if imprecise.any():
        own = "\x1e" + frame["source_file"].astype(str) + "\x1e" + frame["source_row"].astype(str)
        key = key.where(~imprecise, key + own)
    return key


def _content_hash(values: pd.Series, column: str) -> np.ndarray:
    """A 64-bit hash per cell (missing as "\x00"), each distinct text hashed once.

    The same numbers `pd.util.hash_array` gives the cells one by one, so
    keys agree across slices, partitions and versions.
    """
    if column == "applied_at":
        return pd.util.hash_array(pd.to_datetime(values).to_numpy(dtype="datetime64[us]").view("int64"))
    if not pd.api.types.is_string_dtype(values.dtype):
        return pd.util.hash_array(values.to_numpy(dtype=object, na_value="\x00"))
    codes, uniques = pd.factorize(values)
    distinct = np.empty(len(uniques) + 1, dtype=object)
    distinct[:-1] = uniques.to_numpy(dtype=object)
    distinct[-1] = "\x00"  # code -1 (missing) picks it
    return pd.util.hash_array(distinct, categorize=False)[codes]


def merge_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep the last row of each return given more than once (same `merge_key`).

    Rows with one id but different content are all kept: they are not the
    same return (an id reused by hand, or an id column that is not one).
    """
    # Only rows whose id occurs more than once can merge: build keys for those alone.
    repeated = frame["return_id"].duplicated(keep=False).to_numpy()
    if not repeated.any():
        return frame, 0
    dup = np.zeros(len(frame), dtype=bool)
    dup[np.flatnonzero(repeated)] = merge_key(frame.loc[repeated]).duplicated(keep="last").to_numpy()
    merged = int(dup.sum())
    if merged:
        frame = frame.loc[~dup].reset_index(drop=True)
    return frame, merged


def check_one_header_per_column(overrides: Mapping[str, str]) -> None:
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
                code="map_header_twice", params={"header": header, "first": owner[norm], "second": key},
            )
        owner[norm] = key


def check_overrides(name: str, headers: list[str], overrides: Mapping[str, str]) -> None:
    norms = {P.normalise_header(h) for h in headers}
    for key, header in overrides.items():
        if header not in headers and P.normalise_header(header) not in norms:
            raise InputError(
                f"column '{header}' given in --map {key}={header} is not a header of this file",
                file=name,
                hint="headers available: " + " | ".join(headers),
                code="map_header_missing",
                params={"header": header, "key": key, "files": name, "headers": " | ".join(headers)},
            )


def unused_override_error(parts: list[Part], overrides: Mapping[str, str]) -> InputError | None:
    """The error for a --map header that no file has (None when every mapping was used somewhere)."""
    found = {k: False for k in overrides}
    misses: list[tuple[str, list[str]]] = []
    for part in parts:
        for key in part.present:
            found[key] = True
        if len(part.present) < len(overrides):
            misses.append((part.report.name, part.report.unmapped + list(part.report.mapping.values())))
    missing = [k for k, ok in found.items() if not ok]
    if not (missing and misses):
        return None
    key = missing[0]
    where, headers = misses[0]
    files = ", ".join(n for n, _ in misses)
    return InputError(
        f"column '{overrides[key]}' given in --map {key}={overrides[key]} is not a header of {files}",
        file=where,
        hint="headers available: " + " | ".join(headers),
        code="map_header_missing",
        params={"header": overrides[key], "key": key, "files": files, "headers": " | ".join(headers)},
    )
