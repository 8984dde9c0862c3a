"""Distinctive phrases: the words each SKU's buyers use markedly more than the rest.

Definitions are in the package docstring (`diagnose.analysis.report`).
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

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


def _tokens(text: str) -> list[list[str]]:
    """The words of one buyer text, clause by clause (punctuation dropped)."""
    clauses = []
    for clause in _CLAUSE_RE.split(normalise(text)):
        toks = [t.strip().lower() for t in tokenize(clause.strip())] if clause.strip() else []
        toks = [t for t in toks if t]
        if toks:
            clauses.append(toks)
    return clauses


def _phrase_features(text: str) -> list[str]:
    """Content words of two or more characters (no stopwords, punctuation or
    numbers) and the two-word phrases neighbouring content words form inside
    one clause ("面料很薄" → 面料, 面料薄). 不/没 may open a phrase (不一样)
    but are not words."""
    grams: list[str] = []
    for toks in _tokens(text):
        kept = [t for t in toks if _is_content(t) or t in _NEGATIONS]
        # A single character (穿, 退) says nothing to a merchant on its own; it still forms phrases (面料薄).
        grams += [t for t in kept if t not in _NEGATIONS and len(t) > 1]
        for a, b in zip(kept, kept[1:]):
            if b in _NEGATIONS:
                continue
            sep = " " if _ASCII_RE.match(a[-1]) and _ASCII_RE.match(b[0]) else ""
            grams.append(a + sep + b)
    return grams


def _phrases(w: pd.DataFrame, min_returns: int) -> pd.DataFrame:
    cols = ["sku", "phrase", "sku_count", "sku_docs", "sku_share", "rest_share", "lift"]
    docs = w.loc[w["buyer_text"] != "", ["sku", "buyer_text"]].reset_index(drop=True)
    returns = w.groupby("sku").size()
    if docs.empty or docs["sku"].nunique() < 2:
        return pd.DataFrame(columns=cols)
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    cache: dict[str, list[str]] = {}

    def analyzer(text: str) -> list[str]:
        if text not in cache:
            cache[text] = _phrase_features(text)
        return cache[text]

    vec = CountVectorizer(analyzer=analyzer, binary=True)
    try:
        X = vec.fit_transform(docs["buyer_text"])
    except ValueError:  # empty vocabulary: nothing but stopwords and numbers
        return pd.DataFrame(columns=cols)
    vocab = vec.get_feature_names_out()
    codes, skus = pd.factorize(docs["sku"])
    n_docs = len(docs)
    S = sparse.csr_matrix((np.ones(n_docs), (codes, np.arange(n_docs))), shape=(len(skus), n_docs))
    counts = (S @ X).tocsr()                        # SKU × phrase: texts containing it
    in_all = np.asarray(X.sum(axis=0)).ravel()      # texts containing it, shop-wide
    docs_per_sku = np.bincount(codes, minlength=len(skus))

    order = returns.reindex(skus).fillna(0).sort_values(ascending=False, kind="stable")
    out = []
    for sku in order.index:
        k = skus.get_loc(sku)
        n_sku = int(docs_per_sku[k])
        n_rest = n_docs - n_sku
        if returns.get(sku, 0) < min_returns or n_sku < PHRASE_MIN_DOCS or n_rest <= 0:
            continue
        row = counts.getrow(k)
        idx, sku_count = row.indices, row.data.astype(int)
        need = max(PHRASE_MIN_DOCS, math.ceil(PHRASE_MIN_SKU_SHARE * n_sku))
        mask = sku_count >= need
        if not mask.any():
            continue
        idx, sku_count = idx[mask], sku_count[mask]
        sku_share = sku_count / n_sku
        rest_share = (in_all[idx] - sku_count) / n_rest
        floor = max(PHRASE_SHARE_FLOOR, 0.5 / n_rest)
        lift = sku_share / np.maximum(rest_share, floor)
        cand = pd.DataFrame({"phrase": vocab[idx], "sku_count": sku_count, "sku_share": sku_share,
                             "rest_share": rest_share, "lift": lift})
        cand = cand[cand["lift"] >= PHRASE_MIN_LIFT]
        cand = cand.assign(_len=cand["phrase"].str.len()).sort_values(
            ["lift", "sku_count", "_len", "phrase"], ascending=[False, False, False, True])
        picked: list[dict] = []
        for rec in cand.to_dict("records"):
            p = rec["phrase"]
            if any(p in q["phrase"] or q["phrase"] in p for q in picked):
                continue
            picked.append(rec)
            if len(picked) == PHRASES_PER_SKU:
                break
        for rec in picked:
            out.append({"sku": sku, "phrase": rec["phrase"], "sku_count": int(rec["sku_count"]),
                        "sku_docs": n_sku, "sku_share": float(rec["sku_share"]),
                        "rest_share": float(rec["rest_share"]), "lift": float(rec["lift"])})
    return pd.DataFrame(out, columns=cols)

