"""The clauses of many buyer texts at once: `text.normalise`, then the phrase table's clause split.

The phrase table (`report.phrases`) reads a text clause by clause, and a
clause's words depend on the clause alone. A million returns hold a few
hundred thousand distinct texts but far fewer distinct clauses, so the
expensive part (jieba) is worth doing once per distinct clause; what is
left is finding the clauses, and doing that one text at a time in Python
(normalise, regex split) cost more than everything else in the report.

`text_clauses` does it over all texts at once in NumPy for the texts where
that is exact, and the plain way (`normalise` + `_CLAUSE_RE.split`) for the
rest. A text takes the array path only when every character is a *word*
or *punctuation* character — from the ranges buyers' text lives in (ASCII,
Latin-1, general and CJK punctuation, CJK ideographs, full-width forms),
mapped by NFKC + lower case + traditional → simplified to exactly one
character that can neither be reordered nor composed with a neighbour
(canonical class 0, not Hangul, not the second half of any canonical
composition) — or a *blank*: white space or an emoji, which `normalise`
turns into one space per run (none at either end). Such a text normalises
character by character, and if it also holds no link start ("://", "www.")
and no run of nine digits (an order number), `text.finish_normalise` does
nothing else to it. Its clauses are then the runs of word characters and
of spaces with no Chinese character on either side.
tests/test_report_speed_equivalence.py checks this against the plain path.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np

from diagnose.model import text as textmod

_SIMPLE_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0x3400, 0x4DBF),
                  (0x4E00, 0x9FFF), (0xFF01, 0xFFEF))
# Where white space and the emoji `text.normalise` removes live (below _TABLE_SIZE). The plain space
# and the no-break space are among them: without them one text in twenty of a real export (any with a
# space) took the plain path.
_BLANK_RANGES = ((0x09, 0x0D), (0x1C, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x206F),
                 (0x2300, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x3000, 0x3000), (0xFE00, 0xFE0F),
                 (0x1F000, 0x1FAFF))
_TABLE_SIZE = 0x20000
# Character classes of the array path.
WORD, PUNCT, BLANK, OTHER = 0, 1, 2, 3
_HAN_LO, _HAN_HI = 0x4E00, 0x9FFF  # the clause pattern's "Chinese character" next to a space
# normalise() turns these whole texts into "" (pandas' and Python's spellings of a missing value)
_MISSING_WORDS = frozenset({"nan", "<NA>", "None"})


def _composition_seconds() -> frozenset[int]:
    """Code points that can be the second half of a canonical composition (they merge into the
    character before them), found from the Unicode decomposition data itself."""
    seconds: set[int] = set()
    for cp in range(0x110000):
        dec = unicodedata.decomposition(chr(cp))
        if dec and not dec.startswith("<"):
            parts = dec.split()
            if len(parts) == 2:
                seconds.add(int(parts[1], 16))
    return frozenset(seconds)


def _is_hangul(cp: int) -> bool:
    return (0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F or 0xA960 <= cp <= 0xA97F
            or 0xAC00 <= cp <= 0xD7FF)


def _single_mapping(ch: str, t2s: dict, seconds: frozenset[int]) -> str | None:
    """What `normalise` makes of `ch` when it is one character that cannot interact with its
    neighbours (no reordering, no composition, not Hangul), else None."""
    nf = unicodedata.normalize("NFKC", ch)
    if len(nf) != 1:
        return None
    m = nf.lower().translate(t2s)
    if len(m) != 1 or ord(m) >= _TABLE_SIZE:
        return None
    if any(unicodedata.combining(c) or ord(c) in seconds or _is_hangul(ord(c)) for c in (ch, nf, m)):
        return None
    return m


@lru_cache(maxsize=1)
def _tables(clause_re_pattern: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per code point below _TABLE_SIZE: its normalised character, its class (WORD, PUNCT
    (clause punctuation), BLANK (white space or an emoji: `normalise` turns runs of them into
    one space, or nothing at either end), OTHER (the plain path)), and whether it is a digit
    as `\\d` in `text`'s order-number pattern sees it."""
    import re

    clause_re = re.compile(clause_re_pattern)
    t2s = textmod._t2s_table()
    seconds = _composition_seconds()
    mapped = np.zeros(_TABLE_SIZE, dtype=np.uint32)
    cls = np.full(_TABLE_SIZE, OTHER, dtype=np.int8)
    digit = np.zeros(_TABLE_SIZE, dtype=bool)
    digit_re, space_re, emoji_re = re.compile(r"\d"), re.compile(r"\s"), textmod._EMOJI_RE
    for lo, hi in _BLANK_RANGES:
        for cp in range(lo, hi + 1):
            m = _single_mapping(chr(cp), t2s, seconds)
            if m is not None and (space_re.fullmatch(m) or emoji_re.fullmatch(m)):
                mapped[cp], cls[cp] = ord(" "), BLANK
    for lo, hi in _SIMPLE_RANGES:
        for cp in range(lo, hi + 1):
            if cls[cp] == BLANK:
                continue
            m = _single_mapping(chr(cp), t2s, seconds)
            if m is None or space_re.match(m) or emoji_re.match(m):
                continue
            mapped[cp] = ord(m)
            cls[cp] = PUNCT if clause_re.fullmatch(m) else WORD
            digit[cp] = digit_re.match(m) is not None
    return mapped, cls, digit


