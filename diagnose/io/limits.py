"""Size limits applied while reading, and the checks that enforce them early.

Read from the environment on every call, so an operator (or a test) can
change them without a restart. The defaults let the CLI read a
10-million-row CSV from disk and the dashboard take a few-hundred-MB upload,
while refusing — before anything is parsed — what would only exhaust memory.
docs/BAD_INPUT.md lists each limit with the reason for its default.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from diagnose.errors import InputError

MAX_UPLOAD_MB_ENV = "DIAGNOSE_MAX_UPLOAD_MB"  # bytes handed over in memory (dashboard uploads)
MAX_FILE_MB_ENV = "DIAGNOSE_MAX_FILE_MB"  # files read from disk (CLI)
MAX_ROWS_ENV = "DIAGNOSE_MAX_ROWS"  # data rows per call (all files together)
MAX_XLSX_MB_ENV = "DIAGNOSE_MAX_XLSX_UNCOMPRESSED_MB"  # declared unpacked size of an XLSX
MAX_CELLS_ENV = "DIAGNOSE_MAX_CELLS"  # rows x columns a sheet declares or reaches
MAX_ZIP_RATIO_ENV = "DIAGNOSE_MAX_ZIP_RATIO"  # unpacked / packed size of one XLSX part
MAX_COLUMNS_ENV = "DIAGNOSE_MAX_COLUMNS"  # columns of one sheet or text file
MAX_CELL_CHARS_ENV = "DIAGNOSE_MAX_CELL_CHARS"  # characters of one cell
MAX_SHARED_STRINGS_ENV = "DIAGNOSE_MAX_SHARED_STRINGS"  # entries an XLSX's string table declares
PARSE_MEMORY_MB_ENV = "DIAGNOSE_PARSE_MEMORY_MB"  # address space of an isolated parse (sandbox)
PARSE_CPU_SECONDS_ENV = "DIAGNOSE_PARSE_CPU_SECONDS"  # CPU time of an isolated parse (sandbox)

_LIMIT_DEFAULTS: dict[str, float] = {
    MAX_UPLOAD_MB_ENV: 1024,  # = server.maxUploadSize in .streamlit/config.toml
    MAX_FILE_MB_ENV: 8192,
    MAX_ROWS_ENV: 20_000_000,
    MAX_XLSX_MB_ENV: 4096,
    MAX_CELLS_ENV: 120_000_000,
    MAX_ZIP_RATIO_ENV: 200,
    MAX_COLUMNS_ENV: 2000,
    MAX_CELL_CHARS_ENV: 1_000_000,
    MAX_SHARED_STRINGS_ENV: 50_000_000,
    PARSE_MEMORY_MB_ENV: 8192,
    PARSE_CPU_SECONDS_ENV: 600,
}

# Parts smaller than this are never judged by their compression ratio (a
# 2 MB styles.xml full of repeated tags legitimately packs 100:1).
RATIO_MIN_BYTES = 16 * 1024 * 1024

# How much of a buyer's text the classifier needs to read. Real comments are
# a few hundred characters; a 50,000-character run takes seconds to tokenise
# and says nothing more. The text is kept whole in the table; a longer cell
# is flagged ``buyer_text:long`` in ``row_issues`` and the model reads (a copy
# of) its first MAX_TEXT_CHARS characters.
MAX_TEXT_CHARS = 2000

# Excel's own sheet size: an XLSX we write can hold no more than this.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384


@dataclass(frozen=True)
class Limits:
    """Size limits applied while reading; see `current_limits`."""

    upload_bytes: int
    file_bytes: int
    rows: int
    xlsx_uncompressed_bytes: int
    cells: int
    zip_ratio: float
    columns: int = int(_LIMIT_DEFAULTS[MAX_COLUMNS_ENV])
    cell_chars: int = int(_LIMIT_DEFAULTS[MAX_CELL_CHARS_ENV])
    shared_strings: int = int(_LIMIT_DEFAULTS[MAX_SHARED_STRINGS_ENV])
    parse_memory_bytes: int = int(_LIMIT_DEFAULTS[PARSE_MEMORY_MB_ENV]) * 1024 * 1024
    parse_cpu_seconds: int = int(_LIMIT_DEFAULTS[PARSE_CPU_SECONDS_ENV])


def _value(env: str) -> float:
    raw = os.environ.get(env, "").strip()
    if not raw:
        return _LIMIT_DEFAULTS[env]
    try:
        number = float(raw)
    except ValueError:
        number = -1.0
    if not number > 0 or number == float("inf"):
        default = int(_LIMIT_DEFAULTS[env])
        raise InputError(
            f"the setting {env}={raw!r} is not a positive number",
            hint=f"set {env} to a number such as {default}, or unset it",
            code="limit_setting", params={"env": env, "value": raw, "default": default},
        )
    return number


def current_limits() -> Limits:
    """The limits in force now: environment variables over the defaults.

    Why configurable: a team running the dashboard on a large machine wants
    bigger uploads; a shared small server wants smaller ones. A value that is
    not a positive number is a configuration mistake and is reported as such.
    """
    mb = 1024 * 1024
    return Limits(
        upload_bytes=int(_value(MAX_UPLOAD_MB_ENV) * mb),
        file_bytes=int(_value(MAX_FILE_MB_ENV) * mb),
        rows=int(_value(MAX_ROWS_ENV)),
        xlsx_uncompressed_bytes=int(_value(MAX_XLSX_MB_ENV) * mb),
        cells=int(_value(MAX_CELLS_ENV)),
        zip_ratio=_value(MAX_ZIP_RATIO_ENV),
        columns=int(_value(MAX_COLUMNS_ENV)),
        cell_chars=int(_value(MAX_CELL_CHARS_ENV)),
        shared_strings=int(_value(MAX_SHARED_STRINGS_ENV)),
        parse_memory_bytes=int(_value(PARSE_MEMORY_MB_ENV) * mb),
        parse_cpu_seconds=max(1, int(_value(PARSE_CPU_SECONDS_ENV))),
    )


def mb(n: int) -> str:
    """A byte count as the messages show it (KB below 1 MB)."""
    if n < 1024 * 1024:
        return f"{n / 1024:,.1f} KB"
    return f"{n / (1024 * 1024):,.1f} MB"


def check_size(name: str, size: int, limit: int, env: str) -> None:
    """Refuse a file above the size limit before its bytes are parsed."""
    if size > limit:
        raise InputError(
            f"the file is {mb(size)}, larger than the limit of {mb(limit)}",
            file=name,
            hint=f"split the export into smaller periods (e.g. one file per month), or raise {env}",
            code="file_too_large", params={"size": mb(size), "limit": mb(limit), "env": env},
        )


def check_columns(name: str, columns: int, limits: Limits, where: str = "") -> None:
    """Refuse a table wider than the column limit (real exports have under 200 columns).

    Why: every column costs a Python-level pass in cleaning and mapping, so
    10,000 columns take minutes while no export has a tenth of that.
    """
    if columns > limits.columns:
        place = f"{where} " if where else ""
        raise InputError(
            f"{place}has {columns:,} columns, more than the limit of {limits.columns:,}; "
            "it was not read",
            file=name,
            hint=f"delete the unused columns (or export only the after-sales columns), or raise {MAX_COLUMNS_ENV}",
            code="columns_over_limit", params={"columns": columns, "limit": limits.columns,
                                               "sheet": where, "env": MAX_COLUMNS_ENV},
        )
