"""Spreadsheet writers: formula-injection safety, encodings, types."""
from __future__ import annotations

import csv
import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from diagnose.errors import InputError
from diagnose.io.export import safe_cell, safe_frame, to_csv_bytes, to_xlsx_bytes, write_table

PAYLOADS = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(1)", "  =1+1", "\t=1", "\r=1"]


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame({
        "return_id": ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"],
        "buyer_text": PAYLOADS + ["鞋子偏小 -_-"],
        "amount": [-12.5, 1.0, 2.0, np.nan, 3.0, 4.0, 5.0, 6.0],
        "quantity": pd.array([1, 2, None, 1, 1, 1, 1, 1], dtype="Int64"),
        "needs_review": [True, False, True, False, True, False, True, False],
        "reason_conflict": pd.array([True, None, False, True, False, True, False, True], dtype="boolean"),
        "applied_at": pd.to_datetime(["2024-05-01 13:45:10"] * 7 + [None]),
        "week": pd.to_datetime(["2024-04-29"] * 8),
    })


@pytest.mark.parametrize("value", PAYLOADS)
def test_safe_cell_neutralises_formula_starts(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["偏小", "a=b", "1+1", "", "'=already", "颜色-偏深"])
def test_safe_cell_leaves_plain_text(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-2.5, 3, np.float64(-1.0), True, None, pd.Timestamp("2024-01-01")])
def test_safe_cell_keeps_non_strings(value):
    assert safe_cell(value) is value


def test_safe_frame_touches_only_strings_and_headers(table):
    df = table.assign(**{"=HYPERLINK(\"x\")": "ok"})
    out = safe_frame(df)
    assert list(out["buyer_text"][:4]) == ["'=cmd|' /C calc'!A0", "'+1", "'-2+3", "'@SUM(1)"]
    assert out["amount"].iloc[0] == -12.5 and out["amount"].dtype == float
    assert out.columns[-1] == "'=HYPERLINK(\"x\")"
    assert table["buyer_text"].iloc[1] == "+1"  # the input is not modified


def test_csv_has_bom_and_is_neutralised(table, tmp_path):
    path = tmp_path / "out.csv"
    write_table(table, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    col = {h: i for i, h in enumerate(header)}
    texts = [r[col["buyer_text"]] for r in body]
    assert texts[:4] == ["'=cmd|' /C calc'!A0", "'+1", "'-2+3", "'@SUM(1)"]
    assert texts[-1] == "鞋子偏小 -_-"
    for text in texts:
        assert not text.lstrip().startswith(("=", "+", "-", "@", "\t", "\r"))
    assert body[0][col["amount"]] == "-12.5"  # a number, no apostrophe
    assert [r[col["needs_review"]] for r in body[:2]] == ["TRUE", "FALSE"]
    assert [r[col["reason_conflict"]] for r in body[:2]] == ["TRUE", ""]
    assert body[0][col["applied_at"]] == "2024-05-01 13:45:10"
    assert body[-1][col["applied_at"]] == ""
    assert body[0][col["week"]] == "2024-04-29"
    assert body[2][col["quantity"]] == ""


def test_xlsx_is_neutralised_and_typed(table, tmp_path):
    path = tmp_path / "out.xlsx"
    write_table(table, path, sheet_name="退货")
    wb = openpyxl.load_workbook(path)
    ws = wb["退货"]
    header = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(header)}
    rows = list(ws.iter_rows(min_row=2))
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    texts = [r[col["buyer_text"]].value for r in rows]
    assert texts[:4] == ["'=cmd|' /C calc'!A0", "'+1", "'-2+3", "'@SUM(1)"]
    amount = rows[0][col["amount"]]
    assert amount.value == -12.5 and amount.data_type == "n"
    assert rows[3][col["amount"]].value is None
    assert rows[0][col["needs_review"]].value is True and rows[0][col["needs_review"]].data_type == "b"
    assert rows[1][col["reason_conflict"]].value is None
    when = rows[0][col["applied_at"]]
    assert when.is_date and when.value == pd.Timestamp("2024-05-01 13:45:10").to_pydatetime()
    assert "yyyy-mm-dd" in when.number_format
    week = rows[0][col["week"]]
    assert week.is_date and week.number_format == "yyyy-mm-dd"


def test_xlsx_does_not_turn_strings_into_urls_or_numbers(tmp_path):
    df = pd.DataFrame({"order_id": ["6912345678901234567", "00123"], "note": ["http://x.cn", "1e5"]})
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"s": df})))
    ws = wb["s"]
    assert ws["A2"].value == "6912345678901234567" and ws["A2"].data_type == "s"
    assert ws["A3"].value == "00123"
    assert ws["B2"].hyperlink is None and ws["B3"].value == "1e5"


def test_timezone_aware_datetimes_are_written(tmp_path):
    df = pd.DataFrame({"t": pd.to_datetime(["2024-05-01 08:00"]).tz_localize("Asia/Shanghai")})
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"s": df})))
    assert wb["s"]["A2"].value == pd.Timestamp("2024-05-01 08:00").to_pydatetime()
    assert to_csv_bytes(df).decode("utf-8-sig").splitlines()[1] == "2024-05-01 08:00:00"


