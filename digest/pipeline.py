"""build(): the recipe, one call per stage. Nothing is written until the whole site is rendered."""
from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import urls
from .config import load_config
from .content import load_content
from .errors import DigestError, Problem, error, raise_if_errors, warning
from .feeds import feed_specs
from .gitdates import last_changed
from .incremental import BuildMemo, read_content, remove_files, stale_files, start_build, templates_for
from .markdown import VERSION as MARKDOWN_VERSION
from .markdown import MARKDOWN_SECONDS, SlowMarkdown, convert
from .model import build_site
from .pages import make_specs
from .render import PageSpec, render_page, spec_fingerprint, template_problem
from .sitemap import sitemap_specs
from .sources import walk_files
from .text import excerpt, plain_text, reading_minutes
from .writer import (WriteReport, check_output_dir, discard_staged, inside, load_cache, read_state, remove_stale,
                     save_state, stage_file, write_if_changed)

META_CACHE = "meta.pickle"
HTML_CACHE = "html.pickle"
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

    @property
    def total_pages(self) -> int:
        return sum(self.pages.values())


def build(root: Path, out: Path, base_url: str | None = None, drafts: bool = False, clean: bool = False,
          progress=None, workers: int | None = None, memo: BuildMemo | None = None,
          changed: set | None = None) -> BuildResult:
    """Build the site from root into out; raise DigestError (and write nothing) on any error.

    memo and changed (the files changed since the last build) come from the preview server: the
    build then reuses what the last one left in memory (see incremental.py).
    """
    started = time.perf_counter()
    root, out = root.resolve(), out.expanduser().resolve()
    progress = progress or (lambda stage: None)
    config, problems = load_config(root, base_url)
    check_output_dir(out, root)
    if memo is not None:
        start_build(memo, config, drafts, changed)
    dates = git_dates(root, memo)
    stamp = input_stamp(root, config, drafts, dates) if memo is None else ""  # serve: the memo knows better
    state = {} if clean or (memo is not None and memo.manifest is not None) else read_state(out)
    if memo is None and state.get("stamp") == stamp and all_present(out, state.get("files", ())):
        return unchanged_result(state, started)  # nothing that feeds the site changed since the last build
    progress("reading content")
    meta_cache = read_meta_cache(out, clean, memo)
    mapper = lambda func, items: parallel_map(func, items, workers)  # noqa: E731
    if memo is not None:
        loaded = read_content(memo, config, meta_cache["files"], changed, problems, mapper)
    else:
        loaded = load_content(config, meta_cache["files"], problems, mapper=mapper)
    templates = root / "templates"
    compiled = memo if memo is not None else BuildMemo()
    env, found = templates_for(compiled, templates, root, changed)
    problems += found

    progress("converting Markdown")
    html = convert_bodies(loaded.documents, meta_cache["derived"], workers)
    if memo is not None:
        memo.html.update(html)  # now, since meta_cache (in memory) records these bodies even if this build fails
    site = build_site(config, loaded, meta_cache["derived"], drafts, problems, dates,
                      memo.groups if memo is not None else None)
    raise_if_errors(problems)

    progress("planning pages")
    specs = plan_specs(site, meta_cache["derived"], compiled.template_prints, memo)
    static = static_files(root, loaded)
    problems += collisions_of(specs, static, out, memo)
    problems += broken_links(specs)
    raise_if_errors(problems)

    in_memory = memo is not None and memo.manifest is not None and not clean
    manifest = memo.manifest if in_memory else state.get("pages", {})
    todo = []
    fingerprints = {}
    for spec in specs:
        fingerprints[spec.path] = spec.fp
        if manifest.get(spec.path) != spec.fp or not (in_memory or (out / urls.output_file(spec.path)).is_file()):
            todo.append(spec)
    known = {**memo.html, **html} if memo is not None else html
    bodies = needed_bodies(root, todo, out, known, clean, workers, memo)
    progress(f"rendering {len(todo)} pages")
    common = common_context(site, bodies)
    rendered = render_all(env, todo, common, templates, out, workers)

    progress("writing")
    result = BuildResult(site=site, rendered=len(todo))
    for spec in specs:
        if spec.path.endswith("/") or spec.path.endswith(".html") or spec.path == "":
            result.pages[spec.lang] = result.pages.get(spec.lang, 0) + 1
    keep = write_output(out, specs, rendered, static, result.report)
    incremental = memo is not None and memo.keep is not None
    if incremental:
        remove_files(out, stale_files(out, memo.keep, keep), result.report)
    else:
        remove_stale(out, keep, result.report)
    result.warnings = [p for p in problems if p.level == "warning"]
    # serve's rebuilds keep the caches in memory: on disk they are only a head start for the next build
    caches = {} if incremental else state_caches(out, meta_cache, loaded, html, bodies, clean, todo, memo)
    save_state(out, {"pages": fingerprints, "stamp": stamp, "files": sorted(keep), "counts": list(result.pages.items()),
                     "warnings": [dataclasses.astuple(w) for w in result.warnings]}, caches)
    if memo is not None:
        remember(memo, {**bodies, **html}, fingerprints, keep)
    result.seconds = time.perf_counter() - started
    return result


