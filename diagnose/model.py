"""The reason classifier: TF-IDF over jieba words and characters, then a
multinomial logistic regression with temperature-scaled probabilities.

Why this shape:
- Linear over sparse n-grams is what a few thousand labelled sentences can
  support; it is fast on 2 cores and every decision can be traced back to
  the words that carried it (the `evidence` column).
- Word features (jieba + our domain dictionary, unigrams and bigrams) carry
  meaning such as 偏小 or 发错货; character 1–3-grams survive typos, slang and
  words jieba splits oddly, which real buyer text is full of.
- Logistic regression's scores are turned into probabilities with one
  temperature fitted on out-of-fold predictions, so `confidence` means what
  it says and a review threshold can be chosen on it.

The model file is a zip of plain NumPy arrays plus a JSON header, loaded
with `allow_pickle=False`: loading never executes code. A content hash in
the header is checked on load, so a tampered or foreign file is refused.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize

from . import text as textmod
from .errors import ModelFileError
from .taxonomy import LABELS

FORMAT = "diagnose-reason-model"
FORMAT_VERSION = 1
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "reason_model.npz"
_ARRAYS = ("labels", "word_vocab", "word_idf", "char_vocab", "char_idf", "coef", "intercept")


@dataclass(frozen=True)
class ModelParams:
    """Hyper-parameters; chosen by cross-validation on the training split."""

    char_ngram_max: int = 3
    min_df: int = 2
    C: float = 8.0
    char_weight: float = 0.7
    class_weight: str | None = "balanced"
    # Logit bonus the dropdown reason's label gets: enough to decide a vague
    # text, too little to overrule a buyer who clearly says something else.
    dropdown_bonus: float = 1.0
    # Rows whose confidence is below this go to the review queue (see
    # MODEL_CARD.md for how it was chosen).
    review_threshold: float = 0.55


# --- analyzers (shared by training and prediction) -------------------------
def word_features(tokens: Sequence[str]) -> list[str]:
    """Word unigrams and adjacent-word bigrams."""
    feats = list(tokens)
    feats.extend(f"{a} {b}" for a, b in zip(tokens, tokens[1:]))
    return feats


def make_char_features(n_max: int):
    """Character 1..n_max-grams of the text with spaces removed."""

    def char_features(s: str) -> list[str]:
        s = s.replace(" ", "")
        out = []
        for n in range(1, n_max + 1):
            out.extend(s[i : i + n] for i in range(len(s) - n + 1))
        return out

    return char_features


@dataclass
class Features:
    """The prepared texts of a batch and their sparse feature matrix."""

    prepared: list[str]
    tokens: list[list[str]]
    X: sp.csr_matrix


class ReasonModel:
    """A trained reason classifier. Build with `fit` or `load_model`."""

    def __init__(
        self,
        labels: Sequence[str],
        word_vocab: Sequence[str],
        word_idf: np.ndarray,
        char_vocab: Sequence[str],
        char_idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        meta: dict,
    ):
        self.labels = tuple(labels)
        self.meta = meta
        self.params = ModelParams(**meta["params"])
        self.temperature = float(meta["temperature"])
        self.word_vocab = np.asarray(word_vocab)
        self.char_vocab = np.asarray(char_vocab)
        self.word_idf = np.asarray(word_idf, dtype=np.float64)
        self.char_idf = np.asarray(char_idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.feature_names = np.concatenate([self.word_vocab, self.char_vocab])
        self._word_cv = CountVectorizer(
            analyzer=word_features, vocabulary={t: i for i, t in enumerate(self.word_vocab.tolist())}
        )
        self._char_cv = CountVectorizer(
            analyzer=make_char_features(self.params.char_ngram_max),
            vocabulary={t: i for i, t in enumerate(self.char_vocab.tolist())},
        )
        self.version: str = meta.get("version", "unsaved")

    # -- features ----------------------------------------------------------
    def features(self, raw_texts: Iterable[object]) -> Features:
        """Normalise, focus and tokenise texts; build the TF-IDF matrix."""
        prepared = [textmod.prepare(t) for t in raw_texts]
        tokens = [textmod.tokenize(p) for p in prepared]
        return Features(prepared, tokens, self._matrix(prepared, tokens))

    def _matrix(self, prepared: list[str], tokens: list[list[str]]) -> sp.csr_matrix:
        xw = _tfidf(self._word_cv.transform(tokens), self.word_idf)
        xc = _tfidf(self._char_cv.transform(prepared), self.char_idf) * self.params.char_weight
        return sp.hstack([xw, xc], format="csr")

    # -- prediction --------------------------------------------------------
    def decision(self, X: sp.csr_matrix) -> np.ndarray:
        """Temperature-scaled logits, one column per label."""
        return (X @ self.coef.T + self.intercept) / self.temperature

    def predict_proba(self, raw_texts: Iterable[object]) -> np.ndarray:
        """Calibrated probabilities for raw buyer texts (columns = `labels`)."""
        return softmax(self.decision(self.features(raw_texts).X))

    def predict(self, raw_texts: Iterable[object]) -> list[str]:
        proba = self.predict_proba(raw_texts)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    def explain(self, X: sp.csr_matrix, pred: np.ndarray, top: int = 3) -> list[list[str]]:
        """The few features that pushed each row hardest toward its prediction.

        Contribution of feature j to row i = x_ij · w_{pred_i, j}; computed on
        the CSR data array at once, then the top positive ones per row are
        merged so that overlapping character n-grams read as one phrase.
        """
        X = X.tocsr()
        row_of = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        contrib = X.data * self.coef[pred[row_of], X.indices]
        # Words read better than character n-grams: rank word features
        # first, and let a character n-gram in only as a fallback.
        is_char = X.indices >= len(self.word_vocab)
        rank = contrib - np.where(is_char, 1e3, 0.0)
        names = self.feature_names
        out: list[list[str]] = []
        for i in range(X.shape[0]):
            lo, hi = X.indptr[i], X.indptr[i + 1]
            c, r = contrib[lo:hi], rank[lo:hi]
            chosen: list[str] = []
            for k in np.argsort(-r, kind="stable")[: top * 6]:
                if c[k] <= 0 or (chosen and r[k] < -500):
                    continue
                term = names[X.indices[lo + k]].replace(" ", "")
                if len(term) < 2 or any(term in t for t in chosen):
                    continue
                chosen = [t for t in chosen if t not in term]
                chosen.append(term)
                if len(chosen) >= top:
                    break
            out.append(chosen)
        return out

    # -- persistence -------------------------------------------------------
    def save(self, path: str | Path) -> str:
        """Write the model file deterministically; returns its version."""
        arrays = self._arrays()
        meta = dict(self.meta)
        meta["content_sha256"] = _content_hash(arrays)
        meta["version"] = meta["content_sha256"][:12]
        self.meta, self.version = meta, meta["version"]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            _write_member(zf, "meta.npy", np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)))
            for name in _ARRAYS:
                _write_member(zf, f"{name}.npy", arrays[name])
        path.write_bytes(buf.getvalue())
        return self.version

    def _arrays(self) -> dict[str, np.ndarray]:
        return {
            "labels": np.array(self.labels),
            "word_vocab": self.word_vocab.astype(str),
            "word_idf": self.word_idf,
            "char_vocab": self.char_vocab.astype(str),
            "char_idf": self.char_idf,
            "coef": self.coef,
            "intercept": self.intercept,
        }

    # -- training ----------------------------------------------------------
    @classmethod
    def fit(
        cls,
        texts: Sequence[object],
        labels: Sequence[str],
        params: ModelParams | None = None,
        meta: dict | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> "ReasonModel":
        """Train on raw texts and label keys; deterministic for the same input."""
        params = params or ModelParams()
        y = np.array([LABELS.index(lbl) for lbl in labels])
        prepared = [textmod.prepare(t) for t in texts]
        tokens = [textmod.tokenize(p) for p in prepared]
        wv = TfidfVectorizer(analyzer=word_features, min_df=params.min_df, sublinear_tf=True, lowercase=False)
        cv = TfidfVectorizer(
            analyzer=make_char_features(params.char_ngram_max),
            min_df=params.min_df,
            sublinear_tf=True,
            lowercase=False,
        )
        xw = wv.fit_transform(tokens)
        xc = cv.fit_transform(prepared) * params.char_weight
        X = sp.hstack([xw, xc], format="csr")
        temperature = _fit_temperature(X, y, params, sample_weight)
        clf = _classifier(params).fit(X, y, sample_weight=sample_weight)
        word_vocab = np.array(sorted(wv.vocabulary_, key=wv.vocabulary_.get))
        char_vocab = np.array(sorted(cv.vocabulary_, key=cv.vocabulary_.get))
        full_meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "params": params.__dict__,
            "temperature": temperature,
        }
        full_meta.update(meta or {})
        coef, intercept = _full_weights(clf, X.shape[1])
        return cls(LABELS, word_vocab, wv.idf_, char_vocab, cv.idf_, coef, intercept, full_meta)


def _full_weights(clf: LogisticRegression, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights for all labels, in taxonomy order, even if some had no examples.

    A label absent from the training data gets a very low intercept, so it
    is never predicted (only relevant to tiny corpora in tests).
    """
    coef = np.zeros((len(LABELS), n_features))
    intercept = np.full(len(LABELS), -30.0)
    classes = list(clf.classes_)
    if len(classes) == 2:  # binary LR keeps one row: class 1 vs class 0
        coef[classes[1]] = clf.coef_[0]
        intercept[classes[1]] = clf.intercept_[0]
        intercept[classes[0]] = 0.0
    else:
        coef[classes] = clf.coef_
        intercept[classes] = clf.intercept_
    return coef, intercept


