"""The bad-and-odd-input catalogue (issue 6): every kind a merchant uploads.

Each kind is built here (or by scripts/make_samples.py into tests/data/bad)
and checked three ways:

* the library: `read_exports` gives the correct result (exact IDs, parsed
  amounts and dates, text preserved, rows out == rows in) or an `InputError`
  whose message names the file and, where the problem has a place, the
  line/row and column;
* the CLI: `python -m diagnose classify` exits 2 with one ``error: …`` line
  for the refused kinds, and writes every row for the accepted ones (one
  subprocess for all of them) — never a traceback;
* the dashboard (AppTest): a representative set of refused kinds each shows
  an ``st.error`` naming the file while the good upload keeps working, and
  the accepted odd files are all read.

docs/BAD_INPUT.md lists each kind with what the user sees.
"""
from __future__ import annotations

import importlib.util
import io
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from diagnose import cli
from diagnose.errors import InputError
from diagnose.io.ingest import IngestResult, current_limits, parse_overrides, read_exports

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad"

_spec = importlib.util.spec_from_file_location("make_samples", ROOT / "scripts" / "make_samples.py")
make_samples = sys.modules.setdefault("make_samples", importlib.util.module_from_spec(_spec))
if not hasattr(make_samples, "_xls"):
    _spec.loader.exec_module(make_samples)

# The broken files come from the project's own (deterministic) script; write them
# now if a checkout lacks any, so that the parametrisation below sees them all.
SCRIPT_FILES = ["encrypted.xlsx", "password.xls", "old_format.xls", "header_only.xlsx", "zip_bomb.xlsx",
                "huge_dimension.xlsx", "far_cell.xlsx", "truncated.xlsx", "bad_values.csv"]
_MISSING = [n for n in SCRIPT_FILES if not (BAD / n).exists()]
assert not _MISSING, f"tests/data/bad lacks {_MISSING}: run python scripts/make_samples.py"

HEADER = ["售后单号", "订单号", "商家编码", "售后原因", "用户售后说明", "退款金额", "申请时间"]
Files = list[tuple[str, bytes]]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    """Rows as CSV text; cells are quoted only when they must be (as Excel does)."""
    out = []
    for row in rows:
        cells = []
        for cell in row:
            if any(ch in cell for ch in (delimiter, '"', "\n", "\r")):
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        out.append(delimiter.join(cells))
    return "\r\n".join(out) + "\r\n"


def xlsx_bytes(rows: list[list[object]], text_columns: set[int] = frozenset()) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str) or c in text_columns:
                ws.write_string(r, c, str(value))
            else:
                ws.write_number(r, c, value)
    wb.close()
    return buf.getvalue()


def row(i: str, text: str = "鞋子偏小", amount: str = "59.00", when: str = "2024-05-01 10:00:00",
        sku: str = "SKU-1", order: str = "") -> list[str]:
    return [i, order or "4" + i[-17:].rjust(17, "0"), sku, "质量问题", text, amount, when]


# ---------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------
@dataclass
class Ok:
    """The file(s) are read; `check` asserts the exact result."""

    rows: int
    check: Callable[[IngestResult], None] | None = None


@dataclass
class Err:
    """An InputError naming `culprit`, containing every fragment of `says`."""

    culprit: str
    says: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Case:
    kind: str
    files: Callable[[], Files]
    expect: Ok | Err
    env: dict[str, str] = field(default_factory=dict)


def _bad(name: str) -> Callable[[], Files]:
    def load() -> Files:
        path = BAD / name
        assert path.exists(), f"{path} missing: run scripts/make_samples.py"
        return [(name, path.read_bytes())]

    return load


def _ids(*expected: str) -> Callable[[IngestResult], None]:
    def check(result: IngestResult) -> None:
        assert list(result.frame["return_id"]) == list(expected)

    return check


# IDs as exports write them: 19 digits, leading zeros, Excel's ="…" wrapper,
# a leading tab (Douyin) or spaces.
ID_ROWS = [
    row("1234567890123456789"),
    row('="0012345678901234567"'),
    row("\t7012345678901234567", sku="\t0012"),
    row("   8012345678901234567  ", sku=' ="0034" '),
]


def _check_id_kinds(result: IngestResult) -> None:
    frame = result.frame
    assert list(frame["return_id"]) == [
        "1234567890123456789", "0012345678901234567", "7012345678901234567", "8012345678901234567"]
    assert list(frame["sku"]) == ["SKU-1", "SKU-1", "0012", "0034"]


AMOUNTS = ["¥1,299.00", "１２９９．５０", "1299元", "￥ 12,345", "(15.5)", "十九块"]


def _check_amounts(result: IngestResult) -> None:
    frame = result.frame
    got = frame["amount"].tolist()
    assert got[:5] == [1299.0, 1299.5, 1299.0, 12345.0, -15.5]
    assert np.isnan(got[5])
    assert frame["row_issues"].tolist()[5] == "amount:unparseable"
    assert any("row 7" in i and "十九块" in i for i in result.files[0].issues)


