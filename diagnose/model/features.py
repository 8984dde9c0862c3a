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
  distinct most of their blocks are not: this skips most of jieba's work.
  Blocks of Chinese characters are segmented by rjieba (the same algorithm
  and dictionary in Rust); blocks with letters or digits by Python jieba,
  whose way of splitting 3.5mm or type-c rjieba does not share.
* **Preparing by table.** `prepare_many` folds plain texts (NFKC, case,
  traditional → simplified) with one code point table lookup for all texts
  and runs `text.prepare`'s regex steps only on texts that need them.
* **Counting n-grams with NumPy.** All texts become one array of places in
  the vocabulary's alphabet, texts separated by a 0; character 1–3-grams are
  looked up by table (`CharIndex`), for all texts at once. Word unigrams and
  bigrams are looked up once per distinct token / token pair. The result is
  the same canonical CSR count matrix that scikit-learn's `CountVectorizer`
  builds with the model's analyzers.
* **Spreading distinct texts over processes.** `featurize_blocks` splits a
  large batch into slices that worker processes featurise. They are forked
  once per batch, after the model, both jieba dictionaries and the folding
  tables are loaded, so nothing is loaded twice and each worker's cache of
  segmented blocks stays warm; forking a fresh pool per block cost more
  than the second core gave. The slices are stacked back in order, so the
  matrix is identical to a one-process run.
