"""Search: a Pagefind index of the article pages, one per language, kept in out/pagefind/.

Pagefind (pinned, see PAGEFIND_VERSION and README "Search") reads the written article pages,
which mark what it indexes with data-pagefind-* attributes (templates/article.html). It writes
into a temporary folder; the bundle is made deterministic (canonical_bundle) and then installed
into the output: new content-named files first, the entry file last, old files removed after —
so a failed run leaves the last index whole, and a reader never meets half of one.

Whether Pagefind must run at all is decided by a key of the article pages' names, sizes and
modification times (the writer rewrites a page only when its bytes change), kept with the list of
files it made in the project's cache folder, never in the output.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from . import urls
from .errors import DigestError, error
from .cache import Cache
from .writer import WriteReport, commit_staged, discard_staged, remove_stale, stage_file

PAGEFIND_VERSION = "1.4.0"
BUNDLE = urls.PAGEFIND.rstrip("/")
ENTRY = "pagefind-entry.json"
SIGNATURE = b"pagefind_dcd"  # what Pagefind puts before the CBOR of each (gzipped) index file
WANTED_DIRS = ("index", "fragment", "filter")  # what the search page loads; Pagefind's own UIs are left out
RECORD_VERSION = 2


@dataclass
class SearchResult:
    """What indexing did: the index files in the output, and whether Pagefind ran."""

    files: set = field(default_factory=set)  # output paths, relative to out ("pagefind/…")
    indexed: bool = False
    seconds: float = 0.0
    pages: dict = field(default_factory=dict)  # Pagefind's language code -> pages indexed
    sizes: dict = field(default_factory=dict)  # Pagefind's language code -> bytes of that language's files
    periods: list = field(default_factory=list)  # the periods indexed again this time


DATE_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def period_of(date: str, newest: str) -> str:
    """The index an edition's articles go to: its month in the newest edition's year, its year before that.

    A new edition re-indexes one month, not the archive; once a year ends, its months are indexed as
    one year (the first edition of a new year re-indexes the last one). Depends only on the dates, so
    the same content always gives the same bundles.
    """
    return date[:7] if date[:4] == newest[:4] else date[:4]


def periods_of(dates: Iterable[str]) -> dict[str, list[str]]:
    """Period -> its edition dates, newest period first."""
    dates = sorted(set(dates), reverse=True)
    if not dates:
        return {}
    found: dict[str, list[str]] = {}
    for date in dates:
        found.setdefault(period_of(date, dates[0]), []).append(date)
    return found


def article_globs(languages: Iterable[str], period: str = "") -> tuple[str, ...]:
    """The Pagefind glob of each language's article pages of one period (bilingual views are a level deeper)."""
    return tuple(f"{code}/editions/{period}*/*/index.html" for code in sorted(languages))


def article_pages(out: Path, languages: Iterable[str]) -> dict[str, list[tuple]]:
    """Period -> (path, size, mtime) of its article pages in every language, sorted: what its index is made from."""
    found: dict[tuple, list] = {}
    for lang in sorted(languages):
        editions = out / lang / "editions"
        for edition in sorted_dirs(editions):
            if not DATE_NAME.match(os.path.basename(edition)):
                continue
            for slug in sorted_dirs(Path(edition)):
                try:
                    stat = os.stat(os.path.join(slug, "index.html"))
                except OSError:
                    continue
                found.setdefault((os.path.basename(edition), lang), []).append(
                    (os.path.relpath(slug, out), stat.st_size, stat.st_mtime_ns))
    by_period: dict[str, list] = {}
    for period, dates in periods_of(date for date, _ in found).items():
        pages = [page for date in dates for lang in sorted(languages) for page in found.get((date, lang), ())]
        by_period[period] = sorted(pages)
    return by_period


def sorted_dirs(folder: Path) -> list[str]:
    """Sub-folders of a folder, by name; none when it does not exist."""
    try:
        return sorted(e.path for e in os.scandir(folder) if e.is_dir(follow_symlinks=False))
    except OSError:
        return []


