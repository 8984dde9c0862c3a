"""Finding the header row: title and note rows above it, repeated or second headers below it.

Exports often carry a title or notes above the header, so the header is the
row among the first `HEADER_SCAN_ROWS` that matches the most known header
synonyms (`profiles.all_known_headers`). Below it, a row that is itself a
header — the same header repeated where two files were pasted together, or
another platform's header after a second title row — is not a data row:
`later_headers` finds them so the assembler can skip or split.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from diagnose.errors import InputError
from diagnose.io import profiles as P
from diagnose.io.rawtable import Header, RawTable

HEADER_SCAN_ROWS = 30
# How many leading columns are looked at when searching the body for a second header.
_SECOND_HEADER_COLUMNS = 8


def header_score(row: Sequence[Any], known: frozenset[str]) -> int:
    """How many distinct known column names a row holds."""
    seen = {P.normalise_header(strip_wrapper(str(c))) for c in row if c not in (None, "")}
    seen.discard("")
    return len(seen & known)


def strip_wrapper(text: str) -> str:
    """A cell without surrounding blanks and without an ``="…"`` wrapper."""
    text = text.strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1].strip()
    return text


def _text_headers() -> frozenset[str]:
    names: set[str] = set()
    for profile in P.PROFILES.values():
        for column in ("buyer_text", "platform_reason"):
            names.update(P.normalise_header(h) for h in profile.synonyms[column])
    return frozenset(names)


def sheet_match(rows: Sequence[Sequence[Any]], extra_headers: Any = ()) -> tuple[int, bool]:
    """(best header score among `rows`, whether that row looks like an export's header).

    An export's header names at least two known columns, one of them the
    buyer's text or the reason (or a header the user mapped by hand).
    """
    known = P.all_known_headers(extra_headers)
    wanted = _text_headers() | {P.normalise_header(h) for h in extra_headers}
    best, is_export = 0, False
    for row in rows:
        score = header_score(row, known)
        if score > best:
            best = score
            names = {P.normalise_header(strip_wrapper(str(c))) for c in row if c not in (None, "")}
            is_export = score >= 2 and bool(names & wanted)
    return best, is_export


def find_header(table: RawTable, name: str, extra_headers: Any) -> Header:
    """The header row among the first rows, with cleaned, de-duplicated names."""
    raw = table.cells
    known = P.all_known_headers(extra_headers)
    top = raw.head(HEADER_SCAN_ROWS)
    best_idx, best_score = -1, 0
    for idx, row in enumerate(top.itertuples(index=False, name=None)):
        score = header_score(row, known)
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
            code="no_header", params={"rows": HEADER_SCAN_ROWS, "first": shown},
        )
    headers: list[str] = []
    seen: dict[str, int] = {}
    for j, cell in enumerate(raw.iloc[best_idx].tolist()):
        header = strip_wrapper(str(cell)).lstrip("\ufeff").strip()
        if not header:
            header = f"column {j + 1}"
        if header in seen:
            seen[header] += 1
            header = f"{header} ({seen[header]})"
        else:
            seen[header] = 1
        headers.append(header)
    # Drop trailing header-less columns that hold nothing (trailing delimiters).
    body = raw.iloc[best_idx + 1:]
    while len(headers) > 1 and headers[-1] == f"column {len(headers)}":
        last = body[raw.columns[len(headers) - 1]]
        if (last.str.strip() != "").any():
            break
        headers.pop()
    return Header(index=best_idx, names=headers,
                  duplicates={h: n for h, n in seen.items() if n > 1})


def later_headers(table: RawTable, header: Header, extra_headers: Any) -> list[int]:
    """Positions (in ``table.cells``) of rows below the header that are headers themselves.

    Vectorised pre-filter: a candidate row has at least two of its first
    eight cells equal to a known header spelling; each candidate is then
    scored like the header search (at least two known names and as many as
    half the header's).
    """
    raw = table.cells
    start = header.index + 1
    if len(raw) <= start:
        return []
    import pyarrow as pa
    import pyarrow.compute as pc

    from diagnose.io.fields import to_arrow

    spellings = pa.array(sorted(_raw_spellings(extra_headers) | set(header.names)), pa.large_string())
    hits = np.zeros(len(raw) - start, dtype=np.int64)
    for j in list(raw.columns)[:_SECOND_HEADER_COLUMNS]:
        column = to_arrow(raw[j].iloc[start:])
        found = pc.is_in(pc.utf8_trim_whitespace(column), value_set=spellings)
        hits += np.asarray(pc.fill_null(found, False)).astype(np.int64)
    candidates = np.flatnonzero(hits >= 2) + start
    if not len(candidates):
        return []
    known = P.all_known_headers(extra_headers)
    own = header_score(header.names, known)
    found = []
    for pos in candidates[:1000]:
        score = header_score(raw.iloc[int(pos)].tolist(), known)
        if score >= 3 or (score >= 2 and 2 * score >= own):
            found.append(int(pos))
    return found


def _raw_spellings(extra_headers: Any) -> set[str]:
    """Known header spellings as exports write them (for the vectorised pre-filter)."""
    names: set[str] = set()
    for profile in P.PROFILES.values():
        for synonyms in profile.synonyms.values():
            names.update(synonyms)
        names.update(profile.distinctive)
    for synonyms in P.ORDER_SYNONYMS.values():
        names.update(synonyms)
    names.update(P.ORDER_DISTINCTIVE)
    names.update(extra_headers)
    return names | {n.upper() for n in names} | {n.title() for n in names}


def body(table: RawTable, header: Header, skip: Any = ()) -> tuple[pd.DataFrame, np.ndarray]:
    """Data rows below the header and their 1-based row numbers.

    Blank lines are removed, and so are the rows at positions `skip` (rows
    that repeat the header).
    """
    raw = table.cells
    width = header.width
    rows_below = raw.iloc[header.index + 1:, :width]
    if len(skip):
        rows_below = rows_below.drop(index=[p for p in skip if p > header.index])
    rows_below = rows_below.set_axis(range(width), axis=1)
    if len(rows_below):
        blank = np.ones(len(rows_below), dtype=bool)
        for j in range(width):
            column = rows_below[j]
            blank &= (column.str.len().to_numpy() == 0) | (column.str.strip() == "").to_numpy()
            if not blank.any():
                break
        if blank.any():
            rows_below = rows_below.loc[~blank]
    rows = rows_below.index.to_numpy(dtype="int64") + 1 + int(table.row_offset)
    return rows_below.reset_index(drop=True), rows


def overflow(table: RawTable, header: Header, rows: np.ndarray) -> np.ndarray:
    """Rows holding text beyond the header's last column (usually shifted columns)."""
    raw = table.cells
    width = header.width
    mask = np.zeros(len(rows), dtype=bool)
    if raw.shape[1] <= width or not len(rows):
        return mask
    extra = raw.iloc[rows - 1 - int(table.row_offset), width:]
    for j in extra.columns:
        mask |= (extra[j].str.strip() != "").to_numpy()
    return mask
