"""Choose the dev-tuned parameters of ModelParams on the real-text dev split.

Fits the corpus model twice (LR only, NB only: each already scaled to unit
spread, so any mix of them is their weighted sum), then on the real dev split:
the NB share and the prior shift by macro-F1, the temperature by log-loss, the
review threshold from the reliability table. Prints the values to copy into
`diagnose.model.reason_model.ModelParams`. The test split is not read.

    PYTHONPATH=$PWD .venv/bin/python eval/tune.py
"""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.model.estimator import prior_offsets  # noqa: E402
from diagnose.model.reason_model import ModelParams, ReasonModel, softmax  # noqa: E402
from diagnose.model.realtext import load_labelled  # noqa: E402
from diagnose.model.training import load_corpus, training_data  # noqa: E402
from diagnose.taxonomy import LABELS  # noqa: E402
from eval.realtext_eval import load_realtext  # noqa: E402

# Labels with enough dev rows to carry an F1 (sizing has 4, malicious none).
SCORED = ("quality", "mismatch", "logistics", "changed_mind", "other")


def part_logits(base: ModelParams, texts: list[str], data, nb_only: bool) -> tuple[np.ndarray, np.ndarray]:
    """Dev logits of the LR-only and NB-only models (no prior shift, T=1)."""
    out = []
    for w in ((1.0, 1.0) if nb_only else (0.0, 1.0)):
        p = replace(base, nb_weight=w, prior_shift=0.0, temperature=1.0)
        m = ReasonModel.fit(data["text"].tolist(), data["reason"].tolist(), params=p,
                            sample_weight=data["weight"].to_numpy(float))
        out.append(m.decision(m.features(texts).X))
    return out[0], out[1]


def scores(y: np.ndarray, z: np.ndarray) -> tuple[float, float, float]:
    pred = np.array(LABELS)[z.argmax(1)]
    present = [lbl for lbl in LABELS if lbl in set(y)]
    return (float(f1_score(y, pred, labels=list(SCORED), average="macro", zero_division=0)),
            float(f1_score(y, pred, labels=present, average="macro", zero_division=0)),
            float((pred == y).mean()))


def fit_temperature(z: np.ndarray, y: np.ndarray) -> float:
    """The one temperature dividing logits `z` that minimises log-loss on labels `y`."""
    yi = np.array([LABELS.index(v) for v in y])

    def nll(log_t: float) -> float:
        p = softmax(z / np.exp(log_t))
        return float(-np.mean(np.log(p[np.arange(len(yi)), yi] + 1e-12)))

    return float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))


def wilson_lower(right: float, n: int, z: float = 1.645) -> float:
    """Lower end of the one-sided 95% Wilson interval of a share right/n."""
    p = right / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float((centre - spread) / (1 + z * z / n))


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--nb-only", action="store_true", help="skip the LR fit (the mix grid is then NB only)")
    ap.add_argument("--prior-shift", type=float, default=None,
                    help="fix the prior shift (e.g. where a larger one breaks a label-guide hard case in "
                         "tests/test_classify.py) and fit only the temperature and threshold")
    args = ap.parse_args()
    base = ModelParams()
    rt = load_realtext()
    dev = rt[rt["split"] == "dev"].reset_index(drop=True)
    y = dev["label"].to_numpy()
    data, *_ = training_data(load_corpus(), real=load_labelled(("train",)), real_weight=ModelParams().real_weight)
    z_lr, z_nb = part_logits(base, dev["text"].tolist(), data, args.nb_only)
    best = None
    print("nb_weight prior_shift  F1(5 scored)  F1(present)  acc")
    for w in ((1.0,) if args.nb_only else (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)):
        shifts = (args.prior_shift,) if args.prior_shift is not None else (0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0)
        for shift in shifts:
            z = (1 - w) * z_lr + w * z_nb + prior_offsets(replace(base, prior_shift=shift))
            f5, fp, acc = scores(y, z)
            print(f"{w:9.1f} {shift:11.2f}  {f5:12.3f}  {fp:11.3f}  {acc:.3f}")
            if best is None or f5 > best[0] + 1e-9:
                best = (f5, w, shift, z)
    f5, w, shift, z = best
    yi = np.array([LABELS.index(v) for v in y])
    t = fit_temperature(z, y)
    p = softmax(z / t)
    conf, right = p.max(1), p.argmax(1) == yi
    print(f"\nchosen nb_weight={w} prior_shift={shift} (dev F1 over {', '.join(SCORED)}: {f5:.3f}); temperature={t:.3f}")
    thr = thr_low = None
    print("threshold  kept  acc_kept  lower bound (one-sided 95% Wilson)")
    for th in np.round(np.arange(0.3, 0.96, 0.05), 2):
        kept = conf >= th
        acc = right[kept].mean() if kept.any() else float("nan")
        low = wilson_lower(float(right[kept].sum()), int(kept.sum())) if kept.any() else float("nan")
        print(f"{th:9.2f}  {kept.mean():.1%}  {acc:.3f}  {low:.3f}")
        if thr is None and kept.any() and acc >= 0.85:
            thr = float(th)
        if thr_low is None and kept.any() and low >= 0.85:
            thr_low = float(th)
    hi = conf >= 0.9
    print(f"rows at conf>=0.9: {hi.mean():.1%}, right {right[hi].mean() if hi.any() else float('nan'):.1%}")
    print(f"lowest threshold whose kept dev rows are >=85% right: {thr}")
    # The rule: the 85% must hold at the lower end of the interval, not just on this split's
    # 843 rows (the last round's point estimate, 85% on dev, read 84.8% on test).
    print(f"review_threshold (lowest whose kept rows' lower bound is >=85%): {thr_low}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
