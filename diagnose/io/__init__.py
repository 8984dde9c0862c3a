"""Reading and writing: platform exports in, formula-safe tables out.

The facade: `read_exports` (return exports → canonical table), `read_orders`
(order exports), `parse_overrides` (``canonical=header`` mappings), and
`read_exports_isolated` / `read_orders_isolated` (the same, each file parsed
in a child process with memory and CPU limits — for untrusted uploads). The
modules behind it each hold one concern (see `diagnose.io.ingest`); callers
outside ``io`` import from here.
"""
from diagnose.io.ingest import (  # noqa: F401 - the facade
    CANONICAL_COLUMNS,
    MAPPING_ERROR,
    FileError,
    FileReport,
    IngestResult,
    parse_overrides,
    read_exports,
    read_orders,
)
from diagnose.io.sandbox import read_exports_isolated, read_orders_isolated  # noqa: F401

__all__ = ["CANONICAL_COLUMNS", "MAPPING_ERROR", "FileError", "FileReport", "IngestResult", "parse_overrides",
           "read_exports", "read_exports_isolated", "read_orders", "read_orders_isolated"]
