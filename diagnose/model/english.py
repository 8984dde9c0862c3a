"""English buyer comments (Amazon and other marketplaces) get their own path.

The reason model reads Chinese: on an English comment its character n-grams
see "the", "er", "ft" and call almost everything 质量问题. So every row is
first sorted by script (`is_english`: the share of Latin letters among
letters, no download, no guessing library), and English rows are tagged by
a small linear lexicon learned from the project's own English corpus
(`sample_data/corpus_en/`, written by `scripts/make_corpus_en.py`):

* features are whole words and two-word phrases, lower-cased, with stop
  words left out, so evidence shown to a merchant is words like "tight",
  "runs small", "stopped working" — never "the" or "er";
* the Amazon reason code (APPAREL_TOO_SMALL, UNWANTED_ITEM, …; mapped in
  `diagnose.taxonomy`) is strong evidence: `CODE_BONUS` is added to its
  label's score, and its sub-reason (`taxonomy.AMAZON_CODE_SUB_REASONS`)
  stands when the words name none;
* a reason code is never overruled into 质量问题 unless the text names a
  defect (`DEFECT_WORDS`): "quality" is what buyers pick to shift the
  return shipping, so the model may not invent it against the code either.

The lexicon is a plain JSON file (`models/english_lexicon.json`): loading it
runs no code. `train` builds it with scikit-learn's logistic regression.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from diagnose import taxonomy
from diagnose.errors import InputError
from diagnose.taxonomy import LABELS, UNSPECIFIED

ROOT = Path(__file__).resolve().parent.parent.parent
LEXICON_PATH = ROOT / "models" / "english_lexicon.json"
LEXICON_ENV = "DIAGNOSE_ENGLISH_LEXICON"
FORMAT = "diagnose-english-lexicon/1"

# A text is English when at least this share of its letters is Latin and it
# has at least MIN_LATIN Latin letters ("ok" alone says nothing).
LATIN_SHARE = 0.8
MIN_LATIN = 3
# Added to the reason code's label score: enough to settle a vague comment,
# not enough to overrule a clear one ("changed my mind" under DEFECTIVE).
CODE_BONUS = 2.5
# Below this a learned sub-reason is not trusted; the code's sub-reason (or
# unspecified) is used instead.
SUB_MIN_PROBA = 0.35
MAX_EVIDENCE = 5

STOP_WORDS = frozenset("""
a an the and or but if so of to in on at by for from with into onto about as than then there here
i me my mine we us our you your he him his she her they them their it its this that these those
is are was were be been being am do does did have has had having will would shall should can could may might
just also very really quite pretty even still yet again ok okay hi hello please thanks thank thx cheers
what which who whom when where why how all any each some such own same other another one
get got getting item product order ordered amazon seller returning return returned back send sending sent
honestly sadly unfortunately well today now said say says
""".split())

# Words kept as features (they make "too small", "size up", "fell off") but
# too weak to show on their own as evidence.
WEAK_WORDS = frozenset("too up down off out over after before way like looks look came come no not".split())

DEFECT_WORDS = frozenset("""
broke broken break breaks breaking defective defect defects faulty crack cracked cracks tear torn tore ripped rip
rips hole holes stain stained stains leak leaks leaking dead died stopped malfunction malfunctions peeling peel
peeled snapped frayed pilled pilling pills bobbles faded fading shrank shrunk shrink smell smells stinks odor
odour reeks rash itching flimsy cheap cheaply thin brittle scratchy scratched scratch dent dented rust rusts
rusted overheats overheating flickers disconnecting chipped chipping burnt burned loose damaged
""".split())
DEFECT_PHRASES = ("not working", "doesn't work", "does not work", "won't turn", "will not turn", "won't charge",
                  "fell apart", "came apart", "poor quality", "low quality", "bad quality", "not turn on")

_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def is_english(text: object) -> bool:
    """Whether a buyer text is written in English (by the share of Latin letters)."""
    if not isinstance(text, str) or not text:
        return False
    latin = len(_LATIN.findall(text))
    if latin < MIN_LATIN:
        return False
    cjk = len(_CJK.findall(text))
    return latin / (latin + cjk) >= LATIN_SHARE


def words(text: str) -> list[str]:
    """Whole lower-case words of an English text, stop words kept (phrases need them out later)."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


