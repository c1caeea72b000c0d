"""Reading the user's files: UTF-8 only, BOM stripped, newlines normalised."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .errors import Problem, error


def read_text(path: Path, shown: str) -> tuple[str | None, Problem | None]:
    """Read a UTF-8 text file; return (text, None) or (None, problem naming the byte offset)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, error(shown, None, f"cannot read the file ({exc.strerror})", "check its permissions")
    return decode_text(data, shown)


def decode_text(data: bytes, shown: str) -> tuple[str | None, Problem | None]:
    """Decode bytes as UTF-8 with BOM stripped and newlines normalised to \\n."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, error(
            shown, line,
            f"the file is not UTF-8 (bad byte 0x{data[exc.start]:02x} at offset {exc.start})",
            "save it as UTF-8 (in most editors: Save with Encoding → UTF-8; "
            "or `iconv -f GB18030 -t UTF-8`)",
            code="not-utf8",
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, None


IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".orig", ".bak")


def is_ignored(name: str) -> bool:
    """Hidden files and folders, editor backups, swap and lock files: neither the build nor the watcher reads them."""
    return (name.startswith(".") or name.endswith(IGNORED_SUFFIXES) or name == "4913"  # vim's write test
            or (len(name) > 1 and name.startswith("#") and name.endswith("#")))  # emacs auto-save


def walk(root: Path) -> Iterator[tuple[str, list[str]]]:
    """(folder, its file names) for root and every folder below it, ignored names and symlinked folders skipped."""
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not is_ignored(d))
        yield folder, sorted(name for name in files if not is_ignored(name))


def walk_files(root: Path) -> list[Path]:
    """Every regular file below root, ignored names skipped (see is_ignored), in a stable order."""
    return [Path(folder) / name for folder, names in walk(root) for name in names]


def relative(path: Path, root: Path) -> str:
    """The path as shown to the user: relative to the project root, with forward slashes."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
