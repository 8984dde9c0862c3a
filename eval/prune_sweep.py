"""Vocabulary pruning and estimator settings, measured on the real-text dev split only.

Why a harness of its own: a full `ReasonModel.fit` tokenises ~50,000 rows
for every setting. Here the training rows and the dev sentences are
tokenised once, counted once over the min_df=2 vocabulary, and each setting
only selects columns, re-normalises (what the pruned model computes at
prediction: TF-IDF L2-normalised over the kept features) and refits the
linear part. The test split is not read.

    PYTHONPATH=$PWD .venv/bin/python eval/prune_sweep.py [--out eval/prune_sweep_dev.txt]
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import f1_score
from sklearn.preprocessing import normalize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.model import features as fast  # noqa: E402
from diagnose.model import text as textmod  # noqa: E402
from diagnose.model.estimator import fit_linear  # noqa: E402
from diagnose.model.reason_model import (  # noqa: E402
    ModelParams, make_char_features, select_features, softmax, word_features,
)
from diagnose.model.training import load_corpus, training_data  # noqa: E402
from diagnose.taxonomy import LABELS  # noqa: E402
from eval.realtext_eval import ece, load_realtext  # noqa: E402

SCORED = ("quality", "mismatch", "logistics", "changed_mind", "other")


class Counted:
    """Raw counts of the training rows and of dev over one min_df=2 vocabulary (word block, char block)."""

    def __init__(self, train_texts: list[str], dev_texts: list[str], n_max: int = 3):
        p_tr = [textmod.prepare(t) for t in train_texts]
        p_dv = [textmod.prepare(t) for t in dev_texts]
        t_tr, t_dv = fast.tokenize_many(p_tr), fast.tokenize_many(p_dv)
        wv = CountVectorizer(analyzer=word_features, min_df=2, lowercase=False)
        cv = CountVectorizer(analyzer=make_char_features(n_max), min_df=2, lowercase=False)
        self.w_tr, self.c_tr = wv.fit_transform(t_tr).tocsc(), cv.fit_transform(p_tr).tocsc()
        self.w_dv, self.c_dv = wv.transform(t_dv).tocsc(), cv.transform(p_dv).tocsc()
        n = len(train_texts)
        self.w_df = np.diff(self.w_tr.indptr)
        self.c_df = np.diff(self.c_tr.indptr)
        self.w_idf = np.log((1 + n) / (1 + self.w_df)) + 1.0
        self.c_idf = np.log((1 + n) / (1 + self.c_df)) + 1.0


def _tfidf(counts: sp.csc_matrix, idf: np.ndarray, keep: np.ndarray) -> sp.csr_matrix:
    x = counts[:, keep].tocsr().astype(np.float64)
    x.data = 1.0 + np.log(x.data)
    return normalize(x @ sp.diags(idf[keep]), norm="l2").tocsr()


def matrices(c: Counted, params: ModelParams, y: np.ndarray, w: np.ndarray):
    """(X_train, X_dev, n_features) of one pruning setting (the shipped model's own selection code)."""
    keep_w = np.flatnonzero(c.w_df >= params.min_df)
    keep_c = np.flatnonzero(c.c_df >= params.min_df)
    xw = _tfidf(c.w_tr, c.w_idf, keep_w)
    xc = _tfidf(c.c_tr, c.c_idf, keep_c)
    kw, kc = select_features(xw, xc, y, params, w)
    keep_w, keep_c = keep_w[kw], keep_c[kc]
    cw = params.char_weight
    X = sp.hstack([_tfidf(c.w_tr, c.w_idf, keep_w), _tfidf(c.c_tr, c.c_idf, keep_c) * cw], format="csr")
    D = sp.hstack([_tfidf(c.w_dv, c.w_idf, keep_w), _tfidf(c.c_dv, c.c_idf, keep_c) * cw], format="csr")
    return X, D, len(keep_w) + len(keep_c)


def score(y_dev: np.ndarray, z: np.ndarray) -> dict:
    p = softmax(z)
    pred = np.array(LABELS)[p.argmax(1)]
    conf = p.max(1)
    right = pred == y_dev
    present = [lbl for lbl in LABELS if lbl in set(y_dev)]
    hi = conf >= 0.9
    return {"f1_5": f1_score(y_dev, pred, labels=list(SCORED), average="macro", zero_division=0),
            "f1_all": f1_score(y_dev, pred, labels=present, average="macro", zero_division=0),
            "acc": right.mean(), "share90": hi.mean(), "acc90": right[hi].mean() if hi.any() else np.nan,
            "ece": ece(right, conf), "mal": (pred[y_dev != "malicious"] == "malicious").mean()}


GRID: list[dict] = [
    {},
    {"min_df": 3}, {"min_df": 5}, {"min_df": 8},
    {"keep_per_label": 20000}, {"keep_per_label": 10000}, {"keep_per_label": 5000}, {"keep_per_label": 2500},
    {"min_df": 3, "keep_per_label": 10000}, {"min_df": 3, "keep_per_label": 5000},
    {"nb_alpha": 0.3}, {"nb_alpha": 0.05}, {"char_weight": 0.5}, {"char_weight": 1.0},
    {"prior_shift": 0.3}, {"prior_shift": 0.5},
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "eval" / "prune_sweep_dev.txt"))
    ap.add_argument("--corpus", default=None, help="another corpus folder (e.g. the one before a change)")
    ap.add_argument("--grid", default="", help="python literal list of param dicts (default: GRID)")
    args = ap.parse_args(argv)
    grid = eval(args.grid) if args.grid else GRID  # noqa: S307 - a developer's own command line
    data, *_ = training_data(load_corpus(Path(args.corpus)) if args.corpus else load_corpus())
    dev = load_realtext()
    dev = dev[dev["split"] == "dev"].reset_index(drop=True)
    y = np.array([LABELS.index(v) for v in data["reason"]])
    w = data["weight"].to_numpy(float)
    c = Counted(data["text"].tolist(), dev["text"].tolist())
    y_dev = dev["label"].to_numpy()
    lines = ["| setting | features | dev macro-F1 (5) | dev macro-F1 (present) | acc | conf≥0.9 share / right | ECE | innocent→malicious |",
             "|---|---|---|---|---|---|---|---|"]
    print(lines[0], flush=True)
    for change in grid:
        params = replace(ModelParams(), **change)
        X, D, n = matrices(c, params, y, w)
        coef, intercept = fit_linear(X, y, params, w)
        s = score(y_dev, (D @ coef.T + intercept) / params.temperature)
        name = ", ".join(f"{k}={v}" for k, v in change.items()) or "shipped params"
        lines.append(f"| {name} | {n:,} | {s['f1_5']:.3f} | {s['f1_all']:.3f} | {s['acc']:.3f} | "
                     f"{s['share90']:.1%} / {s['acc90']:.1%} | {s['ece']:.3f} | {s['mal']:.1%} |")
        print(lines[-1], flush=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