DATES = ["2024-05-01 12:03:04", "2024/5/2 08:15", "2024年5月3日", "2024-05-04T10:00:00+08:00",
         "1714960800000", "45418", "昨天下午", "2024-13-45 10:00:00", "31/31/2024"]


def _check_dates(result: IngestResult) -> None:
    frame = result.frame
    got = [None if pd.isna(v) else str(v) for v in frame["applied_at"]]
    assert got == ["2024-05-01 12:03:04", "2024-05-02 08:15:00", "2024-05-03 00:00:00",
                   "2024-05-04 10:00:00", "2024-05-06 10:00:00", "2024-05-06 00:00:00",
                   None, None, None]
    assert frame["row_issues"].tolist()[6:] == ["applied_at:unparseable"] * 3
    issues = " ".join(result.files[0].issues)
    assert "row 8: applied_at (申请时间) '昨天下午'" in issues
    assert "row 9:" in issues and "row 10:" in issues


TRICKY_TEXT = ['他说："尺码偏小，\n换大一码"', "逗号,逗号，引号\"\"", "第一行\r\n第二行\n\n第四行", "  前后空格保留在中间  词  "]


def _check_tricky_text(result: IngestResult) -> None:
    want = [t.strip() for t in TRICKY_TEXT]
    assert list(result.frame["buyer_text"]) == want
    assert list(result.frame["source_row"]) == [2, 3, 4, 5]


def _long_text() -> str:
    """50,000 characters of buyer text, as a very talkative buyer writes it."""
    parts, i = [], 0
    while sum(map(len, parts)) < 50_000:
        parts.append(f"第{i}次联系客服，鞋子偏小一码，脚背勒得疼，想换大一码；")
        i += 1
    return "".join(parts)[:50_000]


RARE = "😀👍🏻 𠀀𪚥𫠠 鞋子偏小，𡃁仔说不合适"  # emoji and CJK Extension B-F: four bytes in GB18030


def _check_rare(result: IngestResult) -> None:
    assert list(result.frame["buyer_text"]) == [RARE, RARE + "２"]
    assert list(result.frame["return_id"]) == ["9100000000000000001", "9100000000000000002"]


def _mixed_within_file() -> Files:
    body = "".join(csv_text([row(f"5{i:018d}", text="正常的说明")])[:-2] + "\r\n" for i in range(50))
    data = (csv_text([HEADER]) + body).encode("utf-8")
    data += csv_text([row("5999999999999999999", text="这一行是GBK")]).encode("gb18030")
    return [("mixed_inside.csv", data)]


def _mixed_after_the_head() -> Files:
    """UTF-8 for the first 256 KB and more, then a short GBK row (ragged, so pyarrow trips on it)."""
    body = "".join(csv_text([row(f"52{i:017d}", text="正常的说明，尺码偏小")])for i in range(5000))
    data = (csv_text([HEADER]) + body).encode("utf-8")
    assert len(data) > 300_000
    data += "5299999999999999999,GBK,短行\r\n".encode("gb18030")
    return [("mixed_late.csv", data)]


def _ascii_head_then_gbk() -> Files:
    head = csv_text([["return_id", "reason", "comment", "amount"]])
    body = "".join(f"61{i:017d},QUALITY,ok size fine thanks,{i % 90}.5\r\n" for i in range(9000))
    tail = "6200000000000000001,QUALITY,尺码偏小，线头多,1.0\r\n"
    return [("ascii_then_gbk.csv", (head + body + tail).encode("gb18030"))]


def _check_ascii_then_gbk(result: IngestResult) -> None:
    assert result.files[0].encoding == "gb18030"
    assert len(result.frame) == 9001
    assert result.frame["buyer_text"].iloc[-1] == "尺码偏小，线头多"
    assert result.frame["return_id"].iloc[-1] == "6200000000000000001"


def _mixed_across_files() -> Files:
    rows_a = [HEADER, row("6300000000000000001", text="UTF-8 的说明")]
    rows_b = [HEADER, row("6300000000000000002", text="GB18030 的说明𠀀")]
    rows_c = [HEADER, row("6300000000000000003", text="UTF-16 的说明😀")]
    return [
        ("a_utf8.csv", csv_text(rows_a).encode("utf-8")),
        ("b_gbk.csv", csv_text(rows_b).encode("gb18030")),
        ("c_utf16.txt", csv_text(rows_c, "\t").encode("utf-16")),
    ]


def _check_mixed_across(result: IngestResult) -> None:
    assert [f.encoding for f in result.files] == ["utf-8", "gb18030", "utf-16"]
    assert list(result.frame["buyer_text"]) == ["UTF-8 的说明", "GB18030 的说明𠀀", "UTF-16 的说明😀"]


def _header_down(kind: str) -> Files:
    titles = [["抖店售后单导出"], [""], ["导出时间：2024-05-28 09:15:02"], ["店铺：示例旗舰店"], ["说明：金额单位为元"]]
    rows = titles + [HEADER, row("6400000000000000001"), row("6400000000000000002")]
    if kind == "csv":
        return [("title_rows.csv", csv_text(rows).encode("gb18030"))]
    return [("title_rows.xlsx", xlsx_bytes(rows))]


