"""Run the performance benchmarks as whole processes and write benchmarks/RESULTS.md.

Usage (from the checkout's root; benchmarks is a package):
    python -m benchmarks.run                          # 1,000,000 rows, median of 3, every default step
    python -m benchmarks.run --rows 20000 --repeat 1  # a small end-to-end check (labelled as such)
    python -m benchmarks.run --steps floor-csv9,naive-csv9,classify-csv9   # the headline figure only
    python -m benchmarks.run --steps classify-big     # 10M-row 9-column CSV, read in slices

Missing inputs are generated first (`python -m benchmarks.generate`, deterministic,
into benchmarks/data/, git-ignored; each file carries a .json stamp).

Every step is a separate process started from here and timed on the wall
clock. Peak memory is the PSS (proportional set size: pages shared between
processes split between them) summed over the process and all its
descendants — forked workers included — read with psutil's
`memory_full_info().pss` every 50 ms, or less often when a reading is slow:
the kernel walks the page tables for it (20 ms for a 1.4 GB process here,
holding the process's memory-map lock), so the sampler waits ten times as
long as its last reading took and never costs the measured process more than
a tenth of a core; at 50 ms flat it had slowed `report` by ~20%. The kernel's
peak RSS of the largest single process (`ru_maxrss`) is given beside it
because sampling can miss a short peak. Steps run round-robin (every step once, then every step again …)
so load from other work on the machine spreads over all steps; the 1-minute
load average is recorded before every run and the 1/5/15-minute one at the
start and end of the invocation. The ratios classify/floor and
classify/naive come from the medians of this same invocation.

Steps (ids for --steps; INPUT is csv9, csv52, xlsx or gb18030):
  floor-INPUT     pyarrow read + write of the file, nothing else       (benchmarks/floor.py)
  naive-INPUT     sklearn char TF-IDF + logistic regression on every row (benchmarks/naive_sklearn.py)
  classify-INPUT  python -m diagnose classify FILE -o out.csv
  report-INPUT    python -m diagnose report FILE -o report.xlsx
  risk-INPUT      python -m diagnose risk FILE -o risk.csv
  dashboard       python -m benchmarks.bench_dashboard --rows 100000 --runs 1 (its own upload,
                  through upload -> classify -> report -> overview, and the page in AppTest)
  load            import + model + jieba dictionary, timed inside one process
  classify-big    classify on a --big-rows (default 10,000,000) 9-column CSV (sliced read)
Default: """
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
FULL_ROWS = 1_000_000
BUSY_LOAD = 1.5  # 1-minute load average above which a run's times are called polluted

# input key -> (generator format, description)
INPUTS = {
    "csv9": ("csv9", "9-column Douyin CSV (UTF-8)"),
    "csv52": ("csv", "52-column Douyin CSV (UTF-8)"),
    "xlsx": ("xlsx", "Douyin XLSX (16 columns)"),
    "gb18030": ("gb18030", "52-column Douyin CSV (GB18030)"),
}
DEFAULT_STEPS = (
    "floor-csv9", "naive-csv9", "classify-csv9",
    "floor-csv52", "classify-csv52",
    "floor-xlsx", "classify-xlsx",
    "report-csv9", "risk-csv9", "dashboard",
)
OPTIONAL_STEPS = (
    "load", "naive-csv52", "naive-xlsx", "floor-gb18030", "classify-gb18030", "report-csv52", "risk-csv52",
    "classify-big",
)
KINDS = ("floor", "naive", "classify", "report", "risk")
KIND_LABELS = {
    "floor": "floor: pyarrow read + write",
    "naive": "naive: sklearn char TF-IDF + LR, every row",
    "classify": "`diagnose classify`",
    "report": "`diagnose report` → XLSX",
    "risk": "`diagnose risk` → CSV",
}
__doc__ += ", ".join(DEFAULT_STEPS) + "."

_LOAD_SNIPPET = r"""
import json, time
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
    tree_pss: int  # bytes: peak of the sampled sum of PSS over the process tree
    max_rss: int  # bytes: the kernel's peak RSS of the largest single process
    load1: float  # 1-minute load average just before the run
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


def tree_pss(pid: int) -> int:
    """Sum of the proportional set sizes of `pid` and all its descendants, in bytes."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_full_info().pss  # /proc/<pid>/smaps_rollup
        except psutil.Error:  # the process ended between listing and reading
            pass
    return total


