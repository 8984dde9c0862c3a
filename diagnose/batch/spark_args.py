"""The `spark-classify` arguments, apart from the job so `--help` never imports pandas or pyspark.

`spark-submit diagnose/batch/spark.py …` and `python -m diagnose spark-classify …`
take the same arguments because both add them from here.
"""
from __future__ import annotations

import argparse

DEFAULT_ROWS_PER_PARTITION = 200_000


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The `spark-classify` arguments (pyspark is not imported here)."""
    p.add_argument("inputs", nargs="+", metavar="INPUT_GLOB",
                   help="files, folders or Hadoop globs (quote them: 'exports/*/*.csv')")
    p.add_argument("output", metavar="OUTPUT_DIR", help="folder for the Parquet output")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=HEADER",
                   help="override a column mapping; applies to every file, so each must have that header")
    p.add_argument("--profile", help="force a platform profile (douyin, taobao, jd, pinduoduo, amazon, generic)")
    p.add_argument("--model", help="model file (default: models/reason_model.npz); its .sha256 must be beside it")
    p.add_argument("--master", help="Spark master when not run under spark-submit (default: local[*])")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT_DIR if it exists")
    p.add_argument("--rows-per-partition", type=int, default=DEFAULT_ROWS_PER_PARTITION,
                   help=f"rows tagged per task (default {DEFAULT_ROWS_PER_PARTITION:,})")
    p.add_argument("--log-level", default="WARN", help="Spark log level for a session started here")
