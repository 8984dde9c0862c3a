"""Parsing untrusted uploads in a child process with memory and CPU limits.

Why: the spreadsheet reader is native code. A workbook that makes it
allocate what it cannot get aborts the process — for the dashboard that is
the server, so every other user's session dies with it. `containers`
refuses every such file we know of before the reader sees it; this module
is the second wall for the ones we do not know. The files of one call are
parsed in a fresh child interpreter (``python -m diagnose.io.sandbox``: a
new process, not a fork of the threaded Streamlit server, and one that
does not re-run the app's main script) whose address space and CPU time are
capped with ``resource.setrlimit`` (``DIAGNOSE_PARSE_MEMORY_MB``,
``DIAGNOSE_PARSE_CPU_SECONDS``). The child announces each file before it
parses it, so when it dies the parent knows which file killed it: that file
gets an `InputError` naming it, and a new child parses the files after it.
The worst a file can do is fail its own upload.

`read_exports_isolated` has the same contract as `read_exports`;
`read_orders_isolated` as `read_orders`. The CLI reads in-process, where
the user's own shell is the only thing a crash takes down.
"""
from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
from typing import Any, BinaryIO, Mapping, Sequence

import pandas as pd

from diagnose.errors import InputError
from diagnose.io import limits as L

# Imported by the child before its limits are set, so a low limit fails the
# parse, not an import.
_PRELOAD = ("diagnose.io.ingest", "diagnose.io.spreadsheet", "diagnose.io.textfile", "pyarrow.csv",
            "pyarrow.compute", "python_calamine")


ISOLATE_ENV = "DIAGNOSE_ISOLATE_UPLOADS"


def uploads_isolated() -> bool:
    """Whether the dashboard parses uploads in the child: yes, unless ``DIAGNOSE_ISOLATE_UPLOADS=0``.

    On by default: an upload is untrusted, and a file that makes the native
    reader abort must fail only its own upload, not the server. The price of a
    cold child (one interpreter start, 5.9–9.0 s on the loaded 2-core test
    machine) is paid ahead of time by the spare children `warm` starts when
    the app starts and `_take_child` replaces after each use. The switch can only
    turn isolation off (``0``, ``false``, ``no``, ``off``), e.g. on a machine
    where a second process per upload is not wanted.
    """
    return os.environ.get(ISOLATE_ENV, "").strip().lower() not in ("0", "false", "no", "off")


def warm() -> None:
    """Start the spare child now (at app start), so the first upload does not wait for its imports.

    Cheap when a live spare with the current limits exists (it is kept), so
    the app may call it on every script run: a spare that died is replaced.
    """
    _take_child(L.current_limits(), keep=True)


def read_exports_isolated(sources: Sequence[Any], overrides: Mapping[str, str] | None = None,
                          salt: str | None = None, profile: str | None = None,
                          errors: str = "raise") -> Any:
    """`io.read_exports` with the files parsed in a limited child process (see the module doc)."""
    from diagnose.io.ingest import read_with

    return read_with(None, sources, overrides=overrides, salt=salt, profile=profile, errors=errors,
                     batch=lambda jobs: run_isolated([("exports", job) for job in jobs]))


def read_orders_isolated(source: Any, overrides: Mapping[str, str] | None = None, *,
                         salt: str | None = None) -> pd.DataFrame:
    """`io.read_orders` parsed in a limited child process."""
    from diagnose.io.hashing import resolve_salt
    from diagnose.io.sources import load_source

    name, data = load_source(source)
    [result] = run_isolated([("orders", ((name, data), dict(overrides or {}), resolve_salt(salt)))])
    if isinstance(result, InputError):
        raise result
    return result


def _job_name(job: tuple) -> str:
    kind, args = job
    return args[0] if kind == "exports" else args[0][0]


def run_isolated(jobs: list[tuple]) -> list[Any]:
    """Each job's result or `InputError`, parsed in limited children (a new one after each death)."""
    limits = L.current_limits()
    results: list[Any] = []
    while len(results) < len(jobs):
        results.extend(_run_child(jobs[len(results):], limits))
    return results


# Started, idle children (their imports done), each for one later call. Two, so
# that two uploads close together (two users, or returns and then orders) both
# find one ready; each idle child holds ~100 MB (pandas, pyarrow, the readers).
SPARE_CHILDREN = 2
_SPARES: list[tuple[subprocess.Popen, list[str]]] = []
_SPARE_LOCK = threading.Lock()


def _spawn(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=_child_env(), close_fds=True)


def _take_child(limits: L.Limits, keep: bool = False) -> subprocess.Popen | None:
    """A child for this call: a spare one when one is alive and has these limits; spares are topped up.

    Why spares: a fresh interpreter spends most of its start importing pandas
    and pyarrow; started ahead, it has done that while the user was choosing
    a file. It sets its limits only after it receives its jobs, and serves one
    call only, so every call still gets a fresh process with fresh limits.
    ``keep=True`` (`warm`) only tops the spares up.
    """
    argv = [sys.executable, "-m", "diagnose.io.sandbox", str(limits.parse_memory_bytes),
            str(limits.parse_cpu_seconds)]
    with _SPARE_LOCK:
        alive = []
        for child, started_with in _SPARES:
            if child.poll() is None and started_with == argv:
                alive.append((child, started_with))
            else:  # dead, or started with other limits
                child.kill()
                child.wait()
        taken = alive.pop(0)[0] if alive and not keep else None
        while len(alive) < SPARE_CHILDREN:
            alive.append((_spawn(argv), argv))
        _SPARES[:] = alive
    if keep:
        return None
    return taken if taken is not None else _spawn(argv)


