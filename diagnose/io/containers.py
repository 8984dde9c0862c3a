"""Containers: what a file really is, and whether its container is safe to open.

Checks that run on the raw bytes before any parser sees them: magic numbers
of files that are not exports (PDF, images, archives), the OLE compound file
behind .xls/.doc and password-encrypted .xlsx, and the ZIP behind .xlsx/.ods.
For an XLSX every part is scanned as a stream — declared unpacked sizes,
compression ratios, the shared-string table's declared size, and every cell
reference of every sheet — because the spreadsheet reader (python-calamine,
Rust) allocates what the file declares and aborts the whole process, not
just the read, when that allocation fails.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile

from diagnose.errors import InputError
from diagnose.io import limits as L

WHAT_TO_DO = "export the after-sales sheet again as .xlsx or .csv and pass that file"

# Kinds of file that are not exports: key -> (magic, how the English message names it)
FORMAT_NAMES: dict[str, str] = {
    "pdf": "a PDF document",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "gzip": "a gzip archive",
    "7z": "a 7-Zip archive",
    "rar": "a RAR archive",
    "doc": "a Word document (.doc)",
    "ppt": "a PowerPoint file (.ppt)",
    "docx": "a Word document (.docx)",
    "pptx": "a PowerPoint file (.pptx)",
    "zip": "a ZIP archive",
}
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf", "7z"),
    (b"Rar!", "rar"),
)
_MAGIC_KINDS = frozenset(kind for _, kind in _MAGIC)
_SOMETHING = re.compile(rb"[^ \t\r\n\x00\xef\xbb\xbf\xff\xfe]")  # any byte that is not blank/BOM
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def wrong_format(name: str, kind: str) -> InputError:
    """The error for a file of another kind (PDF, Word, image, archive …)."""
    what = FORMAT_NAMES[kind]
    noun = "a spreadsheet or CSV export" if kind in _MAGIC_KINDS else "a spreadsheet"
    hint = ("unzip it and pass the spreadsheet inside, or " + WHAT_TO_DO) if kind == "zip" else WHAT_TO_DO
    return InputError(f"this is {what}, not {noun}", file=name, hint=hint,
                      code="wrong_format", params={"kind": kind})


def refuse_other_formats(name: str, data: bytes) -> None:
    """Refuse an empty file, and files whose first bytes say they are not exports."""
    if not _SOMETHING.search(data):
        raise InputError("the file is empty", file=name, hint=WHAT_TO_DO, code="empty_file")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise wrong_format(name, kind)


def is_zip(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06")


def zip_kind(name: str, data: bytes) -> str:
    """"XLSX" or "ODS" for a ZIP container; anything else is refused by what it is."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = set(zf.namelist())
    except Exception:  # BadZipFile, ValueError, NotImplementedError ("zip file version"), …
        raise InputError(
            "the spreadsheet is damaged or truncated (it is a ZIP/XLSX file that cannot be opened)",
            file=name,
            hint="download or export it again, and check the copy finished",
            code="xlsx_damaged",
        ) from None
    if "xl/workbook.xml" in members or "xl/workbook.bin" in members:
        return "XLSX"
    if "content.xml" in members and "mimetype" in members:
        return "ODS"
    if any(m.startswith("word/") for m in members):
        raise wrong_format(name, "docx")
    if any(m.startswith("ppt/") for m in members):
        raise wrong_format(name, "pptx")
    raise wrong_format(name, "zip")


# Stream names inside an OLE compound file (the container of .xls/.doc and of
# password-encrypted .xlsx) that tell what the file really is.
_OLE_ENCRYPTED = {"encryptioninfo", "encryptedpackage"}
_OLE_OTHER = {"worddocument": "doc", "powerpoint document": "ppt"}
_CFB_END = 0xFFFFFFFA  # sector numbers at or above this are markers, not sectors


