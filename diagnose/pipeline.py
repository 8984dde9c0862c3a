"""The one read → tag path: export files in, the tagged table and per-file reports out.

Every face goes through here — each CLI command, the dashboard, the chunked
path and the Spark job — so a rule about reading or tagging (which model,
which mapping, what happens to a bad file) is decided once. `read` and
`tag_frame` are the two halves, for callers that read in slices or
partitions themselves (`batch.chunked`, `batch.spark`); `tag` is both.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Literal, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

    from diagnose.io.ingest import FileError, FileReport, IngestResult
    from diagnose.model.reason_model import ReasonModel

Source = "str | os.PathLike | tuple[str, bytes]"
OnError = Literal["raise", "collect"]


@dataclass
class Tagged:
    """The tagged table and what happened on the way."""

    frame: "pd.DataFrame"
    files: "list[FileReport]"
    errors: "list[FileError]" = field(default_factory=list)
    duplicates_merged: int = 0
    rows_in: int = 0
    flagged_rows: int = 0
    model_version: str = ""


def resolve_model(model: "ReasonModel | str | os.PathLike | None") -> "ReasonModel":
    """A loaded model as given, or the model file at that path (default: the shipped one)."""
    from diagnose.model.reason_model import ReasonModel, load_model

    if isinstance(model, ReasonModel):
        return model
    return load_model(model)


def read(sources: Sequence, *, overrides: Mapping[str, str] | None = None, profile: str | None = None,
         errors: OnError = "raise", salt: str | None = None, isolate: bool = False) -> "IngestResult":
    """The reading half: `io.read_exports` with the caller's error policy.

    ``isolate=True`` (the dashboard) parses each file in a child process
    with memory and CPU limits (`io.sandbox`), so a hostile upload fails
    alone instead of taking the server down.
    """
    from diagnose.io.arrowpool import release_arrow_memory, use_system_pool

    use_system_pool()  # once per process; every face reads through here
    if isolate:
        from diagnose.io.sandbox import read_exports_isolated

        return read_exports_isolated(sources, overrides=overrides, profile=profile, salt=salt, errors=errors)
    from diagnose.io import read_exports

    result = read_exports(sources, overrides=overrides, profile=profile, salt=salt, errors=errors)
    release_arrow_memory()
    return result


def tag_frame(frame: "pd.DataFrame", model: "ReasonModel", *, workers: int | None = None,
              progress: Callable[[int, int], None] | None = None, salt: str | None = None,
              shop_models: "Mapping[str, ReasonModel] | None" = None) -> "pd.DataFrame":
    """The tagging half: a canonical table (or a slice of one) → the tagged table.

    The classifier reads the buyer's words as typed; the table it returns
    leaves with personal data redacted (`diagnose.io.redact.redact_frame`:
    phones, ids, addresses … in free text become placeholders, contact
    columns salted hashes, evidence words cut from them dropped), so no
    face downstream — files, reports, the dashboard, the store, temporary
    slices — ever holds them. Row-local, so slices and partitions agree
    with the one-pass table. `shop_models` (shop → model, from
    `diagnose.model.versions.load_shop_models`) tags a shop's rows with its own model.
    """
    from diagnose.io.redact import redact_frame
    from diagnose.model.versions import classify_by_shop

    tagged = classify_by_shop(frame, model, dict(shop_models or {}), workers=workers, progress=progress)
    return redact_frame(tagged, salt=salt)


def tag(sources: Sequence, *, overrides: Mapping[str, str] | None = None, profile: str | None = None,
        model: "ReasonModel | str | os.PathLike | None" = None, errors: OnError = "raise",
        salt: str | None = None, workers: int | None = None,
        progress: Callable[[int, int], None] | None = None, isolate: bool = False,
        shop_models: "Mapping[str, ReasonModel] | None" = None) -> Tagged:
    """Read the exports and tag every return.

    ``errors="raise"`` (the CLI) stops at the first bad file with its
    `InputError`; ``errors="collect"`` (the dashboard) reads every good file
    and lists each bad one in `Tagged.errors`, so one broken upload never
    hides the rest. A file that fails is never half-read: all of its rows or
    none, and the error says which. ``isolate`` as in `read`.
    """
    model = resolve_model(model)
    result = read(sources, overrides=overrides, profile=profile, errors=errors, salt=salt, isolate=isolate)
    tagged = tag_frame(result.frame, model, workers=workers, progress=progress, salt=salt,
                       shop_models=shop_models)
    from diagnose.io.redact import redact_lines

    # Warnings and error messages quote cells ("amount '联系138…' is not a number"):
    # they leave the library redacted too, for the CLI and the dashboard alike.
    from diagnose.io.notes import redact_note

    files = [replace(f, issues=[redact_note(i) for i in f.issues]) for f in result.files]
    errs = [replace(e, message=redact_lines([e.message])[0]) for e in result.errors]
    return Tagged(
        frame=tagged,
        files=files,
        errors=errs,
        duplicates_merged=int(result.duplicates_merged),
        rows_in=int(result.rows_in),
        flagged_rows=int(result.flagged_rows),
        model_version=str(model.version),
    )
