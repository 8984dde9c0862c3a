"""Distinctive phrases: the words each SKU's buyers use markedly more than the rest.

Definitions are in the package docstring (`diagnose.analysis.report`).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from diagnose.analysis.report.clauses import joined, text_clauses
from diagnose.model.text import normalise, tokenize

PHRASE_MIN_DOCS = 3
PHRASE_MIN_SKU_SHARE = 0.10
PHRASE_MIN_LIFT = 2.0
PHRASE_SHARE_FLOOR = 0.01
PHRASES_PER_SKU = 5
_STOPWORDS = frozenset("""
的 了 是 我 你 他 她 它 我们 你们 他们 就 都 也 还 又 在 有 和 与 跟 及 或 吧 吗 呢 啊 呀 哦 嗯
啦 哈 嘛 么 个 这 那 这个 那个 这样 那样 就是 而且 但是 但 可是 然后 所以 因为 一个 一下 一点
什么 怎么 真的 感觉 觉得 非常 比较 特别 有点 有些 东西 商品 宝贝 产品 卖家 商家 店家 买家 退货 退款
申请 收到 已经 现在 之后 以后 时候 还是 而 被 把 给 让 到 从 对 说 要 会 能 可以 去 来 上 下 里
着 过 得 地 之 其 该 等 啊啊 哈哈 呵呵 亲 谢谢 麻烦 请 一 两 很 太 挺 蛮 超 好 不 没
the a an and or to of is it was i my me this that for in on with be are
""".split())
_NUMBER_RE = re.compile(r"^[\d.,%٪]+$")
_WORD_RE = re.compile(r"\w", re.UNICODE)
_ASCII_RE = re.compile(r"^[a-z0-9]+$")


# Clause boundaries: punctuation, and spaces next to a Chinese character
# (Chinese buyers separate clauses with spaces; English words keep theirs).
_CLAUSE_RE = re.compile(
    r"[，,。.！!？?；;、~～…:：()（）【】\[\]\"“”'‘’/|]+"
    r"|(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])"
)
# One-character words that may open a bigram (不一样, 没效果).
_NEGATIONS = frozenset({"不", "没"})


def _is_content(tok: str) -> bool:
    return bool(tok) and tok not in _STOPWORDS and not _NUMBER_RE.match(tok) \
        and bool(_WORD_RE.search(tok)) and not (len(tok) == 1 and tok.isascii())


def _clause_tokens(clause: str) -> list[str]:
    """The words of one clause (lower case, blanks dropped)."""
    stripped = clause.strip()
    toks = [t.strip().lower() for t in tokenize(stripped)] if stripped else []
    return [t for t in toks if t]


def _clause_tokens_many(clauses: list[str]) -> list[list[str]]:
    """`[_clause_tokens(c) for c in clauses]`, segmented by `features.tokenize_many`
    (rjieba, equal to `text.tokenize` word for word: tests/test_perf_equivalence.py)."""
    from diagnose.model.features import tokenize_many

    stripped = [c.strip() for c in clauses]
    return [[t for t in (w.strip().lower() for w in words) if t] for words in tokenize_many(stripped)]


def _tokens(text: str) -> list[list[str]]:
    """The words of one buyer text, clause by clause (punctuation dropped)."""
    clauses = []
    for clause in _CLAUSE_RE.split(normalise(text)):
        toks = _clause_tokens(clause)
        if toks:
            clauses.append(toks)
    return clauses


def _clause_grams(toks: list[str]) -> list[str]:
    """The phrase features one clause's words give (see `_phrase_features`)."""
    kept = [t for t in toks if _is_content(t) or t in _NEGATIONS]
    # A single character (穿, 退) says nothing to a merchant on its own; it still forms phrases (面料薄).
    grams = [t for t in kept if t not in _NEGATIONS and len(t) > 1]
    for a, b in zip(kept, kept[1:]):
        if b in _NEGATIONS:
            continue
        sep = " " if _ASCII_RE.match(a[-1]) and _ASCII_RE.match(b[0]) else ""
        grams.append(a + sep + b)
    return grams


def _phrase_features(text: str) -> list[str]:
    """Content words of two or more characters (no stopwords, punctuation or
    numbers) and the two-word phrases neighbouring content words form inside
    one clause ("面料很薄" → 面料, 面料薄). 不/没 may open a phrase (不一样)
    but are not words. A text's features are its clauses' features, one
    clause after another: `_text_phrase_matrix` relies on that."""
    grams: list[str] = []
    for toks in _tokens(text):
        grams += _clause_grams(toks)
    return grams


def _text_phrase_matrix(texts):
    """(text × phrase binary CSR matrix, phrases sorted) of distinct texts, or None without any phrase.

    The same matrix scikit-learn's CountVectorizer(analyzer=_phrase_features,
    binary=True) builds, with jieba run once per distinct clause instead of
    once per clause of every text: a text's phrases are the union of its
    clauses' (`_phrase_features`), so text × clause counts times a
    clause × phrase indicator, clipped to 1, is the answer.
    """
    from scipy import sparse

    big, text_lens = joined(texts)
    distinct, clause_codes, owner = text_clauses(big, text_lens, _CLAUSE_RE)
    gram_lists = [_clause_grams(toks) for toks in _clause_tokens_many(distinct)]
    vocab = sorted({g for grams in gram_lists for g in grams})
    if not vocab:
        return None
    index = {g: i for i, g in enumerate(vocab)}
    cols = [sorted({index[g] for g in grams}) for grams in gram_lists]
    lens = np.fromiter((len(c) for c in cols), dtype=np.int64, count=len(cols))
    G = sparse.csr_matrix((np.ones(int(lens.sum())), np.fromiter((j for c in cols for j in c), dtype=np.int64,
                                                               count=int(lens.sum())),
                           np.concatenate(([0], np.cumsum(lens)))), shape=(len(distinct), len(vocab)))
    T = sparse.csr_matrix((np.ones(len(owner)), (owner, clause_codes)), shape=(len(text_lens), len(distinct)))
    X = (T @ G).tocsr()
    X.data[:] = 1
    return X, np.array(vocab, dtype=object)


