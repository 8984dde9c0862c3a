"""The report's and risk's fast paths give exactly what the plain code they replaced gave.

The references are in benchmarks/naive_report.py (the old code, kept as it
was). Fixtures are built here in code: several SKUs, blank and missing SKUs,
one-row SKUs, ties in lift and count, texts with emoji, spaces, links, order
numbers, traditional and full-width characters, and texts of nothing but
stopwords.
"""
from __future__ import annotations

import random
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest

from benchmarks import naive_report
from diagnose.analysis.report import clauses
from diagnose.analysis.report.aggregate import _working
from diagnose.analysis.report.phrases import _CLAUSE_RE, _phrase_features, _phrases
from diagnose.model.text import normalise

from tests.test_report import tagged_frame

EDGE_TEXTS = [
    "", " ", "   \t ", "nan", "None", "<NA>", "-", "。。。", "好 不好", "abc def", "a ，b", "中 ，文",
    "😡质量差😡😡 退货 ", "  质量 差  ", "a😡b", "1😡2", "中😡a", "a😡中", "a 😡 b", "👎", "\u3000", "a\u3000b",
    "中\u3000文", "好，\t，坏", "订单123456789号没到", "订单 123456789 没到", "12345678 9", "http://x.cn 坏了", "www.a.com 偏小",
    "ｗｗｗ．ａ", "質量問題，發錯貨", "ＡＢＣ１２３ 尺码偏大", "ｶﾞ", "\u1100\u1161", "e\u0301", "…好的…", "x.y",
    "3.5mm耳机没声音", "iPhone 15 Pro Max 充不进电", "偏小\n偏大\r\n穿不上", "\"引号\"里的话，逗号,分号;",
    "面料很薄 面料薄", "不一样 没效果", "a b c", "物流太慢" * 30, "ＡＢＣ", "\u200b零宽\u200d", "🄁号", "\ufe0f",
]


def _corpus(n: int, seed: int = 3) -> list[str]:
    from benchmarks.generate import TextSource

    _, texts = TextSource(np.random.default_rng(seed), pool_size=300).draw(n)
    return EDGE_TEXTS + [t for t in texts if isinstance(t, str)]


def _plain_pairs(texts: list[str]) -> list[tuple[int, str]]:
    return [(i, c) for i, t in enumerate(texts) for c in _CLAUSE_RE.split(normalise(t)) if c.strip()]


def _fast_pairs(texts: list[str]) -> list[tuple[int, str]]:
    distinct, codes, owner = clauses.text_clauses(*clauses.joined(texts), _CLAUSE_RE)
    got = [(int(o), distinct[c]) for o, c in zip(owner.tolist(), codes.tolist())]
    return sorted(got, key=lambda p: p[0])  # stable: each text's clauses stay in reading order


# --- clauses ---------------------------------------------------------------------------
def test_text_clauses_equal_normalise_then_split():
    texts = _corpus(3000)
    assert _fast_pairs(texts) == _plain_pairs(texts)


def test_most_generated_texts_take_the_array_path():
    """Otherwise the equality above would say little about the array path."""
    texts = _corpus(2000)
    big, lens = clauses.joined(texts)
    ends = np.cumsum(lens)
    cp = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32)
    fast = clauses._array_path(big, ends - lens, cp, ends, clauses._tables(_CLAUSE_RE.pattern))
    assert fast.mean() > 0.8
    assert not fast[texts.index("http://x.cn 坏了")]
    assert not fast[texts.index("订单 123456789 没到")]  # an order number normalise cuts
    assert fast[texts.index("订单123456789号没到")]  # no word boundary: normalise keeps the digits


_SPACED_PIECES = ["质量", "差", "ok", "iPhone", "15", "Pro", "，", ",", "。", "!", "…", "😡", "\u3000", "a", "中",
                  "nan", "None", "-", "不", "好", "3.5mm", "ＡＢＣ", "質量", "\t", "\n"]


def _spaced_texts(n: int, seed: int = 11) -> list[str]:
    """Pieces with plain and no-break spaces between, before and after them, in runs."""
    rng = random.Random(seed)
    blanks = [" ", "  ", "\xa0", " \xa0 ", "\xa0\xa0", "", ""]
    return [rng.choice(blanks) + "".join(rng.choice(_SPACED_PIECES) + rng.choice(blanks)
                                         for _ in range(rng.randint(1, 8))) for _ in range(n)]