def _check_header_down(result: IngestResult) -> None:
    assert result.files[0].header_row == 6
    assert list(result.frame["source_row"]) == [7, 8]
    assert list(result.frame["return_id"]) == ["6400000000000000001", "6400000000000000002"]


def _check_duplicates(result: IngestResult) -> None:
    frame = result.frame
    assert list(frame["buyer_text"]) == ["第一列的说明"]
    assert list(frame["用户售后说明 (2)"]) == ["第二列的说明"]
    assert any("'用户售后说明' appears 2 times" in i and "buyer_text" in i for i in result.files[0].issues)


def _check_xls(result: IngestResult) -> None:
    frame = result.frame
    assert list(frame["return_id"]) == ["6600000000000000001", "6600000000000000002"]
    assert list(frame["amount"]) == [59.0, 1299.5]
    assert list(frame["buyer_text"]) == ["开线了，\"做工\"差", "偏小"]


def _xls_file() -> Files:
    rows = [["退款编号", "买家退款原因", "买家退款说明", "买家退款金额"],
            ["6600000000000000001", "质量问题", "开线了，\"做工\"差", 59.0],
            ["6600000000000000002", "尺码不合适", "偏小", 1299.5]]
    return [("old_excel.xls", make_samples._xls(rows))]


def _check_long_ids_as_numbers(result: IngestResult) -> None:
    # Excel stores numbers as doubles: a 19-digit number cannot be exact (both ids
    # became 6700000000000000000). Text cells are exact. The two rows are kept apart,
    # flagged, and the file report says why.
    frame = result.frame
    assert list(frame["return_id"]) == ["6700000000000000000", "6700000000000000000"]
    assert list(frame["row_issues"]) == ["return_id:imprecise"] * 2
    assert list(frame["order_id"]) == ["4987654321098765432", "4987654321098765433"]
    assert any("'售后单号' holds numbers of more than 15 digits" in i for i in result.files[0].issues)


def _long_ids_xlsx() -> Files:
    rows = [["售后单号", "订单号", "用户售后说明"],
            [6700000000000000001, "4987654321098765432", "偏小"],
            [6700000000000000002, "4987654321098765433", "偏大"]]
    return [("numeric_ids.xlsx", xlsx_bytes(rows))]


def _forged_size_xlsx() -> Files:
    """A small XLSX whose ZIP directory claims the sheet unpacks to 3.9 GB."""
    data = bytearray(xlsx_bytes([HEADER, row("6800000000000000001")]))
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46: at + 46 + name_len] == name:
            struct.pack_into("<I", data, at + 24, 3_900_000_000)
        at = data.find(b"PK\x01\x02", at + 4)
    return [("forged_size.xlsx", bytes(data))]


def _rows_csv(name: str, n: int) -> Callable[[], Files]:
    return lambda: [(name, csv_text([HEADER] + [row(f"69{i:017d}") for i in range(n)]).encode())]


