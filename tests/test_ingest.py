"""Ingest: every sample format, encodings, header detection, overrides, bad input."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from diagnose.errors import InputError
from diagnose.io.ingest import (
    CANONICAL_COLUMNS,
    hash_identifier,
    parse_overrides,
    read_exports,
    read_orders,
)

ROOT = Path(__file__).resolve().parent.parent
HEX16 = re.compile(r"^[0-9a-f]{16}$")


def _records(path: Path, encoding: str, delimiter: str = ",") -> list[list[str]]:
    text = path.read_bytes().decode(encoding)
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _xlsx_bytes(rows: list[list[object]], date_cols: tuple[int, ...] = ()) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("Sheet1")
    fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, dt.datetime):
                ws.write_datetime(i, j, v, fmt)
            elif isinstance(v, (int, float)):
                ws.write_number(i, j, v)
            else:
                ws.write_string(i, j, str(v))
    wb.close()
    return buf.getvalue()


def _check_contract(result) -> None:
    frame = result.frame
    assert list(frame.columns[: len(CANONICAL_COLUMNS)]) == list(CANONICAL_COLUMNS)
    assert len(frame) + result.duplicates_merged == result.rows_in
    assert result.rows_in == sum(f.n_rows for f in result.files)
    assert frame["amount"].dtype == "float64"
    assert frame["quantity"].dtype == "float64"
    assert frame["quantity"].notna().all()
    assert str(frame["applied_at"].dtype).startswith("datetime64")
    assert str(frame["signed_at"].dtype).startswith("datetime64")
    assert frame["source_row"].dtype == "int64"
    assert frame["return_id"].notna().all()
    assert frame["return_id"].is_unique
    assert frame["buyer_text"].notna().all()
    assert frame["row_issues"].notna().all()
    assert set(frame["return_type"].dropna()) <= {"refund_only", "return_refund", "exchange"}
    ids = frame["buyer_id"].dropna()
    assert ids.map(lambda v: bool(HEX16.match(v))).all()
    assert result.flagged_rows == int((frame["row_issues"] != "").sum())


# ---------------------------------------------------------------------------
# The sample exports
# ---------------------------------------------------------------------------
def test_douyin_sample(sample_dir):
    path = sample_dir / "douyin_aftersales.csv"
    result = read_exports([path])
    _check_contract(result)
    report = result.files[0]
    assert report.profile == "douyin"
    assert report.encoding == "gb18030"
    assert report.header_row == 3  # two title rows above the header
    assert report.mapping["return_id"] == "售后单号"
    assert report.mapping["buyer_text"] == "用户售后说明"
    assert report.mapping["platform_reason"] == "售后原因"
    assert report.mapping["amount"] == "退商品金额（元）"
    assert report.mapping["sku"] == "商家编码"
    assert report.mapping["signed_at"] == "签收时间"
    assert report.mapping["buyer_id"] == "用户昵称"
    assert "售后原因标签" in report.unmapped and "协商记录" in report.unmapped

    records = _records(path, "gb18030")
    header = records[2]
    data = records[3:]
    assert report.n_rows == len(data) == result.rows_in
    assert result.duplicates_merged == 5  # five cases exported twice in the sample

    frame = result.frame
    # IDs exact: tab wrappers stripped, 19 digits kept as text, leading zeros kept.
    raw_ids = {r[header.index("售后单号")].strip() for r in data}
    assert set(frame["return_id"]) == raw_ids
    assert frame["return_id"].str.fullmatch(r"\d{19}").all()
    assert frame["order_id"].str.fullmatch(r"\d{19}").all()
    assert "0073102" in set(frame["sku"])
    assert not frame["sku"].str.startswith("\t").any()

    # Source rows point back at the right line of the file.
    for _, row in frame.sample(20, random_state=1).iterrows():
        line = records[row["source_row"] - 1]
        assert line[header.index("售后单号")].strip() == row["return_id"]
        assert line[header.index("商家编码")].strip() == row["sku"]

    # Duplicates: the last occurrence wins (its status is the current one).
    assert not (frame["status"] == "待商家处理").all()
    assert frame["amount"].notna().all()
    assert frame["applied_at"].notna().all()
    assert frame["signed_at"].notna().mean() > 0.8
    assert frame["platform_reason"].str.contains("（商品品质原因）").any()
    assert (frame["buyer_text"] == "").mean() > 0.05  # '-' became empty text
    assert frame["platform"].eq("douyin").all()
    assert result.flagged_rows == 0
    # Personal columns carried hashed under their own header.
    assert frame["商家退货联系人电话"].map(lambda v: bool(HEX16.match(v))).all()
    # Money headers keep their original spelling in the carried columns.
    assert "应付金额（元）" in frame.columns


def test_douyin_raw_buyer_ids_never_kept(sample_dir):
    path = sample_dir / "douyin_aftersales.csv"
    records = _records(path, "gb18030")
    nick = records[2].index("用户昵称")
    nicknames = {r[nick] for r in records[3:]} - {"-", ""}
    frame = read_exports([path]).frame
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object or str(values.dtype) == "str":
            assert not set(values.dropna()) & nicknames, column
    assert frame["buyer_id"].nunique() < len(frame)  # repeat buyers keep one hash


def test_taobao_sample(sample_dir):
    path = sample_dir / "taobao_refunds.xlsx"
    result = read_exports([path])
    _check_contract(result)
    report = result.files[0]
    assert report.profile == "taobao"
    assert report.encoding is None
    assert report.header_row == 1
    assert report.mapping["return_id"] == "退款编号"
    assert report.mapping["platform_reason"] == "买家退款原因"
    assert report.mapping["buyer_text"] == "买家退款说明"
    assert report.mapping["applied_at"] == "退款的申请时间"
    assert report.mapping["return_type"] == "是否需要退货"

    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header, data = list(rows[0]), rows[1:]
    assert report.n_rows == len(data) == len(result.frame)
    frame = result.frame
    assert frame.loc[0, "order_id"] == "4987654321098765432"
    col = {h: i for i, h in enumerate(header)}
    for _, row in frame.sample(25, random_state=2).iterrows():
        src = data[row["source_row"] - 2]
        assert row["return_id"] == src[col["退款编号"]]
        assert row["applied_at"] == pd.Timestamp(src[col["退款的申请时间"]])
        expected_type = "refund_only" if src[col["是否需要退货"]] == "否" else "return_refund"
        assert row["return_type"] == expected_type
        money = src[col["买家退款金额"]]
        if isinstance(money, str):  # text cells such as "¥1,234.00"
            money = float(money.replace("¥", "").replace(",", ""))
        assert row["amount"] == pytest.approx(money)
    # Some amounts are text cells like "¥159.00"; they parse too.
    assert frame["amount"].notna().all()
    assert frame["卖家真实姓名"].map(lambda v: bool(HEX16.match(v))).all()


def test_amazon_sample(sample_dir):
    path = sample_dir / "amazon_fba_returns.tsv"
    result = read_exports([path])
    _check_contract(result)
    report = result.files[0]
    assert report.profile == "amazon"
    assert report.encoding == "utf-8"
    assert report.mapping["product_title"] == "Product-Name"
    assert report.mapping["buyer_text"] == "customer-comments"
    assert report.mapping["platform_reason"] == "reason"
    assert report.mapping["product_id"] == "asin"
    assert "fulfilment-centre-id" in report.unmapped

    records = _records(path, "utf-8", "\t")
    assert report.n_rows == len(records) - 1 == len(result.frame)
    frame = result.frame
    assert frame["return_id"].iloc[0] == "amazon_fba_returns#2"  # synthesised
    for _, row in frame.sample(20, random_state=3).iterrows():
        raw = records[row["source_row"] - 1]
        # ISO with a time zone -> naive wall-clock time as written.
        assert row["applied_at"] == pd.Timestamp(raw[0][:19])
        assert row["order_id"] == raw[1]
    assert frame["platform_reason"].str.fullmatch(r"[A-Z_\-]+").all()


def test_pinduoduo_sample(sample_dir):
    path = sample_dir / "pdd_aftersales.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = read_exports([path])
    _check_contract(result)
    report = result.files[0]
    assert report.profile == "pinduoduo"
    assert report.encoding == "utf-8-sig"
    assert report.mapping["return_id"] == "售后编号"
    assert report.mapping["amount"] == "退款金额(元)"
    records = _records(path, "utf-8-sig")
    header = records[0]
    assert report.n_rows == len(records) - 1
    frame = result.frame
    for _, row in frame.iterrows():
        raw = records[row["source_row"] - 1]
        text = raw[header.index("退款金额(元)")]
        assert row["amount"] == pytest.approx(float(text.lstrip("¥")))
        y, m, rest = raw[header.index("申请时间")].split("/")
        assert row["applied_at"] == pd.Timestamp(f"{y}-{int(m):02d}-{int(rest.split()[0]):02d} {rest.split()[1]}")


def test_jd_sample_utf16(sample_dir):
    path = sample_dir / "jd_service_orders.csv"
    assert path.read_bytes().startswith(b"\xff\xfe")
    result = read_exports([path])
    _check_contract(result)
    report = result.files[0]
    assert report.profile == "jd"
    assert report.encoding == "utf-16"
    assert report.mapping["return_id"] == "服务单号"
    assert report.mapping["buyer_text"] == "问题描述"
    frame = result.frame
    assert report.n_rows == len(frame) == 200
    assert (frame["sku"] == frame["product_id"]).all()  # no SKU column: falls back
    assert frame["联系电话"].map(lambda v: bool(HEX16.match(v))).all()


def test_douyin_orders(sample_dir):
    orders = read_orders(sample_dir / "douyin_orders.csv")
    records = _records(sample_dir / "douyin_orders.csv", "gb18030")
    assert len(orders) == len(records) - 1
    assert list(orders.columns) == [
        "order_id", "sub_order_id", "sku", "product_id", "product_title", "quantity", "ordered_at",
        "buyer_id", "source_file", "source_row",
    ]
    assert orders["quantity"].dtype == "float64"
    assert orders["ordered_at"].notna().all()
    assert orders["order_id"].str.fullmatch(r"\d{19}").all()
    assert "source_file" in orders.columns

    returns = read_exports([sample_dir / "douyin_aftersales.csv"]).frame
    assert set(returns["order_id"]) <= set(orders["order_id"])
    # Buyer ids hash the same way in both files, so a buyer's orders can be counted.
    assert orders["buyer_id"].map(lambda v: bool(HEX16.match(v))).all()
    assert set(returns["buyer_id"]) <= set(orders["buyer_id"])
    sold = orders.groupby("sku")["quantity"].sum()
    returned = returns.groupby("sku")["quantity"].sum()
    rates = (returned / sold).dropna()
    assert len(rates) >= 38
    assert rates.between(0.04, 0.32).all(), rates.sort_values()


def test_all_samples_together(sample_dir):
    files = [
        sample_dir / n
        for n in ("douyin_aftersales.csv", "taobao_refunds.xlsx", "amazon_fba_returns.tsv",
                  "pdd_aftersales.csv", "jd_service_orders.csv")
    ]
    result = read_exports(files)
    _check_contract(result)
    assert [f.profile for f in result.files] == ["douyin", "taobao", "amazon", "pinduoduo", "jd"]
    assert result.rows_in == sum(f.n_rows for f in result.files)
    assert len(result.frame) == result.rows_in - result.duplicates_merged
    assert set(result.frame["source_file"]) == {f.name for f in files}
    # Extras from different files sit after the canonical columns.
    assert "fnsku" in result.frame.columns and "协商记录" in result.frame.columns


def test_samples_are_deterministic(tmp_path, sample_dir):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_samples.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    for name in ("douyin_aftersales.csv", "douyin_orders.csv", "taobao_refunds.xlsx",
                 "amazon_fba_returns.tsv", "pdd_aftersales.csv", "jd_service_orders.csv"):
        fresh = (tmp_path / "sample_data" / name).read_bytes()
        assert hashlib.sha256(fresh).hexdigest() == hashlib.sha256((sample_dir / name).read_bytes()).hexdigest(), name


# ---------------------------------------------------------------------------
# Encodings, delimiters, header detection
# ---------------------------------------------------------------------------
SMALL_ROWS = [
    ["售后单号", "订单号", "商家编码", "售后原因", "用户售后说明", "退款金额", "申请时间"],
    ["7001", "4987654321098765432", "0012", "质量问题", "洗了一次就起球了", "¥1,299.00", "2024-05-01 12:03:04"],
    ["7002", "4987654321098765433", "DR-2401", "尺码不合适", "偏小，穿不上", "1299元", "2024/5/2 08:15"],
    ["7003", "4987654321098765434", "DR-2401", "其他", "", "-", "-"],
]


def _small_text(delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(SMALL_ROWS)
    return buf.getvalue()


@pytest.mark.parametrize(
    "encoding, data_fn, expected_encoding",
    [
        ("utf-8", lambda t: t.encode("utf-8"), "utf-8"),
        ("utf-8-sig", lambda t: t.encode("utf-8-sig"), "utf-8-sig"),
        ("gb18030", lambda t: t.encode("gb18030"), "gb18030"),
        ("gbk", lambda t: t.replace("¥", "￥").encode("gbk"), "gb18030"),  # GBK has only the full-width ￥
        ("utf-16", lambda t: t.encode("utf-16"), "utf-16"),
        ("utf-16-le-no-bom", lambda t: t.encode("utf-16-le"), "utf-16-le"),
        ("utf-16-be-no-bom", lambda t: t.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_encodings(encoding, data_fn, expected_encoding):
    result = read_exports([(f"small_{encoding}.csv", data_fn(_small_text()))])
    _check_contract(result)
    frame = result.frame
    assert result.files[0].encoding == expected_encoding
    assert list(frame["return_id"]) == ["7001", "7002", "7003"]
    assert list(frame["order_id"]) == ["4987654321098765432", "4987654321098765433", "4987654321098765434"]
    assert frame.loc[0, "sku"] == "0012"
    assert frame.loc[0, "buyer_text"] == "洗了一次就起球了"
    assert frame["amount"].iloc[:2].tolist() == [1299.0, 1299.0]
    assert pd.isna(frame.loc[2, "amount"])
    assert frame.loc[0, "applied_at"] == pd.Timestamp("2024-05-01 12:03:04")
    assert frame.loc[1, "applied_at"] == pd.Timestamp("2024-05-02 08:15")
    assert frame.loc[2, "buyer_text"] == ""
    assert result.flagged_rows == 0  # '-' is empty, not unparseable


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiters(delimiter):
    result = read_exports([("d.txt", _small_text(delimiter).encode("utf-8"))])
    assert list(result.frame["return_id"]) == ["7001", "7002", "7003"]
    assert result.frame.loc[1, "platform_reason"] == "尺码不合适"


def test_title_rows_are_skipped_in_csv_and_xlsx():
    text = "退款单导出\n导出时间：2024-05-28 09:00\n\n" + _small_text()
    result = read_exports([("titled.csv", text.encode("gb18030"))])
    assert result.files[0].header_row == 4
    assert list(result.frame["source_row"]) == [5, 6, 7]
    assert list(result.frame["return_id"]) == ["7001", "7002", "7003"]

    rows = [["售后数据"], [None], [None, "备注：仅供内部使用"]] + SMALL_ROWS
    result = read_exports([("titled.xlsx", _xlsx_bytes(rows))])
    assert result.files[0].header_row == 4
    assert list(result.frame["source_row"]) == [5, 6, 7]
    assert result.frame.loc[0, "order_id"] == "4987654321098765432"


def test_blank_lines_are_not_data_rows():
    lines = _small_text().split("\r\n")
    text = "\r\n".join([lines[0], lines[1], "", ",,,,,,", lines[2], "", lines[3], ""])
    result = read_exports([("gaps.csv", text.encode("utf-8"))])
    _check_contract(result)
    assert result.rows_in == 3
    assert list(result.frame["source_row"]) == [2, 5, 7]
    assert any("empty line" in issue for issue in result.files[0].issues)


def test_quoted_newlines_and_commas():
    text = (
        "售后单号,用户售后说明,退款金额\n"
        '1,"第一行\n第二行, 还有逗号",10\n'
        '2,"他说""太小了""",20\n'
    )
    result = read_exports([("multi.csv", text.encode("utf-8"))])
    frame = result.frame
    assert frame.loc[0, "buyer_text"] == "第一行\n第二行, 还有逗号"
    assert frame.loc[1, "buyer_text"] == '他说"太小了"'
    assert list(frame["amount"]) == [10.0, 20.0]
    assert list(frame["source_row"]) == [2, 3]  # rows as a spreadsheet shows them