def index_key(pages: list[tuple], languages: Iterable[str], period: str) -> str:
    """A hash of what a period's index depends on: Pagefind's version, the glob, and the pages' stamps."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{PAGEFIND_VERSION}\0{RECORD_VERSION}\0{' '.join(article_globs(languages, period))}\n".encode())
    for rel, size, mtime in pages:
        digest.update(f"{rel}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()


def read_record(cache: Cache | None, out: Path) -> dict:
    """The record of the indexes written into an output folder (empty when missing or of another version)."""
    data = cache.get("search", str(out)) if cache is not None else None
    return data if isinstance(data, dict) and data.get("version") == RECORD_VERSION else {}


def index_fits(out: Path, record: dict | None, key: str) -> bool:
    """A period's recorded index was made from these very pages and is still whole in the output."""
    if not record or record.get("key") != key or not record.get("files"):
        return False
    for rel, size in record["files"].items():
        try:
            if os.stat(out / rel).st_size != size:
                return False
        except OSError:
            return False
    return True


def index_site(out: Path, languages: Iterable[str], cache_dir: Path | None,
               report: WriteReport | None = None) -> SearchResult:
    """Index the article pages written in out, one bundle per period; only the periods whose pages changed.

    cache_dir None (build --clean, publish) neither reads nor keeps a record: Pagefind always runs.
    report (the build's) counts the index files written and unchanged. The periods' Pagefind runs
    (one per period and language) share the machine's cores.
    """
    report = report if report is not None else WriteReport()
    started = time.perf_counter()
    out = out.resolve()
    languages = tuple(languages)
    pages = article_pages(out, languages)
    cache = Cache(cache_dir) if cache_dir is not None else None
    record = read_record(cache, out).get("periods", {})
    result = SearchResult()
    kept: dict = {}
    todo: dict = {}
    for period, found in pages.items():
        key = index_key(found, languages, period)
        if index_fits(out, record.get(period), key):
            kept[period] = record[period]
            report.unchanged += len(record[period]["files"])
        else:
            todo[period] = (key, article_globs({rel.split(os.sep, 1)[0] for rel, _, _ in found}, period))
    with tempfile.TemporaryDirectory(prefix="digest-search-") as tmp:
        bundles = {period: Path(tmp) / period for period in todo}
        if todo:
            run_pagefind_periods(out, {period: (bundles[period], globs) for period, (_, globs) in todo.items()})
        for period in sorted(todo):
            canonical_bundle(bundles[period])
            installed = install_bundle(out, bundles[period], report, f"{BUNDLE}/{period}")
            kept[period] = {"key": todo[period][0], "files": {rel: os.stat(out / rel).st_size
                                                             for rel in sorted(installed.files)},
                            "pages": installed.pages, "sizes": installed.sizes}
    for period, info in kept.items():
        result.files.update(info["files"])
        for code, count in info.get("pages", {}).items():
            result.pages[code] = result.pages.get(code, 0) + count
        for code, size in info.get("sizes", {}).items():
            result.sizes[code] = result.sizes.get(code, 0) + size
    remove_stale(out, {rel for rel in bundle_files(out) if index_file(rel)}, result.files, report)  # gone periods
    result.indexed = bool(todo)
    result.periods = sorted(todo)
    result.seconds = time.perf_counter() - started
    if cache is not None:
        cache.put_many("search", {str(out): {"version": RECORD_VERSION, "periods": kept}})
        cache.prune("search", [key for key in cache.keys("search") if os.path.isdir(key)])  # gone folders
        cache.close()
    return result


def pagefind_executable() -> str:
    """The Pagefind binary of the pinned version, installed as a wheel (pip install -r requirements.txt)."""
    hint = f"install it with `pip install -r requirements.txt` (pagefind_bin_extended=={PAGEFIND_VERSION}), " \
           "or build with --no-search"
    try:
        from pagefind_bin_extended import get_executable
        binary = str(get_executable())
    except Exception:  # noqa: BLE001 - missing or broken wheel: the same advice
        raise DigestError(error("pagefind", None, "Pagefind, which builds the search index, is not installed",
                                hint, code="search")) from None
    found = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout.split()
    if found[-1:] != [PAGEFIND_VERSION]:
        raise DigestError(error("pagefind", None, f"Pagefind {PAGEFIND_VERSION} is needed, found "
                                f"{' '.join(found[-1:]) or 'an unknown version'}", hint, code="search"))
    return binary


def run_pagefind(site: Path, dest: Path, globs: Iterable[str]) -> None:
    """Run Pagefind on some article pages of site, one process per language at once, merged into dest."""
    run_pagefind_periods(site, {"": (dest, tuple(globs))})


