"""Exact fast paths for turning many texts into the model's features.

Everything here computes *the same values* as the straightforward code in
`diagnose.model.text` and `diagnose.model.reason_model` (`tests/test_perf_equivalence.py`
checks it); only the way of computing them differs:

* **Tokenising by block, once per distinct block.** `jieba.Tokenizer.cut`
  splits a sentence on `jieba.re_han_default` into blocks (runs of Chinese
  characters, letters and digits, and the text between them) and segments
  every block independently. So the tokens of a text are the concatenation
  of the tokens of its blocks, and a block seen before need not be
  segmented again. Buyers' texts are assembled from a limited stock of
  clauses (不想要了, 质量太差, 物流太慢 …), so even when whole texts are
  distinct most of their blocks are not: this skips most of jieba's work
  while calling jieba itself for everything it does segment.
* **Counting n-grams with NumPy.** Character 1–3-grams are packed into one
  integer each (21 bits per code point) and looked up in the sorted packed
  vocabulary with `searchsorted`; word unigrams and bigrams are looked up
  once per distinct token / token pair. The result is the same canonical
  CSR count matrix that scikit-learn's `CountVectorizer` builds with the
  model's analyzers.
* **Spreading distinct texts over processes.** `featurize` splits a large
  batch into slices that forked worker processes featurise (the model and
  the jieba dictionary are inherited from the parent at fork time, so they
  are loaded once); the slices are stacked back in order, so the matrix is
  identical to a one-process run.
"""
from __future__ import annotations

import itertools
import os
import sys
from typing import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from diagnose.model import text as textmod

# Texts per worker task; below PARALLEL_MIN distinct texts one process is faster.
TASK_SIZE = 25_000
PARALLEL_MIN = 40_000
_BLOCK_CACHE_MAX = 2_000_000  # distinct blocks kept per process before the cache is reset
_BITS = 21  # Unicode code points (+1) fit in 21 bits; three of them in an int64
_MAX_PACKED_N = 3


# ---------------------------------------------------------------------------
# Tokenising
# ---------------------------------------------------------------------------
_block_cache: dict[str, list[str]] = {}


def _re_han():
    import jieba

    return jieba.re_han_default


def tokenize_many(prepared: Sequence[str]) -> list[list[str]]:
    """`[text.tokenize(p) for p in prepared]`, segmenting each distinct block once."""
    global _block_cache
    if len(_block_cache) > _BLOCK_CACHE_MAX:
        _block_cache = {}
    cache = _block_cache
    split = _re_han().split
    tk = textmod.tokenizer()
    keep = textmod.keep_token
    out: list[list[str]] = []
    for p in prepared:
        if not p:
            out.append([])
            continue
        toks: list[str] = []
        for blk in split(p):
            if not blk:
                continue
            words = cache.get(blk)
            if words is None:
                words = [w for w in tk.lcut(blk) if keep(w)]
                cache[blk] = words
            toks.extend(words)
        out.append(toks)
    return out


