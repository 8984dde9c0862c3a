import zipfile

import numpy as np
import pytest

from diagnose.errors import ModelFileError
from diagnose.model.reason_model import ModelParams, ReasonModel, load_model
from diagnose.taxonomy import LABELS
from tests.conftest import TINY



@pytest.fixture(scope="module")
def tiny_model():
    texts, labels = zip(*(TINY * 3))
    return ReasonModel.fit(list(texts), list(labels), params=ModelParams(min_df=1))


def test_saved_model_round_trips_and_is_deterministic(tiny_model, tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    va = tiny_model.save(a)
    texts, labels = zip(*(TINY * 3))
    vb = ReasonModel.fit(list(texts), list(labels), params=ModelParams(min_df=1)).save(b)
    assert va == vb
    assert a.read_bytes() == b.read_bytes()
    loaded = load_model(a)
    probe = ["偏小", "发错货", "物流慢"]
    np.testing.assert_allclose(loaded.predict_proba(probe), tiny_model.predict_proba(probe))


def test_prediction_features_equal_training_tfidf(tiny_model):
    # The reimplemented TF-IDF at prediction time must match training exactly.
    from sklearn.feature_extraction.text import TfidfVectorizer

    from diagnose.model import text as t
    from diagnose.model.reason_model import word_features

    texts, _ = zip(*(TINY * 3))
    tokens = [t.tokenize(t.prepare(x)) for x in texts]
    tv = TfidfVectorizer(analyzer=word_features, min_df=1, sublinear_tf=True, lowercase=False).fit(tokens)
    expected = tv.transform(tokens).toarray()
    got = tiny_model.features(texts).X[:, : len(tiny_model.word_vocab)].toarray()
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_probabilities_sum_to_one_and_cover_all_labels(tiny_model):
    p = tiny_model.predict_proba(["偏小", "", "完全无关的一句话"])
    assert p.shape == (3, len(LABELS))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_tampered_model_is_refused(tiny_model, tmp_path):
    path = tmp_path / "m.npz"
    tiny_model.save(path)
    src = zipfile.ZipFile(path)
    out = tmp_path / "tampered.npz"
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "coef.npy":
                data = data[:-8] + np.float64(42.0).tobytes()
            dst.writestr(info, data)
    with pytest.raises(ModelFileError, match="altered"):
        load_model(out)


def test_pickle_model_file_is_refused_without_running_it(tmp_path):
    import pickle

    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.npz"
    np.savez(path, meta=np.array([Evil()], dtype=object))
    with pytest.raises(ModelFileError):
        load_model(path)
    assert not marker.exists()
    bad = tmp_path / "model.pkl"
    bad.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ModelFileError):
        load_model(bad)


def test_foreign_npz_and_missing_file_are_refused(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a diagnose model"):
        load_model(path)
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "nope.npz")


def test_explain_returns_words_from_the_text(tiny_model):
    feats = tiny_model.features(["衣服偏小穿不上"])
    pred = tiny_model.decision(feats.X).argmax(axis=1)
    words = tiny_model.explain(feats.X, pred)[0]
    assert words and all(w in "衣服偏小穿不上" for w in words)


def test_pruned_vocabulary_is_smaller_and_trained_on_what_prediction_computes(tiny_model, tmp_path):
    # keep_per_label prunes the vocabulary; the kept features must be computed at
    # prediction exactly as the estimator saw them (re-normalised over the kept ones).
    from diagnose.model.estimator import fit_linear

    texts, labels = zip(*(TINY * 3))
    params = ModelParams(min_df=1, keep_per_label=4)
    pruned = ReasonModel.fit(list(texts), list(labels), params=params)
    n_full = len(tiny_model.word_vocab) + len(tiny_model.char_vocab)
    n_kept = len(pruned.word_vocab) + len(pruned.char_vocab)
    assert 0 < n_kept <= 4 * len(LABELS) + 2 < n_full
    assert len(pruned.word_vocab) and len(pruned.char_vocab)
    assert set(pruned.word_vocab) <= set(tiny_model.word_vocab) and set(pruned.char_vocab) <= set(tiny_model.char_vocab)
    y = np.array([LABELS.index(v) for v in labels])
    coef, intercept = fit_linear(pruned.features(texts).X, y, params)
    np.testing.assert_allclose(coef, pruned.coef, atol=1e-9)
    np.testing.assert_allclose(intercept, pruned.intercept, atol=1e-9)
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    pruned.save(a)
    ReasonModel.fit(list(texts), list(labels), params=params).save(b)
    assert a.read_bytes() == b.read_bytes()
    assert load_model(a).params.keep_per_label == 4
    assert pruned.predict(["开线了", "发错货了"]) == ["quality", "mismatch"]