def run_pagefind_periods(site: Path, jobs: dict) -> None:
    """Make each period's bundle (period -> (folder, globs)): one Pagefind process per period and language.

    Pagefind makes each language's index on its own, yet one run writes them one after the other
    on a single thread (compressing every file at gzip's best level, about half its time): one run
    per language and period, as many at once as the machine has cores, keeps every core busy and
    gives the same files.
    """
    if not jobs:
        return
    binary = pagefind_executable()
    runs = [(period, dest, glob) for period, (dest, globs) in sorted(jobs.items()) for glob in globs]
    with tempfile.TemporaryDirectory(prefix="digest-pagefind-", dir=next(iter(jobs.values()))[0].parent) as tmp:
        parts = [Path(tmp) / str(number) for number in range(len(runs))]
        outputs = run_limited([[binary, "--site", str(site), "--output-path", str(part), "--glob", glob, "--silent"]
                               for (_, _, glob), part in zip(runs, parts)], Path(tmp))
        for (_, _, glob), part, (code, output) in zip(runs, parts, outputs):
            if code != 0 or not (part / ENTRY).is_file():
                lines = output.strip().splitlines()[-1:]
                raise DigestError(error("pagefind", None, f"Pagefind could not index the site: "
                                        f"{(lines or ['no index written'])[0]}",
                                        "the last search index is kept; fix the cause or build with --no-search",
                                        code="search"))
        for period, (dest, _) in sorted(jobs.items()):
            merge_bundles([part for (p, _, _), part in zip(runs, parts) if p == period], dest)


def run_limited(commands: list[list[str]], folder: Path) -> list[tuple[int, str]]:
    """Run commands, at most one per core at a time; (exit code, output) of each. An interruption stops them all."""
    limit = max(1, os.cpu_count() or 1)
    results: list = [None] * len(commands)
    running: list = []
    waiting = list(enumerate(commands))
    try:
        while waiting or running:
            while waiting and len(running) < limit:
                index, command = waiting.pop(0)
                log = tempfile.TemporaryFile(dir=folder)
                running.append((index, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT), log))
            index, proc, log = running.pop(0)
            code = proc.wait()
            log.seek(0)
            results[index] = (code, log.read().decode("utf-8", errors="replace"))
            log.close()
    finally:
        for _, proc, log in running:  # the build was interrupted: stop the other runs too
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
    return results


def merge_bundles(parts: list[Path], dest: Path) -> None:
    """Move the bundles of the per-language runs into one (their files are either a language's own or identical)."""
    languages: dict = {}
    dest.mkdir(parents=True, exist_ok=True)
    for part in parts:
        entry = json.loads((part / ENTRY).read_text(encoding="utf-8"))
        for code in entry.get("languages", {}):
            if code in languages:
                raise DigestError(error("pagefind", None, f"pages in language {code!r} under two language folders",
                                        "give each language folder's article pages its own <html lang>",
                                        code="search"))
        languages.update(entry.get("languages", {}))
        for path in sorted(part.rglob("*")):
            target = dest / path.relative_to(part)
            if path.is_file() and path.name != ENTRY and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
    entry["languages"] = languages
    (dest / ENTRY).write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def wanted(rel: str) -> bool:
    """A bundle file the search page needs (relative to the bundle folder)."""
    top = rel.split("/", 1)[0]
    return top in WANTED_DIRS or rel in ("pagefind.js", ENTRY) or rel.endswith(".pf_meta") \
        or (rel.startswith("wasm.") and rel.endswith(".pagefind"))


def install_bundle(out: Path, bundle: Path, report: WriteReport, target: str = BUNDLE) -> SearchResult:
    """Copy a finished bundle into out/target/: content-named files, then the entry file, then drop old files."""
    result = SearchResult(indexed=True)
    rels = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file())
    rels = [rel for rel in rels if wanted(rel)]
    before = {rel for rel in bundle_files(out) if rel.startswith(target + "/") and index_file(rel)}  # not a user's
    staged: dict[str, str] = {}
    try:
        for rel in rels:
            tmp = stage_file(out, f"{target}/{rel}", (bundle / rel).read_bytes())
            if tmp:
                staged[f"{target}/{rel}"] = tmp
    except OSError:
        discard_staged(out, list(staged.values()))
        raise
    entry = {f"{target}/{ENTRY}": staged.pop(f"{target}/{ENTRY}")} if f"{target}/{ENTRY}" in staged else {}
    commit_staged(out, staged, report)
    commit_staged(out, entry, report)  # the entry file names the rest: it goes in last
    result.files = {f"{target}/{rel}" for rel in rels}
    report.unchanged += len(result.files) - len(staged) - len(entry)
    remove_stale(out, before, result.files, report)
    if ENTRY in rels:
        entry = json.loads((bundle / ENTRY).read_text(encoding="utf-8"))
        for code, info in entry.get("languages", {}).items():
            result.pages[code] = info.get("page_count", 0)
            prefix = f"{code}_"
            result.sizes[code] = sum((bundle / rel).stat().st_size for rel in rels
                                     if rel.split("/")[-1].startswith(prefix) or info["hash"] in rel)
    return result


