"""The shipped model on the label guide's hard cases, and the tagged table's shape."""
import pandas as pd
import pytest

from diagnose.model.classify import TAG_COLUMNS, classify_frame, sub_reason_for
from diagnose.taxonomy import DROPDOWN_EVIDENCE_PREFIX, LABELS

HARD_CASES = [
    # (buyer text, dropdown, expected reason) — from ../shared/label-guide.md
    ("尺码没问题，就是质量太差", "", "quality"),
    ("衣服偏小而且线头很多", "", "quality"),  # label guide: a concrete defect outranks sizing
    ("买的32码发来33码", "", "mismatch"),
    ("快递把箱子压坏了，里面的杯子碎了", "", "logistics"),
    ("刚买就降价了，退了重买", "", "changed_mind"),
    ("不想要了", "质量问题", "changed_mind"),
    ("质量太差了！！！垃圾！！！投诉！！！鞋底开胶了", "", "quality"),
    ("不给我退款我就给差评，还要投诉你们", "", "malicious"),
    ("东西没坏，就是不想要了", "", "changed_mind"),
    ("颜色和图片差别太大，色差严重", "", "mismatch"),
    ("物流太慢了，一个星期才到", "", "logistics"),
    ("客服态度太差了，问什么都不回", "", "other"),
    ("吃完了觉得不好吃，要求全额退款", "", "malicious"),
    ("手机用了三天就死机，还发烫", "", "quality"),
    ("拍错颜色了", "", "changed_mind"),
    ("少发了一个配件", "", "mismatch"),
]


@pytest.mark.parametrize("text,dropdown,expected", HARD_CASES)
def test_hard_cases(model, text, dropdown, expected):
    tagged = classify_frame(pd.DataFrame({"buyer_text": [text], "platform_reason": [dropdown]}), model)
    assert tagged["reason"].iloc[0] == expected, tagged[["reason", "confidence", "evidence"]].to_dict("records")


def test_every_row_kept_and_columns_filled(model):
    df = pd.DataFrame(
        {
            "buyer_text": ["偏小", "", "", "偏小", None, "不想要了"],
            "platform_reason": ["", "七天无理由退换货", "", "", "质量问题", "质量问题"],
            "extra": list("abcdef"),
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    tagged = classify_frame(df, model)
    assert len(tagged) == len(df)
    assert list(tagged.index) == list(df.index)
    assert list(tagged["extra"]) == list("abcdef")
    for col in TAG_COLUMNS:
        assert col in tagged.columns
    assert set(tagged["reason"]) <= set(LABELS)
    assert tagged["confidence"].between(0, 1).all()
    # repeated text → identical tags (classified once)
    assert tagged.loc[10, "reason"] == tagged.loc[13, "reason"] == "sizing"
    assert tagged.loc[10, "sub_reason"] == "too_small"


def test_empty_text_falls_back_to_dropdown(model):
    df = pd.DataFrame({"buyer_text": ["", "", ""], "platform_reason": ["七天无理由退换货", "质量问题", ""]})
    tagged = classify_frame(df, model)
    assert list(tagged["reason"]) == ["changed_mind", "quality", "other"]
    assert any(w.startswith(DROPDOWN_EVIDENCE_PREFIX) for w in tagged["evidence"].iloc[0])
    assert tagged["needs_review"].iloc[2]  # nothing to go on → review


def test_conflict_flagged_when_dropdown_blames_merchant(model):
    df = pd.DataFrame(
        {"buyer_text": ["不想要了，拍错了", "开线了，质量太差"], "platform_reason": ["质量问题", "质量问题"]}
    )
    tagged = classify_frame(df, model)
    assert tagged["reason_conflict"].tolist() == [True, False]
    assert tagged["dropdown_label"].tolist() == ["quality", "quality"]


def test_evidence_words_come_from_the_text(model):
    tagged = classify_frame(pd.DataFrame({"buyer_text": ["鞋子偏大一码，走路掉跟"]}), model)
    words = [w for w in tagged["evidence"].iloc[0] if w]
    assert words
    assert all(w in "鞋子偏大一码走路掉跟" for w in words)


def test_sub_reason_rules():
    assert sub_reason_for("sizing", "穿上太紧了") == "too_small"
    assert sub_reason_for("sizing", "大了一号") == "too_large"
    assert sub_reason_for("quality", "洗了一次就起球") == "pilling_fading"
    assert sub_reason_for("mismatch", "有色差") == "color_difference"
    assert sub_reason_for("mismatch", "商家发错货") == "wrong_item"
    assert sub_reason_for("sizing", "", "APPAREL_TOO_SMALL") == "too_small"
    assert sub_reason_for("other", "嗯") == "unspecified"


def test_no_text_no_dropdown_column_is_fine(model):
    tagged = classify_frame(pd.DataFrame({"buyer_text": ["发错货了"]}), model)
    assert tagged["reason"].iloc[0] == "mismatch"
    assert not tagged["reason_conflict"].iloc[0]
