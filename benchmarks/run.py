"""Run the performance benchmarks as whole processes and write benchmarks/RESULTS.md.

Usage:
    python benchmarks/run.py                 # 1,000,000 rows, 3 runs per step, XLSX included
    python benchmarks/run.py --quick         # 100,000 rows, 1 run, no XLSX (a smoke test, ~2 min)
    python benchmarks/run.py --rows 200000 --repeat 5 --no-xlsx
    python benchmarks/run.py --steps floor-csv,classify-csv   # a subset

Missing inputs are generated first (`benchmarks/generate.py`, deterministic,
into benchmarks/data/; the 1M-row XLSX takes several minutes, once).

Every step is a separate process started from here, timed on the wall clock,
with its peak memory measured two ways: the sum of the resident set sizes of
the process and all its descendants (forked featurisation workers included),
sampled every 50 ms — an upper bound, since pages a worker shares with its
parent are counted in both — and the kernel's peak RSS of the largest single
process (`ru_maxrss` from wait4). Steps are run round-robin (all steps once,
then all again …) so that load from other work on the machine spreads over
every step instead of hitting one; the table gives the median per step and
every run. The ratios classify/floor and classify/naive are computed from
medians of this same invocation.

Steps (ids for --steps):
  load            import + model + jieba dictionary, timed inside one process
  floor-csv       (a) pandas read + write back, UTF-8 CSV            (benchmarks/floor.py)
  floor-gb18030   (a) the same for the GB18030 CSV
  floor-xlsx      (a) the same for the XLSX (calamine read, CSV write)
  naive-csv       (b) the same model row by row, no de-duplication (benchmarks/naive.py)
  classify-csv    (c) python -m diagnose classify, UTF-8 CSV → CSV
  classify-gb18030(c) the same, GB18030 CSV
  classify-xlsx   (c) the same, XLSX
  report-csv      (d) python -m diagnose report, UTF-8 CSV → XLSX report
  dashboard       (e) benchmarks/bench_dashboard.py --rows 100000 --runs 1 (its own
                      generated upload; the dashboard's load-and-aggregate path)
  classify-big    not in the default set: `classify` on a --big-rows (default 10,000,000)
                  UTF-8 CSV, which is read in slices; generating that file (~7 GB) takes
                  about 20 minutes once. Ask for it with --steps classify-big.
The naive step runs once per invocation unless --naive-repeat says otherwise
(at a million rows it takes minutes).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
PY = sys.executable

ALL_STEPS = (
    "load", "floor-csv", "floor-gb18030", "floor-xlsx", "naive-csv",
    "classify-csv", "classify-gb18030", "classify-xlsx", "report-csv", "dashboard",
)
OPTIONAL_STEPS = ("classify-big",)
LABELS = {
    "classify-big": "(c) `diagnose classify`, big UTF-8 CSV (sliced)",
    "load": "model + dictionary load (in-process)",
    "floor-csv": "(a) floor: pandas read + write, UTF-8 CSV",
    "floor-gb18030": "(a) floor: pandas read + write, GB18030 CSV",
    "floor-xlsx": "(a) floor: pandas read (calamine) + CSV write, XLSX",
    "naive-csv": "(b) naive: same model row by row, no dedup, UTF-8 CSV",
    "classify-csv": "(c) `diagnose classify`, UTF-8 CSV",
    "classify-gb18030": "(c) `diagnose classify`, GB18030 CSV",
    "classify-xlsx": "(c) `diagnose classify`, XLSX",
    "report-csv": "(d) `diagnose report`, UTF-8 CSV → XLSX",
    "dashboard": "(e) dashboard load-and-aggregate, 100k rows (whole bench process)",
}

_LOAD_SNIPPET = r"""
import json, sys, time
t0 = time.perf_counter()
from diagnose.model.reason_model import load_model
from diagnose.model import text
t1 = time.perf_counter()
model = load_model()
t2 = time.perf_counter()
text.tokenizer()
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "model": t2 - t1, "dictionary": t3 - t2}))
"""


@dataclass
class Run:
    wall: float
    tree_rss: int  # bytes, sampled sum over the process tree
    tree_pss: int  # bytes, sampled sum of proportional set sizes (shared pages split)
    max_rss: int  # bytes, largest single process (kernel)
    rc: int
    stdout: str
    stderr: str


@dataclass
class Step:
    key: str
    cmd: list[str]
    repeat: int
    runs: list[Run] = field(default_factory=list)
    extra: list[dict] = field(default_factory=list)


def _tree_memory(pid: int) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) over the process and its descendants, in bytes."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0, 0
    rss = pss = 0
    for p in procs:
        try:
            info = p.memory_full_info()  # /proc/<pid>/smaps_rollup: cheap
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        except psutil.Error:
            pass
    return rss, pss


def measure(cmd: list[str], env: dict | None = None) -> Run:
    """Run `cmd` as a process; wall time, peak tree RSS (sampled) and kernel peak RSS."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=env)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss = _tree_memory(proc.pid)
            peak[0] = max(peak[0], rss)
            peak[1] = max(peak[1], pss)
            done.wait(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    return Run(wall, peak[0], peak[1], usage.ru_maxrss * 1024, proc.returncode,
               out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------
def ensure_data(rows: int, data_dir: Path, xlsx: bool) -> dict[str, Path]:
    """The generated inputs, generating whatever is missing (and saying how long it took)."""
    paths = {
        "csv": data_dir / f"douyin_{rows}.csv",
        "gb18030": data_dir / f"douyin_{rows}_gb18030.csv",
        "xlsx": data_dir / f"douyin_{rows}.xlsx",
    }
    wanted = ["csv", "gb18030"] + (["xlsx"] if xlsx else [])
    text_missing = [k for k in ("csv", "gb18030") if k in wanted and not _complete(paths[k], rows)]
    if text_missing:
        _generate(rows, data_dir, text_missing)
    if xlsx and not _complete(paths["xlsx"], rows):
        _generate(rows, data_dir, ["xlsx"])
    return {k: paths[k] for k in wanted}


def _complete(path: Path, rows: int) -> bool:
    """Written completely by the current generator (its .json stamp says so)."""
    from benchmarks.generate import is_current

    return is_current(path, rows)


def _generate(rows: int, data_dir: Path, formats: list[str]) -> None:
    print(f"generating {', '.join(formats)} with {rows:,} rows into {data_dir} …", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    cmd = [PY, str(BENCH / "generate.py"), "--rows", str(rows), "--out", str(data_dir),
           "--formats", ",".join(formats)]
    subprocess.run(cmd, check=True, cwd=ROOT)
    print(f"  generated in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Machine
# ---------------------------------------------------------------------------
def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        m = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
        info["cpu"] = m.group(1).strip() if m else platform.processor()
    except OSError:
        info["cpu"] = platform.processor() or "unknown"
    info["cores"] = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        import psutil

        info["ram_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:  # pragma: no cover
        info["ram_gb"] = None
    info["loadavg"] = os.getloadavg()
    try:
        import numpy
        import pandas
        import pyarrow

        info["libs"] = f"pandas {pandas.__version__}, numpy {numpy.__version__}, pyarrow {pyarrow.__version__}"
    except ImportError:  # pragma: no cover
        info["libs"] = ""
    return info


# ---------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------
def build_steps(keys: list[str], data: dict[str, Path], out_dir: Path, repeat: int, naive_repeat: int,
                dash_rows: int) -> list[Step]:
    steps = []
    for key in keys:
        kind, _, fmt = key.partition("-")
        if fmt and fmt not in data:
            continue
        if key == "classify-big":
            fmt = "big"
        src = str(data.get(fmt, "")) if fmt else ""
        out = str(out_dir / f"{key}.csv")
        if kind == "load":
            cmd = [PY, "-c", _LOAD_SNIPPET]
        elif kind == "floor":
            cmd = [PY, str(BENCH / "floor.py"), src, out]
        elif kind == "naive":
            cmd = [PY, str(BENCH / "naive.py"), src, "-o", out]
        elif kind == "classify":
            cmd = [PY, "-m", "diagnose", "classify", src, "-o", out]
        elif kind == "report":
            cmd = [PY, "-m", "diagnose", "report", src, "-o", str(out_dir / f"{key}.xlsx")]
        elif kind == "dashboard":
            cmd = [PY, str(BENCH / "bench_dashboard.py"), "--rows", str(dash_rows), "--runs", "1",
                   "--no-apptest", "--out", str(out_dir / "dashboard.md")]
        else:
            raise SystemExit(f"unknown step {key}")
        steps.append(Step(key, cmd, naive_repeat if kind == "naive" else repeat))
    return steps


def _dashboard_total(md: Path) -> float | None:
    """The 'cold total: upload → overview data' median from bench_dashboard's table."""
    try:
        text = md.read_text(encoding="utf-8")
    except OSError:
        return None
    m = re.search(r"cold total[^|]*\|\s*\**([0-9.]+)", text)
    return float(m.group(1)) if m else None


def run_all(steps: list[Step], out_dir: Path) -> None:
    rounds = max(s.repeat for s in steps)
    for r in range(rounds):
        for step in steps:
            if r >= step.repeat:
                continue
            print(f"[round {r + 1}/{rounds}] {step.key} …", file=sys.stderr, flush=True)
            run = measure(step.cmd)
            step.runs.append(run)
            if run.rc != 0:
                print(f"  FAILED (exit {run.rc}):\n{run.stderr[-2000:]}", file=sys.stderr, flush=True)
                continue
            if step.key == "load":
                step.extra.append(json.loads(run.stdout.strip().splitlines()[-1]))
            if step.key == "dashboard":
                total = _dashboard_total(out_dir / "dashboard.md")
                step.extra.append({"cold_total": total})
            print(f"  {run.wall:.2f} s, tree RSS {run.tree_rss / 2**20:,.0f} MB, "
                  f"tree PSS {run.tree_pss / 2**20:,.0f} MB, "
                  f"max single RSS {run.max_rss / 2**20:,.0f} MB", file=sys.stderr, flush=True)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(steps: list[Step]) -> dict[str, dict]:
    table = {}
    for s in steps:
        ok = [r for r in s.runs if r.rc == 0]
        row = {
            "wall": _median([r.wall for r in ok]),
            "walls": [r.wall for r in s.runs],
            "tree_rss": max((r.tree_rss for r in ok), default=None),
            "tree_pss": max((r.tree_pss for r in ok), default=None),
            "max_rss": max((r.max_rss for r in ok), default=None),
            "failed": len(s.runs) - len(ok),
        }
        if s.key == "load" and s.extra:
            for part in ("import", "model", "dictionary"):
                row[part] = _median([e[part] for e in s.extra])
        if s.key == "dashboard" and s.extra:
            row["cold_total"] = _median([e["cold_total"] for e in s.extra if e.get("cold_total") is not None])
        table[s.key] = row
    return table


def render(table: dict, info: dict, args: argparse.Namespace, data: dict[str, Path], elapsed: float,
           load_end: tuple) -> str:
    def mb(v):
        return f"{v / 2**20:,.0f}" if v else "–"

    def sec(v):
        return f"{v:.2f}" if v is not None else "–"

    lines = [
        "# Performance benchmarks",
        "",
        f"`python benchmarks/run.py {' '.join(args.argv)}`".replace(" `", "`"),
        "",
        f"- date (UTC): {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M')}",
        f"- machine: {info['cpu']}, {info['cores']} usable cores, {info['ram_gb']} GB RAM; {info['platform']}",
        f"- Python {info['python']}; {info['libs']}",
        f"- load average (1/5/15 min) at start: {', '.join(f'{x:.2f}' for x in info['loadavg'])}; "
        f"at end: {', '.join(f'{x:.2f}' for x in load_end)}",
        f"- inputs: " + "; ".join(f"{k} {p.name} ({p.stat().st_size / 1e6:,.0f} MB)" for k, p in data.items()),
        f"- {args.rows:,} rows; median of {args.repeat} run(s) per step (naive: {args.naive_repeat}); "
        f"whole invocation took {elapsed / 60:.1f} min",
        "",
        "Peak memory, sampled every 50 ms over the process and all its children (forked workers): "
        "*RSS tree* = resident set sizes summed (an upper bound: pages shared after fork count once per "
        "process); *PSS tree* = proportional set sizes summed (shared pages split between the processes "
        "sharing them: the memory the step really occupies); *single* = the kernel's peak RSS of the "
        "largest single process (not sampled, so it catches short peaks).",
        "",
        "| step | median wall (s) | runs (s) | peak RSS tree (MB) | peak PSS tree (MB) | peak RSS single (MB) |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for key in ALL_STEPS + OPTIONAL_STEPS:
        if key not in table:
            continue
        row = table[key]
        runs = ", ".join(f"{w:.2f}" for w in row["walls"])
        if row["failed"]:
            runs += f" ({row['failed']} failed)"
        lines.append(f"| {LABELS[key]} | {sec(row['wall'])} | {runs} | {mb(row['tree_rss'])} | "
                     f"{mb(row['tree_pss'])} | {mb(row['max_rss'])} |")
    lines.append("")
    ratios = []
    c, a, b = (table.get(k, {}).get("wall") for k in ("classify-csv", "floor-csv", "naive-csv"))
    if c and a:
        ratios.append(f"- classify / floor (UTF-8 CSV): **{c / a:.2f}×** (target ≤ 2.5×)")
    if c and b:
        ratios.append(f"- naive / classify (UTF-8 CSV): **{b / c:.2f}×** faster (target ≥ 4×)")
    g = table.get("classify-gb18030", {}).get("wall")
    if c and g:
        ratios.append(f"- GB18030 over UTF-8 for classify: {g - c:+.2f} s (target ≤ +1 s)")
    x = table.get("classify-xlsx", {}).get("wall")
    if x:
        ratios.append(f"- classify on the XLSX: {x:.2f} s (target ≤ 15 s)")
    ld = table.get("load")
    if ld and ld.get("model") is not None:
        ratios.append(f"- load: import {ld['import']:.2f} s, model {ld['model']:.2f} s, "
                      f"jieba dictionary {ld['dictionary']:.2f} s (target: model + dictionary ≤ 1 s)")
    dash = table.get("dashboard")
    if dash and dash.get("cold_total") is not None:
        ratios.append(f"- dashboard upload → overview data (bench_dashboard's cold total): "
                      f"{dash['cold_total']:.2f} s (target ≤ 5 s)")
    if ratios:
        lines += ["Figures from this run:", ""] + ratios + [""]
    lines += [
        "What the steps are and how to read them: docs/PERFORMANCE.md.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=None, help="rows in the generated inputs (default 1,000,000)")
    ap.add_argument("--repeat", type=int, default=None, help="runs per step (default 3)")
    ap.add_argument("--naive-repeat", type=int, default=1, help="runs of the slow naive step (default 1)")
    ap.add_argument("--quick", action="store_true", help="100,000 rows, 1 run, no XLSX")
    ap.add_argument("--no-xlsx", action="store_true", help="skip the XLSX input and its steps")
    ap.add_argument("--steps", default=",".join(ALL_STEPS), help="comma-separated subset of: " + ", ".join(ALL_STEPS))
    ap.add_argument("--dashboard-rows", type=int, default=100_000)
    ap.add_argument("--big-rows", type=int, default=10_000_000, help="rows of the classify-big input")
    ap.add_argument("--data", default=str(BENCH / "data"), help="where generated inputs live")
    ap.add_argument("--out", default=str(BENCH / "RESULTS.md"))
    args = ap.parse_args(argv)
    args.argv = argv
    if args.quick:
        args.rows = args.rows or 100_000
        args.repeat = args.repeat or 1
        args.no_xlsx = True
    args.rows = args.rows or 1_000_000
    args.repeat = max(1, args.repeat or 3)
    args.naive_repeat = max(1, min(args.naive_repeat, args.repeat))
    keys = [k.strip() for k in args.steps.split(",") if k.strip()]
    bad = [k for k in keys if k not in ALL_STEPS + OPTIONAL_STEPS]
    if bad:
        ap.error("unknown steps: " + ", ".join(bad))
    if args.no_xlsx:
        keys = [k for k in keys if not k.endswith("xlsx")]
    xlsx = any(k.endswith("xlsx") for k in keys)
    if xlsx and args.rows > 1_048_573:
        ap.error("an XLSX sheet holds at most 1,048,573 rows under the title and header rows; use --no-xlsx")

    t_start = time.perf_counter()
    info = machine()
    print(f"{info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB; load average {info['loadavg']}",
          file=sys.stderr)
    data = ensure_data(args.rows, Path(args.data), xlsx)
    if "classify-big" in keys:
        big = Path(args.data) / f"douyin_{args.big_rows}.csv"
        if not _complete(big, args.big_rows):
            _generate(args.big_rows, Path(args.data), ["csv"])
        data["big"] = big
    with tempfile.TemporaryDirectory(prefix="diagnose-bench-") as tmp:
        steps = build_steps(keys, data, Path(tmp), args.repeat, args.naive_repeat, args.dashboard_rows)
        run_all(steps, Path(tmp))
    table = summarise(steps)
    elapsed = time.perf_counter() - t_start
    md = render(table, info, args, data, elapsed, os.getloadavg())
    Path(args.out).write_text(md, encoding="utf-8")
    print("\n" + md)
    print(f"written to {args.out}", file=sys.stderr)
    return 0 if all(r["failed"] == 0 for r in table.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
