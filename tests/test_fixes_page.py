"""The fixes page with exactly one suggested fix (issue 12 item 8).

A slider from 1 to 1 is refused by Streamlit (StreamlitInvalidMinMaxError),
so the page crashed for a shop whose data gave a single fix.
"""
from __future__ import annotations

from pathlib import Path

import pytest

st_testing = pytest.importorskip("streamlit.testing.v1")
AppTest = st_testing.AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _one_fix_export() -> bytes:
    rows = ["退款编号,商品编码,退款原因,买家留言,退款金额,申请时间"]
    for i in range(8):
        rows.append(f"R{i},SKU-1,尺码不合适,鞋子偏小穿不上 码数太小了,99,2024-05-0{1 + i} 10:00:00")
    return ("\n".join(rows) + "\n").encode("utf-8")


def test_the_library_gives_exactly_one_fix_for_this_export():
    from diagnose import pipeline
    from diagnose.analysis.report import build_report

    tagged = pipeline.tag([("one.csv", _one_fix_export())], salt="test-salt").frame
    assert len(build_report(tagged).fixes) == 1


def test_fixes_page_with_exactly_one_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(tmp_path / "data"))
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page("ui/pages/upload.py")
    at.run()
    at.file_uploader[0].upload("one.csv", _one_fix_export())
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("ui/pages/fixes.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not at.slider, "a slider with nothing to choose is not drawn"
    amounts = [m for m in at.metric if m.label == "涉及退款"]
    assert len(amounts) == 1, "the one fix is shown"
    assert any("SKU" in c.value and "1" in c.value for c in at.caption)
