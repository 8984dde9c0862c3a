"""Benchmark (a), the floor: read an export with pandas and write it back, nothing else.

Usage:  python benchmarks/floor.py INPUT OUTPUT.csv [--skip-rows 2]

No detection, cleaning, classification or formula protection: every cell
read as a string (pandas' pyarrow CSV engine, calamine for XLSX) and
written as UTF-8 CSV with `DataFrame.to_csv`. `classify` cannot be faster
than this on the same machine, so `classify / floor` says how much the
diagnosis itself costs on top of moving the bytes.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd


def read(path: Path, skip_rows: int) -> pd.DataFrame:
    """The file as an all-string frame, header on line `skip_rows + 1`."""
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path, engine="calamine", header=skip_rows, dtype=str)
    head = path.open("rb").read(65536)
    encoding = "utf-8"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            encoding = "gb18030"
    return pd.read_csv(path, engine="pyarrow", skiprows=skip_rows, dtype=str, encoding=encoding,
                       keep_default_na=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--skip-rows", type=int, default=2, help="title lines above the header (2 in Douyin exports)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    frame = read(Path(args.input), args.skip_rows)
    t1 = time.perf_counter()
    frame.to_csv(args.output, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    t2 = time.perf_counter()
    print(f"floor: {len(frame):,} rows x {frame.shape[1]} columns; read {t1 - t0:.2f} s, write {t2 - t1:.2f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
