"""The naive pipeline: scikit-learn char TF-IDF + logistic regression, every row, one process.

Usage:  python -m benchmarks.naive_sklearn --train-only MODEL.joblib [--corpus 'sample_data/corpus/*.csv']
        python -m benchmarks.naive_sklearn INPUT OUTPUT.csv [--model MODEL.joblib] [--skip-rows 2]
            [--text-column 用户售后说明] [--batch 10000]

What a competent engineer writes in an afternoon when asked to tag returns,
and the yardstick `classify` has to beat (issue 11: classify <= 0.25x this):

1. train: `TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)` +
   `LogisticRegression` on the labelled corpus (sample_data/corpus/*.csv,
   columns text and reason). `classify` loads a model trained beforehand, so
   the benchmark trains once (``--train-only``, timed and reported on its own)
   and the timed runs load that fitted pipeline (``--model``, a joblib file
   this benchmark wrote itself a moment before); without ``--model`` the
   process trains first;
2. read the export with pyarrow (the same reader as the floor, every column text);
3. predict every row: its text goes through the vectorizer's analyzer and the
   classifier on its own — no de-duplication, no cache, no worker processes.
   Rows are handed to scikit-learn `--batch` at a time (default 10,000) so that
   the cost measured is the per-row text work, not scikit-learn's per-call
   validation; ``--batch 1`` calls transform + predict_proba once per row;
4. write the export plus `reason` and `confidence` with pyarrow.

It does not reproduce `classify` (no dropdown fusion, evidence, sub-reasons or
cleaning): it only sets the cost of the plain approach. Prints the phase
times on stderr.
"""
from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from benchmarks.floor import read_csv, read_xlsx

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = str(ROOT / "sample_data" / "corpus" / "*.csv")
DEFAULT_TEXT_COLUMN = "用户售后说明"


def train(corpus_glob: str = DEFAULT_CORPUS):
    """A char TF-IDF + logistic regression pipeline fitted on the labelled corpus."""
    import pandas as pd
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    files = sorted(glob.glob(corpus_glob))
    if not files:
        raise SystemExit(f"no corpus files match {corpus_glob}")
    frame = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)
    frame = frame[(frame["text"].str.strip() != "") & (frame["reason"] != "")]
    pipe = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
        LogisticRegression(max_iter=2000),
    )
    pipe.fit(frame["text"].tolist(), frame["reason"].tolist())
    return pipe


def predict(pipe, texts: list[str], batch: int = 10_000) -> tuple[np.ndarray, np.ndarray]:
    """(label, probability) for every text, each one analysed on its own (no dedup)."""
    classes = np.asarray(pipe.classes_, dtype=object)
    labels = np.empty(len(texts), dtype=object)
    conf = np.empty(len(texts), dtype=float)
    step = max(1, batch)
    for start in range(0, len(texts), step):
        proba = pipe.predict_proba(texts[start : start + step])
        best = proba.argmax(axis=1)
        labels[start : start + step] = classes[best]
        conf[start : start + step] = proba[np.arange(len(best)), best]
    return labels, conf


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input", nargs="?")
    ap.add_argument("output", nargs="?")
    ap.add_argument("--train-only", metavar="MODEL", help="fit on the corpus, save the pipeline here, stop")
    ap.add_argument("--model", help="a pipeline saved by --train-only (default: train now)")
    ap.add_argument("--skip-rows", type=int, default=2, help="title lines above the header (2 in Douyin exports)")
    ap.add_argument("--text-column", default=DEFAULT_TEXT_COLUMN)
    ap.add_argument("--batch", type=int, default=10_000, help="rows per scikit-learn call (1 = one call per row)")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    args = ap.parse_args(argv)
    import joblib

    t0 = time.perf_counter()
    if args.train_only:
        joblib.dump(train(args.corpus), args.train_only)
        print(f"naive: trained in {time.perf_counter() - t0:.2f} s -> {args.train_only}", file=sys.stderr)
        return 0
    if not (args.input and args.output):
        ap.error("INPUT and OUTPUT are required (or --train-only MODEL)")
    pipe = joblib.load(args.model) if args.model else train(args.corpus)
    t1 = time.perf_counter()
    src = Path(args.input)
    table = read_xlsx(src, args.skip_rows) if src.suffix.lower() in (".xlsx", ".xls") else read_csv(src, args.skip_rows)
    if args.text_column not in table.column_names:
        raise SystemExit(f"{src}: no column {args.text_column!r} (have: {', '.join(table.column_names)})")
    texts = [t if isinstance(t, str) else "" for t in table.column(args.text_column).to_pylist()]
    t2 = time.perf_counter()
    labels, conf = predict(pipe, texts, args.batch)
    t3 = time.perf_counter()
    table = table.append_column("reason", pa.array(labels, type=pa.string()))
    table = table.append_column("confidence", pa.array(np.round(conf, 4)))
    pacsv.write_csv(table, args.output)
    t4 = time.perf_counter()
    print(f"naive: {len(texts):,} rows; {'load model' if args.model else 'train'} {t1 - t0:.2f} s, read {t2 - t1:.2f} s, "
          f"predict {t3 - t2:.2f} s, write {t4 - t3:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
