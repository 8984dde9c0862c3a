"""The fast paths give the same answers as the plain ones.

* `fast.featurize` / `ReasonModel.features` == `ReasonModel.features_reference`
  (per-text jieba + scikit-learn counting) on a varied corpus;
* parallel featurisation == one worker;
* `classify_frame` == the naive row-by-row reference (benchmarks/naive.py);
* `classify` read in slices (`--chunksize`) == read in one pass, byte for
  byte, including source_row, synthesised ids, duplicate return ids merged
  across slices, quoted line breaks, blank lines, GB18030 and the CSV
  writer's dates-only decision.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnose.batch import chunked
from diagnose.model import features as fast
from diagnose.model.classify import classify_frame
from diagnose.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent

EDGE_TEXTS = [
    "", " ", "   \t ", "-", "。。。", "！！！", "😡😡", "偏小", "不想要了", "質量問題，發錯貨",
    "ＡＢＣ１２３ 尺码偏大", "收到了，但是颜色不对 https://v.douyin.com/abcdefg 见图",
    "订单号6912345678901234567 一直没到", "iPhone 15 Pro Max 充不进电", "a", "ab", "a b c",
    "物流太慢" * 40, "偏小\n偏大\r\n穿不上", "\"引号\"里的话，逗号,分号;", "買了兩件少發一件",
    None, float("nan"), 12345, "   前后空格   ",
]


def _corpus(n: int = 3000) -> list:
    from benchmarks.generate import TextSource

    rng = np.random.default_rng(7)
    _, texts = TextSource(rng, pool_size=500).draw(n)
    return EDGE_TEXTS + texts


def _same_csr(a, b) -> None:
    a, b = a.tocsr(), b.tocsr()
    a.sort_indices()
    b.sort_indices()
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)  # exact, not approximately


def test_fast_features_equal_reference(model):
    texts = _corpus()
    fast_f = model.features(texts)
    ref = model.features_reference(texts)
    assert fast_f.prepared == ref.prepared
    assert fast_f.tokens == ref.tokens
    _same_csr(fast_f.X, ref.X)
    assert ref.X.nnz > 10 * len(texts)  # the corpus really exercises the vocabulary


def test_tokenize_many_equals_tokenize_per_text():
    from diagnose.model import text as textmod

    prepared = [textmod.prepare(t) for t in _corpus(1500)]
    assert fast.tokenize_many(prepared) == [textmod.tokenize(p) for p in prepared]


def test_parallel_featurize_equals_one_worker(model, monkeypatch):
    texts = _corpus(2500)
    monkeypatch.setattr(fast, "PARALLEL_MIN", 100)
    one_prep, one_X = fast.featurize(model, texts, workers=1, task_size=300)
    par_prep, par_X = fast.featurize(model, texts, workers=2, task_size=300)
    assert par_prep == one_prep
    _same_csr(par_X, one_X)
    _same_csr(one_X, model.features_reference(texts).X)


def test_classify_frame_parallel_equals_single(model, monkeypatch):
    texts = _corpus(2000)
    drops = (["", "质量问题", "七天无理由退换货", "尺码不合适", "其他"] * len(texts))[: len(texts)]
    frame = pd.DataFrame({"buyer_text": pd.Series(texts, dtype=object).astype("string"), "platform_reason": drops})
    monkeypatch.setattr(fast, "PARALLEL_MIN", 100)
    single = classify_frame(frame, model, workers=1, chunk_size=250)
    parallel = classify_frame(frame, model, workers=2, chunk_size=250)
    pd.testing.assert_frame_equal(single, parallel)
    # one pool across many blocks, each several worker slices, with slices queued ahead
    pd.testing.assert_frame_equal(single, classify_frame(frame, model, workers=2, chunk_size=100, block_texts=350))


def test_classify_frame_blocks_of_texts_change_nothing(model):
    # Repeated texts with different dropdowns, so one text's rows meet several reasons and a block
    # boundary falls between a text's rows in table order.
    texts = _corpus(600) * 2 + EDGE_TEXTS
    drops = (["", "质量问题", "七天无理由退换货", "尺码不合适", "其他", "与商品描述不符"] * len(texts))[: len(texts)]
    frame = pd.DataFrame({"buyer_text": pd.Series(texts, dtype=object).astype("string"), "platform_reason": drops},
                         index=pd.RangeIndex(5, 5 + len(texts)))
    whole = classify_frame(frame, model, workers=1)
    seen = []
    for block in (1, 7, 256):
        blocked = classify_frame(frame, model, workers=1, block_texts=block,
                                 progress=lambda done, total: seen.append((done, total)))
        pd.testing.assert_frame_equal(whole, blocked)
    assert seen[-1][0] == seen[-1][1]  # progress reaches the number of distinct texts
    assert (classify_frame(frame.iloc[:0], model, block_texts=3)["reason"]).empty


def test_classify_frame_equals_naive_reference(model, sample_dir):
    from benchmarks.naive import naive_classify

    from diagnose.io.ingest import read_exports

    frame = read_exports([sample_dir / "douyin_aftersales.csv", sample_dir / "pdd_aftersales.csv"]).frame
    pd.testing.assert_frame_equal(classify_frame(frame, model), naive_classify(frame, model, batch=300))


# ---------------------------------------------------------------------------
# Sliced (chunked) classify == one pass
# ---------------------------------------------------------------------------
HEADER = ["售后单号", "订单号", "商品名称", "售后类型", "售后状态", "售后申请时间", "售后原因", "用户售后说明",
          "商家编码", "退商品金额（元）", "签收时间", "用户昵称"]
TEXTS = ["偏小", "不想要了", "质量太差，开线了", "发错货了\n颜色也不对", "物流太慢", "", "-",
         "说\"好\"的赠品没有，少件", "不给退就差评", "鞋码比平时小了半码，挤脚", "😡", "買了兩件少發一件"]


def _export(n: int, *, dup_every: int = 0, missing_id_every: int = 0, blank_every: int = 0,
            signed_time_at: int | None = None) -> str:
    """A Douyin-style export: two title lines, header, n data rows (CRLF)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["售后单列表"])
    w.writerow([f"导出时间：2024-06-30  共{n}条"])
    w.writerow(HEADER)
    for i in range(n):
        if blank_every and i and i % blank_every == 0:
            buf.write("\r\n")
        rid, k, status = f"\t7{i:018d}", i, "退款成功"
        if dup_every and i and i % dup_every == 0:
            # the same return as an earlier row, exported again with a new status: merged, the later row wins
            k = (i * 7919) % i
            rid, status = f"\t7{k:018d}", "售后关闭"
        if missing_id_every and i % missing_id_every == 3:
            rid = "-"
        signed = f"2024-03-{1 + i % 28:02d}"
        if signed_time_at is not None and i == signed_time_at:
            signed += " 13:45:00"
        w.writerow([
            rid, f"\t69{k:017d}", f"商品{k % 17}", ["仅退款", "退货退款", "换货"][k % 3], status,
            f"2024-04-{1 + k % 28:02d} {k % 24:02d}:{k % 60:02d}:00",
            ["质量问题", "七天无理由退换货", "尺码不合适", "其他", ""][k % 5], TEXTS[k % len(TEXTS)],
            f"SKU-{k % 31}", f"{(i % 50) + 9.9:.2f}", signed, f"用户{i % 97}",
        ])
    return buf.getvalue()


