"""The words that decided a tag, for every row at once.

A merchant reads the evidence beside each return, so it must be the buyer's
own words that pushed the model toward its reason — whole words first, a
character n-gram only when no word helped, and never the same phrase twice
(偏小 is dropped when 尺码偏小 is shown). The rule per row, over the row's
features ranked by contribution x_ij · w_{pred_i, j} (words before n-grams,
the first ``top * 6`` candidates only):

* a candidate counts if it pushed toward the prediction (contribution > 0)
  and reads as a phrase (at least two characters once spaces are gone);
* words are taken in order; one already covered by a chosen phrase is
  skipped, and chosen phrases covered by a new one are replaced by it;
  at most ``top`` are kept;
* a row with no such word shows its best character n-gram alone.

Large exports produce hundreds of thousands of distinct (text, reason)
pairs, so the rule is applied to all rows together with NumPy: one sort for
the ranking, one pass per candidate slot for the greedy choice, and Python
only once per distinct pair of phrases (the substring test).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

WINDOW_PER_TOP = 6  # candidates looked at per row: top * WINDOW_PER_TOP
_ROWS_PER_PASS = 65_536  # rows whose candidate slots are held in memory at once


def explain(X: sp.csr_matrix, coef: np.ndarray, pred: np.ndarray, terms: np.ndarray,
            n_word: int, top: int = 3) -> list[list[str]]:
    """Evidence phrases per row of `X` for the label `pred[i]` (see module doc).

    `terms` holds each feature's phrase with spaces removed (object array),
    `n_word` how many leading features are words rather than n-grams.
    Character n-grams are most of `X`'s entries and matter only for rows
    without a qualifying word, so only those rows' n-grams are looked at.
    """
    X = X.tocsr()
    n = X.shape[0]
    if n == 0:
        return []
    pred = np.asarray(pred, dtype=np.int64)
    lengths = _term_lengths(terms)
    window = top * WINDOW_PER_TOP
    # Words rank above every n-gram, so a word's place among the candidates
    # is its place among the row's positive words: only those are sorted.
    # (lexsort is stable: ties keep column order, as entries are by column.)
    pos = np.flatnonzero(X.indices < n_word)
    rows = np.searchsorted(X.indptr, pos, side="right") - 1
    contrib = X.data[pos] * coef[pred[rows], X.indices[pos]]
    up = contrib > 0
    pos, rows, contrib = pos[up], rows[up], contrib[up]
    order = np.lexsort((-contrib, rows))
    pos, rows = pos[order], rows[order]
    ok = (_slot(rows) < window) & (lengths[X.indices[pos]] >= 2)
    chosen = _choose_words(rows[ok], X.indices[pos[ok]], n, terms, top)
    out: list[list[str]] = [[terms[f] for f in row] for row in chosen]
    bare = np.ones(n, dtype=bool)
    bare[rows[ok]] = False
    for r, f in _char_fallback(X, np.flatnonzero(bare), coef, pred, lengths, n_word, window):
        out[r] = [terms[f]]
    return out


def _term_lengths(terms: np.ndarray) -> np.ndarray:
    return np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))


def _slot(rows: np.ndarray) -> np.ndarray:
    """Each entry's place within its run of equal (sorted) row numbers."""
    return np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")


def _char_fallback(X, bare, coef, pred, lengths, n_word, window):
    """(row, feature) of the best n-gram for the `bare` rows (no word qualified).

    Every word of the row (any sign) and every better-ranked n-gram sits
    before it among the candidates, so it counts only if that total is
    still inside the window.
    """
    if not len(bare):
        return []
    Xb = X[bare]
    m = len(bare)
    row_of = np.repeat(np.arange(m, dtype=np.int64), np.diff(Xb.indptr))
    is_char = Xb.indices >= n_word
    contrib = Xb.data * coef[pred[bare][row_of], Xb.indices]
    good = np.flatnonzero(is_char & (contrib > 0) & (lengths[Xb.indices] >= 2))
    if not len(good):
        return []
    good = good[np.lexsort((-contrib[good], row_of[good]))]
    rows, first = np.unique(row_of[good], return_index=True)
    best_at = good[first]
    best_c = np.full(m, np.inf)
    best_c[rows] = contrib[best_at]
    best_i = np.full(m, -1)
    best_i[rows] = best_at
    ahead = is_char & (
        (contrib > best_c[row_of]) | ((contrib == best_c[row_of]) & (np.arange(len(contrib)) < best_i[row_of]))
    )
    before = np.bincount(row_of[ahead], minlength=m) + np.bincount(row_of[~is_char], minlength=m)
    keep = before[rows] < window
    return zip(bare[rows[keep]].tolist(), Xb.indices[best_at[keep]].tolist())