"""
from __future__ import annotations

import contextlib
import gc
import os
import re
import sys
from typing import Callable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from diagnose.io.arrowpool import trim_c_heap
from diagnose.model import text as textmod

# Texts per worker task; below PARALLEL_MIN distinct texts one process is faster.
TASK_SIZE = 25_000
PARALLEL_MIN = 40_000
_BLOCK_CACHE_MAX = 2_000_000  # distinct pieces kept per process before the cache is reset
_MAX_CHAR_N = 3  # CharIndex handles character n-grams up to trigrams
_UNICODE_SIZE = 0x110000
_MAX_DENSE_TABLE = 1 << 23  # keys per dense lookup table (32 MB of int32) before sorted search


# ---------------------------------------------------------------------------
# Tokenising
# ---------------------------------------------------------------------------
# Per process: token ids of each distinct piece of text seen, and the token strings.
_piece_cache: dict[str, np.ndarray] = {}
_token_id: dict[str, int] = {}
_token_pool: list[str] = []
_TEXT_END = "\0"  # joins texts in `tokenize_ids`
_END_ID = -1  # its id among a piece's tokens


def _re_han():
    import jieba

    return jieba.re_han_default


_rust_tokenizer = None
_ALL_HAN = re.compile("[\u4e00-\u9fd5]+").fullmatch
_HAN_CLASS = re.compile("[\u4e00-\u9fd5a-zA-Z0-9+#&._%-]").search  # jieba.re_han_default's characters


def rust_tokenizer():
    """rjieba (jieba's algorithm in Rust) with the same domain dictionary.

    Segments a block several times faster than Python jieba and, with the
    same dictionary, gives the same words (`tests/test_perf_equivalence.py`
    compares them; docs/PERFORMANCE.md records the corpus-wide check).
    Python jieba stays the reference (`text.tokenize`).
    """
    global _rust_tokenizer
    if _rust_tokenizer is None:
        import rjieba

        tk = rjieba.Jieba()
        if textmod.USER_DICT.exists():
            for line in textmod.USER_DICT.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if not parts:
                    continue
                freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                tk.add_word(parts[0], freq, parts[2] if len(parts) > 2 else None)
        _rust_tokenizer = tk
    return _rust_tokenizer


def tokenize_many(prepared: Sequence[str]) -> list[list[str]]:
    """`[text.tokenize(p) for p in prepared]`, segmenting each distinct block once."""
    ids, lens = tokenize_ids(prepared)
    words = [_token_pool[i] for i in ids.tolist()]
    ends = np.cumsum(lens).tolist()
    return [words[a:b] for a, b in zip([0] + ends[:-1], ends)]


def tokenize_ids(prepared: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The tokens of `[text.tokenize(p) for p in prepared]` as ids into `token_pool()`:
    all texts' ids in one flat array, and how many belong to each text.

    The texts are joined with NUL and split into jieba's blocks by one regex
    call; each distinct block (or text between blocks) is segmented once
    (`_piece_ids`, cached across calls) and the flat id array is assembled
    from the distinct pieces' ids with NumPy. NUL is never a token and never
    part of a block, so each one marks where a text ends. A text holding NUL
    itself is the one case this cannot tell apart: then text by text.
    """
    import pandas as pd

    global _piece_cache, _token_id, _token_pool
    n = len(prepared)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if len(_piece_cache) > _BLOCK_CACHE_MAX:
        _piece_cache, _token_id, _token_pool = {}, {}, []
    joined = _TEXT_END.join(prepared)
    if joined.count(_TEXT_END) != n - 1:
        return _ids_text_by_text(prepared)
    codes, uniq = pd.factorize(np.array(_re_han().split(joined), dtype=object), sort=False)
    per_piece = [_piece_ids(p) for p in uniq.tolist()]
    sizes = np.fromiter(map(len, per_piece), dtype=np.int64, count=len(per_piece))
    pool = np.concatenate(per_piece) if per_piece else np.zeros(0, dtype=np.int64)
    counts = sizes[codes]
    starts = (np.cumsum(sizes) - sizes)[codes]
    flat = pool[np.repeat(starts, counts) + _ramp(counts)]
    end = flat == _END_ID
    bounds = np.flatnonzero(end)
    lens = np.diff(np.concatenate([[-1], bounds, [len(flat)]])) - 1
    return flat[~end], lens


def token_pool() -> list[str]:
    """The token strings `tokenize_ids`' ids refer to (this process's, since its last reset)."""
    return _token_pool


def _piece_ids(piece: str) -> np.ndarray:
    """Token ids of one piece of `re_han_default.split` (a block, or text between blocks);
    `_END_ID` for each NUL."""
    ids = _piece_cache.get(piece)
    if ids is None:
        if _HAN_CLASS(piece):  # a block: pieces between blocks hold none of its characters
            words = _block_words(piece)
        else:
            # between blocks jieba yields each character (and runs of white
            # space, never tokens) on its own
            words = [c for c in piece if c == _TEXT_END or textmod.keep_token(c)]
        ids = np.array([_END_ID if w == _TEXT_END else _intern(w) for w in words], dtype=np.int64)
        _piece_cache[piece] = ids
    return ids


def _block_words(blk: str) -> list[str]:
    """jieba's tokens of one block (a run of re_han_default's characters)."""
    # rjieba joins letters, digits and '-' / '.' runs its own way (type-c,
    # 3.5mm): such blocks go to Python jieba, the reference.
    if _ALL_HAN(blk):
        return [w for w in rust_tokenizer().cut(blk) if textmod.keep_token(w)]
    return [w for w in textmod.tokenizer().lcut(blk) if textmod.keep_token(w)]


def _intern(word: str) -> int:
    i = _token_id.get(word)
    if i is None:
        i = _token_id[word] = len(_token_pool)
        _token_pool.append(word)
    return i


def _ids_text_by_text(prepared: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """`tokenize_ids` one text at a time (for texts that contain NUL, which is no token)."""
    split = _re_han().split
    per_text = []
    for p in prepared:
        ids = np.concatenate([_piece_ids(b) for b in split(p)]) if p else np.zeros(0, dtype=np.int64)
        per_text.append(ids[ids != _END_ID])
    lens = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
    return np.concatenate(per_text), lens


def _ramp(sizes: np.ndarray) -> np.ndarray:
    """0..s-1 for each s in `sizes`, concatenated."""
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)


# ---------------------------------------------------------------------------
# Preparing (normalise + focus) many texts
# ---------------------------------------------------------------------------
# Code point ranges where buyers' text lives: ASCII and Latin-1, general and
# CJK punctuation, CJK ideographs, full-width forms. A text made only of
# "plain" characters from these (see `_Tables`) can be normalised one
# character at a time by table lookup; anything else takes the exact slow path.
_PLAIN_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0x3400, 0x4DBF),
                 (0x4E00, 0x9FFF), (0xFF01, 0xFFEF))