def _classifier(params: ModelParams) -> LogisticRegression:
    return LogisticRegression(C=params.C, max_iter=3000, class_weight=params.class_weight)


def _fit_temperature(X, y, params: ModelParams, sample_weight) -> float:
    """One temperature that minimises out-of-fold log-loss (5 folds)."""
    from scipy.optimize import minimize_scalar

    logits = np.zeros((X.shape[0], len(LABELS)))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for tr, te in folds.split(X, y):
        sw = None if sample_weight is None else sample_weight[tr]
        clf = _classifier(params).fit(X[tr], y[tr], sample_weight=sw)
        coef, intercept = _full_weights(clf, X.shape[1])
        logits[te] = X[te] @ coef.T + intercept

    def nll(log_t: float) -> float:
        p = softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))

    res = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(res.x))


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF × IDF, L2-normalised: what TfidfVectorizer computes."""
    counts = counts.astype(np.float64).tocsr()
    counts.data = 1.0 + np.log(counts.data)
    return normalize(counts @ sp.diags(idf), norm="l2", copy=False).tocsr()


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _content_hash(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in _ARRAYS:
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode())
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _write_member(zf: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    """One .npy member with a fixed timestamp, so rebuilds are byte-identical."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, buf.getvalue())


def load_model(path: str | Path | None = None) -> ReasonModel:
    """Load a model file, refusing anything that is not an intact model of ours."""
    path = Path(path) if path else DEFAULT_MODEL_PATH
    name = str(path)
    if not path.exists():
        raise ModelFileError(
            "model file not found", file=name, hint="run `python -m diagnose train` to build it"
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            members = set(npz.files)
            missing = {"meta", *_ARRAYS} - members
            if missing:
                raise ModelFileError(
                    f"not a diagnose model file (missing {', '.join(sorted(missing))})",
                    file=name,
                    hint="point --model at a file written by `python -m diagnose train`",
                )
            meta = json.loads(str(npz["meta"]))
            arrays = {k: npz[k] for k in _ARRAYS}
    except ModelFileError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, json.JSONDecodeError, KeyError, EOFError) as exc:
        raise ModelFileError(
            f"cannot be read as a model file ({type(exc).__name__}: {exc})",
            file=name,
            hint="rebuild it with `python -m diagnose train` or restore it from the repository",
        ) from None
    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"not a diagnose model file (format {meta.get('format')!r} v{meta.get('format_version')!r})",
            file=name,
            hint="use a model written by this version of diagnose",
        )
    if _content_hash(arrays) != meta.get("content_sha256"):
        raise ModelFileError(
            "model file has been altered (content hash does not match its header)",
            file=name,
            hint="restore the shipped model from the repository or retrain with `python -m diagnose train`",
        )
    if tuple(arrays["labels"].tolist()) != LABELS:
        raise ModelFileError("model labels differ from this version's taxonomy", file=name, hint="retrain")
    return ReasonModel(
        arrays["labels"].tolist(),
        arrays["word_vocab"],
        arrays["word_idf"],
        arrays["char_vocab"],
        arrays["char_idf"],
        arrays["coef"],
        arrays["intercept"],
        meta,
    )
