"""Reader notes: what reading a file taught us, as English text plus a code and its parameters.

`FileReport.issues` is a list of strings — the CLI, the chunked path and the
Spark job print, compare and serialise them as such. A `Note` is still one
of those strings (its English text), so all of that keeps working; beside
the text it carries a stable ``code`` and the ``params`` the text quotes, so
a face can say the same thing in the user's language through the catalogue
(`diagnose.messages.localise_note`) instead of parsing English.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def _plain(value: Any) -> Any:
    """A parameter as a plain Python value (numpy integers become int, so they format and pickle alike)."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class Note(str):
    """One note on a file: ``str(note)`` is the English text; ``code`` and ``params`` are for the catalogue."""

    code: str
    params: dict[str, Any]

    def __new__(cls, text: str, code: str = "", params: dict[str, Any] | None = None) -> "Note":
        self = super().__new__(cls, text)
        self.code = code
        self.params = {k: _plain(v) for k, v in (params or {}).items()}
        return self

    def __reduce__(self) -> tuple:
        # Notes cross process boundaries (the upload sandbox, chunked workers) by pickle.
        return (Note, (str(self), self.code, dict(self.params)))

    def __deepcopy__(self, memo: dict) -> "Note":
        return Note(str(self), self.code, dict(self.params))

    def mapped(self, func: Callable[[str], Any]) -> "Note":
        """The note with `func` applied to its text and to every string it quotes (used for redaction)."""
        def one(value: Any) -> Any:
            if isinstance(value, str):
                return func(value)
            if isinstance(value, list):
                return [one(v) for v in value]
            if isinstance(value, dict):
                return {k: one(v) for k, v in value.items()}
            return value

        return Note(str(func(str(self))), self.code, {k: one(v) for k, v in self.params.items()})


def note(code: str, text: str, **params: Any) -> Note:
    """A `Note` with its code, English text and parameters (the readers' one way to make one)."""
    return Note(text, code, params)


def redact_note(line: str) -> str:
    """A note (or plain string) with personal data replaced in its text and its quoted values."""
    from diagnose.io.redact import redact_text

    if isinstance(line, Note):
        return line.mapped(redact_text)
    return str(redact_text(str(line)))
