"""Real labelled sentences in training: rebuilt by pointer and hash, class-balanced, counted in the model."""
from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnose import settings
from diagnose.cli import main
from diagnose.errors import InputError
from diagnose.model import realtext, training
from diagnose.model.reason_model import ModelParams, load_model

FIELDS = ["package", "version", "file", "line", "sha1", "label", "secondary", "split"]


def _labels_file(path: Path, picks: list[tuple[int, str, str]], sha=None) -> Path:
    """A pointers file over real lines of the installed package: (line, label, split)."""
    lines = realtext.read_lines()
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        for line, label, split in picks:
            w.writerow({"package": realtext.PACKAGE, "version": realtext.package_version(), "file": realtext.FILE,
                        "line": line, "sha1": (sha or realtext.sha1)(lines[line - 1]), "label": label,
                        "secondary": "", "split": split})
    return path


def _non_empty_lines(n: int, start: int = 1) -> list[int]:
    lines = realtext.read_lines()
    return [i for i in range(start, len(lines) + 1) if len(lines[i - 1]) >= 6][:n]


def test_balanced_weights_give_each_class_the_same_total_and_keep_the_mean():
    labels = pd.Series(["other"] * 60 + ["quality"] * 30 + ["mismatch"] * 20 + ["sizing"] * 2)
    w = training.balanced_weights(labels, 5.0)
    totals = pd.Series(w).groupby(labels).sum()
    assert totals["other"] == pytest.approx(totals["quality"]) == pytest.approx(totals["mismatch"])
    assert w.mean() == pytest.approx(5.0)
    # a class under MIN_BALANCED_ROWS is not blown up: its two rows weigh the mean weight
    assert np.allclose(w[labels.to_numpy() == "sizing"], 5.0)
    assert w[labels.to_numpy() == "mismatch"][0] > w[labels.to_numpy() == "other"][0] * 2.5


def test_load_labelled_rebuilds_the_texts_of_the_chosen_splits(tmp_path):
    picks = _non_empty_lines(3)
    path = _labels_file(tmp_path / "labels.csv", [(picks[0], "quality", "train"), (picks[1], "other", "dev"),
                                                   (picks[2], "logistics", "train")])
    rows = realtext.load_labelled(("train",), path)
    lines = realtext.read_lines()
    assert rows["line"].tolist() == [str(picks[0]), str(picks[2])]
    assert rows["text"].tolist() == [lines[picks[0] - 1], lines[picks[2] - 1]]
    assert len(realtext.load_labelled(None, path)) == 3


def test_a_text_that_no_longer_matches_its_hash_is_refused(tmp_path):
    line = _non_empty_lines(1)[0]
    path = _labels_file(tmp_path / "labels.csv", [(line, "quality", "train")], sha=lambda t: realtext.sha1(t + "x"))
    with pytest.raises(InputError) as err:
        realtext.load_labelled(("train",), path)
    assert err.value.code == "realtext_mismatch" and err.value.params["line"] == line


def test_missing_package_is_a_clear_error(monkeypatch):
    real_find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == realtext.PACKAGE else real_find(name, *a))
    with pytest.raises(InputError) as err:
        realtext.read_lines()
    assert err.value.code == "realtext_missing"


def test_training_folds_in_the_real_rows_and_says_how_many(tmp_path, tiny_corpus):
    corpus = tiny_corpus
    picks = _non_empty_lines(25, start=100)
    labels = _labels_file(tmp_path / "labels.csv", [(n, "quality" if i % 2 else "other", "train")
                                                     for i, n in enumerate(picks)] + [(50, "other", "dev")])
    with_real = training.train(corpus, real_labels=labels)
    assert with_real.n_real == 25 and with_real.model.meta["n_real"] == 25
    alone = training.train(corpus, real_labels=None)
    assert alone.n_real == 0
    # the real sentences' own n-grams enter the vocabulary only when they are trained on
    assert len(with_real.model.char_vocab) > len(alone.model.char_vocab)
    off = training.train(corpus, real_labels=labels, params=ModelParams(real_weight=0.0))
    assert off.n_real == 0


def test_cli_train_with_and_without_real_text(tmp_path, capsys, tiny_corpus):
    corpus = tiny_corpus
    labels = _labels_file(tmp_path / "labels.csv", [(n, "quality", "train") for n in _non_empty_lines(3)])
    out = tmp_path / "m.npz"
    assert main(["train", "--corpus", str(corpus), "--no-corrections", "--real-labels", str(labels),
                 "-o", str(out)]) == 0
    assert load_model(out).meta["n_real"] == 3
    assert main(["train", "--corpus", str(corpus), "--no-corrections", "--no-real-text", "-o", str(out)]) == 0
    assert load_model(out).meta["n_real"] == 0


def test_the_shipped_model_was_trained_on_every_real_training_row():
    """The card and the note say the shipped model learnt from the real rows: hold them to it."""
    with open(settings.REAL_LABELS, encoding="utf-8") as fh:
        n_train = sum(row["split"] == "train" for row in csv.DictReader(fh))
    assert n_train > 2000
    assert load_model().meta["n_real"] == n_train
