"""Write stage: the one atomic writer, the one stale-file remover, the output folder's guard and lock.

Every file reaches the output through stage_file (a temporary file beside its target) and
commit_staged (a rename), so a reader — or a build killed at any moment — sees each file whole:
the old version or the new one. Nothing but the site is written into the output folder.

The output folder is ours or it is left alone: the build replaces and deletes only files it knows
it wrote — listed in the project's cache for this folder, or, where there is no such record (a
fresh clone, a deleted cache, a copied site), recognised file by file: an HTML page carrying
GENERATOR_MARK, a staged leftover. Any other file is never deleted (the build lists it in a
warning), and the output holds no marker or manifest (SPEC §6).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
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
    replaced: list[str] = field(default_factory=list)  # files of the output replaced or removed so far


def check_output_dir(out: Path, root: Path, known: bool, force: bool = False, outputs: Iterable[str] = (),
                     cache: Path | None = None) -> None:
    """Refuse an output folder that could hold a user's files: cleaning it must never delete them.

    known: the project's cache has a record of building into this folder; force: --force-clean
    (a non-empty folder without a record is taken over); outputs: the folders the cache knows as
    outputs, which another output may not be inside; cache: the cache folder.
    """
    out = out.expanduser().resolve()
    root = root.resolve()
    shown = str(out)
    sources = [Path(os.path.realpath(root / name)) for name in ("content", "templates", "static", ".git")]
    if out in {Path("/"), Path.home().resolve(), root, *sources} or out in root.parents \
            or any(folder in out.parents for folder in sources):
        raise DigestError(error(shown, None, "refusing to build into this folder: it holds your own files",
                                "choose an output folder of its own, such as site/", code="unsafe-output"))
    for folder in sorted({root / "site", *(Path(o) for o in outputs)}):
        if folder in out.parents and (folder == root / "site" or folder.is_dir()):
            raise DigestError(error(shown, None, f"refusing to build inside the output folder {folder}: the new "
                                    "site would become part of that one, and each build would delete the other's "
                                    "files", f"choose a folder outside {folder}", code="unsafe-output"))
    if cache is not None:
        cache = cache.resolve()
        if out == cache or out in cache.parents or (cache in out.parents and cache / "preview" not in out.parents):
            raise DigestError(error(shown, None, "refusing to build into the build cache's folder",
                                    "choose an output folder of its own, such as site/", code="unsafe-output"))
    if out.exists() and not out.is_dir():
        raise DigestError(error(shown, None, "the output path is a file, not a folder",
                                "choose another --out", code="unsafe-output"))
    if out.is_dir() and not known and not force and any(out.iterdir()) and not looks_built(out):
        raise DigestError(error(shown, None, "the output folder is not empty and was not made by this tool",
                                "choose a new or empty folder; or, to let the build delete every file in it that "
                                "the site does not produce, build with --force-clean", code="unsafe-output"))


def looks_built(out: Path) -> bool:
    """Our output without our cache (deleted, or built on another machine): its home page names the generator."""
    return made_here(out, "index.html")


def made_here(out: Path, rel: str) -> bool:
    """A file of the output this tool wrote, by its own evidence: a staged leftover, or a page that names the
    generator in its head (every page and redirect does). What a fresh clone can tell without a record."""
    name = rel.rpartition("/")[2]
    if name.startswith(STAGED_PREFIX):
        return True
    if not name.endswith(".html"):
        return False
    try:
        with open(out / rel, "rb") as handle:
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
    """Write data to a temporary file beside out/rel unless the file already holds it; the temporary path.

    Where an old file of ours stands in place of the target's folder (see output_conflicts), the
    temporary file waits at the top of the output until commit_staged has removed that file.
    """
    path = out / rel
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return None
    except OSError:
        pass
    try:
        return stage_bytes(path, data)
    except (NotADirectoryError, FileExistsError):
        return stage_bytes(out / hashlib.blake2b(rel.encode("utf-8", "surrogateescape"), digest_size=10).hexdigest(),
                           data)


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


def output_conflicts(out: Path, targets: Iterable[str], ours: set[str], keep: set[str]) -> tuple[list[str], list]:
    """What stands in the output where this build must write, found before the first file is replaced.

    A file (or a link) where the site now needs a folder, or a folder where it needs a file. When
    everything in the way is ours and no longer part of the site, it is returned, to be removed just
    before the new files are renamed into place; otherwise it is an error naming it. Only targets
    not known as our files are looked at, each folder once: a build into an empty or missing folder
    costs one system call per top-level folder, an incremental build one per new file.
    """
    kinds: dict[str, str] = {}  # folder -> "dir", "missing", or the path of the file or link that blocks it

    def kind(folder: str) -> str:
        if folder not in kinds:
            if not folder:
                kinds[folder] = "dir" if out.is_dir() else "missing"
            else:
                up = kind(folder.rpartition("/")[0])
                kinds[folder] = entry_kind(out / folder, folder) if up == "dir" else up
        return kinds[folder]

    clear: set[str] = set()
    problems = []
    for rel in targets:
        if rel in ours:
            continue  # our file: its folders exist
        state = kind(rel.rpartition("/")[0])
        if state == "missing" or (state == "dir" and entry_kind(out / rel, rel) != "dir"):
            continue  # the usual case: nothing, or a file to replace
        blocker, found = (rel, files_below(out, rel)) if state == "dir" else (state, [state])
        if blocker in clear:
            continue
        foreign = [f for f in found if f not in ours or f in keep]
        if not foreign:
            clear.update(found)
            clear.add(blocker)
        elif blocker == rel:
            shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
            problems.append(error(str(out / blocker), None, "the site now writes a file here, but the output holds "
                                  f"a folder with files this build did not write ({shown})", CONFLICT_HINT,
                                  code="output-conflict"))
        else:
            problems.append(error(str(out / blocker), None, f"the site now needs a folder here for /{rel}, but the "
                                  "output holds a file or link this build did not write", CONFLICT_HINT,
                                  code="output-conflict"))
    return sorted(clear), problems


CONFLICT_HINT = "move it out of the output folder, or build with --force-clean to let the build delete it"


def entry_kind(path: Path, rel: str) -> str:
    """"dir" for a real folder, "missing", or rel itself for a file or a link (which blocks a folder)."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    return "dir" if stat.S_ISDIR(mode) else rel


