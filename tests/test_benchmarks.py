"""The benchmark tools measure what they say: inputs, floor, naive pipeline, the runner's bookkeeping.

Small sizes only; no timing is asserted (figures live in benchmarks/RESULTS.md).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.csv as pacsv

from benchmarks import floor, generate, naive_sklearn, run
from diagnose.io.ingest import read_exports


def test_narrow_input_is_a_douyin_export_with_mostly_distinct_texts(tmp_path):
    paths = generate.generate(600, tmp_path, {"csv9"}, quiet=True)
    result = read_exports([paths["csv9"]])
    assert len(result.frame) == 600
    assert result.files[0].profile == "douyin"
    assert set(result.files[0].mapping) >= {"return_id", "sku", "buyer_text", "platform_reason", "amount",
                                            "applied_at", "buyer_id"}
    texts = result.frame["buyer_text"]
    assert texts.nunique() > 0.4 * len(texts)
    assert generate.is_current(paths["csv9"], 600)


def test_adding_the_narrow_file_leaves_the_wide_files_unchanged(tmp_path):
    alone = generate.generate(500, tmp_path / "a", {"csv"}, quiet=True)["csv"]
    both = generate.generate(500, tmp_path / "b", {"csv", "csv9"}, quiet=True)["csv"]
    assert alone.read_bytes() == both.read_bytes()
    again = generate.generate(500, tmp_path / "c", {"csv9"}, quiet=True)["csv9"]
    assert again.read_bytes() == (tmp_path / "b" / again.name).read_bytes()


def test_floor_copies_every_row_and_keeps_ids_as_text(tmp_path):
    src = generate.generate(300, tmp_path, {"csv9", "xlsx"}, quiet=True)
    out = tmp_path / "floor.csv"
    assert floor.main([str(src["csv9"]), str(out)]) == 0
    copied = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert copied.shape == (300, len(generate.NARROW_COLUMNS))
    assert copied["售后单号"].str.startswith("\t7").all()  # read and written as text, not as numbers
    out_x = tmp_path / "floor_x.csv"
    assert floor.main([str(src["xlsx"]), str(out_x)]) == 0
    assert pacsv.read_csv(out_x).num_rows == 300


def test_naive_pipeline_tags_every_row_the_same_whatever_the_batch(tmp_path):
    corpus = tmp_path / "corpus.csv"
    pd.DataFrame({
        "text": ["偏小", "太小了穿不上", "质量太差开线了", "坏了不能用", "不想要了", "拍错了", "物流太慢", "一直没到"],
        "reason": ["sizing", "sizing", "quality", "quality", "changed_mind", "changed_mind", "logistics", "logistics"],
    }).to_csv(corpus, index=False)
    model = tmp_path / "naive.joblib"
    assert naive_sklearn.main(["--train-only", str(model), "--corpus", str(corpus)]) == 0
    src = generate.generate(200, tmp_path, {"csv9"}, quiet=True)["csv9"]
    outs = []
    for batch in ("1", "64"):
        out = tmp_path / f"naive_{batch}.csv"
        assert naive_sklearn.main([str(src), str(out), "--model", str(model), "--batch", batch]) == 0
        outs.append(pd.read_csv(out, dtype=str, keep_default_na=False))
    assert len(outs[0]) == 200 and outs[0]["reason"].isin(["sizing", "quality", "changed_mind", "logistics"]).all()
    pd.testing.assert_frame_equal(outs[0], outs[1])


def test_measure_samples_the_process_tree_pss(tmp_path):
    # A child that allocates ~200 MB in a grandchild: the tree's PSS must see it.
    code = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'import time; b = bytearray(200 * 2**20); b[::4096] = b\"x\" * len(b[::4096]); time.sleep(1.0)'])")
    result = run.measure([sys.executable, "-c", code])
    assert result.rc == 0
    assert result.tree_pss > 150 * 2**20
    assert run.tree_pss(os.getpid()) > 0


def _args(rows: int) -> argparse.Namespace:
    args = run.parse_args(["--rows", str(rows), "--repeat", "1", "--steps", "floor-csv9,classify-csv9"])
    return args


def test_small_runs_are_labelled_and_not_judged(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("a\n")
    table = {
        "floor-csv9": {"wall": 1.0, "runs": [(1.0, 0.5, 0)], "tree_pss": 2**20, "max_rss": 2**20, "failed": 0},
        "classify-csv9": {"wall": 4.0, "runs": [(4.0, 0.6, 0)], "tree_pss": 2**30, "max_rss": 2**30, "failed": 0},
    }
    info = {"commit": "abc", "cpu": "cpu", "cores": 2, "ram_gb": 1, "platform": "p", "python": "3",
            "libs": "", "loadavg": (0.1, 0.2, 0.3)}
    small = run.render(table, info, _args(20_000), {"csv9": src}, 60.0, (0.4, 0.5, 0.6), None)
    assert "SMALL-SIZE RUN: 20,000 rows" in small
    assert "classify / floor, 9-column Douyin CSV (UTF-8): **4.00×**" in small
    assert "not judged" in small and "missed" not in small
    full = run.render(table, info, _args(1_000_000), {"csv9": src}, 60.0, (0.4, 0.5, 0.6), None)
    assert "SMALL-SIZE" not in full and "machine was busy" not in full
    table["classify-csv9"]["runs"] = [(4.0, 3.5, 0)]
    busy = run.render(table, info, _args(1_000_000), {"csv9": src}, 60.0, (0.4, 0.5, 0.6), None)
    assert "The machine was busy: the 1-minute load average before a run reached 3.5" in busy
    assert "4.00 s (target ≤ 10 s; met)" in full
    assert "load average (1/5/15 min) at start: 0.10, 0.20, 0.30; at end: 0.40, 0.50, 0.60" in full


def test_dashboard_figures_are_read_from_its_table(tmp_path):
    md = tmp_path / "dash.md"
    md.write_text(
        "| **cold total: upload → overview data** | **2.50** | |\n"
        "| **whole overview page, first load (AppTest script run, cold caches)** | 2.75 | 2.75 |\n"
        "| overview page rerun after a reason filter change (AppTest) | 0.40 | 0.40 |\n"
        "| new filter: select rows + report + charts (no reclassification) | 0.31 | 0.31 |\n",
        encoding="utf-8",
    )
    assert run.dashboard_figures(md) == {
        "upload → overview data (cold total)": 2.5,
        "overview page rendered, first load (AppTest)": 2.75,
        "page rerun after a filter change (AppTest)": 0.4,
        "new filter: select + report + charts": 0.31,
    }
    assert run.dashboard_figures(Path(tmp_path / "missing.md")) == {}


def test_slow_pss_readings_make_the_sampler_back_off(monkeypatch):
    # A reading that takes 30 ms must not be repeated every 50 ms: the sampler waits
    # ten times the reading's own time, so over a 1.2 s run it reads a handful of times.
    calls = []

    def slow_pss(pid: int) -> int:
        calls.append(pid)
        time.sleep(0.03)
        return 1

    monkeypatch.setattr(run, "tree_pss", slow_pss)
    result = run.measure([sys.executable, "-c", "import time; time.sleep(1.2)"])
    assert result.rc == 0 and result.tree_pss == 1
    assert 2 <= len(calls) <= 5  # a flat 50 ms interval would have read ~15 times
