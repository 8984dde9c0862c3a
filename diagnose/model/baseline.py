"""A plain keyword-rule classifier: the yardstick the model must beat.

It is what a merchant would write in a spreadsheet formula: look for a few
telling words per reason, in a fixed priority order, and call everything
else "other". Kept deliberately simple so the comparison in the model card
is honest: it shows what learning from the corpus adds over word lists.
"""
from __future__ import annotations

from typing import Iterable

from diagnose.model.text import normalise

# Priority order: the rarer, more specific intents first.
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("malicious", ("差评", "赔偿", "赔我", "三倍", "十倍", "吃完", "用完", "穿过", "只退款", "仅退款", "不退货")),
    ("mismatch", ("色差", "不符", "发错", "少件", "漏发", "少发", "假货", "正品", "盗版", "二手", "翻新", "图片")),
    ("logistics", ("物流", "快递", "没收到", "未收到", "压坏", "破损", "发货慢")),
    ("sizing", ("偏大", "偏小", "尺码", "码数", "太大", "太小", "穿不上", "紧", "松")),
    ("quality", ("质量", "做工", "开线", "起球", "掉色", "坏", "异味", "不能用", "死机", "发烫", "烂", "瑕疵")),
    ("changed_mind", ("不想要", "不喜欢", "拍错", "买错", "多拍", "不需要", "降价", "无理由")),
)


def keyword_predict_one(text: object) -> str:
    s = normalise(text)
    for label, words in KEYWORDS:
        if any(w in s for w in words):
            return label
    return "other"


def keyword_predict(texts: Iterable[object]) -> list[str]:
    """Label each text by the first reason whose keyword it contains."""
    return [keyword_predict_one(t) for t in texts]