def plan_specs(site, derived: dict, bases: dict, memo: BuildMemo | None = None) -> list[PageSpec]:
    """Every output file of the site as a fingerprinted spec: pages, feeds, then the sitemaps listing them."""
    specs = make_specs(site, derived, memo.specs if memo is not None else None)
    specs += feed_specs(site, derived)
    fingerprint_specs(specs, bases, site.fp, memo)  # before the sitemaps, whose entries are cached by them
    sitemaps = sitemap_specs(site, specs, memo.sitemap if memo is not None else None)
    fingerprint_specs(sitemaps, bases, site.fp, memo)
    return specs + sitemaps


def fingerprint_specs(specs: list[PageSpec], bases: dict, site_fp: str, memo: BuildMemo | None) -> None:
    """Set each spec's fingerprint; a spec object reused from the last build (see pages.py) keeps its own."""
    last = memo.prints if memo is not None else {}
    fresh = {}
    for spec in specs:
        base = bases.get(spec.template, "") + site_fp
        known = last.get(spec.path)
        if known is not None and known[0] is spec and known[1] == base:
            spec.fp = known[2]
        else:
            spec.fp = spec_fingerprint(spec, base)
        fresh[spec.path] = (spec, base, spec.fp)
    if memo is not None:
        memo.prints.update(fresh)


def git_dates(root: Path, memo: BuildMemo | None) -> dict:
    """Last commit date of each content file; read once per preview session (commits are rare while editing)."""
    if memo is None:
        return last_changed(root)
    if memo.git_dates is None:
        memo.git_dates = last_changed(root)
    return memo.git_dates


def input_stamp(root: Path, config, drafts: bool, changed: dict) -> str:
    """A hash of everything a build reads: file names, sizes and times, settings, git dates, engine code."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((sorted(config.raw.items(), key=str), config.base_url, drafts,
                        sorted(changed.items()), os.environ.get("SOURCE_DATE_EPOCH"))).encode())
    for folder in (root / "content", root / "templates", root / "static", Path(__file__).parent):
        for path, stat in scan_tree(folder):
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ino}\n".encode())
    return digest.hexdigest()


def scan_tree(folder: Path):
    """(path, stat) of every file below folder, in a stable order, without reading any."""
    found = []
    stack = [str(folder)]
    while stack:
        current = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.is_file():
                found.append((entry.path, entry.stat()))
    return found


def all_present(out: Path, files) -> bool:
    """Every file of the last build is still in the output."""
    base = str(out) + os.sep
    return bool(files) and all(os.path.isfile(base + rel) for rel in files)


def unchanged_result(state: dict, started: float) -> BuildResult:
    """The result of a build that found nothing to do."""
    result = BuildResult(pages=dict(state.get("counts", {})))
    result.report.unchanged = len(state["files"])
    result.warnings = [Problem(*w) for w in state.get("warnings", ())]
    result.seconds = time.perf_counter() - started
    return result


def read_meta_cache(out: Path, clean: bool, memo: BuildMemo | None) -> dict:
    """Parsed files and derived body facts by hash: in memory, from the last build's cache, or empty."""
    if memo is not None and memo.meta_cache is not None:
        return memo.meta_cache
    meta_cache = {} if clean else load_cache(out, META_CACHE)
    if meta_cache.get("version") != MARKDOWN_VERSION:
        meta_cache = {"version": MARKDOWN_VERSION, "files": {}, "derived": {}}
    if memo is not None:
        memo.meta_cache = meta_cache
    return meta_cache