def test_texts_with_plain_and_no_break_spaces_take_the_array_path_and_split_the_same():
    texts = _spaced_texts(4000) + [" ", "\xa0", "  ", "a b", "中 文", "a\xa0中", " nan", "nan ", "好 ，b"]
    big, lens = clauses.joined(texts)
    ends = np.cumsum(lens)
    cp = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32)
    fast = clauses._array_path(big, ends - lens, cp, ends, clauses._tables(_CLAUSE_RE.pattern))
    assert fast.mean() > 0.8  # (none of them did before: each holds a space)
    assert fast[texts.index("a b")] and fast[texts.index("a\xa0中")]
    assert _fast_pairs(texts) == _plain_pairs(texts)


def _order_number_texts() -> list[str]:
    """Digit runs around nine long, with letter prefixes and every kind of neighbour."""
    befores = ["", " ", "号", "a", "ab", "SF", "abcd", "abcde", "_", "，", "😡", "\u2776", "\u3000", "K", "ſ", "中 "]
    runs = ["12345678", "123456789", "1234567890123", "１２３４５６７８９", "١٢٣٤٥٦٧٨٩", "12345 6789"]
    afters = ["", " ", "号", "x", "_", "。", "👎", "\u2776", "9", "\xa0"]
    return [f"退款{b}{r}{a}到了" for b in befores for r in runs for a in afters] + \
        [f"{b}{r}{a}" for b in befores for r in runs for a in afters]


def test_texts_with_long_digit_runs_split_as_normalise_then_split():
    """The array path takes a long digit run unless the order-number pattern would cut it."""
    texts = _order_number_texts()
    assert _fast_pairs(texts) == _plain_pairs(texts)
    big, lens = clauses.joined(texts)
    ends = np.cumsum(lens)
    cp = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32)
    fast = clauses._array_path(big, ends - lens, cp, ends, clauses._tables(_CLAUSE_RE.pattern))
    has_run = np.array([any(len(r) >= 9 for r in re.findall(r"\d+", t)) for t in texts])
    assert (fast & has_run).sum() > 100 and (~fast & has_run).sum() > 100  # both ways taken


def test_a_text_ending_in_digits_does_not_hide_the_next_texts_order_number():
    """Digit runs are counted per text, not across the end of one text into the next."""
    texts = ["123456789", "123456789\u3000", "12345", "6789，好", "单号1234", "56789 好", "x"]
    assert _fast_pairs(texts) == _plain_pairs(texts)


def test_joined_reads_arrow_strings_like_a_join():
    texts = _corpus(300)
    arrow = pd.array(texts, dtype="str")
    assert clauses.joined(arrow)[0] == "".join(texts)
    np.testing.assert_array_equal(clauses.joined(arrow)[1], [len(t) for t in texts])
    assert clauses.joined(texts)[0] == "".join(texts)


def test_simple_characters_normalise_one_by_one():
    """The array path's premise: for characters it calls simple, normalise(a + b) == map(a) + map(b)."""
    mapped, cls, _ = clauses._tables(_CLAUSE_RE.pattern)
    simple = np.flatnonzero((cls == clauses.WORD) | (cls == clauses.PUNCT))
    non_han = [int(c) for c in simple if not 0x3400 <= c <= 0x9FFF]
    rng = random.Random(11)
    han = [int(c) for c in rng.sample([int(c) for c in simple if 0x3400 <= c <= 0x9FFF], 400)]
    pool = non_han + han
    for _ in range(40000):
        s = "".join(chr(rng.choice(pool)) for _ in range(rng.randint(2, 4)))
        want = "".join(chr(int(mapped[ord(c)])) for c in s).strip()
        if want == "".join(chr(int(mapped[ord(c)])) for c in s) and "://" not in want and "www." not in want:
            assert normalise(s) == want, [hex(ord(c)) for c in s]
    # the composition traps stay on the plain path
    for trap in ("\uffa1", "\uffc2", "\uff9e", "\u1161", "\u3099", "\u0301"):
        assert cls[ord(trap)] == clauses.OTHER
    assert unicodedata.normalize("NFKC", "\uffa1\uffc2") != "".join(
        unicodedata.normalize("NFKC", c) for c in "\uffa1\uffc2")


def test_phrase_features_unchanged():
    texts = _corpus(1500)
    assert [_phrase_features(t) for t in texts] == [naive_report.phrase_features_reference(t) for t in texts]