CASES = [
    # -- empty and not-a-table files ------------------------------------
    Case("zero_byte", lambda: [("zero.csv", b"")], Err("zero.csv", ("empty",))),
    Case("header_only_csv", lambda: [("header_only.csv", csv_text([HEADER]).encode())], Ok(0)),
    Case("header_only_xlsx", _bad("header_only.xlsx"), Ok(0)),
    Case("random_bytes_csv", lambda: [("random.csv", np.random.default_rng(1).bytes(5000))],
         Err("random.csv", ("binary",))),
    Case("random_bytes_xlsx", lambda: [("random.xlsx", np.random.default_rng(2).bytes(5000))],
         Err("random.xlsx", ("binary",))),
    Case("random_bytes_after_zip_magic", lambda: [("zipish.xlsx", b"PK\x03\x04" + np.random.default_rng(3).bytes(3000))],
         Err("zipish.xlsx", ("damaged or truncated",))),
    Case("truncated_xlsx", _bad("truncated.xlsx"), Err("truncated.xlsx", ("truncated",))),
    Case("encrypted_xlsx", _bad("encrypted.xlsx"), Err("encrypted.xlsx", ("encrypted with a password",))),
    Case("password_xls", _bad("password.xls"), Err("password.xls", ("password-protected",))),
    Case("xls_biff8", _xls_file, Ok(2, _check_xls)),
    Case("xls_from_script", _bad("old_format.xls"), Ok(5)),
    Case("word_docx", _bad("letter.docx"), Err("letter.docx", ("Word document",))),
    Case("word_doc_ole", lambda: [("letter.xls", make_samples._cfb([("WordDocument", "退货说明".encode("utf-16-le"))]))],
         Err("letter.xls", ("this is a Word document (.doc), not a spreadsheet",))),
    Case("pdf", _bad("scan.pdf"), Err("scan.pdf", ("PDF",))),
    Case("png_as_csv", _bad("image_as.csv"), Err("image_as.csv", ("PNG",))),
    Case("no_header_row", _bad("no_header.csv"), Err("no_header.csv", ("no header row", "first 30 rows"))),
    Case("no_reason_column", _bad("missing_reason_column.csv"),
         Err("missing_reason_column.csv", ("no column with the buyer's reason", "订单号"))),
    # -- encodings -------------------------------------------------------
    Case("gbk_with_utf8_bom", lambda: [("bom_but_gbk.csv", b"\xef\xbb\xbf" + csv_text(
        [HEADER, row("6100000000000000001", text="尺码偏小，退货")]).encode("gb18030"))],
         Ok(1, lambda r: (
             _ids("6100000000000000001")(r),
             r.frame["buyer_text"].tolist() == ["尺码偏小，退货"] or pytest.fail("text"),
             any("UTF-8 marker (BOM)" in i for i in r.files[0].issues) or pytest.fail("no BOM note")))),
    Case("encoding_changes_inside_file", _mixed_within_file,
         Err("mixed_inside.csv", ("line 52, column 4 ('售后原因')", "mixes two encodings"))),
    Case("encoding_changes_after_256kb", _mixed_after_the_head,
         Err("mixed_late.csv", ("line 5002, column 3 ('商家编码')", "mixes two encodings"))),
    Case("gb18030_with_invalid_byte", lambda: [("bad_gbk.csv", csv_text(
        [HEADER, row("6110000000000000001", text="正常")]).encode("gb18030")
        + b"6110000000000000002,4,S,\xff\xfe\xff,x,1,2024-05-01\r\n")],
         Err("bad_gbk.csv", ("line 3, column 4 ('售后原因')", "do not decode as gb18030"))),
    Case("ascii_head_then_gbk", _ascii_head_then_gbk, Ok(9001, _check_ascii_then_gbk)),
    Case("mixed_encodings_across_files", _mixed_across_files, Ok(3, _check_mixed_across)),
    # -- layout ----------------------------------------------------------
    Case("header_5_rows_down_csv", lambda: _header_down("csv"), Ok(2, _check_header_down)),
    Case("header_5_rows_down_xlsx", lambda: _header_down("xlsx"), Ok(2, _check_header_down)),
    Case("duplicate_column_names", lambda: [("dup_headers.csv", csv_text(
        [["售后单号", "用户售后说明", "用户售后说明"], ["6500000000000000001", "第一列的说明", "第二列的说明"]]).encode())],
         Ok(1, _check_duplicates)),
    # -- IDs, amounts, dates, text --------------------------------------
    Case("ids_19_digits_wrapped_tabs_spaces_csv",
         lambda: [("ids.csv", csv_text([HEADER] + ID_ROWS).encode("utf-8"))], Ok(4, _check_id_kinds)),
    Case("ids_19_digits_wrapped_tabs_spaces_xlsx",
         lambda: [("ids.xlsx", xlsx_bytes([HEADER] + ID_ROWS))], Ok(4, _check_id_kinds)),
    Case("ids_19_digits_stored_as_numbers_xlsx", _long_ids_xlsx, Ok(2, _check_long_ids_as_numbers)),
    Case("amounts_yuan_commas_fullwidth", lambda: [("amounts.csv", csv_text(
        [HEADER] + [row(f"67100000000000000{i:02d}", amount=a) for i, a in enumerate(AMOUNTS)]).encode())],
         Ok(6, _check_amounts)),
    Case("dates_five_formats_and_garbage", lambda: [("dates.csv", csv_text(
        [HEADER] + [row(f"67200000000000000{i:02d}", when=d) for i, d in enumerate(DATES)]).encode())],
         Ok(9, _check_dates)),
    Case("text_newlines_quotes_commas_csv", lambda: [("tricky.csv", csv_text(
        [HEADER] + [row(f"67300000000000000{i:02d}", text=t) for i, t in enumerate(TRICKY_TEXT)]).encode())],
         Ok(4, _check_tricky_text)),
    Case("text_newlines_quotes_commas_xlsx", lambda: [("tricky.xlsx", xlsx_bytes(
        [HEADER] + [row(f"67400000000000000{i:02d}", text=t) for i, t in enumerate(TRICKY_TEXT)]))],
         Ok(4, _check_tricky_text)),
    Case("buyer_text_50000_chars", lambda: [("long_text.csv", csv_text(
        [HEADER, row("6750000000000000001", text=_long_text()), row("6750000000000000002")]).encode())],
         Ok(2, lambda r: r.frame["buyer_text"].tolist() == [_long_text(), "鞋子偏小"] or pytest.fail("text"))),
    Case("emoji_and_four_byte_cjk_gb18030", lambda: [("rare_gb.csv", csv_text(
        [HEADER, row("9100000000000000001", text=RARE), row("9100000000000000002", text=RARE + "２")]
    ).encode("gb18030"))], Ok(2, _check_rare)),
    Case("emoji_and_four_byte_cjk_utf16_tsv", lambda: [("rare_16.tsv", csv_text(
        [HEADER, row("9100000000000000001", text=RARE), row("9100000000000000002", text=RARE + "２")], "\t"
    ).encode("utf-16"))], Ok(2, _check_rare)),
    Case("emoji_and_four_byte_cjk_xlsx", lambda: [("rare.xlsx", xlsx_bytes(
        [HEADER, row("9100000000000000001", text=RARE), row("9100000000000000002", text=RARE + "２")]))],
         Ok(2, _check_rare)),
    # -- limits ----------------------------------------------------------
    Case("zip_bomb_ratio", _bad("zip_bomb.xlsx"), Err("zip_bomb.xlsx", ("1,023 times larger", "not opened"))),
    Case("zip_declared_size", _forged_size_xlsx, Err("forged_size.xlsx", ("unpacks to 3,719.3 MB", "not opened")),
         env={"DIAGNOSE_MAX_XLSX_UNCOMPRESSED_MB": "1000"}),
    Case("zip_declared_ratio", _forged_size_xlsx,
         Err("forged_size.xlsx", ("times larger than it is stored (3,719.3 MB)", "not opened"))),
    Case("sheet_dimension_absurd", _bad("huge_dimension.xlsx"),
         Err("huge_dimension.xlsx", ("1,048,576 rows x 16,384 columns", "not opened"))),
    Case("far_cell_without_dimension", _bad("far_cell.xlsx"),
         Err("far_cell.xlsx", ("has cells reaching 1,048,576 rows x 16,384 columns",))),
    Case("upload_too_big", _rows_csv("big_upload.csv", 200), Err("big_upload.csv", ("larger than the limit of 10.2 KB",)),
         env={"DIAGNOSE_MAX_UPLOAD_MB": "0.01", "DIAGNOSE_MAX_FILE_MB": "0.01"}),
    Case("too_many_rows_csv", _rows_csv("many_rows.csv", 12), Err("many_rows.csv", ("12 data rows", "limit of 10 rows")),
         env={"DIAGNOSE_MAX_ROWS": "10"}),
    Case("too_many_rows_xlsx_before_loading", lambda: [("many_rows.xlsx", xlsx_bytes(
        [HEADER] + [row(f"69{i:017d}") for i in range(12)]))],
         Err("many_rows.xlsx", ("declares 13 rows", "not opened")), env={"DIAGNOSE_MAX_ROWS": "10"}),
]
OK_CASES = [c for c in CASES if isinstance(c.expect, Ok)]
ERR_CASES = [c for c in CASES if isinstance(c.expect, Err)]