def _texts_with(hit: np.ndarray, ends: np.ndarray, n: int) -> np.ndarray:
    """Which texts hold a flagged position (positions into the concatenation of all texts)."""
    out = np.zeros(n, dtype=bool)
    pos = np.flatnonzero(hit)
    if len(pos):
        out[np.searchsorted(ends, pos, side="right")] = True
    return out


def _link_starts(m: np.ndarray, ends: np.ndarray, n: int) -> np.ndarray:
    """Texts holding a link start ("://", "www.") that `finish_normalise` would cut.

    Positions are in the concatenation, so a pattern that spans two texts flags
    one of them needlessly: that text only takes the plain path.
    """
    flagged = np.zeros(n, dtype=bool)
    if len(m) >= 3:
        colon, slash = m == ord(":"), m == ord("/")
        flagged |= _texts_with(colon[:-2] & slash[1:-1] & slash[2:], ends, n)
    if len(m) >= 4:
        w, dot = m == ord("w"), m == ord(".")
        flagged |= _texts_with(w[:-3] & w[1:-2] & w[2:-1] & dot[3:], ends, n)
    return flagged


def _long_digit_runs(digit_of_m: np.ndarray, ends: np.ndarray, n: int) -> np.ndarray:
    """Texts holding a run of nine digits, which `text`'s order-number pattern may cut.

    Runs are cut where a text ends: a text ending in digits must not hide a
    run at the start of the next one (or lend it digits).
    """
    flagged = np.zeros(n, dtype=bool)
    if digit_of_m.any():
        d = np.concatenate(([False], digit_of_m, [False]))
        text_start = np.zeros(len(digit_of_m) + 1, dtype=bool)
        text_start[ends[:-1]] = True  # position where the next text begins
        run_start = d[1:] & (~d[:-1] | text_start)
        run_stop = d[:-1] & (~d[1:] | text_start)  # position after a run's last digit
        starts, stops = np.flatnonzero(run_start), np.flatnonzero(run_stop)
        long_runs = starts[(stops - starts) >= 9]
        hit = np.zeros(len(digit_of_m), dtype=bool)
        hit[long_runs] = True
        flagged |= _texts_with(hit, ends, n)
    return flagged