def _candidates(counts, in_all: np.ndarray, docs_per_sku: np.ndarray, n_docs: int,
                eligible: np.ndarray) -> pd.DataFrame:
    """Every (SKU, phrase) that passes the count, share and lift bars, as flat columns.

    Element for element the arithmetic the per-SKU loop did (same operations
    on the same numbers, so the same floats).
    """
    coo = counts.tocoo()
    row, col = coo.row.astype(np.int64), coo.col.astype(np.int64)
    sku_count = coo.data.astype(int)
    n_sku = docs_per_sku[row]
    n_rest = n_docs - n_sku
    need = np.maximum(PHRASE_MIN_DOCS, np.ceil(PHRASE_MIN_SKU_SHARE * n_sku))
    keep = eligible[row] & (sku_count >= need)
    row, col, sku_count, n_sku, n_rest = row[keep], col[keep], sku_count[keep], n_sku[keep], n_rest[keep]
    sku_share = sku_count / n_sku
    rest_share = (in_all[col] - sku_count) / n_rest
    floor = np.maximum(PHRASE_SHARE_FLOOR, 0.5 / n_rest)
    lift = sku_share / np.maximum(rest_share, floor)
    ok = lift >= PHRASE_MIN_LIFT
    return pd.DataFrame({"row": row[ok], "col": col[ok], "sku_count": sku_count[ok], "n_sku": n_sku[ok],
                         "sku_share": sku_share[ok], "rest_share": rest_share[ok], "lift": lift[ok]})


def _pick(phrases: list[str]) -> list[int]:
    """Positions of the first `PHRASES_PER_SKU` phrases (best first) that neither contain nor
    are contained in one already picked."""
    picked: list[int] = []
    for i, p in enumerate(phrases):
        if any(p in phrases[j] or phrases[j] in p for j in picked):
            continue
        picked.append(i)
        if len(picked) == PHRASES_PER_SKU:
            break
    return picked


def _phrases(w: pd.DataFrame, min_returns: int) -> pd.DataFrame:
    """The phrase table (definitions in the package docstring); SKUs in order of returns, most first.

    Same table as `benchmarks.naive_report.phrases_reference` (the per-text
    CountVectorizer and per-SKU loop it replaced), computed once per
    distinct text and clause and with the bars applied to all SKUs at once.
    """
    cols = ["sku", "phrase", "sku_count", "sku_docs", "sku_share", "rest_share", "lift"]
    docs = w.loc[w["buyer_text"] != "", ["sku", "buyer_text"]].reset_index(drop=True)
    returns = w.groupby("sku").size()
    if docs.empty or docs["sku"].nunique() < 2:
        return pd.DataFrame(columns=cols)
    from scipy import sparse

    text_codes, texts = pd.factorize(docs["buyer_text"], sort=False)
    built = _text_phrase_matrix(pd.Index(texts).array)
    if built is None:  # empty vocabulary: nothing but stopwords and numbers
        return pd.DataFrame(columns=cols)
    X, vocab = built
    codes, skus = pd.factorize(docs["sku"])
    n_docs = len(docs)
    # SKU × distinct text: how many of the SKU's texts are that text
    M = sparse.csr_matrix((np.ones(n_docs), (codes, text_codes)), shape=(len(skus), len(texts)))
    counts = (M @ X).tocsr()                        # SKU × phrase: texts containing it
    in_all = np.asarray(X.T @ np.bincount(text_codes, minlength=len(texts))).ravel().astype(np.int64)
    docs_per_sku = np.bincount(codes, minlength=len(skus))

    order = returns.reindex(skus).fillna(0).sort_values(ascending=False, kind="stable")
    rank = np.full(len(skus), -1, dtype=np.int64)
    rank[skus.get_indexer(order.index)] = np.arange(len(order))
    ret = returns.reindex(skus).fillna(0).to_numpy()
    eligible = (ret >= min_returns) & (docs_per_sku >= PHRASE_MIN_DOCS) & (n_docs - docs_per_sku > 0)
    cand = _candidates(counts, in_all, docs_per_sku, n_docs, eligible)
    if cand.empty:
        return pd.DataFrame(columns=cols)
    phrase = vocab[cand["col"].to_numpy()]
    plen = np.fromiter((len(p) for p in phrase), dtype=np.int64, count=len(phrase))
    # best first within a SKU: lift, count, length down, then the phrase itself (vocab is sorted)
    by = np.lexsort((cand["col"].to_numpy(), -plen, -cand["sku_count"].to_numpy(), -cand["lift"].to_numpy(),
                     rank[cand["row"].to_numpy()]))
    cand = cand.iloc[by].reset_index(drop=True)
    phrase = phrase[by].tolist()
    bounds = np.flatnonzero(np.diff(cand["row"].to_numpy(), prepend=-1, append=-1))
    chosen: list[int] = []
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        chosen += [lo + i for i in _pick(phrase[lo:hi])]
    out = cand.iloc[chosen]
    return pd.DataFrame({
        "sku": [skus[k] for k in out["row"].tolist()],
        "phrase": [phrase[i] for i in chosen],
        "sku_count": out["sku_count"].astype(int).tolist(),
        "sku_docs": out["n_sku"].astype(int).tolist(),
        "sku_share": out["sku_share"].astype(float).tolist(),
        "rest_share": out["rest_share"].astype(float).tolist(),
        "lift": out["lift"].astype(float).tolist(),
    }, columns=cols)
