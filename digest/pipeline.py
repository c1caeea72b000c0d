"""build(): the recipe, one call per stage. Nothing is written until the whole site is rendered."""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import urls
from .body import Body, convert_body, shape
from .cache import Cache, default_cache_dir
from .config import load_config
from .engine import ENGINE, BuildState, is_broad, scan_inputs, site_from_snapshot
from .errors import DigestError, Problem, Stopped, error, raise_if_errors, warning
from .frontmatter import FrontMatter
from .gitdates import last_changed, run_git
from .markdown import VERSION as MARKDOWN_VERSION
from .markdown import MARKDOWN_SECONDS, SlowMarkdown, as_body, convert
from .plan import finish_plan, plan_full, plan_pages, plan_partial
from .render import PageSpec, compile_templates, make_environment, render_page, template_fingerprints, \
    template_problem
from .search import SearchResult, bundle_files, index_file, index_site
from .sources import walk_files
from .store import Snapshot, SnapshotError, output_folders
from .text import excerpt, reading_minutes
from .writer import (WriteReport, check_output_dir, commit_staged, discard_staged, made_here, output_conflicts,
                     output_files, output_lock, remove_stale, stage_file, sweep_staged)

POOL_THRESHOLD = 300  # below this many items, a process pool costs more than it saves


@dataclass
class BuildResult:
    """What a build did, for the summary line."""

    pages: dict = field(default_factory=dict)  # lang -> number of HTML pages
    report: WriteReport = field(default_factory=WriteReport)
    rendered: int = 0
    seconds: float = 0.0
    warnings: list[Problem] = field(default_factory=list)
    site: object = None
    search: SearchResult | None = None  # None: no search index this build (search off, or left to serve)

    @property
    def total_pages(self) -> int:
        return sum(self.pages.values())


def build(root: Path, out: Path, base_url: str | None = None, drafts: bool = False, clean: bool = False,
          progress=None, workers: int | None = None, state: BuildState | None = None,
          changed: set | None = None, cache_dir: Path | None = None, search: bool | None = None,
          index_search: bool = True, force_clean: bool = False) -> BuildResult:
    """Build the site from root into out; raise DigestError on any error.

    Every error found before writing changes nothing in out; one while writing (a rename that fails)
    names in DigestError.replaced what was already replaced, and Ctrl-C raises Stopped, which does.
    state: what the last build of this process left (the preview server keeps it); a new one
    otherwise. changed: the files known to have changed since that build, or None to look at all.
    search=False is --no-search (no search page, box or index); index_search=False leaves the
    index to the caller (the preview server makes it in the background). force_clean: take over
    a folder with no record of ours and delete every file in it the site does not produce.
    """
    started = time.perf_counter()
    root, out = root.resolve(), out.expanduser().resolve()
    progress = progress or (lambda stage: None)
    own = state is None
    state = BuildState() if own else state
    config, problems = load_config(root, base_url, search=False if search is False else None)
    raise_if_errors(problems)
    cache = open_cache(state, cache_dir or default_cache_dir(root))
    with output_lock(cache.folder, out), closing_after(cache, own), forgetting_on_error(state):
        snap = open_snapshot(state, cache, out, setup_key(config, drafts))
        known = not snap.fresh or bool(snap.previous_pages) or cache.get("busy", str(out)) is not None
        check_output_dir(out, root, known, force_clean, output_folders(cache), cache.folder)
        clean = clean or force_clean
        known = known_files(state, snap)
        if changed is not None:
            changed = changed | state.pending  # saves the failed builds since the last good one were told of
            state.pending = set(changed)  # until this build succeeds
        scan = scan_inputs(root, known, changed if state.files is not None else None)
        git = git_state(root, state, snap)
        if not clean and snap.complete and not scan.changed and git[0] == "same":
            return unchanged_result(state, snap, started)  # nothing that feeds the site changed since the last build

        progress("reading content")
        full = clean or not snap.complete or any(is_broad(root, p) for p in scan.changed) or \
            (state.site is None and not load_site(state, snap, config))
        env, found = templates_for(state, root, scan, cache.folder)
        problems += found
        convert = lambda docs: convert_documents(docs, state, workers)  # noqa: E731
        plan = (plan_full if full else plan_partial)(root, config, state, snap, scan, git[1], drafts, workers,
                                                     problems, out, convert)
        raise_if_errors(problems)

        progress("planning pages")
        todo = plan_pages(plan, state.template_prints, out, snap, problems)
        finish_plan(plan, state, snap, root)
        if force_clean:  # the whole folder is ours to clean
            plan.before, plan.foreign = output_files(out) if out.is_dir() else set(), set()
        if plan.full:  # search.py writes the index and cleans it
            (plan.keep if config.search else plan.before).update(f for f in bundle_files(out) if index_file(f))
        clear, found = output_conflicts(out, plan.keep, plan.before, plan.keep)  # before the first file is replaced
        problems += found
        raise_if_errors(problems)
        bodies = needed_bodies(root, todo, state, cache, workers)
        progress(f"rendering {len(todo)} pages")
        snap.mark_busy()  # until the record is saved: a killed build is planned in full next time
        result = BuildResult(site=plan.site, rendered=len(todo), seconds=0.0)
        with cleaned_up_on_failure(state, out, todo, plan.static, result.report):
            staged = render_all(env, todo, common_context(plan.site, bodies), root / "templates", out, workers)
            staged.update(stage_static(out, plan.static, staged))

            progress("writing")
            cache.put_many("busy", {str(out): sorted(set(staged) - plan.before)}, plain=True)  # ours if killed
            commit_staged(out, staged, result.report, clear)
            result.report.unchanged = plan.outputs - result.report.written
            remove_stale(out, plan.before.difference(clear), plan.keep, result.report)  # what was in the way is gone
            if config.search and index_search and (full or plan.articles_touched):
                progress("indexing for search")  # after the stale pages are gone: they must not be indexed
                result.search = index_site(out, config.codes, None if clean else cache.folder, result.report)
        result.pages = plan.counts
        result.warnings = [p for group in plan.warnings.values() for p in group if p.level == "warning"]
        result.warnings += left_alone(out, plan.foreign - plan.keep)  # this build's news only: not recorded
        save_state(state, cache, snap, plan, scan, git)
        cache.delete("busy", str(out))
        state.pending = set()
    result.seconds = time.perf_counter() - started
    return result


