"""Workbooks (XLSX, XLS, ODS) through python-calamine: every matching sheet as string cells.

calamine (the engine behind pandas' ``engine="calamine"``) is used directly
so that typed cells stay under our control: numbers become the text the
sheet shows, and a column holding numbers of more than 15 significant digits
(an ID typed as a number) is reported, because its last digits are already
lost. Before calamine sees an XLSX, `containers.check_xlsx` has scanned it
(a lying workbook would abort the process inside the reader).

Which sheets are read: every sheet whose header row looks like an export
(at least two known column names, one of them the buyer's text or the
reason), e.g. 4月 and 5月 of one workbook; the others are skipped and named.
When no sheet qualifies, the best-scoring one is read, so the message the
user gets is about that sheet's headers.
"""
from __future__ import annotations

import io
from typing import Any

import pandas as pd

from diagnose.errors import InputError
from diagnose.io.containers import WHAT_TO_DO
from diagnose.io.header import HEADER_SCAN_ROWS, sheet_match
from diagnose.io.notes import note
from diagnose.io.rawtable import RawTable


def read_workbook(name: str, data: bytes, kind: str, extra_headers: Any) -> tuple[list[RawTable], list[str]]:
    """The sheets of a workbook that hold an export, and notes on the sheets skipped."""
    import python_calamine as pc

    damaged = InputError(
        f"the {kind} file is damaged or truncated and cannot be read",
        file=name,
        hint="download or export it again, and check the copy finished",
        code="workbook_damaged", params={"kind": kind},
    )
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
    except pc.PasswordError:
        raise InputError(f"the {kind} file is password-protected", file=name,
                         hint="remove the password in Excel and save again",
                         code="password_workbook", params={"kind": kind}) from None
    except Exception:  # calamine raises several types for broken files
        if kind == "XLS":
            raise InputError("this is an old Office file that is not a readable spreadsheet "
                             "(perhaps a Word .doc)", file=name, hint=WHAT_TO_DO,
                             code="old_office_file") from None
        raise damaged from None
    if not names:
        raise InputError(f"the {kind} file has no sheets", file=name, hint=WHAT_TO_DO,
                         code="no_sheets", params={"kind": kind})

    matching: list[tuple[str, list[list[Any]]]] = []
    skipped: list[str] = []
    best: tuple[int, str, list[list[Any]] | None] = (-1, "", None)
    for index, sheet in enumerate(names):
        try:
            rows = book.get_sheet_by_index(index).to_python(skip_empty_area=False)
        except Exception:
            raise damaged from None
        if not rows:
            continue
        score, is_export = sheet_match(rows[:HEADER_SCAN_ROWS], extra_headers)
        if is_export:
            matching.append((sheet, rows))
        else:
            skipped.append(sheet)
        if score > best[0]:
            best = (score, sheet, rows)
    if not matching:
        if best[2] is None:
            raise InputError("the spreadsheet has no cells with data", file=name, hint=WHAT_TO_DO,
                             code="no_cells")
        return [_table(best[2], best[1])], []
    notes = []
    if len(names) > 1:
        notes.append(note(
            "sheets_read",
            "sheets read: " + ", ".join(f"'{s}'" for s, _ in matching)
            + ("; skipped (no export header): " + ", ".join(f"'{s}'" for s in skipped) if skipped else ""),
            read=[str(s) for s, _ in matching], skipped=[str(s) for s in skipped]))
    return [_table(rows, sheet) for sheet, rows in matching], notes


def _table(rows: list[list[Any]], sheet: str) -> RawTable:
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
        columns[j] = pd.Series([cell_str(v) for v in cells], dtype=str)
    return RawTable(cells=pd.DataFrame(columns), sheet=sheet, lossy_columns=lossy)


def cell_str(value: Any) -> str:
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