def refuse_non_workbook_ole(name: str, data: bytes) -> None:
    """Explain an encrypted workbook or a Word/PowerPoint file before calamine sees it.

    Excel's "Encrypt with password" saves even an .xlsx as an OLE compound
    file holding `EncryptionInfo` and `EncryptedPackage` streams; calamine
    would call it a damaged XLS, which sends the merchant looking for the
    wrong fix.
    """
    directory = ole_directory(data)
    names = {n.lower() for n, _, _ in directory}
    if names & _OLE_ENCRYPTED:
        raise InputError(
            "the Excel file is encrypted with a password, so it cannot be read",
            file=name,
            hint="open it in Excel with the password, remove it (File → Info → Protect Workbook → "
                 "Encrypt with Password, clear the box), save, and pass the file again",
            code="encrypted_xlsx",
        )
    for stream, what in _OLE_OTHER.items():
        if stream in names and "workbook" not in names and "book" not in names:
            raise wrong_format(name, what)
    # A password-protected .xls keeps its sheets but puts a FILEPASS record
    # (0x002F) among the first records of the workbook stream. (calamine knows,
    # but reading from memory it reports only "cannot detect file format".)
    sector_size = 1 << (data[0x1E] if len(data) > 0x1E else 9)
    for stream, start, size in directory:
        if stream.lower() not in ("workbook", "book") or size < 4096:
            continue  # small streams live in the mini stream: left to calamine
        head = data[(start + 1) * sector_size: (start + 2) * sector_size]
        pos = 0
        for _ in range(8):
            if pos + 4 > len(head):
                break
            kind, length = int.from_bytes(head[pos:pos + 2], "little"), int.from_bytes(head[pos + 2:pos + 4], "little")
            if kind == 0x002F:
                raise InputError("the XLS file is password-protected", file=name,
                                 hint="open it in Excel with the password, remove the password, "
                                      "save it as .xlsx and pass that file", code="password_xls")
            pos += 4 + length


