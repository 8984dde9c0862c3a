"""Salted hashes of buyer identifiers.

Buyer ids, phones, nicknames and addresses are replaced on reading by a
salted SHA-256 (16 hex characters), so the same buyer can still be followed
across files (repeat refunders) while the clear value is never kept. The
salt is this install's secret, kept by `diagnose.io.privacy`.
"""
from __future__ import annotations

import hashlib

import pandas as pd

from diagnose.io.fields import from_arrow, to_arrow


def resolve_salt(salt: str | None) -> str:
    """`salt` when given, else this install's salt (created on first use)."""
    if salt:
        return salt
    from diagnose.io.privacy import install_salt

    return install_salt()


def hash_identifier(value: str, salt: str | None = None) -> str:
    """Salted SHA-256 of an identifier, first 16 hex characters (the buyer_id form)."""
    data = (resolve_salt(salt) + "\x1f" + str(value)).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


def hash_series(series: pd.Series, salt: str) -> pd.Series:
    """Every value of a column hashed like `hash_identifier` (once per distinct value).

    SHA-256 has no vectorised kernel here, so the loop runs over the
    distinct values only, and its results are kept as one buffer of hex
    digits that becomes an Arrow column directly (no Python string per row).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = to_arrow(series)
    distinct = pc.drop_null(pc.unique(arr))
    if isinstance(distinct, pa.ChunkedArray):
        distinct = distinct.combine_chunks()
    copy = hashlib.sha256((salt + "\x1f").encode("utf-8")).copy
    digests = bytearray()
    for value in distinct.to_pylist():
        h = copy()
        h.update(value.encode("utf-8"))
        digests += h.digest()[:8]
    hexed = digests.hex().encode("ascii")
    offsets = np.arange(0, 16 * len(distinct) + 1, 16, dtype=np.int64)
    hashed = pa.Array.from_buffers(pa.large_string(), len(distinct),
                                   [None, pa.py_buffer(offsets), pa.py_buffer(hexed)])
    return from_arrow(hashed.take(pc.index_in(arr, distinct)))
