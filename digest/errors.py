"""Problems found in a user's input, and the exception that carries them."""
from __future__ import annotations

import re
from dataclasses import dataclass

# Control characters, line and paragraph separators, bidi controls: a value quoted in a message
# could break the one-line format or reorder what the terminal shows; they are printed escaped.
UNPRINTABLE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about the user's input: where, what is wrong, what to do."""

    path: str
    line: int | None
    message: str
    hint: str = ""
    level: str = "error"  # "error" or "warning"
    code: str = "error"

    def format(self) -> str:
        """Render as `path:line: error|warning: message — hint` (the line part only when known)."""
        where = f"{printable(self.path)}:{self.line}" if self.line else printable(self.path)
        text = f"{where}: {self.level}: {printable(self.message)}"
        return f"{text} — {printable(self.hint)}" if self.hint else text


def printable(text: str) -> str:
    """Text with UNPRINTABLE_RE characters written as escapes (\\n, \\u202e)."""
    return UNPRINTABLE_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def error(path: str, line: int | None, message: str, hint: str = "", code: str = "error") -> Problem:
    """Make an error-level problem."""
    return Problem(path, line, message, hint, "error", code)


def warning(path: str, line: int | None, message: str, hint: str = "", code: str = "warning") -> Problem:
    """Make a warning-level problem."""
    return Problem(path, line, message, hint, "warning", code)


class DigestError(Exception):
    """A user's mistake (content, config, templates, command line): printed, never a traceback."""

    def __init__(self, problems: list[Problem] | Problem, outcome: str | None = None,
                 replaced: list[str] | None = None):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.outcome = outcome  # what happened to the site, when not "nothing was written" (publish says)
        self.replaced = list(replaced or ())  # output files a build had already replaced when it stopped
        super().__init__("\n".join(p.format() for p in self.problems))


def only_errors(problems: list[Problem]) -> list[Problem]:
    """The error-level problems of a list."""
    return [p for p in problems if p.level == "error"]


def raise_if_errors(problems: list[Problem]) -> None:
    """Stop the stage when any problem is an error."""
    errors = only_errors(problems)
    if errors:
        raise DigestError(sorted(errors, key=sort_key))


def sort_key(problem: Problem) -> tuple:
    """Order problems by file, then line."""
    return (problem.path, problem.line or 0, problem.message)


class Stopped(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) while a build was writing; replaced: the output files it had already replaced."""

    def __init__(self, replaced: list[str]):
        self.replaced = list(replaced)
        super().__init__()
