"""Canonical return table → tagged table (reason, sub-reason, evidence …).

Real exports repeat themselves: the same short texts (不想要了, 偏小) and the
same dropdown reasons recur thousands of times. Everything expensive here
(tokenising, features, explanations, sub-reason rules) therefore runs once
per *distinct* text and is mapped back to rows, which is what keeps a
million-row export to seconds.

How the two inputs combine: the buyer's words lead. The dropdown reason adds
a fixed bonus to its label's logit (`ModelParams.dropdown_bonus`), enough to
settle a vague text and too little to overrule a clear one. With no words at
all, the dropdown reason decides, at a modest fixed confidence.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from diagnose import taxonomy
from diagnose.model import english
from diagnose.model import features as fast
from diagnose.model.reason_model import ReasonModel, load_model, softmax
from diagnose.taxonomy import LABELS, UNSPECIFIED

# Confidence given when only the dropdown reason is known. Buyers often pick
# a merchant-fault reason to shift return shipping (label guide), so the
# dropdown alone is treated as weak evidence and such rows sit just under
# the default review threshold.
DROPDOWN_ONLY_CONFIDENCE = 0.5
# A text must be at least this sure of its own reason before a disagreement
# with the dropdown is reported as a conflict. Probabilities are calibrated on
# real reviews (MODEL_CARD.md), where a short clear text such as 不想要了 gets
# ~0.4 for its reason among seven: 0.4 is where the text's reason clearly leads.
CONFLICT_MIN_TEXT_CONFIDENCE = 0.4

TAG_COLUMNS = (
    "reason",
    "reason_zh",
    "sub_reason",
    "confidence",
    "evidence",
    "needs_review",
    "reason_conflict",
    "dropdown_label",
    "p_malicious",
)

ProgressFn = Callable[[int, int], None]


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].astype("string").fillna("")
    return pd.Series([""] * len(frame), index=frame.index, dtype="string")


def sub_reason_for(label: str, prepared_text: str, dropdown: str = "") -> str:
    """The first sub-reason of `label` whose cue appears in text or dropdown."""
    hay = f"{prepared_text} {dropdown.lower()}"
    for sub in taxonomy.sub_reasons_for(label):
        if any(cue in hay for cue in sub.cues):
            return sub.key
    return UNSPECIFIED


# Distinct texts featurised, scored and explained together. Blocks bound the
# memory of the feature matrix (about 1.7 KB a text) whatever the export's
# size; every output depends only on its own row, so the block size changes
# nothing in the result (tests/test_perf_equivalence.py). One worker task's
# worth (`chunk_size`): the parent then holds one slice's matrix at a time,
# never a stack of them (1M rows: 100k-text blocks peaked ~0.2 GB higher,
# for no gain in speed).
BLOCK_TEXTS = 20_000


def classify_frame(
    frame: pd.DataFrame,
    model: ReasonModel | None = None,
    progress: ProgressFn | None = None,
    chunk_size: int = 20000,
    workers: int | None = None,
    block_texts: int = BLOCK_TEXTS,
) -> pd.DataFrame:
    """Add the classifier's columns to a canonical table; every row is kept.

    `workers`: processes that featurise the distinct texts (default: the
    usable CPUs, or DIAGNOSE_WORKERS; only used for large batches). The
    result does not depend on it, nor on `block_texts`.
    """
    model = model or load_model()
    with fast.paused_gc():
        return _classify(frame, model, progress, chunk_size, workers, block_texts)


def _classify(frame: pd.DataFrame, model: ReasonModel, progress: ProgressFn | None, chunk_size: int,
              workers: int | None, block_texts: int) -> pd.DataFrame:
    from diagnose.io.arrowpool import release_arrow_memory

    # pandas' copy-on-write makes a shallow copy safe: adding columns to
    # `out` never touches `frame`, and the input's data is not duplicated.
    out = frame.copy(deep=False)
    n = len(frame)
    texts = _column(frame, "buyer_text")
    drops = _column(frame, "platform_reason")

    text_codes, uniq_texts = pd.factorize(texts, sort=False)
    drop_codes, uniq_drops = pd.factorize(drops, sort=False)
    release_arrow_memory()  # factorising a 1M-row text column leaves ~150 MB of Arrow scratch behind
    # --- per distinct dropdown: its label ----------------------------------
    drop_label_idx = np.array(
        [LABELS.index(lbl) if (lbl := taxonomy.dropdown_label(d)) else -1 for d in uniq_drops], dtype=int
    )
    drop_list = [str(d) for d in uniq_drops.tolist()]
    row_drop = drop_label_idx[drop_codes] if n else np.zeros(0, dtype=int)
    has_drop = row_drop >= 0

    pred, conf = np.zeros(n, dtype=int), np.zeros(n)
    p_mal, conflict = np.zeros(n), np.zeros(n, dtype=bool)
    sub_rows, ev_rows = np.empty(n, dtype=object), np.empty(n, dtype=object)
    # --- per block of distinct texts: features, scores, fusion, evidence ---
    uniq_list = uniq_texts.tolist()
    order = np.argsort(text_codes, kind="stable")
    sorted_codes = text_codes[order]
    blocks = fast.featurize_blocks(model, uniq_list, block_texts, workers=workers, progress=progress,
                                   task_size=chunk_size, then=_read_texts, send_matrix=False)
    for start, stop, prepared, _, readings in blocks:
        own = _TextReading.join(readings)
        text_logits = own.logits
        text_empty = np.array([not p for p in prepared], dtype=bool)
        lo, hi = np.searchsorted(sorted_codes, [start, stop])
        rows = order[lo:hi]
        local = text_codes[rows] - start
        fused = _fuse(model, text_logits[local], row_drop[rows], text_empty[local])
        pred[rows], conf[rows], p_mal[rows], conflict[rows] = fused
        # --- per distinct (text, dropdown, reason): sub-reason and evidence --
        key = pd.DataFrame({"t": local, "d": drop_codes[rows], "p": pred[rows]})
        combos, combo_codes = _unique_rows(key)
        subs, evidence = _subs_and_evidence(model, own, combos, prepared, text_empty, drop_list, drop_label_idx)
        sub_rows[rows] = subs[combo_codes]
        ev_rows[rows] = evidence[combo_codes]
        del own, text_logits
        release_arrow_memory()

    out["reason"] = _names_of(pred, list(LABELS), out.index)
    out["reason_zh"] = _names_of(pred, [taxonomy.LABEL_ZH[lbl] for lbl in LABELS], out.index)
    out["sub_reason"] = sub_rows if n else []
    out["confidence"] = np.round(conf, 4)
    out["evidence"] = pd.Series(ev_rows if n else [], index=out.index, dtype=object)
    out["needs_review"] = conf < model.params.review_threshold
    out["reason_conflict"] = conflict
    out["dropdown_label"] = pd.Series(
        np.where(has_drop, np.array(LABELS, dtype=object)[np.clip(row_drop, 0, None)], None) if n else [],
        index=out.index,
        dtype="string",
    )
    out["p_malicious"] = np.round(p_mal, 4)
    # English comments (Amazon) have their own lexicon and reason-code rules.
    english.overlay(out, texts, drops, model.params.review_threshold,
                    codes=(text_codes, uniq_texts, drop_codes, uniq_drops), uniq_list=uniq_list)
    for col in ("reason", "reason_zh", "sub_reason"):
        out[col] = out[col].astype("string")
    return out


def _names_of(codes: np.ndarray, names: list[str], index: pd.Index) -> pd.Series:
    """A string column of `names[code]` per row, taken in Arrow (a Python string
    per row for a million rows cost half a second)."""
    import pyarrow as pa

    taken = pa.array(names, pa.large_string()).take(pa.array(np.asarray(codes, dtype=np.int64)))
    return pd.Series(pd.array(taken, dtype="string"), index=index)


class _TextReading:
    """What each text says on its own: logits, its best reason, that reason's
    evidence words and learned sub-reason, and the feature rows of the texts
    a dropdown reason could move to another reason.

    Computed where the text's features are made (`_read_texts`, in the
    featurising workers), because most rows end with their text's own best
    reason; only rows that a dropdown moves elsewhere are explained again,
    from `movable_X`. A dropdown adds `dropdown_bonus` to one label's logit,
    so it can move a text only if the runner-up is within that bonus of the
    best (an eighth of the texts of the benchmark's 1M rows): only those
    rows travel back from the workers, not the whole matrix.
    """

    def __init__(self, logits: np.ndarray, best: np.ndarray, evidence: np.ndarray, subs: np.ndarray,
                 movable: np.ndarray, movable_X):
        self.logits, self.best, self.evidence, self.subs = logits, best, evidence, subs
        self.movable, self.movable_X = movable, movable_X

    @staticmethod
    def join(parts: list["_TextReading"]) -> "_TextReading":
        if len(parts) == 1:
            return parts[0]
        arrays = (np.concatenate([getattr(p, k) for p in parts]) for k in ("logits", "best", "evidence", "subs",
                                                                              "movable"))
        return _TextReading(*arrays, sp.vstack([p.movable_X for p in parts], format="csr"))

    def rows_of(self, texts: np.ndarray):
        """The feature rows of `texts` (indices into this reading), all of them movable."""
        at = np.cumsum(self.movable) - 1
        if not self.movable[texts].all():
            raise RuntimeError("a dropdown moved a text whose runner-up was out of its reach")
        return self.movable_X[at[texts]]


def _read_texts(model: ReasonModel, prepared: list[str], X) -> _TextReading:
    logits = model.decision(X)
    best = softmax(logits).argmax(axis=1)
    movable = _movable(logits, best, model.params.dropdown_bonus) | np.array([not p for p in prepared], dtype=bool)
    return _TextReading(logits, best, _objects(model.explain(X, best)),
                        _objects(model.predict_sub_reasons(X, best)), movable, X[movable])


# Slack on the reach test, far above the rounding of a softmax.
_REACH_SLACK = 1e-6


def _movable(logits: np.ndarray, best: np.ndarray, bonus: float) -> np.ndarray:
    """Texts whose best reason a dropdown's logit bonus could overturn (runner-up within reach)."""
    if logits.shape[1] < 2 or not len(logits):
        return np.zeros(len(logits), dtype=bool)
    top = logits[np.arange(len(logits)), best]
    rest = logits.copy()
    rest[np.arange(len(logits)), best] = -np.inf
    return rest.max(axis=1) + bonus + _REACH_SLACK >= top


def _objects(values: list) -> np.ndarray:
    """A 1-D object array of `values` (lists stay list elements, never a second axis)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _fuse(model: ReasonModel, row_logits: np.ndarray, row_drop: np.ndarray, row_empty: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(reason index, confidence, p(malicious), dropdown conflict) of rows from their text's logits."""
    n = len(row_logits)
    has_drop = row_drop >= 0
    fused = row_logits.copy()
    fused[has_drop, row_drop[has_drop]] += model.params.dropdown_bonus
    proba = softmax(fused)
    pred = proba.argmax(axis=1)
    conf = proba[np.arange(n), pred]
    text_proba = softmax(row_logits)
    text_pred = text_proba.argmax(axis=1)
    text_conf = text_proba[np.arange(n), text_pred]
    # Rows with no words: the dropdown decides, or nothing does.
    only_drop = row_empty & has_drop
    pred[only_drop] = row_drop[only_drop]
    conf[only_drop] = DROPDOWN_ONLY_CONFIDENCE
    nothing = row_empty & ~has_drop
    pred[nothing] = LABELS.index("other")
    conf[nothing] = 0.0
    p_mal = proba[:, LABELS.index("malicious")].copy()
    p_mal[row_empty] = 0.0
    conflict = (
        has_drop
        & ~row_empty
        & (row_drop != LABELS.index("other"))
        & (text_pred != row_drop)
        & (text_conf >= CONFLICT_MIN_TEXT_CONFIDENCE)
    )
    return pred, conf, p_mal, conflict


def _subs_and_evidence(model: ReasonModel, own: _TextReading, combos: pd.DataFrame, prepared: list[str],
                       text_empty: np.ndarray, drop_list: list[str],
                       drop_label_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sub-reason and evidence words of each distinct (text, dropdown, reason)."""
    # Evidence depends on the text and the reason only: a text's own best
    # reason is already explained; other (text, reason) pairs once each.
    n = len(combos)
    subs, evidence = np.empty(n, dtype=object), np.empty(n, dtype=object)
    if not n:
        return subs, evidence
    pairs, pair_codes = _unique_rows(combos[["t", "p"]])
    t, p = pairs["t"].to_numpy(), pairs["p"].to_numpy()
    by_pair = own.evidence[t]
    # The learned sub-reason head reads the words; cue-word rules cover
    # what it leaves unspecified and rows with only a dropdown reason.
    sub_by_pair = own.subs[t]
    moved = np.flatnonzero(own.best[t] != p)
    if len(moved):
        X_moved = own.rows_of(t[moved])  # one copy of the rows for both uses
        by_pair[moved] = _objects(model.explain(X_moved, p[moved]))
        sub_by_pair[moved] = _objects(model.predict_sub_reasons(X_moved, p[moved]))
    t, d, p = (combos[c].to_numpy() for c in ("t", "d", "p"))
    empty = text_empty[t]
    subs[:] = sub_by_pair[pair_codes]
    subs[empty] = None
    for j in np.flatnonzero(pd.isna(subs) | (subs == UNSPECIFIED)).tolist():
        subs[j] = sub_reason_for(LABELS[p[j]], prepared[t[j]], drop_list[d[j]] if drop_list else "")
    evidence[:] = by_pair[pair_codes]
    # A dropdown reason that agrees with the tag (or is all there is) is evidence too.
    if drop_list:
        drop_lbl = drop_label_idx[d]
        has_text = np.array([bool(x) for x in drop_list], dtype=bool)[d]
        add = has_text & (drop_lbl >= 0) & (empty | (drop_lbl == p))
    else:
        add = np.zeros(n, dtype=bool)
    suffix = [[f"{taxonomy.DROPDOWN_EVIDENCE_PREFIX}{x}"] for x in drop_list]
    at = np.flatnonzero(add | empty)
    # Plain lists: indexing NumPy arrays once per combination cost more than the lists.
    evidence[at] = _objects([(w if not e else []) + (suffix[k] if a else [])
                             for w, e, a, k in zip(evidence[at].tolist(), empty[at].tolist(), add[at].tolist(),
                                                   d[at].tolist())])
    return subs, evidence


def _unique_rows(key: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct rows of an integer frame and each row's code into them."""
    if key.empty:
        return key, np.zeros(0, dtype=int)
    packed = key.to_numpy()
    if packed.min() >= 0:
        # One int64 per row, ordered as the rows are lexicographically, so
        # a 1-D unique gives the same rows in the same order, much faster.
        spans = packed.max(axis=0).astype(np.int64) + 1
        if float(np.prod(spans.astype(float))) < 2.0**62:
            flat = np.zeros(len(packed), dtype=np.int64)
            for j in range(packed.shape[1]):
                flat = flat * spans[j] + packed[:, j].astype(np.int64)
            uniq_flat, codes = np.unique(flat, return_inverse=True)
            cols = []
            for j in reversed(range(packed.shape[1])):
                cols.append(uniq_flat % spans[j])
                uniq_flat = uniq_flat // spans[j]
            uniq = np.stack(cols[::-1], axis=1).astype(packed.dtype)
            return pd.DataFrame(uniq, columns=key.columns), codes.ravel()
    uniq, codes = np.unique(packed, axis=0, return_inverse=True)
    return pd.DataFrame(uniq, columns=key.columns), codes.ravel()
