"""Property tests for `read_exports` (hypothesis): random tables in random layouts.

Generated: return ids of every shape exports produce (19 digits, leading
zeros, letters; wrapped in ``="…"``, led by a tab or padded with spaces),
buyer text drawn from Chinese, emoji, four-byte CJK, commas, quotes and
newlines; written as CSV/TSV in UTF-8, UTF-8 with BOM, GB18030 or UTF-16, or
as XLSX, with 0-3 title rows above one of several platforms' headers.

Properties:

* a valid table is read with rows out == rows in, every id exact and in
  order, and the text as written (minus the documented cleaning: ends
  trimmed, ``="…"`` unwrapped, placeholders such as ``-`` empty);
* the same file damaged (truncated, bytes overwritten, bytes inserted) is
  either read with every row accounted for or refused with an `InputError`
  that names the file; nothing else escapes.
"""
from __future__ import annotations

import csv
import datetime
import io
import os
import re

import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.errors import InputError
from diagnose.io.ingest import read_exports

# -- building blocks ----------------------------------------------------------
HEADERS = [  # (return id, buyer text, dropdown reason) as different platforms spell them
    ("售后单号", "用户售后说明", "售后原因"),
    ("退款编号", "买家退款说明", "买家退款原因"),
    ("服务单号", "问题描述", "售后原因"),
    ("售后编号", "售后说明", "退款原因"),
    ("return id", "customer comments", "退款原因"),
]
TITLES = ["抖店售后单导出", "导出时间：2024-05-28 09:15:02", "店铺：示例旗舰店", "说明：金额单位为元", ""]
REASONS = ["质量问题", "尺码不合适", "七天无理由", "Other", ""]
ALPHABET = (
    list("鞋子偏小大了颜色不对质量差开线起球退货换货客服说好的没有用")
    + ["😀", "👍", "🏻", "𠀀", "𪚥", "𫠠", "𡃁", "Ā", "é"]  # four-byte in UTF-8 / GB18030 and others
    + list("abcXYZ0189 ,，。\"'“”;|=-_\n\t　")
)
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16"]
NA_TOKENS = {"", "-", "--", "—", "null", "NULL", "N/A", "n/a", "#N/A"}
TRIM = " \t\r\n\u3000\ufeff\xa0"

texts = st.text(alphabet=st.sampled_from(ALPHABET), max_size=60)
plain_ids = st.one_of(
    st.integers(10**18, 10**19 - 1).map(str),  # 19 digits
    st.from_regex(r"0[0-9]{3,18}", fullmatch=True),  # leading zeros
    st.from_regex(r"(RMA|R|TB)-?[0-9]{1,12}", fullmatch=True),
)
WRAPPERS = [lambda i: i, lambda i: f'="{i}"', lambda i: "\t" + i, lambda i: f"  {i} "]


@st.composite
def tables(draw):
    ids = draw(st.lists(plain_ids, min_size=0, max_size=12, unique=True))
    rows = [
        [draw(st.sampled_from(WRAPPERS))(i), draw(texts), draw(st.sampled_from(REASONS))]
        for i in ids
    ]
    return {
        "ids": ids,
        "rows": rows,
        "header": draw(st.sampled_from(HEADERS)),
        "order": draw(st.permutations([0, 1, 2])),
        "titles": draw(st.lists(st.sampled_from(TITLES), max_size=3)),
        "layout": draw(st.sampled_from(["csv", "tsv", "xlsx"])),
        "encoding": draw(st.sampled_from(ENCODINGS)),
    }


def render(table: dict) -> tuple[str, bytes]:
    """The table as the file a merchant would upload."""
    order = table["order"]
    header = [table["header"][k] for k in order]
    body = [[r[k] for k in order] for r in table["rows"]]
    lines = [[t] for t in table["titles"]] + [header] + body
    if table["layout"] == "xlsx":
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True})
        # A fixed creation time: the same table must give the same bytes (hypothesis replays it).
        wb.set_properties({"created": datetime.datetime(2024, 5, 28, 9, 15, 2)})
        ws = wb.add_worksheet()
        for r, line in enumerate(lines):
            for c, cell in enumerate(line):
                ws.write_string(r, c, cell)
        wb.close()
        return "export.xlsx", buf.getvalue()
    delimiter = "," if table["layout"] == "csv" else "\t"
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerows(lines)
    return f"export.{table['layout']}", out.getvalue().encode(table["encoding"])


def cleaned(text: str) -> str:
    """The documented cell cleaning (docs/ARCHITECTURE.md, diagnose/ingest.py)."""
    text = text.strip(TRIM)
    wrapped = re.fullmatch(r'="(.*)"', text)
    if wrapped:
        text = wrapped.group(1).strip(TRIM)
    if re.fullmatch(r"'[0-9A-Za-z_./-]+", text):
        text = text[1:]
    return "" if text in NA_TOKENS else text


# 300 examples each in CI (~20 s for both); raise for a longer local hunt.
EXAMPLES = int(os.environ.get("DIAGNOSE_PROPERTY_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# -- properties ---------------------------------------------------------------
@SETTINGS
@given(tables())
def test_random_tables_round_trip(table):
    name, data = render(table)
    result = read_exports([(name, data)])
    frame = result.frame
    assert len(frame) == result.rows_in == len(table["ids"])  # rows out == rows in
    assert result.duplicates_merged == 0
    assert list(frame["return_id"]) == table["ids"]  # exact, in order
    assert list(frame["buyer_text"]) == [cleaned(r[1]) for r in table["rows"]]
    titles = len(table["titles"])
    assert result.files[0].header_row == titles + 1
    assert list(frame["source_row"]) == list(range(titles + 2, titles + 2 + len(table["ids"])))


@st.composite
def damaged_files(draw):
    name, data = render(draw(tables()))
    kind = draw(st.sampled_from(["truncate", "overwrite", "insert"]))
    if kind == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif kind == "overwrite":
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        data = bytes(data)
    else:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    return name, data


@SETTINGS
@given(damaged_files())
def test_damaged_files_are_read_or_refused_with_our_error(source):
    name, data = source
    try:
        result = read_exports([(name, data)])
    except InputError as exc:
        message = str(exc)
        assert message.startswith(f"{name}: ") and len(message) > len(name) + 10
        assert "\n" not in message
        return
    frame = result.frame
    assert len(frame) + result.duplicates_merged == result.rows_in
    assert frame["source_row"].is_unique
    assert frame["return_id"].notna().all()
