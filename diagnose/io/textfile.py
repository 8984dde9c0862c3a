"""Text exports (CSV, TSV, semicolon- or pipe-separated): delimiter, records, quote damage.

The delimiter and the header row are chosen together, on the head: the
delimiter whose split of some row among the first 30 names the most known
columns. The whole file is then parsed with pyarrow's multi-threaded reader
(or pandas' C parser when rows are ragged), every cell a string.

Quote damage: one unbalanced ``"`` in a buyer's text makes a CSV parser
glue the following lines into that cell, so rows vanish into one. After
parsing, a cell that holds a line break followed by what looks like whole
records is the sign; the file is then re-read line by line, a quote that is
never closed before the next complete record is taken as a literal
character, and each such row is flagged (``text:stray_quote``) and named.
"""
from __future__ import annotations

import contextlib
import csv
import io
import re
from typing import Any, Callable, Iterator, Sequence

import pandas as pd

from diagnose.errors import InputError
from diagnose.io import encoding as E
from diagnose.io import limits as L
from diagnose.io import profiles as P
from diagnose.io.fields import STR_DTYPE
from diagnose.io.header import HEADER_SCAN_ROWS, header_score
from diagnose.io.notes import note
from diagnose.io.rawtable import RawTable

_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_JOIN = 500  # physical lines one quoted cell may span when re-reading leniently


def read_text(name: str, data: bytes, extra_headers: Any) -> RawTable:
    """A text export -> positional table of strings (one row per record)."""
    encoding, payload = E.detect_encoding(name, data)
    notes: list[str] = []
    head, encoding = _head_text(name, payload, encoding, notes)
    head = head.lstrip("\ufeff")
    E.reject_binary_text(name, head)
    cr_only = "\r" in head and "\n" not in head
    if cr_only:
        head = head.replace("\r", "\n")
    if len(payload) > E.HEAD_BYTES and "\n" in head:
        head = head[: head.rfind("\n") + 1]

    score, delim, header_guess = _sniff(head, extra_headers)
    try:
        sample = list(_limited(csv.reader(io.StringIO(head), delimiter=delim), 5000))
    except csv.Error:
        sample = []
    n_cols = max((len(r) for r in sample[header_guess:]), default=1) or 1
    L.check_columns(name, n_cols, L.current_limits())

    headers = sample[header_guess] if header_guess < len(sample) else []
    utf8 = E.to_utf8(name, payload, encoding, delim, headers)
    if cr_only:
        utf8 = utf8.replace(b"\r", b"\n")
        notes.append(note("cr_only", "the lines end in CR only (old Mac style); read as ordinary line ends"))
    utf8 = _drop_control_bytes(utf8, notes)
    frame, offset = None, 0
    if score > 0:
        with _quiet_arrow_row_errors():
            frame = _arrow_read(utf8, delim, n_cols, header_guess)
        offset = header_guess
    if frame is None:
        try:
            frame, offset = _pandas_read_checked(name, utf8, delim, n_cols, headers), 0
        except InputError as exc:
            # A quote opened and never closed before the end: re-read line by line, or refuse.
            repaired = _reread_lines(utf8, delim, max(len(headers), 1)) if exc.code == "unsplittable" else None
            if repaired is None:
                raise
            return RawTable(cells=repaired[0], encoding=encoding, row_offset=0,
                            notes=notes + repaired[1], row_flags={"text:stray_quote": repaired[2]})
    table = RawTable(cells=frame, encoding=encoding, row_offset=offset, notes=notes)
    # Without a quote in the file no cell can hold a line break: nothing can be glued.
    if b'"' in utf8 and _looks_glued(frame, delim, len(headers)):
        repaired = _reread_lines(utf8, delim, max(len(headers), 1))
        if repaired is not None:
            return RawTable(cells=repaired[0], encoding=encoding, row_offset=0,
                            notes=notes + repaired[1], row_flags={"text:stray_quote": repaired[2]})
    return table


