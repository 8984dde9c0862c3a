"""Benchmark floor: the fastest plain read + write of the same file, with pyarrow.

Usage:  python -m benchmarks.floor INPUT OUTPUT.csv [--skip-rows 2] [--types string|infer]

Nothing but moving the bytes: no header finding, cleaning, classification or
formula protection.

* CSV: `pyarrow.csv.read_csv` (multi-threaded) with the title lines skipped,
  then `pyarrow.csv.write_csv`. By default every column is read as a string
  (``--types string``; on the generated Douyin files that is also faster than
  type inference, and it is what `classify` must do to keep exact IDs);
  ``--types infer`` lets pyarrow guess the types instead.
* XLSX: python-calamine reads the sheet (the reader `classify` uses), the rows
  become an Arrow table and `pyarrow.csv.write_csv` writes it.

`classify` cannot be faster than this on the same machine, so
``classify / floor`` is what the diagnosis costs on top of reading and
writing. Prints the read and write seconds on stderr.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv


def _encoding(path: Path) -> str:
    """UTF-8 unless the head of the file does not decode as UTF-8 (then GB18030)."""
    with path.open("rb") as fh:
        head = fh.read(65536)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "gb18030"
    return "utf-8"


def _header(path: Path, skip_rows: int, encoding: str) -> list[str]:
    """The header record's names, read by pyarrow itself (one small read)."""
    opts = pacsv.ReadOptions(skip_rows=skip_rows, encoding=encoding, block_size=1 << 16)
    with pacsv.open_csv(path, read_options=opts) as reader:
        return list(reader.schema.names)


def read_csv(path: Path, skip_rows: int, types: str = "string") -> pa.Table:
    """The CSV below its title lines as an Arrow table."""
    encoding = _encoding(path)
    read_opts = pacsv.ReadOptions(skip_rows=skip_rows, encoding=encoding)
    convert = pacsv.ConvertOptions(strings_can_be_null=False, quoted_strings_can_be_null=False)
    if types == "string":
        names = _header(path, skip_rows, encoding)
        convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                       strings_can_be_null=False, quoted_strings_can_be_null=False)
    return pacsv.read_csv(path, read_options=read_opts, convert_options=convert)


def read_xlsx(path: Path, skip_rows: int) -> pa.Table:
    """The first sheet below its title rows as an Arrow table (calamine)."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    rows = rows[skip_rows:]
    if not rows:
        return pa.table({})
    header, body = [str(h) for h in rows[0]], rows[1:]
    columns = {}
    for j, name in enumerate(header):
        values = [r[j] if j < len(r) else None for r in body]
        try:
            columns[name or f"column_{j + 1}"] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed cell types in one column
            columns[name or f"column_{j + 1}"] = pa.array([None if v is None else str(v) for v in values])
    return pa.table(columns)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--skip-rows", type=int, default=2, help="title lines above the header (2 in Douyin exports)")
    ap.add_argument("--types", choices=("string", "infer"), default="string",
                    help="CSV only: read every column as text (default) or let pyarrow infer types")
    args = ap.parse_args(argv)
    src = Path(args.input)
    t0 = time.perf_counter()
    if src.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        table = read_xlsx(src, args.skip_rows)
    else:
        table = read_csv(src, args.skip_rows, args.types)
    t1 = time.perf_counter()
    pacsv.write_csv(table, args.output)
    t2 = time.perf_counter()
    print(f"floor: {table.num_rows:,} rows x {table.num_columns} columns; read {t1 - t0:.2f} s, "
          f"write {t2 - t1:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
