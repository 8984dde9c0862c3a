"""Classify a huge text export in slices of rows, with bounded memory.

Why: a quarter of a big merchant's returns, or an ops team's daily pull, is
10^6-10^7 rows. Read whole, such a file costs several times its size in
memory (the bytes, the decoded text, one Python string per cell, the tagged
copy, the formatted output). Read in slices of `chunk_rows` rows, memory
stays at a few slices whatever the file's length.

The output is meant to be *byte-identical* to the one-pass path
(`read_exports` → `classify_frame` → `export.write_table`), and
`tests/test_perf_equivalence.py` checks it. What makes that hold:

* **Where a slice may end.** A record ends at a line feed that is outside
  quotes, i.e. preceded by an even number of ``"`` (CSV doubles a quote
  inside a quoted field, so the parity is exact for files written by a CSV
  writer). ``"`` and LF never occur inside a multi-byte character of UTF-8
  or GB18030, so the raw bytes can be cut there without decoding.
* **Reading a slice.** Each slice is handed to the same ingest code as a
  whole file would be (`ingest._read_one_export`), as the header record
  followed by the slice's records, re-encoded to UTF-8, with a row offset
  so that `source_row` (and ids synthesised from it) are the file's row
  numbers. Blank lines count as rows, as in the one-pass reader.
* **Classifying a slice.** Every tag of a row depends on that row's text and
  dropdown only, so classifying slice by slice gives the same tags. Slices
  are read and classified by forked worker processes (`DIAGNOSE_WORKERS`,
  default the usable CPUs; at most two slices per worker in flight), then
  formatted as CSV by the workers and concatenated in order.
* **Duplicate return ids** are merged as `read_exports` merges them: the
  *last* occurrence of an id in the file is kept, in its place. That needs
  the whole file, so tagged slices are parked on disk until every id has
  been seen; ids are compared by a 64-bit hash and candidates confirmed on
  the exact strings.
* **Parked slices** are Arrow IPC files (never pickles: loading one runs no
  code) holding the *tagged* rows, which `pipeline.tag_frame` has already
  redacted — no phone, id or address typed by a buyer and no contact column
  in clear ever reaches the disk. They live in a private folder (mode 0700)
  next to the output, named after this process, removed on every exit:
  normal, error, Ctrl-C, SIGTERM/SIGHUP (turned into an orderly exit while
  the run lasts). A SIGKILL cannot be caught; the folder it leaves holds
  only redacted rows, and the next run in that folder removes folders whose
  process is gone (`sweep_stale`).
* **Column-wide output decisions.** The CSV writer prints a datetime column
  as dates only when every value is at midnight; that is decided over the
  kept rows of the whole file, and the slices are written with that
  decision.

Limits (the caller falls back to the one-pass path, which is exact by
definition): only a single text export in UTF-8 (with or without BOM) or
GB18030; UTF-16 files, spreadsheets and several files at once are read in
one pass. If a slice does not decode in the encoding detected from the head
of the file, the whole file is read in one pass instead. Known differences
that are not in the output table: per-row warnings in `FileReport.issues`
are collected slice by slice (up to the ingest's example limit per slice),
and an ambiguous day/month order in a date column is decided on each
slice's values rather than on the whole file's (platform exports write
year-first dates, where there is nothing to decide).
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np
import pandas as pd

from diagnose.errors import InputError
from diagnose import pipeline
from diagnose.io.arrowpool import release_arrow_memory
from diagnose.io import ingest
from diagnose.io.assemble import merge_key

if TYPE_CHECKING:
    from diagnose.model.reason_model import ReasonModel

# Inputs at least this large are classified in slices by default.
AUTO_CHUNK_BYTES = 256 * 1024 * 1024
DEFAULT_CHUNK_ROWS = 100_000
_HEAD_RECORDS = 2_000
_HEAD_BYTES = 4 * 1024 * 1024
_CHUNKABLE_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "gb18030": "gb18030"}

ProgressFn = Callable[[int, int], None]


class NotChunkable(Exception):
    """The input cannot be sliced exactly; read it in one pass instead."""


@dataclass
class ChunkedResult:
    """What `classify_to_file` did, in the terms `IngestResult` uses."""

    files: list[ingest.FileReport]
    rows_in: int
    rows_out: int
    duplicates_merged: int
    needs_review: int
    conflicts: int
    chunks: int


# ---------------------------------------------------------------------------
# Record boundaries
# ---------------------------------------------------------------------------
def record_ends(buf: np.ndarray) -> np.ndarray:
    """Offsets just past each line feed of `buf` that ends a record.

    `buf` must start at a record boundary. A line feed ends a record when an
    even number of double quotes precedes it.
    """
    lf = np.flatnonzero(buf == 0x0A)
    if not len(lf):
        return lf
    quotes = np.flatnonzero(buf == 0x22)
    if len(quotes):
        lf = lf[(np.searchsorted(quotes, lf) & 1) == 0]
    return lf + 1


class _Slicer:
    """Cuts a file into runs of whole records, reading only the bytes it hands out.

    Reads with `os.pread` rather than a memory map: mapped pages that have
    been read stay in the process's resident set, which for a 7 GB export
    would be the whole file.
    """

    def __init__(self, fd: int, size: int, start: int, bytes_per_record: float):
        self.fd = fd
        self.size = size
        self.pos = start
        self.bpr = max(16.0, bytes_per_record)

    def next(self, n_records: int) -> tuple[int, int, int]:
        """(start, end, records) of the next run of at most `n_records` records."""
        start = self.pos
        if start >= self.size:
            return start, start, 0
        window = int(self.bpr * n_records * 1.25) + 65536
        while True:
            buf = _pread(self.fd, min(window, self.size - start), start)
            ends = record_ends(np.frombuffer(buf, dtype=np.uint8))
            if len(ends) >= n_records:
                cut = int(ends[n_records - 1])
                count = n_records
                break
            if start + len(buf) >= self.size:
                cut = len(buf)
                count = len(ends) + (1 if (not len(ends) or int(ends[-1]) < len(buf)) else 0)
                break
            window *= 2
        self.pos = start + cut
        return start, self.pos, count


def _pread(fd: int, n: int, offset: int) -> bytes:
    parts = []
    while n > 0:
        got = os.pread(fd, n, offset)
        if not got:
            break
        parts.append(got)
        n -= len(got)
        offset += len(got)
    return b"".join(parts)


def _odd_quotes(fd: int, size: int, block: int = 64 * 1024 * 1024) -> bool:
    """Whether the file holds an odd number of double quotes (then parity cannot find record ends)."""
    total = 0
    for offset in range(0, size, block):
        total += int(np.count_nonzero(np.frombuffer(_pread(fd, block, offset), dtype=np.uint8) == 0x22))
    return bool(total & 1)


# ---------------------------------------------------------------------------
# The pipeline
# ---------------------------------------------------------------------------
def chunking_wanted(files: Sequence[str], chunk_rows: int | None) -> bool:
    """Whether `classify` should try the sliced path for these inputs.

    `chunk_rows` None means automatic (files of AUTO_CHUNK_BYTES or more);
    0 means never.
    """
    if chunk_rows == 0 or len(files) != 1:
        return False
    if chunk_rows is not None:
        return True
    try:
        return os.path.getsize(files[0]) >= AUTO_CHUNK_BYTES
    except OSError:
        return False


def classify_to_file(
    path: str | os.PathLike,
    output: str | os.PathLike,
    model: "ReasonModel",
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    overrides: dict[str, str] | None = None,
    profile: str | None = None,
    salt: str | None = None,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    shop_models: "dict[str, ReasonModel] | None" = None,
) -> ChunkedResult:
    """Read, classify and write one text export slice by slice.

    Raises `NotChunkable` (before writing anything) when the file is not a
    UTF-8/GB18030 text export or turns out not to decode consistently; the
    caller then reads it in one pass.
    """
    from diagnose.io.export import write_table

    if chunk_rows < 1:
        raise InputError("--chunksize must be a positive number of rows", hint="e.g. --chunksize 100000",
                         code="bad_chunksize")
    path = Path(path)
    out_path = Path(output)
    ext = out_path.suffix.lower()
    if ext not in (".csv", ".xlsx"):
        write_table(pd.DataFrame(), out_path)  # raises the writer's own InputError
    name = path.name
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise InputError("file not found", file=str(path), hint="check the path", code="file_not_found") from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", file=str(path), hint="pass the export files inside it",
                         code="is_folder") from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", file=str(path),
                         code="unreadable_file", params={"reason": str(exc.strerror)}) from None
    with fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            raise NotChunkable("empty file")
        if size > ingest.current_limits().file_bytes:
            raise NotChunkable("over the file size limit")  # the one-pass reader says so, before reading
        return _run(name, fh.fileno(), size, out_path, model, chunk_rows, overrides or {}, profile, salt,
                    progress, workers, dict(shop_models or {}))


def _run(name: str, fd: int, size: int, out_path: Path, model: "ReasonModel", chunk_rows: int,
         overrides: dict[str, str], profile: str | None, salt: str | None, progress: ProgressFn | None,
         workers: int | None, shop_models: dict) -> ChunkedResult:
    """Read the head (header, encoding, profile), then run the slices in a private folder."""
    overrides = {k: v for k, v in overrides.items() if k in ingest.P.MAPPABLE_COLUMNS}
    # --- the head: header, profile, encoding, and the user's errors -------
    head_buf = _pread(fd, min(size, _HEAD_BYTES), 0)
    head_end = _head_end(head_buf, size)
    head_bytes = head_buf[:head_end]
    if head_bytes.startswith(b"PK") or head_bytes.startswith(b"\xd0\xcf\x11\xe0"):
        raise NotChunkable("spreadsheet")
    head = pipeline.read([(name, head_bytes)], overrides=overrides, profile=profile, salt=salt)
    report = head.files[0]
    codec = _CHUNKABLE_ENCODINGS.get(report.encoding or "")
    if codec is None:
        raise NotChunkable(f"encoding {report.encoding}")
    if _odd_quotes(fd, size):
        raise NotChunkable("odd number of quote characters: record ends cannot be told from the bytes")
    header_row = report.header_row
    ends = record_ends(np.frombuffer(head_bytes, dtype=np.uint8))
    if len(ends) < header_row:
        raise NotChunkable("header not within the head")
    hdr_start = int(ends[header_row - 2]) if header_row >= 2 else 0
    hdr_end = int(ends[header_row - 1])
    header = _to_utf8(head_bytes[hdr_start:hdr_end], codec)
    if not header.endswith(b"\n"):
        header += b"\n"
    body_records = len(ends) - header_row
    body_bytes = head_end - hdr_end
    bpr = body_bytes / body_records if body_records > 0 else 200.0

    resolved_salt = ingest._resolve_salt(salt)
    n_proc = _processes(workers)
    limits = ingest.current_limits()
    # Parked slices go next to the output, not to /tmp: they are about twice
    # the input's size, and /tmp is often a small disk or RAM-backed.
    sweep_stale(out_path.parent)
    try:
        tmp = tempfile.TemporaryDirectory(prefix=f"{SLICE_DIR_PREFIX}{os.getpid()}-", dir=out_path.parent)
    except OSError as exc:
        raise InputError(
            f"cannot write next to the output file ({exc.strerror or exc})",
            file=str(out_path),
            hint="check that the folder exists and that you may write there",
            code="write_failed", params={"reason": str(exc.strerror or exc)},
        ) from exc
    plan = _Plan(name=name, fd=fd, size=size, header_row=header_row, hdr_end=hdr_end, header=header,
                 codec=codec, bpr=bpr, report=report, salt=resolved_salt, overrides=overrides, profile=profile)
    with tmp, _signals_exit():
        return _run_in(Path(tmp.name), plan, out_path, model, chunk_rows, n_proc, workers, limits, progress,
                       shop_models)


@dataclass
class _Plan:
    """What the head of the file decided: where the body starts, its header, encoding and report."""

    name: str
    fd: int
    size: int
    header_row: int
    hdr_end: int
    header: bytes
    codec: str
    bpr: float
    report: ingest.FileReport
    salt: str
    overrides: dict
    profile: str | None


def _run_in(folder: Path, plan: _Plan, out_path: Path, model: "ReasonModel", chunk_rows: int, n_proc: int,
            workers: int | None, limits, progress: ProgressFn | None, shop_models: dict) -> ChunkedResult:
    """Slice, tag, park, merge and write, parking slices in the private folder `folder`."""
    global _JOB
    name, fd, size, header_row, report = plan.name, plan.fd, plan.size, plan.header_row, plan.report
    try:
        slicer = _Slicer(fd, size, plan.hdr_end, plan.bpr)
        tasks = []
        first_record = header_row + 1
        while True:
            start, stop, count = slicer.next(chunk_rows)
            if count == 0:
                break
            tasks.append((len(tasks), start, stop, first_record - 2))
            first_record += count
        _JOB = _Job(fd=fd, name=name, header=plan.header, codec=plan.codec, overrides=plan.overrides,
                    salt=plan.salt, profile=plan.profile, model=model, folder=folder,
                    workers=1 if n_proc > 1 else workers, shop_models=shop_models)
        chunk_files: list[Path] = []
        id_hashes: list[np.ndarray] = []
        id_values: list = []
        date_stats: list[dict[str, tuple[np.ndarray, np.ndarray]]] = []
        issues: list[str] = [i for i in report.issues if i.startswith("header found on row")]
        n_rows = 0
        columns = None
        for (_i, _start, stop, _off), res in zip(tasks, _ordered(_tag_slice, tasks, n_proc)):
            part, rows, slice_issues, hashes, ids, stats, cols = res
            for issue in slice_issues:
                if issue.startswith("header found on row") or issue == "no data rows below the header":
                    continue
                if issue not in issues:
                    issues.append(issue)
            n_rows += rows
            if n_rows > limits.rows:
                raise InputError(
                    f"more than the limit of {limits.rows:,} data rows", file=name,
                    hint=f"split the export into smaller periods, or raise {ingest.MAX_ROWS_ENV}",
                    code="rows_over_limit",
                    params={"total": limits.rows + 1, "limit": limits.rows, "env": ingest.MAX_ROWS_ENV},
                )
            if columns is None:
                columns = cols
            elif cols != columns:
                raise NotChunkable("columns differ between slices")
            id_hashes.append(hashes)
            id_values.append(ids)
            date_stats.append(stats)
            chunk_files.append(part)
            if progress:
                progress(stop, size)

        if not chunk_files:
            raise NotChunkable("no data rows below the header")
        keep = _keep_last(id_hashes, id_values)
        del id_values
        date_only = _global_date_only(date_stats, keep)
        merged = sum(int((~k).sum()) for k in keep)
        result = ChunkedResult(
            files=[ingest.FileReport(
                name=report.name, profile=report.profile, encoding=report.encoding,
                header_row=report.header_row, n_rows=n_rows, mapping=report.mapping,
                unmapped=report.unmapped, issues=issues,
            )],
            rows_in=n_rows, rows_out=n_rows - merged, duplicates_merged=merged,
            needs_review=0, conflicts=0, chunks=len(chunk_files),
        )
        _write(chunk_files, keep, date_only, out_path, result, n_proc)
        return result
    finally:
        _JOB = None


def _head_end(head: bytes, size: int) -> int:
    """End of the first few thousand records (or of the first few MB), at a record end."""
    ends = record_ends(np.frombuffer(head, dtype=np.uint8))
    if len(head) == size:
        return len(head)
    if not len(ends):
        raise NotChunkable("no record end in the head")
    return int(ends[min(len(ends), _HEAD_RECORDS) - 1])


def _to_utf8(raw: bytes, codec: str) -> bytes:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        raise NotChunkable(f"a slice does not decode as {codec}") from None
    return raw if codec == "utf-8" else text.encode("utf-8")


def _keep_last(hashes: list[np.ndarray], values: list) -> list[np.ndarray]:
    """Per slice, the rows to keep: the last occurrence of each return id."""
    sizes = [len(h) for h in hashes]
    keep = [np.ones(n, dtype=bool) for n in sizes]
    if not sizes or sum(sizes) == 0:
        return keep
    allh = np.concatenate(hashes)
    order = np.argsort(allh, kind="stable")
    sh = allh[order]
    same = sh[1:] == sh[:-1]
    if not same.any():
        return keep
    cand = np.zeros(len(allh), dtype=bool)
    cand[order[1:][same]] = True
    cand[order[:-1][same]] = True
    pos = np.flatnonzero(cand)  # global row positions, in file order
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    which = np.searchsorted(offsets, pos, side="right") - 1
    strings = [values[c][int(p - offsets[c])] for c, p in zip(which.tolist(), pos.tolist())]
    dup = pd.Series(strings, dtype=object).duplicated(keep="last").to_numpy()
    for c, p in zip(which[dup].tolist(), pos[dup].tolist()):
        keep[c][p - offsets[c]] = False
    return keep


def _date_stats(tagged: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per datetime column: which rows have a value, and which of those are not at midnight."""
    stats = {}
    for col in tagged.columns:
        s = tagged[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            present = s.notna().to_numpy()
            off_midnight = present & (s != s.dt.normalize()).to_numpy()
            stats[col] = (np.packbits(present), np.packbits(off_midnight))
    return stats


def _global_date_only(stats: list[dict], keep: list[np.ndarray]) -> dict[str, bool]:
    """The writer's dates-only decision per column, over the kept rows of every slice."""
    if not stats:
        return {}
    decision = {}
    for col in stats[0]:
        any_value = False
        any_time = False
        for st, k in zip(stats, keep):
            present = np.unpackbits(st[col][0], count=len(k)).astype(bool) & k
            off = np.unpackbits(st[col][1], count=len(k)).astype(bool) & k
            any_value |= bool(present.any())
            any_time |= bool(off.any())
        decision[col] = any_value and not any_time
    return decision


def _write(parts: list[Path], keep: list[np.ndarray], date_only: dict[str, bool], out_path: Path,
           result: ChunkedResult, n_proc: int) -> None:
    from diagnose.io.export import write_table

    if out_path.suffix.lower() in (".xlsx", ".parquet"):  # whole-table formats: gathered, then written
        frames = []
        for i in range(len(parts)):
            frame = _load_kept(parts[i], keep[i])
            result.needs_review += int(frame["needs_review"].sum())
            result.conflicts += int(frame["reason_conflict"].sum())
            frames.append(frame)
        write_table(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(), out_path)
        return
    tmp_out = out_path.with_name(out_path.name + ".partial")
    tasks = [(i, parts[i], keep[i], date_only) for i in range(len(parts))]
    try:
        with open(tmp_out, "wb") as f:
            header: bytes | None = None
            for csv_part, slice_header, review, conflicts in _ordered(_format_slice, tasks, n_proc):
                if header is None:
                    header = slice_header
                    f.write(header)
                elif slice_header != header:
                    raise RuntimeError("slice header differs from the first slice's")
                with open(csv_part, "rb") as src:
                    shutil.copyfileobj(src, f, 16 * 1024 * 1024)
                csv_part.unlink()
                result.needs_review += review
                result.conflicts += conflicts
        os.replace(tmp_out, out_path)
    except OSError as exc:
        raise InputError(
            f"cannot write the file ({exc.strerror or exc})",
            file=str(out_path),
            hint="check that the folder exists, that you may write there, and that the file is not open in Excel",
            code="write_failed", params={"reason": str(exc.strerror or exc)},
        ) from exc
    finally:
        if tmp_out.exists():
            tmp_out.unlink()


# ---------------------------------------------------------------------------
# The private folder: removed on every exit we can see, swept after the rest
# ---------------------------------------------------------------------------
SLICE_DIR_PREFIX = ".diagnose-slices-"
_SLICE_DIR = re.compile(re.escape(SLICE_DIR_PREFIX) + r"(\d+)-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(folder: Path) -> list[Path]:
    """Remove slice folders in `folder` left by runs whose process is gone (a SIGKILL, a power cut).

    Only folders this module names (``.diagnose-slices-<pid>-…``) and only
    when that process no longer exists; returns what was removed.
    """
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _SLICE_DIR.match(entry.name)
        if not m or not entry.is_dir() or entry.is_symlink():
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _alive(pid):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


class _Terminated(SystemExit):
    """SIGTERM/SIGHUP during a run: unwinds like an exit, so every `finally` cleans up."""


@contextmanager
def _signals_exit():
    """While the run lasts, SIGTERM and SIGHUP end it through the normal unwinding path.

    Python's default for them kills the process without running `finally`
    blocks (Ctrl-C already unwinds). Only the main thread may set handlers;
    elsewhere (a dashboard thread) the run keeps the process's handlers.
    Forked workers inherit the handler but only the parent owns the folder.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()
    previous = {}

    def handler(signum, _frame):
        if os.getpid() != owner:
            os._exit(128 + signum)
        raise _Terminated(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)


# ---------------------------------------------------------------------------
# Work on one slice (in this process or in a forked worker)
# ---------------------------------------------------------------------------
@dataclass
class _Job:
    """What every slice task needs; set before workers fork, so they inherit it."""

    fd: int
    name: str
    header: bytes
    codec: str
    overrides: dict
    salt: str
    profile: str | None
    model: "ReasonModel"
    folder: Path
    workers: int | None
    shop_models: dict


_JOB: _Job | None = None


def _tag_slice(task: tuple[int, int, int, int]):
    """Read, canonicalise and classify one slice; park the tagged rows on disk."""

    index, start, stop, row_offset = task
    job = _JOB
    body = _to_utf8(_pread(job.fd, stop - start, start), job.codec)
    frame, rep, _present = ingest._read_one_export(
        job.name, job.header + body, job.overrides, job.salt, job.profile, row_offset=row_offset
    )
    del body
    tagged = pipeline.tag_frame(frame, job.model, workers=job.workers, salt=job.salt, shop_models=job.shop_models)
    del frame
    ids = merge_key(tagged)  # the id plus a hash of the content: the same return, not just the same id
    hashes = pd.util.hash_pandas_object(ids, index=False).to_numpy()
    part = job.folder / f"part{index:06d}.arrow"
    _park(tagged, part)
    release_arrow_memory()  # the slice's buffers, before the next slice is read
    # ids stay an Arrow string array (about 25 bytes a row, not a Python
    # object each): the parent holds every slice's ids until the end.
    return (part, rep.n_rows, rep.issues, hashes, ids.array, _date_stats(tagged), list(tagged.columns))


def _park(frame: pd.DataFrame, part: Path) -> None:
    """Write tagged (already redacted) rows as an Arrow IPC file: data only, nothing to execute."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f, pa.ipc.new_file(f, table.schema) as writer:
        writer.write_table(table)


def _unpark(part: Path) -> pd.DataFrame:
    """A parked slice back as the tagged frame (list columns as lists again, as tag_frame gives them)."""
    import pyarrow as pa

    with pa.memory_map(str(part), "r") as source:
        table = pa.ipc.open_file(source).read_all()
    frame = table.to_pandas()
    for field in table.schema:
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            frame[field.name] = pd.Series([v.tolist() if isinstance(v, np.ndarray) else v
                                           for v in frame[field.name]], dtype=object, index=frame.index)
    return frame


def _load_kept(part: Path, keep: np.ndarray) -> pd.DataFrame:
    frame = _unpark(part)
    if not keep.all():
        frame = frame.loc[keep].reset_index(drop=True)
    return frame


def _format_slice(task):
    """One slice's kept rows as CSV bytes (without header) in a file; its header; counts."""
    from diagnose.io.export import to_csv_bytes

    index, part, keep, date_only = task
    frame = _load_kept(part, keep)
    # The whole file's dates-only decision, not this slice's (see _global_date_only).
    header = to_csv_bytes(frame.iloc[:0], date_only=date_only)
    data = to_csv_bytes(frame, date_only=date_only)
    if not data.startswith(header):
        raise RuntimeError("CSV of a slice does not start with its header")
    out = part.with_suffix(".csv")
    with open(out, "wb") as f:
        f.write(memoryview(data)[len(header):])
    return out, header, int(frame["needs_review"].sum()), int(frame["reason_conflict"].sum())


def _processes(workers: int | None) -> int:
    """Slices processed at once: `workers`, else DIAGNOSE_WORKERS / the usable CPUs (fork only)."""
    from diagnose.model import features as fast

    n = fast.default_workers() if workers is None else max(1, workers)
    return n if n > 1 and fast._can_fork() else 1


def _ordered(fn, tasks: list, n_proc: int):
    """`fn` over `tasks`, results in task order; forked workers when n_proc > 1.

    At most two tasks per worker are in flight, so finished slices do not
    pile up in memory when the parent is slower than the workers.
    """
    if n_proc <= 1 or len(tasks) <= 1:
        for t in tasks:
            yield fn(t)
        return
    import concurrent.futures as cf
    import multiprocessing as mp

    from diagnose.model import text as textmod

    textmod.tokenizer()  # load the dictionary once, before forking
    with cf.ProcessPoolExecutor(max_workers=n_proc, mp_context=mp.get_context("fork")) as ex:
        pending = []
        it = iter(tasks)
        for t in itertools.islice(it, 2 * n_proc):
            pending.append(ex.submit(fn, t))
        while pending:
            result = pending.pop(0).result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(ex.submit(fn, nxt))
            yield result
