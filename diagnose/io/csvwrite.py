"""CSV and Parquet writing in Arrow: every column formatted at once, no Python call per cell.

Why not ``DataFrame.to_csv``: on a million-row tagged table it took longer
than reading, cleaning and classifying together, and it needed a deep copy
of the table to neutralise formulas first. Here each column becomes the
text the file shows with `pyarrow.compute` — the formula guard, the CSV
quoting, numbers, dates and bools — and the columns of a batch of rows are
joined into lines in one kernel call, so the cost is a few passes over the
bytes.

The bytes are the ones pandas' writer produced (``to_csv(index=False,
lineterminator="\\r\\n")`` after `export.safe_frame`): the same minimal
quoting (a cell is quoted when it holds a comma, a quote, CR or LF), floats
written as Python writes them, ``TRUE``/``FALSE`` for bools, empty cells for
missing values. Keeping them byte-for-byte means `batch.chunked`, which
writes slices through here, stays identical to one pass, and files written
before and after this change compare equal.
"""
from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any, Callable

import numpy as np
import pandas as pd

# Characters Python's ``str.isspace`` (and so ``str.lstrip``, which
# `export.safe_cell` uses) treats as blanks; tests check the list is complete.
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
                 + "\u2028\u2029\u202f\u205f\u3000")
_WS = "".join(f"\\x{{{ord(c):x}}}" for c in PY_WHITESPACE)
# `export.safe_cell`'s rule as one RE2 pattern: a tab/CR/LF first, or = + - @ after any blanks.
RISKY = rf"^(?:[\t\r\n]|[{_WS}]*[=+\-@])"
_NEEDS_QUOTES = '[,"\r\n]'
BATCH_ROWS = 131_072
# Rows formatted at once by `write_csv`: a slice's formatted columns, not the
# whole table's (about the size of the file), are what it holds in memory.
SLICE_ROWS = 262_144
# What a column's text still needs (see `column_text`).
TEXT, OTHER, PLAIN = "text", "other", "plain"
EOL = "\r\n"


def _pa():
    import pyarrow as pa
    import pyarrow.compute as pc

    return pa, pc


def _s(text: str) -> Any:
    """A large_string scalar (Arrow's string kernels want one string type throughout)."""
    pa, _pc = _pa()
    return pa.scalar(text, pa.large_string())


def guard(arr: Any, textual: Any = None) -> Any:
    """`export.safe_cell` over an Arrow string array: a leading apostrophe where a spreadsheet sees a formula.

    ``textual`` (a boolean array) limits it to cells that were strings in the
    table (an object column's numbers are written as they are).
    """
    pa, pc = _pa()
    risky = pc.fill_null(pc.match_substring_regex(arr, RISKY), False)
    if textual is not None:
        risky = pc.and_(risky, textual)
    if not pc.any(risky).as_py():
        return arr
    return pc.if_else(risky, pc.binary_join_element_wise(pa.scalar("'", arr.type), arr, pa.scalar("", arr.type)),
                      arr)


def quote(arr: Any, single_column: bool = False) -> Any:
    """CSV quoting as Python's csv writer does it (QUOTE_MINIMAL, CRLF line ends); nulls become empty."""
    pa, pc = _pa()
    arr = pc.fill_null(arr.cast(pa.large_string()), "")
    need = pc.match_substring_regex(arr, _NEEDS_QUOTES)
    if single_column:  # a record of one empty field is written as "" (else it would be a blank line)
        need = pc.or_(need, pc.equal(arr, ""))
    if not pc.any(need).as_py():
        return arr
    q = _s('"')

    def one(values: Any, mask: Any) -> Any:
        picked = pc.filter(values, mask)
        quoted = pc.binary_join_element_wise(q, pc.replace_substring(picked, '"', '""'), q, _s(""))
        return pc.replace_with_mask(values, mask, quoted)

    if isinstance(arr, pa.ChunkedArray):
        need = need.combine_chunks()
        pieces, start = [], 0
        for chunk in arr.chunks:
            pieces.append(one(chunk, need.slice(start, len(chunk))))
            start += len(chunk)
        return pa.chunked_array(pieces, arr.type)
    return one(arr, need)


