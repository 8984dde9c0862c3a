"""`score_risk`: call every registered signal, clip, add, level — and `risk_table` for the CLI.

Nothing here decides that a buyer is abusive. The score ranks returns for
human review; every point comes with readable evidence in both languages.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from diagnose.analysis.risk import signals, signals_group  # noqa: F401 - registers the signals
from diagnose.analysis.risk._util import _join_parts_arrow, _str_array
from diagnose.analysis.risk.config import DEFAULT_CONFIG, LEVELS, RiskConfig
from diagnose.analysis.risk.registry import Fired, Skipped, build_context, ordered
from diagnose.errors import InputError


def _combine(fired: dict[str, np.ndarray], keys: list[str], n: int, cfg: RiskConfig):
    """Total score, and per row the list of signals that fired (one list per distinct set)."""
    total = np.zeros(n)
    bits = np.zeros(n, dtype=np.int64)
    for bit, key in enumerate(keys):
        total += fired[key]
        bits |= (fired[key] >= cfg.fire_min_points).astype(np.int64) << bit
    sig_u, sig_inv = np.unique(bits, return_inverse=True)
    names = np.empty(len(sig_u), dtype=object)
    names[:] = [[k for b, k in enumerate(keys) if (v >> b) & 1] for v in sig_u]
    listed = names[sig_inv.reshape(-1)] if n else np.array([], dtype=object)
    return np.clip(np.round(total), 0, 100).astype("int64"), listed


@dataclass(frozen=True)
class _Scored:
    """What every signal gave, before it becomes columns: per-row arrays in the input's row order."""

    score: np.ndarray      # int64, 0-100
    level_code: np.ndarray  # 0 low, 1 medium, 2 high
    listed: np.ndarray     # object: per row the list of signals that fired
    zh_parts: list         # per signal an object array ("" = nothing to say) or a str for every row
    en_parts: list
    skipped: list[str]     # keys of the signals that could not be evaluated

    def taken(self, rows: np.ndarray) -> "_Scored":
        """The same results for `rows` only, in that order (the join of evidence is row-wise)."""
        def part(p):
            return p if isinstance(p, str) else p[rows]
        return _Scored(self.score[rows], self.level_code[rows], self.listed[rows],
                       [part(p) for p in self.zh_parts], [part(p) for p in self.en_parts], self.skipped)


def _score(tagged: pd.DataFrame, orders: pd.DataFrame | None, lang: str, config: RiskConfig | None) -> _Scored:
    """Run every registered signal over the table and combine their points."""
    if lang not in ("zh", "en"):
        raise InputError(f"unknown language {lang!r}", hint="use zh or en",
                         code="unknown_language", params={"lang": str(lang)})
    if not isinstance(tagged, pd.DataFrame):
        raise InputError("score_risk needs a table (pandas DataFrame)", code="not_a_table")
    cfg = config or DEFAULT_CONFIG
    ctx = build_context(tagged, orders, cfg)
    n = ctx.n
    points: dict[str, np.ndarray] = {}
    zh_parts, en_parts, skipped = [], [], {}
    for sig in ordered():
        res = sig.fn(ctx)
        if isinstance(res, Skipped):
            skipped[sig.key] = res
            continue
        assert isinstance(res, Fired)
        points[sig.key] = np.clip(np.nan_to_num(res.points), 0, sig.weight)
        zh_parts.append(res.zh)
        en_parts.append(res.en)
    keys = list(points)
    score, listed = _combine(points, keys, n, cfg)
    level_code = np.select([score >= cfg.high, score >= cfg.medium], [2, 1], 0)
    if skipped:  # every row says which signals could not be evaluated, and why
        zh_parts.append("未评估：" + "、".join(v.zh for v in skipped.values()))
        en_parts.append("not evaluated: " + ", ".join(v.en for v in skipped.values()))
    return _Scored(score, level_code, listed, zh_parts, en_parts, list(skipped))


def _risk_columns(sc: _Scored, index: pd.Index, lang: str, both_languages: bool) -> dict[str, object]:
    """The columns `score_risk` adds, in the order it adds them, for the rows of `sc`."""
    n = len(sc.score)
    cols: dict[str, object] = {"risk_score": sc.score,
                               "risk_level": _str_array(np.array(LEVELS, dtype=object)[sc.level_code])}
    if both_languages:
        cols["risk_evidence_zh"] = _join_parts_arrow(sc.zh_parts, "；", n)
        cols["risk_evidence_en"] = _join_parts_arrow(sc.en_parts, "; ", n)
        cols["risk_evidence"] = cols["risk_evidence_zh" if lang == "zh" else "risk_evidence_en"]
    else:
        cols["risk_evidence"] = (_join_parts_arrow(sc.zh_parts, "；", n) if lang == "zh"
                                 else _join_parts_arrow(sc.en_parts, "; ", n))
    cols["risk_signals"] = pd.Series(sc.listed, index=index, dtype=object)
    skipped_col = np.empty(n, dtype=object)
    skipped_col[:] = [list(sc.skipped)] * n
    cols["skipped_signals"] = pd.Series(skipped_col, index=index, dtype=object)
    return cols


