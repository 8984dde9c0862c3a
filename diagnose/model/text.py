"""Turning what buyers type into tokens a linear model can weigh.

Buyers write on phones: full-width letters and digits, traditional
characters, emoji, pasted order numbers and links. None of that says *why*
they return, and all of it splits the vocabulary, so `normalise` folds it
away before anything is counted.

Contrast clauses matter more than any single word: in 尺码没问题就是质量太差
the word 尺码 must not vote for sizing. `focus` drops the clauses a buyer
explicitly clears ("X 没问题 / 挺好 / 不错 …") when a contrast follows, so
both the model and the sub-reason rules read what the buyer complains about.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import jieba

from diagnose import settings

_DATA_DIR = settings.PACKAGE_DATA
USER_DICT = _DATA_DIR / "user_dict.txt"

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Order / tracking numbers: long digit runs, optionally with a letter prefix
# (SF1234567890, JD0012345678). Short numbers (sizes, weights, days) stay.
_ORDER_NO_RE = re.compile(r"\b[a-z]{0,4}\d{9,}\b", re.IGNORECASE)
# Emoji and pictographs, variation selectors and zero-width joiners.
_EMOJI_RE = re.compile(
    "["
    "\U0001F000-\U0001FAFF"
    "\U00002600-\U000027BF"
    "\U0001F900-\U0001F9FF"
    "\U00002B00-\U00002BFF"
    "\U0000FE00-\U0000FE0F"
    "\U0000200B-\U0000200D"
    "\U00002300-\U000023FF"
    "]+"
)
_SPACE_RE = re.compile(r"\s+")


@functools.lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Character-level traditional → simplified table from OpenCC's data.

    A str.translate table runs at C speed; OpenCC's phrase-level rules
    (a few hundred idioms) are not worth their cost for return reasons.
    """
    import opencc  # the package ships its dictionaries as plain text

    path = Path(opencc.__file__).with_name("dictionary") / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and len(parts[0]) == 1:
            table[ord(parts[0])] = parts[1].split(" ")[0]
    return table


def normalise(text: object) -> str:
    """Fold a raw buyer text to the form the model was trained on.

    NFKC turns full-width ASCII into half-width; case is folded; traditional
    characters become simplified; links, order numbers and emoji go.
    """
    if text is None:
        return ""
    s = str(text)
    if not s or s in {"nan", "<NA>", "None"}:
        return ""
    s = unicodedata.normalize("NFKC", s).lower()
    return finish_normalise(s.translate(_t2s_table()))


def finish_normalise(s: str) -> str:
    """The steps of `normalise` after case and script folding (links, numbers, emoji, spaces)."""
    s = _URL_RE.sub(" ", s)
    s = _ORDER_NO_RE.sub(" ", s)
    s = _EMOJI_RE.sub(" ", s)
    return _SPACE_RE.sub(" ", s).strip()


# --- contrast handling ------------------------------------------------------
_CONTRAST_RE = re.compile(r"(但是|但|就是|可是|不过|只是|然而|可惜|而是)")
_CLAUSE_SPLIT_RE = re.compile(r"[，,。.！!？?；;、\s~～]+")
# Phrases by which a buyer clears an aspect ("尺码没问题").
_CLEARED_RE = re.compile(
    r"(没问题|没有问题|没毛病|没啥问题|没什么问题|挺好|很好|蛮好|还好|不错|还行|还可以|"
    r"可以的|正好|刚好|合身|很快|挺快|蛮快|没坏|没有坏|是好的|完好|没色差|没有色差|"
    r"无色差|没破|没有破|也行|满意|ok|没得说)"
)