def _classify(tmp_path: Path, src: Path, name: str, *extra: str) -> bytes:
    out = tmp_path / name
    assert cli_main(["classify", str(src), "-o", str(out), *extra]) == 0
    return out.read_bytes()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chunked_classify_identical_to_one_pass(tmp_path, capsys, encoding):
    src = tmp_path / f"export_{encoding}.csv"
    src.write_bytes(_export(1300, dup_every=97, missing_id_every=50, blank_every=211,
                            signed_time_at=1250).encode(encoding))
    whole = _classify(tmp_path, src, "whole.csv", "--chunksize", "0")
    err_whole = capsys.readouterr().err
    sliced = _classify(tmp_path, src, "sliced.csv", "--chunksize", "128")
    err_sliced = capsys.readouterr().err
    assert "段读取" in err_sliced and "段读取" not in err_whole
    assert "合并了" in err_whole
    assert err_whole.split("合并了")[1].split("\n")[0] == err_sliced.split("合并了")[1].split("\n")[0]
    assert sliced == whole
    table = pd.read_csv(io.BytesIO(whole), dtype=str, keep_default_na=False)
    # the test is worth something only if the tricky rows are really there
    assert table["buyer_text"].str.contains("\n").any()
    assert table["return_id"].str.contains("#").any()
    assert (table["signed_at"].str.len() > 10).any()  # one time of day: full datetimes everywhere