@contextlib.contextmanager
def closing_after(cache: Cache, close: bool):
    """Close the cache after a build that no one will continue (a state kept warm keeps it open)."""
    try:
        yield
    finally:
        if close:
            cache.close()


@contextlib.contextmanager
def forgetting_on_error(state: BuildState):
    """A build that fails leaves the model of the last good build: the next one reads it from its record."""
    try:
        yield
    except BaseException:
        state.site = None
        raise


def owned_files(cache: Cache, out: Path, recorded: set[str]) -> tuple[set[str], set[str]]:
    """The files of an output folder walked without a complete record: ours, and the others (never deleted).

    A file is ours when a record lists it (the last good build's, or what an unfinished build was
    adding), or when it shows it: a page naming the generator or a staged leftover (writer.made_here),
    a file of the search index by its name. What a fresh clone, a CI runner or a copied site can tell.
    """
    present = output_files(out) if out.is_dir() else set()  # finds files staged by a killed build too
    listed = set(recorded)
    adding = cache.get("busy", str(out))
    if isinstance(adding, list):
        listed.update(adding)
    ours = {rel for rel in present if rel in listed or index_file(rel) or made_here(out, rel)}
    return ours, present - ours


def left_alone(out: Path, files: set[str]) -> list[Problem]:
    """A warning listing the files of the output that are neither ours nor the site's: the build keeps them."""
    if not files:
        return []
    names = sorted(files)
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5:,} more" if len(names) > 5 else "")
    many = len(names) > 1
    what = f"{len(names):,} files in the output folder were" if many else "a file in the output folder was"
    return [warning(str(out), None, f"{what} not written by this build and {'are' if many else 'is'} left alone: "
                    f"{shown}", f"delete {'them' if many else 'it'} if stale, or build with --force-clean to delete every "
                    "file the site does not produce", code="foreign-files")]