def test_ragged_rows_are_padded_not_dropped():
    text = "售后单号,售后原因,用户售后说明,退款金额\n1,质量问题\n2,其他,不想要了,5\n3\n"
    result = read_exports([("ragged.csv", text.encode("utf-8"))])
    assert list(result.frame["return_id"]) == ["1", "2", "3"]
    assert result.frame.loc[0, "buyer_text"] == ""
    assert pd.isna(result.frame.loc[2, "platform_reason"])


def test_wrappers_stripped():
    text = (
        "退款编号,订单编号,商品编码,买家退款原因,买家退款金额\n"
        '="4987654321098765432",\t0012345,\'00731,质量问题,"¥1,299.00"\n'
        '"=""0000123""",=\"77\",\t\tABC-1 ,其他,￥１２．５０\n'
    )
    frame = read_exports([("wrapped.csv", text.encode("utf-8"))]).frame
    assert list(frame["return_id"]) == ["4987654321098765432", "0000123"]
    assert list(frame["order_id"]) == ["0012345", "77"]
    assert list(frame["sku"]) == ["00731", "ABC-1"]
    assert list(frame["amount"]) == [1299.0, 12.5]


def test_single_column_buyer_text_file():
    text = "buyer_text\n质量不好,退了\n\"有,逗号\"\n偏小\n"
    result = read_exports([("texts.csv", text.encode("utf-8"))])
    _check_contract(result)
    frame = result.frame
    assert result.files[0].profile == "generic"
    assert list(frame["buyer_text"]) == ["质量不好,退了", "有,逗号", "偏小"]
    assert list(frame["return_id"]) == ["texts#2", "texts#3", "texts#4"]
    assert frame["quantity"].eq(1.0).all()

    text = "buyer_text,platform_reason\n不想要了,质量问题\n"
    frame = read_exports([("two.csv", text.encode("utf-8"))]).frame
    assert frame.loc[0, "platform_reason"] == "质量问题"