def _choose_words(rows: np.ndarray, feats: np.ndarray, n: int, terms: np.ndarray,
                  top: int) -> list[list[int]]:
    """The greedy phrase choice for every row, one candidate slot at a time.

    Almost every row is settled by its first few candidates, so all rows are
    run on `top + 2` of them and only the rows left short with candidates to
    spare are run again on all of theirs: the same choice, at a fraction of
    the pairwise substring tests.
    """
    result: list[list[int]] = [[] for _ in range(n)]
    if not len(rows):
        return result
    k_of = _slot(rows)
    head = k_of < top + 2
    r1, f1 = _run(rows[head], k_of[head], feats[head], terms, top)
    spare = np.zeros(n, dtype=bool)
    spare[rows[~head]] = True
    redo = spare & (np.bincount(r1, minlength=n) < top)
    if redo.any():
        again = redo[rows]
        keep = ~redo[r1]
        r2, f2 = _run(rows[again], k_of[again], feats[again], terms, top)
        r1, f1 = np.concatenate([r1[keep], r2]), np.concatenate([f1[keep], f2])
        order = np.argsort(r1, kind="stable")
        r1, f1 = r1[order], f1[order]
    for r, f in zip(r1.tolist(), f1.tolist()):
        result[r].append(f)
    return result


def _run(rows: np.ndarray, k_of: np.ndarray, feats: np.ndarray, terms: np.ndarray,
         top: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, feature) of the chosen phrases, by row and then in the order chosen."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    width = int(k_of.max()) + 1
    covers = _Covers(feats, rows, terms)
    out_r, out_f = [], []
    for lo in range(int(rows.min()), int(rows.max()) + 1, _ROWS_PER_PASS):
        hi = lo + _ROWS_PER_PASS
        sel = (rows >= lo) & (rows < hi)
        if not sel.any():
            continue
        slots = np.full((hi - lo, width), -1, dtype=np.int64)
        slots[rows[sel] - lo, k_of[sel]] = feats[sel]
        i, j = np.nonzero(_greedy(slots, covers, top))
        out_r.append(i + lo)
        out_f.append(slots[i, j])
    return np.concatenate(out_r), np.concatenate(out_f)


def _greedy(slots: np.ndarray, covers: "_Covers", top: int) -> np.ndarray:
    """Which slots end up chosen; slot order is the order phrases were added."""
    m, width = slots.shape
    taken = np.zeros((m, width), dtype=bool)
    full = np.zeros(m, dtype=bool)
    for k in range(width):
        present = slots[:, k] >= 0
        if not present.any():
            continue
        blocked = np.zeros(m, dtype=bool)
        for j in range(k):
            live = taken[:, j] & present
            if live.any():
                blocked |= live & covers.inside(slots[:, k], slots[:, j])
        add = present & ~full & ~blocked
        for j in range(k):
            live = taken[:, j] & add
            if live.any():
                taken[:, j] &= ~(live & covers.inside(slots[:, j], slots[:, k]))
        taken[:, k] = add
        full |= taken.sum(axis=1) >= top
    return taken


class _Covers:
    """`terms[a] in terms[b]` for the feature pairs that share a row."""

    def __init__(self, feats: np.ndarray, rows: np.ndarray, terms: np.ndarray):
        self._n = np.int64(len(terms))
        # Every ordered pair of candidates of the same row (both directions).
        starts = np.searchsorted(rows, rows, side="left")
        counts = np.bincount(rows - rows.min(), minlength=int(rows.max() - rows.min()) + 1)
        sizes = counts[rows - rows.min()]
        a_idx = np.repeat(np.arange(len(rows)), sizes)
        b_idx = np.repeat(starts, sizes) + _ramp(sizes)
        keep = a_idx != b_idx
        keys = np.unique(feats[a_idx[keep]] * self._n + feats[b_idx[keep]])
        a, b = keys // self._n, keys % self._n
        self._keys = keys
        self._inside = np.fromiter(
            (terms[x] in terms[y] for x, y in zip(a.tolist(), b.tolist())), dtype=bool, count=len(keys)
        )

    def inside(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Per row: is phrase `a` contained in phrase `b` (False where either is absent)."""
        out = np.zeros(len(a), dtype=bool)
        both = (a >= 0) & (b >= 0)
        if not both.any() or not len(self._keys):
            return out
        key = a[both] * self._n + b[both]
        j = np.searchsorted(self._keys, key)
        j[j == len(self._keys)] = 0
        out[both] = (self._keys[j] == key) & self._inside[j]
        return out


def _ramp(sizes: np.ndarray) -> np.ndarray:
    """0..s-1 for each s in `sizes`, concatenated."""
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.arange(total, dtype=np.int64) - first
