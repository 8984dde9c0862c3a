"""The `risk` command's fast paths give exactly what the plain code they replaced gave.

References: `redact.redact_spans` one text at a time (the code `redact_many`
screens for), and benchmarks/naive_risk.py (the old code, kept as it was).
Inputs are built here in code: planted personal data in every spelling,
evidence sentences like the ones `score_risk` writes, full-width, Unicode
digits, letters whose case folds oddly (İ ı ſ K), and random mixes of them.
"""
from __future__ import annotations

import random

import numpy as np
import pytest
import pandas as pd

from benchmarks import naive_risk
from diagnose.io import redact

from tests.test_pii import CUES, PLANTED, SURVIVORS

# Pieces of generated and typed text, mixed at random below.
PIECES = [
    "共用电话/地址（导出中没有买家电话/地址列）", "「收货地址」与另外 3 个买家ID相同（仅比对哈希值）",
    "地址不对", "地址是", "地址：", "address: ", "Address 12 Baker St", "rd", "st", "地址", "住址在", "收货人：",
    "联系人 ", "姓名", "consignee: ", "Recipient: Amy Lee", "微信", "vx ", "WX:", "QQ ", "qq", "扣扣：", "@", "＠",
    "tel", "phone", "订单号 ", "运单号：", "YT", "SF", "１２３４", "٣٤٥٦٧", "12315", "1234", "123", "0571-", "8888 6666",
    "¥1,234", "¥68.90", "2.0 倍", "47 个不同买家", "号", "栋", "3单元", "1201室", "浙江省", "杭州市", "西湖区",
    "文三路", "北京路5号", "镇", "村", "巷", "；", "; ", "，", ",", "。", "（", "）", "\n", " ", "\u3000", "İ", "ı",
    "ſ", "K", "ＡＢＣ", "质量问题", "不想要了", "说明含威胁差评/投诉（不退款我就去12315）", "[手机号]", "[地址]",
    "文本模型判定恶意退款概率 0.97", "未评估：签收后秒退（缺少签收时间 signed_at列）", "138", "1381234", "5678",
]


def _texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    planted = [v for vs in PLANTED.values() for v in vs]
    cues = [c for cs in CUES.values() for c in cs]
    out = ["", " ", "地址", "1234", "abc"] + planted + SURVIVORS
    out += [c + v for c in cues for v in planted]
    for _ in range(n):
        k = rng.randint(1, 9)
        parts = [rng.choice(PIECES) if rng.random() < 0.75 else rng.choice(planted + cues + SURVIVORS)
                 for _ in range(k)]
        out.append("".join(parts))
    return out


def test_redact_many_equals_redact_spans_one_by_one():
    texts = _texts(20_000, seed=11)
    assert redact.redact_many(texts) == [redact.redact_spans(t) for t in texts]


SUFFIXES = [
    "；未评估：签收后秒退（缺少签收时间 signed_at列）、共用电话/地址（导出中没有买家电话/地址列）",
    "; not evaluated: shared phone/address (the export has no buyer phone/address column)",
    "；寄到北京路的包裹（没有单据）",  # a place-word character after the split: the spread-out trigger
    "；12345678901234567890 and more text here",  # a digit run right after the split
    "未评估：没有分号的结尾，只是很长的一段话而已",  # no ";" at the split
    "地址：浙江省杭州市西湖区文三路478号9栋3单元1201室；后面还有字",  # the shared end itself needs work
]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_redact_many_with_a_shared_end_equals_redact_spans(suffix):
    heads = _texts(4000, seed=len(suffix))
    heads += ["", "市", "地址", "地址：", "12", "123", "1381234", "微", "收货", "[", "abc；", "杭州市；", "138；"]
    texts = [h + suffix for h in heads] + [h + "；" + suffix for h in heads[:500]] + [suffix]
    assert redact.redact_many(texts) == [redact.redact_spans(t) for t in texts]


def test_the_piece_screen_spares_evidence_and_sees_across_pieces():
    texts = [f"文本模型判定恶意退款概率 0.{i:02d}" + SUFFIXES[0] for i in range(100)]
    screen = redact._PieceScreen()
    assert not any(screen.needs_work(t) for t in texts)
    assert len(screen.seen) == 100 + 1  # each distinct piece screened once
    assert screen.needs_work("杭州市；" + SUFFIXES[2])  # 市 … 路 across a "；"
    assert not screen.needs_work("路；杭州")  # the place word before the 市 is no address run
    assert screen.needs_work("好的；13812345678；好的")


