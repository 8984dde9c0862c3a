"""Which returns ops staff should label next: the ones whose label teaches the model most.

A correction teaches most where the model is unsure (low top probability)
and where the text is unlike what it has learnt from (many character
trigrams its vocabulary never saw). Labelling twenty rows that all say 偏小
teaches nothing new, so the ranking is interleaved across groups (a few per
SKU and predicted reason at a time) rather than taken straight from the top.

`scripts/learning_curve.py` measures the effect of this order against a random
one on the real dev split (MODEL_CARD.md, "Learning from corrections").
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from diagnose.model.reason_model import ReasonModel, softmax


def novelty(model: ReasonModel, prepared: Sequence[str]) -> np.ndarray:
    """Share of each text's character trigrams (bigrams for short texts) the vocabulary lacks."""
    vocab = set(model.char_vocab.tolist())
    out = np.zeros(len(prepared))
    for i, p in enumerate(prepared):
        s = p.replace(" ", "")
        n = 3 if len(s) >= 3 else 2
        grams = [s[j : j + n] for j in range(len(s) - n + 1)]
        out[i] = (sum(g not in vocab for g in grams) / len(grams)) if grams else 0.0
    return out


def teach_scores(model: ReasonModel, texts: Sequence[object]) -> pd.DataFrame:
    """Per text: predicted reason (text only), uncertainty, novelty and their combined score."""
    feats = model.features(list(texts))
    proba = softmax(model.decision(feats.X)) if len(feats.prepared) else np.zeros((0, len(model.labels)))
    unc = 1.0 - proba.max(axis=1) if len(proba) else np.zeros(0)
    nov = novelty(model, feats.prepared)
    empty = np.array([not p for p in feats.prepared], dtype=bool)
    score = unc * (0.5 + nov)
    score[empty] = -1.0  # nothing to learn from a row without words
    pred = np.array(model.labels, dtype=object)[proba.argmax(axis=1)] if len(proba) else np.array([], dtype=object)
    return pd.DataFrame({"pred": pred, "uncertainty": unc, "novelty": nov, "teach_score": score})


def interleave(score: np.ndarray, groups: Sequence[object], per_group: int) -> np.ndarray:
    """Indices by score, at most `per_group` of a group per round; ties keep input order."""
    frame = pd.DataFrame({"s": np.asarray(score, dtype=float), "g": pd.Series(list(groups)).astype(str)})
    frame["rank"] = frame.sort_values("s", ascending=False, kind="stable").groupby("g").cumcount()
    frame["round"] = frame["rank"] // max(1, per_group)
    frame["i"] = np.arange(len(frame))
    return frame.sort_values(["round", "s", "i"], ascending=[True, False, True], kind="stable")["i"].to_numpy()


def propose_order(model: ReasonModel, texts: Sequence[object], per_group: int = 3) -> np.ndarray:
    """Order in which to label `texts` (indices), most instructive first."""
    s = teach_scores(model, texts)
    return interleave(s["teach_score"].to_numpy(), s["pred"].tolist(), per_group)


def propose(tagged: pd.DataFrame, model: ReasonModel, n: int = 50, per_group: int = 3) -> pd.DataFrame:
    """The `n` rows of a tagged table most worth a person's label, a few per SKU and reason.

    Rows already corrected and rows without words are left out; each distinct
    text is proposed once. Returns those rows with `teach_score`, most useful first.
    """
    rows = tagged
    if "corrected" in rows.columns:
        rows = rows[~rows["corrected"].fillna(False).astype(bool)]
    text = rows["buyer_text"].astype("string").fillna("")
    rows = rows[(text.str.strip() != "").to_numpy(bool)]
    rows = rows.loc[~rows["buyer_text"].astype("string").duplicated()]
    if rows.empty:
        return rows.assign(teach_score=pd.Series(dtype=float))
    s = teach_scores(model, rows["buyer_text"].astype("string").fillna("").tolist())
    sku = rows["sku"].astype("string").fillna("") if "sku" in rows.columns else pd.Series([""] * len(rows))
    reason = rows["reason"].astype("string").fillna("") if "reason" in rows.columns else s["pred"]
    groups = [f"{a}|{b}" for a, b in zip(sku.tolist(), reason.tolist())]
    order = interleave(s["teach_score"].to_numpy(), groups, per_group)
    keep = [i for i in order if s["teach_score"].iloc[i] >= 0][:n]
    return rows.iloc[keep].assign(teach_score=np.round(s["teach_score"].to_numpy()[keep], 4))
