"""`python -m diagnose spark-classify`: the `classify` command as an Apache Spark batch job.

Platform ops teams collect after-sales exports from hundreds of shops; one
machine stops being enough. This job tags the same rows with the same
columns as `classify`, spread over a Spark cluster (docs/SPARK.md).

How it stays identical to `classify`:

* **Reading.** Spark's ``binaryFile`` source lists the files (Hadoop glob
  rules, any file system Spark can read) and hands each file's bytes to an
  executor, where the project's own `ingest.read_exports` reads it. Every
  encoding, title-row, profile and cleaning rule therefore behaves exactly
  as in `classify`. A Parquet file (recognised by its ``PAR1`` magic, not
  its name) is read as the table it holds and passed through the same
  reader, so its columns are mapped by the same header synonyms (canonical
  names such as ``buyer_text`` are synonyms too).
* **Duplicate return ids.** `read_exports` keeps the *last* row of a
  return id in input order. Here the input order is the files sorted by
  full path, then the rows of each file; rows are shuffled by return id and
  each partition keeps the last one in that order, which is the same rule.
  `classify` given the same files in sorted order gives the same rows.
* **Tagging.** `classify.classify_frame` runs on each partition through
  ``mapInPandas`` (it already works once per distinct text, so there is no
  per-row Python). The model file's bytes are broadcast once and each
  Python worker loads them once, cached by their SHA-256, after the same
  integrity checks `load_model` makes on the driver.

Output: Parquet files in OUTPUT_DIR with `classify`'s fixed columns (the
canonical table, then the tag columns), plus ``extra_columns`` — the
export's unmapped columns of that row as one JSON object (header -> text),
because Parquet needs one schema while every platform has other extra
columns — and ``source_path``, the file's full path. ``source_file`` and
``source_row`` order the rows the way `classify` does.

pyspark is an optional dependency (requirements-spark.txt): this module
imports it only inside the command, so the rest of `diagnose` works
without it.
"""
from __future__ import annotations

import argparse
import io
import math
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from diagnose import settings
from diagnose.batch.spark_args import DEFAULT_ROWS_PER_PARTITION, add_arguments
from diagnose.errors import InputError
from diagnose.io import redact

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pyspark.sql import SparkSession

INSTALL_HINT = "pip install -r requirements-spark.txt"
EXTRA_COLUMN = "extra_columns"
PATH_COLUMN = "source_path"

# Internal columns of the read stage; none of them reaches the output.
_FILE_IDX = "_file_idx"
_KIND = "_kind"  # "row" for a data row, "file" for the one report row per file
_REPORT = "_report"  # JSON FileReport, or the error message, on "file" rows
_ERROR = "_error"

_DOUBLE_COLUMNS = {"amount", "quantity", "confidence", "p_malicious"}
_TIMESTAMP_COLUMNS = {"applied_at", "signed_at"}
_LONG_COLUMNS = {"source_row"}
_BOOL_COLUMNS = {"needs_review", "reason_conflict"}
_LIST_COLUMNS = {"evidence"}
_PARQUET_MAGIC = b"PAR1"
_NO_USER_DICT = "diagnose's jieba dictionary is missing on this executor"
_SHIP_HINT = (
    "ship the diagnose package and its dependencies to the executors as a packed "
    "environment (--archives, docs/SPARK.md); a zipped --py-files copy lacks its data files"
)


def _spark_failure(exc: BaseException) -> InputError:
    """A failed Spark job as one line: the cause, without the executor traceback."""
    text = str(exc)
    if "No module named 'diagnose'" in text or "No module named 'jieba'" in text or _NO_USER_DICT in text:
        what = _NO_USER_DICT if _NO_USER_DICT in text else "the executors cannot import diagnose or its dependencies"
        return InputError(what, hint=_SHIP_HINT, code="spark_not_shipped", params={"detail": what})
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    last = next((ln for ln in reversed(lines) if not ln.startswith(("at ", "File ", "^"))), type(exc).__name__)
    return InputError(f"the Spark job failed: {last[:300]}", hint="rerun with --debug for the full Spark error",
                      code="spark_failed", params={"detail": last[:300]})


def _is_spark_error(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("pyspark", "py4j"))


