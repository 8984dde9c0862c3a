"""Salted hashes of buyer identifiers.

Buyer ids, phones, nicknames and addresses are replaced on reading by a
salted SHA-256 (16 hex characters), so the same buyer can still be followed
across files (repeat refunders) while the clear value is never kept. The
salt is this install's secret, kept by `diagnose.io.privacy`.
"""
from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from diagnose.io.fields import map_unique


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
    """Every value of a column hashed like `hash_identifier` (once per distinct value)."""
    base = hashlib.sha256((salt + "\x1f").encode("utf-8"))

    def digest(value: Any) -> str:
        h = base.copy()
        h.update(str(value).encode("utf-8"))
        return h.hexdigest()[:16]

    return map_unique(series, digest)
