"""Reading and writing: platform exports in, formula-safe tables out.

The facade: `read_exports` (return exports → canonical table), `read_orders`
(order exports), `parse_overrides` (``canonical=header`` mappings). The
modules behind it each hold one concern; callers outside ``io`` import from
here.
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

__all__ = ["CANONICAL_COLUMNS", "MAPPING_ERROR", "FileError", "FileReport", "IngestResult", "parse_overrides", "read_exports", "read_orders"]