def test_redact_many_skips_most_evidence_but_not_personal_data():
    """The screen must both let real data through to the rules and spare the generated notes."""
    note = "文本模型判定恶意退款概率 0.97；未评估：共用电话/地址（导出中没有买家电话/地址列）"
    assert redact._NEEDS_WORK.search(redact._fold(note)) is None
    assert redact.CANDIDATE.search(note)  # the plain path would have run every rule on it
    changed = [c + v for kind, values in PLANTED.items() for c in CUES.get(kind, [""]) for v in values
               if redact.redact_spans(c + v).text != c + v]
    assert len(changed) > 50
    assert all(redact._NEEDS_WORK.search(redact._fold(t)) for t in changed)


def test_redact_many_keeps_non_strings():
    values = [None, np.nan, 5, ["13812345678"], "13812345678"]
    got = redact.redact_many(values)
    assert got[0].text is None and got[1].text is np.nan and got[2].text == 5 and got[3].text == ["13812345678"]
    assert got[4] == redact.redact_spans("13812345678")


def test_redact_frame_equals_plain_redaction_of_each_cell():
    texts = _texts(3000, seed=5)
    df = pd.DataFrame({"risk_evidence": texts, "buyer_text": texts[::-1]})
    df["notes"] = pd.Series(texts, dtype=object)
    got = redact.redact_frame(df)
    for col in df.columns:
        assert got[col].tolist() == [redact.redact_spans(t).text for t in df[col]]
        assert got[col].dtype == df[col].dtype
    clean = pd.DataFrame({"risk_evidence": ["概率 0.9；" + SUFFIXES[0]] * 50})
    assert redact.redact_frame(clean)["risk_evidence"].tolist() == clean["risk_evidence"].tolist()


def test_naive_reference_is_the_per_text_loop():
    texts = _texts(500, seed=2)
    assert naive_risk.redact_each(texts) == redact.redact_many(texts)


# --- folding of the distinct buyer texts (cues.TextFeatures) ----------------------------
def _fold_corpus(n: int, seed: int) -> list[str]:
    from tests.test_report_speed_equivalence import EDGE_TEXTS, _corpus

    rng = random.Random(seed)
    odd = ("İıſKΣσς\u0301\u0308\u3099\uff9e\uff9fｶﾞﾊﾟ\u1100\u1161\u11a8ＡＢＣａｂｃ１２３（）　¨µÀÉßﬁ㍿①"
           "\u00a0\u2028\u200b\u2126ÅK臺灣發質問題後裏麵乾髮鬆著")
    alphabet = [chr(c) for c in range(0x20, 0x250)] + list(odd) + [chr(c) for c in range(0x3000, 0x3040)]
    alphabet += [chr(c) for c in range(0xFF01, 0xFFEF)] + [chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(300)]
    alphabet += [chr(rng.randint(0x1F000, 0x1FAFF)) for _ in range(200)] + [chr(c) for c in range(0x2600, 0x2700)]
    out = list(_corpus(2000, seed)) + EDGE_TEXTS
    out += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(n)]
    return out


def test_fold_texts_equals_pandas_normalize_lower_translate():
    from diagnose.analysis.risk import cues

    texts = _fold_corpus(20_000, seed=4)
    want = naive_risk.normalised_texts(np.asarray(texts, dtype=object), cues._t2s(), naive_risk.trad_pattern(cues._t2s()))
    assert cues.fold_texts(texts) == want.tolist()


def test_fold_texts_takes_the_table_for_plain_chinese():
    """Otherwise the equality above would say little about the table path."""
    from diagnose.analysis.risk import cues

    cues.fold_texts(["x"])
    table = cues._FOLD_TABLE
    text = "質量問題，ＡＢＣ偏小了！😡👎"
    assert all(table.plain[ord(c)] for c in text)
    assert cues.fold_texts([text]) == ["质量问题,abc偏小了!😡👎"]