def _head_text(name: str, payload: bytes, encoding: str, notes: list[str]) -> tuple[str, str]:
    """The decoded head, and the encoding (a BOM in front of GBK text, or GBK after 256 KB of ASCII)."""
    try:
        head = E.decode_head(payload, "utf-16" if encoding == "utf-16" else encoding)
    except UnicodeDecodeError:
        head = None
        if encoding == "utf-8-sig":
            # Some tools put a UTF-8 BOM in front of GBK text: trust the bytes, not the BOM.
            try:
                head = E.decode_head(payload, "gb18030")
                encoding = "gb18030"
                notes.append(note("bom_gbk", "the file starts with a UTF-8 marker (BOM) but its text is "
                                  "GB18030/GBK; read as GB18030"))
            except UnicodeDecodeError:
                pass
        if head is None:
            raise InputError(f"the text looks like {encoding} but does not decode as it",
                             file=name, hint="save the file again as UTF-8 CSV or as .xlsx",
                             code="undecodable_as", params={"encoding": encoding}) from None
    if encoding == "utf-8" and len(payload) > E.HEAD_BYTES and head.isascii() and not payload.isascii():
        # The head cannot tell UTF-8 from GB18030: look at the first non-ASCII bytes.
        # If the first line with non-ASCII bytes is not UTF-8, the file is GB18030.
        bad = E.first_bad_utf8(payload)
        first = re.search(rb"[\x80-\xff]", payload)
        if bad is not None and first is not None and b"\n" not in payload[first.start(): bad]:
            encoding = "gb18030"
    return head, encoding


def _sniff(head: str, extra_headers: Any) -> tuple[int, str, int]:
    """(header score, delimiter, header row guess) that name the most known columns."""
    known = P.all_known_headers(extra_headers)
    best: tuple[tuple[int, int], str, int] = ((-1, -1), ",", 0)
    for delim in E.DELIMITERS:
        try:
            records = list(_limited(csv.reader(io.StringIO(head), delimiter=delim), HEADER_SCAN_ROWS))
        except csv.Error:
            continue
        for idx, record in enumerate(records):
            key = (header_score(record, known), len(record))
            if key > best[0]:
                best = (key, delim, idx)
    (score, width), delim, header_guess = best
    if width <= 1:
        delim = E.SINGLE_COLUMN  # commas inside the buyer's text are not separators
    return score, delim, header_guess


def _has_control_bytes(utf8: bytes) -> bool:
    """Whether any C0 control byte other than tab/CR/LF, or DEL, occurs (a few fast passes, no regex).

    Counting bytes below 0x20 with numpy and comparing with the tabs and
    line ends takes a tenth of the time a regex search over the file did.
    """
    import numpy as np

    if utf8.find(b"\x7f") >= 0:
        return True
    view = np.frombuffer(utf8, dtype=np.uint8)
    for start in range(0, len(view), 1 << 24):
        piece = view[start: start + (1 << 24)]
        low = np.count_nonzero(piece < 0x20)
        if low and low != sum(int(np.count_nonzero(piece == b)) for b in (0x09, 0x0A, 0x0D)):
            return True
    return False


def _drop_control_bytes(utf8: bytes, notes: list[str]) -> bytes:
    """Remove C0 control characters (not tab/CR/LF) and say how many and where the first was."""
    if not _has_control_bytes(utf8):
        return utf8
    first = _CONTROL_BYTES.search(utf8)
    if first is None:
        return utf8
    line = utf8.count(b"\n", 0, first.start()) + 1
    cleaned, count = _CONTROL_BYTES.subn(b"", utf8)
    notes.append(note("control_chars", f"{count} control character(s) (invisible bytes such as NUL) removed "
                      f"from the text; the first was on line {line}", count=count, line=line))
    return cleaned


# ---------------------------------------------------------------------------
# Quote damage
# ---------------------------------------------------------------------------
def _looks_glued(frame: pd.DataFrame, delim: str, width: int) -> bool:
    """True when some cell holds a line break followed by a whole record's worth of delimiters."""
    if width < 2 or delim == E.SINGLE_COLUMN or not len(frame):
        return False
    for j in frame.columns:
        column = frame[j]
        has_break = column.str.contains("\n", regex=False).fillna(False).to_numpy(dtype=bool)
        if not has_break.any():
            continue
        after = column[has_break].str.split("\n", n=1).str[1]
        if (after.str.count(re.escape(delim)) >= width - 1).any():
            return True
    return False


