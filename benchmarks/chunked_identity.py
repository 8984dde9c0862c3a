"""The 10M-row run through the sliced path: peak memory, and its output against one pass.

A single pass over 10M rows does not fit this machine's memory (about 3 GB per
million rows), so "identical to one pass" is shown on a prefix: the first
`--prefix-rows` rows of the same file are written to a file of the same name in
another folder (title and header lines included) and classified in one pass
(`--chunksize 0`); the first rows of the sliced 10M output must equal that
output byte for byte. Each output row depends only on its own input row and the
model, so a prefix that matches is the same check the unit test
(tests/test_perf_equivalence.py, slices vs one pass) makes at small size, here on
the real 10M run.

    python -m benchmarks.chunked_identity /path/douyin9_10000000.csv [--prefix-rows 2000000]
        [--work /tmp/big] [--out benchmarks/RESULTS_big.md]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks.run import PY, measure

HEAD_LINES = 3  # title, export line, header of the generated Douyin layout


def write_prefix(src: Path, dst: Path, rows: int) -> None:
    """The title/header lines and the first `rows` data lines of `src`."""
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for i, line in enumerate(fin):
            if i >= HEAD_LINES + rows:
                break
            fout.write(line)


def same_prefix(big_out: Path, small_out: Path) -> tuple[bool, int]:
    """Whether every line of `small_out` equals the same line of `big_out`; lines compared."""
    n = 0
    with open(big_out, "rb") as fb, open(small_out, "rb") as fs:
        for line in fs:
            if fb.readline() != line:
                return False, n
            n += 1
    return True, n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("--prefix-rows", type=int, default=2_000_000)
    ap.add_argument("--work", default="/tmp/diagnose_big")
    ap.add_argument("--out", default=str(Path(__file__).parent / "RESULTS_big.md"))
    args = ap.parse_args(argv)
    src, work = Path(args.src), Path(args.work)
    (work / "prefix").mkdir(parents=True, exist_ok=True)
    big_out, small_in, small_out = work / "big_out.csv", work / "prefix" / src.name, work / "prefix_out.csv"
    load0 = os.getloadavg()[0]
    t0 = time.time()
    big = measure([PY, "-m", "diagnose", "classify", str(src), "-o", str(big_out)])
    print(f"sliced 10M: {big.wall:.1f} s, peak PSS tree {big.tree_pss / 2**20:,.0f} MB, exit {big.rc}", flush=True)
    write_prefix(src, small_in, args.prefix_rows)
    one = measure([PY, "-m", "diagnose", "classify", str(small_in), "-o", str(small_out), "--chunksize", "0"])
    print(f"one pass on the prefix: {one.wall:.1f} s, peak PSS tree {one.tree_pss / 2**20:,.0f} MB, exit {one.rc}")
    ok, lines = same_prefix(big_out, small_out)
    rows_out = sum(1 for _ in open(big_out, "rb")) - 1
    report = "\n".join([
        "# 10M rows through the sliced path (`python -m benchmarks.chunked_identity`)",
        "",
        f"Input `{src.name}` ({src.stat().st_size / 2**20:,.0f} MB); {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(t0))}; "
        f"{platform.node()}, {os.cpu_count()} cores; load average at start {load0:.1f}, at end {os.getloadavg()[0]:.1f}.",
        "",
        "| run | wall s | peak PSS, process tree | exit |",
        "|---|---|---|---|",
        f"| `classify` on the 10M file (sliced: the default for a file over 256 MB) | {big.wall:.1f} | "
        f"{big.tree_pss / 2**30:.2f} GB | {big.rc} |",
        f"| `classify --chunksize 0` (one pass) on its first {args.prefix_rows:,} rows | {one.wall:.1f} | "
        f"{one.tree_pss / 2**30:.2f} GB | {one.rc} |",
        "",
        f"Output rows of the 10M run: {rows_out:,}. First {lines:,} output lines (header + {lines - 1:,} rows) "
        f"{'**identical**' if ok else '**DIFFERENT**'} to the one-pass output of the prefix"
        + ("." if ok else f" (first difference at line {lines + 1:,})."),
        "Target (issue 11): peak PSS ≤ 2 GB and output identical to one pass.",
        "",
    ])
    Path(args.out).write_text(report, encoding="utf-8")
    print(report)
    return 0 if ok and big.rc == 0 and one.rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