# ---------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------
def _spark_type(column: str) -> str:
    """Spark SQL type of a canonical or tag column (DDL form).

    Dates are ``timestamp_ntz``: the canonical table holds naive wall-clock
    times as the export wrote them, which a zone-aware ``timestamp`` would
    shift by the session time zone.
    """
    if column in _DOUBLE_COLUMNS:
        return "double"
    if column in _TIMESTAMP_COLUMNS:
        return "timestamp_ntz"
    if column in _LONG_COLUMNS:
        return "bigint"
    if column in _BOOL_COLUMNS:
        return "boolean"
    if column in _LIST_COLUMNS:  # Parquet holds the library's lists as lists
        return "array<string>"
    return "string"


def _ddl(columns: Sequence[str]) -> str:
    return ", ".join(f"`{c}` {_spark_type(c)}" for c in columns)


def canonical_columns() -> tuple[str, ...]:
    """The canonical columns as `ingest` defines them today."""
    from diagnose.io.ingest import CANONICAL_COLUMNS

    return tuple(CANONICAL_COLUMNS)


def output_columns() -> tuple[str, ...]:
    """Output column order: canonical, extra_columns, tag columns, source_path."""
    from diagnose.model.classify import TAG_COLUMNS

    return canonical_columns() + (EXTRA_COLUMN,) + tuple(TAG_COLUMNS) + (PATH_COLUMN,)


def _read_stage_columns() -> tuple[str, ...]:
    return canonical_columns() + (EXTRA_COLUMN, PATH_COLUMN, _FILE_IDX, _KIND, _REPORT, _ERROR)


def _read_stage_ddl() -> str:
    cols = _read_stage_columns()
    parts = []
    for c in cols:
        kind = "int" if c == _FILE_IDX else _spark_type(c)
        parts.append(f"`{c}` {kind}")
    return ", ".join(parts)


# ---------------------------------------------------------------------------
# Executor side: reading one file
# ---------------------------------------------------------------------------
def parquet_as_csv(name: str, data: bytes) -> bytes:
    """A Parquet file's table as UTF-8 CSV bytes, for `read_exports`.

    Going through the export reader (instead of trusting the Parquet column
    types) gives Parquet input the same header mapping, cleaning, hashing of
    personal columns and row accounting as a CSV export; ``source_row`` is
    then the row as a spreadsheet of that table would number it (header =
    row 1).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as exc:
        raise InputError(
            f"the Parquet file cannot be read ({str(exc).splitlines()[0][:200]})",
            file=name,
            hint="write it again, or export the shop data as CSV/XLSX",
            code="parquet_unreadable", params={"detail": str(exc).splitlines()[0][:200]},
        ) from None
    nested = [f.name for f in table.schema if pa.types.is_nested(f.type)]
    if nested:
        raise InputError(
            f"Parquet column(s) {', '.join(nested)} hold lists or structs, not cells",
            file=name,
            hint="flatten them to text columns before running the job",
            code="parquet_nested", params={"columns": ", ".join(nested)},
        )
    if table.num_columns == 0:
        raise InputError("the Parquet file has no columns", file=name, hint="check the file",
                         code="parquet_no_columns")
    sink = io.BytesIO()
    try:
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=True))
    except pa.ArrowException as exc:
        raise InputError(
            f"a Parquet column cannot be turned into text ({str(exc).splitlines()[0][:200]})",
            file=name,
            hint="cast binary or unusual columns to strings before running the job",
            code="parquet_not_text", params={"detail": str(exc).splitlines()[0][:200]},
        ) from None
    return sink.getvalue()


def _extras_as_json(frame: pd.DataFrame, extras: list[str]) -> pd.Series:
    """Each row's unmapped columns as one JSON object, built column-wise by pandas."""
    if not extras or frame.empty:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    sub = frame[extras].astype(object).where(frame[extras].notna(), None)
    lines = sub.to_json(orient="records", lines=True, force_ascii=False)
    rows = lines.rstrip("\n").split("\n")
    return pd.Series(rows, index=frame.index, dtype=object)


def _empty_read_frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([None] * n, dtype=object) for c in _read_stage_columns()})


