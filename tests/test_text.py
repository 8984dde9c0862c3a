from diagnose.model.text import focus, normalise, prepare, tokenize


def test_normalise_folds_width_case_script_and_noise():
    s = normalise("ＳＩＺＥ偏小！尺碼不對😡 订单号 4987654321098765 https://x.cn/a?b=1")
    assert "size" in s
    assert "尺码不对" in s
    assert "😡" not in s
    assert "4987654321098765" not in s
    assert "http" not in s


def test_normalise_keeps_short_numbers():
    # sizes, heights and weights matter for sizing reasons
    assert "165" in normalise("身高165穿M还紧")


def test_normalise_handles_missing_values():
    assert normalise(None) == ""
    assert normalise(float("nan")) == ""


def test_focus_drops_cleared_clause_before_contrast():
    assert focus("尺码没问题但是质量太差") == "但是质量太差"
    assert "尺码" not in focus("尺码没问题，就是质量太差")
    assert "东西没坏" not in focus("东西没坏，就是不想要了")


def test_focus_keeps_complaints_that_look_like_clearances():
    # 不合身 / 不满意 are complaints, not clearances
    assert "不合身" in focus("不合身，但是颜色好看")
    assert "不满意" in focus("不满意但是算了")


def test_focus_without_contrast_is_identity():
    assert focus("质量挺好") == "质量挺好"


def test_tokenize_uses_domain_dictionary():
    toks = tokenize(prepare("衣服开线了还起球"))
    assert "开线" in toks and "起球" in toks
    assert "发错货" in tokenize(prepare("商家发错货了"))