class _Tables:
    """Per-code-point tables for `prepare_many` (built once per process).

    A character is *plain* when NFKC turns it into exactly one character that
    neither it nor its image combines with neighbours (canonical class 0, so
    NFKC of a plain string is the concatenation of its characters' NFKC),
    and lower-casing that gives one character too. `mapped` is then what
    `text.normalise` does to it: NFKC, lower case, traditional → simplified.
    The flags say which mapped characters can start the later steps: links
    (':' 'w'), order numbers (digits), emoji and whitespace, and a contrast
    clause for `text.focus` (one-character contrast words; the first two
    characters of the longer ones are checked as pairs in `prepare_many`).
    """

    def __init__(self) -> None:
        import re
        import unicodedata

        self.plain = np.zeros(0x110000, dtype=bool)
        self.mapped = np.arange(0x110000, dtype=np.uint32)
        self.finish = np.zeros(0x110000, dtype=bool)
        self.digit = np.zeros(0x110000, dtype=bool)
        self.contrast = np.zeros(0x110000, dtype=bool)
        t2s = textmod._t2s_table()
        space_or_emoji = re.compile(r"\s|" + textmod._EMOJI_RE.pattern)
        # A contrast word (但, 就是 …) can only be where its character (one-
        # character words) or its first two characters (longer ones) are.
        words = textmod._CONTRAST_RE.pattern.strip("()").split("|")
        self.contrast[[ord(w) for w in words if len(w) == 1]] = True
        self.pair_first = np.zeros(0x110000, dtype=bool)
        self.pair_first[[ord(w[0]) for w in words if len(w) >= 2]] = True
        self.pairs = np.array(sorted({ord(w[0]) << 21 | ord(w[1]) for w in words if len(w) >= 2}), dtype=np.int64)
        for lo, hi in _PLAIN_RANGES:
            for cp in range(lo, hi + 1):
                c = chr(cp)
                n = unicodedata.normalize("NFKC", c)
                if len(n) != 1 or unicodedata.combining(c) or unicodedata.combining(n) or len(n.lower()) != 1:
                    continue
                m = t2s.get(ord(n.lower()), n.lower())
                self.plain[cp] = True
                self.mapped[cp] = ord(m)
                self.digit[cp] = bool(re.match(r"\d", m))
                self.finish[cp] = m in ":w" or bool(space_or_emoji.match(m))


_TABLES: _Tables | None = None


def folding_tables() -> _Tables:
    """This process's `_Tables`, built on first use."""
    global _TABLES
    if _TABLES is None:
        _TABLES = _Tables()
    return _TABLES