def test_header_only_file_gives_zero_rows():
    result = read_exports([("header_only.csv", "售后单号,用户售后说明\n".encode("utf-8"))])
    assert len(result.frame) == 0 and result.rows_in == 0
    assert list(result.frame.columns[: len(CANONICAL_COLUMNS)]) == list(CANONICAL_COLUMNS)


def test_unmapped_columns_carried_and_collisions_prefixed():
    text = "售后单号,用户售后说明,platform,备注,备注\nA1,偏小,app,x,y\n"
    result = read_exports([("extra.csv", text.encode("utf-8"))])
    frame = result.frame
    assert list(frame.columns[len(CANONICAL_COLUMNS):]) == ["orig:platform", "备注", "备注 (2)"]
    assert frame.loc[0, "orig:platform"] == "app"
    assert frame.loc[0, "platform"] == "douyin"  # 售后单号 + 用户售后说明 are Douyin headers
    assert result.files[0].unmapped == ["platform", "备注", "备注 (2)"]


# ---------------------------------------------------------------------------
# Platform specifics
# ---------------------------------------------------------------------------
def test_amazon_headers_case_insensitive_and_day_first():
    text = (
        "RETURN-DATE\tAmazon-Order-Id\tSKU\tASIN\tProduct-Name\tQuantity\tReason\tStatus\tCustomer-Comments\n"
        "01-05-2024\t114-1234567-7654321\tDR-1\tB0TEST0001\tDress\t2\tAPPAREL_TOO_SMALL\tReimbursed\tToo tight\n"
        "13-05-2024\t114-1234567-7654322\tDR-1\tB0TEST0001\tDress\t1\tDEFECTIVE\tReimbursed\t\n"
    )
    result = read_exports([("returns.txt", text.encode("utf-8"))])
    frame = result.frame
    report = result.files[0]
    assert report.profile == "amazon"
    assert report.mapping["order_id"] == "Amazon-Order-Id"
    assert report.mapping["buyer_text"] == "Customer-Comments"
    assert list(frame["applied_at"]) == [pd.Timestamp("2024-05-01"), pd.Timestamp("2024-05-13")]
    assert list(frame["quantity"]) == [2.0, 1.0]
    assert frame.loc[0, "product_id"] == "B0TEST0001"


