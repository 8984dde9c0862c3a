"""Field parsing, column-wide and vectorised: cleaning cells, amounts, dates, row flags.

Every cell arrives as a string. `clean` removes export artefacts
(surrounding blanks and tabs, ``="…"`` wrappers, a leading apostrophe before
an ID, placeholders such as ``-``); `parse_numbers` and `parse_dates` turn a
column into values plus a mask of cells that could not be read, so the row
is kept and the problem flagged (`flag`, `join_flags` → ``row_issues``).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from diagnose.io import profiles as P
from diagnose.io.notes import note

NA_TOKENS = ["", "-", "--", "—", "null", "NULL", "N/A", "n/a", "#N/A"]
DATETIME_DTYPE = "datetime64[us]"
MAX_EXAMPLES = 3  # per problem kind, in FileReport.issues


STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default `str` dtype


def na_str(n: int) -> pd.Series:
    """A column of n missing strings (Arrow-backed, built without a Python list)."""
    import pyarrow as pa

    return from_arrow(pa.nulls(n, pa.large_string()))


def repeat_str(value: str, n: int) -> pd.Series:
    """A column holding one string n times (platform, source file …), built in Arrow."""
    import pyarrow as pa

    return from_arrow(pa.repeat(pa.scalar(value, pa.large_string()), n))


def from_arrow(arr) -> pd.Series:
    """An Arrow string array as a `str` column, without a copy of the text."""
    return pd.Series(pd.array(arr, dtype=STR_DTYPE))


def to_arrow(series: pd.Series):
    """A string column's Arrow data (no copy when it is Arrow-backed already)."""
    import pyarrow as pa

    if series.dtype == STR_DTYPE:
        return series.array.__arrow_array__()
    return pa.array(series.to_numpy(dtype=object, na_value=None), pa.large_string())
_TRIM_CHARS = " \t\r\n\u3000\ufeff\xa0"


def clean(series: pd.Series) -> pd.Series:
    """Strip export artefacts from a column of strings; placeholders become missing.

    Runs in pyarrow compute (a 1M-row column takes milliseconds).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if series.dtype == STR_DTYPE:
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
    placeholder = pc.is_in(arr, value_set=pa.array(NA_TOKENS, arr.type))
    if pc.any(placeholder).as_py():
        arr = pc.if_else(placeholder, pa.scalar(None, arr.type), arr)
    return pd.Series(pd.array(arr, dtype=STR_DTYPE))


def map_unique(series: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """Apply a Python function once per distinct value (missing values stay missing)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = to_arrow(series)
    distinct = pc.drop_null(pc.unique(arr))
    if isinstance(distinct, pa.ChunkedArray):
        distinct = distinct.combine_chunks()
    mapped = pa.array([func(v) for v in distinct.to_pylist()], pa.large_string())
    return from_arrow(mapped.take(pc.index_in(arr, distinct)))


_MONEY_JUNK = r"[¥$€£, \t]|元|人民币|RMB|rmb|CNY|cny|USD|usd|件|个|pcs|PCS"


def parse_numbers(series: pd.Series, decimal_comma: bool = False) -> tuple[pd.Series, pd.Series]:
    """Amount/quantity text -> finite float; returns (values, unparseable-mask).

    ``inf``, ``nan`` and numbers beyond float range (``1e999``) are not
    amounts: they are flagged like any unreadable cell, so no report shows
    a refunded total of ``inf``.
    """
    codes, uniques = pd.factorize(series)
    u = pd.Series(uniques, dtype=str).str.normalize("NFKC")
    if decimal_comma:
        u = u.str.replace(r"[. \u202f\u2009']", "", regex=True).str.replace(",", ".", regex=False)
    t = u.str.replace(_MONEY_JUNK, "", regex=True)
    t = t.str.replace(r"^[(](.*)[)]$", r"-\1", regex=True)
    num = pd.to_numeric(t, errors="coerce").astype("float64").to_numpy()
    num = np.where(np.isfinite(num), num, np.nan)
    num = np.append(num, np.nan)
    values = pd.Series(num[codes], dtype="float64")
    bad = values.isna() & series.notna().to_numpy()
    return values, bad.reset_index(drop=True)


