"""The one read -> tag path: both error policies, and every face going through it."""
from __future__ import annotations

import pandas as pd
import pytest

from diagnose import pipeline
from diagnose.errors import InputError
from diagnose.io import MAPPING_ERROR

GOOD = "售后单号,售后原因,用户售后说明\nA1,尺码不合适,鞋子偏小一码\nA2,质量问题,开线了\n".encode("utf-8")
BAD = b""


def test_tag_raises_the_first_bad_file_by_default(model):
    with pytest.raises(InputError) as info:
        pipeline.tag([("good.csv", GOOD), ("empty.csv", BAD)], model=model)
    assert "empty.csv" in str(info.value)


def test_collect_reads_the_good_files_and_names_each_bad_one(model):
    result = pipeline.tag([("bad1.csv", BAD), ("good.csv", GOOD), ("bad2.csv", b"\x00\x01\x02" * 50)],
                          model=model, errors="collect")
    assert [e.file for e in result.errors] == ["bad1.csv", "bad2.csv"]
    assert all(e.message for e in result.errors)
    assert result.frame["return_id"].tolist() == ["A1", "A2"]
    assert [f.name for f in result.files] == ["good.csv"]
    assert result.model_version == model.version
    assert result.frame["reason"].tolist()[0] == "sizing"


def test_collect_with_nothing_readable_gives_an_empty_tagged_table(model):
    result = pipeline.tag([("bad.csv", BAD)], model=model, errors="collect")
    assert len(result.frame) == 0 and result.files == []
    assert "reason" in result.frame.columns and [e.file for e in result.errors] == ["bad.csv"]


def test_a_mapping_no_file_has_is_one_mapping_error_and_the_files_still_load(model):
    result = pipeline.tag([("good.csv", GOOD)], overrides={"sku": "没有这一列"}, model=model, errors="collect")
    assert [e.file for e in result.errors] == [MAPPING_ERROR]
    assert "没有这一列" in result.errors[0].message
    assert len(result.frame) == 2
    with pytest.raises(InputError):
        pipeline.tag([("good.csv", GOOD)], overrides={"sku": "没有这一列"}, model=model)


def test_tag_equals_read_then_tag_frame(model):
    whole = pipeline.tag([("good.csv", GOOD)], model=model).frame
    halves = pipeline.tag_frame(pipeline.read([("good.csv", GOOD)]).frame, model)
    pd.testing.assert_frame_equal(whole, halves)


def test_a_model_path_is_loaded_like_the_cli_does(model):
    from diagnose import settings

    result = pipeline.tag([("good.csv", GOOD)], model=settings.DEFAULT_MODEL_PATH)
    assert result.model_version == model.version
