"""Parsing untrusted uploads in a child process with memory and CPU limits.

Why: the spreadsheet reader is native code. A workbook that makes it
allocate what it cannot get aborts the process — for the dashboard that is
the server, so every other user's session dies with it. `containers`
refuses every such file we know of before the reader sees it; this module
is the second wall for the ones we do not know: each file is parsed in a
child process (multiprocessing ``forkserver``: forked from a small clean
server, never from the threaded Streamlit process) whose address space and
CPU time are limited with ``resource.setrlimit``
(``DIAGNOSE_PARSE_MEMORY_MB``, ``DIAGNOSE_PARSE_CPU_SECONDS``). The worst a
file can do is fail its own upload: the parent gets an `InputError` naming
the file.

`read_exports_isolated` has the same contract as `read_exports`;
`read_orders_isolated` as `read_orders`. Reading stays in this process for
the CLI, where the user's own shell is the only thing a crash takes down.
"""
from __future__ import annotations

import os
import signal
from typing import Any, Mapping, Sequence

import pandas as pd

from diagnose.errors import InputError
from diagnose.io import limits as L

# Imported once in the fork server (so each child starts in milliseconds) and
# before the limits are set (so a low limit fails the parse, not an import).
_PRELOAD = ["diagnose.io.ingest", "diagnose.io.spreadsheet", "diagnose.io.textfile", "pyarrow.csv",
            "pyarrow.compute", "python_calamine"]
_POLL_SECONDS = 0.05


def read_exports_isolated(sources: Sequence[Any], overrides: Mapping[str, str] | None = None,
                          salt: str | None = None, profile: str | None = None,
                          errors: str = "raise") -> "Any":
    """`io.read_exports` with every file parsed in a limited child process (see the module doc)."""
    from diagnose.io.ingest import read_with

    return read_with(_isolated_read_file, sources, overrides=overrides, salt=salt, profile=profile,
                     errors=errors)


def read_orders_isolated(source: Any, overrides: Mapping[str, str] | None = None, *,
                         salt: str | None = None) -> pd.DataFrame:
    """`io.read_orders` parsed in a limited child process."""
    from diagnose.io.hashing import resolve_salt
    from diagnose.io.sources import load_source

    name, data = load_source(source)
    return run_isolated(name, "orders", (name, data), dict(overrides or {}), resolve_salt(salt))


def _isolated_read_file(name: str, data: bytes, overrides: Mapping[str, str], salt: str,
                        profile: str | None, *, id_prefix: str | None = None) -> list:
    return run_isolated(name, "exports", name, data, dict(overrides), salt, profile, id_prefix)


def run_isolated(name: str, job: str, *args: Any) -> Any:
    """Run one parse job in a fresh limited child; its result, its `InputError`, or one for its death."""
    import multiprocessing as mp

    limits = L.current_limits()
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, limits.parse_memory_bytes, limits.parse_cpu_seconds,
                                             job, args), daemon=True)
    child.start()
    send.close()
    message = None
    try:
        while message is None:
            if receive.poll(_POLL_SECONDS):
                try:
                    message = receive.recv()
                except EOFError:
                    break
            elif not child.is_alive():
                if receive.poll(0):
                    continue
                break
    finally:
        receive.close()
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join()
    if message is None:
        raise _death_error(name, child.exitcode, limits)
    kind, payload = message
    if kind == "ok":
        return payload
    raise InputError(payload["message"], file=payload["file"], hint=payload["hint"],
                     code=payload["code"], params=payload["params"])


def _death_error(name: str, exitcode: int | None, limits: L.Limits) -> InputError:
    """What the user is told when the child parsing their file died."""
    sig = -exitcode if exitcode is not None and exitcode < 0 else None
    if sig == signal.SIGXCPU or sig == signal.SIGKILL:
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


def _child(send: Any, memory_bytes: int, cpu_seconds: int, job: str, args: tuple) -> None:
    """In the child: set the limits, parse, send back the parts or the error."""
    import importlib
    import resource

    for module in _PRELOAD:
        importlib.import_module(module)
    os.environ.setdefault("RUST_BACKTRACE", "0")
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        if job == "exports":
            from diagnose.io.ingest import read_file

            name, data, overrides, salt, profile, id_prefix = args
            result: Any = read_file(name, data, overrides, salt, profile, id_prefix=id_prefix)
        else:
            from diagnose.io.ingest import read_orders

            source, overrides, salt = args
            result = read_orders(source, overrides, salt=salt)
        send.send(("ok", result))
    except InputError as exc:
        send.send(("error", {"message": exc.message, "file": exc.file, "hint": exc.hint,
                             "code": exc.code, "params": exc.params}))
    except MemoryError:
        send.send(("error", {"message": f"reading the file needed more memory than the limit of "
                                        f"{L.mb(memory_bytes)}; the file was not read",
                             "file": args[0] if isinstance(args[0], str) else args[0][0],
                             "hint": f"split the export into smaller files, or raise {L.PARSE_MEMORY_MB_ENV}",
                             "code": "parse_out_of_memory",
                             "params": {"limit": L.mb(memory_bytes), "env": L.PARSE_MEMORY_MB_ENV}}))
    except Exception as exc:  # noqa: BLE001 - a reader bug must fail this file, not the server
        send.send(("error", {"message": f"the file could not be read ({type(exc).__name__})",
                             "file": args[0] if isinstance(args[0], str) else args[0][0],
                             "hint": "save it again as .xlsx or CSV and upload that file",
                             "code": "parse_crashed",
                             "params": {"how": type(exc).__name__, "limit": L.mb(memory_bytes),
                                        "env": L.PARSE_MEMORY_MB_ENV}}))
    finally:
        send.close()
