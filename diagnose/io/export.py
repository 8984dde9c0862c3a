"""Spreadsheet writers that are safe to open in Excel / WPS.

Buyer text ends up in the files we write, and a buyer can type
``=cmd|' /C calc'!A0`` or ``@SUM(1)``: a spreadsheet that opens such a cell
runs it as a formula (CSV/formula injection). Every string cell is passed
through `safe_cell`, which prefixes a cell that a spreadsheet would read as a
formula with an apostrophe (the OWASP recommendation), and XLSX files are
written with xlsxwriter's ``strings_to_formulas`` / ``strings_to_urls`` /
``strings_to_numbers`` off, so a string is always written as a string.

Personal data: every table is passed through `diagnose.io.redact.redact_frame`
first — contact columns (收货信息, 微信号, tel, consignee …) become salted
hashes and phones, ids, addresses, e-mail and names in free text become
placeholders — whatever path built it.

Only strings are touched: a refunded amount of -12.5 stored as a float stays
a number. Column headers are strings too (unmapped original headers are
carried through from the merchant's file) and get the same treatment.

Formats: ``.csv`` is written as UTF-8 with a byte-order mark so that Excel
opens Chinese text correctly, formatted in Arrow a column at a time and
streamed in row batches (`diagnose.io.csvwrite`; the same bytes pandas'
writer gave); ``.parquet`` keeps list columns as lists (redacted, no
formula guard: programs read it); ``.xlsx`` through xlsxwriter. Datetimes are
written readably (``2024-05-01 13:45:00``, or ``2024-05-01`` for columns that
hold dates only); bool columns are written as TRUE/FALSE.
"""
from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from diagnose.errors import InputError
from diagnose.io import csvwrite
from diagnose.io.redact import redact_frame
from diagnose.taxonomy import LIST_SEPARATORS

# First characters a spreadsheet reads as the start of a formula (after any
# leading spaces), and control characters that some spreadsheets strip before
# deciding the same thing.
_FORMULA_STARTS = ("=", "+", "-", "@")
_CONTROL_STARTS = ("\t", "\r", "\n")

# Excel's sheet size. The XLSX writer splits a longer table over several
# sheets and refuses a wider one (read at call time, so a test can lower them).
EXCEL_MAX_ROWS = 1_048_576  # rows of a sheet, the header row included
EXCEL_MAX_COLUMNS = 16_384
SPLIT_NOTES_SHEET = "拆分说明 split"
_EXCEL_MAX_CELL_CHARS = 32_767
_SHEET_BAD_CHARS = re.compile(r"[\[\]:*?/\\]")

_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_DATE_FORMAT = "yyyy-mm-dd"

SUPPORTED_EXTENSIONS = (".csv", ".xlsx", ".parquet")