def test_pinduoduo_fen_and_epoch_ms():
    # 1714536184000 ms = 2024-05-01 04:03:04 UTC = 12:03:04 in China.
    text = (
        "afterSalesId,orderSn,goodsName,afterSalesType,afterSalesReason,refundAmount,refundCreateTime,afterSalesStatus\n"
        "9001,240501-123456789012345,芒果,仅退款,质量问题,12990,1714536184000,退款成功\n"
        "9002,240501-123456789012346,芒果,退货退款,不想要了,500,1714536184,退款成功\n"
    )
    result = read_exports([("pdd_api.csv", text.encode("utf-8"))])
    frame = result.frame
    assert result.files[0].profile == "pinduoduo"
    assert list(frame["amount"]) == [129.90, 5.0]
    assert frame.loc[0, "applied_at"] == pd.Timestamp("2024-05-01 12:03:04")
    assert frame.loc[1, "applied_at"] == pd.Timestamp("2024-05-01 12:03:04")
    assert list(frame["return_type"]) == ["refund_only", "return_refund"]
    assert any("fen" in issue for issue in result.files[0].issues)


def test_fen_header_suffix_generic():
    text = "售后编号,售后原因,退款金额(分)\n1,其他,1990\n"
    frame = read_exports([("fen.csv", text.encode("utf-8"))]).frame
    assert frame.loc[0, "amount"] == pytest.approx(19.9)