def ole_directory(data: bytes) -> list[tuple[str, int, int]]:
    """(name, first sector, size) of each entry of an OLE compound file's directory.

    Empty (or partial) when the directory cannot be walked.

    Reads only the header, the FAT and the directory sectors ([MS-CFB]); a
    damaged file yields what could be read and is left to the workbook reader.
    """

    names: list[tuple[str, int, int]] = []
    try:
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):
            return names
        size = 1 << shift
        per_sector = size // 4
        n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
        first_difat, n_difat = struct.unpack_from("<II", data, 0x44)
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        sector, hops = first_difat, 0
        while sector < _CFB_END and hops < n_difat and hops < 10000:
            entries = struct.unpack_from(f"<{per_sector}I", data, (sector + 1) * size)
            difat.extend(entries[:-1])
            sector, hops = entries[-1], hops + 1
        fat: list[int] = []
        for fat_sector in [s for s in difat if s < _CFB_END][:n_fat]:
            offset = (fat_sector + 1) * size
            if offset + size > len(data):
                break
            fat.extend(struct.unpack_from(f"<{per_sector}I", data, offset))
        sector, seen = first_dir, set()
        while sector < _CFB_END and sector not in seen and len(seen) < 100000:
            seen.add(sector)
            offset = (sector + 1) * size
            for k in range(size // 128):
                entry = data[offset + 128 * k: offset + 128 * (k + 1)]
                if len(entry) < 128:
                    return names
                length, kind = struct.unpack_from("<HB", entry, 64)
                if kind in (1, 2, 5) and 2 <= length <= 64:
                    start, stream_size = struct.unpack_from("<IQ", entry, 116)
                    if shift == 9:
                        stream_size &= 0xFFFFFFFF  # version 3: the high half may be junk
                    names.append((entry[: length - 2].decode("utf-16-le", errors="replace"),
                                  start, stream_size))
            sector = fat[sector] if sector < len(fat) else _CFB_END
    except struct.error:
        pass
    return names



# ---------------------------------------------------------------------------
# XLSX: a streaming scan of the ZIP directory and of every sheet's XML
# ---------------------------------------------------------------------------
_DIMENSION = re.compile(
    rb"<(?:[A-Za-z0-9_]+:)?dimension[^>]*?\sref=\"\$?([A-Za-z]{1,4})\$?([0-9]{1,10})"
    rb"(?::\$?([A-Za-z]{1,4})\$?([0-9]{1,10}))?\""
)
# Cell and row references: <c r="B7"> and <row r="7">. Any length of digits
# and letters is matched, so a reference too long to be real is seen (and
# refused) rather than skipped.
_CELL_REF = re.compile(rb"\sr=\"([A-Za-z]*)([0-9]+)\"")
_SST_COUNT = re.compile(rb"\s(count|uniqueCount)=\"([0-9]+)\"")
_SST_ITEM = re.compile(rb"<(?:[A-Za-z0-9_]+:)?si[ >/]")
_CHUNK = 1 << 22
_TAIL = 64  # bytes kept between chunks so a tag cut in two is still seen


def column_number(letters: bytes) -> int:
    """'A' → 1, 'XFD' → 16384 (any case)."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + (ch - 64)
    return number


def _damaged(name: str) -> InputError:
    return InputError(
        "the spreadsheet is damaged or truncated (a part of the XLSX cannot be unpacked)",
        file=name,
        hint="download or export it again, and check the copy finished",
        code="xlsx_part_damaged",
    )


def check_xlsx(name: str, data: bytes) -> list[str]:
    """Refuse an XLSX whose sizes are absurd — before the workbook reader sees it.

    Why: python-calamine unpacks every sheet and allocates what the file
    declares (one slot per shared string, one per cell of the sheet's
    rectangle), so a 5 KB file that declares 4 billion strings, or a sheet
    with a single cell at XFD1048576, aborts the whole process (a failed
    allocation is not an exception). Checked here: the declared unpacked
    size and compression ratio of each part, the shared-string table's
    declared counts against the limit and against the entries it really
    holds, and for every worksheet its ``<dimension>`` and every row and
    cell reference (the real extent), streamed 4 MB at a time. Returns the
    worksheet part names in the order they were scanned.
    """
    limits = L.current_limits()
    sheets: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        _check_declared_sizes(name, infos, limits)
        for info in infos:
            lower = info.filename.lower()
            if lower.endswith("sharedstrings.xml"):
                _scan_shared_strings(name, zf, info, limits)
            elif lower.endswith(".xml") and _is_worksheet(name, zf, info):
                _scan_sheet(name, zf, info, limits)
                sheets.append(info.filename)
    return sheets


def _check_declared_sizes(name: str, infos: list[zipfile.ZipInfo], limits: L.Limits) -> None:
    total = sum(i.file_size for i in infos)
    if total > limits.xlsx_uncompressed_bytes:
        raise InputError(
            f"the XLSX unpacks to {L.mb(total)}, more than the limit of "
            f"{L.mb(limits.xlsx_uncompressed_bytes)}; it was not opened",
            file=name,
            hint="export a shorter period or fewer columns (or CSV), or raise " + L.MAX_XLSX_MB_ENV,
            code="xlsx_unpacked_too_large",
            params={"size": L.mb(total), "limit": L.mb(limits.xlsx_uncompressed_bytes),
                    "env": L.MAX_XLSX_MB_ENV},
        )
    for info in infos:
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size >= L.RATIO_MIN_BYTES and ratio > limits.zip_ratio:
            raise InputError(
                f"the part '{info.filename}' unpacks {ratio:,.0f} times larger than it is stored "
                f"({L.mb(info.file_size)}); a real export does not compress like this, so the file "
                "was not opened (a 'zip bomb'?)",
                file=name,
                hint="export the sheet again from the platform, or pass it as CSV",
                code="zip_bomb",
                params={"part": info.filename, "ratio": f"{ratio:,.0f}", "size": L.mb(info.file_size)},
            )


def _chunks(name: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The part's bytes, 4 MB at a time, each chunk prefixed by the tail of the one before."""
    tail = b""
    try:
        with zf.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    return
                yield tail, chunk
                tail = chunk[-_TAIL:]
    except Exception:  # zipfile raises many types (ValueError, RuntimeError, zlib.error…) for damage
        raise _damaged(name) from None


def _is_worksheet(name: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    if info.filename.startswith("xl/worksheets/"):
        return True
    if not info.filename.startswith("xl/") or info.file_size < 64:
        return False
    for _tail, chunk in _chunks(name, zf, info):
        return b"<sheetData" in chunk[:65536] or b":sheetData" in chunk[:65536]
    return False


def _scan_shared_strings(name: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: L.Limits) -> None:
    declared: dict[bytes, int] = {}
    items = 0
    first = True
    for tail, chunk in _chunks(name, zf, info):
        if first:
            head = chunk[:4096]
            start = head.find(b"sst")
            end = head.find(b">", max(start, 0))
            for attr, digits in _SST_COUNT.findall(head[: end + 1] if end > 0 else head):
                declared[attr] = int(digits[:20])
            first = False
        # count the items that start inside this chunk (those in the tail were counted before)
        items += len(_SST_ITEM.findall(tail + chunk)) - len(_SST_ITEM.findall(tail))
    # uniqueCount is the table's size (what a reader reserves); count is how often cells use it.
    unique = declared.get(b"uniqueCount", declared.get(b"count", 0))
    uses = declared.get(b"count", 0)
    if unique > limits.shared_strings or unique > 2 * items + 1000 or uses > limits.cells:
        raise InputError(
            f"the workbook's shared-string table declares {max(unique, uses):,} strings but holds {items:,}"
            + (f" (the limit is {limits.shared_strings:,})" if unique > limits.shared_strings else "")
            + "; a real export is not written like this, so the file was not opened",
            file=name,
            hint="export the sheet again from the platform (or save it again in Excel), or pass it as CSV",
            code="shared_strings_bad",
            params={"declared": max(unique, uses), "items": items, "limit": limits.shared_strings},
        )


def _scan_sheet(name: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: L.Limits) -> None:
    sheet = info.filename.rsplit("/", 1)[-1]
    rows = cols = 0
    declared_rows = declared_cols = 0
    first = True
    for tail, chunk in _chunks(name, zf, info):
        block = tail + chunk
        if first:
            found = _DIMENSION.search(chunk[:65536])
            if found:
                declared_rows = int(found.group(4) or found.group(2))
                declared_cols = column_number(found.group(3) or found.group(1))
            first = False
        refs = _CELL_REF.findall(block)
        if not refs:
            continue
        letters, digits = zip(*refs)  # C-level; then one Python step per distinct value only
        longest = len(max(digits, key=len))
        rows = max(rows, int(max(d for d in digits if len(d) == longest)[:12]))
        cols = max([cols] + [column_number(x[:8]) for x in set(letters) if x])
    told = "declares" if declared_rows >= rows and declared_cols >= cols and declared_rows else "has cells reaching"
    rows, cols = max(rows, declared_rows), max(cols, declared_cols)
    _refuse_sheet_size(name, sheet, told, rows, cols, limits)


def _refuse_sheet_size(name: str, sheet: str, told: str, rows: int, cols: int, limits: L.Limits) -> None:
    if rows > limits.rows:
        raise InputError(
            f"sheet '{sheet}' {told} {rows:,} rows, more than the limit of {limits.rows:,}; "
            "it was not opened",
            file=name,
            hint=f"export a shorter period, or raise {L.MAX_ROWS_ENV}",
            code="sheet_rows_over_limit",
            params={"sheet": sheet, "rows": rows, "limit": limits.rows, "env": L.MAX_ROWS_ENV},
        )
    if rows * cols > limits.cells:
        raise InputError(
            f"sheet '{sheet}' {told} {rows:,} rows x {cols:,} columns "
            f"({rows * cols:,} cells), more than the limit of {limits.cells:,} cells; "
            "it was not opened",
            file=name,
            hint="delete the empty or formatted-but-unused rows and columns in Excel (or "
                 f"export CSV), or raise {L.MAX_CELLS_ENV}",
            code="sheet_cells_over_limit",
            params={"sheet": sheet, "rows": rows, "columns": cols, "cells": rows * cols,
                    "limit": limits.cells, "env": L.MAX_CELLS_ENV},
        )
    if cols > limits.columns:
        L.check_columns(name, cols, limits, where=f"sheet '{sheet}'")