@contextlib.contextmanager
def cleaned_up_on_failure(state: BuildState, out: Path, todo: list[PageSpec], static: dict, report: WriteReport):
    """While pages are staged and renamed: on a failure or Ctrl-C, no staged file stays behind, the next
    build reads the record again (a full plan, since it is marked busy), and the error says what was replaced."""
    try:
        yield
    except DigestError as exc:
        if report.replaced:  # a rename failed half-way, or the search index after the pages
            state.snap = None
            exc.replaced = exc.replaced or list(report.replaced)
        raise  # otherwise the stage that failed has removed its staged files
    except BaseException as exc:
        state.snap = None
        sweep_staged(out, [urls.output_file(spec.path) for spec in todo] + list(static))
        if isinstance(exc, KeyboardInterrupt):
            raise Stopped(report.replaced) from None
        if isinstance(exc, OSError):  # a full disk, a permission: the file, and what was replaced before it
            raise DigestError(error(os.fsdecode(exc.filename or out), None, "cannot write or remove this file "
                                    f"({exc.strerror or exc})", "check the output folder's permissions and free "
                                    "space, then build again", code="write-failed"), replaced=report.replaced) from None
        raise


class Entries(dict):
    """Cache entries of one kind by key, read from the cache on first use (a build reads what it needs)."""

    def __init__(self, cache: Cache, kind: str, check=None):
        super().__init__()
        self.cache, self.kind, self.check = cache, kind, check or (lambda value: value)
        self.fresh: dict = {}  # made by this build, not yet in the cache
        self.asked: set = set()

    def prefetch(self, keys) -> None:
        """Read many entries at once."""
        missing = [k for k in keys if k not in self.asked and not dict.__contains__(self, k)]
        self.asked.update(missing)
        for key, value in self.cache.get_many(self.kind, missing).items():
            value = self.check(value)
            if value is not None:
                dict.__setitem__(self, key, value)

    def get(self, key, default=None):
        if not dict.__contains__(self, key):
            self.prefetch([key])
        return dict.get(self, key, default)

    def __contains__(self, key) -> bool:
        if not dict.__contains__(self, key):
            self.prefetch([key])
        return dict.__contains__(self, key)

    def __getitem__(self, key):
        if not dict.__contains__(self, key):
            self.prefetch([key])
        return dict.__getitem__(self, key)

    def __setitem__(self, key, value) -> None:
        dict.__setitem__(self, key, value)
        self.fresh[key] = value

    def update(self, other=(), **kwargs) -> None:
        for key, value in dict(other, **kwargs).items():
            self[key] = value

    def save(self, encode=None) -> None:
        """Store the entries this build made."""
        self.cache.put_many(self.kind, {k: (encode(v) if encode else v) for k, v in self.fresh.items()})
        self.fresh.clear()


def open_cache(state: BuildState, folder: Path) -> Cache:
    """The state's cache, opened once per folder (with its entries read on demand)."""
    if state.cache is None or state.cache.folder != folder:
        state.cache = Cache(folder)
        state.parsed = Entries(state.cache, "parsed", parsed_entry)
        state.derived = Entries(state.cache, "derived", derived_entry)
        state.snap = None
        state.files = state.site = None
    return state.cache


def setup_key(config, drafts: bool) -> str:
    """What changes every page besides the files: base URL, drafts, search, SOURCE_DATE_EPOCH."""
    return repr((config.base_url, config.search, drafts, os.environ.get("SOURCE_DATE_EPOCH"), MARKDOWN_VERSION))


def open_snapshot(state: BuildState, cache: Cache, out: Path, setup: str) -> Snapshot:
    """The dependency record of out (the state's own when it is the same folder and setup)."""
    snap = state.snap
    if snap is None or snap.out != str(out) or snap.setup != setup:
        snap = state.snap = Snapshot(cache, str(out), setup)
        snap.open()
        state.files = state.site = None
    return snap


def known_files(state: BuildState, snap: Snapshot) -> dict:
    """The input files of the last good build: in memory, or from the record."""
    if state.files is None:
        state.files = {} if snap.fresh else snap.files()
    return state.files


def git_state(root: Path, state: BuildState, snap: Snapshot) -> tuple[str, dict, dict]:
    """("same" or "changed", last commit date per content file now, and as the last build had them).

    The commit at HEAD says whether dates can have changed: `git log` runs only after a commit.
    The preview server reads them once.
    """
    if state.git is not None:
        return "same", state.git[1], state.git[1]
    found = run_git(root, "rev-parse", "HEAD")
    head = found.strip() if found else None
    stored = snap.blob("git") if not snap.fresh else None
    before = {p: dt.datetime.fromisoformat(d) for p, d in stored[1].items()} if stored else {}
    if stored is not None and stored[0] == head:
        state.git = (head, before)
        state.git_before = before
        return "same", before, before
    dates = last_changed(root) if head else {}
    state.git = (head, dates)
    state.git_before = before
    return "changed", dates, before