def _order_number_cut(texts: np.ndarray, cp: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """For each of `texts` (simple characters only, no link start): does `finish_normalise`
    cut an order number from it?

    A long digit run is only cut where the pattern's word boundaries hold
    ("订单号1389784725309851" keeps its digits: 号 and 1 are both word
    characters). Such a text normalises character by character, so the
    pattern is searched in exactly the string `finish_normalise` would see.
    """
    norm_t = _normalised_chars()
    if not len(texts):
        return np.zeros(0, dtype=bool)
    lens = ends[texts] - starts[texts]
    pos = np.repeat(starts[texts] - np.cumsum(np.concatenate(([0], lens[:-1]))), lens) + np.arange(int(lens.sum()))
    folded = norm_t[cp[pos]].astype("<u4").tobytes().decode("utf-32-le")
    bounds = np.concatenate(([0], np.cumsum(lens))).tolist()
    search = textmod._ORDER_NO_RE.search
    return np.array([search(folded[a:b]) is not None for a, b in zip(bounds[:-1], bounds[1:])], dtype=bool)


@lru_cache(maxsize=1)
def _normalised_chars() -> np.ndarray:
    """Per code point of the array path: the one character `normalise`'s folding makes of it
    (white space and emoji included, before they become a space), else 0."""
    t2s = textmod._t2s_table()
    seconds = _composition_seconds()
    out = np.zeros(_TABLE_SIZE, dtype=np.uint32)
    for lo, hi in _BLANK_RANGES + _SIMPLE_RANGES:
        for cp in range(lo, hi + 1):
            m = _single_mapping(chr(cp), t2s, seconds)
            if m is not None:
                out[cp] = ord(m)
    return out


def _plain_clauses(text: str, clause_re) -> list[str]:
    """The clauses of one text the plain way (those holding only white space dropped)."""
    return [c for c in clause_re.split(textmod.normalise(text)) if c.strip()]


def _array_path(big: str, starts: np.ndarray, cp: np.ndarray, ends: np.ndarray, tables) -> np.ndarray:
    """Which texts the array path handles exactly (see the module docstring)."""
    mapped_t, cls_t, digit_t = tables
    n = len(ends)
    in_table = cp < _TABLE_SIZE
    safe_cp = np.where(in_table, cp, 0)
    fast = ~_texts_with((cls_t[safe_cp] == OTHER) | ~in_table, ends, n)
    m = mapped_t[safe_cp]
    fast &= ~_link_starts(m, ends, n)
    digits = _long_digit_runs(digit_t[safe_cp], ends, n)
    recheck = np.flatnonzero(fast & digits)  # most long digit runs are not cut (no word boundary)
    digits[recheck[~_order_number_cut(recheck, cp, starts, ends)]] = False
    fast &= ~digits
    short = np.flatnonzero(fast & (ends - starts <= 4))  # "nan", "None", "<NA>" normalise to ""
    missing = np.array([big[a:b] in _MISSING_WORDS for a, b in zip(starts[short].tolist(), ends[short].tolist())],
                       dtype=bool)
    fast[short[missing]] = False
    return fast


def _shift_prev(x: np.ndarray) -> np.ndarray:
    return np.concatenate(([False], x[:-1]))


def _shift_next(x: np.ndarray) -> np.ndarray:
    return np.concatenate((x[1:], [False]))


def _utf8_arrow(chars: np.ndarray, starts: np.ndarray):
    """Code points cut into strings at `starts` (ascending; the last runs to the end), as Arrow."""
    import pyarrow as pa

    width = 1 + (chars >= 0x80).astype(np.int64) + (chars >= 0x800) + (chars >= 0x10000)
    byte_at = np.concatenate(([0], np.cumsum(width)))
    offsets = np.append(byte_at[starts], byte_at[-1]).astype(np.int64)
    data = chars.astype("<u4").tobytes().decode("utf-32-le").encode("utf-8")
    return pa.LargeStringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(data))