def float_text(values: np.ndarray) -> Any:
    """Floats as pandas writes them (numpy's ``astype(str)``: ``1.0``, ``59.9``, ``1e-05``); NaN empty.

    Each distinct value is formatted once (amounts and rounded confidences
    repeat a lot). Arrow's cast gives the same shortest digits but writes
    ``1`` for 1.0 and switches to exponents elsewhere; those few take numpy's text.
    """
    pa, pc = _pa()
    values = np.asarray(values, dtype="float64")
    codes, uniques = pd.factorize(values)  # -0.0 and 0.0 are one value to it: see the end
    uniques = np.asarray(uniques, dtype="float64")
    text = pc.cast(pa.array(uniques), pa.large_string())
    absolute = np.abs(uniques)
    odd = np.isinf(uniques) | (absolute >= 1e15) | ((absolute < 1e-4) & (uniques != 0))
    odd |= np.asarray(pc.match_substring(text, "e"))
    whole = pc.invert(pc.match_substring_regex(text, "[.a-z]"))
    text = pc.if_else(whole, pc.binary_join_element_wise(text, _s(".0"), _s("")), text)
    if odd.any():
        numpy_text = np.full(len(uniques), None, dtype=object)
        numpy_text[odd] = uniques[odd].astype(str)
        text = pc.if_else(pa.array(odd), pa.array(numpy_text, pa.large_string()), text)
    text = text.take(pa.array(codes, mask=codes < 0))
    negative_zero = (values == 0) & np.signbit(values)
    if negative_zero.any():
        text = pc.if_else(pa.array(negative_zero), _s("-0.0"), text)
    return text


@functools.lru_cache(maxsize=1)
def _times_of_day() -> Any:
    """``00:00:00`` … ``23:59:59``: every time of day a second-resolution stamp can show."""
    pa, _pc = _pa()
    return pa.array([f"{h:02d}:{m:02d}:{x:02d}" for h in range(24) for m in range(60) for x in range(60)],
                    pa.large_string())


def _datetimes(s: pd.Series, date_only: bool) -> Any:
    """``2024-05-01 13:45:10`` (or ``2024-05-01``) per value, as ``dt.strftime`` wrote it.

    Why not `pc.strftime` or per-value formatting: both took over a second
    per million values. A column of stamps holds few distinct days and at
    most 86,400 times of day, so each is formatted once and taken by index.
    """
    pa, pc = _pa()
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    stamps = s.to_numpy(dtype="datetime64[s]")  # whole seconds, as strftime's %S shows them
    missing = np.isnat(stamps)
    seconds = stamps.view("int64").copy()
    seconds[missing] = 0
    days, time_of_day = np.divmod(seconds, 86400)
    codes, uniques = pd.factorize(days)
    day_text = pa.array(np.datetime_as_string(uniques.astype("datetime64[D]"), unit="D"), pa.large_string())
    text = day_text.take(pa.array(codes))
    if not date_only:
        text = pc.binary_join_element_wise(text, _times_of_day().take(pa.array(time_of_day)), _s(" "))
    if missing.any():
        text = pc.if_else(pa.array(missing), pa.scalar(None, pa.large_string()), text)
    return text


def _is_date_only(s: pd.Series) -> bool:
    values = s.dropna()
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return len(values) > 0 and bool((values == values.dt.normalize()).all())


def _bools(arr: Any) -> Any:
    pa, pc = _pa()
    return pc.if_else(arr.cast(pa.bool_()), pa.scalar("TRUE", pa.large_string()), pa.scalar("FALSE", pa.large_string()))