def _reread_lines(utf8: bytes, delim: str, width: int) -> tuple[pd.DataFrame, list[str], list[int]] | None:
    """Records rebuilt from physical lines; None when no quote turned out to be stray."""
    text = utf8.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    records: list[list[str]] = []
    stray: list[int] = []  # record positions
    stray_lines: list[int] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i].rstrip("\r")
        if line.count('"') % 2 == 0:
            records.append(_split(line, delim))
            i += 1
            continue
        end = _closing_line(lines, i, delim, width)
        if end is not None:
            joined = "\n".join(x.rstrip("\r") for x in lines[i:end + 1])
            records.append(_split(joined, delim))
            i = end + 1
            continue
        stray.append(len(records))
        stray_lines.append(i + 1)
        records.append(_literal(line, delim, width))
        i += 1
    if not stray:
        return None
    cols = max(len(r) for r in records)
    cells = pd.DataFrame([r + [""] * (cols - len(r)) for r in records], dtype=str)
    cells = cells.astype(STR_DTYPE)
    shown = ", ".join(str(x) for x in stray_lines[:3]) + (" …" if len(stray_lines) > 3 else "")
    notes = [note("stray_quotes", f"{len(stray_lines)} line(s) hold a quote (\") that is never closed "
                  f"(line {shown}); the quote was read as a character so the lines after it stay separate "
                  "rows — check those rows' text", count=len(stray_lines), lines=shown)]
    return cells, notes, stray


def _closing_line(lines: list[str], i: int, delim: str, width: int) -> int | None:
    """The line that closes the quote opened on line i, unless a complete record comes first."""
    for j in range(i + 1, min(len(lines), i + _MAX_JOIN)):
        line = lines[j].rstrip("\r")
        if line.count('"') % 2 == 1:
            joined = "\n".join(x.rstrip("\r") for x in lines[i:j + 1])
            return j if len(_split(joined, delim)) <= width else None
        if len(_split(line, delim)) >= width:
            return None  # a whole record: the quote on line i was never meant to span lines
    return None


def _split(text: str, delim: str) -> list[str]:
    try:
        return next(csv.reader([text], delimiter=delim, strict=False), [""])
    except csv.Error:
        return text.split(delim)


def _literal(line: str, delim: str, width: int) -> list[str]:
    """A line with a stray quote split with quotes as plain characters (or as CSV if that fits better)."""
    try:
        plain = next(csv.reader([line], delimiter=delim, quoting=csv.QUOTE_NONE), [""])
    except csv.Error:  # a lone CR inside the line
        plain = line.split(delim)
    plain = [c[1:-1].replace('""', '"') if len(c) >= 2 and c[0] == c[-1] == '"' else c for c in plain]
    if len(plain) == width:
        return plain
    quoted = _split(line, delim)
    return quoted if abs(len(quoted) - width) < abs(len(plain) - width) else plain


# ---------------------------------------------------------------------------
# Parsers
# ---------------------------------------------------------------------------
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
    frame = table.to_pandas(
        types_mapper=lambda t: STR_DTYPE if pa.types.is_large_string(t) or pa.types.is_string(t) else None)
    frame.columns = range(n_cols)
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
                column_types={n: pa.large_string() for n in names},  # what pandas keeps: no cast
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
        raise E.not_utf8_error(name, utf8, delim, headers) from None
    try:
        text = utf8.decode("utf-8", errors="replace")
        n_cols = max((len(r) for r in csv.reader(io.StringIO(text), delimiter=delim)), default=1)
        del text
        L.check_columns(name, n_cols, L.current_limits())
        return _pandas_read(utf8, delim, n_cols)
    except UnicodeDecodeError:
        raise E.not_utf8_error(name, utf8, delim, headers) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        detail = str(exc).splitlines()[0][:200]
        raise InputError(
            f"the text cannot be split into columns ({detail})",
            file=name,
            hint="check the quotes in the file, or save it again as .xlsx",
            code="unsplittable", params={"detail": detail},
        ) from None


def _pandas_read(utf8: bytes, delim: str, n_cols: int) -> pd.DataFrame:
    """Slower, tolerant read: short rows padded, blank lines kept (so row numbers stay true)."""
    return pd.read_csv(
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


def _limited(iterator: Any, n: int) -> Any:
    for i, item in enumerate(iterator):
        if i >= n:
            return
        yield item