def test_chunked_dates_only_when_every_kept_row_is_midnight(tmp_path):
    src = tmp_path / "dates.csv"
    src.write_text(_export(600), encoding="utf-8")
    whole = _classify(tmp_path, src, "whole.csv", "--chunksize", "0")
    sliced = _classify(tmp_path, src, "sliced.csv", "--chunksize", "100")
    assert sliced == whole
    table = pd.read_csv(io.BytesIO(whole), dtype=str, keep_default_na=False)
    assert (table["signed_at"].str.len() == 10).all()


def test_chunked_xlsx_output_identical(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text(_export(400, dup_every=37), encoding="utf-8")
    _classify(tmp_path, src, "w.xlsx", "--chunksize", "0")
    _classify(tmp_path, src, "s.xlsx", "--chunksize", "64")
    whole = pd.read_excel(tmp_path / "w.xlsx", dtype=str, engine="calamine")
    sliced = pd.read_excel(tmp_path / "s.xlsx", dtype=str, engine="calamine")
    assert len(whole) < 400  # duplicates were merged
    pd.testing.assert_frame_equal(whole, sliced)


def test_unsliceable_inputs_fall_back_to_one_pass(tmp_path, capsys, sample_dir):
    odd = tmp_path / "odd.csv"
    odd.write_text(_export(200).replace("商品5", "5\" 屏幕商品", 1), encoding="utf-8")
    whole = _classify(tmp_path, odd, "w.csv", "--chunksize", "0")
    sliced = _classify(tmp_path, odd, "s.csv", "--chunksize", "50")
    assert "整份文件一次读入" in capsys.readouterr().err
    assert sliced == whole
    xlsx = sample_dir / "taobao_refunds.xlsx"
    assert _classify(tmp_path, xlsx, "x1.csv", "--chunksize", "0") == _classify(tmp_path, xlsx, "x2.csv", "--chunksize", "50")


def test_chunked_user_errors_are_input_errors(tmp_path, capsys):
    src = tmp_path / "e.csv"
    src.write_text(_export(50), encoding="utf-8")
    assert cli_main(["classify", str(src), "-o", str(tmp_path / "o.csv"), "--chunksize", "-3"]) == 2
    assert "chunksize" in capsys.readouterr().err
    code = cli_main(["classify", str(src), "-o", str(tmp_path / "o.csv"), "--chunksize", "10",
                     "--map", "buyer_text=没有这一列"])
    assert code == 2 and "没有这一列" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()
    code = cli_main(["classify", str(src), "-o", str(tmp_path / "missing" / "o.csv"), "--chunksize", "10"])
    assert code == 2 and "错误：" in capsys.readouterr().err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".diagnose-slices-")]


def test_record_ends_respects_quotes():
    data = b'a,b\r\n"x\r\ny",1\r\n"q""",2\r\nlast'
    ends = chunked.record_ends(np.frombuffer(data, dtype=np.uint8)).tolist()
    assert [data[:e].decode() for e in ends] == ['a,b\r\n', 'a,b\r\n"x\r\ny",1\r\n', 'a,b\r\n"x\r\ny",1\r\n"q""",2\r\n']


def test_chunked_respects_the_row_limit(tmp_path, capsys, monkeypatch):
    src = tmp_path / "big.csv"
    src.write_text(_export(300), encoding="utf-8")
    monkeypatch.setenv("DIAGNOSE_MAX_ROWS", "250")
    assert cli_main(["classify", str(src), "-o", str(tmp_path / "o.csv"), "--chunksize", "100"]) == 2
    assert "250" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_chunked_one_process_equals_forked_workers(tmp_path, monkeypatch):
    src = tmp_path / "w.csv"
    src.write_text(_export(700, dup_every=61, missing_id_every=40), encoding="utf-8")
    monkeypatch.setenv("DIAGNOSE_WORKERS", "1")
    single = _classify(tmp_path, src, "one.csv", "--chunksize", "90")
    monkeypatch.setenv("DIAGNOSE_WORKERS", "2")
    forked = _classify(tmp_path, src, "two.csv", "--chunksize", "90")
    whole = _classify(tmp_path, src, "whole.csv", "--chunksize", "0")
    assert single == forked == whole


