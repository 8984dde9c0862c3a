"""Hardening round two (issue 12) and the merchant-view ingest items (issue 13: 3, 6, 9).

Every fixture is built here, in code, under tmp_path or in memory.
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnose import cli
from diagnose.errors import InputError
from diagnose.messages import localise
from diagnose.io import limits as L
from diagnose.io.ingest import FileError, read_exports, read_orders
from diagnose.io.sandbox import read_exports_isolated, read_orders_isolated
from tests.builders import csv_bytes, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent
SALT = "test-salt"
HEADER = ["售后单号", "订单号", "商家编码", "售后原因", "用户售后说明", "退款金额", "申请时间"]


def _row(i: int, text: str = "尺码偏小", amount: str = "59.90") -> list[str]:
    return [f"R{i:04d}", f"O{i:04d}", "SKU-1", "尺码不合适", text, amount, "2024-05-01 10:00:00"]


def _rewrite(xlsx: bytes, part: str, edit) -> bytes:
    """The workbook with one part's XML changed by `edit` (bytes -> bytes)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                data = edit(data)
            dst.writestr(info.filename, data)
    return out.getvalue()


def _small_book() -> bytes:
    return xlsx_bytes({"Sheet1": [HEADER, _row(1), _row(2)]})


# ---------------------------------------------------------------------------
# 1. workbook bombs: a streaming XML scan before the reader, and isolated parsing
# ---------------------------------------------------------------------------
def _shared_strings_bomb() -> bytes:
    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb'uniqueCount="[0-9]+"', b'uniqueCount="4000000000"', xml)
        return re.sub(rb' count="[0-9]+"', b' count="4000000000"', xml)

    return _rewrite(_small_book(), "xl/sharedStrings.xml", edit)


def _far_cell_bomb(dimension: bytes = b"A1:B2", cell: bytes = b"XFD1048576") -> bytes:
    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="' + dimension + b'"/>', xml)
        row = int(re.match(rb"[A-Z]+([0-9]+)", cell).group(1))
        extra = b'<row r="%d"><c r="%s" t="inlineStr"><is><t>x</t></is></c></row>' % (row, cell)
        return xml.replace(b"</sheetData>", extra + b"</sheetData>")

    return _rewrite(_small_book(), "xl/worksheets/sheet1.xml", edit)


@pytest.mark.parametrize("make,code", [
    (_shared_strings_bomb, "shared_strings_bad"),
    (_far_cell_bomb, "sheet_cells_over_limit"),
    (lambda: _far_cell_bomb(b"A1:XFD7000", b"XFD7000"), "columns_over_limit"),
])
def test_workbook_bombs_are_refused_before_the_reader(make, code):
    data = make()
    assert len(data) < 20_000
    for read in (lambda: read_exports([("bomb.xlsx", data)], salt=SALT),
                 lambda: read_orders(("bomb.xlsx", data), salt=SALT)):
        with pytest.raises(InputError) as info:
            read()
        assert info.value.code == code
        assert "bomb.xlsx" in str(info.value) and "not opened" in str(info.value) or "not read" in str(info.value)


def test_a_real_workbook_passes_the_scan():
    result = read_exports([("ok.xlsx", _small_book())], salt=SALT)
    assert len(result.frame) == 2


def test_isolated_read_matches_the_in_process_read():
    files = [("a.csv", csv_bytes([HEADER, _row(1), _row(2)])), ("b.xlsx", _small_book())]
    here = read_exports(files, salt=SALT)
    there = read_exports_isolated(files, salt=SALT)
    pd.testing.assert_frame_equal(here.frame, there.frame)
    assert [f.name for f in there.files] == ["a.csv", "b.xlsx"]
    orders = csv_bytes([["主订单编号", "子订单编号", "选购商品", "商家编码", "商品数量", "订单提交时间"],
                   ["1", "11", "T恤", "SKU-1", "2", "2024-05-01 10:00:00"]])
    pd.testing.assert_frame_equal(read_orders(("o.csv", orders), salt=SALT),
                                  read_orders_isolated(("o.csv", orders), salt=SALT))