def _whole(arr: Any) -> Any:
    pa, _pc = _pa()
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _cell_text(value: Any, sep: str) -> tuple[str | None, bool]:
    """(text, whether the guard applies) of one object cell, as `export._prepare` + pandas wrote it."""
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return sep.join(str(v) for v in value), True
    if isinstance(value, str):
        return value, True
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None, False
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)), False
    return str(value), False


def object_text(values: np.ndarray, sep: str) -> tuple[Any, Any]:
    """An object column (strings, lists of words, odd values) as (Arrow text, textual mask).

    Strings and missing values convert in C; otherwise each distinct object
    is converted once — the tagged table's evidence lists are shared between
    every row of one (text, reason) pair, so there are few.
    """
    pa, pc = _pa()
    try:
        arr = pa.array(values, pa.large_string(), from_pandas=True)
        return arr, None
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        pass
    ids = np.fromiter(map(id, values), dtype=np.uint64, count=len(values))
    codes, uniques = pd.factorize(ids)
    if len(uniques) < len(values):  # the same object (an evidence list) in many rows: convert it once
        distinct = values[_first_positions(codes, len(uniques))]
        text, textual = object_text(distinct, sep)
        take = pa.array(codes)
        return text.take(take), (textual.take(take) if textual is not None else None)
    try:  # lists of strings (evidence words), missing values among them
        # (Arrow would take a string among them for a list of its characters)
        if not any(isinstance(v, str) for v in values.tolist()):
            lists = pa.array(values, pa.large_list(pa.large_string()), from_pandas=True)
            if not lists.flatten().null_count:  # a None word would be "None" in Python's join
                return pc.binary_join(lists, _s(sep)), None
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        pass
    converted = [_cell_text(v, sep) for v in values.tolist()]
    texts = pa.array([t for t, _ in converted], pa.large_string())
    return texts, pa.array([g for _, g in converted], pa.bool_())


