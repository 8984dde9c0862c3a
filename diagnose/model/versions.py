"""Retrained models beside the shipped one: the active version, and the previous ones for rollback.

A retrain from the dashboard must not overwrite the shipped model in the
checkout (that file is reviewed and its hash is in the model card); it writes
``<data dir>/models/reason_model-<version>.npz`` (+ ``.sha256``) instead and
makes it active by naming it in ``<data dir>/models/ACTIVE``. Every model
made active is appended to ``HISTORY``, so rolling back re-activates the one
before, and the shipped model is what is left when the history is empty.
Nothing is ever deleted.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from diagnose import settings

ACTIVE = "ACTIVE"
HISTORY = "HISTORY"
CORPUS_ENV = "DIAGNOSE_CORPUS_DIR"  # another corpus folder for retraining (tests, a shop's own corpus)


def models_dir() -> Path:
    """``<data dir>/models`` (read on every call, like the data dir)."""
    return settings.data_dir() / "models"


def _history() -> list[str]:
    path = models_dir() / HISTORY
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def active_model_path() -> Path | None:
    """The retrained model in use, or None for the shipped one."""
    path = models_dir() / ACTIVE
    if not path.exists():
        return None
    name = path.read_text(encoding="utf-8").strip()
    return models_dir() / name if name else None


def _activate(name: str | None) -> None:
    models_dir().mkdir(parents=True, exist_ok=True)
    (models_dir() / ACTIVE).write_text((name or "") + "\n", encoding="utf-8")


@dataclass
class Retrained:
    version: str
    path: Path
    previous: str  # version (or "shipped") that was active before
    n_corrections: int
    held_out_macro_f1: float


def retrain(store, progress: Callable[[float, str], None] | None = None,
            corpus_dir: Path | None = None) -> Retrained:
    """Train on the corpus + the store's corrections, save under the data dir and make it active."""
    from diagnose.model import training
    from diagnose.model.reason_model import load_model

    before = active_model_path()
    previous = load_model(before).version if before else "shipped"
    corpus = Path(corpus_dir or os.environ.get(CORPUS_ENV) or settings.CORPUS_DIR)
    result = training.train(corpus, corrections=store.training_rows(), progress=progress)
    models_dir().mkdir(parents=True, exist_ok=True)
    tmp = models_dir() / "reason_model-new.npz"
    version = result.model.save(tmp)
    name = f"reason_model-{version}.npz"
    final = models_dir() / name
    tmp.replace(final)
    tmp.with_name(tmp.name + ".sha256").unlink()
    from diagnose.model.reason_model import write_hash_record

    write_hash_record(final)
    with (models_dir() / HISTORY).open("a", encoding="utf-8") as fh:
        fh.write(name + "\n")
    _activate(name)
    return Retrained(version, final, previous, result.n_corrections, result.model_eval.macro_f1_six)


def rollback() -> str:
    """Re-activate the model before the active one; returns its file name, or "shipped"."""
    hist = _history()
    current = active_model_path()
    names = [h for h in hist if (models_dir() / h).exists()]
    if current is not None and current.name in names:
        names = names[: names.index(current.name)]
    previous = names[-1] if names else None
    if current is not None and current.name in hist:
        # drop the rolled-back entry from the history so a second rollback goes further back
        kept = hist[: len(hist) - 1 - hist[::-1].index(current.name)]
        (models_dir() / HISTORY).write_text("".join(h + "\n" for h in kept), encoding="utf-8")
    _activate(previous)
    return previous or "shipped"