def test_a_child_that_runs_out_of_memory_fails_only_its_file(monkeypatch):
    big = csv_bytes([HEADER] + [_row(i, "大" * 200) for i in range(3000)])
    monkeypatch.setenv(L.PARSE_MEMORY_MB_ENV, "1")  # below what any parse needs
    with pytest.raises(InputError) as info:
        read_exports_isolated([("big.csv", big)], salt=SALT)
    assert info.value.code in ("parse_out_of_memory", "parse_crashed")
    assert str(info.value).startswith("big.csv: ")
    # collect mode: the file is one FileError with the code; the good file still loads
    monkeypatch.setenv(L.PARSE_MEMORY_MB_ENV, "1")
    result = read_exports_isolated([("big.csv", big)], salt=SALT, errors="collect")
    assert [e.file for e in result.errors] == ["big.csv"] and result.errors[0].code
    monkeypatch.delenv(L.PARSE_MEMORY_MB_ENV)
    assert len(read_exports_isolated([("big.csv", big)], salt=SALT).frame) == 3000


# ---------------------------------------------------------------------------
# 2. quote damage never loses rows
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("sep", [",", "\t"])
def test_an_unbalanced_quote_does_not_glue_rows(sep):
    rows = [HEADER] + [_row(i) for i in range(1, 6)]
    rows[2][4] = '"Too small, returning' if sep == "\t" else '"太小了 退掉'
    data = csv_bytes(rows, sep)
    result = read_exports([("quotes.csv", data)], salt=SALT)
    frame = result.frame
    assert result.rows_in == len(frame) == 5
    assert frame["return_id"].tolist() == [f"R{i:04d}" for i in range(1, 6)]
    assert frame["source_row"].tolist() == [2, 3, 4, 5, 6]
    assert frame.loc[1, "row_issues"] == "text:stray_quote"
    assert frame.loc[1, "buyer_text"].lstrip('"').startswith(("Too small", "太小了"))
    assert (frame.drop(index=1)["row_issues"] == "").all()
    assert any("never closed" in i and "line 3" in i for i in result.files[0].issues)


def test_quoted_line_breaks_are_still_one_cell():
    rows = [HEADER, _row(1), _row(2)]
    rows[1][4] = '"第一行\n第二行,还有逗号"'
    result = read_exports([("ok.csv", csv_bytes(rows))], salt=SALT)
    assert result.frame["buyer_text"].tolist()[0] == "第一行\n第二行,还有逗号"
    assert (result.frame["row_issues"] == "").all()


def test_chunked_classify_keeps_every_row_of_a_damaged_file(tmp_path):
    rows = [HEADER] + [_row(i) for i in range(1, 40)]
    rows[5][4] = '"坏引号 后面的行'
    src = tmp_path / "quotes.csv"
    src.write_bytes(csv_bytes(rows))
    out = tmp_path / "out.csv"
    assert cli.main(["classify", str(src), "-o", str(out), "--chunksize", "7"]) == 0
    written = pd.read_csv(out, dtype=str)
    assert written["return_id"].tolist() == [f"R{i:04d}" for i in range(1, 40)]


# ---------------------------------------------------------------------------
# 3. every matching sheet of a workbook
# ---------------------------------------------------------------------------
def test_every_sheet_with_an_export_header_is_read():
    book = xlsx_bytes({"说明": [["本表为售后导出"], ["请勿修改"]],
                  "4月": [HEADER, _row(1), _row(2)],
                  "5月": [HEADER, _row(3)]})
    result = read_exports([("book.xlsx", book)], salt=SALT)
    assert result.rows_in == len(result.frame) == 3
    assert [f.name for f in result.files] == ["book.xlsx [4月]", "book.xlsx [5月]"]
    assert set(result.frame["source_file"]) == {"book.xlsx [4月]", "book.xlsx [5月]"}
    notes = " ".join(result.files[0].issues)
    assert "'4月', '5月'" in notes and "skipped" in notes and "'说明'" in notes


def test_data_on_sheet_21_is_found():
    sheets = {f"空{i}": [["备注"], [str(i)]] for i in range(20)}
    sheets["数据"] = [HEADER, _row(1)]
    result = read_exports([("deep.xlsx", xlsx_bytes(sheets))], salt=SALT)
    assert result.frame["return_id"].tolist() == ["R0001"]


# ---------------------------------------------------------------------------
# 4. merging only the same return
# ---------------------------------------------------------------------------
def test_scientific_notation_ids_are_flagged_and_never_merged():
    rows = [HEADER] + [["7.55454E+18", "", "S", "质量问题", t, "1", "2024-05-01"] for t in ("破了", "小了", "脏了")]
    result = read_exports([("mangled.csv", csv_bytes(rows))], salt=SALT)
    assert len(result.frame) == 3 and result.duplicates_merged == 0
    assert (result.frame["row_issues"] == "return_id:imprecise").all()
    assert any("scientific notation" in i for i in result.files[0].issues)


