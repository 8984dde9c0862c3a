"""The Arrow writer and the vectorised reading helpers give what the per-cell code gave."""
from __future__ import annotations

import io
import sys

import numpy as np
import pandas as pd
import pytest

from diagnose.io import csvwrite, export
from diagnose.io import fields as F
from diagnose.io.assemble import merge_duplicates, merge_key
from diagnose.io.hashing import hash_identifier, hash_series


def _pandas_csv(df: pd.DataFrame) -> bytes:
    """The writer this replaced: safe_frame and friends, then pandas' to_csv."""
    text = export._prepare(df, for_csv=True, redact=False).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def _awkward() -> pd.DataFrame:
    shared = ["=坏了", "偏小"]
    return pd.DataFrame({
        "text": ["a,b", 'say "hi"', "two\nlines", "\u3000=1+1", "\xa0@x", "-3", "\t1", None, "", "普通"],
        "=HYPER": ["x"] * 10,
        "amount": [-12.5, 1.0, 0.0, -0.0, 1e-5, 1e16, 123456789012345.6, np.nan, np.inf, 59.9],
        "qty": pd.array([1, None, 3, 4, 5, 6, 7, 8, 9, 10], dtype="Int64"),
        "flag": [True, False] * 5,
        "maybe": pd.array([True, None] * 5, dtype="boolean"),
        "when": pd.to_datetime(["2024-05-01 13:45:10.900", None] + ["2024-06-30 23:59:59.000"] * 8),
        "day": pd.to_datetime(["2024-05-01"] * 10),
        "evidence": [shared, shared, None, [], ["+1", "a"], ("x",), shared, ["b"], ["c", "d"], shared],
        "mixed": [1, -2.5, "-y", None, True, ["a"], np.nan, "z", 3, "w"],
        "row": np.arange(10, dtype="int64"),
    })


def test_csv_bytes_equal_the_pandas_writer():
    df = _awkward()
    assert export.to_csv_bytes(df, redact=False) == _pandas_csv(df)


def test_csv_bytes_equal_for_one_column_and_tz_aware_dates():
    one = pd.DataFrame({"a": ["x", "", None, "=y"]})
    assert export.to_csv_bytes(one, redact=False) == _pandas_csv(one)
    tz = pd.DataFrame({"t": pd.to_datetime(["2024-05-01 08:00", None]).tz_localize("Asia/Shanghai")})
    assert export.to_csv_bytes(tz, redact=False) == _pandas_csv(tz)


def test_random_floats_are_written_as_pandas_writes_them():
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(0, 1e4, 3000), 10.0 ** rng.integers(-12, 24, 3000) * rng.random(3000),
                             np.round(rng.random(3000), 4)])
    df = pd.DataFrame({"f": values})
    assert export.to_csv_bytes(df, redact=False) == _pandas_csv(df)


