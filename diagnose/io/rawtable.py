"""What a reader hands the assembler: one table of string cells and what was learnt reading it.

Readers (`textfile`, `spreadsheet`) know things the assembler must report or
act on — the encoding, rows skipped above the data, columns whose numbers
lost digits, lines whose quotes were damaged. They pass them here, as
fields, rather than hiding them in ``DataFrame.attrs`` (which pandas drops
on many operations).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class RawTable:
    """One sheet or text file as positional string cells.

    ``cells`` row i is the file's row ``i + 1 + row_offset`` (1-based, as a
    spreadsheet shows it). Columns are 0..n-1; every cell is a string
    (empty string for an empty cell).
    """

    cells: pd.DataFrame
    encoding: str | None = None  # text encoding; None for spreadsheets
    row_offset: int = 0
    sheet: str | None = None  # the sheet's name when read from a workbook
    lossy_columns: list[int] = field(default_factory=list)  # numbers of > 15 digits stored as numbers
    notes: list[str] = field(default_factory=list)  # reader notes for FileReport.issues
    # rows above ``cells`` that belong to an earlier block of the same file (not "skipped")
    rows_before: int = 0
    # row_issues tag -> positions (in ``cells``) of the rows it applies to
    row_flags: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class Header:
    """The header row of a `RawTable`: where it is and its cleaned names."""

    index: int  # position of the header row in ``RawTable.cells``
    names: list[str]
    duplicates: dict[str, int] = field(default_factory=dict)  # header -> times it appears

    @property
    def width(self) -> int:
        """How many columns belong to the table (trailing empty ones dropped)."""
        return len(self.names)
