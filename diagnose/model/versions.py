"""Retrained models beside the shipped one: the active version, and the previous ones for rollback.

A retrain from the dashboard must not overwrite the shipped model in the
checkout (that file is reviewed and its hash is in the model card); it writes
``<data dir>/models/reason_model-<version>.npz`` (+ ``.sha256``) instead and
makes it active by naming it in ``<data dir>/models/ACTIVE``. Every model
made active is appended to ``HISTORY``, so rolling back re-activates the one
before, and the shipped model is what is left when the history is empty.
Nothing is ever deleted.

Per shop: where ops staff label per shop, a shop can get a model of its own,
trained on the corpus + every correction with that shop's corrections
weighted `SHOP_WEIGHT` times the others (its buyers, its products, its
phrasing). It lives in ``<data dir>/models/shops/<key>/`` (the key is a hash of
the shop name, which is also written in ``SHOP`` there) with its own
``ACTIVE`` and ``HISTORY``, so it is made active and rolled back exactly like
the install-wide model, independently of it. `classify_by_shop` tags a shop's
rows with that shop's model and every other row with the install-wide one.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from diagnose import settings

ACTIVE = "ACTIVE"
HISTORY = "HISTORY"
CORPUS_ENV = "DIAGNOSE_CORPUS_DIR"  # another corpus folder for retraining (tests, a shop's own corpus)
SHOP_FILE = "SHOP"
SHOPS = "shops"
# How much more one of the shop's own corrections weighs than another shop's in its model.
SHOP_WEIGHT = 5.0


def shop_key(shop: str) -> str:
    """A file-system-safe folder name for a shop (its name may hold any characters)."""
    return hashlib.sha256(shop.encode("utf-8")).hexdigest()[:16]


def models_dir(shop: str | None = None) -> Path:
    """``<data dir>/models``, or ``<data dir>/models/shops/<key>`` for one shop (read on every call)."""
    base = settings.data_dir() / "models"
    return base / SHOPS / shop_key(shop) if shop else base


def _history(shop: str | None = None) -> list[str]:
    path = models_dir(shop) / HISTORY
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def active_model_path(shop: str | None = None) -> Path | None:
    """The retrained model in use (install-wide, or the shop's own), or None for the fallback.

    The fallback is the shipped model install-wide, and the install-wide model for a shop.
    """
    path = models_dir(shop) / ACTIVE
    if not path.exists():
        return None
    name = path.read_text(encoding="utf-8").strip()
    return models_dir(shop) / name if name else None


def _activate(name: str | None, shop: str | None = None) -> None:
    where = models_dir(shop)
    where.mkdir(parents=True, exist_ok=True)
    if shop:
        (where / SHOP_FILE).write_text(shop + "\n", encoding="utf-8")
    (where / ACTIVE).write_text((name or "") + "\n", encoding="utf-8")


def shop_model_paths() -> dict[str, Path]:
    """Shop name → its active model file, for every shop that has one."""
    root = settings.data_dir() / "models" / SHOPS
    out: dict[str, Path] = {}
    if not root.is_dir():
        return out
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        name_file = folder / SHOP_FILE
        if not name_file.exists():
            continue
        shop = name_file.read_text(encoding="utf-8").strip()
        path = active_model_path(shop) if shop else None
        if path is not None and path.exists():
            out[shop] = path
    return out


def load_shop_models() -> dict:
    """Shop name → loaded model (same trust checks as any model file: `load_model`)."""
    from diagnose.model.reason_model import load_model

    return {shop: load_model(path) for shop, path in shop_model_paths().items()}


def shop_corrections(rows, shop: str, weight: float = SHOP_WEIGHT):
    """Training rows with a `weight` column: the shop's own corrections `weight`, the others 1."""
    rows = rows.copy()
    own = rows["shop"].astype(str).to_numpy() == shop if "shop" in rows.columns else False
    rows["weight"] = 1.0
    rows.loc[own, "weight"] = float(weight)
    return rows


def classify_by_shop(frame, model, shop_models: dict | None = None, **kwargs):
    """`classify_frame`, with each shop's rows tagged by that shop's model where one exists.

    Rows of shops without a model (and rows without a shop) go through `model`;
    the row order is the input's.
    """
    import pandas as pd

    from diagnose.model.classify import classify_frame

    if not shop_models or "shop" not in frame.columns or frame.empty:
        return classify_frame(frame, model, **kwargs)
    shops = frame["shop"].astype("string").fillna("").str.strip()
    own = shops.isin(list(shop_models)).to_numpy(bool)
    if not own.any():
        return classify_frame(frame, model, **kwargs)
    parts = [classify_frame(frame[~own], model, **kwargs)] if (~own).any() else []
    for shop, shop_model in shop_models.items():
        mask = (shops == shop).to_numpy(bool)
        if mask.any():
            parts.append(classify_frame(frame[mask], shop_model, **kwargs))
    out = pd.concat(parts)
    return out.loc[frame.index] if frame.index.is_unique else out.sort_index(kind="stable")


@dataclass
class Retrained:
    version: str
    path: Path
    previous: str  # version (or "shipped") that was active before
    n_corrections: int
    held_out_macro_f1: float


def retrain(store, progress: Callable[[float, str], None] | None = None,
            corpus_dir: Path | None = None, shop: str | None = None) -> Retrained:
    """Train on the corpus + the store's corrections, save under the data dir and make it active.

    With `shop`, the model is that shop's own: its corrections weigh `SHOP_WEIGHT`
    times the others', and it is stored and activated in the shop's folder only.
    `previous` is then the shop's model before, or "install" when it had none.
    """
    from diagnose.model import training
    from diagnose.model.filehash import write_hash_record
    from diagnose.model.reason_model import load_model

    before = active_model_path(shop)
    previous = load_model(before).version if before else ("install" if shop else "shipped")
    corpus = Path(corpus_dir or os.environ.get(CORPUS_ENV) or settings.CORPUS_DIR)
    rows = store.training_rows()
    if shop:
        rows = shop_corrections(rows, shop)
    result = training.train(corpus, corrections=rows, progress=progress)
    where = models_dir(shop)
    where.mkdir(parents=True, exist_ok=True)
    tmp = where / "reason_model-new.npz"
    version = result.model.save(tmp)
    name = f"reason_model-{version}.npz"
    final = where / name
    tmp.replace(final)
    tmp.with_name(tmp.name + ".sha256").unlink()
    write_hash_record(final)
    with (where / HISTORY).open("a", encoding="utf-8") as fh:
        fh.write(name + "\n")
    _activate(name, shop)
    return Retrained(version, final, previous, result.n_corrections, result.model_eval.macro_f1_six)


def rollback(shop: str | None = None) -> str:
    """Re-activate the model before the active one; returns its file name, or "shipped"
    (install-wide) / "install" (a shop back on the install-wide model)."""
    hist = _history(shop)
    current = active_model_path(shop)
    where = models_dir(shop)
    names = [h for h in hist if (where / h).exists()]
    if current is not None and current.name in names:
        names = names[: names.index(current.name)]
    previous = names[-1] if names else None
    if current is not None and current.name in hist:
        # drop the rolled-back entry from the history so a second rollback goes further back
        kept = hist[: len(hist) - 1 - hist[::-1].index(current.name)]
        (where / HISTORY).write_text("".join(h + "\n" for h in kept), encoding="utf-8")
    _activate(previous, shop)
    return previous or ("install" if shop else "shipped")
