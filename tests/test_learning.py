"""Corpus generator, function words, the NB estimator, proposals for labelling, retrain and rollback."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnose.model import active, versions
from diagnose.model.estimator import prior_offsets
from diagnose.model.reason_model import ModelParams, ReasonModel, load_model
from diagnose.store import CorrectionStore
from diagnose.taxonomy import LABELS
from tests.conftest import TINY

ROOT = Path(__file__).resolve().parent.parent


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def tiny_model():
    texts, labels = zip(*(TINY * 3))
    return ReasonModel.fit(list(texts), list(labels), params=ModelParams(min_df=1))


# --- corpus generator ----------------------------------------------------------
def test_generator_is_deterministic_tagged_and_free_of_near_duplicates():
    mk = _load_script("make_corpus")
    a, dropped = mk.generate(1500)
    b, _ = mk.generate(1500)
    assert a == b and len(a) == 1500 and dropped >= 0
    keys = [mk.near_key(r["text"]) for r in a]
    assert len(set(keys)) == len(keys)
    frame = pd.DataFrame(a)
    assert set(frame["reason"]) == set(LABELS)
    for col in ("category", "register", "length", "clauses", "noise", "hard_case"):
        assert col in frame.columns
    assert {"review", "long", "rant", "chat", "short"} <= set(frame["register"])
    assert (frame["noise"] != "").mean() > 0.2


def test_shipped_generated_corpus_has_the_promised_shape():
    path = ROOT / "sample_data" / "corpus" / "generated_realshape.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert frame["text"].nunique() >= 25_000
    assert frame["category"].nunique() >= 30
    assert (frame["clauses"].astype(int) >= 2).mean() > 1 / 3
    hard = frame["hard_case"].value_counts()
    for case in ("negation", "price_changed_mind", "counterfeit_used_missing", "anger_without_leverage",
                 "vague_quality_other", "content_opinion", "transit_damage_not_quality"):
        assert hard.get(case, 0) >= 100, case
    # the label guide's hard cases carry the label it asks for
    assert set(frame.loc[frame["hard_case"] == "price_changed_mind", "reason"]) == {"changed_mind"}
    assert set(frame.loc[frame["hard_case"] == "vague_quality_other", "reason"]) == {"other"}
    assert set(frame.loc[frame["hard_case"] == "anger_without_leverage", "reason"]) == {"quality"}


# --- function words ------------------------------------------------------------
def test_function_words_are_neither_features_nor_evidence(tiny_model):
    vocab = set(tiny_model.word_vocab.tolist()) | set(tiny_model.char_vocab.tolist())
    for w in ("你们", "感觉", "这次", "的"):
        assert w not in vocab
    X = tiny_model.features(["你们的衣服偏小穿不上"]).X
    ev = tiny_model.explain(X, np.array([LABELS.index("sizing")]))[0]
    assert ev and not any(w in e for e in ev for w in ("你们", "感觉"))


def test_prior_shift_makes_rare_labels_rarer():
    off = prior_offsets(ModelParams())
    assert off[LABELS.index("malicious")] < off[LABELS.index("quality")] < off[LABELS.index("other")] + 1e-9
    assert np.allclose(prior_offsets(ModelParams(prior_shift=0.0)), 0)
    uniform = ModelParams(class_prior=tuple([1 / 7] * 7))
    assert np.allclose(prior_offsets(uniform), 0)


# --- proposals -------------------------------------------------------------------
def test_proposals_prefer_unsure_and_unfamiliar_rows_and_spread_over_groups(tiny_model):
    tagged = pd.DataFrame({
        "return_id": [f"r{i}" for i in range(8)],
        "buyer_text": ["偏小", "偏小", "显卡驱动装不上蓝屏闪退", "发错货了", "", "键盘背光一半不亮", "开线了", "不想要了"],
        "sku": ["A", "A", "B", "A", "A", "B", "A", "C"],
        "reason": ["sizing", "sizing", "other", "mismatch", "other", "other", "quality", "changed_mind"],
        "corrected": [False, False, False, False, False, False, True, False],
    })
    out = active.propose(tagged, tiny_model, n=10, per_group=1)
    texts = out["buyer_text"].tolist()
    assert "" not in texts and "开线了" not in texts  # no words / already corrected
    assert texts.count("偏小") == 1  # each distinct text once
    assert texts[0] in ("显卡驱动装不上蓝屏闪退", "键盘背光一半不亮")  # unfamiliar words first
    # per_group=1: the first round has one row per (sku, reason)
    first = out.head(len({(s, r) for s, r, c, t in zip(tagged.sku, tagged.reason, tagged.corrected, tagged.buyer_text)
                          if t and not c}))
    assert not first.duplicated(["sku", "reason"]).any()
    assert (out["teach_score"].diff().dropna() <= 1e-9).sum() >= 0


# --- retrain and rollback ----------------------------------------------------------


def test_retrain_keeps_the_previous_model_and_rolls_back(tmp_path, monkeypatch, tiny_corpus):
    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(tmp_path / "data"))
    store = CorrectionStore(tmp_path / "data" / "corrections.sqlite")
    store.add("R1", "quality", buyer_text="屏幕有坏点", old_reason="other")
    assert versions.active_model_path() is None
    steps = []
    first = versions.retrain(store, progress=lambda f, s: steps.append((f, s)), corpus_dir=tiny_corpus)
    assert steps[0][0] == 0.0 and steps[-1] == (1.0, "done")
    assert first.previous == "shipped" and first.n_corrections == 1
    assert versions.active_model_path() == first.path
    assert load_model(first.path).version == first.version
    store.add("R2", "logistics", buyer_text="等了十天才到", old_reason="other")
    second = versions.retrain(store, corpus_dir=tiny_corpus)
    assert second.previous == first.version and second.version != first.version
    assert versions.rollback() == first.path.name
    assert versions.active_model_path() == first.path
    assert second.path.exists()  # nothing is deleted
    assert versions.rollback() == "shipped"
    assert versions.active_model_path() is None


# --- per-shop models -----------------------------------------------------------
def _not_held_out(candidates: list[str]) -> str:
    from diagnose.model.training import is_held_out

    return next(t for t in candidates if not is_held_out(t))


def test_store_keeps_the_shop_of_each_correction(tmp_path):
    store = CorrectionStore(tmp_path / "c.sqlite")
    store.add("R1", "quality", buyer_text="屏幕有坏点", shop="甲店")
    store.add_many(pd.DataFrame({"return_id": ["R2", "R3"], "new_reason": ["sizing", "other"],
                                 "buyer_text": ["偏小", "一般"], "shop": ["乙店", None]}))
    rows = store.training_rows().set_index("text")
    assert rows.loc["屏幕有坏点", "shop"] == "甲店" and rows.loc["偏小", "shop"] == "乙店"
    assert rows.loc["一般", "shop"] == ""
    assert store.shops() == sorted(["甲店", "乙店"])
    weighted = versions.shop_corrections(store.training_rows(), "甲店")
    assert weighted.set_index("text")["weight"].to_dict() == {"屏幕有坏点": versions.SHOP_WEIGHT, "偏小": 1.0, "一般": 1.0}


def _shop_model(tmp_path, tiny_corpus):
    """A base model and a retrained model for 甲店 whose corrections say one text is `target`, not `base_pred`."""
    from diagnose.model import training
    from diagnose.model.classify import classify_frame

    base = training.train(tiny_corpus).model
    text = _not_held_out(["耳机左边蓝牙老断连", "蓝牙耳机一边老是断连", "耳机连着连着就断"])
    base_pred = classify_frame(pd.DataFrame({"buyer_text": [text]}), base)["reason"].iloc[0]
    target = "mismatch" if base_pred != "mismatch" else "logistics"
    store = CorrectionStore(tmp_path / "data" / "corrections.sqlite")
    # a few of the shop's returns say it (a feature needs two documents to enter the vocabulary)
    said = [t for t in (text, text + "了", "又" + text, text + "，烦") if t == text or not training.is_held_out(t)]
    for i, t in enumerate(said):
        store.add(f"R{i}", target, buyer_text=t, shop="甲店")
    first = versions.retrain(store, corpus_dir=tiny_corpus, shop="甲店")
    return base, text, base_pred, target, said, store, first


def test_shop_model_tags_that_shop_only_and_rolls_back(tmp_path, monkeypatch, tiny_corpus):
    from diagnose import pipeline

    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(tmp_path / "data"))
    base, text, base_pred, target, said, store, first = _shop_model(tmp_path, tiny_corpus)
    assert first.previous == "install" and first.n_corrections == len(said)
    assert first.path.parent == versions.models_dir("甲店") != versions.models_dir()
    assert versions.active_model_path() is None  # the install-wide model is untouched
    assert versions.shop_model_paths() == {"甲店": first.path}

    frame = pd.DataFrame({"return_id": ["a", "b", "c"], "buyer_text": [text] * 3, "shop": ["乙店", "甲店", None]},
                         index=[10, 11, 12])
    shop_models = versions.load_shop_models()
    tagged = versions.classify_by_shop(frame, base, shop_models)
    assert tagged.index.tolist() == [10, 11, 12] and tagged["return_id"].tolist() == ["a", "b", "c"]
    assert tagged["reason"].tolist() == [base_pred, target, base_pred]
    # the dashboard's path: the pipeline's tagging half takes the shop models too
    assert pipeline.tag_frame(frame, base, shop_models=shop_models)["reason"].tolist() == [base_pred, target, base_pred]
    assert pipeline.tag_frame(frame, base)["reason"].tolist() == [base_pred] * 3

    store.add("R9", "quality", buyer_text="充电盒充不进电", shop="甲店")
    second = versions.retrain(store, corpus_dir=tiny_corpus, shop="甲店")
    assert second.previous == first.version
    assert versions.rollback("甲店") == first.path.name
    assert versions.shop_model_paths() == {"甲店": first.path}
    assert versions.rollback("甲店") == "install"
    assert versions.shop_model_paths() == {}
    assert versions.classify_by_shop(frame, base, versions.load_shop_models())["reason"].tolist() == [base_pred] * 3
    assert first.path.exists() and second.path.exists()  # nothing deleted


def test_cli_store_models_tags_each_shop_as_the_dashboard_does(tmp_path, monkeypatch, tiny_corpus):
    from diagnose import cli

    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(tmp_path / "data"))
    base, text, base_pred, target, *_ = _shop_model(tmp_path, tiny_corpus)
    base_path = tmp_path / "base.npz"
    base.save(base_path)
    export = tmp_path / "returns.csv"
    export.write_text("售后单号,店铺名称,用户售后说明\n" + "".join(
        f"A{i},{shop},{text}\n" for i, shop in enumerate(["乙店", "甲店", "", "甲店"])), encoding="utf-8")

    def reasons(*extra: str) -> list[str]:
        out = tmp_path / f"out{len(extra)}.csv"
        assert cli.main(["classify", str(export), "-o", str(out), "--model", str(base_path), *extra]) == 0
        return pd.read_csv(out, dtype=str)["reason"].tolist()

    assert reasons() == [base_pred] * 4  # the shipped/--model path ignores the store
    assert reasons("--store-models") == [base_pred, target, base_pred, target]
    # the sliced path tags the same way
    assert reasons("--store-models", "--chunksize", "1") == [base_pred, target, base_pred, target]