def load_site(state: BuildState, snap: Snapshot, config) -> bool:
    """The model of the last build, from its record (records read on demand); False when it cannot be read."""
    try:
        site = site_from_snapshot(snap, config)
        if site is None:
            return False
        site.fp = snap.blob("site_fp") or ""
        state.warnings = snap.blob("warnings") or {}
        state.counts = snap.blob("counts") or {}
        state.outputs = snap.blob("outputs") or 0
    except SnapshotError as exc:
        state.cache.notice(f"{state.cache.path}: the dependency record was damaged ({exc}); this build plans "
                           "every page")
        snap.clear()
        return False
    state.site = site
    return True


def templates_for(state: BuildState, root: Path, scan, cache_dir: Path) -> tuple:
    """The Jinja environment, its syntax problems and each template's fingerprint; made again only after a change."""
    templates = root / "templates"
    key = hashlib.blake2b(repr(sorted((p, h) for p, (_, h) in scan.current.items()
                                      if p.startswith((str(templates) + os.sep, str(ENGINE) + os.sep)))).encode(),
                          digest_size=12).hexdigest()
    if state.env is None or state.templates_key != key:
        state.env = make_environment(templates, cache_dir / "jinja")
        recorded = recorded_prints(state.snap)
        if recorded is not None and recorded[0] == key:  # the last good build compiled these very files
            state.template_problems, state.template_prints = [], recorded[1]
        else:
            state.template_problems = compile_templates(state.env, templates, root)
            state.template_prints = template_fingerprints(state.env, templates)
        state.templates_key = key
    return state.env, list(state.template_problems)


def recorded_prints(snap: Snapshot) -> tuple | None:
    """The templates' key and fingerprints the last good build used, from its record."""
    if snap is None or snap.fresh:
        return None
    try:
        return snap.blob("templates")
    except SnapshotError:
        return None


def unchanged_result(state: BuildState, snap: Snapshot, started: float) -> BuildResult:
    """The result of a build that found nothing to do."""
    if state.site is None:
        try:
            warnings, counts, outputs = snap.blob("warnings") or {}, snap.blob("counts") or {}, snap.blob("outputs")
        except SnapshotError:
            warnings, counts, outputs = {}, {}, 0
    else:
        warnings, counts, outputs = state.warnings, state.counts, state.outputs
    result = BuildResult(pages=dict(counts))
    result.report.unchanged = outputs or 0
    result.warnings = [p for group in warnings.values() for p in group if p.level == "warning"]
    result.seconds = time.perf_counter() - started
    return result


def save_state(state: BuildState, cache: Cache, snap: Snapshot, plan, scan, git) -> None:
    """Record what this build made (the next one starts from it) and the cache entries it made."""
    plan.update.blobs["templates"] = (state.templates_key, state.template_prints)
    if git[0] == "changed" or snap.fresh or plan.full:
        plan.update.blobs["git"] = [state.git[0], {p: d.isoformat() for p, d in state.git[1].items()}]
    snap.save(plan.update)
    plan.site.catalog.changed.clear()
    state.parsed.save(stored_parsed)
    state.derived.save()
    cache.put_many("html", {key: body.to_cache() for key, body in state.unsaved_html.items()}, plain=True)
    state.unsaved_html.clear()
    state.files = dict(scan.current)
    state.warnings, state.counts, state.outputs = plan.warnings, plan.counts, plan.outputs
    state.git_before = state.git[1]
    if plan.full:
        live_files = {h for _, h in scan.current.values()}
        cache.prune("parsed", live_files)
        bodies = {record.body_hash for group in plan.site.groups.values() for record in group.values()} | \
            {page.body_hash for page in plan.site.pages}
        cache.prune("derived", bodies)
        cache.prune("html", bodies)


def parsed_entry(value) -> tuple | None:
    """A parsed-file cache entry as content.py uses it: (FrontMatter without body, problems, body hash).

    None for an entry of another shape (another version's): it is a miss, the file is parsed again.
    """
    if not (isinstance(value, tuple) and len(value) == 8 and value[0] == MARKDOWN_VERSION):
        return None
    _, meta, key_lines, body_line, fm_problems, found, body_hash, markup = value
    if not (isinstance(meta, dict) and isinstance(key_lines, dict) and isinstance(body_line, int)
            and isinstance(body_hash, str) and all(isinstance(p, Problem) for p in (*fm_problems, *found))
            and isinstance(markup, (list, tuple))):
        return None
    return FrontMatter(meta, key_lines, "", body_line, list(fm_problems), [tuple(m) for m in markup]), \
        list(found), body_hash