def test_synthesised_ids_are_unique_per_source(tmp_path):
    rows = [["订单号", "用户售后说明"], ["1", "太大"], ["2", "太小"]]
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "export.csv").write_bytes(csv_bytes(rows))
    paths = [tmp_path / "a" / "export.csv", tmp_path / "b" / "export.csv"]
    result = read_exports(paths, salt=SALT)
    assert len(result.frame) == 4 and result.duplicates_merged == 0
    both = read_exports([("returns.csv", csv_bytes(rows)), ("returns.xlsx", xlsx_bytes({"S": rows}))], salt=SALT)
    assert len(both.frame) == 4 and both.frame["return_id"].is_unique
    assert set(both.frame["return_id"]) == {"returns.csv#2", "returns.csv#3", "returns.xlsx#2", "returns.xlsx#3"}
    # one file alone keeps the short form
    assert read_exports([("returns.csv", csv_bytes(rows))], salt=SALT).frame["return_id"].tolist() == \
        ["returns#2", "returns#3"]


# ---------------------------------------------------------------------------
# 6. limits that cannot be walked around
# ---------------------------------------------------------------------------
def test_long_buyer_text_is_kept_and_flagged_and_a_huge_cell_refused(monkeypatch):
    long = "很" * (L.MAX_TEXT_CHARS + 1)
    result = read_exports([("long.csv", csv_bytes([HEADER, _row(1, long), _row(2)]))], salt=SALT)
    assert result.frame.loc[0, "buyer_text"] == long
    assert result.frame["row_issues"].tolist() == ["buyer_text:long", ""]
    monkeypatch.setenv(L.MAX_CELL_CHARS_ENV, "5000")
    with pytest.raises(InputError) as info:
        read_exports([("huge.csv", csv_bytes([HEADER, _row(1), _row(2, "x" * 6000)]))], salt=SALT)
    assert info.value.code == "cell_too_long" and info.value.params["row"] == 3
    assert "row 3, column '用户售后说明'" in str(info.value)


def test_too_many_columns_are_refused_before_parsing():
    header = HEADER + [f"扩展{i}" for i in range(L.current_limits().columns)]
    with pytest.raises(InputError) as info:
        read_exports([("wide.csv", csv_bytes([header, _row(1)]))], salt=SALT)
    assert info.value.code == "columns_over_limit"


