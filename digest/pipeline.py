"""build(): the recipe, one call per stage. Nothing is written until the whole site is rendered."""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import multiprocessing
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import urls
from .cache import Cache, default_cache_dir
from .config import load_config
from .errors import DigestError, Problem, error, raise_if_errors, warning
from .feeds import feed_specs
from .frontmatter import FrontMatter
from .gitdates import last_changed
from .incremental import BuildState, read_content, start_build, templates_for
from .markdown import VERSION as MARKDOWN_VERSION
from .markdown import MARKDOWN_SECONDS, SlowMarkdown, convert
from .model import build_site
from .pages import make_specs
from .render import PageSpec, render_page, spec_fingerprint, template_problem
from .search import SearchResult, bundle_files, index_site
from .sitemap import sitemap_specs
from .sources import walk_files
from .text import excerpt, plain_text, reading_minutes
from .writer import (WriteReport, check_output_dir, commit_staged, discard_staged, inside, output_files,
                     output_lock, remove_stale, stage_file)

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
          index_search: bool = True) -> BuildResult:
    """Build the site from root into out; raise DigestError (and change nothing in out) on any error.

    state: what the last build of this process left (the preview server keeps it); a new one
    otherwise. changed: the files known to have changed since that build, or None to find out.
    search=False is --no-search (no search page, box or index); index_search=False leaves the
    index to the caller (the preview server makes it in the background).
    """
    started = time.perf_counter()
    root, out = root.resolve(), out.expanduser().resolve()
    progress = progress or (lambda stage: None)
    own = state is None
    state = BuildState() if own else state
    config, problems = load_config(root, base_url, search=False if search is False else None)
    cache = open_cache(state, cache_dir or default_cache_dir(root))
    with output_lock(cache.folder, out), closing_after(cache, own):
        record = output_record(state, cache, out)
        check_output_dir(out, root, known=record is not None)
        start_build(state, config, drafts, changed)
        dates = git_dates(root, state)
        state.file_hashes, state.walks = {}, {}  # only what was read just now may stand for the files
        stamp = input_stamp(root, config, drafts, dates, state) if changed is None else ""
        if not clean and is_unchanged(out, record, stamp):
            return unchanged_result(record, started)  # nothing that feeds the site changed since the last build

        progress("reading content")
        load_caches(state, cache)
        mapper = lambda func, items: parallel_map(func, items, workers)  # noqa: E731
        loaded = read_content(state, config, state.parsed, changed, problems, mapper)
        env, found = templates_for(state, root / "templates", root, changed)
        problems += found
        progress("converting Markdown")
        fresh = convert_bodies(loaded.documents, state.derived, workers)
        state.html.update(fresh)
        state.unsaved_html.update(fresh)
        site = build_site(config, loaded, state.derived, drafts, problems, dates, state.groups)
        raise_if_errors(problems)

        progress("planning pages")
        specs = plan_specs(site, state.derived, state.template_prints, state)
        static = static_files(root, loaded)
        problems += collisions_of(specs, static, out, state)
        problems += broken_links(specs)
        raise_if_errors(problems)

        before = files_before(state, out, record)
        todo = pages_to_render(specs, {} if clean or record is None else record["pages"], before)
        bodies = needed_bodies(root, todo, state, cache, workers)
        progress(f"rendering {len(todo)} pages")
        cache.put_many("busy", {str(out): True})  # until the record below: a killed build is cleaned up next time
        staged = render_all(env, todo, common_context(site, bodies), root / "templates", out, workers)
        staged.update(stage_static(out, static, staged))

        progress("writing")
        result = BuildResult(site=site, rendered=len(todo), seconds=0.0)
        commit_staged(out, staged, result.report)
        keep = {urls.output_file(spec.path) for spec in specs} | set(static)
        result.report.unchanged = len(keep) - result.report.written
        if config.search:
            keep |= bundle_files(out)  # search.py writes and cleans the index itself
        remove_stale(out, before, keep, result.report)
        if config.search and index_search:  # after the stale pages are gone: they must not be indexed
            progress("indexing for search")
            result.search = index_site(out, config.codes, None if clean else cache.folder, result.report)
            keep = {rel for rel in keep if not rel.startswith(urls.PAGEFIND)} | result.search.files
        result.pages = page_counts(specs)
        result.warnings = [p for p in problems if p.level == "warning"]
        record = {"pages": {spec.path: spec.fp for spec in specs}, "stamp": stamp,
                  "files": sorted(keep), "counts": [list(c) for c in result.pages.items()], "complete": True,
                  "warnings": [list(dataclasses.astuple(w)) for w in result.warnings]}
        save_caches(state, cache, loaded)
        save_record(cache, out, record)
        cache.delete("busy", str(out))
        state.outputs[str(out)] = record
        state.prints = {path: state.prints[path] for path in record["pages"]}  # forget pages that are gone
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


