"""Compare two versions of the corpus generator on the real dev split, over several random draws.

Why several draws: one generator change moves dev macro-F1 by a few hundredths, and
so does a different seed of the same generator (eval/prune_sweep_dev.txt, section 2).
A change is only worth keeping when it wins on every draw.

Each run generates the natural-style corpus file with the given generator and seed
(in a temporary folder, beside the four hand-written corpus files), fits the model
with the shipped parameters, refits the temperature on dev, and prints dev figures.
The test split is never read.

    PYTHONPATH=$PWD .venv/bin/python eval/corpus_draws.py --seeds 20261201 1 2 3
    # the generator of another commit, for the "before" rows:
    mkdir /tmp/old && git show HEAD~1:scripts/make_corpus.py > /tmp/old/make_corpus.py \
        && git show HEAD~1:scripts/corpus_parts.py > /tmp/old/corpus_parts.py
    PYTHONPATH=$PWD .venv/bin/python eval/corpus_draws.py --scripts /tmp/old --seeds 20261201 1 2 3
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.model.reason_model import ModelParams, ReasonModel  # noqa: E402
from diagnose.model.training import CORPUS_DIR, load_corpus, training_data  # noqa: E402
from eval.realtext_eval import load_realtext  # noqa: E402

SCORED = ("quality", "mismatch", "logistics", "changed_mind", "other")
GENERATED = "generated_realshape.csv"


def load_generator(scripts: Path):
    """The generator module in `scripts` (its own corpus_parts beside it)."""
    sys.path.insert(0, str(scripts))
    spec = importlib.util.spec_from_file_location("make_corpus_under_test", scripts / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def corpus_with(gen, seed: int, n: int, folder: Path) -> Path:
    for f in CORPUS_DIR.glob("*.csv"):
        if f.name != GENERATED:
            shutil.copy(f, folder / f.name)
    rows, _ = gen.generate(n, seed)
    with open(folder / GENERATED, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=gen.FIELDS)
        w.writeheader()
        w.writerows(rows)
    return folder


def log_softmax(s: np.ndarray) -> np.ndarray:
    s = s - s.max(1, keepdims=True)
    return s - np.log(np.exp(s).sum(1, keepdims=True))


def dev_figures(corpus_dir: Path, dev_texts: list[str], dev_labels: list[str]) -> dict:
    data, *_ = training_data(load_corpus(corpus_dir))
    params = replace(ModelParams(), temperature=1.0)
    model = ReasonModel.fit(data["text"].tolist(), data["reason"].tolist(), params=params,
                            sample_weight=data["weight"].to_numpy(float))
    z = model.decision(model.features(dev_texts).X)
    labels = list(model.labels)
    y = np.array([labels.index(v) for v in dev_labels])
    rows = np.arange(len(y))
    t = float(np.exp(minimize_scalar(lambda lt: -log_softmax(z / np.exp(lt))[rows, y].mean(),
                                     bounds=(-3, 3), method="bounded").x))
    p = np.exp(log_softmax(z / t))
    pred, conf = p.argmax(1), p.max(1)
    per = f1_score(y, pred, labels=[labels.index(k) for k in SCORED], average=None, zero_division=0)
    hi = conf >= 0.9
    return {"macro_f1_5": float(per.mean()), "accuracy": float((pred == y).mean()), "temperature": t,
            "share_conf90": float(hi.mean()), "acc_conf90": float((pred == y)[hi].mean()) if hi.any() else float("nan"),
            **{k: float(v) for k, v in zip(SCORED, per)}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scripts", default=str(ROOT / "scripts"), help="folder with make_corpus.py + corpus_parts.py")
    ap.add_argument("--seeds", type=int, nargs="+", default=[20261201, 1, 2, 3])
    ap.add_argument("--n", type=int, default=30000)
    args = ap.parse_args(argv)
    gen = load_generator(Path(args.scripts))
    rt = load_realtext()
    dev = rt[rt["split"] == "dev"]
    print(f"generator {args.scripts}")
    print("| seed | dev macro-F1 (5) | accuracy | T | conf≥0.9 share / right | " + " | ".join(SCORED) + " |")
    print("|---" * (5 + len(SCORED)) + "|")
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            f = dev_figures(corpus_with(gen, seed, args.n, Path(tmp)), dev["text"].tolist(), dev["label"].tolist())
        print(f"| {seed} | {f['macro_f1_5']:.3f} | {f['accuracy']:.3f} | {f['temperature']:.3f} | "
              f"{f['share_conf90']:.1%} / {f['acc_conf90']:.1%} | " + " | ".join(f"{f[k]:.3f}" for k in SCORED) + " |",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