def read_one_file(
    path: str,
    data: bytes,
    file_idx: int,
    overrides: Mapping[str, str],
    salt: str,
    profile: str | None,
) -> pd.DataFrame:
    """One export file -> its canonical rows plus one report row (read-stage schema).

    Never raises for bad input: the problem goes into the report row, so the
    driver can show it as one readable line instead of a task failure.
    """
    import json

    from diagnose import pipeline

    name = path.rstrip("/").rsplit("/", 1)[-1]
    report_row = _empty_read_frame(1)
    report_row[PATH_COLUMN] = path
    report_row[_FILE_IDX] = file_idx
    report_row[_KIND] = "file"
    try:
        if data[:4] == _PARQUET_MAGIC:
            data = parquet_as_csv(name, data)
        result = pipeline.read([(name, data)], overrides=overrides, salt=salt, profile=profile)
    except InputError as exc:
        report_row[_ERROR] = str(exc)
        return report_row
    except Exception as exc:  # noqa: BLE001 - shown to the user as one line, never a traceback
        report_row[_ERROR] = f"{name}: cannot be read ({type(exc).__name__}: {exc})"
        return report_row
    rep = result.files[0]
    report_row[_REPORT] = json.dumps(
        {
            "name": rep.name, "profile": rep.profile, "encoding": rep.encoding,
            "header_row": rep.header_row, "n_rows": rep.n_rows, "mapping": rep.mapping,
            "issues": rep.issues, "duplicates_merged": result.duplicates_merged,
        },
        ensure_ascii=False,
    )
    # Redact cell by cell before the unmapped columns become one JSON text (see redact.ENCODED_COLUMNS).
    frame = redact.redact_frame(result.frame, salt=salt)
    canon = list(canonical_columns())
    extras = [c for c in frame.columns if c not in canon]
    rows = frame[canon].copy()
    rows[EXTRA_COLUMN] = _extras_as_json(frame, extras).to_numpy()
    rows[PATH_COLUMN] = path
    rows[_FILE_IDX] = np.int32(file_idx)
    rows[_KIND] = "row"
    rows[_REPORT] = None
    rows[_ERROR] = None
    return pd.concat([rows, report_row], ignore_index=True)[list(_read_stage_columns())]


# ---------------------------------------------------------------------------
# Executor side: the model, once per Python worker
# ---------------------------------------------------------------------------
_MODEL_CACHE: dict[str, Any] = {}


def worker_model(digest: str, name: str, payload: Any) -> Any:
    """The broadcast model, loaded once per Python worker process.

    `payload` is the broadcast (its ``.value`` is read only on a cache
    miss). The bytes are written to a private temp folder with their
    recorded SHA-256 and loaded by `load_model`, so the executor runs the
    same integrity checks as `classify` does.
    """
    cached = _MODEL_CACHE.get(digest)
    if cached is not None:
        return cached
    from diagnose.model.filehash import write_hash_record
    from diagnose.model.reason_model import load_model
    from diagnose.model.text import USER_DICT

    if not USER_DICT.exists():
        # Without it jieba segments differently and every tag could drift
        # from `classify` without any error: refuse instead.
        raise RuntimeError(f"{_NO_USER_DICT} ({USER_DICT})")
    data = payload.value if hasattr(payload, "value") else payload
    folder = Path(tempfile.mkdtemp(prefix="diagnose-model-"))
    path = folder / name
    path.write_bytes(data)
    write_hash_record(path, digest)
    model = load_model(path)
    _MODEL_CACHE.clear()  # one model per job; do not pile up old ones
    _MODEL_CACHE[digest] = model
    return model


def classify_partition(frame: pd.DataFrame, model: Any) -> pd.DataFrame:
    """Merge the same return given twice (last in file/row order wins) and tag the rows."""
    from diagnose import pipeline
    from diagnose.io.assemble import merge_key

    frame = frame.sort_values([_FILE_IDX, "source_row"], kind="stable")
    frame = frame.loc[~merge_key(frame).duplicated(keep="last").to_numpy()].reset_index(drop=True)
    # Restore the canonical dtypes that Arrow round trips loosen.
    frame["buyer_text"] = frame["buyer_text"].fillna("")
    frame["row_issues"] = frame["row_issues"].fillna("")
    # workers=1: Spark already runs one task per core; forking here would oversubscribe.
    tagged = pipeline.tag_frame(frame, model, workers=1)
    return tagged


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------
@dataclass
class SparkRunSummary:
    """What the job did, for the command's closing message and for tests."""

    files: list[dict[str, Any]]
    rows_in: int
    rows_out: int
    duplicates_merged: int
    needs_review: int
    reason_conflict: int
    model_version: str
    output: str