def test_excel_serial_and_datetime_cells():
    rows = [
        ["退款编号", "买家退款原因", "退款的申请时间", "确认收货时间", "买家退款金额"],
        ["1", "质量问题", 45413.5, dt.datetime(2024, 4, 29, 9, 30), 59],
        ["2", "其他", "2024-05-02 10:00:00", None, "¥12.50"],
    ]
    frame = read_exports([("serial.xlsx", _xlsx_bytes(rows))]).frame
    assert frame.loc[0, "applied_at"] == pd.Timestamp("2024-05-01 12:00:00")
    assert frame.loc[0, "signed_at"] == pd.Timestamp("2024-04-29 09:30:00")
    assert frame.loc[1, "applied_at"] == pd.Timestamp("2024-05-02 10:00:00")
    assert list(frame["amount"]) == [59.0, 12.5]


def test_long_numeric_ids_stored_as_numbers_are_reported():
    rows = [["退款编号", "买家退款原因"], [4987654321098765432, "质量问题"], [12345, "其他"]]
    result = read_exports([("numbers.xlsx", _xlsx_bytes(rows))])
    assert result.frame.loc[1, "return_id"] == "12345"  # no trailing ".0"
    assert any("15 digits" in issue and "退款编号" in issue for issue in result.files[0].issues)