# Words that point at a reason whatever sentence they sit in: written for this
# project as domain knowledge, so a comment phrased unlike any corpus sentence
# still lands near its reason. Each adds a "cue:<label>" feature (its weight
# is learned like any word's); matched on whole words or their stems.
CUES: dict[str, frozenset[str]] = {
    "sizing": frozenset("""small smaller tight tighter snug big bigger large larger loose looser huge baggy
        oversized narrow wide size sizes sizing fit fits fitting tiny length waist waistband hips shoulders
        chest sleeves toes heel squeeze squeezes""".split()),
    "quality": DEFECT_WORDS | frozenset("""working work works turn charge charging battery power dead noise
        quality material fabric stitching seam seams zipper wash washing washed glue finish""".split()),
    "mismatch": frozenset("""described description listing pictured picture pictures photo photos advertised
        page specs shade color colour fake counterfeit replica knockoff genuine authentic missing included
        incomplete wrong different""".split()),
    "logistics": frozenset("""late delivery delivered deliver arrived arrive arrival shipping shipped package
        parcel box tracking courier carrier driver transit mail lost crushed dented smashed slow""".split()),
    "changed_mind": frozenset("""mind need needed anymore mistake accidentally accident wrong cheaper price
        expensive deal sale style like love suit gift plans already use""".split()),
    "malicious": frozenset("""review reviews star chargeback dispute compensate compensation keep keeping
        wore worn used once event party wedding weekend threw extra money""".split()),
}
_SUFFIXES = ("ing", "ed", "es", "s", "ly")


def _stem(word: str) -> str:
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            return word[: -len(suf)]
    return word


def features(text: str) -> list[str]:
    """Content words, the two-word phrases they form, word stems and reason cues.

    Only the words and phrases are ever shown as evidence (`evidence_terms`).
    """
    kept = [w for w in words(text) if w not in STOP_WORDS and len(w) > 1]
    stems = [_stem(w) for w in kept]
    cues = [f"cue:{label}" for label, cue in CUES.items()
            if any(w in cue or st in cue for w, st in zip(kept, stems))]
    stem_feats = [f"stem:{st}" for st, w in zip(stems, kept) if st != w]
    return list(dict.fromkeys(kept + [f"{a} {b}" for a, b in zip(kept, kept[1:])] + stem_feats + cues))


def evidence_terms(feats: Iterable[str], text: str) -> list[str]:
    """The features a merchant can find in the text as written: whole words and
    two-word phrases whose words stand side by side ("runs small", not "lid box")."""
    joined = f" {' '.join(words(text))} "
    return [f for f in feats if ":" not in f and f not in WEAK_WORDS and (" " not in f or f" {f} " in joined)]


def names_defect(text: str) -> bool:
    """Whether an English text names a defect (the only way "quality" may overrule a reason code)."""
    low = text.lower().replace("\u2019", "'")
    return any(w in DEFECT_WORDS for w in words(low)) or any(p in low for p in DEFECT_PHRASES)


@dataclass(frozen=True)
class Lexicon:
    """A linear model over English words, with a sub-reason head; loaded from JSON."""

    version: str
    labels: tuple[str, ...]
    weights: dict[str, np.ndarray]       # feature -> score per label
    intercept: np.ndarray
    subs: tuple[str, ...]
    sub_weights: dict[str, np.ndarray]   # feature -> score per sub-reason
    sub_intercept: np.ndarray

    def scores(self, feats: Iterable[str]) -> np.ndarray:
        out = self.intercept.copy()
        for f in feats:
            w = self.weights.get(f)
            if w is not None:
                out += w
        return out

    def sub_scores(self, feats: Iterable[str]) -> np.ndarray:
        out = self.sub_intercept.copy()
        for f in feats:
            w = self.sub_weights.get(f)
            if w is not None:
                out += w
        return out


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def load_lexicon(path: str | os.PathLike | None = None) -> Lexicon:
    """Read the JSON lexicon (no code runs); a missing or malformed file is an InputError."""
    p = Path(path or os.environ.get(LEXICON_ENV) or LEXICON_PATH)
    try:
        raw = p.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the English lexicon: {exc}", file=str(p),
                         hint="rebuild it: python scripts/make_corpus_en.py --train",
                         code="lexicon_unreadable", params={"reason": str(exc)[:200]}) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError("not an English lexicon file", file=str(p),
                         hint="rebuild it: python scripts/make_corpus_en.py --train", code="lexicon_bad")
    labels = tuple(data["labels"])
    subs = tuple(data["subs"])
    return Lexicon(
        version=hashlib.sha256(raw).hexdigest()[:12],
        labels=labels,
        weights={k: np.asarray(v, dtype=float) for k, v in data["weights"].items()},
        intercept=np.asarray(data["intercept"], dtype=float),
        subs=subs,
        sub_weights={k: np.asarray(v, dtype=float) for k, v in data["sub_weights"].items()},
        sub_intercept=np.asarray(data["sub_intercept"], dtype=float),
    )


_CACHE: dict[str, Lexicon] = {}