def stored_parsed(entry: tuple) -> tuple:
    """The cache's form of a parsed-file entry (no body text: its HTML and facts are cached by hash)."""
    fm, found, body_hash = entry
    return (MARKDOWN_VERSION, fm.meta, fm.key_lines, fm.body_line, list(fm.problems), list(found), body_hash,
            list(fm.unsafe))  # the raw HTML findings too: a warm build warns about scripts like a cold one


def derived_entry(value) -> tuple | None:
    """A body-facts cache entry: (excerpt, reading minutes, source-path links); None for another shape."""
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[0], str) and isinstance(value[1], int) \
            and isinstance(value[2], tuple):
        return value
    return None


def convert_documents(docs: list, state: BuildState, workers: int | None) -> None:
    """Convert the bodies of some documents not seen before (their facts and HTML go to the state)."""
    fresh = convert_bodies(docs, state.derived, workers)
    state.html.update(fresh)
    state.unsaved_html.update(fresh)


def convert_bodies(documents: list, derived: dict, workers: int | None) -> dict:
    """Convert the bodies not seen before; record their excerpt, reading time and link targets."""
    todo = {}
    for doc in documents:
        if doc.body_hash not in derived and doc.body_hash not in todo:
            # a body left out of the cache is read again (rare: the measures cache was lost)
            todo[doc.body_hash] = doc.body or read_body(doc.path.parent, doc)
    hashes = sorted(todo)
    try:
        results = parallel_map(convert_and_measure, [todo[h] for h in hashes], workers)
    except SlowMarkdown as exc:  # the file's error, not a crash: name it (markdown.py)
        raise DigestError([error(d.shown, d.body_line, f"Markdown took over {MARKDOWN_SECONDS} s to convert this "
                                 "text", "simplify it: split long paragraphs, close brackets", code="markdown-too-slow")
                           for d in documents if d.body_hash == exc.digest]) from None
    html = {}
    for body_hash, (body_html, measures) in zip(hashes, results):
        html[body_hash] = body_html
        derived[body_hash] = measures
    return html


def convert_and_measure(body: str) -> tuple[Body, tuple]:
    """Markdown to a shaped body, with its excerpt, reading time and relative links (run in a worker)."""
    shaped, facts = shape(convert(body))
    return shaped, (excerpt(facts.paragraphs), reading_minutes(facts.text), facts.links)