def test_non_regular_files_are_refused(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for path, word in ((fifo, "pipe"), (Path("/dev/zero"), "device")):
        with pytest.raises(InputError) as info:
            read_exports([path], salt=SALT)
        assert info.value.code == "not_regular_file" and word in str(info.value)


# ---------------------------------------------------------------------------
# 7. wrong values are not accepted silently
# ---------------------------------------------------------------------------
def test_decimal_commas_are_detected_per_file():
    rows = [HEADER, _row(1, amount="59,90"), _row(2, amount="1.234,56"), _row(3, amount="1 234,50")]
    result = read_exports([("eu.csv", csv_bytes(rows, ";"))], salt=SALT)
    assert result.frame["amount"].tolist() == [59.90, 1234.56, 1234.50]
    assert any("comma" in i for i in result.files[0].issues)
    # a file with decimal points keeps reading thousands separators as before
    rows = [HEADER, _row(1, amount='"1,299.00"'), _row(2, amount="12.50")]
    assert read_exports([("cn.csv", csv_bytes(rows))], salt=SALT).frame["amount"].tolist() == [1299.0, 12.5]


def test_non_finite_amounts_are_flagged():
    rows = [HEADER, _row(1, amount="inf"), _row(2, amount="1e999"), _row(3, amount="-inf"), _row(4)]
    frame = read_exports([("inf.csv", csv_bytes(rows))], salt=SALT).frame
    assert frame["amount"].isna().tolist() == [True, True, True, False]
    assert frame["row_issues"].tolist()[:3] == ["amount:unparseable"] * 3
    assert np.isfinite(frame["amount"].sum())


def test_two_exports_glued_together_are_split_and_a_repeated_header_skipped():
    taobao = ["退款编号", "订单编号", "宝贝标题", "买家退款原因", "买家退款说明", "买家退款金额", "退款的申请时间"]
    rows = ([HEADER, _row(1), _row(2), HEADER, _row(3)]
            + [["淘宝退款导出 2024-05"], taobao, ["T1", "O9", "衬衫", "质量问题", "开线了", "88", "2024-05-02 10:00"]])
    result = read_exports([("glued.csv", csv_bytes(rows))], salt=SALT)
    frame = result.frame
    assert frame["return_id"].tolist() == ["R0001", "R0002", "R0003", "T1"]
    assert frame.loc[3, "buyer_text"] == "开线了" and frame.loc[3, "platform"] == "taobao"
    assert [f.name for f in result.files] == ["glued.csv (block 1)", "glued.csv (block 2)"]
    assert any("repeat the header" in i and "row 4" in i for i in result.files[0].issues)
    assert result.files[1].header_row == 7
    assert "header found on row 7; 1 row(s) above it skipped" in result.files[1].issues
    assert len(frame) == result.rows_in


# ---------------------------------------------------------------------------
# 9. clear messages
# ---------------------------------------------------------------------------
def test_a_gbk_file_name_is_shown_readably(tmp_path, capsys):
    raw = "售后导出.csv".encode("gbk")
    path = os.path.join(os.fsencode(tmp_path), raw)
    with open(path, "wb") as fh:
        fh.write(csv_bytes([HEADER, _row(1)]))
    name = os.fsdecode(path)
    result = read_exports([name], salt=SALT)
    assert result.files[0].name == "售后导出.csv"
    out = tmp_path / "o.csv"
    assert cli.main(["classify", name, "-o", str(out)]) == 0
    assert "UnicodeEncodeError" not in capsys.readouterr().err


def test_utf8_then_gbk_names_the_line():
    data = csv_bytes([HEADER, _row(1, "鞋子偏大"), _row(2, "颜色不对")]) + ",".join(_row(3, "质量很差")).encode("gbk")
    with pytest.raises(InputError) as info:
        read_exports([("mixed.csv", data)], salt=SALT)
    assert info.value.code == "mixed_encoding" and info.value.params["line"] == 4
    assert "line 4" in str(info.value)


def test_utf16le_without_bom_is_read():
    text = "\n".join("\t".join(r) for r in [HEADER, _row(1, "尺码偏小"), _row(2, "不想要了")]) + "\n"
    result = read_exports([("u16.txt", text.encode("utf-16-le"))], salt=SALT)
    assert result.files[0].encoding == "utf-16-le"
    assert result.frame["buyer_text"].tolist() == ["尺码偏小", "不想要了"]


def test_a_few_control_characters_are_removed_not_refused():
    data = csv_bytes([HEADER, _row(1, "坏\x00了\x07"), _row(2, "好\x0c")])
    result = read_exports([("ctl.csv", data)], salt=SALT)
    assert result.frame["buyer_text"].tolist() == ["坏了", "好"]
    assert any("control character" in i and "line 2" in i for i in result.files[0].issues)


def test_cr_only_line_endings_are_read():
    data = csv_bytes([HEADER, _row(1), _row(2)]).replace(b"\n", b"\r")
    result = read_exports([("mac.csv", data)], salt=SALT)
    assert result.frame["return_id"].tolist() == ["R0001", "R0002"]
    assert any("CR only" in i for i in result.files[0].issues)


def test_a_file_name_starting_with_a_dash_after_double_dash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("-x.csv").write_bytes(csv_bytes([HEADER, _row(1)]))
    assert cli.main(["classify", "-o", "out.csv", "--", "-x.csv"]) == 0
    assert pd.read_csv("out.csv", dtype=str)["return_id"].tolist() == ["R0001"]


# ---------------------------------------------------------------------------
# issue 13: other kinds of sheet, weak platform evidence, codes and Chinese texts
# ---------------------------------------------------------------------------
ORDER_HEADER = ["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商家编码", "订单提交时间",
                "支付完成时间", "订单状态", "售后状态", "买家留言"]


@pytest.mark.parametrize("header,code", [
    (ORDER_HEADER, "order_export"),
    (["结算单号", "订单号", "结算金额", "结算时间", "备注"], "settlement_export"),
    (["订单号", "商品名称", "评价内容", "评分", "评价时间"], "review_export"),
])
def test_other_kinds_of_sheet_are_refused_with_where_to_put_them(header, code):
    data = csv_bytes([header, ["1"] * len(header)])
    with pytest.raises(InputError) as info:
        read_exports([("other.csv", data)], salt=SALT)
    assert info.value.code == code
    text = localise(info.value, "zh", "ui")
    assert text.startswith("other.csv：") and re.search(r"[\u4e00-\u9fff]", text)
    if code == "order_export":
        assert "订单" in text and "上传" in text
        assert "--orders" in localise(info.value, "en", "cli")


def test_an_order_sheet_beside_return_sheets_is_skipped_with_a_note():
    book = xlsx_bytes({"售后": [HEADER, _row(1)], "订单": [ORDER_HEADER, ["1"] * len(ORDER_HEADER)]})
    result = read_exports([("mixed.xlsx", book)], salt=SALT)
    assert result.frame["return_id"].tolist() == ["R0001"]
    assert any("not read" in i and "订单" in i for i in result.files[0].issues)


def test_report_over_the_sample_folder_refuses_the_order_export(sample_dir, tmp_path, capsys):
    files = sorted(str(p) for p in sample_dir.glob("*.csv"))
    assert any(f.endswith("douyin_orders.csv") for f in files)
    code = cli.main(["report", *files, "-o", str(tmp_path / "r.md")])
    err = capsys.readouterr().err
    assert code == 2
    assert "douyin_orders.csv" in err and "订单导出" in err and "--orders" in err


def test_weak_platform_evidence_falls_back_to_generic():
    header = ["售后编号", "订单号", "商品名称", "问题描述", "申请时间"]  # 售后编号 alone is Pinduoduo-ish
    text = "\n".join(",".join(r) for r in [header, ["A1", "O1", "杯子", "漏水", "2024-05-01"]]) + "\n"
    result = read_exports([("u16.csv", text.encode("utf-16"))], salt=SALT)
    assert result.files[0].profile == "generic"
    assert any("not typical enough" in i for i in result.files[0].issues)
    assert result.frame.loc[0, "buyer_text"] == "漏水"


def _codes_in_io() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "diagnose" / "io").glob("*.py"):
        if path.name in ("export.py", "privacy.py"):
            continue
        codes.update(re.findall(r'code="([a-z_0-9]+)"', path.read_text(encoding="utf-8")))
    from diagnose.io.sheetkind import KIND_NAMES

    return codes | set(KIND_NAMES) | {"mixed_encoding", "bad_bytes"}


