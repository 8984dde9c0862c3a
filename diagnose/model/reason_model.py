"""The reason classifier: TF-IDF over jieba words and characters, then a
multinomial logistic regression with temperature-scaled probabilities.

Why this shape:
- Linear over sparse n-grams is what a few thousand labelled sentences can
  support; it is fast on 2 cores and every decision can be traced back to
  the words that carried it (the `evidence` column).
- Word features (jieba + our domain dictionary, unigrams and bigrams) carry
  meaning such as 偏小 or 发错货; character 1–3-grams survive typos, slang and
  words jieba splits oddly, which real buyer text is full of; a few cue
  features (`diagnose.model.cues`) carry relations between clauses, such as
  a stated spec and its shortfall, that no n-gram holds.
- Logistic regression's scores are turned into probabilities with one
  temperature fitted on out-of-fold predictions, so `confidence` means what
  it says and a review threshold can be chosen on it.

The model file is a zip of plain NumPy arrays plus a JSON header. Loading
trusts nothing in it (`load_model`):

- only the expected member names (`diagnose.model.modelfile`), each at most `MAX_MEMBER_BYTES`
  uncompressed (a zip bomb is refused before anything is inflated);
- each member's .npy header is read first and only the expected dtype is
  accepted: float arrays for weights, unicode string arrays for vocabularies
  and the JSON header; object arrays (which carry pickles) and any other
  dtype are refused, and arrays are built from raw bytes with the vetted
  dtype (never through pickle), so loading never executes code;
- shapes must agree with each other and every weight must be finite;
- a content hash in the header must match the arrays, and the SHA-256 of
  the whole file must match the one recorded beside it in
  ``<file>.sha256`` (written by `ReasonModel.save`, i.e. by
  ``python -m diagnose train``) and, when the model card beside the file
  names it, the one stated in the card. The file hash also covers the JSON
  header (temperature, review threshold), which the content hash does not.

A model file without a recorded hash is refused, whatever its path: a file
from elsewhere is only loaded after someone decided to trust it, by
recording its hash (``sha256sum FILE > FILE.sha256``) or retraining it with
``python -m diagnose train -o FILE``.
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

from diagnose import settings
from diagnose.errors import ModelFileError
from diagnose.model import cues, evidence, modelfile
from diagnose.model import features as fast
from diagnose.model import text as textmod
from diagnose.model.filehash import card_sha256, hash_record_path, recorded_sha256, write_hash_record
from diagnose.model.params import ModelParams
from diagnose.taxonomy import LABELS, SUB_REASONS

_SUB_LABEL = {s.key: s.label for s in SUB_REASONS}
DEFAULT_MODEL_PATH = settings.DEFAULT_MODEL_PATH



# --- analyzers (shared by training and prediction) -------------------------
def word_features(tokens: Sequence[str]) -> list[str]:
    """Word unigrams and adjacent-word bigrams; none that holds a function word."""
    stop = textmod.is_function_word
    feats = [t for t in tokens if not stop(t)]
    feats.extend(f"{a} {b}" for a, b in zip(tokens, tokens[1:]) if not (stop(a) or stop(b)))
    return feats


def make_char_features(n_max: int):
    """Character 1..n_max-grams of the text with spaces removed, function words left out."""
    stop = textmod.is_function_chars

    def char_features(s: str) -> list[str]:
        s = s.replace(" ", "")
        out = []
        for n in range(1, n_max + 1):
            out.extend(g for i in range(len(s) - n + 1) if not stop(g := s[i : i + n]))
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
        sub_keys: Sequence[str] = (),
        sub_coef: np.ndarray | None = None,
        sub_intercept: np.ndarray | None = None,
        cue_vocab: Sequence[str] = (),
    ):
        self.labels = tuple(labels)
        self.meta = meta
        self.params = ModelParams(**meta["params"])
        self.temperature = float(meta["temperature"])
        self.word_vocab = np.asarray(word_vocab)
        self.char_vocab = np.asarray(char_vocab)
        self.cue_vocab = np.asarray(list(cue_vocab), dtype=str)
        self.word_idf = np.asarray(word_idf, dtype=np.float64)
        self.char_idf = np.asarray(char_idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        # Sub-reason head: one linear model over the same features whose
        # classes are sub-reason keys plus "unspecified:<label>"; at
        # prediction only the predicted label's classes compete.
        self.sub_keys = np.asarray(sub_keys, dtype=str)
        # Feature layout: words, cues, character n-grams. Words and cues are
        # phrases a merchant can read as evidence; n-grams are the fallback.
        self.n_phrase = len(self.word_vocab) + len(self.cue_vocab)
        n_feat = self.n_phrase + len(self.char_vocab)
        self.sub_coef = np.zeros((0, n_feat)) if sub_coef is None else np.asarray(sub_coef, dtype=np.float64)
        self.sub_intercept = np.zeros(0) if sub_intercept is None else np.asarray(sub_intercept, dtype=np.float64)
        self.feature_names = np.concatenate(
            [self.word_vocab, np.asarray(cues.cue_terms(self.cue_vocab.tolist()), dtype=str), self.char_vocab])
        self._word_index = {t: i for i, t in enumerate(self.word_vocab.tolist())}
        self._vectorizers: tuple | None = None
        self._char_index = fast.CharIndex(self.char_vocab.tolist(), self.params.char_ngram_max)
        self.version: str = meta.get("version", "unsaved")

    # -- features ----------------------------------------------------------
    def _count_vectorizers(self) -> tuple:
        """scikit-learn's counting with this vocabulary: the reference path, and the
        fallback for vocabularies `CharIndex` cannot hold. Built on first use,
        because importing scikit-learn costs over a second that tagging with
        the fast paths never needs."""
        if self._vectorizers is None:
            from sklearn.feature_extraction.text import CountVectorizer

            words = CountVectorizer(analyzer=word_features, vocabulary=self._word_index)
            chars = CountVectorizer(
                analyzer=make_char_features(self.params.char_ngram_max),
                vocabulary={t: i for i, t in enumerate(self.char_vocab.tolist())},
            )
            self._vectorizers = (words, chars)
        return self._vectorizers

    def features(self, raw_texts: Iterable[object]) -> Features:
        """Normalise, focus and tokenise texts; build the TF-IDF matrix.

        Uses the exact fast paths of `diagnose.model.features` (block-cached jieba,
        NumPy n-gram counting); `features_reference` is the plain version
        they are tested against.
        """
        prepared, ids, lens, X = self._fast_matrix(raw_texts)
        pool = fast.token_pool()
        words = [pool[i] for i in ids.tolist()]
        ends = np.cumsum(lens).tolist()
        tokens = [words[a:b] for a, b in zip([0] + ends[:-1], ends)]
        return Features(prepared, tokens, X)

    def prepared_and_matrix(self, raw_texts: Iterable[object]) -> tuple[list[str], sp.csr_matrix]:
        """`features` without the token lists (which batch tagging never reads)."""
        prepared, _, _, X = self._fast_matrix(raw_texts)
        return prepared, X

    def _fast_matrix(self, raw_texts: Iterable[object]):
        prepared = fast.prepare_many(list(raw_texts))
        ids, lens = fast.tokenize_ids(prepared)
        wc = fast.word_counts(ids, lens, self._word_index, len(self.word_vocab))
        if self._char_index.supported:
            cc = self._char_index.counts(prepared)
        else:
            cc = self._count_vectorizers()[1].transform(prepared)
        return prepared, ids, lens, self._tfidf_matrix(prepared, wc, cc)

    def features_reference(self, raw_texts: Iterable[object]) -> Features:
        """`features` computed the plain way (jieba per text, scikit-learn counting)."""
        prepared = [textmod.prepare(t) for t in raw_texts]
        tokens = [textmod.tokenize(p) for p in prepared]
        return Features(prepared, tokens, self._matrix(prepared, tokens))

    def _matrix(self, prepared: list[str], tokens: list[list[str]]) -> sp.csr_matrix:
        words, chars = self._count_vectorizers()
        return self._tfidf_matrix(prepared, words.transform(tokens), chars.transform(prepared))

    def _tfidf_matrix(self, prepared: list[str], word_counts: sp.csr_matrix, char_counts: sp.csr_matrix
                      ) -> sp.csr_matrix:
        xw = _tfidf(word_counts, self.word_idf)
        xk = cues.cue_matrix(prepared, self.cue_vocab.tolist(), self.params.cue_weight)
        xc = _tfidf(char_counts, self.char_idf) * self.params.char_weight
        return sp.hstack([xw, xk, xc], format="csr")

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
        """The few phrases that pushed each row hardest toward its prediction
        (`diagnose.model.evidence` holds the rule)."""
        return evidence.explain(X, self.coef, pred, self._terms(), self.n_phrase, top)

    def _terms(self) -> np.ndarray:
        terms = getattr(self, "_terms_cache", None)
        if terms is None:
            terms = np.empty(len(self.feature_names), dtype=object)
            terms[:] = [t.replace(" ", "") for t in self.feature_names.tolist()]
            self._terms_cache = terms
        return terms

    # -- persistence -------------------------------------------------------
    def save(self, path: str | Path) -> str:
        """Write the model file deterministically; returns its version."""
        arrays = self._arrays()
        meta = dict(self.meta)
        meta["content_sha256"] = modelfile.content_hash(arrays)
        meta["version"] = meta["content_sha256"][:12]
        self.meta, self.version = meta, meta["version"]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            modelfile.write_member(zf, "meta.npy", np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)))
            for name in modelfile.ARRAYS:
                modelfile.write_member(zf, f"{name}.npy", arrays[name])
        data = buf.getvalue()
        path.write_bytes(data)
        write_hash_record(path, hashlib.sha256(data).hexdigest())
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
            "sub_keys": self.sub_keys.astype(str),
            "sub_coef": self.sub_coef,
            "sub_intercept": self.sub_intercept,
            "cue_vocab": self.cue_vocab.astype(str),
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
        sub_reasons: Sequence[str] | None = None,
    ) -> "ReasonModel":
        """Train on raw texts and label keys; deterministic for the same input."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        from diagnose.model.estimator import fit_linear

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
        xc = cv.fit_transform(prepared)
        word_vocab = np.array(sorted(wv.vocabulary_, key=wv.vocabulary_.get))
        char_vocab = np.array(sorted(cv.vocabulary_, key=cv.vocabulary_.get))
        word_idf, char_idf = wv.idf_, cv.idf_
        if params.keep_per_label:
            kw, kc = select_features(xw, xc, y, params, sample_weight)
            # Pruned blocks are re-normalised over the kept features, as prediction computes them.
            xw, xc = _renormalise(xw, kw), _renormalise(xc, kc)
            word_vocab, char_vocab = word_vocab[kw], char_vocab[kc]
            word_idf, char_idf = word_idf[kw], char_idf[kc]
        cue_vocab = list(cues.CUE_KEYS) if params.cue_weight > 0 else []
        xk = cues.cue_matrix(prepared, cue_vocab, params.cue_weight)
        X = sp.hstack([xw, xk, xc * params.char_weight], format="csr")
        coef, intercept = fit_linear(X, y, params, sample_weight)
        temperature = float(params.temperature)
        full_meta = {
            "format": modelfile.FORMAT,
            "format_version": modelfile.FORMAT_VERSION,
            "params": params.__dict__,
            "temperature": temperature,
        }
        full_meta.update(meta or {})
        sub_keys, sub_coef, sub_intercept = _fit_sub_reasons(X, labels, sub_reasons, params)
        return cls(
            LABELS, word_vocab, word_idf, char_vocab, char_idf, coef, intercept, full_meta,
            sub_keys, sub_coef, sub_intercept, cue_vocab,
        )

    def predict_sub_reasons(self, X: sp.csr_matrix, label_idx: np.ndarray) -> list[str | None]:
        """Most likely sub-reason of each row within its label; None where the
        head has nothing to say (no head, or no classes for that label)."""
        if not len(self.sub_keys) or X.shape[0] == 0:
            return [None] * X.shape[0]
        keys = self.sub_keys.tolist()
        owner = [k.split(":", 1)[1] if k.startswith("unspecified:") else _SUB_LABEL.get(k, "") for k in keys]
        # allowed[label, class]: the classes that compete for rows of that label
        allowed = np.array([[o == lbl for o in owner] for lbl in LABELS], dtype=bool)
        label_idx = np.asarray(label_idx, dtype=np.int64)
        names = np.array(["unspecified" if k.startswith("unspecified:") else k for k in keys] + [None], dtype=object)
        best = np.full(X.shape[0], len(keys), dtype=np.int64)
        # Only a label's own classes compete, so each label's rows are scored
        # against those alone (a few of the head's classes): the same sums,
        # in the same order, as scoring every class and masking the rest.
        for lbl in np.unique(label_idx).tolist():
            classes = np.flatnonzero(allowed[lbl])
            if not len(classes):
                continue
            rows = np.flatnonzero(label_idx == lbl)
            scores = np.asarray(X[rows] @ self.sub_coef[classes].T) + self.sub_intercept[classes]
            best[rows] = classes[scores.argmax(axis=1)]
        return names[best].tolist()