def _import_pyspark() -> Any:
    try:
        import pyspark  # noqa: F401
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(
            f"pyspark is not installed: {INSTALL_HINT}",
            hint="it is optional and only needed for spark-classify",
            code="pyspark_missing", params={"install": INSTALL_HINT},
        ) from None
    return SparkSession


def _local_master(master: str | None) -> bool:
    return master is None or master.startswith("local")


def build_session(master: str | None = None, app_name: str = "diagnose spark-classify") -> "SparkSession":
    """Get the active Spark session or start one.

    Under spark-submit the master and resources come from the submit line.
    When started from `python -m diagnose` without a cluster (local mode),
    the Python workers must run this interpreter and find this package,
    which Spark does not arrange by itself.
    """
    SparkSession = _import_pyspark()
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName(app_name)
    # spark-submit starts the JVM first and hands its gateway to Python: the
    # master and all settings then come from the submit line, not from here.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    if master:
        builder = builder.master(master)
    elif not submitted:
        builder = builder.master("local[*]")
    if not submitted and _local_master(master):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        package_root = str(settings.ROOT)
        current = os.environ.get("PYTHONPATH", "")
        if package_root not in current.split(os.pathsep):
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, current) if p)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - e.g. no Java: explain, no traceback
        raise InputError(
            f"Spark could not start ({type(exc).__name__}: {str(exc).splitlines()[0][:300]})",
            hint="Spark needs Java 17 or 21 on PATH (or JAVA_HOME); see docs/SPARK.md",
            code="spark_no_start", params={"detail": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"},
        ) from None


def _hadoop_exists(spark: "SparkSession", path: str) -> bool:
    jvm = spark.sparkContext._jvm  # type: ignore[attr-defined]
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())  # type: ignore[attr-defined]
    return bool(fs.exists(hpath))


def _list_files(spark: "SparkSession", inputs: Sequence[str]) -> list[str]:
    from pyspark.errors import AnalysisException

    try:
        listing = spark.read.format("binaryFile").load(list(inputs)).select("path").collect()
    except AnalysisException as exc:
        raise InputError(
            f"no input found ({str(exc).splitlines()[0][:300]})",
            file=", ".join(inputs),
            hint="check the path or glob; quote globs so the shell does not expand them",
            code="spark_no_input", params={"detail": str(exc).splitlines()[0][:300]},
        ) from None
    paths = sorted({row["path"] for row in listing})
    if not paths:
        raise InputError("no files match", file=", ".join(inputs), hint="check the path or glob",
                         code="spark_no_input", params={"detail": "no files match"})
    return paths