def default_lexicon() -> Lexicon:
    """The shipped lexicon, read once per process."""
    key = str(os.environ.get(LEXICON_ENV) or LEXICON_PATH)
    if key not in _CACHE:
        _CACHE[key] = load_lexicon(key)
    return _CACHE[key]


@dataclass(frozen=True)
class Tag:
    reason: str
    sub_reason: str
    confidence: float
    evidence: list[str]
    conflict: bool
    p_malicious: float


def tag_text(text: str, code: str = "", lex: Lexicon | None = None) -> Tag:
    """Reason, sub-reason, confidence and evidence words of one English comment."""
    lex = lex or default_lexicon()
    feats = features(text)
    text_logits = lex.scores(feats)
    code_label = taxonomy.dropdown_label(code) if code else None
    fused = text_logits.copy()
    # NO_REASON_GIVEN / UNKNOWN_OTHER_REASON say nothing: no bonus for "other".
    if code_label in lex.labels and code_label != "other":
        fused[lex.labels.index(code_label)] += CODE_BONUS
    proba = _softmax(fused)
    k = int(proba.argmax())
    reason = lex.labels[k]
    if code_label and code_label in lex.labels and reason == "quality" and code_label != "quality" \
            and not names_defect(text):
        k = lex.labels.index(code_label)  # "quality" needs a named defect to overrule the code
        reason = code_label
    text_proba = _softmax(text_logits)
    tk = int(text_proba.argmax())
    conflict = bool(code_label and code_label != "other" and lex.labels[tk] != code_label
                    and text_proba[tk] >= 0.5 and reason != code_label)
    ev = sorted(((float(lex.weights[f][k]), f) for f in evidence_terms(feats, text)
                 if f in lex.weights and lex.weights[f][k] > 0), reverse=True)
    return Tag(reason=reason, sub_reason=_sub_reason(lex, feats, reason, code), confidence=float(proba[k]),
               evidence=[f for _, f in ev[:MAX_EVIDENCE]], conflict=conflict,
               p_malicious=float(proba[lex.labels.index("malicious")]) if "malicious" in lex.labels else 0.0)


def _sub_reason(lex: Lexicon, feats: list[str], reason: str, code: str) -> str:
    allowed = [i for i, s in enumerate(lex.subs) if s in {x.key for x in taxonomy.sub_reasons_for(reason)}]
    if allowed:
        p = _softmax(lex.sub_scores(feats)[allowed])
        best = int(p.argmax())
        if p[best] >= SUB_MIN_PROBA and feats:
            return lex.subs[allowed[best]]
    return code_sub_reason(code, reason)


def code_sub_reason(code: object, reason: str) -> str:
    """The sub-reason an Amazon reason code implies, when it belongs to `reason`."""
    text = str(code or "").strip().lower()
    for cue, sub in taxonomy.AMAZON_CODE_SUB_REASONS:
        if cue in text:
            s = taxonomy.SUB_REASON_BY_KEY.get(sub)
            return sub if s is not None and s.label == reason else UNSPECIFIED
    return UNSPECIFIED


def overlay(out: pd.DataFrame, texts: pd.Series, drops: pd.Series, review_threshold: float,
            lex: Lexicon | None = None, *, codes: tuple | None = None,
            uniq_list: list | None = None) -> pd.DataFrame:
    """Re-tag the English rows of a classified table in place (classify_frame's hook).

    Works per distinct text (and per distinct (text, reason code) pair for
    the English ones), so repeated comments cost once, and by position (the
    table's index may repeat labels). Rows with no English text are left
    exactly as the model tagged them, apart from an Amazon code's sub-reason
    on code-only rows. `codes` = (text codes, distinct texts, code codes,
    distinct codes) as `pd.factorize` gives them, when the caller has them:
    a Python object per row for a 1M-row table cost seconds and ~0.4 GB.
    `uniq_list`: the distinct texts as a list of Python strings, if the caller
    already made one (classify_frame has, for featurising).
    """
    if not len(out):
        return out
    if codes is None:
        codes = (*pd.factorize(texts, sort=False, use_na_sentinel=False),
                 *pd.factorize(drops, sort=False, use_na_sentinel=False))
    t_codes, t_uniq, d_codes, d_uniq = codes
    # The distinct texts as Python strings: the caller's own list when it has
    # one (a second copy of half a million strings cost ~0.1 GB at 1M rows).
    t_list = uniq_list if uniq_list is not None else pd.Series(t_uniq, dtype=object).tolist()
    d_uniq = np.asarray(pd.Series(d_uniq, dtype=object), dtype=object)
    mask = np.fromiter(map(is_english, t_list), dtype=bool, count=len(t_list))[t_codes]
    _code_only_subs(out, t_uniq, t_codes, d_uniq[d_codes], mask)
    if not mask.any():
        return out
    t_uniq = np.empty(len(t_list), dtype=object)
    t_uniq[:] = t_list
    lex = lex or default_lexicon()
    cache: dict[tuple[str, str], Tag] = {}
    rows = []
    t_eng, d_eng = t_uniq[t_codes[mask]], d_uniq[d_codes[mask]]
    for t, d in zip(t_eng, d_eng):
        if (t, d) not in cache:
            cache[(t, d)] = tag_text(t, d, lex)
        rows.append(cache[(t, d)])
    conf = np.round([r.confidence for r in rows], 4)
    evidence = np.empty(len(rows), dtype=object)
    evidence[:] = [_with_code(r.evidence, d, r.reason) for r, d in zip(rows, d_eng)]
    values = {
        "reason": [r.reason for r in rows], "reason_zh": [taxonomy.LABEL_ZH[r.reason] for r in rows],
        "sub_reason": [r.sub_reason for r in rows], "confidence": conf, "evidence": evidence,
        "needs_review": conf < review_threshold, "reason_conflict": [r.conflict for r in rows],
        "p_malicious": np.round([r.p_malicious for r in rows], 4),
    }
    for col, new in values.items():
        arr = out[col].to_numpy(dtype=object if col in ("reason", "reason_zh", "sub_reason", "evidence") else None,
                                copy=True)
        arr[mask] = new
        out[col] = arr
    return out


