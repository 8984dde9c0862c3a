"""The naive reference classifier: the same model, row by row, no de-duplication.

`naive_classify(frame, model)` returns what `diagnose.model.classify.classify_frame`
returns, computed the plain way: every row's text is normalised, segmented
with jieba and counted with scikit-learn (`ReasonModel.features_reference`),
every row is explained and given a sub-reason on its own, in one process.
"Row by row" means every row goes through the whole per-text pipeline
(normalise, jieba, n-gram analyzers) with nothing shared between rows; the
linear algebra is done on batches of `batch` rows, as anyone would write it.
It is the yardstick for benchmark (b) and, being independent of the
de-duplication and the fast paths, a cross-check of their output.

Usage as a command (benchmark (b)):
    python -m benchmarks.naive INPUT.csv -o OUTPUT.csv [--model FILE]
It reads with `read_exports` and writes with `write_table`, like `classify`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

from diagnose import taxonomy  # noqa: E402
from diagnose.model.classify import (  # noqa: E402
    CONFLICT_MIN_TEXT_CONFIDENCE,
    DROPDOWN_ONLY_CONFIDENCE,
    _column,
    sub_reason_for,
)
from diagnose.model.reason_model import ReasonModel, load_model, softmax  # noqa: E402
from diagnose.taxonomy import LABELS, UNSPECIFIED  # noqa: E402


def explain_reference(model: ReasonModel, X, pred: np.ndarray, top: int = 3) -> list[list[str]]:
    """`ReasonModel.explain` as first written: one stable argsort per row."""
    X = X.tocsr()
    row_of = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    contrib = X.data * model.coef[pred[row_of], X.indices]
    is_char = X.indices >= model.n_phrase
    rank = contrib - np.where(is_char, 1e3, 0.0)
    names = model.feature_names
    out: list[list[str]] = []
    for i in range(X.shape[0]):
        lo, hi = X.indptr[i], X.indptr[i + 1]
        c, r = contrib[lo:hi], rank[lo:hi]
        chosen: list[str] = []
        for k in np.argsort(-r, kind="stable")[: top * 6]:
            if c[k] <= 0 or (chosen and r[k] < -500):
                continue
            term = names[X.indices[lo + k]].replace(" ", "")
            if len(term) < 2 or any(term in t for t in chosen):
                continue
            chosen = [t for t in chosen if t not in term]
            chosen.append(term)
            if len(chosen) >= top:
                break
        out.append(chosen)
    return out


def sub_reasons_reference(model: ReasonModel, X, label_idx: np.ndarray) -> list[str | None]:
    """`ReasonModel.predict_sub_reasons` the plain way: every row scored against
    every class of the sub-reason head, then the other labels' classes masked."""
    if not len(model.sub_keys) or X.shape[0] == 0:
        return [None] * X.shape[0]
    keys = model.sub_keys.tolist()
    sub_label = {s.key: s.label for s in taxonomy.SUB_REASONS}
    owner = [k.split(":", 1)[1] if k.startswith("unspecified:") else sub_label.get(k, "") for k in keys]
    allowed = np.array([[o == lbl for o in owner] for lbl in taxonomy.LABELS], dtype=bool)
    label_idx = np.asarray(label_idx, dtype=np.int64)
    scores = np.asarray(X @ model.sub_coef.T) + model.sub_intercept
    scores[~allowed[label_idx]] = -np.inf
    best = scores.argmax(axis=1)
    names = np.array(["unspecified" if k.startswith("unspecified:") else k for k in keys] + [None], dtype=object)
    best[~allowed[label_idx].any(axis=1)] = len(keys)
    return names[best].tolist()