def open_cache(state: BuildState, folder: Path) -> Cache:
    """The state's cache, opened once per folder."""
    if state.cache is None or state.cache.folder != folder:
        state.cache = Cache(folder)
        state.parsed = state.derived = None
        state.stored = {}
        state.outputs = {}
        state.verified = set()
    return state.cache


def empty_record() -> dict:
    """The record of an output folder that has no complete build yet."""
    return {"pages": {}, "stamp": "", "files": [], "counts": [], "warnings": [], "complete": False}


def output_record(state: BuildState, cache: Cache, out: Path) -> dict | None:
    """What the last build into out recorded (page fingerprints, input stamp, files, counts), or None."""
    key = str(out)
    if key not in state.outputs:
        found = cache.get("output", key)
        if isinstance(found, dict) and set(empty_record()) <= set(found):
            found["complete"] = cache.get("busy", key) is None
        state.outputs[key] = found if isinstance(found, dict) and set(empty_record()) <= set(found) else None
    return state.outputs[key]


def save_record(cache: Cache, out: Path, record: dict) -> None:
    """Store the record of the output folder in the cache (JSON's own types: no tagging of 25,000 entries)."""
    cache.put_many("output", {str(out): record}, plain=True)


def is_unchanged(out: Path, record: dict | None, stamp: str) -> bool:
    """The last build into out finished, read exactly these inputs, and its files are all still there."""
    return bool(record and record["complete"] and stamp and record["stamp"] == stamp
                and all_present(out, record["files"]))


def files_before(state: BuildState, out: Path, record: dict | None) -> set[str]:
    """The files in the output now: the last build's list, or a walk when that build did not finish."""
    key = str(out)
    if record is None or not record["complete"]:
        state.verified.add(key)
        return output_files(out)  # also finds files staged by a build that was killed
    files = set(record["files"])
    if key not in state.verified:  # read from the cache: check once that nobody removed any
        state.verified.add(key)
        base = str(out) + os.sep
        files = {rel for rel in files if os.path.isfile(base + rel)}
    return files


def pages_to_render(specs: list[PageSpec], manifest: dict, present: set[str]) -> list[PageSpec]:
    """The one place that decides: a page is rendered when its fingerprint changed or its file is missing."""
    return [spec for spec in specs
            if manifest.get(spec.path) != spec.fp or urls.output_file(spec.path) not in present]


def page_counts(specs: list[PageSpec]) -> dict:
    """HTML pages per language, for the summary line."""
    counts: dict = {}
    for spec in specs:
        if spec.path.endswith("/") or spec.path.endswith(".html") or spec.path == "":
            counts[spec.lang] = counts.get(spec.lang, 0) + 1
    return counts


def load_caches(state: BuildState, cache: Cache) -> None:
    """Parsed files and body facts by hash, read from the cache once per state."""
    if state.parsed is None:
        entries = ((key, parsed_entry(value)) for key, value in cache.get_all("parsed").items())
        state.parsed = {key: entry for key, entry in entries if entry is not None}
        state.derived = {key: value for key, value in cache.get_all("derived").items()
                         if isinstance(value, tuple) and len(value) == 3 and isinstance(value[0], str)
                         and isinstance(value[1], int) and isinstance(value[2], tuple)}
        state.stored = {"parsed": set(state.parsed), "derived": set(state.derived)}


def parsed_entry(value) -> tuple | None:
    """A parsed-file cache entry as content.py uses it: (FrontMatter without body, problems, body hash).

    None for an entry of another shape (another version's): it is a miss, the file is parsed again.
    """
    if not (isinstance(value, tuple) and len(value) == 7 and value[0] == MARKDOWN_VERSION):
        return None
    _, meta, key_lines, body_line, fm_problems, found, body_hash = value
    if not (isinstance(meta, dict) and isinstance(key_lines, dict) and isinstance(body_line, int)
            and isinstance(body_hash, str) and all(isinstance(p, Problem) for p in (*fm_problems, *found))):
        return None
    return FrontMatter(meta, key_lines, "", body_line, list(fm_problems)), list(found), body_hash


def stored_parsed(entry: tuple) -> tuple:
    """The cache's form of a parsed-file entry (no body text: its HTML and facts are cached by hash)."""
    fm, found, body_hash = entry
    return (MARKDOWN_VERSION, fm.meta, fm.key_lines, fm.body_line, list(fm.problems), list(found), body_hash)