SAMPLER_BACKOFF = 10  # wait this many times as long as the last PSS reading took


def measure(cmd: list[str], interval: float = 0.05) -> Run:
    """Run `cmd` from the checkout's root: wall time, sampled peak tree PSS, kernel peak RSS."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    load1 = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            started = time.perf_counter()
            peak[0] = max(peak[0], tree_pss(proc.pid))
            done.wait(max(interval, SAMPLER_BACKOFF * (time.perf_counter() - started)))

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    return Run(wall, peak[0], usage.ru_maxrss * 1024, load1, proc.returncode,
               out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------
def ensure_inputs(keys: list[str], rows: int, big_rows: int, data_dir: Path) -> dict[str, Path]:
    """The inputs the steps need, generating whatever is missing or stale."""
    from benchmarks.generate import is_current, output_paths

    wanted = sorted({k.partition("-")[2] for k in keys if "-" in k and k != "classify-big"})
    paths = output_paths(rows, data_dir)
    data = {k: paths[INPUTS[k][0]] for k in wanted}
    missing = [INPUTS[k][0] for k in wanted if not is_current(data[k], rows)]
    if missing:
        _generate(rows, data_dir, missing)
    if "classify-big" in keys:
        big = output_paths(big_rows, data_dir)["csv9"]
        if not is_current(big, big_rows):
            _generate(big_rows, data_dir, ["csv9"])
        data["big"] = big
    return data


def _generate(rows: int, data_dir: Path, formats: list[str]) -> None:
    print(f"generating {', '.join(formats)} with {rows:,} rows into {data_dir} …", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    cmd = [PY, "-m", "benchmarks.generate", "--rows", str(rows), "--out", str(data_dir),
           "--formats", ",".join(formats)]
    subprocess.run(cmd, check=True, cwd=ROOT)
    print(f"  generated in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)


def _input_summary(path: Path) -> str:
    """The generator's own description of the file (rows, columns, distinct texts)."""
    from benchmarks.generate import stamp_path

    try:
        return json.loads(stamp_path(path).read_text(encoding="utf-8")).get("summary", "")
    except (OSError, ValueError):
        return ""


