"""Where the bytes come from, and which reader they go to.

A source is a path (CLI), a ``(name, bytes)`` pair or an uploaded file
object (dashboard). Paths must be regular files: a FIFO would block the
read forever and ``/dev/zero`` would fill memory. File names that are not
valid UTF-8 (a GBK name unpacked from a Windows zip) are shown decoded as
GB18030, so no message fails to print.

The reader is chosen by content, never by extension: a ZIP is an XLSX or
ODS workbook, an OLE file an XLS (after the checks for encrypted workbooks
and Word/PowerPoint files), anything else text.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from diagnose.errors import InputError
from diagnose.io import containers as C
from diagnose.io import limits as L
from diagnose.io.rawtable import RawTable


def display_name(name: str) -> str:
    """`name` as a user can read it: undecodable bytes of a file name decoded as GB18030."""
    if not any("\udc80" <= ch <= "\udcff" for ch in name):
        return name
    raw = os.fsencode(name)
    for codec in ("gb18030", "utf-8"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def load_source(source: Any) -> tuple[str, bytes]:
    """(display name, bytes) of one source, after the size and file-kind checks."""
    limits = L.current_limits()
    if isinstance(source, tuple) and len(source) == 2:
        name, data = source
        if isinstance(data, str):
            data = data.encode("utf-8")
        name = display_name(Path(str(name)).name) or "upload"
        L.check_size(name, len(data), limits.upload_bytes, L.MAX_UPLOAD_MB_ENV)
        return name, bytes(data)
    if hasattr(source, "getvalue") and hasattr(source, "name"):  # e.g. an uploaded file
        name, data = display_name(Path(str(source.name)).name), source.getvalue()
        L.check_size(name, len(data), limits.upload_bytes, L.MAX_UPLOAD_MB_ENV)
        return name, bytes(data)
    path = Path(os.fspath(source))
    shown = display_name(str(path))
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            kind = "a pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else "a device or special file"
            raise InputError(f"is {kind}, not a regular file; it was not read", file=shown,
                             hint="save the export as a file and pass that file",
                             code="not_regular_file", params={"kind": kind})
        L.check_size(display_name(path.name), info.st_size, limits.file_bytes, L.MAX_FILE_MB_ENV)
        with open(path, "rb") as fh:
            data = fh.read(limits.file_bytes + 1)
        L.check_size(display_name(path.name), len(data), limits.file_bytes, L.MAX_FILE_MB_ENV)
        return display_name(path.name), data
    except FileNotFoundError:
        raise InputError("file not found", file=shown, hint="check the path", code="file_not_found") from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", file=shown,
                         hint="pass the export files inside it", code="is_folder") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"cannot be read ({reason})", file=shown, code="unreadable_file",
                         params={"reason": reason}) from None


def read_cells(name: str, data: bytes, extra_headers: Any = ()) -> list[RawTable]:
    """Bytes -> one positional table of strings per sheet (one for a text file)."""
    from diagnose.io.spreadsheet import read_workbook
    from diagnose.io.textfile import read_text

    C.refuse_other_formats(name, data)
    if C.is_zip(data):
        kind = C.zip_kind(name, data)
        if kind == "XLSX":
            C.check_xlsx(name, data)
        tables, notes = read_workbook(name, data, kind, extra_headers)
    elif data.startswith(C.OLE2):
        C.refuse_non_workbook_ole(name, data)
        tables, notes = read_workbook(name, data, "XLS", extra_headers)
    else:
        return [read_text(name, data, extra_headers)]
    tables[0].notes[:0] = notes
    return tables
