"""The XLSX writer's direct cell loop writes the workbook pandas' ``to_excel`` wrote.

Reference: benchmarks/naive_report.py (`xlsx_sheet_reference`, pandas'
writer as the export used it). Every part of the workbook is compared
byte for byte except docProps/core.xml, which holds the time of writing.
Tables are built here: every column type the exports and the report hold,
missing values, infinities, formula-like and empty strings, dates and
datetimes, repeated strings (shared-string order), several sheets.
"""
from __future__ import annotations

import io
import zipfile
from datetime import date

import numpy as np
import pandas as pd
import pytest

from benchmarks import naive_report
from diagnose.io import export


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _both(monkeypatch, sheets, **kw) -> tuple[dict, dict]:
    fast = export.to_xlsx_bytes(sheets, **kw)
    with monkeypatch.context() as m:
        m.setattr(export, "_write_sheet", naive_report.xlsx_sheet_reference)
        plain = export.to_xlsx_bytes(sheets, **kw)
    return _parts(fast), _parts(plain)


def _mixed(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(["质量问题", "偏小", "", "=SUM(A1)", "+1", "-x", "@me", " 空格", "a,b", "多行\n文本", "不想要了"],
                     dtype=object)
    floats = rng.normal(size=n) * 100
    floats[rng.random(n) < 0.1] = np.nan
    floats[:3] = [np.inf, -np.inf, -0.0]
    text = pd.Series(words[rng.integers(0, len(words), n)], dtype="str")
    text[rng.random(n) < 0.1] = None
    stamps = pd.Series(pd.to_datetime("2024-03-01") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s"))
    stamps[5] = pd.NaT
    days = pd.Series(pd.to_datetime("2024-03-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D"))
    mixed = np.array([1, 2.5, "x", None, True, date(2024, 1, 2), np.nan, ["a", "b"]], dtype=object)
    return pd.DataFrame({
        "int": rng.integers(-5, 10**6, n),
        "float": floats,
        "share": np.round(rng.random(n), 4),
        "flag": rng.random(n) < 0.5,
        "text": text,
        "object": mixed[rng.integers(0, len(mixed), n)],
        "nullable_int": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 9, n)), dtype="Int64"),
        "when": stamps,
        "day": days,
        "cat": pd.Categorical(words[rng.integers(0, 3, n)]),
        "=bad header": words[rng.integers(0, len(words), n)],
    })


def test_mixed_table_workbook_is_identical(monkeypatch):
    fast, plain = _both(monkeypatch, {"returns": _mixed()})
    assert fast.keys() == plain.keys()
    for name in plain:
        assert fast[name] == plain[name], name


def test_several_sheets_and_empty_tables_are_identical(monkeypatch):
    sheets = {"a": _mixed(50, 1), "b": pd.DataFrame({"x": pd.Series([], dtype="str")}), "c": pd.DataFrame(),
              "d": _mixed(80, 2)[["text", "float"]]}
    fast, plain = _both(monkeypatch, sheets)
    assert fast == plain


def test_split_sheets_are_identical(monkeypatch):
    fast, plain = _both(monkeypatch, {"returns": _mixed(120, 3)}, max_rows=50)
    assert fast == plain


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_workbook_is_identical(monkeypatch, lang):
    import random

    from diagnose.analysis.report import build_report, to_xlsx_bytes

    from tests.test_report import tagged_frame
    from tests.test_report_speed_equivalence import _corpus, _rows

    frame = tagged_frame(_rows(random.Random(2), 800, ["A", "B", "C", pd.NA], _corpus(200, seed=8)))
    report = build_report(frame, lang=lang)
    assert len(report.fixes) and len(report.phrases)
    fast = to_xlsx_bytes(report, lang)
    with monkeypatch.context() as m:
        m.setattr(export, "_write_sheet", naive_report.xlsx_sheet_reference)
        plain = to_xlsx_bytes(report, lang)
    assert _parts(fast) == _parts(plain)
