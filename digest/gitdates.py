"""Dates from git: when each content file was last changed, read with one `git log` for all files."""
from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

RECORD = "\x1e"  # starts each commit in the log output: a character no file name or date contains


def last_changed(root: Path, folder: str = "content") -> dict[str, dt.datetime]:
    """Project-relative path -> author date of the last commit that changed it; {} outside git."""
    shallow = shallow_commits(root)
    if shallow is None:
        return {}
    log = run_git(root, "-c", "core.quotePath=false", "log", "--no-renames", "--relative", "--name-only",
                  f"--format={RECORD}%H %aI", "--", folder)
    return parse_log(log or "", shallow)


def shallow_commits(root: Path) -> set[str] | None:
    """The commits at the edge of a shallow clone (empty for a full one); None when root is not in git."""
    found = run_git(root, "rev-parse", "--is-inside-work-tree", "--git-path", "shallow")
    if found is None or not found.startswith("true"):
        return None
    lines = found.splitlines()
    shallow_file = Path(lines[1]) if len(lines) > 1 else None
    if shallow_file is None:
        return set()
    shallow_file = shallow_file if shallow_file.is_absolute() else root / shallow_file
    try:
        return set(shallow_file.read_text(encoding="utf-8").split())
    except OSError:
        return set()


def parse_log(log: str, shallow: set[str]) -> dict[str, dt.datetime]:
    """The newest date per file of a `git log --name-only` output, newest commit first.

    A commit at the edge of a shallow clone seems to add every file it holds, so its date says
    nothing about them: those files get no git date and keep their front matter dates.
    """
    dates: dict[str, dt.datetime] = {}
    seen: set[str] = set()
    for record in log.split(RECORD)[1:]:
        head, _, names = record.partition("\n")
        sha, _, when = head.strip().partition(" ")
        stamp = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
        for name in filter(None, (line.strip() for line in names.splitlines())):
            if name in seen:
                continue
            seen.add(name)
            if sha not in shallow:
                dates[name] = stamp
    return dates


def run_git(root: Path, *args: str) -> str | None:
    """Run a read-only git command in root; its output, or None when git or the repository is missing."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              encoding="utf-8", check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None