def score_risk(
    tagged: pd.DataFrame,
    orders: pd.DataFrame | None = None,
    *,
    lang: str = "zh",
    config: RiskConfig | None = None,
) -> pd.DataFrame:
    """Tagged table → the same rows plus risk_score, risk_level and evidence.

    Adds `risk_score` (0-100 int), `risk_level` (low/medium/high),
    `risk_evidence_zh`, `risk_evidence_en` (readable reasons with numbers,
    "；"/"; "-joined), `risk_evidence` (the one in `lang`), `risk_signals`
    (a list of the keys of the signals that fired) and `skipped_signals`
    (signals that could not be evaluated for lack of a column; the evidence
    text says so too). It ranks for human review; it never decides.
    (`risk_table`, for the risk command, joins only the evidence in `lang`:
    joining a million evidence strings costs seconds.)
    """
    sc = _score(tagged, orders, lang, config)
    out = tagged.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    for name, values in _risk_columns(sc, out.index, lang, True).items():
        out[name] = values
    return out


FRONT = ["risk_score", "risk_level", "risk_evidence", "risk_signals", "skipped_signals"]


def risk_table(tagged: pd.DataFrame, orders: pd.DataFrame | None = None, *, lang: str = "zh",
               min_level: str = "low") -> pd.DataFrame:
    """The `risk` command's table: scored rows at or above `min_level`, riskiest first, evidence in front.

    The rows kept and their order are decided from the scores first; the
    table is then taken once in that order and the evidence joined for
    those rows only. (Scoring the whole table, filtering and sorting it
    moved every column, and the long evidence strings, twice.) Same rows,
    values and index as `score_risk` filtered and stably sorted by score.
    """
    floor = LEVELS.index(min_level)
    sc = _score(tagged, orders, lang, None)
    kept = np.flatnonzero(sc.level_code >= floor)
    rows = kept[np.argsort(-sc.score[kept], kind="stable")]  # riskiest first, ties in input order
    sc = sc.taken(rows)
    out = tagged.iloc[rows]
    for pos, (name, values) in enumerate(_risk_columns(sc, out.index, lang, False).items()):
        if name in out.columns:  # a re-scored table: the new column replaces the old, in front
            out = out.drop(columns=[name])
        out.insert(pos, name, values)
    drop = [c for c in ("risk_evidence_zh", "risk_evidence_en") if c in out.columns]
    return out.drop(columns=drop) if drop else out


def lists_as_text(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its word-list columns as the text a CSV shows, for `write_table` to write as text.

    The CSV writer turns an object column of lists into text itself, but it
    first walks every cell in Python (is it a bool column? which objects are
    shared?) on the whole table and again per slice: seconds at a million
    rows for `risk_signals`, `skipped_signals` and `evidence`, whose lists
    are shared by many rows. Here each distinct list is joined once
    (`taxonomy.LIST_SEPARATORS`, each word through `str`, as the writer
    does) and the rows take their text by code. A column holding anything
    but lists and missing values is left as it is. The file's bytes are the
    same (tested); the redaction pass now also reads the signal-key columns,
    which hold only registry keys.
    """
    from diagnose.taxonomy import LIST_SEPARATORS

    out = table.copy(deep=False)
    for i, col in enumerate(table.columns):
        sep = LIST_SEPARATORS.get(str(col))
        s = table.iloc[:, i]
        if sep is None or s.dtype != object:
            continue
        text = _joined_lists(s.to_numpy(dtype=object), sep)
        if text is not None:
            out.isetitem(i, pd.Series(text, index=s.index, name=s.name))
    return out


def _joined_lists(values: np.ndarray, sep: str):
    """Each distinct list joined once (missing cells stay missing), or None if a cell is not a list."""
    import pyarrow as pa

    ids = np.fromiter(map(id, values), dtype=np.uint64, count=len(values))
    codes, uniques = pd.factorize(ids)
    first = np.empty(len(uniques), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    texts: list[str | None] = []
    for value in values[first].tolist():
        if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
            texts.append(sep.join(str(v) for v in value))
        elif value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
            texts.append(None)
        else:
            return None
    distinct = pa.array(texts, type=pa.large_string())
    return pd.array(distinct.take(pa.array(codes)), dtype="str")