def _ods_bytes(rows: list[list[str]]) -> bytes:
    cells = "".join(
        "<table:table-row>"
        + "".join(f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>' for c in r)
        + "</table:table-row>"
        for r in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="S1">{cells}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return buf.getvalue()


def test_ods_spreadsheet():
    frame = read_exports([("returns.ods", _ods_bytes([["售后单号", "用户售后说明"], ["0012", "偏小"]]))]).frame
    assert frame.loc[0, "return_id"] == "0012"
    assert frame.loc[0, "buyer_text"] == "偏小"


def test_uploaded_file_object():
    class Upload:  # what a dashboard upload widget hands over
        name = "upload.csv"

        def getvalue(self) -> bytes:
            return _small_text().encode("utf-8")

    result = read_exports([Upload()])
    assert result.files[0].name == "upload.csv" and len(result.frame) == 3


def test_date_formats():
    values = [
        "2024-05-01 12:03:04", "2024/5/1 12:03", "2024-05-01T12:03:04+08:00", "2024-05-01T04:03:04Z",
        "2024年5月1日 12:03:04", "2024.05.01", "20240501", "2024-05-01 12:03:04.250",
    ]
    text = "售后单号,售后原因,申请时间\n" + "".join(f"{i},其他,{v}\n" for i, v in enumerate(values))
    frame = read_exports([("dates.csv", text.encode("utf-8"))]).frame
    got = list(frame["applied_at"])
    assert got[0] == pd.Timestamp("2024-05-01 12:03:04")
    assert got[1] == pd.Timestamp("2024-05-01 12:03")
    assert got[2] == pd.Timestamp("2024-05-01 12:03:04")  # wall-clock time as written
    assert got[3] == pd.Timestamp("2024-05-01 04:03:04")
    assert got[4] == pd.Timestamp("2024-05-01 12:03:04")
    assert got[5] == pd.Timestamp("2024-05-01")
    assert got[6] == pd.Timestamp("2024-05-01")
    assert got[7] == pd.Timestamp("2024-05-01 12:03:04.250")
    assert (frame["row_issues"] == "").all()


def test_taobao_refund_only_from_need_return_flag():
    text = "退款编号,买家退款原因,是否需要退货\n1,质量问题,否\n2,质量问题,是\n3,其他,\n"
    frame = read_exports([("tb.csv", text.encode("gb18030"))]).frame
    assert frame["return_type"].tolist()[:2] == ["refund_only", "return_refund"]
    assert pd.isna(frame.loc[2, "return_type"])


def test_forced_profile_and_unknown_profile():
    result = read_exports([("x.csv", _small_text().encode("utf-8"))], profile="jd")
    assert result.files[0].profile == "jd"
    assert (result.frame["platform"] == "jd").all()
    with pytest.raises(InputError, match="unknown profile"):
        read_exports([("x.csv", _small_text().encode("utf-8"))], profile="ebay")


# ---------------------------------------------------------------------------
# Overrides
# ---------------------------------------------------------------------------
def test_parse_overrides():
    assert parse_overrides(["buyer_text=问题描述", " sku = 商家编码 "]) == {
        "buyer_text": "问题描述", "sku": "商家编码",
    }
    assert parse_overrides(["buyer_text=a=b"]) == {"buyer_text": "a=b"}
    for bad in (["buyer_text"], ["colour=颜色"], ["buyer_text="]):
        with pytest.raises(InputError):
            parse_overrides(bad)


def test_overrides_win_over_synonyms():
    text = "工单,顾客心声,售后原因,用户售后说明\nA1,尺码小了,其他,原文\n"
    data = ("custom.csv", text.encode("utf-8"))
    result = read_exports([data], overrides={"buyer_text": "顾客心声", "return_id": "工单"})
    assert result.files[0].mapping["buyer_text"] == "顾客心声"
    assert result.frame.loc[0, "buyer_text"] == "尺码小了"
    assert result.frame.loc[0, "return_id"] == "A1"
    assert "用户售后说明" in result.files[0].unmapped


def test_override_rescues_unknown_headers():
    text = "编号,客户的话\n1,太小了\n"
    with pytest.raises(InputError):
        read_exports([("odd.csv", text.encode("utf-8"))])
    frame = read_exports([("odd.csv", text.encode("utf-8"))], overrides={"buyer_text": "客户的话"}).frame
    assert frame.loc[0, "buyer_text"] == "太小了"


def test_override_with_unknown_header_names_file_and_headers():
    with pytest.raises(InputError) as err:
        read_exports([("mine.csv", _small_text().encode("utf-8"))], overrides={"buyer_text": "问题描述"})
    message = str(err.value)
    assert "mine.csv" in message and "问题描述" in message and "用户售后说明" in message


# ---------------------------------------------------------------------------
# Several files, duplicates, row accounting
# ---------------------------------------------------------------------------
def test_duplicates_merged_across_files():
    first = "售后单号,售后状态,用户售后说明\nR1,待商家处理,偏小\nR2,待商家处理,偏大\nR3,待商家处理,色差\n"
    second = "售后单号,售后状态,用户售后说明\nR2,退款成功,偏大\nR4,退款成功,坏了\nR1,退款成功,偏小\n"
    result = read_exports([("a.csv", first.encode()), ("b.csv", second.encode())])
    _check_contract(result)
    assert result.rows_in == 6
    assert result.duplicates_merged == 2
    assert len(result.frame) == 4
    frame = result.frame.set_index("return_id")
    assert frame.loc["R1", "status"] == "退款成功" and frame.loc["R1", "source_file"] == "b.csv"
    assert frame.loc["R3", "source_file"] == "a.csv"


def test_duplicates_within_one_file():
    # The same return twice (a later status) is merged, the last row winning; the same id
    # with a different buyer text is not the same return: both kept.
    text = ("售后单号,用户售后说明,售后状态\nR1,旧,待处理\nR1,旧,退款成功\nR2,x,\n"
            "R3,一,\nR3,二,\n")
    result = read_exports([("dup.csv", text.encode())])
    assert result.duplicates_merged == 1
    frame = result.frame
    assert frame.loc[frame["return_id"] == "R1", "status"].tolist() == ["退款成功"]
    r3 = frame[frame["return_id"] == "R3"]
    assert r3["buyer_text"].tolist() == ["一", "二"]
    assert len(frame) + result.duplicates_merged == result.rows_in == 5


def test_bad_values_kept_and_flagged(bad_dir):
    path = bad_dir / "bad_values.csv"
    result = read_exports([path])
    _check_contract(result)
    frame = result.frame
    data_rows = len(_records(path, "utf-8")) - 1
    assert len(frame) == result.rows_in == data_rows == 20
    assert result.flagged_rows == 5
    flagged = frame.loc[frame["row_issues"] != "", ["source_row", "row_issues"]]
    assert dict(zip(flagged["source_row"], flagged["row_issues"])) == {
        5: "amount:unparseable",
        8: "applied_at:unparseable",
        12: "applied_at:unparseable",
        16: "amount:unparseable",
        19: "applied_at:unparseable",
    }
    issues = "\n".join(result.files[0].issues)
    assert "row 5: amount" in issues and "'¥abc'" in issues and "kept" in issues
    assert "row 12: applied_at" in issues


def test_many_bad_values_are_summarised():
    lines = ["售后单号,售后原因,退款金额"] + [f"{i},其他,abc{i}" for i in range(10)]
    result = read_exports([("many.csv", "\n".join(lines).encode())])
    assert result.flagged_rows == 10
    assert any("7 more row(s)" in issue for issue in result.files[0].issues)


# ---------------------------------------------------------------------------
# Buyer ids and personal data
# ---------------------------------------------------------------------------
def test_buyer_id_is_salted_hash(monkeypatch, tmp_path):
    text = "售后单号,用户售后说明,买家昵称,收货人手机\n1,偏小,小王2020,13812345678\n2,偏大,小王2020,13812345678\n"
    data = ("buyers.csv", text.encode("utf-8"))
    monkeypatch.delenv("DIAGNOSE_SALT", raising=False)
    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(tmp_path / "install-a"))
    frame = read_exports([data]).frame
    salt_file = tmp_path / "install-a" / "salt.key"
    assert salt_file.exists() and (salt_file.stat().st_mode & 0o077) == 0  # owner-only
    own_salt = salt_file.read_text().strip()
    assert len(own_salt) == 64
    assert frame.loc[0, "buyer_id"] == frame.loc[1, "buyer_id"] == hash_identifier("小王2020", own_salt)
    assert HEX16.match(frame.loc[0, "buyer_id"])
    assert "小王2020" not in frame.to_csv()
    assert "13812345678" not in frame.to_csv()
    assert frame.loc[0, "收货人手机"] == hash_identifier("13812345678", own_salt)
    # The same install hashes the same way tomorrow ...
    assert read_exports([data]).frame.loc[0, "buyer_id"] == frame.loc[0, "buyer_id"]
    # ... while another install draws its own salt, so hashes differ.
    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(tmp_path / "install-b"))
    other_install = read_exports([data]).frame
    assert other_install.loc[0, "buyer_id"] != frame.loc[0, "buyer_id"]

    salted = read_exports([data], salt="other").frame
    assert salted.loc[0, "buyer_id"] != frame.loc[0, "buyer_id"]
    monkeypatch.setenv("DIAGNOSE_SALT", "from-env")
    env = read_exports([data]).frame
    assert env.loc[0, "buyer_id"] == hash_identifier("小王2020", "from-env")


