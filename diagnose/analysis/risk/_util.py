"""Vectorised helpers shared by the risk signals: column access, formatting, joining.

Everything here works on whole columns (numpy object arrays, pandas/Arrow
strings): evidence strings are built only for the rows where a signal fired.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _col(df: pd.DataFrame, name: str) -> pd.Series | None:
    """The column if it exists and holds at least one value, else None."""
    if name not in df.columns:
        return None
    s = df[name]
    present = s.notna().to_numpy()
    if not present.any():
        return None
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        vals = s[present].astype("str")
        if not ((vals != "") & (vals != "-")).any():
            return None
    return s


def _text(s: pd.Series | None, n: int) -> pd.Series:
    if s is None:
        return pd.Series([""] * n, dtype="str")
    out = s.astype("str").fillna("").reset_index(drop=True)
    return out.where(~out.isin(["nan", "<NA>", "None", "-"]), "")


def _dt(s: pd.Series | None) -> pd.Series | None:
    if s is None:
        return None
    out = pd.to_datetime(s, errors="coerce", format="mixed") if not pd.api.types.is_datetime64_any_dtype(s) else s
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert(None)
    out = out.reset_index(drop=True)
    return out if out.notna().any() else None


def _num(s: pd.Series | None) -> pd.Series | None:
    if s is None:
        return None
    out = pd.to_numeric(s, errors="coerce").reset_index(drop=True).astype("float64")
    return out if out.notna().any() else None


def _o(values) -> np.ndarray:
    """Any string column/array as a numpy object array (positional, no index)."""
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy(dtype=object, na_value="")
    arr = np.asarray(values, dtype=object)
    return arr


def _format_unique(values, fmt) -> np.ndarray:
    """Format numbers once per distinct value and gather back (object array of str)."""
    arr = np.asarray(values, dtype="float64")
    if not len(arr):
        return np.array([], dtype=object)
    uniq, inv = np.unique(arr, return_inverse=True)
    table = np.array([fmt(v) if v == v else "?" for v in uniq], dtype=object)
    return table[inv.reshape(-1)]


def _yuan(values) -> np.ndarray:
    """¥ amounts with thousands separators (whole yuan from ¥100 up)."""
    return _format_unique(values, lambda v: f"¥{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"¥{v:,.2f}")


def _fixed(values, digits: int = 2) -> np.ndarray:
    """Numbers as fixed-point text."""
    return _format_unique(np.round(np.asarray(values, dtype="float64"), digits), lambda v: f"{v:.{digits}f}")


def _ints(values) -> np.ndarray:
    arr = np.round(np.nan_to_num(np.asarray(values, dtype="float64"))).astype("int64")
    return arr.astype(str).astype(object)


def _ints_between(prefix: str, values, suffix: str) -> np.ndarray:
    """`prefix + _ints(values) + suffix`, each distinct number's sentence built once.

    A count shared by many rows (the template signal fires on most rows of a
    large export, with a few hundred distinct counts) otherwise costs two
    Python string concatenations per row and language.
    """
    arr = np.round(np.nan_to_num(np.asarray(values, dtype="float64"))).astype("int64")
    uniq, inv = np.unique(arr, return_inverse=True)
    table = np.array([f"{prefix}{v}{suffix}" for v in uniq.tolist()], dtype=object)
    return table[inv.reshape(-1)]


def _str_array(values: np.ndarray):
    """An object array of str as a pandas string array (through Arrow, fast)."""
    import pyarrow as pa

    return pd.array(pa.array(values, type=pa.large_string()), dtype="str")


def _blank(n: int) -> np.ndarray:
    return np.full(n, "", dtype=object)


def _join_parts(parts: list[np.ndarray], sep: str, n: int) -> np.ndarray:
    """Join per-row parts with `sep`, skipping empty parts (object arrays).

    Rows are grouped by which parts they have (a bit mask, a few hundred
    distinct values at most), and each group is concatenated column-wise:
    no per-row Python, and no work spent on empty parts.
    """
    out = _blank(n)
    if not parts or not n:
        return out
    has = [p.astype(bool) for p in parts]  # "" is falsy
    bits = np.zeros(n, dtype=np.int64)
    for i, h in enumerate(has):
        bits |= h.astype(np.int64) << i
    nonzero = bits != 0
    if not nonzero.any():
        return out
    uniq, inv = np.unique(bits[nonzero], return_inverse=True)
    rows_all = np.flatnonzero(nonzero)
    order = np.argsort(inv, kind="stable")
    bounds = np.searchsorted(inv[order], np.arange(len(uniq) + 1))
    for g, mask_bits in enumerate(uniq):
        rows = rows_all[order[bounds[g]:bounds[g + 1]]]
        idx = [i for i in range(len(parts)) if (int(mask_bits) >> i) & 1]
        acc = parts[idx[0]][rows]
        for i in idx[1:]:
            acc = acc + sep + parts[i][rows]
        out[rows] = acc
    return out


def _join_parts_arrow(parts: list, sep: str, n: int):
    """Like `_join_parts`, but joins in Arrow (C) and returns a pandas string array.

    A part is an object array ("" = absent) or a str present on every row.
    Each group of rows with the same parts is converted once and joined by
    `pyarrow.compute.binary_join_element_wise`; the groups are then put back
    in row order with one `take`.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not n:
        return pd.array([], dtype="str")
    arrays = [p for p in parts if not isinstance(p, str)]
    consts = [p for p in parts if isinstance(p, str)]
    bits = np.zeros(n, dtype=np.int64)
    present = [p.astype(bool) for p in arrays]
    for i, h in enumerate(present):
        bits |= h.astype(np.int64) << i
    uniq, inv = np.unique(bits, return_inverse=True)
    inv = inv.reshape(-1)
    order = np.argsort(inv, kind="stable")
    bounds = np.searchsorted(inv[order], np.arange(len(uniq) + 1))
    # each part's present values converted to Arrow once (most rows lack most parts);
    # `slot` says where a row's value sits among them, and groups take from it in C
    arrow_parts = [pa.array(p[h], type=pa.large_string()) for p, h in zip(arrays, present)]
    slot = [np.cumsum(h) - 1 for h in present]
    chunks = []
    for g, mask_bits in enumerate(uniq):
        rows = order[bounds[g]:bounds[g + 1]]
        items = [arrow_parts[i].take(pa.array(slot[i][rows])) for i in range(len(arrays)) if (int(mask_bits) >> i) & 1]
        items += [pa.scalar(c, type=pa.large_string()) for c in consts]
        if not items:
            chunks.append(pa.array(np.full(len(rows), "", dtype=object), type=pa.large_string()))
        elif len(items) == 1 and not consts:
            chunks.append(items[0])
        else:
            if all(isinstance(x, pa.Scalar) for x in items):  # constants only: broadcast
                items.insert(0, pa.array(np.full(len(rows), "", dtype=object), type=pa.large_string()))
                joined = pc.binary_join_element_wise(*items, pa.scalar(sep, type=pa.large_string()))
                joined = pc.utf8_slice_codeunits(joined, len(sep))  # drop the leading separator
            else:
                joined = pc.binary_join_element_wise(*items, pa.scalar(sep, type=pa.large_string()))
            chunks.append(joined)
    combined = pa.concat_arrays(chunks)
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)
    return pd.array(combined.take(pa.array(back)), dtype="str")


def _put(target: np.ndarray, mask: np.ndarray, values) -> None:
    """Write values into the masked positions (positional)."""
    if mask.any():
        target[mask] = _o(values) if not isinstance(values, str) else values