def _with_code(evidence: list[str], code: str, reason: str) -> list[str]:
    if code and taxonomy.dropdown_label(code) == reason:
        return list(evidence) + [f"{taxonomy.DROPDOWN_EVIDENCE_PREFIX}{code}"]
    return list(evidence)


def _code_only_subs(out: pd.DataFrame, t_uniq: object, t_codes: np.ndarray, d_arr: np.ndarray,
                    english: np.ndarray) -> None:
    """Rows with an Amazon code and no words: the code's sub-reason where the model left none."""
    blank = (pd.Series(t_uniq, dtype="string").fillna("").str.strip() == "").to_numpy(bool)
    empty = blank[t_codes] & ~english
    if not empty.any() or "sub_reason" not in out.columns:
        return
    subs = out["sub_reason"].to_numpy(dtype=object, copy=True)
    todo = np.flatnonzero(empty & (subs == UNSPECIFIED))
    if not len(todo):
        return
    reasons = out["reason"].iloc[todo].to_numpy(dtype=object)  # only these rows as Python strings
    key = pd.Series(d_arr[todo]).astype(str) + "\0" + pd.Series(reasons).astype(str)
    codes, uniques = pd.factorize(key)
    mapped = np.array([code_sub_reason(*u.split("\0", 1)) for u in uniques], dtype=object)
    subs[todo] = mapped[codes]
    out["sub_reason"] = subs


# ---------------------------------------------------------------------------
# Training (scripts/make_corpus_en.py --train)
# ---------------------------------------------------------------------------
def train(texts: Sequence[str], labels: Sequence[str], subs: Sequence[str], *, c: float = 2.0) -> dict:
    """Fit the lexicon (logistic regression over `features`) and return it as a JSON-ready dict."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = CountVectorizer(analyzer=features, binary=True, min_df=2)
    X = vec.fit_transform(list(texts))
    vocab = vec.get_feature_names_out().tolist()
    label_order = [lbl for lbl in LABELS if lbl in set(labels)]
    clf = LogisticRegression(C=c, max_iter=2000).fit(X, list(labels))
    coef = _reorder(clf, label_order)
    sub_order = sorted(set(subs))
    sub_clf = LogisticRegression(C=c, max_iter=2000).fit(X, list(subs))
    sub_coef = _reorder(sub_clf, sub_order)
    return {
        "format": FORMAT,
        "labels": label_order,
        "intercept": [round(float(v), 4) for v in coef[1]],
        "weights": {f: [round(float(v), 4) for v in coef[0][:, j]] for j, f in enumerate(vocab)},
        "subs": sub_order,
        "sub_intercept": [round(float(v), 4) for v in sub_coef[1]],
        "sub_weights": {f: [round(float(v), 4) for v in sub_coef[0][:, j]] for j, f in enumerate(vocab)},
    }


def _reorder(clf, order: list[str]) -> tuple[np.ndarray, np.ndarray]:
    pos = [list(clf.classes_).index(k) for k in order]
    return clf.coef_[pos], clf.intercept_[pos]


def train_from_csv(corpus: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """Train on a corpus CSV (text, label, sub_reason) and write the JSON lexicon."""
    frame = pd.read_csv(corpus, dtype=str, keep_default_na=False)
    data = train(frame["text"].tolist(), frame["label"].tolist(), frame["sub_reason"].tolist())
    path = Path(out or LEXICON_PATH)
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return path