# --- the whole table, as the risk command writes it ------------------------------------------
def _tagged(n: int = 6000) -> pd.DataFrame:
    from benchmarks.bench_risk import make_tagged

    df = make_tagged(n, 0.3, seed=7)
    rng = random.Random(1)
    planted = [v for vs in PLANTED.values() for v in vs]
    texts = df["buyer_text"].to_numpy(dtype=object).copy()
    for i in rng.sample(range(n), 200):  # typed personal data, and the words around it
        texts[i] = rng.choice(["地址：", "收货人：", "vx ", "电话", ""]) + rng.choice(planted) + str(texts[i])
    df["buyer_text"] = texts
    return df


@pytest.mark.parametrize("lang,min_level", [("zh", "low"), ("en", "medium")])
def test_risk_table_csv_equals_the_reference(lang, min_level):
    from diagnose.analysis.risk import risk_table
    from diagnose.io.export import to_csv_bytes

    df = _tagged()
    got = risk_table(df, lang=lang, min_level=min_level)
    want = naive_risk.risk_table(df, lang=lang, min_level=min_level)
    assert list(got.columns) == list(want.columns)
    assert to_csv_bytes(got) == to_csv_bytes(want)


# --- MinHash signatures of the template signal ---------------------------------------------
def test_minhash_bands_equal_the_full_width_reference():
    from diagnose.analysis.risk import cues

    rng = random.Random(8)
    alphabet = list("质量问题偏小不想要了的一是") + ["a", "b", "1", " ", "😡", "\x00", chr(0x10FFFF), chr(0x20000)]
    keys = ["", "a", "ab", "a\x00b", "\x00\x00"] + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
                                               for _ in range(5000)]
    keys = np.array(keys, dtype=object)
    want = naive_risk.minhash_bands_full_width(keys, chunk=700)
    assert np.array_equal(cues.minhash_bands(keys, chunk=700), want)
    assert np.array_equal(cues.minhash_bands(keys[:0]), naive_risk.minhash_bands_full_width(keys[:0]))


# --- evidence parts joined per row ----------------------------------------------------------
@pytest.mark.parametrize("n,n_parts,with_const", [(0, 3, True), (1, 0, True), (5, 0, False), (3000, 6, True),
                                                  (3000, 4, False), (40, 1, False)])
def test_join_parts_arrow_equals_the_reference(n, n_parts, with_const):
    from diagnose.analysis.risk._util import _join_parts_arrow

    rng = np.random.default_rng(n + n_parts)
    words = np.array(["", "", "", "概率 0.97", "说明含威胁（否则投诉）", "a,b", "x" * 40, "；"], dtype=object)
    parts: list = [words[rng.integers(0, len(words), n)] for _ in range(n_parts)]
    if with_const:
        parts.append("未评估：签收后秒退")
    for sep in ("；", "; "):
        got = _join_parts_arrow(parts, sep, n)
        want = naive_risk.join_parts_arrow(parts, sep, n)
        assert list(got) == list(want) and got.dtype == want.dtype


# --- template counts (exact and near-duplicate writers per text) ---------------------------
@pytest.mark.parametrize("with_buyer", [True, False])
def test_template_counts_equal_the_reference(with_buyer):
    from diagnose.analysis.risk import registry, signals_group
    from diagnose.analysis.risk.config import DEFAULT_CONFIG

    df = _tagged(5000)
    if not with_buyer:
        df = df.drop(columns=["buyer_id"])
    ctx = registry.build_context(df, None, DEFAULT_CONFIG)
    who, _, _ = signals_group._writers(ctx)
    got = signals_group._template_counts(ctx, who)
    want = naive_risk.template_counts(ctx, who)
    assert int((want[2] > 1).sum()) > 100  # near-duplicates do occur
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


# --- risk_table picks and orders the rows before building the columns ------------------------
@pytest.mark.parametrize("min_level", ["low", "medium", "high"])
def test_risk_table_frame_equals_score_filter_sort(min_level):
    """Same values, dtypes, column order, index (shuffled, repeated labels) and attrs as the old way."""
    from diagnose.analysis.risk import risk_table

    df = _tagged(3000)
    rng = np.random.default_rng(3)
    df.index = pd.Index(rng.integers(0, 500, len(df)))  # labels out of order and repeated
    df.attrs["marker"] = ("kept",)
    got = risk_table(df, min_level=min_level)
    want = naive_risk.risk_table(df, min_level=min_level)
    assert len(got) and got["risk_score"].duplicated().any()  # ties: their order is tested too
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs == want.attrs