def select_features(xw: sp.csr_matrix, xc: sp.csr_matrix, y: np.ndarray, params: ModelParams,
                    sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sorted column indices (word block, char block) that survive vocabulary pruning.

    Why: the corpus is written, so many of its n-grams are one writer's
    phrasing that real buyers never use; they cost prediction time and
    give NB room to learn the phrasing instead of the reason. For each label,
    the features whose (weighted) TF-IDF mass in that label most exceeds
    what the label's share predicts (the label's one-vs-rest chi-square term,
    over-represented side only) are kept, `keep_per_label` of them;
    the model keeps the union. Deterministic: ties go to the lower column.
    """
    n_w = xw.shape[1]
    k = int(params.keep_per_label)
    if k <= 0:
        return np.arange(n_w), np.arange(xc.shape[1])
    X = sp.hstack([xw, xc * params.char_weight], format="csr")
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    labels = np.unique(y)
    Y = sp.csr_matrix((w, (np.searchsorted(labels, y), np.arange(len(y)))), shape=(len(labels), len(y)))
    observed = np.asarray((Y @ X).todense())
    share = np.asarray(Y.sum(axis=1)).ravel() / w.sum()
    expected = np.outer(share, np.asarray(observed.sum(axis=0)).ravel())
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(observed > expected, (observed - expected) ** 2 / expected, 0.0)
    keep = np.zeros(X.shape[1], dtype=bool)
    term = np.nan_to_num(term)
    for row in term:
        order = np.argsort(-row, kind="stable")[:k]
        keep[order[row[order] > 0]] = True
    # Neither block may end up empty (the featurisation expects both).
    best = term.max(axis=0)
    for lo, hi in ((0, n_w), (n_w, X.shape[1])):
        if hi > lo and not keep[lo:hi].any():
            keep[lo + int(np.argmax(best[lo:hi]))] = True
    cols = np.flatnonzero(keep)
    return cols[cols < n_w], cols[cols >= n_w] - n_w


def _renormalise(x: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    """The kept columns of an L2-normalised TF-IDF block, L2-normalised again."""
    return l2_rows(x.tocsc()[:, keep].tocsr())


def _fit_sub_reasons(X, labels, sub_reasons, params: ModelParams):
    """Fit the sub-reason head on rows that carry a sub-reason annotation."""
    n_feat = X.shape[1]
    if sub_reasons is None:
        return (), np.zeros((0, n_feat)), np.zeros(0)
    target = [
        (s if s in _SUB_LABEL and _SUB_LABEL[s] == lbl else f"unspecified:{lbl}") if s else None
        for s, lbl in zip(sub_reasons, labels)
    ]
    rows = np.array([i for i, t in enumerate(target) if t is not None])
    if len(rows) == 0 or len({target[i] for i in rows}) < 2:
        return (), np.zeros((0, n_feat)), np.zeros(0)
    y = np.array([target[i] for i in rows])
    from diagnose.model.estimator import fit_sub_head

    return fit_sub_head(X[rows], y, params.nb_alpha)


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF × IDF, L2-normalised: what TfidfVectorizer computes.

    Each stored count is scaled by its own column's IDF in place of a
    product with a diagonal matrix (the same one multiplication per entry,
    without the product's copy and re-sort). The entries stay in column
    order, so each row's norm is summed in that order; the product left
    them in another, which moved some values by the last bit of a float
    (docs/PERFORMANCE.md: no tag changed, tied evidence phrases did).
    """
    counts = counts.tocsr()
    if not counts.has_sorted_indices:
        counts = counts.sorted_indices()
    data = (1.0 + np.log(counts.data.astype(np.float64))) * idf[counts.indices]
    return l2_rows(sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape))


