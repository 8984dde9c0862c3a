"""The Spark batch job (`spark-classify`) gives `classify`'s rows, row for row.

Runs Spark for real in local mode (local[2], Java on PATH). pyspark is
installed by `make test` (requirements-spark.txt); if it is missing, this
module fails to import and the run fails — it is never skipped.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyspark.sql import SparkSession

from diagnose import cli, pipeline
from diagnose.batch import spark as spark_job
from diagnose.model.classify import TAG_COLUMNS
from diagnose.errors import InputError
from diagnose.io.ingest import CANONICAL_COLUMNS, read_exports

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """A local[2] session with its scratch space under pytest's tmp dir; stopped afterwards.

    The Python workers are started by the JVM and inherit its environment:
    they must run this interpreter, import this checkout, and put their
    temp files (the broadcast model) where the test can count them.
    """
    base = tmp_path_factory.mktemp("spark")
    worker_tmp = base / "worker-tmp"
    worker_tmp.mkdir()
    saved_env = {k: os.environ.get(k) for k in ("PYSPARK_PYTHON", "PYTHONPATH", "TMPDIR")}
    saved_tempdir = tempfile.tempdir
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), saved_env["PYTHONPATH"]) if p)
    os.environ["TMPDIR"] = str(worker_tmp)
    try:
        session = (
            SparkSession.builder.master("local[2]")
            .appName("diagnose-test")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.local.dir", str(base / "local"))
            .config("spark.sql.warehouse.dir", str(base / "warehouse"))
            .config("spark.driver.memory", "1g")
            .getOrCreate()
        )
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        tempfile.tempdir = saved_tempdir
    session.sparkContext.setLogLevel("ERROR")
    session.worker_tmp = worker_tmp  # type: ignore[attr-defined]
    yield session
    session.stop()


def _extra_duplicates_file(sample_dir: Path, dest: Path) -> Path:
    """A UTF-16 TSV that repeats three Douyin returns (same content, new amount and note), plus one new row.

    It sorts after douyin_aftersales.csv, so its rows must win the merge.
    """
    douyin = read_exports([sample_dir / "douyin_aftersales.csv"]).frame
    lines = ["售后单号\t订单号\t商家编码\t商品ID\t售后原因\t用户售后说明\t售后申请时间\t退商品金额（元）\t备注"]
    for _, row in douyin.iloc[[0, 7, 42]].iterrows():
        cells = [row["return_id"], row["order_id"], row["sku"], row["product_id"], row["platform_reason"],
                 row["buyer_text"], row["applied_at"].strftime("%Y-%m-%d %H:%M:%S")]
        cells = ["" if pd.isna(c) else str(c).replace("\t", " ").replace("\n", " ") for c in cells]
        lines.append("\t".join(cells) + "\t¥1,299.00\t复核")
    lines.append("NEW-0001\tO-NEW\t\t\t不想要了\t拍错了不想要了\t\t59\t")
    path = dest / "zz_recheck.tsv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-16"))
    return path


def _assert_same_rows(got: pd.DataFrame, expected: pd.DataFrame, columns: list[str]) -> None:
    """Row-for-row equality of the fixed columns; text columns compared as text."""
    assert len(got) == len(expected)
    for column in columns:
        g, e = got[column].reset_index(drop=True), expected[column].reset_index(drop=True)
        if column == "evidence":  # lists in both; Arrow hands lists back as arrays
            assert [list(v) for v in g] == [list(v) for v in e], column
        elif pd.api.types.is_string_dtype(e.dtype) or e.dtype == object:
            g = g.astype(object).where(g.notna(), None)
            e = e.astype(object).where(e.notna(), None)
            assert g.tolist() == e.tolist(), column
        else:
            pd.testing.assert_series_equal(g, e, check_names=False, obj=column)


def test_spark_classify_equals_classify_row_for_row(spark, sample_dir, tmp_path, model):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("douyin_aftersales.csv", "taobao_refunds.xlsx"):
        shutil.copy(sample_dir / name, inputs / name)
    extra = _extra_duplicates_file(sample_dir, inputs)
    out = tmp_path / "out"
    before = set(spark.worker_tmp.glob("diagnose-model-*"))

    summary = spark_job.run_spark_classify(
        spark, [str(inputs / "*")], str(out), rows_per_partition=500, say=lambda _msg: None
    )

    files = sorted(inputs.iterdir())  # the job's input order: sorted paths
    ingest = read_exports(files)
    expected = pipeline.tag_frame(ingest.frame, model)  # as classify writes it: tagged, then redacted
    got = pd.read_parquet(out)
    order = {p.name: i for i, p in enumerate(files)}
    got = got.assign(_o=got["source_file"].map(order)).sort_values(["_o", "source_row"]).drop(columns="_o")

    fixed = list(CANONICAL_COLUMNS) + list(TAG_COLUMNS)
    assert list(got.columns) == list(spark_job.output_columns())
    _assert_same_rows(got, expected, fixed)

    # Unmapped columns travel as one JSON object per row, with classify's values.
    extras = [c for c in expected.columns if c not in fixed]
    decoded = pd.DataFrame([json.loads(s) for s in got[spark_job.EXTRA_COLUMN]], columns=extras)
    _assert_same_rows(decoded, expected, extras)

    # Duplicates across files follow read_exports: counted alike, the later file wins.
    assert ingest.duplicates_merged >= 3
    assert summary.duplicates_merged == ingest.duplicates_merged
    assert summary.rows_in == ingest.rows_in and summary.rows_out == len(expected)
    won = got[got["source_file"] == extra.name]
    assert len(won) == 4 and set(won["return_id"]) >= {"NEW-0001"}
    assert got["return_id"].is_unique
    assert summary.needs_review == int(expected["needs_review"].sum())

    # The model went over as one broadcast and was loaded once per Python
    # worker, not once per task (>= 5 tagging tasks ran here).
    loads = set(spark.worker_tmp.glob("diagnose-model-*")) - before
    n_tasks = -(-ingest.rows_in // 500)
    assert 1 <= len(loads) <= 2 < n_tasks


def test_parquet_input_matches_the_same_table_as_csv(spark, sample_dir, tmp_path, model):
    raw = pd.read_csv(sample_dir / "douyin_aftersales.csv", encoding="gb18030", skiprows=2, dtype=str,
                      keep_default_na=False).head(400)
    typed = raw.copy()
    typed["售后申请时间"] = pd.to_datetime(typed["售后申请时间"], errors="coerce")
    typed["退商品金额（元）"] = pd.to_numeric(typed["退商品金额（元）"], errors="coerce")
    pq_dir = tmp_path / "pq"
    pq_dir.mkdir()
    typed.to_parquet(pq_dir / "shop_a.parquet", index=False)
    csv_path = tmp_path / "shop_a.csv"
    raw.to_csv(csv_path, index=False, encoding="utf-8")

    out = tmp_path / "out"
    spark_job.run_spark_classify(spark, [str(pq_dir)], str(out), say=lambda _msg: None)
    got = pd.read_parquet(out).sort_values("source_row")
    expected = pipeline.tag_frame(read_exports([csv_path]).frame, model)

    fixed = [c for c in spark_job.output_columns() if c in expected.columns and c != "source_file"]
    _assert_same_rows(got, expected, fixed)
    assert got["applied_at"].notna().sum() == expected["applied_at"].notna().sum() > 0
    assert np.allclose(got["amount"].dropna(), expected["amount"].dropna())
    assert set(got["source_file"]) == {"shop_a.parquet"}


def test_cli_errors_are_one_line(spark, sample_dir, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "scan.csv").write_bytes(b"%PDF-1.4 not an export")
    code = cli.main(["spark-classify", str(bad / "*.csv"), str(tmp_path / "out1")])
    err = capsys.readouterr().err
    assert code == 2
    assert "scan.csv" in err and "PDF" in err and "Traceback" not in err

    code = cli.main(["spark-classify", str(tmp_path / "nothing-here" / "*.csv"), str(tmp_path / "out2")])
    assert code == 2 and "没有找到输入文件" in capsys.readouterr().err

    existing = tmp_path / "exists"
    existing.mkdir()
    code = cli.main(["spark-classify", str(sample_dir / "pdd_aftersales.csv"), str(existing)])
    assert code == 2 and "--overwrite" in capsys.readouterr().err
    # The CLI joined the test's session and left it running.
    assert SparkSession.getActiveSession() is spark


def test_missing_pyspark_is_an_input_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(InputError, match="pip install -r requirements-spark.txt"):
        spark_job._import_pyspark()
