"""The SHA-256 records that make a model file trusted.

A model file is only loaded when its hash matches the one recorded beside
it (``<file>.sha256``, `sha256sum` format) and, where the model card names
the file, the one the card states: a file swapped in by someone else is
refused before any of it is read (`reason_model.load_model`).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from diagnose.errors import ModelFileError

HASH_SUFFIX = ".sha256"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# How the model card beside a model file states that file's SHA-256 (written
# by diagnose.model.training; checked by load_model when the card names the file).
CARD_NAME = "MODEL_CARD.md"
CARD_HASH_LINE = "File SHA-256 of `{name}`: `{digest}`"
_CARD_HASH_RE = re.compile(r"File SHA-256 of `([^`]+)`: `([0-9a-f]{64})`")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex), read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def hash_record_path(path: str | Path) -> Path:
    """Where the SHA-256 of a model file is recorded: ``<file>.sha256`` beside it."""
    path = Path(path)
    return path.with_name(path.name + HASH_SUFFIX)


def write_hash_record(path: str | Path, digest: str | None = None) -> str:
    """Record a model file's SHA-256 beside it (``sha256sum`` format); returns the digest.

    `ReasonModel.save` calls it for every model it writes. Calling it on an
    existing file is how someone declares that file trusted.
    """
    path = Path(path)
    digest = digest or file_sha256(path)
    hash_record_path(path).write_text(f"{digest}  {path.name}\n", encoding="ascii")
    return digest


def recorded_sha256(path: str | Path) -> str | None:
    """The SHA-256 recorded for a model file, or None when there is no record."""
    record = hash_record_path(path)
    try:
        text = record.read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ModelFileError(f"cannot read the recorded hash ({exc})", file=str(record),
                             code="model_record_unreadable", params={"reason": str(exc)}) from None
    digest = text.split()[0].lower() if text else ""
    if not _HEX64.match(digest):
        raise ModelFileError(
            "the recorded hash is not a SHA-256 hex digest",
            file=str(record),
            hint="rebuild the model with `python -m diagnose train` or restore both files from the repository",
            code="model_record_bad",
        )
    return digest


def card_sha256(path: str | Path) -> str | None:
    """The SHA-256 the model card beside `path` states for that file, if it names it."""
    path = Path(path)
    card = path.with_name(CARD_NAME)
    try:
        text = card.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for file_name, digest in _CARD_HASH_RE.findall(text):
        if file_name == path.name:
            return digest
    return None
