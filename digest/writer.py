"""Write stage: the one atomic writer, the one stale-file remover, the output folder's guard and lock.

Every file reaches the output through stage_file (a temporary file beside its target) and
commit_staged (a rename), so a reader — or a build killed at any moment — sees each file whole:
the old version or the new one. Nothing but the site is written into the output folder.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import DigestError, error

STAGED_PREFIX = ".digest-staged-"  # a file waiting for the whole build to succeed
GENERATOR_MARK = b'<meta name="generator" content="Qingdao Digest">'  # in every page's <head>


@dataclass
class WriteReport:
    """What the write stage did."""

    written: int = 0
    unchanged: int = 0
    removed: int = 0


def check_output_dir(out: Path, root: Path, known: bool) -> None:
    """Refuse an output folder that could hold a user's files: cleaning it must never delete them.

    known: the project's cache has a record of building into this folder.
    """
    out = out.expanduser().resolve()
    root = root.resolve()
    shown = str(out)
    sources = [root / name for name in ("content", "templates", "static", ".git")]
    if out in {Path("/"), Path.home().resolve(), root, *sources} or out in root.parents \
            or any(folder in out.parents for folder in sources):
        raise DigestError(error(shown, None, "refusing to build into this folder: it holds your own files",
                                "choose an output folder of its own, such as site/", code="unsafe-output"))
    if out.exists() and not out.is_dir():
        raise DigestError(error(shown, None, "the output path is a file, not a folder",
                                "choose another --out", code="unsafe-output"))
    if out.is_dir() and not known and any(out.iterdir()) and not looks_built(out):
        raise DigestError(error(shown, None, "the output folder is not empty and was not made by this tool",
                                "empty it yourself or choose another --out; the build never deletes files "
                                "it did not make", code="unsafe-output"))


def looks_built(out: Path) -> bool:
    """Our output without our cache (deleted, or built on another machine): its home page names the generator."""
    try:
        with open(out / "index.html", "rb") as handle:
            return GENERATOR_MARK in handle.read(4096)
    except OSError:
        return False


@contextlib.contextmanager
def output_lock(cache_dir: Path, out: Path, say=None):
    """Hold the output folder for one build: a second build waits, saying so in one line, never interleaves."""
    try:
        import fcntl
    except ImportError:  # not on Windows: builds there are not locked
        yield
        return
    locks = cache_dir / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    name = hashlib.blake2b(str(out).encode(), digest_size=8).hexdigest()
    fd = os.open(str(locks / f"{name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            (say or (lambda line: print(line, file=sys.stderr, flush=True)))(
                f"{out}: another build is writing to this folder; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def stage_file(out: Path, rel: str, data: bytes) -> str | None:
    """Write data to a temporary file beside out/rel unless the file already holds it; the temporary path."""
    path = out / rel
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return None
    except OSError:
        pass
    return stage_bytes(path, data)


def stage_bytes(path: Path, data: bytes, durable: bool = False) -> str:
    """A temporary file beside path holding data (flushed to disk when durable)."""
    folder = str(path.parent)
    tmp = os.path.join(folder, f"{STAGED_PREFIX}{os.getpid()}-{path.name}")
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        except FileNotFoundError:  # a new folder: made only then, not checked before every file
            try:
                os.mkdir(folder)  # its parent usually exists: one system call
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            except FileExistsError:
                pass  # another worker made it meanwhile
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def write_atomic(path: Path, data: bytes, durable: bool = False) -> None:
    """Write a file whole or not at all: a temporary file beside it, then a rename (keeping its mode)."""
    tmp = stage_bytes(path, data, durable)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_new(path: Path, data: bytes) -> None:
    """Create a file whole or not at all, never replacing one: a staged file, then a hard link (which
    refuses an existing name, even one made a moment ago by someone else)."""
    tmp = stage_bytes(path, data, durable=True)
    try:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: exclusive create, then the bytes
            with open(path, "xb") as handle:
                handle.write(data)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def commit_staged(out: Path, staged: dict[str, str], report: WriteReport) -> None:
    """Rename every staged file onto its target; on a failure, remove the rest and name the file.

    A page renamed before the failure is already whole and new; the manifest is not saved, so
    the next build compares every page again and brings the rest up to date.
    """
    items = sorted(staged.items())
    for i, (rel, tmp) in enumerate(items):
        try:
            os.replace(tmp, out / rel)
        except OSError as exc:
            discard_staged(out, [t for _, t in items[i:]])
            raise DigestError(error(str(out / rel), None, f"cannot write this file ({exc.strerror})",
                                    "check the output folder's permissions and free space, then build again",
                                    code="write-failed")) from None
        report.written += 1


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


def output_files(out: Path) -> set[str]:
    """Every file in the output folder, as relative paths with forward slashes."""
    found = set()
    base = len(str(out)) + 1
    for folder, _, files in os.walk(out):
        for name in files:
            found.add(os.path.join(folder, name)[base:].replace(os.sep, "/"))
    return found


def remove_stale(out: Path, before: set[str], keep: set[str], report: WriteReport) -> None:
    """Delete the files of before that the site no longer has, then the folders they leave empty."""
    folders = set()
    for rel in sorted(before - keep):
        path = out / rel
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            report.removed += 1
        folders.add(path.parent)
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        while folder != out and out in folder.parents:
            try:
                folder.rmdir()  # only succeeds when empty
            except OSError:
                break
            folder = folder.parent
