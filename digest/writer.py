"""Write stage: only changed files are written (atomically), stale ones removed, nothing outside the output."""
from __future__ import annotations

import contextlib
import json
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from .errors import DigestError, error

STAGED_PREFIX = ".digest-staged-"  # a rendered page waiting for the whole build to succeed
STATE_DIR = ".digest"  # inside the output: marker, page fingerprints and caches
MARKER = "manifest.json"
TOOL = "qingdao-digest"


@dataclass
class WriteReport:
    """What the write stage did."""

    written: int = 0
    unchanged: int = 0
    removed: int = 0


def check_output_dir(out: Path, root: Path) -> None:
    """Refuse an output folder that could hold a user's files: cleaning it must never delete them."""
    out = out.expanduser().resolve()
    root = root.resolve()
    shown = str(out)
    dangerous = {Path("/"), Path.home().resolve(), root, root / "content", root / "templates", root / "static"}
    if out in dangerous or out in root.parents or root / "content" in out.parents \
            or root / "templates" in out.parents or root / "static" in out.parents or root / ".git" in out.parents \
            or out == root / ".git":
        raise DigestError(error(shown, None, "refusing to build into this folder: it holds your own files",
                                "choose an output folder of its own, such as site/", code="unsafe-output"))
    if out.exists() and not out.is_dir():
        raise DigestError(error(shown, None, "the output path is a file, not a folder",
                                "choose another --out", code="unsafe-output"))
    if out.is_dir() and any(out.iterdir()) and not is_ours(out):
        raise DigestError(error(shown, None, "the output folder is not empty and was not made by this tool",
                                "empty it yourself or choose another --out; the build never deletes files "
                                "it did not make", code="unsafe-output"))


def is_ours(out: Path) -> bool:
    """The folder carries this tool's marker."""
    try:
        data = json.loads((out / STATE_DIR / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("tool") == TOOL


def read_state(out: Path) -> dict:
    """What the last good build recorded: page fingerprints, input stamp, files, counts, warnings."""
    try:
        data = json.loads((out / STATE_DIR / MARKER).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) and data.get("tool") == TOOL else {}
    except (OSError, ValueError):
        return {}


def load_cache(out: Path, name: str) -> dict:
    """A cache dict saved by an earlier build (empty when missing or unreadable)."""
    try:
        with open(out / STATE_DIR / name, "rb") as handle:
            data = pickle.load(handle)  # noqa: S301 - our own file, inside the output we made
        return data if isinstance(data, dict) else {}
    except Exception:  # noqa: BLE001 - any damage to a cache just means a slower build
        return {}


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a temporary file beside it, then rename."""
    folder = str(path.parent)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".tmp-{os.getpid()}-{path.name}.part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_new(path: Path, data: bytes) -> None:
    """Create a file whole or not at all, never replacing one: a temporary file, then a hard link (which
    refuses an existing name, even one made a moment ago by someone else)."""
    folder = str(path.parent)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".tmp-{os.getpid()}-{path.name}.part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: exclusive create, then the bytes
            with open(path, "xb") as handle:
                handle.write(data)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_if_changed(out: Path, rel: str, data: bytes, report: WriteReport) -> None:
    """Write one output file unless its bytes are already there."""
    path = out / rel
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            report.unchanged += 1
            return
    except OSError:
        pass
    write_atomic(path, data)
    report.written += 1


def stage_file(out: Path, rel: str, data: bytes) -> str | None:
    """Write data to a temporary file beside out/rel unless the file already holds it; the temporary path."""
    path = out / rel
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return None
    except OSError:
        pass
    folder = str(path.parent)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f"{STAGED_PREFIX}{os.getpid()}-{path.name}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return tmp


def discard_staged(out: Path, staged: list[str]) -> None:
    """Remove staged files of a failed build, and the folders made for them that are now empty."""
    folders = set()
    for tmp in staged:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        folders.add(os.path.dirname(tmp))
    for folder in sorted(folders, key=len, reverse=True):
        while folder.startswith(str(out) + os.sep):
            try:
                os.rmdir(folder)  # only succeeds when empty
            except OSError:
                break
            folder = os.path.dirname(folder)


def inside(out: Path, rel: str) -> bool:
    """A relative output path stays inside the output folder."""
    target = os.path.normpath(os.path.join(str(out), rel))
    return target.startswith(str(out) + os.sep) and not os.path.isabs(rel)


def remove_stale(out: Path, keep: set[str], report: WriteReport) -> None:
    """Delete files no page produces any more, then empty folders (the state folder is kept)."""
    for folder, dirs, files in os.walk(out, topdown=False):
        rel_folder = os.path.relpath(folder, out)
        if rel_folder == STATE_DIR or rel_folder.startswith(STATE_DIR + os.sep):
            continue
        for name in files:
            rel = name if rel_folder == "." else f"{rel_folder}/{name}".replace(os.sep, "/")
            if rel not in keep:
                os.unlink(os.path.join(folder, name))
                report.removed += 1
        if rel_folder != "." and not os.listdir(folder):
            os.rmdir(folder)


def save_state(out: Path, record: dict, caches: dict[str, dict]) -> None:
    """Record the marker, what this build made, and the caches for the next build."""
    state = out / STATE_DIR
    data = json.dumps({"tool": TOOL, **record}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    write_atomic(state / MARKER, data.encode("utf-8"))
    for name, cache in caches.items():
        write_atomic(state / name, pickle.dumps(cache, protocol=pickle.HIGHEST_PROTOCOL))
