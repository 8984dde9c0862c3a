"""Text encodings of exports: detection, decoding, and messages that name the bad spot.

Exports from Chinese Windows/Excel are often GB18030/GBK, other exporters
write UTF-8 (with or without a BOM) or UTF-16 (with or without a BOM). The
encoding is judged on the head of the file; text whose bytes change
encoding part-way is refused with the line and column where it happens, so
the merchant can find the pasted rows.
"""
from __future__ import annotations

import codecs
import csv
import re
from typing import Sequence

from diagnose.errors import InputError
from diagnose.io.containers import WHAT_TO_DO

HEAD_BYTES = 262144
DELIMITERS = (",", "\t", ";", "|")
SINGLE_COLUMN = "\x1f"  # a separator that never occurs: the file has one column
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ue000-\uf8ff]")
_PLAUSIBLE = re.compile(r"[\n\r\t,;|A-Za-z0-9 \u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
_RESAVE = "open the file in Excel or a text editor and save it again as 'CSV UTF-8' or .xlsx"


def binary_error(name: str) -> InputError:
    return InputError("this looks like binary data, not a spreadsheet or CSV export",
                      file=name, hint=WHAT_TO_DO, code="binary_data")


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the head reads as plausible text in one of them.

    Chinese text in UTF-16 has few NUL bytes (only its ASCII delimiters and
    digits have them), so the NUL pattern alone cannot tell; decoding and
    counting characters that exports are made of can.
    """
    head = head[: len(head) - len(head) % 2]
    best, best_share = None, 0.0
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            continue
        if not text:
            continue
        share = len(_PLAUSIBLE.findall(text)) / len(text)
        if share > best_share:
            best, best_share = codec, share
    return best if best_share >= 0.6 else None


def detect_encoding(name: str, data: bytes) -> tuple[str, bytes]:
    """(encoding, bytes without BOM) of a text export; UTF-8 vs GB18030 judged on the head."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", data[3:]
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return "utf-16", data
    head = data[:8192]
    if b"\x00" in head:
        codec = _utf16_without_bom(head)
        if codec:
            return codec, data
        if head.count(0) > max(4, len(head) // 100):
            raise binary_error(name)
        # a few stray NUL bytes in 8-bit text: decoded below, removed when read
    failures: list[tuple[int, str]] = []
    for codec in ("utf-8", "gb18030"):
        try:
            decode_head(data, codec)
            return codec, data
        except UnicodeDecodeError as exc:
            failures.append((exc.start, codec))
    utf8_at = failures[0][0]
    utf8_before = data[:utf8_at].decode("utf-8", errors="replace")
    if sum(1 for ch in utf8_before if ord(ch) > 127) >= 3 and "\n" in utf8_before:
        # Real UTF-8 up to a bad spot (GBK text never reads as UTF-8 for long): mixed encodings.
        raise _positioned(name, utf8_before, "utf-8")
    at, codec = max(failures)
    before = data[:at].decode(codec, errors="replace")
    if "\n" in before.strip("\r\n") and not CONTROL.search(before[:4096]):
        # Good text up to a bad spot: say where, so the merchant can fix that row.
        raise _positioned(name, before, codec)
    raise InputError(
        "this is neither a text export we can decode (UTF-8, GB18030/GBK, UTF-16) nor a "
        "spreadsheet; it looks like binary data",
        file=name,
        hint=WHAT_TO_DO,
        code="undecodable",
    )


def _positioned(name: str, before: str, codec: str) -> InputError:
    first = before.split("\n", 1)[0]
    delim = max(DELIMITERS, key=first.count)
    headers = next(csv.reader([first], delimiter=delim), [])
    return bad_bytes_error(name, before, codec, delim, headers)


def decode_head(data: bytes, codec: str) -> str:
    """Decode the first part of a file, tolerating a character cut at the end."""
    head = data[:HEAD_BYTES]
    if codec.startswith("utf-16"):
        head = head[: len(head) - len(head) % 2]
    try:
        return head.decode(codec)
    except UnicodeDecodeError as exc:
        if len(data) > len(head) and exc.start >= len(head) - 4:
            return head[: exc.start].decode(codec)
        raise


def to_utf8(name: str, data: bytes, encoding: str, delim: str = ",",
            headers: Sequence[str] = ()) -> bytes:
    """The whole file as UTF-8 bytes (what the CSV parsers read fastest)."""
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    codec = "utf-16" if encoding == "utf-16" else encoding
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode(codec, errors="replace")
        raise bad_bytes_error(name, before, encoding, delim, headers) from None
    return text.lstrip("\ufeff").encode("utf-8")


def bad_bytes_error(name: str, before: str, encoding: str, delim: str,
                    headers: Sequence[str]) -> InputError:
    """Text that decodes up to a spot and not beyond: name the line and column."""
    line, column, header = text_position(before, delim, headers)
    where = f"line {line}, column {column}" + (f" ('{header}')" if header else "")
    params = {"line": line, "column": column, "header": header, "encoding": encoding}
    if encoding.startswith("utf-8"):
        what = ("the bytes there are not UTF-8 although the text before them is — the file mixes "
                "two encodings (rows pasted from a GBK/ANSI file?)")
        code = "mixed_encoding"
    else:
        what = (f"the bytes there do not decode as {encoding}, the encoding of the text before "
                "them (mixed encodings, or a damaged file?)")
        code = "bad_bytes"
    return InputError(f"{where}: {what}", file=name, hint=_RESAVE, code=code, params=params)


def text_position(before: str, delim: str, headers: Sequence[str]) -> tuple[int, int, str]:
    """(line, column, header) of the character that follows `before`.

    Counted in text lines, which are spreadsheet rows unless a cell above
    holds a line break; good enough to find the spot in an editor.
    """
    line = before.count("\n") + 1
    last = before[before.rfind("\n") + 1:].replace("\r", " ")
    column = 1
    if delim != SINGLE_COLUMN:
        try:
            column = len(next(csv.reader([last + "x"], delimiter=delim), [""])) or 1
        except csv.Error:
            column = last.count(delim) + 1
    header = ""
    if 0 < column <= len(headers) and str(headers[column - 1]).strip():
        header = str(headers[column - 1]).strip()[:40]
    return line, column, header


def first_bad_utf8(data: bytes) -> int | None:
    """Byte offset of the first sequence that is not UTF-8, or None; 16 MB at a time."""
    pos, n = 0, len(data)
    while pos < n:
        piece = data[pos: pos + (1 << 24)]
        try:
            _, used = codecs.utf_8_decode(piece, "strict", pos + len(piece) >= n)
        except UnicodeDecodeError as exc:
            return pos + exc.start
        if used == 0:
            return pos
        pos += used
    return None


def not_utf8_error(name: str, utf8: bytes, delim: str, headers: Sequence[str]) -> InputError:
    """The error for a file that starts as UTF-8 and has other bytes further down."""
    offset = first_bad_utf8(utf8)
    if offset is None:
        return InputError("the text is not valid UTF-8 further down the file", file=name,
                          hint="save the file again as UTF-8 CSV or as .xlsx", code="not_utf8")
    return bad_bytes_error(name, utf8[:offset].decode("utf-8", errors="replace"), "utf-8",
                           delim, headers)


def reject_binary_text(name: str, text: str) -> None:
    """Refuse decoded text that is really binary data, or a web page saved as .xls.

    A few control characters (a stray NUL or form feed in a comment) are not
    binary data: the reader removes them and says so. Only text where they
    are common (over 5 %) is refused.
    """
    sample = text[:65536]
    if not sample.strip():
        raise InputError("the file is empty", file=name, hint=WHAT_TO_DO, code="empty_file")
    bad = len(CONTROL.findall(sample))
    if bad > max(64, len(sample) // 20):
        raise binary_error(name)
    lowered = sample.lstrip()[:2048].lower()
    if lowered.startswith("<") and ("<table" in lowered or "<html" in lowered):
        raise InputError(
            "this is a web page (HTML table) saved under a spreadsheet name",
            file=name,
            hint="open it in Excel and save it as .xlsx or .csv, then pass that file",
            code="html_page",
        )