# ---------------------------------------------------------------------------
# Neutralising cells
# ---------------------------------------------------------------------------
def safe_cell(value: object) -> object:
    """Neutralise one cell value against formula injection.

    A string whose first character is a tab/CR/LF, or whose first non-blank
    character is one of ``= + - @``, gets a leading apostrophe. Anything that
    is not a string (numbers, dates, bools, missing values) is returned as is.
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_CONTROL_STARTS) or value.lstrip().startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _is_textual(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def _joiner(sep: str):
    def join(value: object) -> object:
        """Lists/tuples (evidence words, example texts) become one string for the file."""
        if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
            return sep.join(str(v) for v in value)
        return value
    return join


_join_sequence = _joiner("\n")


def _safe_column(s: pd.Series, sep: str = "\n") -> pd.Series:
    """`safe_cell` over a text column, calling it only where it can change something.

    Why: a million-row table has tens of millions of cells and almost none
    needs a prefix; a Python call per cell was most of the time it took to
    write one. Only a cell whose first character is a formula start or
    whitespace can need one, and first characters are few, so they are
    judged once each (with Python's own `str.isspace`, as `safe_cell` does).
    Object columns may hold lists or non-strings and take the plain path.
    """
    if s.dtype == object:
        return s.map(_joiner(sep), na_action="ignore").map(safe_cell, na_action="ignore")
    codes, firsts = pd.factorize(s.str[:1])
    risky_first = np.array([f[:1] in _FORMULA_STARTS or f[:1].isspace() for f in firsts] + [False])
    risky = risky_first[codes]  # code -1 (missing) picks the trailing False
    if not risky.any():
        return s
    s = s.copy()
    s[risky] = s[risky].map(safe_cell)
    return s


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every string cell and header passed through `safe_cell`.

    Numeric, datetime and bool columns are returned unchanged. List-valued
    cells are joined first (`taxonomy.LIST_SEPARATORS` per column, else a
    newline), so they are neutralised too.
    """
    out = df.copy()
    for i, col in enumerate(out.columns):
        s = out.iloc[:, i]
        if _is_textual(s):
            out.isetitem(i, _safe_column(s, LIST_SEPARATORS.get(str(col), "\n")))
    out.columns = [safe_cell(str(c)) if not isinstance(c, str) else safe_cell(c) for c in out.columns]
    return out


# ---------------------------------------------------------------------------
# Column preparation shared by the writers
# ---------------------------------------------------------------------------
def _bool_like(series: pd.Series) -> bool:
    """True for bool columns, including object columns of bools with gaps."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return True
    if series.dtype != object:
        return False
    values = series.dropna()
    return len(values) > 0 and all(isinstance(v, (bool, np.bool_)) for v in values)


def _naive(series: pd.Series) -> pd.Series:
    """Datetime column without a time zone (spreadsheets have no time zones)."""
    if getattr(series.dt, "tz", None) is not None:
        return series.dt.tz_localize(None)
    return series


def _date_only(series: pd.Series) -> bool:
    values = series.dropna()
    return len(values) > 0 and bool((values == values.dt.normalize()).all())


def _prepare(df: pd.DataFrame, *, for_csv: bool, redact: bool = True) -> pd.DataFrame:
    """Redact personal data, neutralise strings and make dates, bools and odd dtypes writable."""
    out = safe_frame(redact_frame(df) if redact else df)
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            s = _naive(s)
            if for_csv:
                fmt = "%Y-%m-%d" if _date_only(s) else "%Y-%m-%d %H:%M:%S"
                s = s.dt.strftime(fmt).astype(object).where(s.notna(), None)
            elif _date_only(s):
                s = s.dt.date.astype(object).where(s.notna(), None)
            out.isetitem(i, s)
        elif _bool_like(s):
            mapped = s.map(lambda v: "TRUE" if v else "FALSE", na_action="ignore") if for_csv \
                else s.map(bool, na_action="ignore")
            out.isetitem(i, mapped.astype(object).where(s.notna(), None))
        elif isinstance(s.dtype, (pd.PeriodDtype, pd.IntervalDtype)) or pd.api.types.is_timedelta64_dtype(s.dtype):
            out.isetitem(i, s.astype(str).where(s.notna(), None))
        elif not for_csv and _is_textual(s):
            # Excel refuses cells over 32,767 characters.
            out.isetitem(i, s.map(
                lambda v: v[:_EXCEL_MAX_CELL_CHARS] if isinstance(v, str) else v,
                na_action="ignore",
            ))
    return out


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------
def _csv_ready(df: pd.DataFrame, redact: bool) -> tuple[pd.DataFrame, list[str]]:
    """The table redacted (unless its caller did it field by field) and its headers guarded."""
    table = redact_frame(df) if redact else df
    names = [safe_cell(str(c)) for c in table.columns]
    return table, names


def to_csv_bytes(df: pd.DataFrame, *, redact: bool = True, date_only: Mapping[str, bool] | None = None) -> bytes:
    """The table as UTF-8-with-BOM CSV bytes, formula-safe and redacted (for downloads).

    `redact=False` only for a table its caller has redacted field by field
    (an appeal pack's summary mixes ids and text in one column).
    ``date_only`` fixes, per datetime column, whether it is written as dates
    (else decided on the column's values: dates when every value is at midnight).
    Formatted in Arrow (`diagnose.io.csvwrite`); the bytes are those pandas'
    ``to_csv`` wrote after `safe_frame`.
    """
    table, names = _csv_ready(df, redact)
    buf = io.BytesIO()
    csvwrite.write_csv(table, buf, names, LIST_SEPARATORS, dict(date_only or {}))
    return buf.getvalue()


def to_parquet_bytes(df: pd.DataFrame, *, redact: bool = True) -> bytes:
    """The table as Parquet, redacted; list columns (evidence) stay lists.

    No formula guard: Parquet is read by programs (pandas, Spark, DuckDB),
    which never evaluate a cell, and an apostrophe would change the data —
    the Spark job's Parquet output is written the same way.
    """
    import pyarrow.parquet as pq

    table = redact_frame(df) if redact else df
    buf = io.BytesIO()
    pq.write_table(csvwrite.arrow_table(table, [str(c) for c in table.columns]), buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------
def _sheet_names(names) -> list[str]:
    """Valid, unique Excel sheet names (≤31 chars, no []:*?/\\)."""
    used: set[str] = set()
    result = []
    for raw in names:
        name = _SHEET_BAD_CHARS.sub("_", str(raw)).strip("'") or "Sheet"
        name = name[:31]
        candidate, k = name, 2
        while candidate.lower() in used:
            suffix = f" ({k})"
            candidate = name[: 31 - len(suffix)] + suffix
            k += 1
        used.add(candidate.lower())
        result.append(candidate)
    return result


def _column_width(header: object, series: pd.Series) -> float:
    """A readable column width: longest of header and a sample of cells."""
    def width(v: object) -> int:
        text = str(v)
        # CJK characters are about twice as wide as Latin ones.
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text.split("\n")[0])

    sample = series.dropna().head(200)
    longest = max([width(header)] + [width(v) for v in sample])
    return float(min(max(longest + 2, 8), 60))


def row_parts(n_rows: int, max_rows: int | None = None) -> list[tuple[int, int]]:
    """The (start, stop) data-row ranges of a table's sheets: one range per sheet of `max_rows` rows
    (its header row included), so a table longer than a sheet is split, never cut."""
    per_sheet = (max_rows or EXCEL_MAX_ROWS) - 1
    if per_sheet < 1:
        raise ValueError("a sheet must hold at least one data row below its header")
    if n_rows <= per_sheet:
        return [(0, n_rows)]
    return [(start, min(start + per_sheet, n_rows)) for start in range(0, n_rows, per_sheet)]


def _check_width(name: str, df: pd.DataFrame, max_columns: int) -> None:
    if df.shape[1] > max_columns:
        raise InputError(
            f"table '{name}' has {df.shape[1]:,} columns, more than an Excel sheet holds ({max_columns:,}); "
            "nothing was written",
            hint="write a .csv file instead, or leave out columns",
            code="xlsx_too_many_columns", params={"table": name, "columns": df.shape[1], "limit": max_columns},
        )


def split_note(table: str, n_rows: int, sheets: list[str], per_sheet: int) -> tuple[str, str]:
    """What a reader of the workbook (and the CLI) is told about a table written over several sheets."""
    names = "、".join(f"「{s}」" for s in sheets)
    zh = (f"表「{table}」共 {n_rows:,} 行，超过 Excel 单个工作表可容纳的 {per_sheet:,} 行，"
          f"已按顺序拆分到 {len(sheets)} 个工作表：{names}")
    en = (f"table '{table}' has {n_rows:,} rows, more than one Excel sheet holds ({per_sheet:,}); "
          f"it is split in order over {len(sheets)} sheets: " + ", ".join(f"'{s}'" for s in sheets))
    return zh, en


def _layout(sheets: Mapping[str, pd.DataFrame], max_rows: int) -> tuple[list, list[tuple[str, str]]]:
    """[(sheet name, table, start, stop)] for every sheet to write, and the split notes."""
    plan: list[tuple[str, pd.DataFrame, int, int]] = []
    wanted: list[str] = []
    for name, df in sheets.items():
        parts = row_parts(len(df), max_rows)
        for k, (start, stop) in enumerate(parts, 1):
            plan.append((name, df, start, stop))
            wanted.append(str(name) if len(parts) == 1 else f"{str(name)[:24]} ({k})")
    names = _sheet_names(wanted + ([SPLIT_NOTES_SHEET] if len(plan) > len(sheets) else []))
    layout = [(names[i], df, start, stop) for i, (_, df, start, stop) in enumerate(plan)]
    notes = []
    for name, df in sheets.items():
        mine = [n for n, (table, _, _, _) in zip(names, plan) if table == name]
        if len(mine) > 1:
            notes.append(split_note(str(name), len(df), mine, max_rows - 1))
    return layout, notes


def _write_sheet(writer: pd.ExcelWriter, name: str, table: pd.DataFrame) -> None:
    """``table.to_excel(writer, sheet_name=name, index=False)``, written straight into xlsxwriter.

    Why: pandas builds a cell object, serialises a style key and converts
    the value for each of the report's quarter million cells; that was most
    of the time of writing the workbook. The same cells are written here
    with the same values and formats, in pandas' order (the header row, then
    column by column — the order fixes the shared-string table), so the
    workbook's XML is the same (tested against pandas' path). Number, bool
    and string columns are written from plain lists; any other column cell
    by cell through pandas' own value conversions.
    """
    from pandas.io.excel._xlsxwriter import _XlsxStyler
    from pandas.io.formats.excel import ExcelFormatter

    if isinstance(table.columns, pd.MultiIndex) or table.shape[1] == 0:
        table.to_excel(writer, sheet_name=name, index=False)
        return
    book = writer.book
    ws = book.get_worksheet_by_name(name) or book.add_worksheet(name)
    formatter = ExcelFormatter(table, na_rep="", inf_rep="inf", index=False)
    formats: dict[str, object] = {}

    def write_any(row: int, col: int, value: object) -> None:
        value, num_format = writer._value_with_fmt(formatter._format_value(value))
        if num_format and num_format not in formats:
            formats[num_format] = book.add_format(_XlsxStyler.convert(None, num_format))
        ws.write(row, col, value, formats[num_format] if num_format else None)

    for j, header in enumerate(table.columns):
        write_any(0, j, header)
    for j in range(table.shape[1]):
        _write_column(ws, j, table.iloc[:, j], write_any)


def _write_column(ws, col: int, s: pd.Series, write_any) -> None:
    """One column's cells from row 1 down (missing values, like pandas' empty strings, write nothing)."""
    dtype = s.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        for r, v in enumerate(s.to_numpy().tolist(), 1):
            ws.write_number(r, col, v)
    elif isinstance(dtype, np.dtype) and dtype.kind == "f":
        for r, v in enumerate(s.to_numpy().tolist(), 1):
            if v != v:
                continue
            if v in (float("inf"), float("-inf")):
                ws.write_string(r, col, "inf" if v > 0 else "-inf")
            else:
                ws.write_number(r, col, v)
    elif isinstance(dtype, np.dtype) and dtype.kind == "b":
        for r, v in enumerate(s.to_numpy().tolist(), 1):
            ws.write_boolean(r, col, v)
    elif isinstance(dtype, pd.StringDtype):
        for r, v in enumerate(s.to_numpy(dtype=object, na_value=None).tolist(), 1):
            if v:  # None (missing) and "" are both a blank cell without a format: nothing
                ws.write_string(r, col, v)
    else:
        for r, v in enumerate(s, 1):
            write_any(r, col, v)


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame], *, redact: bool = True, max_rows: int | None = None,
                  max_columns: int | None = None, notes: list[str] | None = None) -> bytes:
    """An XLSX workbook with one sheet per table, formula-safe and redacted (for downloads).

    `redact` as in `to_csv_bytes`. A table longer than an Excel sheet
    (`EXCEL_MAX_ROWS` with its header) is written over several sheets
    (``returns (1)``, ``returns (2)`` …, in order) and a sheet
    ``拆分说明 split`` says so; the English note is appended to `notes` for
    the caller to print. A table wider than `EXCEL_MAX_COLUMNS` is refused
    (`InputError` ``xlsx_too_many_columns``) before anything is written.
    """
    max_rows = max_rows or EXCEL_MAX_ROWS
    max_columns = max_columns or EXCEL_MAX_COLUMNS
    for name, df in sheets.items():
        _check_width(str(name), df, max_columns)
    layout, split_notes = _layout(sheets, max_rows)
    buf = io.BytesIO()
    with pd.ExcelWriter(
        buf,
        engine="xlsxwriter",
        datetime_format=_DATETIME_FORMAT,
        date_format=_DATE_FORMAT,
        engine_kwargs={"options": {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
        }},
    ) as writer:
        if not sheets:
            pd.DataFrame().to_excel(writer, sheet_name="Sheet1", index=False)
        for name, df, start, stop in layout:
            part = df if (start, stop) == (0, len(df)) else df.iloc[start:stop]
            table = _prepare(part, for_csv=False, redact=redact)
            _write_sheet(writer, name, table)
            ws = writer.sheets[name]
            ws.freeze_panes(1, 0)
            for j, col in enumerate(table.columns):
                ws.set_column(j, j, _column_width(col, table.iloc[:, j]))
        if split_notes:
            lines = [line for pair in split_notes for line in pair]
            pd.DataFrame({"说明 / note": lines}).to_excel(writer, sheet_name=_sheet_names(
                [n for n, *_ in layout] + [SPLIT_NOTES_SHEET])[-1], index=False)
    if notes is not None:
        notes.extend(en for _, en in split_notes)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------
def _write_bytes(data: bytes, path: Path) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise _write_error(exc, path) from exc


def _open_for_writing(path: Path):
    try:
        return open(path, "wb")
    except OSError as exc:
        raise _write_error(exc, path) from exc


def _write_error(exc: OSError, path: Path) -> InputError:
    return InputError(
        f"cannot write the file ({exc.strerror or exc})",
        file=str(path),
        hint="check that the folder exists, that you may write there, "
             "and that the file is not open in Excel",
        code="write_failed", params={"reason": str(exc.strerror or exc)},
    )


def write_table(df: pd.DataFrame, path: str | os.PathLike, sheet_name: str = "returns") -> list[str]:
    """Write one table to .csv (UTF-8 with BOM), .xlsx or .parquet, formula-safe (.csv/.xlsx) and redacted;
    returns the notes to tell the user (an XLSX table split over several sheets, see `to_xlsx_bytes`).

    A CSV is streamed to the file a batch of rows at a time, so the whole
    file never sits in memory as one bytes object.
    """
    p = Path(path)
    ext = p.suffix.lower()
    notes: list[str] = []
    if ext == ".csv":
        table, names = _csv_ready(df, redact=True)
        with _open_for_writing(p) as fh:
            try:
                csvwrite.write_csv(table, fh, names, LIST_SEPARATORS)
            except OSError as exc:
                raise _write_error(exc, p) from exc
        return notes
    if ext == ".xlsx":
        data = to_xlsx_bytes({sheet_name: df}, notes=notes)
    elif ext == ".parquet":
        data = to_parquet_bytes(df)
    else:
        raise InputError(
            f"cannot write '{p.suffix or '(no extension)'}' files",
            file=str(p),
            hint="name the output file .csv or .xlsx (or .parquet for a table other programs read)",
            code="output_format",
            params={"suffix": p.suffix or "(no extension)", "formats": ".csv / .xlsx / .parquet"},
        )
    _write_bytes(data, p)
    return notes