def _first_positions(codes: np.ndarray, n_uniques: int) -> np.ndarray:
    """Where each code first occurs."""
    first = np.empty(n_uniques, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return first


def _bool_like_object(values: np.ndarray) -> bool:
    present = [v for v in values if v is not None and not (isinstance(v, float) and v != v) and v is not pd.NA]
    return len(present) > 0 and all(isinstance(v, (bool, np.bool_)) for v in present)


def column_text(s: pd.Series, sep: str, date_only: bool | None = None) -> tuple[Any, Any, str]:
    """(Arrow text with nulls, textual mask or None, kind) of one column, whole.

    The kind says what the text still needs: `TEXT` the formula guard and
    quoting, `OTHER` quoting only, `PLAIN` (numbers, bools, dates) neither.
    """
    pa, pc = _pa()
    dtype = s.dtype
    if isinstance(dtype, pd.ArrowDtype):
        t = dtype.pyarrow_dtype
        arr = s.array.__arrow_array__()
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return pc.binary_join(arr.cast(pa.large_list(pa.large_string())), _s(sep)), None, TEXT
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return arr.cast(pa.large_string()), None, TEXT
        if pa.types.is_boolean(t):
            return _bools(arr), None, PLAIN
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            s = pd.Series(s.to_numpy(dtype="datetime64[us]", na_value=np.datetime64("NaT")))
            dtype = s.dtype
        elif pa.types.is_floating(t):
            return float_text(s.to_numpy(dtype="float64", na_value=np.nan)), None, PLAIN
        else:
            return pc.cast(arr, pa.large_string()), None, OTHER
    if pd.api.types.is_datetime64_any_dtype(dtype):
        only = _is_date_only(s) if date_only is None else date_only
        return _datetimes(s, only), None, PLAIN
    if pd.api.types.is_bool_dtype(dtype):
        return _bools(pa.array(s, from_pandas=True)), None, PLAIN
    if isinstance(dtype, pd.StringDtype) or (pd.api.types.is_string_dtype(dtype) and dtype != object):
        arr = s.array.__arrow_array__() if hasattr(s.array, "__arrow_array__") else pa.array(s.array, from_pandas=True)
        return arr.cast(pa.large_string()), None, TEXT
    if pd.api.types.is_float_dtype(dtype):
        return float_text(s.to_numpy(dtype="float64", na_value=np.nan)), None, PLAIN
    if pd.api.types.is_integer_dtype(dtype):
        return pc.cast(pa.array(s, from_pandas=True), pa.large_string()), None, PLAIN
    if isinstance(dtype, (pd.PeriodDtype, pd.IntervalDtype)) or pd.api.types.is_timedelta64_dtype(dtype):
        return pa.array(s.astype(str).where(s.notna(), None).to_numpy(dtype=object), pa.large_string(),
                        from_pandas=True), None, OTHER
    values = s.to_numpy(dtype=object)
    if dtype == object and _bool_like_object(values):
        return _bools(pa.array(values, pa.bool_(), from_pandas=True)), None, PLAIN
    text, textual = object_text(values, sep)
    return text, textual, TEXT


def csv_columns(df: pd.DataFrame, separators: dict, date_only: dict | None = None) -> list[Any]:
    """Every column's final CSV text (guarded, quoted), whole-length Arrow arrays.

    Columns are formatted on a few threads: Arrow's kernels release the
    GIL, so on two cores two columns are formatted at once.
    """
    single = df.shape[1] == 1
    work = [(df.iloc[:, i], separators.get(str(col), "\n"), (date_only or {}).get(str(col)))
            for i, col in enumerate(df.columns)]

    def one(job: tuple) -> Any:
        return _csv_column(*job, single=single)

    if len(df) < 50_000 or len(work) < 2:
        return [one(job) for job in work]
    with ThreadPoolExecutor(max_workers=_threads()) as pool:
        return list(pool.map(one, work))


def _threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _csv_column(s: pd.Series, sep: str, date_only: bool | None, *, single: bool) -> Any:
    _pa_, pc = _pa()
    text, textual, kind = column_text(s, sep, date_only)
    if kind == PLAIN and not single:
        return pc.fill_null(text, "")
    if kind == TEXT and textual is None and _repetitive(text):
        # Few distinct values (status, shop, reason …): guard and quote each once.
        distinct = pc.unique(text)
        values = quote(guard(distinct), single)  # a null among them becomes ""
        return values.take(pc.index_in(text, distinct, skip_nulls=False))
    return quote(guard(text, textual) if kind == TEXT else text, single)


def _repetitive(arr: Any, sample: int = 20_000) -> bool:
    """True when a column's head holds few distinct values (so the column likely does too)."""
    _pa_, pc = _pa()
    if len(arr) < 4 * sample:
        return False
    return pc.count_distinct(arr.slice(0, sample)).as_py() * 8 < sample


def header_line(names: list[str]) -> bytes:
    """The header record (names already guarded)."""
    pa, _pc = _pa()
    cells = quote(pa.array(names, pa.large_string()), len(names) == 1).to_pylist()
    return (",".join(cells) + EOL).encode("utf-8")


def _value_bytes(arr: Any) -> memoryview:
    """The concatenated values of a large_string array (its data buffer between the first and last offset)."""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    if data is None or len(arr) == 0:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]): int(offsets[-1])]