# --- the phrase table --------------------------------------------------------------------
def _rows(rng: random.Random, n: int, skus: list, texts: list[str]) -> list[dict]:
    """Returns whose SKUs each lean on a few texts of their own (so some phrases stand out)."""
    own = {i: rng.sample(texts, 8) for i in range(len(skus))}
    rows = []
    for _ in range(n):
        k = rng.randrange(len(skus))
        text = rng.choice(own[k]) if rng.random() < 0.5 else rng.choice(texts)
        rows.append({"sku": skus[k], "buyer_text": text, "reason": rng.choice(["sizing", "quality"])})
    return rows


def _same(w: pd.DataFrame, min_returns: int = 5) -> pd.DataFrame:
    got = _phrases(w, min_returns)
    want = naive_report.phrases_reference(w, min_returns)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_exact=True)
    return got


def test_phrases_equal_reference_on_generated_returns():
    rng = random.Random(5)
    texts = _corpus(1200)
    skus = [f"S{i:02d}" for i in range(25)] + [pd.NA, "", "-"]
    w = _working(tagged_frame(_rows(rng, 4000, skus, texts)), "zh")
    got = _same(w)
    assert len(got) > 20 and got["sku"].nunique() > 5


def test_phrases_equal_reference_with_sku_specific_words_and_ties():
    rows = []
    for sku, word in (("A", "挤脚"), ("B", "色差"), ("C", "起球"), ("D", "挤脚")):
        rows += [{"sku": sku, "buyer_text": f"{word}，面料很薄"} for _ in range(6)]
        rows += [{"sku": sku, "buyer_text": f"{word} 不一样 没效果"} for _ in range(3)]
    rows += [{"sku": "E", "buyer_text": "发货慢"} for _ in range(30)]
    rows += [{"sku": "F", "buyer_text": "挤脚"}]  # one row
    rows += [{"sku": pd.NA, "buyer_text": "色差 色差很大"} for _ in range(7)]
    w = _working(tagged_frame(rows), "zh")
    got = _same(w)
    assert {"挤脚", "色差", "起球"} <= set(got["phrase"])
    assert _same(w, min_returns=1) is not None and _same(w, min_returns=50).empty


def test_phrases_edge_cases_equal_reference():
    base = [{"sku": "A", "buyer_text": "偏小"}] * 6
    cases = {
        "empty": [],
        "one row": [{"sku": "A", "buyer_text": "偏小"}],
        "one sku": base,
        "no text": [{"sku": s, "buyer_text": ""} for s in "ABAB"],
        "stopwords only": [{"sku": s, "buyer_text": "的了是我"} for s in "ABABABAB"],
        "emoji and links": [{"sku": s, "buyer_text": t} for s in "ABC" for t in EDGE_TEXTS],
        "blank skus": [{"sku": s, "buyer_text": t} for s in (pd.NA, "", "nan", "A") for t in
                       ("颜色不对", "颜色不对😡", "www.x.com 颜色", "尺码偏大 偏大")] * 3,
    }
    for name, rows in cases.items():
        w = _working(tagged_frame(rows), "zh") if rows else _working(tagged_frame(base), "zh").iloc[0:0]
        _same(w)


