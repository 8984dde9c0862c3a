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
_DESCENDING = np.int64(0x7FF0000000000000)  # bit pattern of +inf: minus a positive float's, orders descending
_ROWS_PER_PASS = 65_536  # rows whose candidate slots are held in memory at once
_DENSE_PAIRS = 4096  # phrases in some containment pair up to which their table is a dense bool matrix


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
    order = _by_row_then_contribution(rows, contrib, n)
    pos, rows = pos[order], rows[order]
    ok = (_slot(rows) < window) & (lengths[X.indices[pos]] >= 2)
    out = _phrase_lists(*_choose_words(rows[ok], X.indices[pos[ok]], n, terms, top), terms, n)
    bare = np.ones(n, dtype=bool)
    bare[rows[ok]] = False
    for r, f in _char_fallback(X, np.flatnonzero(bare), coef, pred, lengths, n_word, window):
        out[r] = [terms[f]]
    return out


def _term_lengths(terms: np.ndarray) -> np.ndarray:
    return np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))


def _by_row_then_contribution(rows: np.ndarray, contrib: np.ndarray, n: int) -> np.ndarray:
    """`np.lexsort((-contrib, rows))` for non-decreasing `rows` and positive `contrib`.

    The rows are already in order, so only each row's few entries need
    sorting: scipy's per-row sort of a CSR matrix does that, keyed by the
    contribution's bit pattern (for positive floats it orders as the value
    does, so the maximum minus it orders descending). That sort is not
    stable, so runs of equal contributions within a row are put back in
    their original order afterwards, as lexsort leaves them.
    """
    m = len(rows)
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    key = _DESCENDING - contrib.view(np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    by_row = sp.csr_matrix((np.arange(m, dtype=np.int64), key, indptr), shape=(n, int(key.max()) + 1))
    by_row.sort_indices()
    order, key = by_row.data, by_row.indices
    tie = (key[1:] == key[:-1]) & (rows[1:] == rows[:-1])
    if tie.any():
        in_run = np.zeros(m, dtype=bool)
        in_run[1:] |= tie
        in_run[:-1] |= tie
        at = np.flatnonzero(in_run)
        run = np.cumsum(~np.concatenate([[False], tie]))[at]  # same number for a run of ties
        order[at] = order[at][np.lexsort((order[at], run))]
    return order


def _phrase_lists(rows: np.ndarray, feats: np.ndarray, terms: np.ndarray, n: int) -> list[list[str]]:
    """Per row, the phrases of `feats` (grouped by row, in the order chosen)."""
    words = terms[feats].tolist()
    ends = np.cumsum(np.bincount(rows, minlength=n)).tolist()
    starts = [0] + ends[:-1]
    return [words[a:b] for a, b in zip(starts, ends)]


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
                  top: int) -> tuple[np.ndarray, np.ndarray]:
    """The greedy phrase choice for every row, one candidate slot at a time:
    (row, feature) of the chosen phrases, by row and then in the order chosen.

    Almost every row is settled by its first few candidates, so all rows are
    run on `top + 2` of them and only the rows left short with candidates to
    spare are run again on all of theirs: the same choice, at a fraction of
    the pairwise containment tests.
    """
    if not len(rows):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    covers = _Covers(feats, terms)
    k_of = _slot(rows)
    head = k_of < top + 2
    r1, f1 = _run(rows[head], k_of[head], feats[head], covers, top)
    spare = np.zeros(n, dtype=bool)
    spare[rows[~head]] = True
    redo = spare & (np.bincount(r1, minlength=n) < top)
    if redo.any():
        again = redo[rows]
        keep = ~redo[r1]
        r2, f2 = _run(rows[again], k_of[again], feats[again], covers, top)
        r1, f1 = np.concatenate([r1[keep], r2]), np.concatenate([f1[keep], f2])
        order = np.argsort(r1, kind="stable")
        r1, f1 = r1[order], f1[order]
    return r1, f1


def _run(rows: np.ndarray, k_of: np.ndarray, feats: np.ndarray, covers: "_Covers",
         top: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, feature) of the chosen phrases, by row and then in the order chosen."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    width = int(k_of.max()) + 1
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
    """Which slots end up chosen; slot order is the order phrases were added.

    Slot-major arrays (slot, row), so every step is an operation on whole
    contiguous rows of booleans.
    """
    m, width = slots.shape
    by_slot = np.ascontiguousarray(slots.T)
    inside = covers.table(by_slot)  # inside[j, k, r]: slot j's phrase is inside slot k's
    taken = np.zeros((width, m), dtype=bool)
    count = np.zeros(m, dtype=np.int64)
    for k in range(width):
        present = by_slot[k] >= 0
        if not present.any():
            continue
        # blocked: a phrase already taken contains this one
        blocked = (taken[:k] & inside[k, :k]).any(axis=0)
        add = present & (count < top) & ~blocked
        # taken phrases this one contains give way to it
        gone = taken[:k] & inside[:k, k] & add
        taken[:k] &= ~gone
        taken[k] = add
        count += add
        count -= gone.sum(axis=0)
    return taken.T


class _Covers:
    """`terms[a] in terms[b]` for the candidate features, as a table over those in some pair.

    Found from the other side: every substring of each candidate's phrase
    is looked up among the candidates' phrases, which costs a few
    dictionary lookups per distinct candidate (there are at most as many as
    words in the vocabulary) instead of one substring test per pair of
    candidates sharing a row (millions on a large export).
    """

    def __init__(self, feats: np.ndarray, terms: np.ndarray):
        self._n = np.int64(len(terms))
        candidates = np.unique(feats).tolist()
        by_phrase: dict[str, list[int]] = {}
        for f in candidates:
            by_phrase.setdefault(terms[f], []).append(f)
        sizes = sorted({len(p) for p in by_phrase})
        keys = []
        for b in candidates:
            phrase = terms[b]
            for size in sizes:
                if size > len(phrase):
                    break
                for i in range(len(phrase) - size + 1):
                    keys.extend(a * self._n + b for a in by_phrase.get(phrase[i : i + size], ()) if a != b)
        keys = np.unique(np.array(keys, dtype=np.int64))
        a, b = keys // self._n, keys % self._n
        # The features in some pair get places 1..k; every other feature 0.
        involved = np.unique(np.concatenate([a, b]))
        self._place = np.zeros(int(self._n) + 1, dtype=np.int32)
        self._place[involved] = np.arange(1, len(involved) + 1)
        self._keys = keys
        self._inside = None
        if len(involved) < _DENSE_PAIRS:
            self._inside = np.zeros((len(involved) + 1, len(involved) + 1), dtype=bool)
            self._inside[self._place[a], self._place[b]] = True

    def table(self, by_slot: np.ndarray) -> np.ndarray:
        """`out[j, k, r]`: is slot j's phrase inside slot k's in row r (False for an empty slot).

        `by_slot[k, r]` is the feature in slot k of row r, or -1.
        """
        if self._inside is not None:
            ids = self._place[by_slot]  # slot -1 reads the last entry: 0, no phrase
            side = np.int32(self._inside.shape[0])
            return self._inside.ravel()[ids[:, None, :] * side + ids[None, :, :]]
        key = by_slot[:, None, :] * self._n + by_slot[None, :, :]
        j = np.minimum(np.searchsorted(self._keys, key), len(self._keys) - 1)
        return (self._keys[j] == key) & (by_slot[:, None, :] >= 0) & (by_slot[None, :, :] >= 0)
