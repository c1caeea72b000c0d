"""Telling the user: problems, progress and the one-line summary. Stages never print."""
from __future__ import annotations

import sys
import time

from .errors import Problem, sort_key


def print_problems(problems: list[Problem], stream=None) -> None:
    """Every problem on its own line, sorted by file and line, then a count."""
    stream = stream or sys.stderr
    for problem in sorted(problems, key=sort_key):
        print(problem.format(), file=stream)
    errors = sum(1 for p in problems if p.level == "error")
    warnings = len(problems) - errors
    if errors:
        print(f"{plural(errors, 'error')}, {plural(warnings, 'warning')}: nothing was written; "
              "the previous site is untouched.", file=stream)


def plural(n: int, word: str) -> str:
    """'1 error', '3 errors'."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class Progress:
    """Stage names on one rewritten line when stderr is a terminal; silent otherwise."""

    def __init__(self, enabled: bool, verbose: bool = False):
        self.enabled = enabled
        self.verbose = verbose
        self.started = time.perf_counter()
        self.last = self.started

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        if self.verbose:
            print(f"[{now - self.started:6.2f} s] {stage}", file=sys.stderr)
        elif self.enabled:
            print(f"\r\033[K{stage}…", end="", file=sys.stderr, flush=True)
        self.last = now

    def done(self) -> None:
        """Clear the progress line."""
        if self.enabled and not self.verbose:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


def summary_line(result) -> str:
    """built 1,234 pages (zh 620, en 614): 12 written, 1,222 unchanged, 3 removed in 2.4 s"""
    langs = ", ".join(f"{lang} {n:,}" for lang, n in result.pages.items())
    report = result.report
    return (f"built {result.total_pages:,} pages ({langs}): {report.written:,} written, "
            f"{report.unchanged:,} unchanged, {report.removed:,} removed in {result.seconds:.1f} s")