def prepare_many(raw: Sequence[object]) -> list[str]:
    """`[text.prepare(t) for t in raw]`, by table lookup where that is exact.

    Most buyer texts are plain Chinese with punctuation: for those the
    character folding is one NumPy lookup over all texts at once, and only
    texts that hold a link, a long number, whitespace or a contrast word
    run the remaining regex steps. Texts with any other character take
    `text.prepare` itself.
    """
    tb = folding_tables()
    strs = [t if type(t) is str and t not in ("nan", "<NA>", "None") else None for t in raw]
    texts = [s if s is not None else "" for s in strs]
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    cp = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ends = np.cumsum(lens)
    starts = ends - lens

    mapped = tb.mapped[cp]
    # Four per-text counts from two sums: 32-bit fields in one int64 each.
    low = (~tb.plain[cp]).astype(np.int64) | (tb.finish[mapped].astype(np.int64) << 32)
    contrast_at = tb.contrast[mapped]
    pair_at = np.flatnonzero(tb.pair_first[mapped[:-1]])
    if len(pair_at):  # (a pair across two texts only costs one needless focus call)
        pair = (mapped[pair_at].astype(np.int64) << 21) | mapped[pair_at + 1]
        contrast_at[pair_at[np.isin(pair, tb.pairs)]] = True
    high = tb.digit[mapped].astype(np.int64) | (contrast_at.astype(np.int64) << 32)
    counts_low, counts_high = _sum_per_text(low, starts, lens), _sum_per_text(high, starts, lens)
    field = np.int64(0xFFFFFFFF)
    ok = (counts_low & field) == 0
    finish = ((counts_low >> 32) > 0) | ((counts_high & field) >= 9)
    contrast = (counts_high >> 32) > 0
    folded = mapped.astype("<u4").tobytes().decode("utf-32-le")
    out = [folded[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
    # Only the texts that need more than the table go through Python again.
    special = ~ok | finish | contrast
    special[[i for i, s in enumerate(strs) if s is None]] = True
    for i, good, fin, con in zip(*(a.tolist() for a in (np.flatnonzero(special), ok[special], finish[special],
                                                          contrast[special]))):
        if strs[i] is None or not good:
            out[i] = textmod.prepare(raw[i])
            continue
        m = textmod.finish_normalise(out[i]) if fin else out[i]
        out[i] = textmod.focus(m) if con else m
    return out


def _sum_per_text(values: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Sum of `values` over each text's span (0 for empty texts)."""
    out = np.zeros(len(lens), dtype=np.int64)
    full = lens > 0
    if full.any():
        out[full] = np.add.reduceat(values, starts[full])
    return out


# ---------------------------------------------------------------------------
# Count matrices
# ---------------------------------------------------------------------------
class _KeyTable:
    """Integer key → int32 value (-1 for an absent key), for keys in [0, span).

    A dense array when `span` is small enough (one indexing operation per
    lookup), else a hash index (pandas'; several times faster than
    `searchsorted` on sorted keys for millions of lookups). Same answers.
    """

    def __init__(self, keys: np.ndarray, values: np.ndarray, span: int):
        keys = np.asarray(keys, dtype=np.int64)
        values = np.asarray(values, dtype=np.int32)
        self.dense = span <= _MAX_DENSE_TABLE
        if self.dense:
            self._table = np.full(span, -1, dtype=np.int32)
            self._table[keys] = values
        else:
            import pandas as pd

            self._index = pd.Index(keys)
            self._values = np.append(values, np.int32(-1))  # position -1: absent

    def __getitem__(self, keys: np.ndarray) -> np.ndarray:
        if self.dense:
            return self._table[keys]
        return self._values[self._index.get_indexer(keys)]


class CharIndex:
    """The model's character n-gram vocabulary as lookup tables over a small alphabet.

    Only characters that occur in some vocabulary term can be part of a
    counted n-gram, so each code point is first mapped to its place in that
    alphabet (0 for any other character, and for the gap left between two
    texts, so no n-gram spans two texts). Then a unigram is one table
    lookup by place, a bigram one lookup by (place, place), and a trigram one
    lookup by (its first two characters' number among the trigram prefixes,
    its third character's place): a few whole-array operations for all
    texts, none per text. Terms the analyzer never emits (function words,
    `text.is_function_chars`) are left out of the tables, so they are never
    counted, exactly as `CountVectorizer` with `make_char_features` does.
    """

    def __init__(self, char_vocab: Sequence[str], n_max: int):
        self.n_max = n_max
        self.n_features = len(char_vocab)
        terms = [str(t) for t in char_vocab]
        self.supported = 1 <= n_max <= _MAX_CHAR_N and all(1 <= len(t) <= n_max for t in terms)
        if not self.supported:
            return
        counted = [(i, t) for i, t in enumerate(terms) if not textmod.is_function_chars(t)]
        alphabet = sorted({c for _, t in counted for c in t})
        self._size = size = len(alphabet) + 1
        if "\0" in alphabet:  # NUL separates texts in `counts`: it must have no place
            self.supported = False
            return
        self._place = np.zeros(_UNICODE_SIZE, dtype=np.int32)
        self._place[[ord(c) for c in alphabet]] = np.arange(1, size, dtype=np.int32)
        place = {c: k for k, c in enumerate(alphabet, start=1)}
        by_len: dict[int, list[tuple[int, list[int]]]] = {1: [], 2: [], 3: []}
        for i, t in counted:
            by_len[len(t)].append((i, [place[c] for c in t]))
        self._uni = np.full(size, -1, dtype=np.int32)
        for i, p in by_len[1]:
            self._uni[p[0]] = i
        bi = [(p[0] * size + p[1], i) for i, p in by_len[2]]
        self._bi = _KeyTable([k for k, _ in bi], [i for _, i in bi], size * size)
        # Each distinct first two characters of a trigram gets a number.
        prefixes = sorted({p[0] * size + p[1] for _, p in by_len[3]})
        number = {k: j for j, k in enumerate(prefixes)}
        self._prefix = _KeyTable(prefixes, np.arange(len(prefixes)), size * size)
        tri = [(number[p[0] * size + p[1]] * size + p[2], i) for i, p in by_len[3]]
        self._tri = _KeyTable([k for k, _ in tri], [i for _, i in tri], max(1, len(prefixes)) * size)

    def counts(self, prepared: Sequence[str]) -> sp.csr_matrix:
        """Character n-gram counts, as `CountVectorizer(analyzer=make_char_features(n_max))`."""
        docs = [p.replace(" ", "") for p in prepared]  # the analyzer removes spaces first
        n_docs = len(docs)
        lens = np.fromiter(map(len, docs), dtype=np.int64, count=n_docs)
        # One flat sequence of alphabet places, each text followed by a NUL,
        # whose place is 0 (the constructor makes sure), as is any character
        # outside the alphabet: no counted n-gram spans two texts.
        joined = "\0".join(docs) + "\0" if n_docs else ""
        seq = self._place[np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)]
        # cols[p, n - 1]: column of the n-gram starting at position p, or -1.
        cols = np.full((len(seq), self.n_max), -1, dtype=np.int32)
        cols[:, 0] = self._uni[seq]
        if self.n_max >= 2 and len(seq) >= 2:
            pair = seq[:-1].astype(np.int64) * self._size + seq[1:]
            cols[:-1, 1] = self._bi[pair]
            if self.n_max >= 3 and len(seq) >= 3:
                pre = self._prefix[pair[:-1]]
                at = np.flatnonzero((pre >= 0) & (seq[2:] > 0))
                cols[at, 2] = self._tri[pre[at].astype(np.int64) * self._size + seq[2:][at]]
        found = cols >= 0
        # Entries in position order are grouped by text; text i's positions end at ends[i].
        per_position = np.cumsum(found.sum(axis=1, dtype=np.int64))
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        if n_docs:
            indptr[1:] = per_position[np.cumsum(lens + 1) - 1]
        return _canonical(cols[found], indptr, (n_docs, self.n_features))


def word_counts(ids: np.ndarray, lens: np.ndarray, vocab: dict[str, int], n_features: int) -> sp.csr_matrix:
    """Word unigram + adjacent bigram counts, as `CountVectorizer(analyzer=word_features)`,
    of texts given as `tokenize_ids` gives them (flat token ids, tokens per text)."""
    import pandas as pd

    n_docs = len(lens)
    if not len(ids):
        return sp.csr_matrix((n_docs, n_features), dtype=np.int64)
    pool = _token_pool
    get = vocab.get
    present = np.flatnonzero(np.bincount(ids, minlength=len(pool)))
    uni_col = np.full(len(pool), -1, dtype=np.int64)
    uni_col[present] = np.fromiter((get(pool[i], -1) for i in present.tolist()), dtype=np.int64,
                                   count=len(present))
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lens)
    rows, cols = [], []
    c = uni_col[ids]
    hit = c >= 0
    rows.append(doc_of[hit])
    cols.append(c[hit])
    # bigrams: adjacent tokens of the same document
    ends = np.repeat(np.cumsum(lens), lens)
    first = np.flatnonzero(np.arange(len(ids)) + 1 < ends)
    if len(first):
        n_pool = np.int64(len(pool))
        key = ids[first] * n_pool + ids[first + 1]
        # distinct pairs by hashing (a sort of millions of keys cost seconds)
        inv, ukeys = pd.factorize(key, sort=False)
        big_col = np.fromiter(
            (get(f"{pool[k // n_pool]} {pool[k % n_pool]}", -1) for k in ukeys.tolist()),
            dtype=np.int64,
            count=len(ukeys),
        )
        c = big_col[inv]
        hit = c >= 0
        rows.append(doc_of[first[hit]])
        cols.append(c[hit])
    return _csr(rows, cols, (n_docs, n_features))


def _canonical(cols: np.ndarray, indptr: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """The canonical CSR count matrix (sorted columns, duplicates summed) of
    entries already grouped by row: `cols[indptr[i]:indptr[i + 1]]` are row i's."""
    if indptr[-1] < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
        cols = cols.astype(np.int32, copy=False)
    else:
        cols = cols.astype(np.int64)
    X = sp.csr_matrix((np.ones(len(cols), dtype=np.int64), cols, indptr), shape=shape)
    X.sum_duplicates()
    return X


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
_worker_then = None
_worker_send = True

# What a worker may compute from a slice's features besides them: a
# module-level function (model, prepared, X) -> anything picklable.
ThenFn = Callable[[object, list, sp.csr_matrix], object]


def _featurize_slice(texts: list) -> tuple[list[str], sp.csr_matrix | None, object]:
    return _slice_result(_worker_model, _worker_then, texts, _worker_send)


def _slice_result(model, then: ThenFn | None, texts: list, send_matrix: bool = True
                  ) -> tuple[list[str], sp.csr_matrix | None, object]:
    with paused_gc():
        prepared, X = model.prepared_and_matrix(texts)
        out = prepared, (X if send_matrix else None), (None if then is None else then(model, prepared, X))
    # A slice's scratch (counts, n-gram tables, the matrix itself) is freed by
    # now; hand it back so a worker's footprint stays at its caches.
    trim_c_heap()
    return out


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cycle collector off for the duration, as it was before after.

    Tagging builds hundreds of thousands of small lists (evidence words per
    text and per row) and keeps them: each full collection walks all of them
    again, which was 2.2 s of 11.8 s while tagging 1M rows. Those lists form
    no cycles, so nothing waits longer to be freed; whatever cycles arise in
    between are collected once the collector runs again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
    """(prepared texts, feature matrix) of `texts`, in order; same as `model.features`."""
    texts = list(texts)
    prepared: list[str] = []
    blocks: list[sp.csr_matrix] = []
    for _start, _stop, prep, X, _then in featurize_blocks(model, texts, max(1, len(texts)), workers=workers,
                                                   progress=progress, task_size=task_size):
        prepared.extend(prep)
        blocks.append(X)
    if not blocks:
        return prepared, sp.csr_matrix((0, len(model.feature_names)))
    return prepared, blocks[0]


def featurize_blocks(
    model,
    texts: Sequence[object],
    block_texts: int,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    task_size: int = TASK_SIZE,
    then: ThenFn | None = None,
    send_matrix: bool = True,
) -> Iterator[tuple[int, int, list[str], sp.csr_matrix | None, list]]:
    """(start, stop, prepared texts, feature matrix, results of `then`) of each
    run of `block_texts` texts, in order; each block's features the same as
    `model.features` of its texts.

    `then(model, prepared, X)` runs on each slice where its features are
    made, so per-text work that needs only the text's own row (scores,
    explanations) shares the workers instead of waiting for the caller; the
    block carries one result per slice, in order.

    With more than one worker and at least PARALLEL_MIN texts, slices of
    `task_size` texts go to worker processes forked once for the whole
    batch: each keeps its segmentation cache warm from slice to slice, and
    while the caller works on one block the workers already featurise the
    next (at most about one block ahead, which bounds the memory in flight).
    Otherwise everything runs here. Either way the result is identical.

    ``send_matrix=False``: the blocks carry no matrix (None), only what
    `then` returns. Most of a batch's memory in flight and of what the
    workers pickle back is the matrix; a caller whose `then` keeps the few
    rows it will need saves both.
    """
    n = len(texts)
    block_texts, task_size = max(1, block_texts), max(1, task_size)
    bounds = [(a, min(a + block_texts, n)) for a in range(0, n, block_texts)]
    # Slices never cross a block boundary, so a block is whole slices.
    slices = [(at, min(at + task_size, stop)) for start, stop in bounds for at in range(start, stop, task_size)]
    workers = default_workers() if workers is None else max(1, workers)
    if workers > 1 and n >= PARALLEL_MIN and len(slices) > 1 and _can_fork():
        parts = _forked_parts(model, then, texts, slices, workers, ahead=-(-block_texts // task_size) + workers,
                              send_matrix=send_matrix)
    else:
        parts = (_slice_result(model, then, list(texts[a:b]), send_matrix) for a, b in slices)
    done = 0
    for a, b in bounds:
        prepared: list[str] = []
        mats: list[sp.csr_matrix] = []
        thens: list = []
        while done < b:
            prep, X, extra = next(parts)
            prepared.extend(prep)
            mats.append(X)
            thens.append(extra)
            done += len(prep)
            if progress:
                progress(done, n)
        matrix = None if not send_matrix else (mats[0] if len(mats) == 1 else sp.vstack(mats, format="csr"))
        yield a, b, prepared, matrix, thens


def _forked_parts(model, then: ThenFn | None, texts: Sequence[object], slices: list[tuple[int, int]],
                  workers: int, ahead: int, send_matrix: bool = True
                  ) -> Iterator[tuple[list[str], sp.csr_matrix | None, object]]:
    """Each slice's (prepared, matrix, result of `then`), in order, from one pool of
    forked workers that is given at most `ahead` slices beyond the one being waited for."""
    import collections
    import concurrent.futures as cf
    import multiprocessing as mp

    global _worker_model, _worker_then, _worker_send
    _worker_model, _worker_then, _worker_send = model, then, send_matrix
    # Everything a worker would otherwise build for itself, built once before forking.
    rust_tokenizer()
    textmod.tokenizer()
    folding_tables()
    pool = cf.ProcessPoolExecutor(max_workers=min(workers, len(slices)), mp_context=mp.get_context("fork"))
    try:
        queue: collections.deque = collections.deque()
        todo = iter(slices)
        for a, b in todo:
            queue.append(pool.submit(_featurize_slice, list(texts[a:b])))
            if len(queue) > ahead:
                break
        while queue:
            part = queue.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                queue.append(pool.submit(_featurize_slice, list(texts[nxt[0]:nxt[1]])))
            yield part
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _worker_model = _worker_then = None
        _worker_send = True


def _can_fork() -> bool:
    import multiprocessing as mp

    return sys.platform != "win32" and "fork" in mp.get_all_start_methods()