def _ids_of(cases: list[Case]) -> list[str]:
    return [c.kind for c in cases]


# ---------------------------------------------------------------------------
# Library
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("case", OK_CASES, ids=_ids_of(OK_CASES))
def test_odd_input_is_read_correctly(case: Case, monkeypatch):
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    files = case.files()
    result = read_exports(files)
    assert len(result.frame) == case.expect.rows
    # rows out == rows in, and every row points back to its file
    assert len(result.frame) + result.duplicates_merged == result.rows_in == case.expect.rows
    assert set(result.frame["source_file"]) <= {name for name, _ in files}
    if case.expect.check:
        case.expect.check(result)


@pytest.mark.parametrize("case", ERR_CASES, ids=_ids_of(ERR_CASES))
def test_bad_input_is_refused_with_a_message(case: Case, monkeypatch):
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(InputError) as err:
        read_exports(case.files())
    message = str(err.value)
    assert message.startswith(case.expect.culprit + ": "), message
    for fragment in case.expect.says:
        assert fragment in message, message
    assert "Traceback" not in message and "\n" not in message


def test_big_sheets_are_refused_before_the_reader_runs(monkeypatch):
    """The oversized-XLSX checks run before python-calamine is asked to open the file."""
    import python_calamine

    calls = []
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike",
                        lambda *a, **k: calls.append(a) or pytest.fail("calamine opened the file"))
    for name in ("zip_bomb.xlsx", "huge_dimension.xlsx", "far_cell.xlsx"):
        started = time.perf_counter()
        with pytest.raises(InputError, match=name):
            read_exports([BAD / name])
        assert time.perf_counter() - started < 5
    with pytest.raises(InputError, match="forged_size.xlsx"):
        read_exports(_forged_size_xlsx())
    assert not calls


def _patched_central_directory(field_at: int, fmt: str, value: int) -> bytes:
    """A valid XLSX with one field of the sheet's ZIP central-directory entry overwritten."""
    data = bytearray(xlsx_bytes([HEADER, row("6800000000000000002")]))
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46: at + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            struct.pack_into(fmt, data, at + field_at, value)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


@pytest.mark.parametrize("field_at, fmt, value", [
    (6, "<H", 64),  # "version needed to extract" 6.4: zipfile raises NotImplementedError
    (42, "<I", 0x7FFFFFF0),  # local header offset past the end: ValueError (negative seek)
    (8, "<H", 1),  # "encrypted" flag on the sheet: RuntimeError (password required)
], ids=["zip_version", "bad_offset", "encrypted_member"])
def test_damaged_zip_structures_are_input_errors(field_at, fmt, value):
    """Found by the property test: zipfile raises several types for a damaged directory."""
    with pytest.raises(InputError, match=r"^damaged.xlsx: .*(damaged|truncated)"):
        read_exports([("damaged.xlsx", _patched_central_directory(field_at, fmt, value))])