def test_batches_join_to_the_same_bytes():
    df = pd.concat([_awkward()] * 7, ignore_index=True)
    columns = csvwrite.csv_columns(df, {"evidence": "、"})
    pieces: list[bytes] = []
    csvwrite.write_rows(columns, len(df), lambda b: pieces.append(bytes(b)), batch_rows=3)
    whole: list[bytes] = []
    csvwrite.write_rows(columns, len(df), lambda b: whole.append(bytes(b)))
    assert len(pieces) >= -(-len(df) // 3)  # at least one write per batch of three rows
    assert b"".join(pieces) == b"".join(whole)
    assert b"".join(whole).count(b"\r\n") >= len(df)


def test_many_repeated_values_take_the_dictionary_path_with_the_same_result():
    n = 90_000
    df = pd.DataFrame({"status": np.array(["退款成功", "=待处理", "a,b", None], dtype=object)[np.arange(n) % 4],
                       "note": pd.Series(["x"] * n, dtype="string")})
    assert export.to_csv_bytes(df, redact=False) == _pandas_csv(df)


def test_python_whitespace_list_is_complete():
    assert set(csvwrite.PY_WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def test_write_table_streams_csv_and_parquet_keeps_lists(tmp_path):
    df = pd.DataFrame({"return_id": ["R1", "R2"], "buyer_text": ["电话13812345678 联系我", "+1 好评"],
                       "evidence": [["偏小"], ["质量", "差"]], "amount": [1.5, np.nan]})
    export.write_table(df, tmp_path / "out.csv")
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw == export.to_csv_bytes(df)
    assert "13812345678" not in raw.decode("utf-8-sig") and "'+1 好评" in raw.decode("utf-8-sig")
    export.write_table(df, tmp_path / "out.parquet")
    back = pd.read_parquet(tmp_path / "out.parquet")
    assert list(back.columns) == list(df.columns)
    assert [list(v) for v in back["evidence"]] == [["偏小"], ["质量", "差"]]
    assert "13812345678" not in back["buyer_text"].iloc[0]
    assert back["buyer_text"].iloc[1] == "+1 好评"  # a data file: no apostrophe added
    assert np.isnan(back["amount"].iloc[1])


def test_hash_series_matches_hash_identifier_per_value():
    values = pd.Series(["张三", "alice", None, "张三", " x "], dtype=F.STR_DTYPE)
    got = hash_series(values, "salt")
    assert got.iloc[2] is np.nan or pd.isna(got.iloc[2])
    assert [got.iloc[i] for i in (0, 1, 3, 4)] == [hash_identifier(v, "salt") for v in ("张三", "alice", "张三", " x ")]
    assert got.dtype == F.STR_DTYPE


def test_map_unique_and_join_flags():
    s = pd.Series(["a", None, "b", "a"], dtype=F.STR_DTYPE)
    got = F.map_unique(s, lambda v: None if v == "b" else v.upper())
    assert got.iloc[0] == "A" and got.iloc[3] == "A" and pd.isna(got.iloc[1]) and pd.isna(got.iloc[2])
    flags = [("x:bad", np.array([True, False, True])), ("y:bad", np.array([True, True, False]))]
    assert F.join_flags(flags, 3).tolist() == ["x:bad;y:bad", "y:bad", "x:bad"]
    assert F.join_flags([], 2).tolist() == ["", ""]


def _merge_key_per_cell(frame: pd.DataFrame) -> list[str]:
    """The merge key as the per-cell code built it (hash of each cell's object)."""
    content = np.zeros(len(frame), dtype=np.uint64)
    for column in ("order_id", "sku", "product_id", "platform_reason", "buyer_text", "applied_at"):
        values = frame[column]
        if column == "applied_at":
            arr = pd.to_datetime(values).to_numpy(dtype="datetime64[us]").view("int64")
        else:
            arr = values.to_numpy(dtype=object, na_value="\x00")
        with np.errstate(over="ignore"):
            content = content * np.uint64(1_000_003) ^ pd.util.hash_array(arr)
    return [f"{r}\x1f{c}" for r, c in zip(frame["return_id"], content)]


def _returns(n: int) -> pd.DataFrame:
    rows = np.arange(n)
    return pd.DataFrame({
        "return_id": pd.Series([f"R{i % 7}" for i in rows], dtype=F.STR_DTYPE),
        "order_id": pd.Series([f"O{i % 3}" if i % 5 else None for i in rows], dtype=F.STR_DTYPE),
        "sku": pd.Series(["S"] * n, dtype=F.STR_DTYPE),
        "product_id": F.na_str(n),
        "platform_reason": pd.Series(["尺码"] * n, dtype=F.STR_DTYPE),
        "buyer_text": pd.Series([f"text {i % 2}" for i in rows], dtype=F.STR_DTYPE),
        "applied_at": pd.to_datetime(["2024-05-01"] * n).astype("datetime64[us]"),
        "row_issues": pd.Series(["return_id:imprecise" if i == 3 else "" for i in rows], dtype=F.STR_DTYPE),
        "source_file": F.repeat_str("a.csv", n),
        "source_row": rows + 2,
    })


def test_merge_key_equals_the_per_cell_hash():
    frame = _returns(40)
    got = merge_key(frame)
    expected = _merge_key_per_cell(frame)
    assert got.tolist()[:3] == expected[:3]
    assert got.iloc[3].startswith(expected[3] + "\x1e")  # imprecise: a key of its own


@pytest.mark.parametrize("n", [40, 7])
def test_merge_duplicates_keeps_the_last_row_of_each_key(n):
    frame = _returns(n)
    kept, merged = merge_duplicates(frame)
    keys = pd.Series(_merge_key_per_cell(frame))
    imprecise = frame["row_issues"].str.contains("imprecise").to_numpy()
    keys[imprecise] = keys[imprecise] + "own"
    expected = frame.loc[~keys.duplicated(keep="last").to_numpy()].reset_index(drop=True)
    assert merged == n - len(expected)
    pd.testing.assert_frame_equal(kept, expected)


def test_control_bytes_are_found_anywhere():
    from diagnose.io.textfile import _has_control_bytes

    clean = "a,b\r\n\tc,d\n".encode() * 1000
    assert not _has_control_bytes(clean)
    assert _has_control_bytes(clean + b"\x00")
    assert _has_control_bytes(b"x\x7f")
    assert _has_control_bytes(b"a" * (1 << 24) + b"\x1f")
    assert not _has_control_bytes(b"")


def test_csv_round_trips_through_pandas():
    df = _awkward()
    back = pd.read_csv(io.BytesIO(export.to_csv_bytes(df, redact=False)), encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)
    assert back["text"].tolist()[:3] == ["a,b", 'say "hi"', "two\nlines"]
    assert back["'=HYPER"].tolist() == ["x"] * 10


def test_a_stray_quote_on_a_line_with_a_lone_cr_is_read_not_crashed():
    """Found by the property test: a UTF-16 file whose damaged line holds a CR in the middle."""
    from diagnose.io import read_exports

    text = '""\r\n退款说明,买家昵称,退款原因\r\n"=""0000"",0,尺码不合适\rĊ\r\n'
    result = read_exports([("export.csv", b"\xff\xfe" + text.encode("utf-16-le"))])
    assert len(result.frame) == 1
    assert result.frame["row_issues"].iloc[0] == "text:stray_quote"


@pytest.mark.parametrize("slice_rows", [1, 3, 7])
def test_slices_write_the_same_bytes_as_one_pass(slice_rows):
    # Choices that read a whole column must not change with the slice: the dates
    # column is at midnight only in its first rows, the object column holds
    # bools only in its first rows, and an all-bool object column stays TRUE/FALSE.
    df = pd.concat([_awkward()] * 3, ignore_index=True)
    n = len(df)
    df["late"] = pd.to_datetime(["2024-05-01 00:00"] * (n - 1) + ["2024-05-02 10:00"])
    df["late_arrow"] = df["late"].astype("timestamp[us][pyarrow]")
    df["bools_first"] = pd.Series([True, False, True] + ["yes"] * (n - 3), dtype=object)
    df["all_bools"] = pd.Series([True, None, False] * (n // 3), dtype=object)
    whole, sliced = io.BytesIO(), io.BytesIO()
    table, names = export._csv_ready(df, False)
    csvwrite.write_csv(table, whole, names, export.LIST_SEPARATORS, slice_rows=10**9)
    csvwrite.write_csv(table, sliced, names, export.LIST_SEPARATORS, slice_rows=slice_rows)
    assert sliced.getvalue() == whole.getvalue()
    assert export.to_csv_bytes(df.drop(columns="late_arrow"), redact=False) == _pandas_csv(df.drop(columns="late_arrow"))
    assert b"2024-05-01 00:00:00" in whole.getvalue() and b"TRUE" in whole.getvalue()


def test_a_string_among_word_lists_is_written_whole():
    values = np.empty(4, dtype=object)
    values[:] = ["abc", ["x", "y"], None, "=1"]
    df = pd.DataFrame({"evidence": values})
    assert export.to_csv_bytes(df, redact=False) == _pandas_csv(df)
    assert "abc" in export.to_csv_bytes(df, redact=False).decode("utf-8-sig")


def test_freed_c_heap_goes_back_to_the_system_on_glibc():
    import platform

    from diagnose.io import arrowpool

    if platform.libc_ver()[0] == "glibc":
        assert arrowpool._TRIM is not None
    # Big NumPy arrays freed, then trimmed: the call works whatever the C library.
    import numpy as np

    blocks = [np.ones(1 << 16) for _ in range(200)]
    del blocks
    arrowpool.trim_c_heap()
    arrowpool.release_arrow_memory()


@pytest.mark.parametrize("env_pool, expect", [(None, "system"), ("mimalloc", "mimalloc")])
def test_reading_switches_arrow_to_the_c_heap_unless_the_process_chose(env_pool, expect, sample_dir):
    """The pool is process-wide, so each case is a fresh interpreter."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if env_pool:
        env["ARROW_DEFAULT_MEMORY_POOL"] = env_pool
    code = ("import sys, pyarrow as pa; from diagnose import pipeline; "
            "before = pa.default_memory_pool().backend_name; "
            "r = pipeline.read([sys.argv[1]]); "
            "print(before, pa.default_memory_pool().backend_name, len(r.frame))")
    out = subprocess.run([sys.executable, "-c", code, str(sample_dir / "douyin_aftersales.csv")],
                         capture_output=True, text=True, env=env, timeout=120, check=True).stdout.split()
    assert out[1] == expect and int(out[2]) > 0
    assert out[0] != "system" or env_pool  # the default really is changed, not already the system one