def test_phrases_mixed_platforms_equal_reference():
    rng = random.Random(9)
    texts = _corpus(400, seed=4)
    frame = tagged_frame(_rows(rng, 1500, ["A", "B", "C", "D"], texts))
    frame["platform"] = rng.choices(["douyin", "taobao", "", "jd"], k=len(frame))
    _same(_working(frame, "zh"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_build_report_phrases_table_unchanged(lang):
    from diagnose.analysis.report import build_report

    rng = random.Random(2)
    frame = tagged_frame(_rows(rng, 800, ["A", "B", "C", pd.NA], _corpus(200, seed=8)))
    report = build_report(frame, lang=lang)
    want = naive_report.phrases_reference(_working(frame, lang), 5)
    pd.testing.assert_frame_equal(report.phrases, want, check_exact=True)


# --- risk ----------------------------------------------------------------------------------
def _risk_texts(n: int, seed: int = 6) -> list[str]:
    """Buyer texts rich in cue words (threats, compensation, used, refund-only, defects, sizes, English)."""
    from diagnose.analysis.risk import cues

    rng = random.Random(seed)
    words = list(cues.DEFECT_CUES + cues.VAGUE_CUES + cues.SIZING_CUES + cues.BUYER_SIDE_CUES + cues.THREAT_CUES
                 + cues.COMPENSATION_CUES + cues.USED_CUES + cues.RWR_CUES)
    glue = ["", "，", " ", "不退款就", "否则", "快递", "压坏了", "没有质量问题", "Refund", " used it ", "😡", "!!"]
    out = EDGE_TEXTS + _corpus(600, seed=seed)
    for _ in range(n):
        out.append("".join(rng.choice(words) + rng.choice(glue) for _ in range(rng.randint(1, 4))))
    return out


def test_first_match_equals_pandas_extract():
    from diagnose.analysis.risk import cues

    u = pd.Series(_risk_texts(3000), dtype="str").str.normalize("NFKC").str.lower()
    padded = " " + u + " "
    fired = 0
    for pattern in cues._FEATURE_PATTERNS.values():
        hit = padded.str.contains(pattern, regex=True).to_numpy(bool)
        fired += int(hit.sum() > 0)
        got = cues._first_match(padded[hit], pattern).to_numpy(dtype=object)
        want = naive_report.first_match_reference(padded[hit], pattern).to_numpy(dtype=object)
        assert got.tolist() == want.tolist(), pattern[:40]
    assert fired == len(cues._FEATURE_PATTERNS)  # every pattern was exercised


@pytest.mark.parametrize("kind", ["int", "uint64", "sparse"])
def test_distinct_per_group_equals_sort_version(kind):
    from diagnose.analysis.risk.cues import _distinct_per_group

    rng = np.random.default_rng(4)
    n = 5000
    if kind == "uint64":
        groups = rng.integers(0, 2**63, size=300, dtype=np.uint64)[rng.integers(0, 300, n)] * np.uint64(2)
    else:
        groups = rng.integers(0, 200 if kind == "int" else 5, n)
    who = rng.integers(-3, 400, n) if kind != "sparse" else np.arange(n) * 7 + n
    for mask in (rng.random(n) < 0.6, np.ones(n, bool), np.zeros(n, bool), np.eye(1, n, 17, dtype=bool)[0]):
        got = _distinct_per_group(groups, who, mask)
        np.testing.assert_array_equal(got, naive_report.distinct_per_group_reference(groups, who, mask))


def _risk_frame(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    texts = _risk_texts(400, seed=seed)
    t0 = pd.Timestamp("2024-05-01")
    signed = t0 + pd.to_timedelta(rng.integers(0, 20 * 1440, n), unit="min")
    return pd.DataFrame({
        "return_id": [f"R{i}" for i in range(n)], "order_id": [f"O{rng.integers(0, n)}" for i in range(n)],
        "sku": rng.choice(["A", "B", "C", "", None], n), "platform_reason": rng.choice(
            ["质量问题", "七天无理由退换货", "大小尺寸与商品描述不符", "商品破损/污渍", None], n),
        "buyer_text": rng.choice(np.array(texts, dtype=object), n),
        "return_type": rng.choice(["refund_only", "return_refund", "exchange"], n),
        "amount": np.round(rng.gamma(2.0, 60.0, n), 2), "quantity": rng.choice([1.0, 2.0, np.nan], n),
        "applied_at": signed + pd.to_timedelta(rng.integers(-30, 40 * 1440, n), unit="min"), "signed_at": signed,
        "buyer_id": rng.choice([f"b{i}" for i in range(300)] + [""], n), "shop": rng.choice(["店1", "店2"], n),
        "platform": rng.choice(["douyin", "taobao"], n),
        "收货人电话": rng.choice(["h1", "h2", "h3", "", "138****0000"] + [f"x{i}" for i in range(50)], n),
        "reason": rng.choice(["quality", "sizing", "changed_mind", "malicious", "other", "logistics"], n),
        "confidence": rng.random(n), "p_malicious": rng.random(n) * 0.9,
        "dropdown_label": rng.choice(["quality", "mismatch", "changed_mind", None], n),
    })


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_risk_table_equal_with_the_replaced_helpers(monkeypatch, lang, tmp_path):
    """The whole risk table, CSV bytes included, with the new helpers and with the old ones swapped back in."""
    from diagnose.analysis import risk
    from diagnose.analysis.risk import cues, signals_group
    from diagnose.io.export import write_table

    frame = _risk_frame()
    orders = pd.DataFrame({"order_id": [f"O{i}" for i in range(0, 3000, 2)],
                           "buyer_id": [f"b{i % 300}" for i in range(0, 3000, 2)]})
    new = risk.risk_table(frame, orders, lang=lang)
    list(write_table(new, tmp_path / "new.csv"))
    monkeypatch.setattr(cues, "_first_match", naive_report.first_match_reference)
    monkeypatch.setattr(cues, "_distinct_per_group", naive_report.distinct_per_group_reference)
    monkeypatch.setattr(signals_group, "_distinct_per_group", naive_report.distinct_per_group_reference)
    old = risk.risk_table(frame, orders, lang=lang)
    list(write_table(old, tmp_path / "old.csv"))
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()
    assert (new["risk_score"] > 0).mean() > 0.3 and new["risk_signals"].map(len).max() >= 3


@pytest.mark.parametrize("dtype", ["str", "string", object, "category"])
def test_as_text_equal_reference(dtype):
    from diagnose.analysis.report.aggregate import _as_text

    values = ["  a ", "", None, "中文\u3000", "\x1ctab\t", "nan", "-", " 12 "]
    s = pd.Series(values * 3, dtype=dtype)
    pd.testing.assert_series_equal(_as_text(s), naive_report.as_text_reference(s), check_exact=True)
    empty = pd.Series([], dtype=dtype)
    pd.testing.assert_series_equal(_as_text(empty), naive_report.as_text_reference(empty), check_exact=True)
    mixed = pd.Series([1, 2.5, None, ["x"], " y "], dtype=object)
    pd.testing.assert_series_equal(_as_text(mixed), naive_report.as_text_reference(mixed), check_exact=True)


def test_working_table_unchanged(monkeypatch):
    from diagnose.analysis.report import aggregate

    frame = tagged_frame(_rows(random.Random(3), 500, ["A", "B", pd.NA, "", " C "], _corpus(100, seed=2)))
    got = aggregate._working(frame, "zh")
    monkeypatch.setattr(aggregate, "_as_text", naive_report.as_text_reference)
    pd.testing.assert_frame_equal(got, aggregate._working(frame, "zh"), check_exact=True)


def test_fixes_equal_reference():
    from diagnose.analysis.report.aggregate import _titles
    from diagnose.analysis.report.fixes import _fixes

    rng = random.Random(12)
    reasons = ["sizing", "quality", "malicious", "changed_mind", "other", "logistics"]
    subs = {"sizing": ["too_small", "too_large", "unspecified"], "quality": ["malfunction", "workmanship", "unspecified"]}
    rows = []
    for i in range(3000):
        reason = rng.choice(reasons)
        rows.append({"sku": rng.choice(["A", "B", "C", "D", pd.NA, "", "E"]), "reason": reason,
                     "sub_reason": rng.choice(subs.get(reason, ["unspecified"])),
                     "buyer_text": rng.choice(["", "偏小", "偏大", "坏了", "不想要了", "偏小😡"]),
                     "confidence": rng.choice([0.9, 0.9, 0.5, float("nan"), 0.99]),  # ties and NaN
                     "amount": rng.choice([10.0, 10.0, 99.9, 0.1, 0.2, 1e6])})
    for k in range(40):  # small SKUs: causes of 2-4 returns near the 10 % / 30 % bars
        for _ in range(rng.randint(3, 14)):
            reason = rng.choice(reasons)
            rows.append({"sku": f"F{k}", "reason": reason, "sub_reason": rng.choice(subs.get(reason, ["unspecified"])),
                         "buyer_text": rng.choice(["偏小", "坏了", ""]), "amount": rng.choice([5.0, 7.5])})
    rows += [{"sku": "ONE", "reason": "quality"}]  # one row: below min_returns
    w = _working(tagged_frame(rows), "zh")
    titles = _titles(w)
    for min_returns in (1, 5, 2000, 10**6):
        got = _fixes(w, titles, min_returns)
        want = naive_report.fixes_reference(w, titles, min_returns)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert len(_fixes(w, titles, 5)) > 10
    empty = w.iloc[0:0]
    pd.testing.assert_frame_equal(_fixes(empty, titles, 5), naive_report.fixes_reference(empty, titles, 5))
    silent = w.assign(buyer_text="")  # causes without a single example text
    pd.testing.assert_frame_equal(_fixes(silent, titles, 5), naive_report.fixes_reference(silent, titles, 5))