def naive_classify(frame: pd.DataFrame, model: ReasonModel | None = None, batch: int = 10_000) -> pd.DataFrame:
    """classify_frame's output, computed for every row separately (no dedup)."""
    model = model or load_model()
    out = frame.copy()
    n = len(frame)
    texts = _column(frame, "buyer_text").tolist()
    drops = _column(frame, "platform_reason").tolist()
    k = len(LABELS)
    other_idx, mal_idx = LABELS.index("other"), LABELS.index("malicious")
    reason, sub, conf_all, evidence, conflict_all, drop_all, pmal_all = [], [], [], [], [], [], []
    for start in range(0, n, batch):
        t_b, d_b = texts[start : start + batch], drops[start : start + batch]
        feats = model.features_reference(t_b)
        logits = model.decision(feats.X) if len(t_b) else np.zeros((0, k))
        row_drop = np.array([LABELS.index(lbl) if (lbl := taxonomy.dropdown_label(d)) else -1 for d in d_b],
                            dtype=int)
        empty = np.array([not p for p in feats.prepared], dtype=bool)
        has_drop = row_drop >= 0
        fused = logits.copy()
        fused[has_drop, row_drop[has_drop]] += model.params.dropdown_bonus
        proba = softmax(fused)
        pred = proba.argmax(axis=1)
        conf = proba[np.arange(len(t_b)), pred]
        text_proba = softmax(logits)
        text_pred = text_proba.argmax(axis=1)
        text_conf = text_proba[np.arange(len(t_b)), text_pred]
        only_drop = empty & has_drop
        pred[only_drop] = row_drop[only_drop]
        conf[only_drop] = DROPDOWN_ONLY_CONFIDENCE
        nothing = empty & ~has_drop
        pred[nothing] = other_idx
        conf[nothing] = 0.0
        p_mal = proba[:, mal_idx].copy()
        p_mal[empty] = 0.0
        conflict = (has_drop & ~empty & (row_drop != other_idx) & (text_pred != row_drop)
                    & (text_conf >= CONFLICT_MIN_TEXT_CONFIDENCE))
        explained = explain_reference(model, feats.X, pred)
        learned = sub_reasons_reference(model, feats.X, pred)
        for i in range(len(t_b)):
            label = LABELS[pred[i]]
            # As classify_frame: the learned sub-reason head first, the cue-word
            # rules for what it leaves unspecified and for rows without words.
            s = None if empty[i] else learned[i]
            if s is None or s == UNSPECIFIED:
                s = sub_reason_for(label, feats.prepared[i], d_b[i])
            sub.append(s)
            words = [] if empty[i] else explained[i]
            if d_b[i] and (empty[i] or row_drop[i] == pred[i]) and row_drop[i] >= 0:
                words = words + [f"{taxonomy.DROPDOWN_EVIDENCE_PREFIX}{d_b[i]}"]
            evidence.append(list(words))
            reason.append(label)
        conf_all.append(conf)
        conflict_all.append(conflict)
        drop_all.append(row_drop)
        pmal_all.append(p_mal)
    cat = (lambda parts, dt: np.concatenate(parts) if parts else np.zeros(0, dtype=dt))
    conf = cat(conf_all, float)
    row_drop = cat(drop_all, int)
    out["reason"] = np.array(reason, dtype=object)
    out["reason_zh"] = out["reason"].map(taxonomy.LABEL_ZH)
    out["sub_reason"] = np.array(sub, dtype=object)
    out["confidence"] = np.round(conf, 4)
    ev = np.empty(len(evidence), dtype=object)
    ev[:] = evidence
    out["evidence"] = pd.Series(ev, index=out.index, dtype=object)
    out["needs_review"] = conf < model.params.review_threshold
    out["reason_conflict"] = cat(conflict_all, bool)
    out["dropdown_label"] = pd.Series(
        np.where(row_drop >= 0, np.array(LABELS, dtype=object)[np.clip(row_drop, 0, None)], None),
        index=out.index, dtype="string",
    )
    out["p_malicious"] = np.round(cat(pmal_all, float), 4)
    for col in ("reason", "reason_zh", "sub_reason"):
        out[col] = out[col].astype("string")
    return out


def main(argv: list[str] | None = None) -> int:
    from diagnose.io.export import write_table
    from diagnose.io.ingest import read_exports

    ap = argparse.ArgumentParser(description="naive row-by-row classification (benchmark reference)")
    ap.add_argument("files", nargs="+")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--model")
    args = ap.parse_args(argv)
    result = read_exports(args.files)
    tagged = naive_classify(result.frame, load_model(args.model))
    write_table(tagged, args.output)
    print(f"wrote {len(tagged):,} rows to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