INDEX_FILE_RE = re.compile(rf"{BUNDLE}/(?:\d{{4}}(?:-\d{{2}})?/)?(?:(index|fragment|filter)/[^/]+\.pf_\1|pagefind\.js|"
                           rf"{re.escape(ENTRY)}|[^/]+\.pf_meta|wasm\.[^/]+\.pagefind)")


def index_file(rel: str) -> bool:
    """A path of the output that is a file of the search index, by the names Pagefind gives them."""
    return INDEX_FILE_RE.fullmatch(rel) is not None


def bundle_files(out: Path) -> set[str]:
    """The index files now in the output (so that the build's stale-file remover leaves them alone)."""
    found = set()
    for current, _, files in os.walk(out / BUNDLE):  # os.walk ignores a folder removed meanwhile (serve)
        rel = os.path.relpath(current, out).replace(os.sep, "/")
        found.update(f"{rel}/{name}" for name in files)
    return found


# Determinism. Pagefind writes its filter files and the filter list of each language's meta file in
# the order of a Rust HashMap, which is seeded at random on every run: the same pages give other bytes
# and other file names each time (Pagefind 1.4.0 and 1.5.2 alike; the word index and the fragments
# are stable). canonical_bundle decodes those files, sorts what is unordered, and writes them again
# under names made the way Pagefind makes them (a SHA-1 of the content), so that two runs on the
# same pages give the same bundle, byte for byte.

def canonical_bundle(bundle: Path) -> None:
    """Rewrite a Pagefind bundle's filter and meta files in a fixed order, renamed after their content."""
    entry_path = bundle / ENTRY
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    renamed = {}
    for path in sorted((bundle / "filter").glob("*.pf_filter")):
        name, values = read_cbor_file(path)
        data = [name, sorted(values, key=lambda pair: cbor_sort_key(pair[0]))]
        code, old = path.stem.rsplit("_", 1)
        new = write_cbor_file(bundle / "filter", code, len(old), data, ".pf_filter")
        renamed[f"{code}_{old}"] = f"{code}_{new}"
        if new != old:
            path.unlink()
    languages = {}
    for code, info in sorted(entry["languages"].items()):
        meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta = read_cbor_file(meta_path)
        meta = canonical_meta(meta, renamed)
        old = info["hash"][len(code) + 1:]
        new = write_cbor_file(bundle, f"pagefind.{code}", len(old), meta, ".pf_meta")
        if new != old:
            meta_path.unlink()
        languages[code] = {**info, "hash": f"{code}_{new}"}
    entry["languages"] = languages
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def canonical_meta(meta: list, renamed: dict) -> list:
    """A language's meta record with its filter list sorted by name and pointing at the renamed files.

    Its shape (Pagefind 1.x): [version, pages, index chunks, filters [[name, file]…], sorts [[name, pages]…], …].
    """
    if not (isinstance(meta, list) and len(meta) >= 5 and all(isinstance(f, list) for f in meta[3])):
        raise ValueError("unexpected Pagefind meta file")
    meta = list(meta)
    meta[3] = sorted(([name, renamed.get(file, file)] for name, file in meta[3]), key=lambda f: f[0])
    meta[4] = sorted(meta[4], key=lambda s: s[0])
    return meta


def read_cbor_file(path: Path):
    """The CBOR value of a gzipped Pagefind file."""
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path.name} is not a Pagefind index file")
    value, end = cbor_decode(data, len(SIGNATURE))
    if end != len(data):
        raise ValueError(f"{path.name}: trailing bytes")
    return value


def write_cbor_file(folder: Path, prefix: str, hash_length: int, value, suffix: str) -> str:
    """Write a value as Pagefind does (signature, CBOR, gzip) under prefix_HASH; return the hash."""
    body = cbor_encode(value)
    digest = hashlib.sha1(body).hexdigest()[:hash_length]  # noqa: S324 - a file name, as Pagefind makes it
    data = gzip.compress(SIGNATURE + body, compresslevel=9, mtime=0)
    (folder / f"{prefix}_{digest}{suffix}").write_bytes(data)
    return digest


def cbor_sort_key(value):
    """A total order on decoded CBOR values (filter values are text; numbers sort before text)."""
    return (0, value, "") if isinstance(value, int) else (1, 0, str(value))