def _run_child(jobs: list[tuple], limits: L.Limits) -> list[Any]:
    """Run jobs in one child until it finishes or dies; on a death the dying job gets the error."""
    child = _take_child(limits)
    results: list[Any] = []
    try:
        try:
            pickle.dump(jobs, child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            child.stdin.close()
        except BrokenPipeError:
            pass  # the child died at once; reported below
        _collect(child.stdout, results)
    finally:
        child.stdout.close()
        exitcode = child.wait()
    if len(results) < len(jobs):
        results.append(_death_error(_job_name(jobs[len(results)]), exitcode, limits))
    return results


def _child_env() -> dict[str, str]:
    """The environment of the child: ours, with this checkout's package first on the path."""
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "RUST_BACKTRACE": "0", "PYTHONPATH": root + (os.pathsep + path if path else "")}


def _collect(stream: BinaryIO, results: list[Any]) -> None:
    while True:
        try:
            kind, payload = pickle.load(stream)  # our own child's pickles, over its private pipe
        except (EOFError, pickle.UnpicklingError, ValueError, OSError):
            return
        if kind == "ok":
            results.append(payload)
        elif kind == "error":
            results.append(InputError(payload["message"], file=payload["file"], hint=payload["hint"],
                                      code=payload["code"], params=payload["params"]))


def _death_error(name: str, exitcode: int | None, limits: L.Limits) -> InputError:
    """What the user is told when the child parsing their file died."""
    sig = -exitcode if exitcode is not None and exitcode < 0 else None
    if sig in (signal.SIGXCPU, signal.SIGKILL):
        return InputError(
            f"reading the file took more than {limits.parse_cpu_seconds:,} s of processor time and was "
            "stopped; the file was not read",
            file=name,
            hint=f"split the export into smaller files, or raise {L.PARSE_CPU_SECONDS_ENV}",
            code="parse_timeout", params={"seconds": limits.parse_cpu_seconds, "env": L.PARSE_CPU_SECONDS_ENV},
        )
    what = signal.Signals(sig).name if sig else f"exit code {exitcode}"
    return InputError(
        f"the file made the reader fail ({what}: it needed more memory than the limit of "
        f"{L.mb(limits.parse_memory_bytes)}, or its content is malformed); the file was not read",
        file=name,
        hint="open it in Excel, save it again as .xlsx (or export CSV) and upload that file; or raise "
             + L.PARSE_MEMORY_MB_ENV,
        code="parse_crashed",
        params={"how": what, "limit": L.mb(limits.parse_memory_bytes), "env": L.PARSE_MEMORY_MB_ENV},
    )


# ---------------------------------------------------------------------------
# The child
# ---------------------------------------------------------------------------
def _error_payload(name: str, exc: BaseException, memory_bytes: int) -> dict:
    if isinstance(exc, InputError):
        return {"message": exc.message, "file": exc.file, "hint": exc.hint, "code": exc.code,
                "params": exc.params}
    if isinstance(exc, MemoryError):
        return {"message": f"reading the file needed more memory than the limit of {L.mb(memory_bytes)}; "
                           "the file was not read",
                "file": name, "hint": f"split the export into smaller files, or raise {L.PARSE_MEMORY_MB_ENV}",
                "code": "parse_out_of_memory", "params": {"limit": L.mb(memory_bytes), "env": L.PARSE_MEMORY_MB_ENV}}
    return {"message": f"the file could not be read ({type(exc).__name__})", "file": name,
            "hint": "save it again as .xlsx or CSV and upload that file", "code": "parse_crashed",
            "params": {"how": type(exc).__name__, "limit": L.mb(memory_bytes), "env": L.PARSE_MEMORY_MB_ENV}}


def _run_job(job: tuple) -> Any:
    kind, args = job
    if kind == "exports":
        from diagnose.io.ingest import read_file

        name, data, overrides, salt, profile, id_prefix = args
        return read_file(name, data, overrides, salt, profile, id_prefix=id_prefix)
    from diagnose.io.ingest import read_orders

    source, overrides, salt = args
    return read_orders(source, overrides, salt=salt)


def _child_main(memory_bytes: int, cpu_seconds: int) -> None:
    """Read the jobs from stdin, set the limits, parse each, write one result per job to stdout."""
    import importlib
    import resource

    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # nothing but results goes down the result pipe
    for module in _PRELOAD:
        importlib.import_module(module)
    jobs = pickle.load(sys.stdin.buffer)  # written by our parent, over a private pipe
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    for job in jobs:
        try:
            message: tuple = ("ok", _run_job(job))
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - a reader bug must fail this file, not the server
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            data = pickle.dumps(("error", _error_payload(_job_name(job), exc, memory_bytes)))
        out.write(data)
        out.flush()
    out.close()


if __name__ == "__main__":
    _child_main(int(sys.argv[1]), int(sys.argv[2]))
