"""Label-noise audit of the corpus: rows whose out-of-fold prediction confidently disagrees with their label.

Why: the corpus is written (by hand and by scripts/make_corpus.py); a fragment
filed under the wrong label, or a lead-in that carries a stronger reason than
the clause it introduces, teaches the model the wrong thing thousands of
times. Cross-validated predictions find such rows without reading 35,000 texts:
a row the model, trained on the other folds, confidently puts elsewhere is
either hard or mislabelled, and reading a few hundred of them against the
label guide tells which.

Method (deterministic): TF-IDF vocabulary as `ReasonModel.fit` builds it (shipped
params), 5 stratified folds (fixed seed), the shipped estimator (`fit_linear`) on
four folds, probabilities on the fifth with the shipped temperature. A row is
flagged when its out-of-fold top label differs from its label with probability
>= --min-conf. Flags are written with the row's generator attributes
(register, hard_case, …) so a pattern can be traced to its fragment.

    PYTHONPATH=$PWD .venv/bin/python scripts/noise_audit.py [--min-conf 0.9] [--out /tmp/noise_flags.csv]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.model import features as fast  # noqa: E402
from diagnose.model import text as textmod  # noqa: E402
from diagnose.model.estimator import fit_linear  # noqa: E402
from diagnose.model.reason_model import ModelParams, make_char_features, softmax, word_features  # noqa: E402
from diagnose.model.training import CORPUS_DIR, load_corpus  # noqa: E402
from diagnose.taxonomy import LABELS  # noqa: E402

EXTRA = ("register", "hard_case", "secondary", "noise")


def corpus_matrix(texts: list[str], params: ModelParams) -> sp.csr_matrix:
    """The training-time TF-IDF matrix of `texts` (what `ReasonModel.fit` builds)."""
    prepared = [textmod.prepare(t) for t in texts]
    tokens = fast.tokenize_many(prepared)
    wv = TfidfVectorizer(analyzer=word_features, min_df=params.min_df, sublinear_tf=True, lowercase=False)
    cv = TfidfVectorizer(analyzer=make_char_features(params.char_ngram_max), min_df=params.min_df,
                         sublinear_tf=True, lowercase=False)
    return sp.hstack([wv.fit_transform(tokens), cv.fit_transform(prepared) * params.char_weight], format="csr")


def out_of_fold(X: sp.csr_matrix, y: np.ndarray, params: ModelParams, folds: int = 5, seed: int = 16) -> np.ndarray:
    """Out-of-fold probabilities (rows × labels) of the shipped estimator."""
    proba = np.zeros((X.shape[0], len(LABELS)))
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        coef, intercept = fit_linear(X[tr], y[tr], params)
        proba[te] = softmax((X[te] @ coef.T + intercept) / params.temperature)
    return proba


def attributes(corpus_dir: Path) -> pd.DataFrame:
    """Generator attributes (register, hard_case …) by text, where a corpus file has them."""
    frames = []
    for f in sorted(corpus_dir.glob("*.csv")):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        cols = [c for c in EXTRA if c in df.columns]
        if cols:
            frames.append(df[["text", *cols]])
    if not frames:
        return pd.DataFrame(columns=["text", *EXTRA])
    out = pd.concat(frames, ignore_index=True)
    out["text"] = out["text"].str.strip()
    return out.drop_duplicates("text")


def flag(corpus_dir: Path = CORPUS_DIR, min_conf: float = 0.9) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(flagged rows, all rows with their out-of-fold prediction)."""
    params = ModelParams()
    corpus = load_corpus(corpus_dir)
    y = np.array([LABELS.index(v) for v in corpus["reason"]])
    proba = out_of_fold(corpus_matrix(corpus["text"].tolist(), params), y, params)
    corpus = corpus.assign(oof_pred=np.array(LABELS)[proba.argmax(1)], oof_conf=proba.max(1).round(3),
                           p_label=proba[np.arange(len(y)), y].round(3))
    corpus = corpus.merge(attributes(corpus_dir), on="text", how="left")
    flagged = corpus[(corpus["oof_pred"] != corpus["reason"]) & (corpus["oof_conf"] >= min_conf)]
    return flagged.sort_values(["reason", "oof_pred", "oof_conf"], ascending=[True, True, False]), corpus


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(CORPUS_DIR))
    ap.add_argument("--min-conf", type=float, default=0.9)
    ap.add_argument("--out", default="/tmp/noise_flags.csv")
    args = ap.parse_args(argv)
    flagged, allrows = flag(Path(args.corpus), args.min_conf)
    flagged.to_csv(args.out, index=False)
    acc = float((allrows["oof_pred"] == allrows["reason"]).mean())
    print(f"{len(allrows):,} rows, out-of-fold accuracy {acc:.3f}; {len(flagged):,} flagged "
          f"(out-of-fold label ≠ label at confidence ≥ {args.min_conf}) → {args.out}")
    print(flagged.groupby(["reason", "oof_pred"]).size().sort_values(ascending=False).head(20).to_string())
    print(flagged.groupby("source").size().to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