def write_rows(columns: list[Any], n_rows: int, write: Callable[[Any], Any], batch_rows: int = BATCH_ROWS) -> None:
    """Join formatted columns into CRLF lines, a batch of rows at a time, and hand each batch's bytes on.

    Batches are joined on a few threads (at most two per thread ahead of
    the one being written), so memory holds a few batches, never the file.
    """
    pa, pc = _pa()
    sep = _s(",")
    eol = _s(EOL)
    empty = _s("")

    def lines(start: int) -> list[Any]:
        parts = [c.slice(start, batch_rows) for c in columns]
        parts[-1] = pc.binary_join_element_wise(parts[-1], eol, empty)
        joined = pc.binary_join_element_wise(*parts, sep) if len(parts) > 1 else parts[0]
        return joined.chunks if isinstance(joined, pa.ChunkedArray) else [joined]

    starts = list(range(0, n_rows, batch_rows))
    if len(starts) < 2:
        for start in starts:
            for chunk in lines(start):
                write(_value_bytes(chunk))
        return
    threads = _threads()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        pending = [pool.submit(lines, st) for st in starts[: 2 * threads]]
        following = iter(starts[2 * threads:])
        while pending:
            chunks = pending.pop(0).result()
            nxt = next(following, None)
            if nxt is not None:
                pending.append(pool.submit(lines, nxt))
            for chunk in chunks:
                write(_value_bytes(chunk))


def write_csv(df: pd.DataFrame, out: IO[bytes], names: list[str], separators: dict,
              date_only: dict | None = None, slice_rows: int = SLICE_ROWS) -> None:
    """The table as UTF-8-with-BOM CSV into `out` (a binary file); `names` are the guarded headers.

    Formatted `slice_rows` rows at a time. The two choices that read a
    whole column (datetimes written as dates when all are at midnight; an
    object column of bools written as TRUE/FALSE) are made on the whole
    table first, so the bytes are the same whatever the slice size.
    """
    out.write(b"\xef\xbb\xbf" + header_line(names))
    if not len(df) or not df.shape[1]:
        return
    if len(df) > slice_rows:
        date_only, df = _whole_column_choices(df, dict(date_only or {}))
    for start in range(0, len(df), max(1, slice_rows)):
        part = df.iloc[start:start + max(1, slice_rows)]
        write_rows(csv_columns(part, separators, date_only), len(part), out.write)


def _whole_column_choices(df: pd.DataFrame, date_only: dict) -> tuple[dict, pd.DataFrame]:
    """(date_only with every datetime column decided, the table with its bool-like
    object columns as pandas booleans and other object columns kept off the bool path)."""
    columns = {}
    for i, col in enumerate(df.columns):
        s = df.iloc[:, i]
        dtype = s.dtype
        if isinstance(dtype, pd.ArrowDtype):
            pa, _pc = _pa()
            t = dtype.pyarrow_dtype
            if (pa.types.is_timestamp(t) or pa.types.is_date(t)) and str(col) not in date_only:
                as_numpy = pd.Series(s.to_numpy(dtype="datetime64[us]", na_value=np.datetime64("NaT")))
                date_only[str(col)] = _is_date_only(as_numpy)
        elif pd.api.types.is_datetime64_any_dtype(dtype) and str(col) not in date_only:
            date_only[str(col)] = _is_date_only(s)
        elif dtype == object:
            values = s.to_numpy(dtype=object)
            if _bool_like_object(values):
                columns[i] = s.astype("boolean")
            elif _any_bool(values):
                columns[i] = s.map(_bool_as_text)  # as `_cell_text` writes a bool among other values
    if columns:
        df = df.copy(deep=False)
        for i, s in columns.items():
            df.isetitem(i, s)
    return date_only, df


def _any_bool(values: np.ndarray) -> bool:
    return any(isinstance(v, (bool, np.bool_)) for v in values)


def _bool_as_text(value: Any) -> Any:
    return str(bool(value)) if isinstance(value, (bool, np.bool_)) else value


def arrow_table(df: pd.DataFrame, names: list[str]) -> Any:
    """The table for Parquet: values as they are (lists stay lists); odd object columns as text."""
    pa, _pc = _pa()
    arrays, fields = [], []
    for i, name in enumerate(names):
        s = df.iloc[:, i]
        try:
            arr = pa.array(s, from_pandas=True) if s.dtype == object else pa.Array.from_pandas(s)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            arr, _textual = object_text(s.to_numpy(dtype=object), "\n")
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        arrays.append(arr)
        fields.append(pa.field(name, arr.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))