def _array_clauses(cp: np.ndarray, lens: np.ndarray, fast: np.ndarray, tables):
    """The clauses of the array-path texts (Arrow strings) and the text of each.

    `normalise` there is: each character mapped, each run of blanks one space,
    none at either end of the text. Clauses are then the runs of word
    characters and of spaces with no Chinese character on either side.
    """
    mapped_t, cls_t, _ = tables
    which = np.flatnonzero(fast)
    flen = lens[which]
    cp = cp[np.repeat(fast, lens)]
    text_of = np.repeat(which.astype(np.int32 if len(fast) < 2**31 else np.int64), flen)
    first = np.concatenate(([True], text_of[1:] != text_of[:-1])) if len(cp) else np.zeros(0, bool)
    last = _shift_next(first) | (np.arange(len(cp)) == len(cp) - 1)
    cls = cls_t[cp]
    blank = cls == BLANK
    keep = ~blank
    if blank.any():  # one space per run of blanks, and none at either end of a text
        run_start = np.flatnonzero(blank & ~(_shift_prev(blank) & ~first))
        run_end = np.flatnonzero(blank & ~(_shift_next(blank) & ~last))
        inner = ~first[run_start] & ~last[run_end]
        keep[run_start[inner]] = True
    m, cls, text_of = mapped_t[cp][keep], cls[keep], text_of[keep]
    if not len(m):
        return _utf8_arrow(m, np.zeros(0, dtype=np.int64)), np.zeros(0, dtype=np.int64)
    first = np.concatenate(([True], text_of[1:] != text_of[:-1]))
    last = np.concatenate((text_of[:-1] != text_of[1:], [True]))
    content = cls == WORD
    spaces = np.flatnonzero(cls == BLANK)  # never first or last of a text now
    if len(spaces):
        han = (m >= _HAN_LO) & (m <= _HAN_HI)
        content[spaces[~han[spaces - 1] & ~han[spaces + 1]]] = True
    starts = np.flatnonzero(content & ~(_shift_prev(content) & ~first))
    stops = np.flatnonzero(content & ~(_shift_next(content) & ~last)) + 1
    lone_space = (stops - starts == 1) & (cls[starts] == BLANK)  # a space between two punctuation marks
    starts, stops = starts[~lone_space], stops[~lone_space]
    # the clause characters back to back, cut at each clause's start
    depth = np.bincount(starts, minlength=len(m) + 1) - np.bincount(stops, minlength=len(m) + 1)
    in_clause = np.cumsum(depth[:-1]) > 0
    chars = np.where(cls == BLANK, ord(" "), m)[in_clause]
    width = stops - starts
    return _utf8_arrow(chars, np.cumsum(width) - width), text_of[starts].astype(np.int64)


def joined(texts) -> tuple[str, np.ndarray]:
    """All texts back to back as one string, and each text's length in characters.

    A pandas/Arrow string array is read straight from its UTF-8 buffer (one
    decode instead of one Python string per text); anything else is joined.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = None
    try:
        arr = pa.array(texts, type=pa.large_string()) if not isinstance(texts, list) else None
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        arr = None
    if arr is None or arr.null_count:
        items = [str(t) for t in texts]
        return "".join(items), np.fromiter((len(t) for t in items), dtype=np.int64, count=len(items))
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    big = data.to_pybytes()[int(offsets[0]):int(offsets[-1])].decode("utf-8") if data is not None else ""
    lens = pc.utf8_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)
    return big, lens


def text_clauses(big: str, lens: np.ndarray, clause_re) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Every clause of every text: (distinct clauses, each clause's code into them, its text).

    The texts are given back to back (`joined`). The same (text, clause)
    pairs as ``clause_re.split(normalise(t))`` per text, clauses holding only
    white space dropped; each text's clauses come in reading order, array-path
    texts first, then the others. `clause_re` is the phrase table's clause
    pattern: its first alternative is a class of punctuation characters, the
    others white space next to a Chinese character.
    """
    import pyarrow as pa

    n = len(lens)
    none = np.zeros(0, dtype=np.int64)
    if not n:
        return [], none, none
    tables = _tables(clause_re.pattern)
    ends = np.cumsum(lens)
    starts = ends - lens
    try:
        cp = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:  # a lone surrogate somewhere: everything the plain way
        cp = None
    fast = np.zeros(n, dtype=bool) if cp is None or len(cp) != int(ends[-1]) else \
        _array_path(big, starts, cp, ends, tables)
    parts, owner = [], []
    if fast.any():
        arr, fast_owner = _array_clauses(cp, lens, fast, tables)
        parts.append(arr)
        owner.append(fast_owner)
    slow = np.flatnonzero(~fast)
    if len(slow):
        slow_clauses = [_plain_clauses(big[a:b], clause_re) for a, b in zip(starts[slow].tolist(), ends[slow].tolist())]
        parts.append(pa.array([c for cs in slow_clauses for c in cs], type=pa.large_string()))
        owner.append(np.repeat(slow, [len(cs) for cs in slow_clauses]))
    encoded = pa.concat_arrays(parts).dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return encoded.dictionary.to_pylist(), codes, np.concatenate(owner).astype(np.int64)