def test_install_salt_race_agrees_on_one_salt(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from diagnose.io.privacy import install_salt

    with ThreadPoolExecutor(8) as ex:
        salts = set(ex.map(lambda _: install_salt(tmp_path), range(32)))
    assert len(salts) == 1


# ---------------------------------------------------------------------------
# Bad input: always InputError naming the file
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, fragment",
    [
        ("empty.csv", "empty"),
        ("junk.bin", "binary"),
        ("not_a_sheet.xlsx", "binary"),
        ("image_as.csv", "PNG"),
        ("letter.docx", "Word"),
        ("archive.zip", "ZIP"),
        ("scan.pdf", "PDF"),
        ("truncated.xlsx", "truncated"),
        ("no_header.csv", "no header row"),
        ("missing_reason_column.csv", "no column with the buyer's reason"),
    ],
)
def test_bad_inputs_raise_input_error(bad_dir, name, fragment):
    with pytest.raises(InputError) as err:
        read_exports([bad_dir / name])
    assert name in str(err.value)
    assert fragment in str(err.value)


def test_bad_input_as_upload_tuple(bad_dir):
    with pytest.raises(InputError, match="truncated.xlsx"):
        read_exports([("truncated.xlsx", (bad_dir / "truncated.xlsx").read_bytes())])
    with pytest.raises(InputError, match="upload.csv"):
        read_exports([("upload.csv", b"")])