def l2_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    """Each row scaled to unit L2 norm (all-zero rows left alone), in place.

    The same floats as `sklearn.preprocessing.normalize(x, norm="l2")`
    (tests/test_perf_equivalence.py): the squares are summed row by row in
    storage order (scipy's CSR product does) and each value divided by its
    row's norm, as scikit-learn's loop does. Written here so that tagging
    never imports scikit-learn.
    """
    squares = sp.csr_matrix((x.data * x.data, x.indices, x.indptr), shape=x.shape)  # shares the index arrays
    norms = np.sqrt(squares @ np.ones(x.shape[1]))
    norms[norms == 0.0] = 1.0
    x.data = x.data / np.repeat(norms, np.diff(x.indptr))
    return x


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def load_model(path: str | Path | None = None) -> ReasonModel:
    """Load a model file, refusing anything that is not an intact, recorded model of ours.

    See the module docstring for every check. A file without a recorded
    SHA-256 (``<file>.sha256``) is refused with a hint on how to record it.
    """
    path = Path(path) if path else DEFAULT_MODEL_PATH
    name = str(path)
    if not path.exists():
        raise ModelFileError(
            "model file not found", file=name, hint="run `python -m diagnose train` to build it",
            code="model_not_found",
        )
    try:
        size = path.stat().st_size
        if size > modelfile.MAX_TOTAL_BYTES:
            raise ModelFileError(
                f"not a diagnose model file ({size:,} bytes, over the {modelfile.MAX_TOTAL_BYTES:,} limit)",
                file=name,
                hint="point --model at a file written by `python -m diagnose train`",
                code="model_too_large", params={"size": size, "limit": modelfile.MAX_TOTAL_BYTES},
            )
        # One read: the bytes that are hashed are the bytes that are parsed.
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        arrays = modelfile.read_members(io.BytesIO(data), name)
        meta = json.loads(str(arrays.pop("meta")))
    except ModelFileError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, json.JSONDecodeError, KeyError, EOFError,
            NotImplementedError, RuntimeError) as exc:
        raise ModelFileError(
            f"cannot be read as a model file ({type(exc).__name__}: {exc})",
            file=name,
            hint="rebuild it with `python -m diagnose train` or restore it from the repository",
            code="model_unreadable", params={"detail": f"{type(exc).__name__}: {exc}"[:200]},
        ) from None
    meta = modelfile.check_meta(meta, name)
    if modelfile.content_hash(arrays) != meta.get("content_sha256"):
        raise ModelFileError(
            "model file has been altered (content hash does not match its header)",
            file=name,
            hint="restore the shipped model from the repository or retrain with `python -m diagnose train`",
            code="model_altered",
        )
    if tuple(arrays["labels"].tolist()) != LABELS:
        raise ModelFileError("model labels differ from this version's taxonomy", file=name, hint="retrain",
                             code="model_labels_differ")
    modelfile.check_shapes(arrays, name)
    recorded = recorded_sha256(path)
    if recorded is None:
        raise ModelFileError(
            f"model file has no recorded SHA-256 ({hash_record_path(path).name} is missing), so it is not trusted",
            file=name,
            hint=f"retrain it with `python -m diagnose train -o {path.name}`, or, if you trust this file, "
                 f"record its hash: sha256sum {path.name} > {hash_record_path(path).name}",
            code="model_no_record", params={"name": path.name, "record": hash_record_path(path).name},
        )
    if actual != recorded:
        raise ModelFileError(
            f"model file has been altered (its SHA-256 {actual[:12]}… does not match the "
            f"{recorded[:12]}… recorded in {hash_record_path(path).name})",
            file=name,
            hint="restore the model and its .sha256 from the repository or retrain with `python -m diagnose train`",
            code="model_hash_mismatch", params={"actual": actual[:12], "recorded": recorded[:12],
                                                "record": hash_record_path(path).name},
        )
    stated = card_sha256(path)
    if stated is not None and stated != actual:
        raise ModelFileError(
            f"model file does not match its model card (card states SHA-256 {stated[:12]}…, file is {actual[:12]}…)",
            file=name,
            hint="restore the model, its .sha256 and MODEL_CARD.md from the repository, "
                 "or retrain with `python -m diagnose train`",
            code="model_card_mismatch", params={"stated": stated[:12], "actual": actual[:12]},
        )
    meta = dict(meta, file_sha256=actual)
    unknown = cues.unknown_keys(arrays["cue_vocab"].tolist())
    if unknown:
        raise ModelFileError(
            f"model file uses cues this version does not define ({', '.join(unknown)})",
            file=name, hint="retrain it with `python -m diagnose train` on this version",
            code="model_cues_unknown", params={"cues": ", ".join(unknown)[:200]},
        )
    try:
        return ReasonModel(
            arrays["labels"].tolist(),
            arrays["word_vocab"],
            arrays["word_idf"],
            arrays["char_vocab"],
            arrays["char_idf"],
            arrays["coef"],
            arrays["intercept"],
            meta,
            arrays["sub_keys"].tolist(),
            arrays["sub_coef"],
            arrays["sub_intercept"],
            arrays["cue_vocab"].tolist(),
        )
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"model file is not usable ({exc})", file=name, hint="retrain",
                             code="model_unusable", params={"detail": str(exc)[:200]}) from None