def test_risk_table_of_a_scored_table_equals_the_reference():
    """Scoring a table that already has risk columns replaces them, as the old code did."""
    from diagnose.analysis.risk import risk_table, score_risk

    df = score_risk(_tagged(1500))
    pd.testing.assert_frame_equal(risk_table(df, lang="en"), naive_risk.risk_table(df, lang="en"))


def test_risk_table_of_no_rows_equals_the_reference():
    from diagnose.analysis.risk import risk_table

    df = _tagged(300).iloc[:0]
    pd.testing.assert_frame_equal(risk_table(df), naive_risk.risk_table(df))


# --- word lists joined once per distinct list before the CSV writer sees them ------------------
def _odd_lists_table() -> pd.DataFrame:
    """Lists shared by many rows, and every kind of cell the writer's own join handles."""
    shared = ["a", "=b"]
    cells = [shared, shared, ["x"], [], None, float("nan"), ("t", "u"), np.array(["n1", "n2"], dtype=object),
             ["w", None], [1, 2.5], {"only"}, ["-lead", "c,d", 'q"uote'], pd.NA, shared]
    n = len(cells)
    return pd.DataFrame({
        "risk_signals": pd.Series(cells, dtype=object),
        "evidence": pd.Series(cells[::-1], dtype=object),
        "skipped_signals": pd.Series([["k1", "k2"]] * n, dtype=object),
        "other_list": pd.Series([["not", "listed"]] * n, dtype=object),  # no separator: left alone
        "n": range(n),
    })


def test_lists_as_text_writes_the_same_csv():
    from diagnose.analysis.risk import lists_as_text, risk_table
    from diagnose.io.export import to_csv_bytes

    odd = _odd_lists_table()
    joined = lists_as_text(odd)
    assert joined["risk_signals"].dtype != object and joined["other_list"].dtype == object
    assert to_csv_bytes(joined) == to_csv_bytes(odd)
    table = risk_table(_tagged(3000))
    assert to_csv_bytes(lists_as_text(table)) == to_csv_bytes(table)


def test_lists_as_text_leaves_a_column_with_other_values():
    from diagnose.analysis.risk import lists_as_text
    from diagnose.io.export import to_csv_bytes

    df = pd.DataFrame({"evidence": pd.Series([["a"], "plain", True, ["b"]], dtype=object),
                       "risk_signals": pd.Series([True, False, None, True], dtype=object)})
    out = lists_as_text(df)
    assert out["evidence"].dtype == object and out["risk_signals"].dtype == object
    assert to_csv_bytes(out) == to_csv_bytes(df)


def test_lists_as_text_over_several_writer_slices(tmp_path, monkeypatch):
    """The writer decides bool-like columns on the whole table when it slices: same file."""
    from diagnose.analysis.risk import lists_as_text
    from diagnose.io import csvwrite
    from diagnose.io.export import write_table

    monkeypatch.setattr(csvwrite, "SLICE_ROWS", 5)
    monkeypatch.setattr(csvwrite.write_csv, "__defaults__", (None, 5))
    odd = pd.concat([_odd_lists_table()] * 3, ignore_index=True)
    write_table(odd, tmp_path / "a.csv")
    write_table(lists_as_text(odd), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


# --- sentences around a count, built once per distinct count ----------------------------------
@pytest.mark.parametrize("values", [
    np.array([3, 3, 7, 2, 3, 120, 7], dtype="int64"),
    np.array([2.4, 2.5, 3.5, -1.5, np.nan, 0.0, 1e6], dtype="float64"),
    np.array([], dtype="int64"),
    np.random.default_rng(5).integers(0, 400, 5000),
])
def test_ints_between_equals_the_row_by_row_sentences(values):
    from diagnose.analysis.risk._util import _ints_between

    got = _ints_between("出现在 ", values, " 个不同买家的退货中")
    want = naive_risk.ints_between("出现在 ", values, " 个不同买家的退货中")
    assert got.dtype == object and want.dtype == object
    assert got.tolist() == want.tolist()
