"""Several users at once: parallel correction writers, killed writers, isolated dashboard sessions.

The corrections store is written by dashboard sessions (threads of one
server) and by other processes (a second server, scripts) at the same time;
every save must be kept, and a writer killed mid-save must leave a
database that passes SQLite's integrity check with every committed row.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from diagnose.store import CorrectionStore

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 4
PER_WRITER = 40


def _writer(path: str, tag: str, n: int, start: mp.Event) -> None:
    """One process saving `n` corrections one at a time (one transaction each)."""
    store = CorrectionStore(path)
    start.wait(30)
    for i in range(n):
        store.add(f"{tag}-{i}", "quality" if i % 2 else "sizing", buyer_text=f"{tag} 第{i}条", user=tag)


_SCRIPT_WRITER = textwrap.dedent("""
    import sys
    import pandas as pd
    from diagnose.store import CorrectionStore
    import os, time
    store = CorrectionStore({path!r})
    print("ready", flush=True)
    while not os.path.exists({go!r}):  # start together with the other writers
        time.sleep(0.005)
    # batches of 5 rows in one transaction each, as the dashboard's save button does
    for b in range({batches}):
        store.add_many(pd.DataFrame({{"return_id": [f"cli-{{b}}-{{k}}" for k in range(5)],
                                      "new_reason": "logistics"}}), user="cli")
""")


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def test_store_uses_wal_and_a_busy_timeout(tmp_path):
    store = CorrectionStore(tmp_path / "c.sqlite")
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn = store._connect()
    try:
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 10_000
    finally:
        conn.close()


def test_parallel_processes_and_a_script_keep_every_correction(tmp_path):
    path = tmp_path / "shared.sqlite"
    # fork: the writers start at once without re-importing pandas (spawn elsewhere)
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(str(path), f"w{k}", PER_WRITER, start)) for k in range(WRITERS)]
    for p in procs:
        p.start()
    go = tmp_path / "go"
    script = subprocess.Popen([sys.executable, "-c", _SCRIPT_WRITER.format(root=str(ROOT), path=str(path),
                                                                             batches=20, go=str(go))],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert script.stdout.readline().strip() == "ready"
    time.sleep(0.2)  # the forked writers have opened their stores by now
    go.touch()
    start.set()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0, f"writer {p.name} failed with {p.exitcode}"
    assert script.wait(180) == 0
    # the writers really overlapped: their rows interleave in commit order
    order = CorrectionStore(path).history()["user"].tolist()
    switches = sum(1 for x, y in zip(order, order[1:]) if x != y)
    assert switches > WRITERS, f"writers ran one after another ({switches} switches)"
    store = CorrectionStore(path)
    history = store.history()
    expected = {f"w{k}-{i}" for k in range(WRITERS) for i in range(PER_WRITER)}
    expected |= {f"cli-{b}-{k}" for b in range(20) for k in range(5)}
    assert len(history) == len(expected)
    assert set(history["return_id"]) == expected
    assert store.count() == len(expected)
    assert _integrity(path) == "ok"


def test_threads_of_one_process_keep_every_correction(tmp_path):
    """Dashboard sessions are threads of one server process."""
    from concurrent.futures import ThreadPoolExecutor

    store = CorrectionStore(tmp_path / "c.sqlite")

    def save(k: int) -> None:
        for i in range(25):
            store.add_many(pd.DataFrame({"return_id": [f"t{k}-{i}"], "new_reason": "other"}), user=f"s{k}")

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(save, range(6)))
    assert store.count() == 150 and _integrity(store.path) == "ok"


_KILLED_WRITER = textwrap.dedent("""
    import sys
    import pandas as pd
    from diagnose.store import CorrectionStore
    store = CorrectionStore({path!r})
    i = 0
    while True:
        ids = [f"{tag}-{{i}}-{{k}}" for k in range(20)]
        store.add_many(pd.DataFrame({{"return_id": ids, "new_reason": "quality",
                                      "buyer_text": "质量太差" * 50}}), user="k")
        print(i, flush=True)  # batch i is committed
        i += 1
""")


def test_writer_killed_mid_write_leaves_a_consistent_database(tmp_path):
    path = tmp_path / "killed.sqlite"
    CorrectionStore(path)
    committed: dict[str, int] = {}
    for round_ in range(6):
        tag = f"k{round_}"
        proc = subprocess.Popen(
            [sys.executable, "-c", _KILLED_WRITER.format(root=str(ROOT), path=str(path), tag=tag)],
            stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )
        # wait until it is committing, then kill it at a varying moment
        first = proc.stdout.readline()
        assert first.strip() == "0", first
        time.sleep(0.05 + 0.07 * round_)
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait(30)
        lines = [first.strip()] + [x for x in rest.split() if x.strip()]
        committed[tag] = int(lines[-1]) + 1  # batches reported committed
        assert _integrity(path) == "ok", f"round {round_}"
    ids = CorrectionStore(path).history()["return_id"]
    for tag, n in committed.items():
        batches = ids[ids.str.startswith(f"{tag}-")].str.split("-").str[1].astype(int)
        per_batch = batches.value_counts()
        # every reported batch is there in full; at most the one in flight beyond it, and never half a batch
        assert set(range(n)) <= set(per_batch.index), tag
        assert per_batch.max() == 20 and per_batch.min() == 20, tag
        assert batches.max() <= n, tag


# ---------------------------------------------------------------------------
# Two dashboard sessions
# ---------------------------------------------------------------------------
st_testing = pytest.importorskip("streamlit.testing.v1")


def _metric(at, label: str) -> int:
    for m in at.metric:
        if m.label == label:
            return int(m.value.replace(",", ""))
    raise AssertionError(f"no metric {label!r}")


def _run(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_two_dashboard_sessions_do_not_share_uploads_or_filters(sample_dir, tmp_path, monkeypatch):
    from diagnose.io.ingest import read_exports

    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DIAGNOSE_SAMPLE_DIR", str(sample_dir))
    app = str(ROOT / "app.py")
    file_a, file_b = sample_dir / "taobao_refunds.xlsx", sample_dir / "pdd_aftersales.csv"
    n_a, n_b = len(read_exports([file_a]).frame), len(read_exports([file_b]).frame)
    assert n_a != n_b

    a = _run(st_testing.AppTest.from_file(app, default_timeout=300))
    b = _run(st_testing.AppTest.from_file(app, default_timeout=300))
    for at, f in ((a, file_a), (b, file_b)):
        at.switch_page("ui/pages/upload.py")
        _run(at)
        at.file_uploader[0].upload(f.name, f.read_bytes())
        _run(at)
    a.switch_page("ui/pages/overview.py")
    _run(a)
    assert _metric(a, "退货数") == n_a

    # session A narrows to one reason; B must not see the filter
    reason = [w for w in a.sidebar.multiselect if (w.key or "").startswith("filter_reason_")][0]
    reason.set_value(["quality"])
    _run(a)
    filtered_a = _metric(a, "退货数")
    assert 0 < filtered_a < n_a

    b.switch_page("ui/pages/overview.py")
    _run(b)
    assert _metric(b, "退货数") == n_b
    assert not any(w.value for w in b.sidebar.multiselect if (w.key or "").startswith("filter_reason_"))
    assert any("您上传的 1 个文件" in c.value for c in b.sidebar.caption)

    # and A, run again after B, still has its own file and filter
    _run(a)
    assert _metric(a, "退货数") == filtered_a