# ---------------------------------------------------------------------------
# Count matrices
# ---------------------------------------------------------------------------
def _codepoints(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points (+1, so 0 never occurs) of the concatenation, and each string's length."""
    lens = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    joined = "".join(strings)
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return cp.astype(np.int64) + 1, lens


def _pack(cp: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    code = cp[starts]
    for k in range(1, n):
        code = (code << _BITS) | cp[starts + k]
    return code


class CharIndex:
    """The model's character n-gram vocabulary as sorted packed integers."""

    def __init__(self, char_vocab: Sequence[str], n_max: int):
        self.n_max = n_max
        self.n_features = len(char_vocab)
        terms = [str(t) for t in char_vocab]
        self.supported = n_max <= _MAX_PACKED_N and all(1 <= len(t) <= n_max for t in terms)
        if not self.supported:
            return
        codes = np.zeros(len(terms), dtype=np.int64)
        for n in range(1, n_max + 1):
            idx = np.array([i for i, t in enumerate(terms) if len(t) == n], dtype=np.int64)
            if not len(idx):
                continue
            cp, _ = _codepoints([terms[i] for i in idx])
            codes[idx] = _pack(cp, np.arange(len(idx)) * n, n)
        order = np.argsort(codes, kind="stable")
        self.codes = codes[order]
        self.cols = order.astype(np.int64)

    def counts(self, prepared: Sequence[str]) -> sp.csr_matrix:
        """Character n-gram counts, as `CountVectorizer(analyzer=make_char_features(n_max))`."""
        docs = [p.replace(" ", "") for p in prepared]
        cp, lens = _codepoints(docs)
        n_docs = len(docs)
        ends = np.repeat(np.cumsum(lens), lens)  # exclusive end of each position's document
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lens)
        pos = np.arange(len(cp), dtype=np.int64)
        rows, cols = [], []
        for n in range(1, self.n_max + 1):
            starts = pos[pos + n <= ends]
            if not len(starts) or not len(self.codes):
                continue
            code = _pack(cp, starts, n)
            j = np.searchsorted(self.codes, code)
            j[j == len(self.codes)] = 0
            hit = self.codes[j] == code
            rows.append(doc_of[starts[hit]])
            cols.append(self.cols[j[hit]])
        return _csr(rows, cols, (n_docs, self.n_features))


def word_counts(tokens: Sequence[Sequence[str]], vocab: dict[str, int], n_features: int) -> sp.csr_matrix:
    """Word unigram + adjacent bigram counts, as `CountVectorizer(analyzer=word_features)`."""
    import pandas as pd

    lens = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    n_docs = len(tokens)
    flat = np.fromiter(itertools.chain.from_iterable(tokens), dtype=object, count=int(lens.sum()))
    if not len(flat):
        return sp.csr_matrix((n_docs, n_features), dtype=np.int64)
    codes, uniq = pd.factorize(flat, sort=False)
    codes = codes.astype(np.int64)
    uniq = list(uniq)
    get = vocab.get
    uni_col = np.fromiter((get(u, -1) for u in uniq), dtype=np.int64, count=len(uniq))
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lens)
    rows, cols = [], []
    c = uni_col[codes]
    hit = c >= 0
    rows.append(doc_of[hit])
    cols.append(c[hit])
    # bigrams: adjacent tokens of the same document
    ends = np.repeat(np.cumsum(lens), lens)
    first = np.flatnonzero(np.arange(len(codes)) + 1 < ends)
    if len(first):
        n_uniq = np.int64(len(uniq))
        key = codes[first] * n_uniq + codes[first + 1]
        ukeys, inv = np.unique(key, return_inverse=True)
        big_col = np.fromiter(
            (get(f"{uniq[k // n_uniq]} {uniq[k % n_uniq]}", -1) for k in ukeys.tolist()),
            dtype=np.int64,
            count=len(ukeys),
        )
        c = big_col[inv.ravel()]
        hit = c >= 0
        rows.append(doc_of[first[hit]])
        cols.append(c[hit])
    return _csr(rows, cols, (n_docs, n_features))


def _csr(rows: list[np.ndarray], cols: list[np.ndarray], shape: tuple[int, int]) -> sp.csr_matrix:
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    X = sp.csr_matrix((np.ones(len(r), dtype=np.int64), (r, c)), shape=shape)
    X.sum_duplicates()
    X.sort_indices()
    return X


# ---------------------------------------------------------------------------
# Parallel featurisation of distinct texts
# ---------------------------------------------------------------------------
_worker_model = None


def _featurize_slice(texts: list) -> tuple[list[str], sp.csr_matrix]:
    feats = _worker_model.features(texts)
    return feats.prepared, feats.X


def default_workers() -> int:
    """Worker processes for featurisation: DIAGNOSE_WORKERS, else the usable CPUs."""
    env = os.environ.get("DIAGNOSE_WORKERS", "").strip()
    if env.isdigit():
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def featurize(
    model,
    texts: Sequence[object],
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    task_size: int = TASK_SIZE,
) -> tuple[list[str], sp.csr_matrix]:
    """(prepared texts, feature matrix) of `texts`, in order; same as `model.features`.

    With more than one worker and at least PARALLEL_MIN texts, slices of
    `task_size` texts go to forked worker processes; otherwise everything
    runs here. Either way the result is identical.
    """
    texts = list(texts)
    n = len(texts)
    workers = default_workers() if workers is None else max(1, workers)
    slices = [texts[i : i + task_size] for i in range(0, n, task_size)]
    prepared: list[str] = []
    blocks: list[sp.csr_matrix] = []
    if workers > 1 and n >= PARALLEL_MIN and _can_fork():
        import concurrent.futures as cf
        import multiprocessing as mp

        global _worker_model
        _worker_model = model
        textmod.tokenizer()  # load the dictionary once, before forking
        done = 0
        with cf.ProcessPoolExecutor(max_workers=min(workers, len(slices)), mp_context=mp.get_context("fork")) as ex:
            for part, (prep, X) in zip(slices, ex.map(_featurize_slice, slices)):
                prepared.extend(prep)
                blocks.append(X)
                done += len(part)
                if progress:
                    progress(done, n)
        _worker_model = None
    else:
        done = 0
        for part in slices:
            feats = model.features(part)
            prepared.extend(feats.prepared)
            blocks.append(feats.X)
            done += len(part)
            if progress:
                progress(done, n)
    if not blocks:
        return prepared, sp.csr_matrix((0, len(model.feature_names)))
    return prepared, sp.vstack(blocks, format="csr")


def _can_fork() -> bool:
    import multiprocessing as mp

    return sys.platform != "win32" and "fork" in mp.get_all_start_methods()