def parallel_map(func, items: list, workers: int | None) -> list:
    """map() over a process pool when the work is large enough to pay for it."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(items) < POOL_THRESHOLD:
        return [func(item) for item in items]
    with worker_pool(workers) as pool:
        return pool.map(func, items, chunksize=max(1, len(items) // (workers * 8)))


def needed_bodies(root: Path, todo: list[PageSpec], state: BuildState, cache: Cache, workers: int | None) -> dict:
    """The HTML of every body shown on a page to render: in memory, in the cache, or converted again."""
    wanted = {record.body_hash: record for spec in todo
              for record in (spec.ctx.get("article"), spec.ctx.get("page"), *spec.ctx.get("entries", ()))
              if getattr(record, "body_hash", None)}
    known = state.html
    missing = [h for h in wanted if h not in known]
    if missing:
        cached = {key: Body.from_cache(value) for key, value in cache.get_many("html", missing).items()}
        known.update((key, body) for key, body in cached.items() if body is not None)
        again = [h for h in missing if h not in known]
        if again:
            texts = [read_body(root, wanted[h]) for h in again]
            converted = dict(zip(again, parallel_map(convert_body, texts, workers)))
            known.update(converted)
            state.unsaved_html.update(converted)
    return {h: known[h] for h in wanted}


def read_body(root: Path, record) -> str:
    """Re-read a body whose HTML is not cached (the cache was lost)."""
    from .frontmatter import parse_front_matter
    from .sources import decode_text
    path = record.path if hasattr(record, "path") else root / record.shown
    text, _ = decode_text(path.read_bytes(), record.shown)
    return as_body(parse_front_matter(text or "", record.shown).body, record.body_hash)


def common_context(site, bodies: dict) -> dict:
    """Values every template may use; all of them are covered by site.fp."""
    cfg = site.config
    nav_pages = {lang: [(p.title, p.url) for p in sorted(site.pages, key=lambda p: p.position) if p.lang == lang]
                 for lang in cfg.codes}
    return {
        "base_url": cfg.base_url, "base_path": cfg.base_path, "site_title": cfg.title,
        "description": cfg.description, "languages": cfg.languages, "codes": cfg.codes,
        "original_language": cfg.original_language, "sections": cfg.sections, "tag_labels": site.tags,
        "locales": {lang.code: lang.locale for lang in cfg.languages},
        "hreflangs": {lang.code: lang.hreflang for lang in cfg.languages},
        "lang_names": {lang.code: lang.name for lang in cfg.languages},
        "nav_pages": nav_pages, "bodies": bodies, "fragments": {}, "timezone": cfg.timezone, "search": cfg.search,
    }


_WORK: dict = {}


def init_worker(env, specs, common, templates, out) -> None:
    """Pool initializer: the rendering inputs, inherited through fork rather than pickled."""
    _WORK.update(env=env, specs=specs, common=common, templates=templates, out=out)


def worker_pool(workers: int, initializer=None, initargs: tuple = ()):
    """A pool of forked workers that leave Ctrl-C to the parent (see quiet_worker).

    SIGINT is blocked while the workers are forked, so that one arriving before a worker has set
    it aside waits, and is then ignored by the worker and raised in the parent.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        import multiprocessing  # noqa: PLC0415 - here, not at the top: 10 ms of every build's start-up
        return multiprocessing.get_context("fork").Pool(workers, quiet_worker, (initializer, initargs))
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def quiet_worker(initializer=None, initargs: tuple = ()) -> None:
    """In a pool's worker: Ctrl-C is the parent's to handle (it stops the pool), and the pool's terminate
    ends the worker at once — no 'Process ForkPoolWorker-N: Traceback … KeyboardInterrupt' in the console."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # serve maps SIGTERM to KeyboardInterrupt in the parent
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if initializer is not None:
        initializer(*initargs)


def render_index(index: int):
    """Render and stage one page in a worker."""
    return render_one(_WORK["env"], _WORK["specs"][index], _WORK["common"], _WORK["templates"], _WORK["out"])


def render_one(env, spec: PageSpec, common: dict, templates: Path, out: Path):
    """Render one page and stage it beside its target: the temporary file, None when unchanged, or a Problem."""
    try:
        data = render_page(env, spec, common)
    except Exception as exc:  # noqa: BLE001 - any template failure is the user's to fix
        return template_problem(exc, spec, templates)
    return stage_file(out, urls.output_file(spec.path), data)


def render_all(env, todo: list[PageSpec], common: dict, templates: Path, out: Path, workers: int | None) -> dict:
    """Render every page, each staged as a temporary file beside its target (so workers write in parallel).

    Nothing the site serves changes here: on any template error the staged files are removed and
    every error is raised; otherwise writer.commit_staged renames them into place.
    """
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(todo) < POOL_THRESHOLD:
        results = [render_one(env, spec, common, templates, out) for spec in todo]
    else:
        with worker_pool(workers, init_worker, (env, todo, common, templates, out)) as pool:
            results = pool.map(render_index, range(len(todo)), chunksize=max(1, len(todo) // (workers * 8)))
    problems = sorted({r for r in results if isinstance(r, Problem)})
    if problems:
        discard_staged(out, [r for r in results if isinstance(r, str)])
        raise DigestError(problems)
    return {urls.output_file(spec.path): staged for spec, staged in zip(todo, results) if staged}


def static_files(root: Path, loaded) -> dict[str, Path]:
    """Files copied as they are: static/ to the site root, content assets under assets/."""
    files = {}
    static = root / "static"
    for path in walk_files(static, root).files:  # its problems are reported by load_content
        files[path.relative_to(static).as_posix()] = path
    for path, site_path in loaded.assets:
        files[site_path] = path
    return files


def stage_static(out: Path, static: dict[str, Path], staged: dict) -> dict[str, str]:
    """Stage the static files whose bytes differ from the output's (removing everything staged on a failure)."""
    found = {}
    for rel, path in static.items():
        try:
            tmp = stage_file(out, rel, path.read_bytes())
        except OSError as exc:
            discard_staged(out, [*staged.values(), *found.values()])
            raise DigestError(error(str(path), None, f"cannot copy this file ({exc.strerror})",
                                    "check its permissions", code="unreadable")) from None
        if tmp:
            found[rel] = tmp
    return found