def cbor_decode(data: bytes, at: int):
    """Decode the CBOR item at `at` (the subset Pagefind writes); return (value, next offset)."""
    head = data[at]
    major, info = head >> 5, head & 31
    at += 1
    if major == 7:
        simple = {20: False, 21: True, 22: None}
        if info in simple:
            return simple[info], at
        raise ValueError(f"unsupported CBOR simple value {info}")
    if info < 24:
        arg = info
    elif info <= 27:
        size = 1 << (info - 24)
        arg = int.from_bytes(data[at:at + size], "big")
        at += size
    else:
        raise ValueError("indefinite-length CBOR is not supported")
    if major == 0:
        return arg, at
    if major == 1:
        return -1 - arg, at
    if major == 2:
        return bytes(data[at:at + arg]), at + arg
    if major == 3:
        return data[at:at + arg].decode("utf-8"), at + arg
    if major in (4, 5):
        items = []
        for _ in range(arg if major == 4 else 2 * arg):
            item, at = cbor_decode(data, at)
            items.append(item)
        return (items if major == 4 else CborMap(zip(items[::2], items[1::2]))), at
    raise ValueError(f"unsupported CBOR major type {major}")


class CborMap(dict):
    """A decoded CBOR map, kept apart from lists so that it is encoded back as a map, in its order."""


def cbor_encode(value) -> bytes:
    """Encode a value in CBOR with the shortest heads (as Pagefind's serializer does)."""
    if value is None or isinstance(value, bool):
        return bytes([0xf6 if value is None else 0xf5 if value else 0xf4])
    if isinstance(value, int):
        return cbor_head(0, value) if value >= 0 else cbor_head(1, -1 - value)
    if isinstance(value, bytes):
        return cbor_head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return cbor_head(3, len(raw)) + raw
    if isinstance(value, CborMap):
        return cbor_head(5, len(value)) + b"".join(cbor_encode(k) + cbor_encode(v) for k, v in value.items())
    if isinstance(value, list):
        return cbor_head(4, len(value)) + b"".join(cbor_encode(item) for item in value)
    raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


def cbor_head(major: int, arg: int) -> bytes:
    """A CBOR item head: major type and argument, in the fewest bytes."""
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise ValueError("CBOR argument too large")


class BackgroundIndexer:
    """Runs an indexing function in a thread after each request, debounced; never blocks the caller.

    For the preview server: a rebuild calls request() and goes on reloading the browser at once.
    The index is made `delay` seconds after the last request of a burst; a request that comes in
    while it runs makes it run once more afterwards (with the pages of the newest build).
    """

    def __init__(self, index: Callable[[], object], delay: float = 0.5, log: Callable[[str], None] | None = None):
        self.index = index
        self.delay = delay
        self.log = log or (lambda line: None)
        self.condition = threading.Condition()
        self.wanted_at: float | None = None  # when the pending request may run; None: nothing pending
        self.running = False
        self.stopped = False
        self.runs = 0
        self.thread = threading.Thread(target=self.loop, name="search-indexer", daemon=True)
        self.thread.start()

    def request(self) -> None:
        """Ask for a new index; returns at once."""
        with self.condition:
            self.wanted_at = time.monotonic() + self.delay
            self.condition.notify_all()

    def stop(self) -> None:
        """Stop the thread after the run in progress (a pending request is dropped)."""
        with self.condition:
            self.stopped = True
            self.condition.notify_all()
        self.thread.join(timeout=30)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is pending or running (for tests); False on timeout."""
        end = time.monotonic() + timeout
        with self.condition:
            while self.wanted_at is not None or self.running:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.condition.wait(left)
        return True

    def loop(self) -> None:
        """Wait for a request, let the burst settle, run the index function; until stopped."""
        while True:
            with self.condition:
                while not self.stopped and (self.wanted_at is None or time.monotonic() < self.wanted_at):
                    wait = None if self.wanted_at is None else self.wanted_at - time.monotonic()
                    self.condition.wait(wait)
                if self.stopped:
                    return
                self.wanted_at = None
                self.running = True
            try:
                self.index()
            except DigestError as exc:
                for problem in exc.problems:
                    self.log(problem.format())
            except Exception as exc:  # noqa: BLE001 - the preview goes on; the next rebuild tries again
                self.log(f"search index: {exc}")
            finally:
                with self.condition:
                    self.running = False
                    self.runs += 1
                    self.condition.notify_all()