def focus(text: str) -> str:
    """Drop clauses the buyer clears before a contrast ("X没问题，但是…").

    Returns the text unchanged when there is no contrast or nothing would be
    left, so a plain compliment is never erased.
    """
    if not text:
        return text
    m = _CONTRAST_RE.search(text)
    if not m:
        return text
    head, tail = text[: m.start()], text[m.start():]
    clauses = [c for c in _CLAUSE_SPLIT_RE.split(head) if c]
    kept = []
    for clause in clauses:
        hit = _CLEARED_RE.search(clause)
        # "不合身/不满意/不错过" are complaints, not clearances
        if hit and not clause[max(0, hit.start() - 1): hit.start()] in {"不", "没"}:
            continue
        kept.append(clause)
    out = "，".join(kept + [tail]) if kept else tail
    return out if out.strip() else text


# --- tokenisation -----------------------------------------------------------
_PUNCT_RE = re.compile(r"^[\W_]+$", re.UNICODE)


@functools.lru_cache(maxsize=1)
def tokenizer() -> jieba.Tokenizer:
    """A private jieba instance with the domain dictionary loaded.

    Private so that loading our dictionary never changes segmentation for
    other code in the same process that uses jieba's global instance.
    """
    tk = jieba.Tokenizer()
    jieba.setLogLevel(60)
    tk.initialize()
    if USER_DICT.exists():
        with USER_DICT.open("rb") as fh:  # jieba leaves a path it opens unclosed
            tk.load_userdict(fh)
    return tk


def keep_token(word: str) -> bool:
    """Whether a jieba word counts as a token (not blank, not punctuation)."""
    return bool(word.strip()) and not _PUNCT_RE.match(word)


def tokenize(text: str) -> list[str]:
    """jieba words of an already-normalised text, punctuation and spaces dropped.

    (`diagnose.model.features.tokenize_many` gives the same result for many texts faster.)
    """
    if not text:
        return []
    return [w for w in tokenizer().lcut(text) if keep_token(w)]


def prepare(text: object) -> str:
    """Raw buyer text → the focused, normalised string the model reads."""
    return focus(normalise(text))


# --- function words ---------------------------------------------------------
# Words that carry a buyer's phrasing, not a return reason: pronouns, particles,
# hedges and fillers. Kept out of the features (so no label can learn them) and
# therefore out of the evidence. Negations (不, 没, 没有) and degree words that
# change a complaint's meaning (太, 很) inside n-grams are NOT here: 太小 and
# 不甜 must still count; only the bare word alone is dropped where listed.
FUNCTION_WORDS = frozenset(
    "的 了 是 我 你 他 她 它 们 我们 你们 他们 她们 咱们 人家 自己 给我 给你 给他 让我 把 被 这 那 这个 那个 这次 那次 "
    "这种 那种 这样 那样 这些 那些 一个 一下 一些 有点 有些 感觉 觉得 认为 以为 好像 可能 应该 其实 真的 确实 简直 "
    "就是 还是 而且 然后 所以 因为 但是 可是 不过 只是 如果 虽然 或者 并且 于是 吗 呢 啊 吧 呀 哦 嘛 哈 啦 哎 唉 "
    "嗯 呵呵 哈哈 也 都 就 还 又 在 和 与 跟 及 或 很 非常 特别 比较 挺 蛮 太 更 最 再 才 刚 已经 一直 总是 "
    "一 个 之 其 啥 么 什么 怎么 这么 那么 多么 为什么 时候 现在 今天 昨天 东西 亲 老板 商家 卖家 买家".split()
)
_FUNCTION_CHARS = frozenset(w for w in FUNCTION_WORDS if len(w) == 1) | frozenset(
    w for w in FUNCTION_WORDS if len(w) >= 2
)


def is_function_word(token: str) -> bool:
    """Whether a jieba token is a function word (never a feature)."""
    return token in FUNCTION_WORDS


def is_function_chars(gram: str) -> bool:
    """Whether a character n-gram is itself a function word (never a feature).

    Only whole matches are dropped, so 太小, 不甜 and 你们的服务 minus its
    function-word pieces still count.
    """
    return gram in _FUNCTION_CHARS