def save_caches(state: BuildState, cache: Cache, loaded) -> None:
    """Store the entries this build made; prune the ones of content that is gone."""
    for kind, values, encode in (("parsed", state.parsed, stored_parsed), ("derived", state.derived, None)):
        known = state.stored.setdefault(kind, set())
        new = {key: (encode(value) if encode else value) for key, value in values.items() if key not in known}
        cache.put_many(kind, new)
        known.update(new)
    cache.put_many("html", state.unsaved_html)
    state.unsaved_html.clear()
    live = (frozenset(loaded.digests), frozenset(d.body_hash for d in loaded.documents))
    if live != state.live:
        files, bodies = live
        # what the last build of this state had and this one has not; everything, the first time
        gone_files, gone_bodies = (None, None) if state.live is None else (state.live[0] - files,
                                                                           state.live[1] - bodies)
        cache.prune("parsed", files, gone_files)
        cache.prune("derived", bodies, gone_bodies)
        cache.prune("html", bodies, gone_bodies)
        if state.live is None:
            cache.prune("output", [key for key in cache.keys("output") if os.path.isdir(key)])
        for kind, keep in (("parsed", files), ("derived", bodies)):
            values = state.parsed if kind == "parsed" else state.derived
            for key in [k for k in values if k not in keep]:
                del values[key]
            state.stored[kind] &= keep
        state.live = live


def plan_specs(site, derived: dict, bases: dict, state: BuildState) -> list[PageSpec]:
    """Every output file of the site as a fingerprinted spec: pages, feeds, then the sitemaps listing them."""
    specs = make_specs(site, derived, state.specs)
    specs += feed_specs(site, derived)
    fingerprint_specs(specs, bases, site.fp, state)  # before the sitemaps, whose entries are cached by them
    sitemaps = sitemap_specs(site, specs, state.sitemap)
    fingerprint_specs(sitemaps, bases, site.fp, state)
    return specs + sitemaps


def fingerprint_specs(specs: list[PageSpec], bases: dict, site_fp: str, state: BuildState) -> None:
    """Set each spec's fingerprint; a spec object reused from the last build (see pages.py) keeps its own."""
    last = state.prints
    fresh = {}
    for spec in specs:
        base = bases.get(spec.template, "") + site_fp
        known = last.get(spec.path)
        if known is not None and known[0] is spec and known[1] == base:
            spec.fp = known[2]
        else:
            spec.fp = spec_fingerprint(spec, base)
        fresh[spec.path] = (spec, base, spec.fp)
    state.prints.update(fresh)


def git_dates(root: Path, state: BuildState) -> dict:
    """Last commit date of each content file; read once per state (commits are rare while editing)."""
    if state.git_dates is None:
        state.git_dates = last_changed(root)
    return state.git_dates


def input_stamp(root: Path, config, drafts: bool, dates: dict, state: BuildState) -> str:
    """A hash of everything a build reads: the settings, git dates, and every input file's name and bytes.

    Bytes, not sizes and times: an edit that keeps a file's size and time (a coarse file-system
    clock, a restored mtime, a checkout) is still seen, and a file merely touched costs nothing.
    The content hashes are kept for the load stage, which then reads only new files again.
    """
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((sorted(config.raw.items(), key=str), config.base_url, config.search, drafts,
                        sorted(dates.items()), os.environ.get("SOURCE_DATE_EPOCH"))).encode())
    hashes = {}
    for folder, project in ((root / "content", root), (root / "templates", root), (root / "static", root),
                            (Path(__file__).parent, None)):
        walk = state.walks[folder] = walk_files(folder, project)  # the load stage uses the same walk
        for path in walk.files:
            try:
                value = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
            except OSError:
                value = "unreadable"  # the build itself reports it
            hashes[path] = value
            digest.update(f"{path}\0{value}\n".encode())
    state.file_hashes = hashes
    return digest.hexdigest()


def all_present(out: Path, files) -> bool:
    """Every file of the last build is still in the output."""
    base = str(out) + os.sep
    return bool(files) and all(os.path.isfile(base + rel) for rel in files)


def unchanged_result(record: dict, started: float) -> BuildResult:
    """The result of a build that found nothing to do."""
    result = BuildResult(pages=dict(record.get("counts", ())))
    result.report.unchanged = len(record["files"])
    result.warnings = [Problem(*w) for w in record.get("warnings", ())]
    result.seconds = time.perf_counter() - started
    return result


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