def test_vectorised_evidence_equals_the_plain_rule(model):
    """`diagnose.model.evidence` against the rule written plainly, one row at a time
    (`benchmarks.naive.explain_reference`, the first version of `ReasonModel.explain`)."""
    from benchmarks.naive import explain_reference as _explain_row_by_row

    texts = _corpus(2500)
    X = model.features(texts).X
    best = model.decision(X).argmax(axis=1)
    # the predicted label, and a label the text does not support (few positive words)
    other = (best + 3) % len(model.labels)
    for pred in (best, other):
        assert model.explain(X, pred) == _explain_row_by_row(model, X, pred)
    assert model.explain(X, best, top=1) == _explain_row_by_row(model, X, best, top=1)
    assert sum(map(len, model.explain(X, best))) > len(texts)  # most rows get words


def test_prepare_many_equals_prepare_per_text():
    from diagnose.model import text as textmod

    rng = np.random.default_rng(11)
    # Random strings over the table's ranges and just outside them (combining
    # marks, half-width katakana voicing marks, Hangul, Greek capital sigma).
    alphabet = [chr(c) for c in list(range(0x20, 0x250)) + list(range(0x2000, 0x2070)) + list(range(0x3000, 0x3040))
                + list(range(0x4E00, 0x4E80)) + list(range(0xFF00, 0xFFF0))] + ["\u0301", "\uff9e", "한", "Σ", "İ", "😀", "\n"]
    fuzz = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 30)))) for _ in range(3000)]
    texts = _corpus(3000) + fuzz + ["nan", "None", "<NA>", "NaN", "ＨＴＴＰＳ://Ｘ.ＣＯＭ 退货", "單號123456789012 還沒到"]
    assert fast.prepare_many(texts) == [textmod.prepare(t) for t in texts]


# ---------------------------------------------------------------------------
# Character n-gram counts: table lookups == scikit-learn's analyzer
# ---------------------------------------------------------------------------
# Characters the fuzz strings mix with pieces of vocabulary terms: Latin,
# digits, full-width forms, emoji (outside the BMP), lone surrogates,
# combining marks, zero-width joiners, NUL, tabs, spaces and line breaks.
NOISE_CHARS = (list("abcXYZ019 .-_#&%+") + ["ａ", "１", "😀", "👍🏻", "\ud800", "\udfff", "\u0301", "e\u0301",
               "\u200d", "\x00", "\t", "\n", "  ", "한", "Σ", "ß", "\uffff", "\U0010ffff"])


def _fuzz_strings(vocab: list[str], n: int, seed: int) -> list[str]:
    """Random strings of vocabulary pieces and noise, so n-grams both hit and straddle."""
    rng = np.random.default_rng(seed)
    pieces = vocab + NOISE_CHARS
    out = []
    for _ in range(n):
        k = int(rng.integers(0, 12))
        out.append("".join(pieces[i] for i in rng.integers(0, len(pieces), size=k)))
    return out


def _char_reference(vocab: list[str], n_max: int, texts: list[str]):
    from sklearn.feature_extraction.text import CountVectorizer

    from diagnose.model.reason_model import make_char_features

    cv = CountVectorizer(analyzer=make_char_features(n_max), vocabulary={t: i for i, t in enumerate(vocab)})
    return cv.transform(texts)


def test_char_counts_equal_the_analyzer_on_corpus_and_fuzz(model):
    vocab = model.char_vocab.tolist()
    prepared = model.features(_corpus(2000)).prepared
    texts = prepared + _fuzz_strings(vocab, 4000, seed=3) + ["", " ", "\x00", "a\x00b", " " * 5]
    got = model._char_index.counts(texts)
    assert model._char_index.supported
    _same_csr(got, _char_reference(vocab, model.params.char_ngram_max, texts))
    assert got.nnz > 20 * len(texts)  # most strings really hit the vocabulary