def test_to_xlsx_bytes_several_sheets_with_awkward_names():
    data = to_xlsx_bytes({
        "returns": pd.DataFrame({"a": [1]}),
        "a/b:c?" + "x" * 40: pd.DataFrame({"b": ["=1"]}),
        "RETURNS": pd.DataFrame({"c": [True]}),
    })
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert len(wb.sheetnames) == 3
    assert all(len(n) <= 31 for n in wb.sheetnames)
    assert wb.worksheets[1]["A2"].value == "'=1"


def test_list_cells_are_joined_and_neutralised():
    df = pd.DataFrame({"examples": [["=1+1", "偏小"], None]})
    text = to_csv_bytes(df).decode("utf-8-sig")
    assert "'=1+1\n偏小" in text.replace("\r\n", "\n")


def test_csv_bytes_round_trip_with_pandas(table):
    back = pd.read_csv(io.BytesIO(to_csv_bytes(table)), encoding="utf-8-sig")
    assert len(back) == len(table)
    assert back["amount"].iloc[0] == -12.5
    assert back["buyer_text"].iloc[-1] == "鞋子偏小 -_-"


@pytest.mark.parametrize("name", ["out.txt", "out.xls", "out", "out.json"])
def test_unknown_extension_is_an_input_error(table, tmp_path, name):
    with pytest.raises(InputError) as err:
        write_table(table, tmp_path / name)
    assert ".csv or .xlsx" in str(err.value)


def test_unwritable_path_is_an_input_error(table, tmp_path):
    with pytest.raises(InputError):
        write_table(table, tmp_path / "missing-folder" / "out.csv")


# --------------------------------------------------------------------------
# Excel's sheet size: longer tables are split over sheets, wider ones refused
# --------------------------------------------------------------------------
def test_row_parts_split_at_the_real_excel_limit_without_losing_a_row():
    from diagnose.io.export import EXCEL_MAX_ROWS, row_parts

    assert EXCEL_MAX_ROWS == 1_048_576
    assert row_parts(1_048_575) == [(0, 1_048_575)]  # exactly fills one sheet below its header
    assert row_parts(1_048_576) == [(0, 1_048_575), (1_048_575, 1_048_576)]
    parts = row_parts(2_500_000)
    assert parts[0] == (0, 1_048_575) and parts[-1][1] == 2_500_000 and len(parts) == 3
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))


def test_a_table_longer_than_a_sheet_is_split_over_sheets_in_order():
    frame = pd.DataFrame({"return_id": [f"R{i}" for i in range(12)], "amount": [float(i) for i in range(12)]})
    notes: list[str] = []
    data = to_xlsx_bytes({"returns": frame, "summary": frame.head(2)}, max_rows=5, notes=notes)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["returns (1)", "returns (2)", "returns (3)", "summary", "拆分说明 split"]
    rows = []
    for name in ("returns (1)", "returns (2)", "returns (3)"):
        values = list(wb[name].iter_rows(values_only=True))
        assert values[0] == ("return_id", "amount") and len(values) <= 5
        rows.extend(values[1:])
    assert [r[0] for r in rows] == list(frame["return_id"]) and [r[1] for r in rows] == list(frame["amount"])
    told = [r[0] for r in wb["拆分说明 split"].iter_rows(min_row=2, values_only=True)]
    assert any("12 行" in t and "「returns (3)」" in t for t in told), told
    assert notes == ["table 'returns' has 12 rows, more than one Excel sheet holds (4); it is split in order "
                     "over 3 sheets: 'returns (1)', 'returns (2)', 'returns (3)'"]
    # a table that fits is written as before: one sheet, its own name, no notes sheet
    assert openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"returns": frame}, max_rows=13))).sheetnames == ["returns"]


def test_classify_to_xlsx_says_when_it_split_the_table(tmp_path, monkeypatch, capsys):
    from diagnose import cli
    from diagnose.io import export

    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 3)
    src = tmp_path / "r.csv"
    src.write_text("售后单号,退款原因,买家留言\n" + "".join(f"{i},尺码不合适,偏小{i}\n" for i in range(5)),
                   encoding="utf-8")
    assert cli.main(["classify", str(src), "-o", str(tmp_path / "x.xlsx")]) == 0
    err = capsys.readouterr().err
    assert "note: table 'returns' has 5 rows, more than one Excel sheet holds (2); it is split" in err
    wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
    assert wb.sheetnames == ["returns (1)", "returns (2)", "returns (3)", "拆分说明 split"]
    assert sum(wb[n].max_row - 1 for n in wb.sheetnames[:3]) == 5


def test_a_table_wider_than_a_sheet_is_refused_with_a_code(tmp_path):
    from diagnose.messages import localise

    wide = pd.DataFrame([range(16_385)], columns=[f"c{j}" for j in range(16_385)])
    with pytest.raises(InputError, match="16,385 columns, more than an Excel sheet holds") as err:
        write_table(wide, tmp_path / "wide.xlsx")
    assert err.value.code == "xlsx_too_many_columns"
    assert err.value.params == {"table": "returns", "columns": 16_385, "limit": 16_384}
    assert "16,385 列" in localise(err.value, "zh", "cli")
    assert not (tmp_path / "wide.xlsx").exists()
    with pytest.raises(InputError, match="3 columns"):
        to_xlsx_bytes({"t": pd.DataFrame({"a": [1], "b": [2], "c": [3]})}, max_columns=2)
    assert write_table(wide, tmp_path / "wide.csv") == []  # CSV has no such limit
