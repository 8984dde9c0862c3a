"""Notes on a file that was read (FileReport.issues) carry a code and say themselves in Chinese and English.

Each fixture below is built in code and makes ingest produce one kind of
note; the test reads it, checks the note kind appeared, and renders every
note through the catalogue (`diagnose.messages.localise_note`).
"""
from __future__ import annotations

import codecs
import pickle
import re

import pandas as pd
import pytest

from diagnose import pipeline
from diagnose.io.assemble import table_part
from diagnose.io.ingest import read_exports
from diagnose.io.notes import Note, redact_note
from diagnose.io.rawtable import Header, RawTable
from diagnose.messages import NOTES, localise_note
from tests.builders import csv_bytes, xlsx_bytes

SALT = "test-salt"
HEADER = ["售后单号", "订单号", "商家编码", "售后原因", "用户售后说明", "退款金额", "申请时间"]
ORDER_HEADER = ["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商家编码", "订单提交时间",
                "支付完成时间", "订单状态", "售后状态", "买家留言"]


def _row(i: int, text: str = "尺码偏小", amount: str = "59.90", when: str = "2024-05-01 10:00:00",
         rid: str | None = None) -> list[str]:
    return [f"R{i:04d}" if rid is None else rid, f"O{i:04d}", "SKU-1", "尺码不合适", text, amount, when]


def _fixtures() -> dict[str, tuple[str, bytes]]:
    """One (file name, bytes) per note code, each making ingest write that note."""
    body = [_row(i) for i in range(1, 4)]
    other = ["订单号", "售后单号", "用户售后说明", "售后原因", "申请时间", "商家编码"]  # a different header
    long_text = "尺码偏小" * 600
    return {
        "sheets_read": ("two.xlsx", xlsx_bytes(numbers=True, sheets={"售后": [HEADER] + body, "说明": [["导出说明"], ["仅供参考"]]})),
        "sheets_not_returns": ("mixed.xlsx", xlsx_bytes(numbers=True, sheets={"售后": [HEADER] + body,
                                                    "订单": [ORDER_HEADER, ["1"] * len(ORDER_HEADER)]})),
        "second_table": ("glued.csv", csv_bytes([HEADER] + body + [other, ["O9", "R9", "太大", "尺码不合适",
                                                                     "2024-05-02", "SKU-2"]])),
        "lossy_column": ("lossy.xlsx", xlsx_bytes(numbers=True, sheets={"售后": [HEADER, [7554540000000000123.0] + _row(1)[1:]]})),
        "header_row": ("title.csv", csv_bytes([["售后单导出"], ["导出时间：2024-05-03"]] + [HEADER] + body)),
        "repeated_header": ("repeat.csv", csv_bytes([HEADER, body[0], HEADER, body[1]])),
        "blank_lines": ("blank.csv", csv_bytes([HEADER, body[0], [""], body[1]])),
        "weak_platform": ("weak.csv", csv_bytes([["售后编号", "订单号", "商品名称", "问题描述", "申请时间"],
                                            ["A1", "O1", "杯子", "漏水", "2024-05-01"]])),
        "duplicate_header": ("dup.csv", csv_bytes([HEADER + ["用户售后说明"]] + [r + ["补充"] for r in body])),
        "long_text": ("long.csv", csv_bytes([HEADER, _row(1, text=long_text)])),
        "decimal_comma": ("comma.csv", csv_bytes([HEADER] + [_row(i, amount=f"{i}9,90") for i in range(1, 4)], sep=";")),
        "amount_fen": ("fen.csv", csv_bytes([HEADER[:5] + ["退款金额(分)"] + HEADER[6:]] + [_row(1, amount="5990")])),
        "imprecise_ids": ("sci.csv", csv_bytes([HEADER, _row(1, rid="7.55454E+18"), _row(2)])),
        "missing_ids": ("noid.csv", csv_bytes([HEADER, _row(1, rid=""), _row(2)])),
        "no_id_column": ("noidcol.csv", csv_bytes([HEADER[1:]] + [r[1:] for r in body])),
        "no_data_rows": ("empty.csv", csv_bytes([HEADER])),
        "unreadable_cell": ("dates.csv", csv_bytes([HEADER] + [_row(i, when="昨天下午") for i in range(1, 6)])),
        "unreadable_more": ("dates.csv", csv_bytes([HEADER] + [_row(i, when="昨天下午") for i in range(1, 6)])),
        "cr_only": ("mac.csv", csv_bytes([HEADER] + body, end="\r")),
        "bom_gbk": ("bom.csv", codecs.BOM_UTF8 + "\n".join(",".join(r) for r in [HEADER] + body).encode("gbk")),
        "control_chars": ("nul.csv", csv_bytes([HEADER, _row(1, text="尺码\x00偏小"), _row(2)])),
        "stray_quotes": ("quote.csv", csv_bytes([HEADER, _row(1, text='"尺码偏小'), _row(2), _row(3)])),
    }


FIXTURES = _fixtures()
# Cells beyond the header's width: a reader keeps them as "column N", so only a table whose header
# is narrower than its rows (as a slice of a larger file can be) reaches the assembler with them.
BUILT = ("extra_cells", "extra_cells_more")