@pytest.mark.parametrize("dense_limit", [1 << 23, 0])  # dense tables, and the hash-index branch
@pytest.mark.parametrize("n_max", [1, 2, 3])
def test_char_counts_equal_the_analyzer_on_a_small_vocabulary(monkeypatch, dense_limit, n_max):
    # Function words (的, 我们) are in the vocabulary but the analyzer never
    # emits them: they must stay uncounted. Emoji and a surrogate as terms too.
    vocab = ["的", "我们", "偏", "小", "偏小", "尺码偏", "码偏小", "a", "ab", "abc", "😀", "😀偏", "\ud800",
             "e\u0301", "的的的", "1", "12", "  "[:1]]
    vocab = [t for t in vocab if len(t) <= n_max and t != " "]
    monkeypatch.setattr(fast, "_MAX_DENSE_TABLE", dense_limit)
    index = fast.CharIndex(vocab, n_max)
    assert index.supported
    texts = _fuzz_strings(vocab, 3000, seed=n_max) + ["尺码偏小的的的", "我们的", "ab c", "😀偏小😀", "e\u0301e\u0301"]
    _same_csr(index.counts(texts), _char_reference(vocab, n_max, texts))
    assert index.counts([]).shape == (0, len(vocab))


def test_char_index_declines_what_it_cannot_count():
    assert not fast.CharIndex(["a", "abcd"], 4).supported  # beyond trigrams
    assert not fast.CharIndex(["a", "a\x00"], 3).supported  # NUL separates texts
    assert not fast.CharIndex(["ab"], 1).supported  # a term longer than n_max


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_evidence_equals_the_plain_rule_with_ties_and_nested_phrases(seed):
    """Few distinct weights and values (so contributions tie within rows all the
    time) and phrases over a two-letter alphabet (so one phrase contains another,
    or equals it once spaces go, all the time): the ranking's tie order and the
    greedy containment rule must still match the plain rule exactly."""
    from types import SimpleNamespace

    import scipy.sparse as sp

    from benchmarks.naive import explain_reference
    from diagnose.model import evidence

    rng = np.random.default_rng(seed)
    n_word, n_char, n_rows, n_labels = 80, 40, 3000, 4
    words = ["".join(rng.choice(list("ab "), size=int(rng.integers(1, 6)))).strip() or "a" for _ in range(n_word)]
    chars = ["".join(rng.choice(list("ab"), size=int(rng.integers(1, 4)))) for _ in range(n_char)]
    names = np.array(words + chars)
    # dense rows (tens of positive words): scipy sorts short runs stably anyway
    X = sp.random(n_rows, n_word + n_char, density=0.5, format="csr", random_state=seed,
                  data_rvs=lambda k: rng.choice([0.25, 0.5, 1.0], size=k))
    coef = rng.choice([-1.0, 0.0, 0.5, 1.0, 2.0], size=(n_labels, n_word + n_char))
    pred = rng.integers(0, n_labels, size=n_rows)
    fake = SimpleNamespace(coef=coef, word_vocab=np.array(words), n_phrase=n_word, feature_names=names)
    terms = np.empty(len(names), dtype=object)
    terms[:] = [t.replace(" ", "") for t in names.tolist()]
    for top in (1, 3, 5):
        got = evidence.explain(X, coef, pred, terms, n_word, top)
        assert got == explain_reference(fake, X, pred, top=top)
    # the case is worth something only if ties and nesting really occur
    contrib = X.multiply(coef[pred]).tocsr()
    row0 = contrib[0].data[contrib[0].data > 0]
    assert len(row0) > len(set(row0.tolist()))
    assert any(len(e) < 3 for e in got) and sum(map(len, got)) > n_rows


def test_tokenize_many_equals_tokenize_on_mixed_script_fuzz(model):
    """Blocks of Chinese, letters and digits next to emoji, surrogates, NUL
    (the joiner tokenize_ids uses: a text holding one is split text by text),
    spaces and punctuation, as raw strings and as prepared ones."""
    from diagnose.model import text as textmod

    vocab = [w.replace(" ", "") for w in model.word_vocab.tolist()[:3000]]
    fuzz = _fuzz_strings(vocab, 1500, seed=5)
    with_nul = [t for t in fuzz if "\x00" in t]
    plain = [t for t in fuzz if "\x00" not in t]
    prepared = [textmod.prepare(t) for t in fuzz]
    assert with_nul and plain  # both paths are exercised
    for batch in (plain, with_nul + plain, prepared, ["", "\x00", "a\x00b 偏小"], []):
        assert fast.tokenize_many(batch) == [textmod.tokenize(p) for p in batch]
    ids, lens = fast.tokenize_ids(plain)
    assert len(ids) == lens.sum() and len(lens) == len(plain) and lens.sum() > len(plain)