def state_caches(out: Path, meta_cache: dict, loaded, html: dict, bodies: dict, clean: bool, todo: list,
                 memo: BuildMemo | None) -> dict:
    """The caches saved in the output for the next build, pruned to the files that still exist."""
    caches = {META_CACHE: prune_meta(meta_cache, loaded)}
    if todo or clean:
        old = memo.html if memo is not None else {} if clean else load_cache(out, HTML_CACHE)
        live = {d.body_hash for d in loaded.documents}
        caches[HTML_CACHE] = {h: v for h, v in {**old, **bodies, **html}.items() if h in live}
    return caches


def remember(memo: BuildMemo, html: dict, fingerprints: dict, keep: set) -> None:
    """Keep what the next rebuild of the preview server can reuse."""
    memo.html.update(html)
    memo.manifest = fingerprints
    memo.keep = keep
    memo.prints = {path: memo.prints[path] for path in fingerprints}  # forget pages that are gone


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


def needed_bodies(root: Path, todo: list[PageSpec], out: Path, fresh: dict, clean: bool,
                  workers: int | None, memo: BuildMemo | None = None) -> dict:
    """The HTML of every body shown on a page to render: fresh, cached, or converted again."""
    wanted = {record.body_hash: record for spec in todo
              for record in (spec.ctx.get("article"), spec.ctx.get("page"), *spec.ctx.get("entries", ()))
              if getattr(record, "body_hash", None)}
    missing = [h for h in wanted if h not in fresh]
    bodies = {h: fresh[h] for h in wanted if h in fresh}
    if missing:
        cached = {} if clean else cached_html(out, memo)
        bodies.update({h: cached[h] for h in missing if h in cached})
        again = [h for h in missing if h not in bodies]
        if again:
            texts = [read_body(root, wanted[h]) for h in again]
            bodies.update(zip(again, parallel_map(convert, texts, workers)))
    return bodies


def cached_html(out: Path, memo: BuildMemo | None) -> dict:
    """The output's HTML cache; the preview server reads it once and keeps it (it was 45 ms a rebuild at 5,000)."""
    if memo is None:
        return load_cache(out, HTML_CACHE)
    if not memo.html_loaded:
        memo.html = {**load_cache(out, HTML_CACHE), **memo.html}  # by body hash: what memo has is as good
        memo.html_loaded = True
    return memo.html


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
        "latest_edition": site.editions[0].date if site.editions else None,
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
    every error is raised; otherwise write_output renames them into place.
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
    return {spec.path: staged for spec, staged in zip(todo, results)}


def static_files(root: Path, loaded) -> dict[str, Path]:
    """Files copied as they are: static/ to the site root, content assets under assets/."""
    files = {}
    static = root / "static"
    for path in walk_files(static, root).files:  # its problems are reported by load_content
        files[path.relative_to(static).as_posix()] = path
    for path, site_path in loaded.assets:
        files[site_path] = path
    return files


def collisions_of(specs: list[PageSpec], static: dict, out: Path, memo: BuildMemo | None) -> list[Problem]:
    """find_collisions, skipped in serve when the output paths are the same as in the last build without any."""
    key = (str(out), tuple(spec.path for spec in specs), tuple(static))
    if memo is not None and memo.paths == key:
        return []  # collisions depend only on the paths (and the output folder)
    problems = find_collisions(specs, static, out)
    if memo is not None:
        memo.paths = None if problems else key
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


def write_output(out: Path, specs: list[PageSpec], rendered: dict, static: dict, report: WriteReport) -> set[str]:
    """Write rendered pages and static files that changed; return every file the site has now."""
    keep = set()
    for spec in specs:
        target = urls.output_file(spec.path)
        keep.add(target)
        staged = rendered.get(spec.path)
        if staged:
            os.replace(staged, out / target)
            report.written += 1
        else:
            report.unchanged += 1
    for rel, path in static.items():
        keep.add(rel)
        write_if_changed(out, rel, path.read_bytes(), report)
    return keep


def without_body(entry: tuple) -> tuple:
    """A parsed-file cache entry without the body text (its HTML and measures are cached by hash)."""
    fm, found, body_hash = entry
    if not fm.body:
        return entry
    return dataclasses.replace(fm, body=""), found, body_hash


def prune_meta(meta_cache: dict, loaded) -> dict:
    """Keep only the cache entries of files that still exist."""
    live_bodies = {d.body_hash for d in loaded.documents}
    files = {k: without_body(v) for k, v in meta_cache["files"].items() if k in loaded.digests}
    derived = {k: v for k, v in meta_cache["derived"].items() if k in live_bodies}
    return {"version": MARKDOWN_VERSION, "files": files, "derived": derived}