def test_every_ingest_error_code_has_chinese_and_english_texts():
    from diagnose.messages import CATALOGUE

    codes = _codes_in_io()
    assert len(codes) > 40
    missing = sorted(codes - set(CATALOGUE))
    assert not missing, missing
    for code in codes:
        message = CATALOGUE[code]
        for text in (message.zh, message.ui_zh, message.cli_zh):
            assert re.search(r"[\u4e00-\u9fff]", text), (code, text)
        assert message.en and message.ui_en and message.cli_en, code


def test_every_raise_in_io_carries_a_code():
    for path in (ROOT / "diagnose" / "io").glob("*.py"):
        if path.name in ("export.py", "privacy.py"):
            continue
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r"InputError\(", source):
            start = match.start()
            if source[max(0, start - 6):start].endswith("class "):
                continue
            call = source[start: start + 1200]
            depth, end = 0, 0
            for k, ch in enumerate(call):
                depth += ch == "("
                depth -= ch == ")"
                if depth == 0 and ch == ")":
                    end = k
                    break
            body = call[:end]
            assert "code=" in body or body.startswith("InputError(payload"), \
                f"{path.name}: {body[:120]}"


def test_localise_and_file_errors_carry_code_and_params():
    bad = csv_bytes([["订单号", "商家编码"], ["1", "S"]])
    result = read_exports([("nocol.csv", bad), ("ok.csv", csv_bytes([HEADER, _row(1)]))], salt=SALT, errors="collect")
    [error] = result.errors
    assert isinstance(error, FileError) and error.code == "no_text_column"
    assert error.params["headers"] == "订单号 | 商家编码"
    zh_ui = localise(error, "zh", "ui")
    assert zh_ui.startswith("nocol.csv：找不到") and "修正列映射" in zh_ui and "--map" not in zh_ui
    assert "--map buyer_text=" in localise(error, "zh", "cli")
    en_ui = localise(error, "en", "ui")
    assert en_ui.startswith("nocol.csv: no column") and "--map" not in en_ui
    # an error without a code falls back to its own text
    assert localise(InputError("plain words", file="f.csv"), "zh") == "f.csv: plain words"