def test_prepare_many_finds_every_contrast_clause():
    """Texts built from contrast words (但, 就是 …), their first characters alone,
    cleared aspects (尺码没问题) and separators, including links and emoji that
    `finish_normalise` removes between two characters: `prepare_many` must run
    `text.focus` wherever `text.prepare` would change the text."""
    from diagnose.model import text as textmod

    pieces = ["但", "但是", "就是", "可是", "不过", "只是", "然而", "可惜", "而是", "就", "可", "不", "只", "然", "而",
              "是", "过", "尺码没问题", "颜色挺好", "质量太差", "不满意", "，", "。", " ", "😀", "https://x.cn/a",
              "12345678901", "偏小", "ＡＢ", "但\u0301"]
    rng = np.random.default_rng(13)
    texts = ["".join(pieces[i] for i in rng.integers(0, len(pieces), size=int(rng.integers(0, 9))))
             for _ in range(4000)]
    expected = [textmod.prepare(t) for t in texts]
    assert fast.prepare_many(texts) == expected
    assert sum(e != textmod.normalise(t) for e, t in zip(expected, texts)) > 300  # focus really cut clauses


def test_l2_rows_equals_scikit_learn_normalize():
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    from diagnose.model.reason_model import l2_rows

    x = sp.random(3000, 800, density=0.02, format="csr", random_state=7)
    x.data = 1.0 + np.log1p(x.data * 50)
    x = sp.vstack([x[:5], sp.csr_matrix((1, 800)), x[5:]], format="csr")  # an all-zero row stays zero
    expected = normalize(x, norm="l2", copy=True)
    got = l2_rows(x.copy())
    _same_csr(got, expected)
    assert np.array_equal(got.data, expected.data)
    assert got[5].nnz == 0


def test_tagging_does_not_import_scikit_learn(tmp_path):
    # Importing scikit-learn costs over a second; tagging with the shipped model must not need it.
    import subprocess
    import sys

    code = ("import sys, pandas as pd\n"
            "from diagnose.model.classify import classify_frame\n"
            "f = pd.DataFrame({'buyer_text': ['偏小', '质量太差了'], 'platform_reason': ['', '质量问题']})\n"
            "assert len(classify_frame(f)) == 2\n"
            "print('sklearn' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**__import__("os").environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_sub_reasons_per_label_equal_masked_scoring_of_every_class(model):
    from benchmarks.naive import sub_reasons_reference

    texts = _corpus(1200) + EDGE_TEXTS
    X = model.features(texts).X
    rng = np.random.default_rng(3)
    for labels in (rng.integers(0, len(model.labels), X.shape[0]), np.full(X.shape[0], 1)):
        got = model.predict_sub_reasons(X, labels)
        assert got == sub_reasons_reference(model, X, labels)
    assert len({g for g in got if g}) > 3  # the head really picks among several sub-reasons


def test_paused_gc_restores_the_collector_as_it_was():
    import gc

    assert gc.isenabled()
    with fast.paused_gc():
        assert not gc.isenabled()
        with fast.paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an inner pause does not switch it back on early
    assert gc.isenabled()
    gc.disable()
    try:
        with fast.paused_gc():
            pass
        assert not gc.isenabled()  # left off when it was off
    finally:
        gc.enable()
    with pytest.raises(ValueError):
        with fast.paused_gc():
            raise ValueError
    assert gc.isenabled()


def test_only_texts_a_dropdown_can_move_need_their_feature_rows():
    """`_movable` must include every text whose fused reason can differ from its own best
    reason for some dropdown label (rows outside it never reach the parent process)."""
    from diagnose.model.classify import _movable
    from diagnose.model.reason_model import softmax

    rng = np.random.default_rng(3)
    logits = np.round(rng.normal(scale=2.0, size=(20000, 7)), 1)  # rounded: many exact ties
    best = softmax(logits).argmax(axis=1)
    movable = _movable(logits, best, 1.0)
    moved_somewhere = np.zeros(len(logits), dtype=bool)
    for d in range(7):
        fused = logits.copy()
        fused[:, d] += 1.0
        moved_somewhere |= softmax(fused).argmax(axis=1) != best
    assert moved_somewhere.any() and not moved_somewhere.all()
    assert not (moved_somewhere & ~movable).any()
    # and it is not simply everything: texts far from their runner-up stay behind
    assert (~movable).mean() > 0.3