def run_spark_classify(
    spark: "SparkSession",
    inputs: Sequence[str],
    output: str,
    *,
    model_path: str | None = None,
    overrides: Mapping[str, str] | None = None,
    profile: str | None = None,
    overwrite: bool = False,
    rows_per_partition: int = DEFAULT_ROWS_PER_PARTITION,
    say: Any = None,
    debug: bool = False,
) -> SparkRunSummary:
    """Read, merge, tag and write; returns counts measured from the written output."""
    import json

    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from diagnose.io import profiles as P
    from diagnose.io.ingest import _resolve_salt
    from diagnose.model.reason_model import DEFAULT_MODEL_PATH, load_model

    say = say or (lambda msg: print(msg, file=sys.stderr))
    overrides = dict(overrides or {})
    if profile is not None and profile not in P.PROFILES:
        raise InputError(f"unknown profile '{profile}'", hint="use one of: " + ", ".join(P.PROFILE_KEYS),
                         code="unknown_profile", params={"profile": str(profile), "choices": ", ".join(P.PROFILE_KEYS)})
    if rows_per_partition < 1:
        raise InputError("--rows-per-partition must be at least 1", code="bad_rows_per_partition")

    # Validate the model on the driver first: a bad model is one clear error.
    mpath = Path(model_path) if model_path else DEFAULT_MODEL_PATH
    model = load_model(mpath)
    digest = model.meta["file_sha256"]  # of the very bytes load_model checked and read
    model_name = mpath.name

    if not overwrite and _hadoop_exists(spark, output):
        raise InputError("the output folder already exists", file=output,
                         hint="choose a new folder or pass --overwrite", code="output_exists")

    paths = _list_files(spark, inputs)
    order = {p: i for i, p in enumerate(paths)}
    # The same salt `classify` would use on this machine, decided once on the driver,
    # so buyer hashes agree across executors (and with `classify`).
    salt = _resolve_salt(None)

    sc = spark.sparkContext
    model_bc = sc.broadcast(mpath.read_bytes())
    read_ddl, read_cols = _read_stage_ddl(), list(_read_stage_columns())

    def read_files(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            for p, content in zip(batch["path"].tolist(), batch["content"].tolist()):
                frame = read_one_file(p, bytes(content), order.get(p, len(order)), overrides, salt, profile)
                yield _to_read_dtypes(frame[read_cols])

    raw = spark.read.format("binaryFile").load(list(inputs))
    parsed = raw.mapInPandas(read_files, schema=read_ddl).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        reports = parsed.filter(F.col(_KIND) == "file").select(PATH_COLUMN, _FILE_IDX, _REPORT, _ERROR).collect()
        reports = sorted(reports, key=lambda r: r[_FILE_IDX])
        errors = [r[_ERROR] for r in reports if r[_ERROR]]
        if errors:
            more = f" (and {len(errors) - 1} more file(s) with problems)" if len(errors) > 1 else ""
            raise InputError(errors[0] + more, code="spark_file_errors", params={"detail": errors[0] + more})
        files = [json.loads(r[_REPORT]) for r in reports]
        if overrides:
            _check_overrides_seen(overrides, files)
        _say_files(files, say)
        rows_in = sum(int(f["n_rows"]) for f in files)
        within_files = sum(int(f["duplicates_merged"]) for f in files)
        n_rows = rows_in - within_files
        n_parts = max(sc.defaultParallelism, math.ceil(max(n_rows, 1) / rows_per_partition))

        out_cols = list(output_columns())
        keep, keep_ddl = out_cols + [_FILE_IDX], _ddl(out_cols) + f", `{_FILE_IDX}` int"

        def tag(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            frames = [b for b in batches if len(b)]
            if not frames:
                return
            frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
            model_here = worker_model(digest, model_name, model_bc)
            tagged = classify_partition(frame, model_here)
            yield _to_output_dtypes(tagged[keep])

        rows = parsed.filter(F.col(_KIND) == "row").drop(_KIND, _REPORT, _ERROR)
        result = (
            rows.repartition(n_parts, "return_id")
            .mapInPandas(tag, schema=keep_ddl)
            .sortWithinPartitions(_FILE_IDX, "source_row")
            .drop(_FILE_IDX)
        )
        result.write.mode("overwrite" if overwrite else "errorifexists").parquet(output)
    except Exception as exc:
        if _is_spark_error(exc) and not debug:
            raise _spark_failure(exc) from None
        raise
    finally:
        parsed.unpersist()
        model_bc.unpersist()

    written = spark.read.parquet(output)
    counts = written.agg(
        F.count(F.lit(1)).alias("n"),
        F.sum(F.col("needs_review").cast("long")).alias("review"),
        F.sum(F.col("reason_conflict").cast("long")).alias("conflict"),
    ).collect()[0]
    rows_out = int(counts["n"])
    return SparkRunSummary(
        files=files,
        rows_in=rows_in,
        rows_out=rows_out,
        duplicates_merged=rows_in - rows_out,
        needs_review=int(counts["review"] or 0),
        reason_conflict=int(counts["conflict"] or 0),
        model_version=model.version,
        output=output,
    )


def _say_files(files: list[dict[str, Any]], say: Any, max_warnings: int = 10) -> None:
    """What was read from each file, as `classify` prints it."""
    for f in files:
        mapping = ", ".join(f"{k}←{v}" for k, v in f["mapping"].items())
        say(f"{f['name']}: profile {f['profile']}, encoding {f['encoding'] or 'n/a'}, "
            f"header row {f['header_row']}, {f['n_rows']:,} rows")
        say(f"  mapping: {mapping}")
        for issue in f["issues"][:max_warnings]:
            say(f"  warning: {issue}")
        if len(f["issues"]) > max_warnings:
            say(f"  … and {len(f['issues']) - max_warnings} more warnings")


def _check_overrides_seen(overrides: Mapping[str, str], files: list[dict[str, Any]]) -> None:
    """Refuse a --map that would be silently ignored.

    --map applies to every file (each is read on its own, so a file lacking
    the header already failed with `read_exports`' message); `read_exports`
    drops keys that are not return-export columns (e.g. order columns),
    which here would go unnoticed across hundreds of files.
    """
    from diagnose.io import profiles as P

    unknown = [k for k in overrides if k not in P.MAPPABLE_COLUMNS]
    if unknown:
        raise InputError(
            f"--map {unknown[0]}=… names a column that return exports do not have",
            hint="use one of: " + ", ".join(P.MAPPABLE_COLUMNS),
            code="map_unknown_column",
            params={"mapping": f"{unknown[0]}=…", "key": unknown[0], "choices": ", ".join(P.MAPPABLE_COLUMNS)},
        )


def _to_read_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain dtypes Arrow converts without surprises (object for text, NaT-able dates)."""
    out = {}
    for c in frame.columns:
        s = frame[c]
        if c in _TIMESTAMP_COLUMNS:
            out[c] = pd.to_datetime(s, errors="coerce").astype("datetime64[us]")
        elif c in _DOUBLE_COLUMNS:
            out[c] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif c in _LONG_COLUMNS:
            out[c] = pd.to_numeric(s, errors="coerce").astype("Int64")
        elif c == _FILE_IDX:
            out[c] = pd.to_numeric(s, errors="coerce").astype("Int32")
        else:
            out[c] = s.astype(object).where(s.notna(), None)
    return pd.DataFrame(out)


def _to_output_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for c in frame.columns:
        s = frame[c]
        if c in _BOOL_COLUMNS:
            out[c] = s.astype(bool)
        elif c in _DOUBLE_COLUMNS:
            out[c] = s.astype("float64")
        elif c in _TIMESTAMP_COLUMNS:
            out[c] = s.astype("datetime64[us]")
        elif c in _LONG_COLUMNS:
            out[c] = s.astype("int64")
        elif c == _FILE_IDX:
            out[c] = s.astype("int32")
        elif c in _LIST_COLUMNS:
            out[c] = s.map(lambda v: list(map(str, v)) if isinstance(v, (list, tuple, np.ndarray)) else [])
        else:
            out[c] = s.astype(object).where(s.notna(), None)
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------
# Command line: the arguments live here so `spark-submit diagnose/batch/spark.py`
# and `python -m diagnose spark-classify` take the same ones; the error policy
# is diagnose.errors.run_command's in both.
# ---------------------------------------------------------------------------
def run_command(args: argparse.Namespace) -> int:
    """Start or join a Spark session, run the job, print one summary line."""
    from diagnose.io import parse_overrides

    overrides = parse_overrides(args.map)
    SparkSession = _import_pyspark()
    had_session = SparkSession.getActiveSession() is not None
    spark = build_session(args.master)
    if not had_session:
        spark.sparkContext.setLogLevel(args.log_level)
    try:
        summary = run_spark_classify(
            spark, args.inputs, args.output, model_path=args.model, overrides=overrides,
            profile=args.profile, overwrite=args.overwrite,
            rows_per_partition=args.rows_per_partition, debug=getattr(args, "debug", False),
        )
    finally:
        if not had_session:
            spark.stop()
    print(
        f"wrote {summary.rows_out:,} rows from {len(summary.files):,} file(s) to {summary.output} "
        f"(model {summary.model_version}; merged {summary.duplicates_merged:,} duplicate return ids; "
        f"{summary.needs_review:,} need review, {summary.reason_conflict:,} dropdown conflicts)",
        file=sys.stderr,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """spark-submit's entry: `spark-submit diagnose/batch/spark.py INPUT_GLOB OUTPUT_DIR …`."""
    from diagnose.errors import run_command as guarded

    parser = argparse.ArgumentParser(prog="spark.py", description="diagnose classify as a Spark job")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    add_arguments(parser)
    args = parser.parse_args(argv)
    return guarded(run_command, args, debug=args.debug)


if __name__ == "__main__":
    sys.exit(main())