_DECIMAL_COMMA = r"-?[0-9]{1,3}(?:[. \u202f\u2009'][0-9]{3})*,[0-9]{1,2}|-?[0-9]+,[0-9]{1,2}"
_DECIMAL_POINT = r"-?[0-9]{1,3}(?:,[0-9]{3})+[.][0-9]*|-?[0-9]*[.][0-9]{1,2}"


def uses_decimal_comma(series: pd.Series) -> bool:
    """True when a column writes decimals with a comma (``59,90``, ``1.234,56``, ``1 234,50``).

    Decided per file, on the column's distinct values: some value must end
    in a comma and one or two digits (which a thousands separator never
    does) and none may use a decimal point unambiguously (``12.50``,
    ``1,299.00``).
    """
    values = pd.Series(series.dropna().unique(), dtype=str).str.normalize("NFKC")
    values = values.str.replace(r"[¥$€£\t]|元|人民币|RMB|rmb|CNY|cny|EUR|eur|USD|usd", "", regex=True).str.strip()
    comma = values.str.fullmatch(_DECIMAL_COMMA).fillna(False)
    if not comma.any():
        return False
    return not values.str.fullmatch(_DECIMAL_POINT).fillna(False).any()


def parse_amounts(series: pd.Series) -> tuple[pd.Series, pd.Series, bool]:
    """An amount column -> (values, unparseable-mask, whether it used decimal commas)."""
    comma = uses_decimal_comma(series)
    values, bad = parse_numbers(series, decimal_comma=comma)
    return values, bad, comma


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


def parse_dates(series: pd.Series, profile: P.Profile) -> tuple[pd.Series, pd.Series]:
    """Date text -> naive datetime64; returns (values, unparseable-mask).

    The common export format is tried on the whole column first; only what is
    left goes through normalisation (年月日, slashes, ISO ``T`` and time
    zones, epoch numbers, Excel serials) and the other formats.
    """
    s = series.reset_index(drop=True)
    present = s.notna().to_numpy()
    values = pd.Series(pd.NaT, index=range(len(s)), dtype=DATETIME_DTYPE)
    todo = present.copy()
    if not todo.any():
        return values, pd.Series(np.zeros(len(s), dtype=bool))

    def attempt(texts: pd.Series, positions: np.ndarray, fmt: str) -> None:
        parsed = pd.to_datetime(texts, format=fmt, errors="coerce")
        ok = parsed.notna().to_numpy()
        if ok.any():
            values.iloc[positions[ok]] = parsed[ok].to_numpy().astype(DATETIME_DTYPE)
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
                    values.iloc[where[mask]] = stamps.to_numpy().astype(DATETIME_DTYPE)
                    todo[where[mask]] = False
            serial = (num >= 20000) & (num < 80000) & (digits <= 5)
            if serial.any():
                stamps = pd.Timestamp("1899-12-30") + pd.to_timedelta(num[serial], unit="D")
                values.iloc[where[serial]] = stamps.round("s").to_numpy().astype(DATETIME_DTYPE)
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
    return values.astype(DATETIME_DTYPE), bad


def flag(
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
        examples.append(note("unreadable_cell", f"row {rows[pos]}: {column} ({header}) '{values.iloc[pos]}' {what}",
                             row=rows[pos], column=column, header=header, value=str(values.iloc[pos])))
    if count > MAX_EXAMPLES:
        examples.append(note(
            "unreadable_more",
            f"… {count - MAX_EXAMPLES} more row(s) with an unreadable {column}; see the row_issues column",
            count=count - MAX_EXAMPLES, column=column))


def join_flags(flags: list[tuple[str, np.ndarray]], n: int) -> pd.Series:
    """``row_issues``: each row's tags joined with ``;`` in the order they were raised ("" when none)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    joined = pa.repeat(pa.scalar("", pa.large_string()), n)
    for tag, mask in flags:
        extended = pc.if_else(pc.equal(joined, ""), pa.scalar(tag, pa.large_string()),
                              pc.binary_join_element_wise(joined, pa.scalar(tag, pa.large_string()),
                                                          pa.scalar(";", pa.large_string())))
        joined = pc.if_else(pa.array(np.asarray(mask, dtype=bool)), extended, joined)
    return from_arrow(joined)
