"""Reading the user's files: UTF-8 only, BOM stripped, newlines normalised."""
from __future__ import annotations

import os
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


def walk_files(root: Path) -> list[Path]:
    """Every regular file below root, hidden files and folders skipped, in a stable order."""
    found: list[Path] = []
    if not root.is_dir():
        return found
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and not name.endswith("~"):
                found.append(Path(folder) / name)
    return found


def relative(path: Path, root: Path) -> str:
    """The path as shown to the user: relative to the project root, with forward slashes."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
