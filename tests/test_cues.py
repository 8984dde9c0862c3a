"""Reason cues (diagnose/model/cues.py): what fires, the batch path against the plain one, the model file."""
from __future__ import annotations

import re
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from diagnose.errors import ModelFileError
from diagnose.model import cues
from diagnose.model import text as textmod
from diagnose.model.filehash import write_hash_record
from diagnose.model.reason_model import ModelParams, ReasonModel, load_model
from diagnose.model.training import load_corpus
from tests.conftest import TINY

FIRES = [
    ("配置表里写的有两个内存插槽，拆开一看实际只有一个", "claim"),
    ("宣传的是独立显卡，到手是集成的不是宣传的那款", "claim"),
    ("买电脑时说好送包，到现在也没有送包", "gift"),
    ("赠品鼠标没给", "gift"),
    ("订了六本书只来了五本，少了一本", "short"),
    ("收到的是旧书，上面还有别人的笔记", "used"),
    ("下单半个月了还没收到货", "unreceived"),
    ("刚买第二天就降价了两百", "price"),
]
SILENT = ["多少个都行", "质量很好，物流也快", "屏幕有坏点", ""]


@pytest.mark.parametrize("text,key", FIRES)
def test_each_cue_fires_on_its_rule(text, key):
    m = cues.cue_matrix([textmod.prepare(text)], cues.CUE_KEYS, 1.0).toarray()[0]
    assert m[cues.CUE_KEYS.index(key)] == 1.0


@pytest.mark.parametrize("text", SILENT)
def test_no_cue_fires_where_no_rule_applies(text):
    assert cues.cue_matrix([textmod.prepare(text)], cues.CUE_KEYS, 1.0).nnz == 0


def test_batch_path_equals_the_plain_definition_on_the_corpus():
    prepared = [textmod.prepare(t) for t in load_corpus()["text"].tolist()[:6000]] + [t for t, _ in FIRES] + SILENT
    fast = cues.cue_matrix(prepared, cues.CUE_KEYS, 0.7)
    plain = cues._cue_matrix_reference(prepared, cues.CUE_KEYS, 0.7)
    assert fast.nnz > 100
    assert (fast != plain).nnz == 0


def test_a_newline_inside_a_text_never_lets_a_match_cross_texts():
    # A pattern ends in the second text: joined by newlines, the first must not fire.
    texts = ["页面写的是\n", "实际只有一个"]
    m = cues.cue_matrix(texts, ("claim",), 1.0).toarray()
    assert m.tolist() == cues._cue_matrix_reference(texts, ("claim",), 1.0).toarray().tolist()


def test_weight_and_column_order_follow_the_keys():
    m = cues.cue_matrix(["还没收到货，而且降价了"], ("price", "unreceived", "used"), 0.5).toarray()[0]
    assert m.tolist() == [0.5, 0.5, 0.0]


def _fit(params: ModelParams) -> ReasonModel:
    texts = [t for t, _ in TINY] + [t for t, _ in FIRES]
    labels = [lbl for _, lbl in TINY] + ["mismatch", "mismatch", "mismatch", "mismatch", "mismatch", "mismatch",
                                         "logistics", "changed_mind"]
    return ReasonModel.fit(texts, labels, params=replace(params, min_df=1))


def test_model_with_cues_holds_them_as_phrase_features():
    m = _fit(ModelParams())
    assert m.cue_vocab.tolist() == list(cues.CUE_KEYS)
    assert m.n_phrase == len(m.word_vocab) + len(cues.CUE_KEYS)
    assert m.coef.shape[1] == len(m.feature_names) == m.n_phrase + len(m.char_vocab)
    assert m.feature_names[len(m.word_vocab):m.n_phrase].tolist() == cues.cue_terms(cues.CUE_KEYS)
    off = _fit(replace(ModelParams(), cue_weight=0.0))
    assert off.cue_vocab.tolist() == [] and off.n_phrase == len(off.word_vocab)


def test_shipped_model_reads_a_spec_claim_as_mismatch_and_shows_the_cue(model):
    text = "配置表里写的有两个插槽，实际只有一个"
    f = model.features([text])
    pred = model.decision(f.X).argmax(1)
    assert model.labels[pred[0]] == "mismatch"
    assert "〔与宣传不符〕" in model.explain(f.X, pred)[0]


def test_file_written_before_cues_existed_still_loads(tmp_path):
    m = _fit(replace(ModelParams(), cue_weight=0.0))
    path = tmp_path / "m.npz"
    m.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    old = tmp_path / "old.npz"
    with zipfile.ZipFile(old, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            if name != "cue_vocab.npy":
                zf.writestr(name, data)
    write_hash_record(old)
    loaded = load_model(old)
    assert loaded.cue_vocab.tolist() == []
    texts = ["快递压坏了", "偏小"]
    assert np.allclose(loaded.predict_proba(texts), m.predict_proba(texts))


def test_file_naming_an_unknown_cue_is_refused_with_a_hint(tmp_path, monkeypatch):
    with monkeypatch.context() as mp:
        mp.setattr(cues, "CUE_KEYS", cues.CUE_KEYS + ("later",))
        mp.setitem(cues._TERM, "later", "〔以后〕")
        mp.setitem(cues._PATTERN, "later", re.compile("以后"))
        path = tmp_path / "m.npz"
        _fit(ModelParams()).save(path)
    with pytest.raises(ModelFileError, match="cues this version does not define") as exc:
        load_model(path)
    assert exc.value.code == "model_cues_unknown"
    assert "later" in str(exc.value)


def test_character_prefilter_never_skips_a_text_a_cue_matches():
    # Random texts over the cues' anchor characters and a few others: the
    # prefilter must only drop texts that the plain regex would not match.
    rng = np.random.default_rng(7)
    alphabet = list("宣传写的标说明介绍参数配置页图片不是没有只实际才送赠品包鼠少了一本件旧书收到货降价保何时发漏缺，x")
    texts = ["".join(rng.choice(alphabet, size=rng.integers(0, 30))) for _ in range(4000)]
    fast = cues.cue_matrix(texts, cues.CUE_KEYS, 1.0)
    assert fast.nnz > 200
    assert (fast != cues._cue_matrix_reference(texts, cues.CUE_KEYS, 1.0)).nnz == 0


def test_dashboard_tables_name_cues_in_the_page_language():
    import pandas as pd

    from ui import common

    frame = pd.DataFrame({"return_id": ["R1"], "buyer_text": ["还没收到货"],
                          "evidence": [["没收到", "〔未收到货〕"]]})
    zh, _ = common.display_table(frame, "zh")
    en, _ = common.display_table(frame, "en")
    assert "〔未收到货〕" in zh["evidence"].iloc[0]
    assert "[not received]" in en["evidence"].iloc[0] and "〔" not in en["evidence"].iloc[0]
    assert "没收到" in en["evidence"].iloc[0]  # the buyer's own words stay as typed


def test_every_cue_has_an_english_name():
    assert all(cues.display_term(term, "en").startswith("[") for term in cues.cue_terms(cues.CUE_KEYS))
    assert cues.display_term("开线", "en") == "开线"