def files_below(out: Path, rel: str) -> list[str]:
    """Every file (and link) below a folder of the output, relative to the output."""
    found = []
    for folder, dirs, files in os.walk(out / rel):
        here = os.path.relpath(folder, out).replace(os.sep, "/")
        found += [f"{here}/{name}" for name in sorted(files)]
        found += [f"{here}/{name}" for name in sorted(dirs) if os.path.islink(os.path.join(folder, name))]
    return found


def commit_staged(out: Path, staged: dict[str, str], report: WriteReport, clear: Iterable[str] = ()) -> None:
    """Remove what output_conflicts found in the way, then rename every staged file onto its target.

    On a failure the rest of the staged files are removed and the error says which file; what was
    already replaced is in report.replaced. The record of the output is not saved then, so the next
    build compares every page again and brings the rest up to date.
    """
    items = sorted(staged.items())
    i, target = 0, None
    try:
        clear_the_way(out, clear, report)
        for i, (rel, tmp) in enumerate(items):  # noqa: B007 - i is read on a failure
            target = out / rel
            try:
                os.replace(tmp, target)
            except FileNotFoundError:  # staged at the top (stage_file): its folder is made now
                if target.parent.is_dir():
                    raise
                os.makedirs(target.parent, exist_ok=True)
                os.replace(tmp, target)
            report.written += 1
            report.replaced.append(rel)
    except OSError as exc:
        discard_staged(out, [t for _, t in items[i:]])
        where = target or os.fsdecode(exc.filename or out)
        raise DigestError(error(str(where), None, f"cannot write this file ({exc.strerror or exc})",
                                "check the output folder's permissions and free space, then build again",
                                code="write-failed"), replaced=report.replaced) from None
    except BaseException:  # Ctrl-C: nothing half-written is left behind
        discard_staged(out, [t for _, t in items[i:]])
        raise


def clear_the_way(out: Path, clear: Iterable[str], report: WriteReport) -> None:
    """Delete old files of ours that stand where the site now needs a folder or a file, then their folders."""
    folders = []
    for rel in clear:
        path = out / rel
        if path.is_dir() and not path.is_symlink():
            folders.append(path)
        else:
            path.unlink()
            report.removed += 1
            report.replaced.append(rel)
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        for current, _, _ in os.walk(folder, topdown=False):
            os.rmdir(current)  # empty by now: only our files were in it


def sweep_staged(out: Path, rels: Iterable[str]) -> None:
    """Remove the staged files of an interrupted build from the folders of these outputs (whoever staged them:
    the pool's workers too), then the folders made for them that are now empty."""
    folders = {str(out)} | {os.path.dirname(os.path.join(str(out), rel)) for rel in rels}
    found = []
    for folder in folders:
        try:
            with os.scandir(folder) as listing:
                found += [entry.path for entry in listing if entry.name.startswith(STAGED_PREFIX)]
        except OSError:
            continue
    discard_staged(out, found, folders)


def discard_staged(out: Path, staged: list[str], folders: Iterable[str] = ()) -> None:
    """Remove staged files of a failed build, and the folders made for them (or these folders) that are now empty."""
    folders = set(folders)
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
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # gone already, or its folder is
            path.unlink()
            report.removed += 1
            report.replaced.append(rel)  # serve reloads the pages that showed it
        folders.add(path.parent)
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        while folder != out and out in folder.parents:
            try:
                folder.rmdir()  # only succeeds when empty
            except OSError:
                break
            folder = folder.parent