def test_a_header_mapped_twice_is_refused():
    files = [("m.csv", csv_text([HEADER, row("6900000000000000001")]).encode())]
    with pytest.raises(InputError) as err:
        read_exports(files, overrides={"buyer_text": "售后原因", "platform_reason": "售后原因"})
    assert "'售后原因' is mapped twice, to buyer_text and to platform_reason" in str(err.value)
    with pytest.raises(InputError, match="--map buyer_text is given twice"):
        parse_overrides(["buyer_text=售后原因", "buyer_text=用户售后说明"])
    # the same mapping repeated is harmless
    assert parse_overrides(["buyer_text=售后原因", "buyer_text=售后原因"]) == {"buyer_text": "售后原因"}


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("DIAGNOSE_MAX_ROWS", raising=False)
    defaults = current_limits()
    assert defaults.rows >= 10_000_000  # the CLI takes 10M-row CSVs
    assert defaults.upload_bytes >= 200 * 1024 * 1024  # the dashboard takes 200 MB uploads
    monkeypatch.setenv("DIAGNOSE_MAX_ROWS", "1e3")
    assert current_limits().rows == 1000
    monkeypatch.setenv("DIAGNOSE_MAX_ROWS", "lots")
    with pytest.raises(InputError, match="DIAGNOSE_MAX_ROWS='lots' is not a positive number"):
        read_exports([("x.csv", csv_text([HEADER, row("6910000000000000001")]).encode())])


