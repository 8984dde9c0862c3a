"""Compare a `spark-classify` Parquet output with `python -m diagnose classify`, row for row.

Usage:  PYTHONPATH=$PWD .venv/bin/python scripts/compare_spark.py SPARK_OUT_DIR FILE [FILE ...]

Runs ``python -m diagnose classify`` on FILE… in sorted full-path order (the
Spark job's input order) into a temporary CSV, then lines the Spark rows up
with it (sorted by input file, then ``source_row``), turns the Spark job's
``extra_columns`` JSON back into classify's own extra columns, and formats the
Spark table with the same writer classify uses (`diagnose.io.export.to_csv_bytes`),
so both sides are compared as the same CSV text, cell by cell. Spark's own
``extra_columns`` and ``source_path`` are set aside (they have no classify
counterpart) and named in the summary.

Prints rows, columns, and every column that differs with its first
differences; exits 0 when every row and column is the same, 1 otherwise.
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from diagnose.batch import spark as spark_job
from diagnose.io.export import to_csv_bytes

ROOT = Path(__file__).resolve().parent.parent


def run_classify(files: list[Path], out: Path) -> None:
    """`python -m diagnose classify` on the files in the job's input order."""
    cmd = [sys.executable, "-m", "diagnose", "classify", *map(str, files), "-o", str(out)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"classify failed ({done.returncode}):\n{done.stderr[-3000:]}")


def _read_csv_text(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")


def spark_as_classify(spark_dir: Path, files: list[Path], columns: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The Spark rows in classify's order and columns (extras unpacked); and the Spark-only columns."""
    got = pd.read_parquet(spark_dir)
    order = {str(p): i for i, p in enumerate(files)}
    file_idx = got[spark_job.PATH_COLUMN].map(lambda s: order.get(s.removeprefix("file:"), len(order)))
    got = got.assign(_o=file_idx).sort_values(["_o", "source_row"], kind="stable").drop(columns="_o")
    got = got.reset_index(drop=True)
    extras = [json.loads(s) if isinstance(s, str) else {} for s in got[spark_job.EXTRA_COLUMN]]
    table = {}
    for col in columns:
        if col in got.columns:
            s = got[col]
            if col == "evidence":  # Arrow hands lists back as arrays
                s = s.map(lambda v: list(v) if isinstance(v, (list, tuple, np.ndarray)) else [])
            table[col] = s
        else:
            table[col] = pd.Series([e.get(col) for e in extras], dtype=object)
    spark_only = [c for c in got.columns if c not in columns]
    return pd.DataFrame(table), spark_only


def compare(expected: pd.DataFrame, got: pd.DataFrame, show: int = 3) -> list[str]:
    """Differences as readable lines (empty when identical)."""
    problems = []
    if len(expected) != len(got):
        problems.append(f"rows: classify {len(expected):,}, spark {len(got):,}")
        return problems
    if list(expected.columns) != list(got.columns):
        problems.append(f"columns differ: classify {list(expected.columns)} / spark {list(got.columns)}")
        return problems
    for col in expected.columns:
        diff = np.flatnonzero(expected[col].to_numpy() != got[col].to_numpy())
        if len(diff):
            examples = "; ".join(f"row {i}: {expected[col].iat[i]!r} vs {got[col].iat[i]!r}" for i in diff[:show])
            problems.append(f"column {col}: {len(diff):,} rows differ ({examples})")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spark_out")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    files = sorted(Path(f).resolve() for f in args.files)
    with tempfile.TemporaryDirectory(prefix="compare-spark-") as tmp:
        out = Path(tmp) / "classify.csv"
        run_classify(files, out)
        expected = _read_csv_text(out.read_bytes())
    spark_frame, spark_only = spark_as_classify(Path(args.spark_out), files, list(expected.columns))
    got = _read_csv_text(to_csv_bytes(spark_frame))
    problems = compare(expected, got)
    print(f"classify: {len(expected):,} rows x {expected.shape[1]} columns from {len(files)} file(s); "
          f"spark: {len(got):,} rows (+ spark-only columns: {', '.join(spark_only)})")
    if problems:
        print("DIFFERENT:")
        for line in problems:
            print("  " + line)
        return 1
    print("IDENTICAL: every row and every one of classify's columns, compared as classify's CSV text")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