def _issues(code: str) -> list:
    if code in BUILT:
        rows = [HEADER + [""]] + [_row(i) + ["多"] for i in range(1, 6)]
        table = RawTable(cells=pd.DataFrame(rows, dtype=str))
        part = table_part("extra.csv", table, Header(index=0, names=list(HEADER)), {}, SALT, None, "extra")
        return list(part.report.issues)
    name, data = FIXTURES[code]
    return [i for f in read_exports([(name, data)], salt=SALT).files for i in f.issues]
# A Chinese rendering may quote headers, ids and file names, but no English sentence of three words or more.
_ENGLISH_RUN = re.compile(r"[A-Za-z]+(?:[ ,;'()-]+[A-Za-z]+){2,}")


def test_every_note_code_has_a_fixture():
    assert set(FIXTURES) | set(BUILT) == set(NOTES)


@pytest.mark.parametrize("code", sorted(NOTES))
def test_each_note_kind_renders_in_chinese_and_english(code):
    issues = _issues(code)
    codes = [getattr(i, "code", "") for i in issues]
    assert code in codes, (code, [str(i) for i in issues])
    assert all(codes), [str(i) for i in issues if not getattr(i, "code", "")]  # no note without a code
    for issue in issues:
        for face in ("ui", "cli"):
            zh = _without_quoted(localise_note(issue, "zh", face), issue)
            en = _without_quoted(localise_note(issue, "en", face), issue)
            assert re.search(r"[\u4e00-\u9fff]", zh), zh
            assert not _ENGLISH_RUN.search(zh), zh
            assert face == "cli" or not re.search(r"[a-z]+_[a-z]+", zh), zh  # no column keys (buyer_text …)
            assert "{" not in zh and "{" not in en, (zh, en)  # every placeholder filled
            assert not re.search(r"[\u4e00-\u9fff]", en), en
            assert re.search(r"[A-Za-z]{4,}", en), en


def _quoted(value: object) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [q for v in value for q in _quoted(v)]
    return [str(value)] if isinstance(value, str) and value else []


def _without_quoted(text: str, issue: Note) -> str:
    """The text with the values the note quotes from the file (headers, cells, sheet names) taken out."""
    for value in sorted(_quoted(list(issue.params.values())), key=len, reverse=True):
        text = text.replace(value, "")
    return text


def test_notes_keep_their_english_text_and_survive_pickle():
    _name, data = FIXTURES["header_row"]
    note = read_exports([("title.csv", data)], salt=SALT).files[0].issues[0]
    assert isinstance(note, Note) and str(note) == "header found on row 3; 2 row(s) above it skipped"
    assert localise_note(note, "zh", "ui") == "表头在第 3 行；上方 2 行（标题或说明）已跳过"
    again = pickle.loads(pickle.dumps(note))
    assert (again, again.code, again.params) == (note, "header_row", {"row": 3, "above": 2})


def test_advice_follows_the_face():
    note = read_exports([FIXTURES["no_id_column"]], salt=SALT).files[0].issues
    note = next(i for i in note if i.code == "no_id_column")
    assert "修正列映射" in localise_note(note, "zh", "ui")
    assert "--map return_id=" in localise_note(note, "en", "cli")
    assert "--map" not in localise_note(note, "zh", "ui")


def test_a_plain_string_note_is_shown_as_it_is():
    assert localise_note("something new", "zh") == "something new"


def test_notes_quoting_cells_are_redacted_in_text_and_params(tmp_path):
    phone = "13812345678"
    rows = [HEADER] + [_row(i, when=f"联系{phone}") for i in range(1, 3)]
    path = tmp_path / "pii.csv"
    path.write_bytes(csv_bytes(rows))
    tagged = pipeline.tag([str(path)])
    notes = [i for f in tagged.files for i in f.issues if getattr(i, "code", "") == "unreadable_cell"]
    assert notes
    for n in notes:
        assert phone not in str(n) and phone not in str(n.params)
        assert phone not in localise_note(n, "zh") and phone not in localise_note(n, "en", "cli")
        assert "[手机号]" in localise_note(n, "zh")
    assert redact_note(f"call {phone}") == "call [手机号]"


def test_the_cli_prints_notes_with_its_own_advice(tmp_path, monkeypatch, capsys):
    from diagnose.cli import main

    monkeypatch.setenv("DIAGNOSE_LANG", "en")
    name, data = FIXTURES["no_id_column"]
    src = tmp_path / name
    src.write_bytes(data)
    assert main(["classify", str(src), "-o", str(tmp_path / "out.csv")]) == 0
    err = capsys.readouterr().err
    assert "warning: no return id column; each row gets the id 'noidcol#<row>'" in err
    assert "--map return_id=<header>" in err and "修正列映射" not in err


def test_the_cli_prints_notes_in_chinese_by_default(tmp_path, capsys):
    from diagnose.cli import main

    name, data = FIXTURES["no_id_column"]
    src = tmp_path / name
    src.write_bytes(data)
    assert main(["classify", str(src), "-o", str(tmp_path / "out.csv")]) == 0
    err = capsys.readouterr().err
    assert "警告：没有售后单号列" in err and "--map return_id=<表头>" in err, err
    assert "warning:" not in err and "修正列映射" not in err