def test_row_limit_counts_all_files_together(monkeypatch):
    monkeypatch.setenv("DIAGNOSE_MAX_ROWS", "15")
    first = ("first.csv", csv_text([HEADER] + [row(f"691{i:016d}") for i in range(10)]).encode())
    second = ("second.csv", csv_text([HEADER] + [row(f"692{i:016d}") for i in range(10)]).encode())
    assert len(read_exports([first]).frame) == 10
    with pytest.raises(InputError, match=r"second.csv: 10 data rows \(with the files before it: 20\)"):
        read_exports([first, second])


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------
def _write(tmp_path: Path, files: Files) -> list[str]:
    paths = []
    for name, data in files:
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", ERR_CASES, ids=_ids_of(ERR_CASES))
def test_cli_refuses_bad_input_with_one_line(case: Case, lang: str, tmp_path, monkeypatch, capsys):
    """Chinese by default (the users' language), English with DIAGNOSE_LANG=en; the culprit in both."""
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    if lang == "en":
        monkeypatch.setenv("DIAGNOSE_LANG", "en")
    out = tmp_path / "out.csv"
    code = cli.main(["classify", *_write(tmp_path, case.files()), "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert lines[-1].startswith("错误：" if lang == "zh" else "error: "), captured.err
    assert case.expect.culprit in lines[-1], captured.err
    if lang == "en":
        for fragment in case.expect.says:
            assert fragment in lines[-1]
    else:  # the catalogue's Chinese words, not the English message behind a Chinese prefix
        said = lines[-1][len("错误："):].replace(case.expect.culprit, "")
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in said) >= 4, lines[-1]
    assert "Traceback" not in captured.err + captured.out
    assert not out.exists()


def test_cli_refuses_a_header_mapped_twice(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIAGNOSE_LANG", "en")
    paths = _write(tmp_path, [("m.csv", csv_text([HEADER, row("6900000000000000001")]).encode())])
    code = cli.main(["classify", *paths, "--map", "buyer_text=售后原因", "--map", "platform_reason=售后原因",
                     "-o", str(tmp_path / "o.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "error: " in err and "mapped twice" in err and "Traceback" not in err


def test_cli_reads_every_odd_file_in_one_run(tmp_path):
    """All accepted kinds in one `classify` run (one model load): every row comes out.

    Some cases share return ids (the same rows as CSV and as XLSX), which the
    CLI merges as duplicates, exactly as the library does.
    """
    files: Files = []
    for case in OK_CASES:
        if not case.env:
            files.extend(case.files())
    assert len({name for name, _ in files}) == len(files), "two cases write the same file name"
    library = read_exports(files)
    assert library.rows_in == sum(c.expect.rows for c in OK_CASES if not c.env)
    out = tmp_path / "tagged.csv"
    proc = subprocess.run([sys.executable, "-m", "diagnose", "classify", *_write(tmp_path, files), "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    tagged = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(tagged) + library.duplicates_merged == library.rows_in
    assert list(tagged["return_id"]) == list(library.frame["return_id"])
    assert list(tagged["source_file"]) == list(library.frame["source_file"])
    ids = set(tagged["return_id"])
    assert {"1234567890123456789", "0012345678901234567", "6600000000000000002", "9100000000000000002",
            "6200000000000000001"} <= ids
    texts = dict(zip(tagged["return_id"], tagged["buyer_text"]))
    assert texts["6750000000000000001"] == _long_text()
    assert texts["9100000000000000001"] == RARE


@pytest.mark.parametrize("path", sorted(p for p in BAD.iterdir() if p.is_file()) if BAD.is_dir() else [],
                         ids=lambda p: p.name)
def test_cli_never_shows_a_traceback_for_the_broken_files(path, tmp_path, capsys):
    code = cli.main(["classify", str(path), "-o", str(tmp_path / "o.csv")])
    captured = capsys.readouterr()
    assert code in (0, 2), captured.err
    assert "Traceback" not in captured.err
    if code == 2:
        assert f"错误：{path.name}：" in captured.err


# ---------------------------------------------------------------------------
# Dashboard
# ---------------------------------------------------------------------------
DASHBOARD_REFUSED = ["zero_byte", "random_bytes_xlsx", "encrypted_xlsx", "password_xls",
                     "encoding_changes_inside_file", "zip_bomb_ratio", "sheet_dimension_absurd",
                     "no_header_row"]
DASHBOARD_READ = ["ids_19_digits_wrapped_tabs_spaces_xlsx", "xls_biff8", "mixed_encodings_across_files",
                  "emoji_and_four_byte_cjk_gb18030", "header_5_rows_down_csv", "dates_five_formats_and_garbage",
                  "text_newlines_quotes_commas_csv"]


def _case(kind: str) -> Case:
    return next(c for c in CASES if c.kind == kind)


def _app(monkeypatch, tmp_path, sample_dir):
    from streamlit.testing import v1 as st_testing

    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DIAGNOSE_SAMPLE_DIR", str(sample_dir))
    at = st_testing.AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("ui/pages/upload.py")
    at.run()
    assert not at.exception
    return at


def _metric(at, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label).replace(",", ""))


def test_dashboard_names_each_refused_file_and_keeps_working(monkeypatch, tmp_path, sample_dir):
    at = _app(monkeypatch, tmp_path, sample_dir)
    good = sample_dir / "pdd_aftersales.csv"
    uploader = at.file_uploader[0].upload(good.name, good.read_bytes())
    names = []
    for kind in DASHBOARD_REFUSED:
        for name, data in _case(kind).files():
            uploader = uploader.upload(name, data)
            names.append(name)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [str(e.value).replace("\\", "") for e in at.error]
    for name in names:
        hits = [e for e in errors if name in e]
        assert hits, (name, errors)
        assert hits[0].startswith("文件有问题，已跳过：")
    assert all("Traceback" not in e for e in errors)
    assert _metric(at, "读入行数") == read_exports([good]).rows_in
    at.switch_page("ui/pages/overview.py")
    at.run()
    assert not at.exception


def test_dashboard_refuses_a_too_big_upload_with_the_limit(monkeypatch, tmp_path, sample_dir):
    monkeypatch.setenv("DIAGNOSE_MAX_UPLOAD_MB", "1")
    at = _app(monkeypatch, tmp_path, sample_dir)
    big = csv_text([HEADER] + [row(f"69{i:017d}", text="偏小" * 20) for i in range(12000)]).encode()
    assert len(big) > 1024 * 1024
    good = sample_dir / "pdd_aftersales.csv"
    at.file_uploader[0].upload(good.name, good.read_bytes()).upload("huge.csv", big)
    at.run()
    assert not at.exception
    errors = [str(e.value).replace("\\", "") for e in at.error]
    # said in the dashboard's language, with the dashboard's advice (not the CLI's environment variable)
    assert any("huge.csv" in e and "超过上限 1.0 MB" in e and "DIAGNOSE_MAX_UPLOAD_MB" not in e
               for e in errors), errors


def test_dashboard_reads_the_odd_but_valid_files(monkeypatch, tmp_path, sample_dir):
    at = _app(monkeypatch, tmp_path, sample_dir)
    files: Files = [f for kind in DASHBOARD_READ for f in _case(kind).files()]
    uploader = at.file_uploader[0]
    for name, data in files:
        uploader = uploader.upload(name, data)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert _metric(at, "读入行数") == read_exports(files).rows_in == sum(
        _case(k).expect.rows for k in DASHBOARD_READ)


def _bomb_workbooks() -> Files:
    """Two 5 KB workbooks that made the spreadsheet reader abort the whole server (issue 12 item 1)."""
    import re
    import zipfile

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Sheet1")
    for j, h in enumerate(HEADER):
        ws.write_string(0, j, h)
        ws.write_string(1, j, f"v{j}")
    wb.close()
    small = buf.getvalue()

    def rewrite(part: str, edit) -> bytes:
        src = zipfile.ZipFile(io.BytesIO(small))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                dst.writestr(info.filename, edit(data) if info.filename == part else data)
        return out.getvalue()

    strings = rewrite("xl/sharedStrings.xml",
                      lambda x: re.sub(rb'uniqueCount="[0-9]+"', b'uniqueCount="4000000000"', x))
    far = rewrite("xl/worksheets/sheet1.xml", lambda x: x.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    return [("strings_bomb.xlsx", strings), ("far_cell_bomb.xlsx", far)]


def test_dashboard_survives_workbook_bombs_and_a_crashing_parse(monkeypatch, tmp_path, sample_dir):
    # session 1: both bombs, plus a file whose isolated parse is starved of memory (isolation is the default)
    monkeypatch.delenv("DIAGNOSE_ISOLATE_UPLOADS", raising=False)
    monkeypatch.setenv("DIAGNOSE_PARSE_MEMORY_MB", "1")
    at = _app(monkeypatch, tmp_path, sample_dir)
    uploader = at.file_uploader[0]
    for name, data in _bomb_workbooks() + [("starved.csv", csv_text([HEADER, row("1")]).encode())]:
        uploader = uploader.upload(name, data)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [str(e.value).replace("\\", "") for e in at.error]
    for name in ("strings_bomb.xlsx", "far_cell_bomb.xlsx", "starved.csv"):
        assert any(name in e for e in errors), (name, errors)
    # said in the dashboard's language (diagnose.messages): the parser ran out of its memory limit
    assert any("starved.csv" in e and ("内存" in e or "解析器出错" in e) for e in errors), errors
    # session 2, same server process: a good file loads as usual
    monkeypatch.delenv("DIAGNOSE_PARSE_MEMORY_MB")
    other = _app(monkeypatch, tmp_path, sample_dir)
    good = sample_dir / "pdd_aftersales.csv"
    other.file_uploader[0].upload(good.name, good.read_bytes())
    other.run()
    assert not other.exception and not other.error, [e.value for e in other.error]
    assert _metric(other, "读入行数") == read_exports([good]).rows_in


def _spy_on_the_sandbox(monkeypatch) -> list[str]:
    """The kinds of the jobs the dashboard hands to the limited child process (AppTest runs in this process)."""
    from diagnose.io import sandbox

    kinds: list[str] = []
    real = sandbox.run_isolated

    def spy(jobs):
        kinds.extend(kind for kind, _ in jobs)
        return real(jobs)

    monkeypatch.setattr(sandbox, "run_isolated", spy)
    return kinds


def test_dashboard_parses_uploads_in_the_child_by_default_and_survives_bombs(monkeypatch, tmp_path, sample_dir):
    """Default settings: both bombs as returns and one as the order export fail alone, each with one line;
    another session then loads a good file and the sample orders as usual."""
    for env in ("DIAGNOSE_ISOLATE_UPLOADS", "DIAGNOSE_PARSE_MEMORY_MB", "DIAGNOSE_PARSE_CPU_SECONDS"):
        monkeypatch.delenv(env, raising=False)
    import streamlit as st

    st.cache_data.clear()  # an earlier test's cached load of the same good file would skip the parse
    kinds = _spy_on_the_sandbox(monkeypatch)
    at = _app(monkeypatch, tmp_path, sample_dir)
    bombs = _bomb_workbooks()
    uploader = at.file_uploader[0]
    for name, data in bombs:
        uploader = uploader.upload(name, data)
    at.file_uploader[1].upload("orders_bomb.xlsx", bombs[1][1])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [str(e.value).replace("\\", "") for e in at.error]  # names are Markdown-escaped
    warnings = [str(w.value).replace("\\", "") for w in at.warning]
    for name in ("strings_bomb.xlsx", "far_cell_bomb.xlsx"):
        [line] = [e for e in errors if name in e]
        assert "\n" not in line and "Traceback" not in line, line
    [orders_line] = [w for w in warnings if "orders_bomb.xlsx" in w]
    assert "\n" not in orders_line and "1,048,576" in orders_line, orders_line
    assert kinds.count("exports") == 2 and kinds.count("orders") == 1, kinds  # both parsed in the child
    # session 2, same server process: a good upload loads, through the child as well
    other = _app(monkeypatch, tmp_path, sample_dir)
    good = sample_dir / "pdd_aftersales.csv"
    other.file_uploader[0].upload(good.name, good.read_bytes())
    other.run()
    assert not other.exception and not other.error, [e.value for e in other.error]
    assert _metric(other, "读入行数") == read_exports([good]).rows_in
    assert kinds.count("exports") == 3


def test_isolation_can_be_turned_off_but_not_on_by_the_switch(monkeypatch, tmp_path, sample_dir):
    from diagnose.io.sandbox import uploads_isolated

    for value, isolated in (("", True), ("1", True), ("yes", True), ("0", False), ("off", False), ("false", False)):
        monkeypatch.setenv("DIAGNOSE_ISOLATE_UPLOADS", value)
        assert uploads_isolated() is isolated, value
    monkeypatch.setenv("DIAGNOSE_ISOLATE_UPLOADS", "0")
    kinds = _spy_on_the_sandbox(monkeypatch)
    at = _app(monkeypatch, tmp_path, sample_dir)
    good = sample_dir / "pdd_aftersales.csv"
    at.file_uploader[0].upload(good.name, good.read_bytes())
    at.run()
    assert not at.exception and not at.error
    assert kinds == []  # read in-process; the XML scan still refuses the bombs (tests above)


def test_dashboard_redirects_an_order_export_given_as_returns(monkeypatch, tmp_path, sample_dir):
    at = _app(monkeypatch, tmp_path, sample_dir)
    orders = sample_dir / "douyin_orders.csv"
    at.file_uploader[0].upload(orders.name, orders.read_bytes())
    at.run()
    assert not at.exception
    errors = [str(e.value).replace("\\", "") for e in at.error]
    assert any("douyin_orders.csv" in e and "这是订单导出文件" in e and "「订单」上传框" in e for e in errors), errors
