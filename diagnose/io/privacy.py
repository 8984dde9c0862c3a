"""The per-install secret that buyer identifiers are hashed with.

Buyer ids, phones, nicknames and addresses are replaced by salted hashes on
reading, so that the same buyer can still be followed across files (repeat
refunders) while the clear value is never kept. A salt that shipped with the
code would let anyone who has the code rebuild the hashes of a known phone
number, so each install draws its own random salt the first time it is needed
and keeps it in the data folder (``$DIAGNOSE_DATA_DIR/salt.key``, readable by
its owner only). ``DIAGNOSE_SALT`` overrides it, e.g. to share one salt
between several machines of one team.
"""
from __future__ import annotations

import hashlib
import math
import os
import secrets
import time
from pathlib import Path

from diagnose import settings
from diagnose.errors import InputError
from diagnose.settings import SALT_ENV, SALT_FILE  # noqa: F401 - re-exported


def salt_path(data_dir: str | os.PathLike | None = None) -> Path:
    """Where this install's salt lives (in the same folder as the corrections store)."""
    return settings.salt_path(data_dir)


def install_salt(data_dir: str | os.PathLike | None = None) -> str:
    """``$DIAGNOSE_SALT``, else this install's salt, created on first use.

    Creation uses O_EXCL, so two processes starting at once agree on one salt:
    the loser of the race reads the winner's file.
    """
    env = os.environ.get(SALT_ENV, "").strip()
    if env:
        return env
    path = salt_path(data_dir)
    try:
        return _read_or_create(path)
    except UnicodeDecodeError:
        raise _salt_error(path, "it is not a text file of the salt") from None
    except OSError as exc:
        raise _salt_error(path, str(exc.strerror or exc)) from None


def _read_or_create(path: Path) -> str:
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    salt = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(salt + "\n")
    return salt


def _salt_error(path: Path, reason: str) -> InputError:
    """Why the salt is unusable, said as an input error (the CLI's exit 2, the dashboard's box)."""
    return InputError(
        f"the install's salt file cannot be used ({reason}), so buyer ids cannot be hashed",
        file=str(path),
        hint=f"make the data folder writable (or set DIAGNOSE_DATA_DIR), delete an empty or damaged "
             f"{path.name} so a new salt is drawn, or set {SALT_ENV}",
        code="salt_unusable", params={"reason": reason, "name": path.name, "env": SALT_ENV},
    )


def _read(path: Path) -> str:
    for _ in range(50):  # a racing creator may not have written its line yet
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
        time.sleep(0.01)
    raise OSError("the file is empty")


def mask_id(value) -> str:
    """A short display id for a buyer: 买家#3f9a1c… (hash of the value, not a prefix).

    The same value always gives the same mask, so a reviewer can see that
    two returns come from one buyer without ever seeing the id itself.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "<NA>":
        return "买家#—"
    s = str(value).strip()
    if not s or s in {"nan", "<NA>", "None"}:
        return "买家#—"
    return "买家#" + hashlib.sha256(("diagnose-mask:" + s).encode("utf-8")).hexdigest()[:6] + "…"