def convert_and_measure(body: str) -> tuple[str, tuple]:
    """Markdown to HTML, with its excerpt, reading time and source-path links (run in a worker)."""
    body_html = convert(body)
    return body_html, (excerpt(body_html), reading_minutes(plain_text(body_html)), link_targets(body_html))


def link_targets(body_html: str) -> tuple:
    """Links written as source paths in a body, in order, once each."""
    from .render import SOURCE_ATTR_RE
    return tuple(dict.fromkeys(m.group(2) for m in SOURCE_ATTR_RE.finditer(body_html)))


def parallel_map(func, items: list, workers: int | None) -> list:
    """map() over a process pool when the work is large enough to pay for it."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(items) < POOL_THRESHOLD:
        return [func(item) for item in items]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(func, items, chunksize=max(1, len(items) // (workers * 8)))


def needed_bodies(root: Path, todo: list[PageSpec], state: BuildState, cache: Cache, workers: int | None) -> dict:
    """The HTML of every body shown on a page to render: in memory, in the cache, or converted again."""
    wanted = {record.body_hash: record for spec in todo
              for record in (spec.ctx.get("article"), spec.ctx.get("page"), *spec.ctx.get("entries", ()))
              if getattr(record, "body_hash", None)}
    known = state.html
    missing = [h for h in wanted if h not in known]
    if missing:
        known.update(cache.get_many("html", missing))
        again = [h for h in missing if h not in known]
        if again:
            texts = [read_body(root, wanted[h]) for h in again]
            converted = dict(zip(again, parallel_map(convert, texts, workers)))
            known.update(converted)
            state.unsaved_html.update(converted)
    return {h: known[h] for h in wanted}


def read_body(root: Path, record) -> str:
    """Re-read a body whose HTML is not cached (the cache was lost)."""
    from .frontmatter import parse_front_matter
    from .sources import decode_text
    path = record.path if hasattr(record, "path") else root / record.shown
    text, _ = decode_text(path.read_bytes(), record.shown)
    return parse_front_matter(text or "", record.shown).body


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
        "nav_pages": nav_pages, "bodies": bodies, "fragments": {}, "timezone": cfg.timezone,
        "latest_edition": site.editions[0].date if site.editions else None, "search": cfg.search,
    }


_WORK: dict = {}


def init_worker(env, specs, common, templates, out) -> None:
    """Pool initializer: the rendering inputs, inherited through fork rather than pickled."""
    _WORK.update(env=env, specs=specs, common=common, templates=templates, out=out)


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
        with multiprocessing.get_context("fork").Pool(workers, init_worker, (env, todo, common, templates, out)) \
                as pool:
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


def collisions_of(specs: list[PageSpec], static: dict, out: Path, state: BuildState) -> list[Problem]:
    """find_collisions, skipped when the output paths are the same as in the last build without any."""
    key = (str(out), tuple(spec.path for spec in specs), tuple(static))
    if state.paths == key:
        return []  # collisions depend only on the paths (and the output folder)
    problems = find_collisions(specs, static, out)
    state.paths = None if problems else key
    return problems


def find_collisions(specs: list[PageSpec], static: dict, out: Path) -> list[Problem]:
    """Two sources for one output file, or an output path escaping the output folder."""
    problems = []
    owners: dict[str, str] = {}
    for spec in specs:
        target = urls.output_file(spec.path)
        what = spec.source or f"the {spec.template.rsplit('.', 1)[0]} page"
        if not inside(out, target):
            problems.append(error(spec.source or "content", None, f"the page path '{spec.path}' leaves the output "
                                  "folder", "remove '..' from slugs and aliases", code="unsafe-path"))
        elif target in owners:
            problems.append(error(spec.source or owners[target], None,
                                  f"two pages want the same URL /{spec.path}: {owners[target]} and {what}",
                                  "change a slug or an alias so that each page has its own URL",
                                  code="url-collision"))
        else:
            owners[target] = what
    for rel in static:
        if rel in owners:
            problems.append(error(f"static/{rel}", None, f"this file would overwrite the page made from "
                                  f"{owners[rel]}", "rename or move the file", code="url-collision"))
    return problems


def broken_links(specs: list[PageSpec]) -> list[Problem]:
    """Warn about source-path links that lead nowhere."""
    found = []
    for spec in specs:
        for target, resolved in spec.ctx.get("links", {}).items():
            if resolved is None:
                found.append(warning(spec.source, None, f"the link '{target}' leads to no file",
                                     "fix the path; links to articles may name their .md file", code="broken-link"))
    return found


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
