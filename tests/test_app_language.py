"""What the dashboard says, in the language it says it (issue 13, items 6 and 11; issue 14 leftovers).

AppTest on the sample data for the pages, plain calls for the charts'
Vega-Lite specs (what a browser would draw from).
"""
from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.test_app import data_dir, env, goto, new_app, run  # noqa: F401 - fixtures and helpers

CJK = re.compile(r"[\u4e00-\u9fff]")


def _captions(at) -> str:
    return "\n".join(str(c.value) for c in at.caption).replace("\\", "")


def test_upload_notes_speak_the_ui_language(env):
    at = new_app()
    goto(at, "upload")
    zh = _captions(at)
    assert "表头在第 3 行；上方 2 行（标题或说明）已跳过" in zh  # douyin_aftersales.csv has two title rows
    assert "header found on row" not in zh and "no return id column" not in zh
    at.segmented_control(key="lang").set_value("en")
    run(at)
    en = _captions(at)
    assert "header found on row 3; 2 row(s) above it skipped" in en
    assert "表头在第" not in en


def test_metrics_page_in_english_and_appeals_of_the_chosen_platform(env):
    at = new_app()
    goto(at, "metrics")
    zh = _captions(at)
    assert "赠品:0" in zh
    counted_zh = [d.value for d in at.dataframe][-1]
    assert "售后单号" in counted_zh.columns and "return_id" not in counted_zh.columns
    appeals = next(d.value for d in at.dataframe if "紧急程度" in d.value.columns)
    ids = appeals["售后单号"].astype(str)
    assert len(ids) and not ids.str.startswith("amazon_fba_returns").any()  # Douyin is chosen: Douyin's returns
    at.segmented_control(key="lang").set_value("en")
    run(at)
    en = _captions(at)
    assert "Excluded: gift:0; lucky bag:0" in en and "赠品" not in en
    appeals_en = next(d.value for d in at.dataframe if "Urgency" in d.value.columns)
    assert not any(CJK.search(str(c)) for c in appeals_en.columns)
    assert not appeals_en["Urgency"].astype(str).str.contains(CJK).any()
    assert not any("（" in m.label for m in at.metric)  # "(estimate)" in English brackets


def test_follow_up_note_points_to_the_metrics_page(env):
    at = new_app()
    goto(at, "followup")
    assert "本版本未计算" not in _captions(at) and "平台考核指标" in _captions(at)


# --------------------------------------------------------------------------
# charts: the spec the browser draws
# --------------------------------------------------------------------------
def _trend_frame(partial: bool) -> pd.DataFrame:
    weeks = pd.to_datetime(["2024-05-06", "2024-05-13", "2024-05-20"])
    return pd.DataFrame({"period": weeks, "reason": "quality", "reason_name": "质量问题", "count": [30, 28, 4],
                         "partial": [False, False, partial]})


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def test_trend_axis_is_numeric_and_the_last_week_is_marked_partial():
    from ui import charts

    spec = charts.trend(_trend_frame(True), "zh").to_dict()
    x = _layers(spec)[0]["encoding"]["x"]
    assert x["axis"]["format"] == "%m-%d"  # not "Mar 10, 2024" in a Chinese screen
    assert [v["date"] for v in x["axis"]["values"]] == [6, 13, 20]  # a tick on each week's own start day
    texts = [layer for layer in _layers(spec) if layer.get("mark", {}).get("type") == "text"
             or layer.get("mark") == "text"]
    assert texts, "no partial-week label"
    data = spec["datasets"][texts[0]["data"]["name"]]
    assert [d["label"] for d in data] == ["本周未完"]
    plain = charts.trend(_trend_frame(False), "zh").to_dict()
    assert "layer" not in plain


def test_bar_charts_keep_their_row_height_and_sub_reasons_need_no_legend():
    from ui import charts

    df = pd.DataFrame({"reason_name": ["质量问题"] * 20, "sub_name": [f"细分{i}" for i in range(20)],
                       "count": range(20, 0, -1)})
    spec = charts.sub_reason_bar(df, "zh").to_dict()
    # fit-x: axes and labels come on top of the height, so 20 rows keep 20 px each (Streamlit's "fit" squeezed them)
    assert spec["autosize"]["type"] == "fit-x" and spec["height"] >= 20 * 20
    assert spec["encoding"]["color"].get("legend", "absent") is None
    assert spec["encoding"]["y"]["axis"]["labelLimit"] >= 200


def test_pareto_shows_every_sku_label():
    from ui import charts

    df = pd.DataFrame({"sku": [f"SKU-{i:02d}" for i in range(20)], "amount": range(2000, 0, -100)})
    df["cum_share"] = df["amount"].cumsum() / df["amount"].sum()
    bars = charts.pareto(df, "zh").to_dict()["layer"][0]
    assert bars["encoding"]["x"]["axis"]["labelOverlap"] is False


def test_every_chart_kind_is_valid_vega_lite_though_reruns_skip_the_check():
    import jsonschema

    from ui import charts

    reasons = pd.DataFrame({"reason": ["quality", "sizing"], "reason_name": ["质量问题", "尺码问题"],
                            "count": [30, 10], "amount": [300.0, 90.5], "share": [0.75, 0.25]})
    subs = pd.DataFrame({"reason_name": ["质量问题", "尺码问题"], "sub_name": ["开线", "偏小"], "count": [5, 3]})
    heat = pd.DataFrame({"sku": ["A", "A", "B"], "reason_name": ["质量问题", "尺码问题", "质量问题"],
                         "count": [3, 1, 2], "share": [0.75, 0.25, 1.0]})
    pareto = pd.DataFrame({"sku": ["A", "B"], "amount": [300.0, 100.0], "cum_share": [0.75, 1.0]})
    built = [charts.reason_bar(reasons, "zh"), charts.reason_bar(reasons, "en", "amount"),
             charts.sub_reason_bar(subs, "zh"), charts.trend(_trend_frame(True), "zh"),
             charts.trend(_trend_frame(False), "en"), charts.heatmap(heat, "zh"), charts.pareto(pareto, "zh")]
    for chart in built:
        checked = type(chart).to_dict(chart, validate=True)  # raises on a spec the schema rejects
        assert chart.to_dict() == checked  # what Streamlit sends is the same spec, unchecked
    broken = charts.reason_bar(reasons, "zh")
    object.__setattr__(broken, "to_dict", type(broken).to_dict.__get__(broken))
    broken.height = "tall"  # not a number: the schema check must catch it
    with pytest.raises(jsonschema.ValidationError):
        type(broken).to_dict(broken, validate=True)
