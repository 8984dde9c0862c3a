"""The signal registry and the frozen context every signal reads.

A signal is a small function ``fn(ctx) -> Fired | Skipped`` registered with
its maximum points (`weight`), its names in Chinese and English and its rank
(the order of evidence in the output). `score_risk` builds one `Context`,
calls every registered signal, clips each to its weight and adds them up.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from diagnose.analysis.risk._util import _blank, _col, _ints, _num, _put, _text
from diagnose.analysis.risk.config import RiskConfig
from diagnose.analysis.risk.cues import TextFeatures, conflict_kind, defect_flags


@dataclass(frozen=True)
class Fired:
    """Points per row (0 where the signal did not fire) and the evidence per row ('' where none)."""

    points: np.ndarray
    zh: np.ndarray
    en: np.ndarray


@dataclass(frozen=True)
class Skipped:
    """The signal could not be evaluated: why, in both languages (shown on every row)."""

    zh: str
    en: str


@dataclass(frozen=True)
class Signal:
    key: str
    weight: int
    zh: str
    en: str
    rank: int
    fn: Callable[[Context], Fired | Skipped]


REGISTRY: dict[str, Signal] = {}


def signal(key: str, *, weight: int, zh: str, en: str, rank: int):
    """Register `fn` as the signal `key` worth at most `weight` points."""
    def wrap(fn):
        if key in REGISTRY:
            raise ValueError(f"signal {key!r} registered twice")
        REGISTRY[key] = Signal(key, weight, zh, en, rank, fn)
        return fn
    return wrap


def weight_of(key: str) -> int:
    """The maximum points of a registered signal."""
    return REGISTRY[key].weight


def ordered() -> list[Signal]:
    """The registered signals in evidence order."""
    return sorted(REGISTRY.values(), key=lambda s: s.rank)


@dataclass(frozen=True)
class BuyerHistory:
    """Per-row figures of the row's buyer over the whole table (dense integer buyer codes)."""

    codes: np.ndarray        # -1 where the row has no buyer id
    uniques: np.ndarray
    returns: np.ndarray      # the buyer's number of returns
    refund_only: np.ndarray  # … of which refund-only
    total: np.ndarray        # ¥ over all their returns
    refund_only_total: np.ndarray
    genuine: np.ndarray      # … of which describe a concrete problem
    keep: np.ndarray         # share of their returns that do *not* describe one
    note_zh: np.ndarray      # "(n of them describe a concrete problem, weighted down)"
    note_en: np.ndarray


@dataclass(frozen=True)
class Context:
    """Everything the signals share, computed once per call of `score_risk`."""

    df: pd.DataFrame
    n: int
    cfg: RiskConfig
    orders: pd.DataFrame | None
    tf: TextFeatures
    has_text: bool
    defect: np.ndarray       # the words describe a concrete problem
    defect_word: np.ndarray  # … and the word (or classifier label) that says so
    genuine: np.ndarray      # a concrete problem or a size problem
    rtype: pd.Series | None
    refund_only: np.ndarray
    amount: pd.Series | None
    amt: np.ndarray
    conflict: np.ndarray     # '' / buyer_side / no_defect / no_text / vague (quality dropdowns)
    dropdown: pd.Series | None
    buyer: BuyerHistory | None

    def blank(self) -> tuple[np.ndarray, np.ndarray]:
        return _blank(self.n), _blank(self.n)


def _buyer_history(df: pd.DataFrame, n: int, refund_only: np.ndarray, amt: np.ndarray,
                   genuine: np.ndarray, cfg: RiskConfig) -> BuyerHistory | None:
    buyer = _col(df, "buyer_id")
    if buyer is None:
        return None
    bstr = _text(buyer, n)
    codes, uniques = pd.factorize(bstr.where(bstr != "", None))
    known = codes >= 0
    kb = codes[known]
    nbuy = int(codes.max()) + 1 if known.any() else 0

    def per_buyer(weights: np.ndarray) -> np.ndarray:
        sums = np.bincount(kb, weights=weights[known], minlength=nbuy)
        return np.where(known, sums[np.maximum(codes, 0)] if nbuy else 0.0, 0.0)

    nb = per_buyer(np.ones(n))
    ngen = per_buyer(genuine.astype(float))
    note_zh, note_en = _blank(n), _blank(n)
    dm = (ngen > 0) & (nb >= cfg.buyer_min_returns)
    _put(note_zh, dm, "（其中 " + _ints(ngen[dm]) + " 次描述了具体问题，已降权）")
    _put(note_en, dm, " (" + _ints(ngen[dm]) + " of them describe a concrete problem, weighted down)")
    return BuyerHistory(
        codes=codes, uniques=np.asarray(uniques, dtype=object), returns=nb,
        refund_only=per_buyer(refund_only.astype(float)), total=per_buyer(amt),
        refund_only_total=per_buyer(np.where(refund_only, amt, 0.0)), genuine=ngen,
        keep=np.where(nb > 0, 1 - ngen / np.maximum(nb, 1), 0.0), note_zh=note_zh, note_en=note_en,
    )


def build_context(tagged: pd.DataFrame, orders: pd.DataFrame | None, cfg: RiskConfig) -> Context:
    """The shared, read-only view of the table the signals compute from."""
    n = len(tagged)
    df = tagged.reset_index(drop=True)
    tf = TextFeatures(df["buyer_text"] if "buyer_text" in df.columns else None, n)
    defect, defect_word = defect_flags(df, tf, n, min_confidence=cfg.model_defect_confidence,
                                       min_chars=cfg.model_defect_min_chars)
    genuine = defect | tf["cue_sizing"]
    rtype = _col(df, "return_type")
    amount = _num(_col(df, "amount"))
    amt = amount.fillna(0).to_numpy() if amount is not None else np.zeros(n)
    refund_only = (_text(rtype, n) == "refund_only").to_numpy() if rtype is not None else np.zeros(n, bool)
    kind, dl = conflict_kind(df, tf, n, defect)
    return Context(
        df=df, n=n, cfg=cfg, orders=orders, tf=tf, has_text=_col(df, "buyer_text") is not None,
        defect=defect, defect_word=np.asarray(defect_word, dtype=object), genuine=genuine, rtype=rtype,
        refund_only=refund_only, amount=amount, amt=amt, conflict=kind, dropdown=dl,
        buyer=_buyer_history(df, n, refund_only, amt, genuine, cfg),
    )