def test_missing_file_and_no_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_exports([tmp_path / "nope.csv"])
    with pytest.raises(InputError):
        read_exports([])


def test_missing_reason_message_lists_headers(bad_dir):
    with pytest.raises(InputError) as err:
        read_exports([bad_dir / "missing_reason_column.csv"])
    message = str(err.value)
    assert "订单号" in message and "--map buyer_text=" in message


def test_random_bytes_never_escape_as_other_errors():
    rng = np.random.default_rng(7)
    for i in range(30):
        data = rng.integers(0, 256, size=int(rng.integers(1, 3000)), dtype=np.uint8).tobytes()
        for prefix in (b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf"):
            with pytest.raises(InputError):
                read_exports([(f"r{i}.csv", prefix + data)])


def test_read_orders_errors(bad_dir):
    with pytest.raises(InputError, match="SKU"):
        read_orders(("orders.csv", "主订单编号,订单提交时间\n1,2024-05-01\n".encode()))
    with pytest.raises(InputError, match="empty.csv"):
        read_orders(bad_dir / "empty.csv")
    orders = read_orders(("o.csv", "订单号,商品ID,数量\n1,555,\n2,556,3\n".encode()))
    assert list(orders["sku"]) == ["555", "556"]
    assert list(orders["quantity"]) == [1.0, 3.0]
