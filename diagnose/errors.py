"""The one exception type a user ever sees.

Everything a merchant can get wrong (a bad file, a missing column, a model
file that is not ours) is raised as `InputError` with a message that names
the file, the row or column, and what to do. The CLI and the dashboard show
the message and nothing else: no traceback reaches a user.
"""
from __future__ import annotations

import re

_LINE_BREAKS = re.compile(r"[ \t]*[\r\n\u2028\u2029]+[ \t]*")


def one_line(text: str) -> str:
    """`text` with its line breaks turned into spaces.

    Messages quote the user's own cells and headers, which may hold line
    breaks; the CLI promises one ``error: …`` line and the dashboard one box.
    """
    return _LINE_BREAKS.sub(" ", text)


class InputError(Exception):
    """A problem with what the user gave us, explained in their terms.

    ``str(exc)`` is the English one-liner the CLI prints. ``code`` (a stable
    key such as ``"no_header"``) and ``params`` (the values the message
    quotes) let a face say the same thing in the user's language with its
    own advice: the dashboard's advice is about its uploader, the CLI's
    about ``--map``; both come from the message catalogue, not from parsing
    this text.
    """

    def __init__(self, message: str, *, file: str | None = None, hint: str | None = None,
                 code: str | None = None, params: dict | None = None):
        self.file = file
        self.hint = hint
        self.code = code
        self.params = dict(params or {})
        self.message = message
        parts = []
        if file:
            parts.append(f"{file}: ")
        parts.append(message)
        if hint:
            parts.append(f" — {hint}")
        super().__init__(one_line("".join(parts)))


class ModelFileError(InputError):
    """The model file is missing, tampered with or not one of ours."""


# The fixed lines of `run_command`, per language (the CLI's default is zh, like the dashboard's).
_RUN_TEXTS = {
    "zh": {"error": "错误：", "interrupted": "已中断",
           "unexpected": "意外错误：{kind}: {what}（加 --debug 重跑可看详细信息）"},
    "en": {"error": "error: ", "interrupted": "interrupted",
           "unexpected": "unexpected error: {kind}: {what} (rerun with --debug for details)"},
}


def run_command(func, args, *, debug: bool = False, say=None, lang: str = "en",
                render=None) -> int:
    """The one error policy of every command-line entry point.

    `InputError` → its one line on stderr, exit 2; Ctrl-C → exit 130;
    anything else → exit 1 with a one-line message (the traceback only with
    ``--debug``), so a merchant never reads a stack dump. `lang` picks the
    fixed words ("zh" or "en"); `render` turns an `InputError` into the
    user's language (the CLI passes the message catalogue's, which this
    module cannot import), defaulting to its English text.
    """
    import sys

    say = say or (lambda msg: print(msg, file=sys.stderr))
    texts = _RUN_TEXTS.get(lang, _RUN_TEXTS["en"])
    try:
        return int(func(args) or 0)
    except InputError as exc:
        say(texts["error"] + (render(exc) if render else str(exc)))
        return 2
    except KeyboardInterrupt:
        say(texts["interrupted"])
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence for users
        if debug:
            raise
        say(texts["unexpected"].format(kind=type(exc).__name__, what=one_line(str(exc))))
        return 1