# ---------------------------------------------------------------------------
# Machine
# ---------------------------------------------------------------------------
def machine() -> dict:
    """CPU, cores, RAM, library versions and the load average now."""
    import numpy
    import pandas
    import psutil
    import pyarrow
    import sklearn

    info = {"python": platform.python_version(), "platform": platform.platform()}
    m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    info["cpu"] = m.group(1).strip() if m else (platform.processor() or "unknown")
    info["cores"] = len(os.sched_getaffinity(0))
    info["ram_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
    info["loadavg"] = os.getloadavg()
    info["libs"] = (f"pandas {pandas.__version__}, numpy {numpy.__version__}, pyarrow {pyarrow.__version__}, "
                    f"scikit-learn {sklearn.__version__}")
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        info["commit"] = "unknown"
    return info


# ---------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------
def step_command(key: str, data: dict[str, Path], tmp: Path, dash_rows: int, naive_model: Path) -> list[str]:
    """The command line of one step."""
    if key == "load":
        return [PY, "-c", _LOAD_SNIPPET]
    if key == "dashboard":
        return [PY, "-m", "benchmarks.bench_dashboard", "--rows", str(dash_rows), "--runs", "1",
                "--out", str(tmp / "dashboard.md")]
    kind, _, fmt = key.partition("-")
    src = str(data["big" if key == "classify-big" else fmt])
    if kind == "floor":
        return [PY, "-m", "benchmarks.floor", src, str(tmp / f"{key}.csv")]
    if kind == "naive":
        return [PY, "-m", "benchmarks.naive_sklearn", src, str(tmp / f"{key}.csv"), "--model", str(naive_model)]
    if kind == "classify":
        return [PY, "-m", "diagnose", "classify", src, "-o", str(tmp / f"{key}.csv")]
    if kind == "report":
        return [PY, "-m", "diagnose", "report", src, "-o", str(tmp / f"{key}.xlsx")]
    if kind == "risk":
        return [PY, "-m", "diagnose", "risk", src, "-o", str(tmp / f"{key}.csv")]
    raise SystemExit(f"unknown step {key}")


def step_label(key: str) -> str:
    if key == "dashboard":
        return "dashboard: upload → overview, its own generated upload (whole bench_dashboard process)"
    if key == "load":
        return "import + model + dictionary load (in-process)"
    if key == "classify-big":
        return "`diagnose classify`, big 9-column CSV (sliced)"
    kind, _, fmt = key.partition("-")
    return f"{KIND_LABELS[kind]} — {INPUTS[fmt][1]}"


# The dashboard's own table rows the summary quotes: (row label pattern, our name)
_DASH_ROWS = (
    (r"cold total[^|]*", "upload → overview data (cold total)"),
    (r"whole overview page, first load[^|]*", "overview page rendered, first load (AppTest)"),
    (r"overview page rerun after a reason filter change[^|]*", "page rerun after a filter change (AppTest)"),
    (r"new filter: select rows[^|]*", "new filter: select + report + charts"),
)


def dashboard_figures(md: Path) -> dict[str, float]:
    """The medians bench_dashboard wrote in its table, by our names."""
    try:
        text = md.read_text(encoding="utf-8")
    except OSError:
        return {}
    found = {}
    for pattern, name in _DASH_ROWS:
        m = re.search(r"\|\s*\**" + pattern + r"\|\s*\**([0-9.]+)", text)
        if m:
            found[name] = float(m.group(1))
    return found


def train_naive(tmp: Path) -> tuple[Path, Run]:
    """Fit the naive pipeline once (its timed runs load it, as classify loads its model)."""
    path = tmp / "naive_model.joblib"
    run = measure([PY, "-m", "benchmarks.naive_sklearn", "--train-only", str(path)])
    if run.rc != 0:
        raise SystemExit(f"training the naive pipeline failed:\n{run.stderr[-2000:]}")
    return path, run


def run_all(steps: list[Step], tmp: Path) -> None:
    rounds = max(s.repeat for s in steps)
    for r in range(rounds):
        for step in steps:
            if r >= step.repeat:
                continue
            print(f"[round {r + 1}/{rounds}] {step.key} (load {os.getloadavg()[0]:.2f}) …", file=sys.stderr,
                  flush=True)
            run = measure(step.cmd)
            step.runs.append(run)
            if run.rc != 0:
                print(f"  FAILED (exit {run.rc}):\n{run.stderr[-3000:]}", file=sys.stderr, flush=True)
                continue
            if step.key == "load":
                step.extra.append(json.loads(run.stdout.strip().splitlines()[-1]))
            if step.key == "dashboard":
                step.extra.append(dashboard_figures(tmp / "dashboard.md"))
            print(f"  {run.wall:.2f} s, peak PSS tree {run.tree_pss / 2**20:,.0f} MB, "
                  f"largest process RSS {run.max_rss / 2**20:,.0f} MB", file=sys.stderr, flush=True)


def summarise(steps: list[Step]) -> dict[str, dict]:
    """Median wall time and peak memory per step, over its successful runs."""
    table = {}
    for s in steps:
        ok = [r for r in s.runs if r.rc == 0]
        row = {
            "wall": statistics.median([r.wall for r in ok]) if ok else None,
            "runs": [(r.wall, r.load1, r.rc) for r in s.runs],
            "tree_pss": max((r.tree_pss for r in ok), default=None),
            "max_rss": max((r.max_rss for r in ok), default=None),
            "failed": len(s.runs) - len(ok),
        }
        for extra in s.extra:
            for name, value in extra.items():
                row.setdefault("extra", {}).setdefault(name, []).append(value)
        table[s.key] = row
    return table


def _extra_median(row: dict | None, name: str) -> float | None:
    values = ((row or {}).get("extra") or {}).get(name)
    return statistics.median(values) if values else None


def ratio_lines(table: dict, full: bool, dash_full: bool) -> list[str]:
    """Both ratios per input, and each issue-11 target with this run's figure."""
    def wall(key):
        return (table.get(key) or {}).get("wall")

    def target(text: str, value: float | None, limit: float, unit: str = "s", judged: bool = full) -> str | None:
        if value is None:
            return None
        verdict = ("met" if value <= limit else "**missed**") if judged else "not judged: not a full-size run"
        return f"- {text}: {value:.2f} {unit} (target ≤ {limit:g} {unit}; {verdict})"

    lines = []
    for fmt in INPUTS:
        c, a, b = wall(f"classify-{fmt}"), wall(f"floor-{fmt}"), wall(f"naive-{fmt}")
        if c and a:
            verdict = "" if not full else ("; met" if c / a <= 6 else "; **missed**")
            lines.append(f"- classify / floor, {INPUTS[fmt][1]}: **{c / a:.2f}×** (target ≤ 6×{verdict})")
        if c and b:
            verdict = "" if not full else ("; met" if c / b <= 0.25 else "; **missed**")
            lines.append(f"- classify / naive, {INPUTS[fmt][1]}: **{c / b:.2f}×** (target ≤ 0.25×{verdict})")
    pss9 = (table.get("classify-csv9") or {}).get("tree_pss")
    dash = table.get("dashboard")
    for line in (
        target("classify, 9-column CSV", wall("classify-csv9"), 10),
        target("classify, 9-column CSV, peak PSS tree", pss9 / 2**30 if pss9 else None, 1.5, "GB"),
        target("classify, 52-column CSV", wall("classify-csv52"), 15),
        target("classify, XLSX", wall("classify-xlsx"), 30),
        target("report, 9-column CSV", wall("report-csv9"), 20),
        target("risk, 9-column CSV", wall("risk-csv9"), 15),
        target("dashboard: 100k-row upload → overview rendered (AppTest first load)",
               _extra_median(dash, "overview page rendered, first load (AppTest)"), 3, judged=dash_full),
        target("dashboard: filter change (AppTest rerun)",
               _extra_median(dash, "page rerun after a filter change (AppTest)"), 0.5, judged=dash_full),
    ):
        if line:
            lines.append(line)
    if dash:
        for name in ("upload → overview data (cold total)", "new filter: select + report + charts"):
            v = _extra_median(dash, name)
            if v is not None:
                lines.append(f"- dashboard, {name}: {v:.2f} s")
    ld = table.get("load")
    if ld and _extra_median(ld, "model") is not None:
        lines.append(f"- load: import {_extra_median(ld, 'import'):.2f} s, model {_extra_median(ld, 'model'):.2f} s, "
                     f"jieba dictionary {_extra_median(ld, 'dictionary'):.2f} s")
    return lines


def render(table: dict, info: dict, args: argparse.Namespace, data: dict[str, Path], elapsed: float,
           load_end: tuple, naive_train: Run | None) -> str:
    full = args.rows >= FULL_ROWS

    def mb(v):
        return f"{v / 2**20:,.0f}" if v else "–"

    lines = ["# Performance benchmarks", ""]
    if not full:
        lines += [f"> **SMALL-SIZE RUN: {args.rows:,} rows, median of {args.repeat}.** A check that the benchmark "
                  f"works end to end, not the 1,000,000-row figures; the 1M-row targets are not judged on it.", ""]
    busiest = max((ld for row in table.values() for _, ld, _ in row["runs"]), default=0.0)
    if busiest > BUSY_LOAD:
        lines += [f"> **The machine was busy: the 1-minute load average before a run reached {busiest:.1f} "
                  f"on {info['cores']} cores.** Other work competed for the CPUs, so these times are slower "
                  f"and noisier than the code; a verdict below is about this run, not the code.", ""]
    lines += [
        f"`.venv/bin/python -m benchmarks.run {' '.join(args.argv)}`".replace(" `", "`"),
        "",
        f"- date (UTC): {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M')}; commit {info['commit']}",
        f"- machine: {info['cpu']}, {info['cores']} usable cores, {info['ram_gb']} GB RAM; {info['platform']}",
        f"- Python {info['python']}; {info['libs']}",
        f"- load average (1/5/15 min) at start: {', '.join(f'{x:.2f}' for x in info['loadavg'])}; "
        f"at end: {', '.join(f'{x:.2f}' for x in load_end)}",
        f"- {args.rows:,} rows per input; median of {args.repeat} run(s) per step (naive: {args.naive_repeat}); "
        f"the whole invocation took {elapsed / 60:.1f} min",
    ]
    for key, path in data.items():
        name = INPUTS[key][1] if key in INPUTS else "big 9-column CSV"
        lines.append(f"- input {key}: {name}, `{path.name}`, {path.stat().st_size / 1e6:,.0f} MB — "
                     f"{_input_summary(path)}")
    if "dashboard" in table:
        lines.append(f"- dashboard: bench_dashboard's own generated {args.dashboard_rows:,}-row upload "
                     f"(50-column GB18030 Douyin CSV), one run per process")
    if naive_train is not None:
        lines.append(f"- the naive pipeline was trained once before the runs, in {naive_train.wall:.2f} s "
                     f"(not in its timed runs, as classify's model is trained beforehand too)")
    lines += [
        "",
        "*peak PSS tree* = the largest sampled (every 50 ms, or ten times a slow reading's own time) sum of proportional set sizes over the process and "
        "all its children; *largest RSS* = the kernel's peak resident size of the largest single process. "
        "*runs* = every run's wall time, with the 1-minute load average just before it. "
        "Memory is in binary units, as `ps` and `top` count it: MB = 2^20 bytes, GB = 2^30 bytes "
        "(1,024 MB = 1 GB = 1.07 × 10^9 bytes).",
        "",
        "| step | median wall (s) | runs: s (load) | peak PSS tree (MB) | largest RSS (MB) |",
        "|---|---:|---|---:|---:|",
    ]
    for key in list(DEFAULT_STEPS) + list(OPTIONAL_STEPS):
        if key not in table:
            continue
        row = table[key]
        runs = ", ".join(f"{w:.2f} ({ld:.1f})" + ("" if rc == 0 else f" exit {rc}") for w, ld, rc in row["runs"])
        med = f"{row['wall']:.2f}" if row["wall"] is not None else "failed"
        lines.append(f"| {step_label(key)} | {med} | {runs} | {mb(row['tree_pss'])} | {mb(row['max_rss'])} |")
    ratios = ratio_lines(table, full, args.dashboard_rows >= 100_000)
    if ratios:
        lines += ["", "Ratios and targets from this run (medians):", ""] + ratios
    lines += ["", "What the steps are and how to read them: docs/PERFORMANCE.md.", ""]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=FULL_ROWS, help="rows in each generated input (default 1,000,000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per step; the table gives the median (default 3)")
    ap.add_argument("--naive-repeat", type=int, default=None,
                    help="runs of the naive steps (default: --repeat; at 1M rows each takes minutes)")
    ap.add_argument("--steps", default=",".join(DEFAULT_STEPS),
                    help="comma-separated step ids: " + ", ".join(DEFAULT_STEPS + OPTIONAL_STEPS))
    ap.add_argument("--dashboard-rows", type=int, default=100_000)
    ap.add_argument("--big-rows", type=int, default=10_000_000, help="rows of the classify-big input")
    ap.add_argument("--data", default=str(BENCH / "data"), help="where generated inputs live")
    ap.add_argument("--out", default=str(BENCH / "RESULTS.md"))
    args = ap.parse_args(argv)
    args.argv = argv
    args.repeat = max(1, args.repeat)
    args.naive_repeat = max(1, min(args.naive_repeat or args.repeat, args.repeat))
    args.keys = [k.strip() for k in args.steps.split(",") if k.strip()]
    bad = [k for k in args.keys if k not in DEFAULT_STEPS + OPTIONAL_STEPS]
    if bad:
        ap.error("unknown steps: " + ", ".join(bad))
    if any(k.endswith("-xlsx") for k in args.keys) and args.rows > 1_048_573:
        ap.error("an XLSX sheet holds at most 1,048,573 rows under the title and header rows; drop the xlsx steps")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    t_start = time.perf_counter()
    info = machine()
    print(f"{info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB; load average {info['loadavg']}",
          file=sys.stderr)
    data = ensure_inputs(args.keys, args.rows, args.big_rows, Path(args.data))
    naive_train = None
    with tempfile.TemporaryDirectory(prefix="diagnose-bench-") as name:
        tmp = Path(name)
        naive_model = tmp / "naive_model.joblib"
        if any(k.startswith("naive-") for k in args.keys):
            naive_model, naive_train = train_naive(tmp)
        steps = [Step(k, step_command(k, data, tmp, args.dashboard_rows, naive_model),
                      args.naive_repeat if k.startswith("naive-") else args.repeat) for k in args.keys]
        run_all(steps, tmp)
    table = summarise(steps)
    md = render(table, info, args, data, time.perf_counter() - t_start, os.getloadavg(), naive_train)
    Path(args.out).write_text(md, encoding="utf-8")
    print("\n" + md)
    print(f"written to {args.out}", file=sys.stderr)
    return 0 if all(r["failed"] == 0 for r in table.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
