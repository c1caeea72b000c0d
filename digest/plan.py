"""Planning: which output files to make again, from what changed (engine.py) and the dependency record (store.py).

A full plan reads and links everything and plans every output file; a partial plan links the
changed editions again and plans only the files that read a changed input key, plus those that
appear. Both end in plan_pages, which makes each planned file's spec through a recording View,
fingerprints it, and keeps only the pages whose fingerprint changed (or whose file is missing).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import urls
from .content import LoadedContent, load_content
from .engine import (BuildState, Scan, apply_groups, catalog_rows, changed_values, edition_of, group_value,
                     link_site, list_keys_of, recall_lists, record_value, relink_editions, reload_glossary,
                     site_blobs, touched_keys)
from .errors import Problem, error, warning
from .pages import make_spec, produce, producers, sitemap_outputs
from .render import PageSpec, spec_fingerprint
from .site import Site, View, value_hash, value_of
from .sitemap import entries_from_texts, entry_text, is_listed, sitemap_url
from .store import Snapshot, Update


@dataclass
class Plan:
    """What a build will make, remove and record."""

    site: Site
    full: bool
    update: Update
    makers: dict = field(default_factory=dict)  # path -> (producer, maker): the files to plan
    stored: dict = field(default_factory=dict)  # path -> (fingerprint, sitemap entry) recorded for them
    gone: set = field(default_factory=set)  # pages no longer made
    gone_langs: dict = field(default_factory=dict)  # path -> language, of the gone pages
    static: dict = field(default_factory=dict)  # output path -> source file, to copy
    static_gone: set = field(default_factory=set)
    before: set = field(default_factory=set)  # files that may be in the output and may have to go (ours)
    foreign: set = field(default_factory=set)  # files found in the output that are not ours: never deleted
    keep: set = field(default_factory=set)  # files the output keeps
    warnings: dict = field(default_factory=dict)  # where -> warnings
    model_changed: bool = True  # the editions' infos or the glossary changed (site_blobs are saved again)
    counts: dict = field(default_factory=dict)  # lang -> HTML pages
    outputs: int = 0  # files of the site
    articles_touched: bool = False  # an article page was written or removed (the search index follows)
    produced: dict = field(default_factory=dict)  # producer -> paths it makes now (the producers run)
    specs: list = field(default_factory=list)  # (path, producer, maker, spec) planned
    todo: list = field(default_factory=list)  # specs to render


def bucket(problem: Problem) -> str:
    """Where a problem of the read belongs, so a partial build can replace it: an edition's files, or the site."""
    parts = problem.path.split("/")
    if len(parts) >= 3 and parts[0] == "content" and parts[1] == "editions":
        return "files:" + parts[2]
    return "site"


def content_hashes(scan: Scan) -> dict:
    """Path -> content hash, for the read (it re-reads only files not in the cache)."""
    return {Path(path): value[1] for path, value in scan.current.items()}


def plan_full(root: Path, config, state: BuildState, snap: Snapshot, scan: Scan, dates: dict, drafts: bool,
              workers, problems: list[Problem], out: Path, convert) -> Plan:
    """Read and link everything; plan every output file."""
    from .pipeline import owned_files, parallel_map, static_files
    mapper = lambda func, items: parallel_map(func, items, workers)  # noqa: E731
    found: list[Problem] = []
    state.parsed.prefetch({h for _, h in scan.current.values()})
    loaded: LoadedContent = load_content(config, state.parsed, found, mapper=mapper, hashes=content_hashes(scan),
                                         walks=scan.walks)
    state.derived.prefetch({d.body_hash for d in loaded.documents})
    convert(loaded.documents)
    site, where = link_site(config, loaded, state.derived, drafts, dates)
    state.site = site
    plan = Plan(site, True, Update(full=True))
    for problem in found:
        where.setdefault(bucket(problem), []).append(problem)
    problems += [p for group in where.values() for p in group if p.level == "error"]
    plan.warnings = where
    clashes: set = set()
    for producer in producers(site):
        made = produce(site, producer)
        plan.produced[producer] = made
        for path, maker in made.items():
            if path in plan.makers:
                report_collision(site, path, plan.makers[path], (producer, maker), clashes, problems)
            else:
                plan.makers[path] = (producer, maker)
    plan.static = static_files(root, loaded)
    problems += url_problems(site, plan.makers, plan.static, root)
    plan.stored = snap.all_pages() if not snap.fresh else {}
    recorded = {urls.output_file(p) for p in (*plan.stored, *snap.previous_pages)} | \
        static_outputs(root, {**dict.fromkeys(snap.previous_files), **(state.files or {})})
    if snap.complete and not snap.fresh:
        plan.before = recorded
    else:  # a build that did not finish, another setup, no record: the folder is walked, each file ours or not
        plan.before, plan.foreign = owned_files(snap.cache, out, recorded)
    plan.update.files = dict(scan.current)
    return plan


def plan_partial(root: Path, config, state: BuildState, snap: Snapshot, scan: Scan, dates: dict, drafts: bool,
                 workers, problems: list[Problem], out: Path, convert) -> Plan:
    """Link the changed editions again; plan the files that read what changed, and those that appear or go."""
    site = state.site
    plan = Plan(site, False, Update(full=False))
    plan.warnings = dict(state.warnings)
    editions, glossary = set(), False
    for path in scan.changed:
        date = edition_of(root, path)
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        if date is not None:
            editions.add(date)
        elif rel == "content/glossary.yaml":
            glossary = True
        elif path not in scan.gone or rel.startswith(("content/", "static/")):
            static_change(root, rel, path, scan, plan)
    for rel in dates_changed(state, dates):
        date = edition_of(root, str(root / rel))
        if date is not None:
            editions.add(date)
    infos_before = {date: site.infos.get(date) for date in editions}
    old_editions = site.editions()
    relinked = relink_editions(root, editions, site, state, config, drafts, dates, convert, scan.current)
    problems += relinked.errors
    plan.warnings.update(relinked.problems)
    delta = apply_groups(site, relinked.groups, config)
    if glossary:
        found: list[Problem] = []
        reload_glossary(root, site, config, found)
        problems += [p for p in found if p.level == "error"]
        plan.warnings["site:glossary"] = found
    info_changed = {date for date in editions if infos_before.get(date) != site.infos.get(date)}
    plan.model_changed = bool(info_changed) or glossary
    keys, lists = touched_keys(site, delta, info_changed, old_editions, glossary, config.feed_size)
    run = {"g:" + key for key in delta} | {"e:" + key.split("/")[0] for key in delta} | \
        {"e:" + date for date in info_changed} | {"l:" + name for name in lists}
    before = snap.pages_of(run)
    for producer in sorted(run):
        plan.produced[producer] = produce(site, producer)
    for producer, made in plan.produced.items():
        plan.gone.update(set(before.get(producer, ())) - set(made))
    new: dict = {}
    clashes: set = set()
    for producer, made in plan.produced.items():
        # a list's pages that exist already are planned when a key they read changed (its slice, its
        # position, an item's record: the dependents below); a list grows at one end, so most are not
        kept = set(before.get(producer, ())) if producer.startswith("l:") else ()
        for path, maker in made.items():
            if path in kept:
                continue
            if path in new:
                report_collision(site, path, new[path], (producer, maker), clashes, problems)
            else:
                new[path] = (producer, maker)
    listed = {}
    for name in lists:
        listed.update(snap.values_like(f"ls:{name}:"))
        key_part = name
        listed.update(snap.values_like(f"lp:{key_part}:"))
    keys = list_keys_of(site, lists, listed) | keys
    recorded = snap.values(keys)
    changed = changed_values(site, keys, recorded, plan.update)
    dependents = snap.dependents(changed)
    rows = snap.page_rows(set(new) | dependents | plan.gone)
    for path, (producer, maker) in new.items():
        row = rows.get(path)
        if row is not None and row[0] != producer and path not in plan.gone and row[0] not in plan.produced:
            report_collision(site, path, (row[0], row[1]), (producer, maker), clashes, problems)
        plan.makers[path] = (producer, maker)
    for path in dependents - set(plan.makers) - plan.gone:
        row = rows.get(path)
        if row is not None:
            plan.makers[path] = (row[0], row[1])
    plan.gone -= set(new)  # moved to another producer: kept
    recall_lists(site, snap, plan.makers, lists)
    plan.gone_langs = {path: rows[path][4] for path in plan.gone if path in rows}
    plan.stored = {path: (row[2], row[3]) for path, row in rows.items()}
    problems += appearing_url_problems(root, state, snap, plan, rows)
    plan.before = plan.gone | plan.static_gone
    plan.update.files = {p: scan.current[p] for p in scan.changed if p in scan.current}
    plan.update.files.update({p: v for p, v in scan.current.items() if (state.files or {}).get(p) != v})
    plan.update.files_gone = set(scan.gone)
    for key in relinked.groups:
        if key in site.catalog:
            plan.update.groups[key] = group_value(site.groups[key], relinked.problems.get(key, []))
        else:
            plan.update.groups_gone.add(key)
    return plan


def dates_changed(state: BuildState, dates: dict) -> set:
    """Content files whose last commit date changed since the last build (a commit, a pull)."""
    last = state.git_before or {}
    return {path for path in set(last) | set(dates) if last.get(path) != dates.get(path)}


def static_change(root: Path, rel: str, path: str, scan: Scan, plan: Plan) -> None:
    """A copied file (static/ or a file beside the articles) changed, appeared or went."""
    target = static_output(rel)
    if target is None:
        return
    if path in scan.gone:
        plan.static_gone.add(target)
    else:
        plan.static[target] = Path(path)


def static_output(rel: str) -> str | None:
    """Where a copied input file goes in the site (None: not a copied file)."""
    if rel.startswith("static/"):
        return rel[len("static/"):]
    if not rel.startswith("content/") or rel.endswith((".md", ".yaml", ".yml")):
        return None
    return "assets/" + rel[len("content/"):]


def static_outputs(root: Path, files: dict) -> set:
    """The output paths of every copied file among some input files."""
    found = set()
    prefix = os.path.join(str(root), "")
    for path in files:  # the walk's paths start with the root's: a slice, not relpath, for each of thousands
        rel = path[len(prefix):] if path.startswith(prefix) else os.path.relpath(path, root)
        target = static_output(rel.replace(os.sep, "/"))
        if target is not None:
            found.add(target)
    return found


def report_collision(site: Site, path: str, first: tuple, second: tuple, clashes: set, problems: list) -> None:
    """Report two producers wanting one URL once, however many of their pages clash (an article and its bilingual page)."""
    pair = (first[0], second[0])
    if pair not in clashes:
        clashes.add(pair)
        problems.append(collision(site, path, first, second))


def collision(site: Site, path: str, first: tuple, second: tuple) -> Problem:
    """Two producers want one URL: an error naming both sources."""
    names = [source_of(site, producer) for producer, _ in (first, second)]
    return error(names[1] if names[1] != "the site" else names[0], None,
                 f"two pages want the same URL /{path}: {names[0]} and {names[1]}",
                 "change a slug or an alias so that each page has its own URL", code="url-collision")


def source_of(site: Site, producer: str) -> str:
    """The content file behind a producer, for messages."""
    if producer.startswith("g:"):
        entry = site.catalog.get(producer[2:])
        if entry is not None:
            return entry.versions[0].shown
    if producer.startswith("e:"):
        return f"content/editions/{producer[2:]}/"
    return "the site"


def url_problems(site: Site, makers: dict, static: dict, root: Path, row=None) -> list[Problem]:
    """One URL space: every output path checked in one pass over a dict of normalised keys (urls.path_key).

    makers: page path -> (producer, maker), or None for a page known only by its recorded row (row(path)
    gives it); static: copied file's output path -> its source. Errors, each naming both sources: a
    name some file system cannot hold (urls.path_problem, which also keeps every path inside the
    output), two paths that differ only in case or Unicode normalisation (macOS, Windows and many hosts
    store them as one file), a copied file over a page, a file where another source needs a folder
    (an alias /zh/feed.xml/), and a path in the search index's folder. Two pages with one path are
    report_collision's. 25,000 paths take a few tens of milliseconds.
    """
    output_file, path_key = urls.output_file, urls.path_key
    paths = list(makers)
    statics = list(static.items())
    targets = [output_file(path) for path in paths] + [rel for rel, _ in statics]
    keys = [target.lower() if target.isascii() else path_key(target) for target in targets]

    def entry(i: int) -> tuple:  # (output file, URL path, who makes it, the user's file or None)
        if i < len(paths):
            path = paths[i]
            made = makers[path] or (row(path)[:2] if row else ("site", ("page",)))
            return (targets[i], path) + maker_source(site, path, *made)
        rel, source = statics[i - len(paths)]
        shown = os.path.relpath(source, root).replace(os.sep, "/")
        return rel, rel, shown, shown

    problems: list[Problem] = []
    unsafe = urls.path_problems(targets)
    for i, reason in sorted(unsafe.items()):
        target, _, owner, where = entry(i)
        problems.append(error(where or "content", None, f"{owner} would be written as /{target}, which not every "
                              f"file system can hold: {reason}", "change the slug, alias or file name",
                              code="unsafe-path"))
    first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))  # each key -> its first source
    if len(first) < len(keys):  # rare: a copied file over a page, or a case or normalisation twin
        for i, key in enumerate(keys):
            if first[key] != i and i not in unsafe:
                known, this = entry(first[key]), entry(i)
                problems.append(url_collision(known, this, f"two pages want the same URL /{this[1]}: {known[2]} and "
                                              f"{this[2]}" if known[0] == this[0] else
                                              f"/{known[1]} ({known[2]}) and /{this[1]} ({this[2]}) differ only in "
                                              "case or Unicode normalisation: macOS, Windows and many hosts store "
                                              "them as one file"))
    folders: dict[str, int] = {}  # key of every folder the site needs -> the first source below it
    for key, i in first.items():
        up = key.rpartition("/")[0]
        while up and up not in folders:  # each folder once: a page's parents are mostly known already
            folders[up] = i
            up = up.rpartition("/")[0]
    for key in sorted(first.keys() & folders.keys()):
        file, below = entry(first[key]), entry(folders[key])
        problems.append(url_collision(file, below, f"/{file[0]} ({file[2]}) is a file, but {below[2]} needs a "
                                      f"folder of that name for /{below[1]}"))
    index = folders.get(urls.PAGEFIND.rstrip("/"), first.get(urls.PAGEFIND.rstrip("/")))
    if index is not None:
        target, _, owner, where = entry(index)
        problems.append(error(where or "content", None, f"{owner} would be written as /{target}, in the search "
                              f"index's folder /{urls.PAGEFIND}", "choose another path", code="url-collision"))
    return problems


def maker_source(site: Site, path: str, producer: str, maker) -> tuple[str, str | None]:
    """(who makes a page, in an error message; the user's file behind it, or None for a page of the site's own)."""
    kind = maker[0] if maker else ""
    shown = None
    if kind in ("page", "page_alias"):
        shown = next((p.shown for p in site.pages if p.key == maker[1] and p.lang == maker[2]), None)
    elif kind == "alias":
        record = site.group(maker[1]).get(maker[2]) if maker[1] in site.catalog else None
        shown = record.shown if record is not None else None
    elif producer.startswith("g:"):
        shown = source_of(site, producer)
    if kind in ("alias", "page_alias"):
        return f"the alias /{path} of {shown}", shown
    if shown:
        return shown, shown
    if path == "" or path.endswith(("/", ".html")):
        return f"the {kind.replace('_', ' ')} page", None
    return f"the generated {path.rsplit('/', 1)[-1]}", None


def url_collision(first: tuple, second: tuple, message: str) -> Problem:
    """Two output paths that cannot both be written: an error at the user's file of either."""
    return error(second[3] or first[3] or "content", None, message,
                 "change a slug, an alias or a file name so that each has its own URL", code="url-collision")


def appearing_url_problems(root: Path, state: BuildState, snap: Snapshot, plan: Plan, rows: dict) -> list[Problem]:
    """url_problems for a partial plan, where a page or a copied file appears: against the whole site's paths
    (read from the record then); a plan that only remakes recorded files has nothing new to check."""
    files = state.files or {}
    if all(path in rows for path in plan.makers) and all(str(root / static_input(rel)) in files
                                                         for rel in plan.static):
        return []  # the usual edit: nothing new, nothing to compare
    recorded_static = static_outputs(root, files)
    makers: dict = dict.fromkeys(path for path in snap.all_pages() if path not in plan.gone)
    makers.update(plan.makers)
    static = {rel: root / static_input(rel) for rel in recorded_static - plan.static_gone}
    static.update(plan.static)
    return url_problems(plan.site, makers, static, root, row=lambda path: snap.page_rows([path])[path])


# --- planning pages -------------------------------------------------------------------------------------

def plan_pages(plan: Plan, prints: dict, out: Path, snap: Snapshot, problems: list[Problem]) -> list[PageSpec]:
    """Make the spec of every planned file; return those to render (fingerprint changed, or file missing)."""
    site = plan.site
    base = site.fp
    entries: dict = {}
    for path in sorted(plan.makers):
        producer, maker = plan.makers[path]
        view = View(site)
        spec = make_spec(view, maker)
        if spec is None:
            plan.gone.add(path)
            continue
        spec.fp = spec_fingerprint(spec, prints.get(spec.template, "") + base)
        plan.specs.append((path, producer, maker, spec))
        plan.update.deps[path] = view.deps
        if is_listed(spec):
            entries[path] = sitemap_url(site.config, spec)
        plan.warnings.pop("links:" + path, None)
        broken = broken_links(spec)
        if broken:
            plan.warnings["links:" + path] = broken
    plan_sitemaps(plan, entries, snap)
    todo = []
    for path, producer, maker, spec in plan.specs:
        stored = plan.stored.get(path)
        if stored is None or stored[0] != spec.fp or not os.path.isfile(os.path.join(out, urls.output_file(path))):
            todo.append(spec)
            if spec.template == "article.html":
                plan.articles_touched = True
        entry = entries.get(path)
        plan.update.pages[path] = (producer, maker, spec.fp, entry_text(entry) if entry is not None else None,
                                   spec.lang)
    plan.update.pages_gone |= plan.gone
    if any(path.count("/") == 4 and path.split("/")[1] == "editions" for path in plan.gone):
        plan.articles_touched = True
    record_values(plan, snap)
    plan.todo = todo
    return todo


def plan_sitemaps(plan: Plan, entries: dict, snap: Snapshot) -> None:
    """Plan sitemap.xml (and its parts) when a listed page appeared, went or changed its entry."""
    site = plan.site
    if plan.full:
        listed = dict(entries)
    else:
        changed = any(entry_text(e) != (plan.stored.get(p) or (None, None))[1] for p, e in entries.items())
        gone = any(p in plan.gone for p in plan.gone_langs) and any(
            (plan.stored.get(p) or (None, None))[1] for p in plan.gone)
        if not changed and not gone and not plan.gone:
            return
        stored = snap.entries()
        listed = dict(zip((path for path, _ in stored), entries_from_texts([text for _, text in stored])))
        for path in plan.gone:
            listed.pop(path, None)
        listed.update(entries)
    ordered = tuple(listed[path] for path in sorted(listed))
    site.memo["sitemap_entries"] = ordered
    made = sitemap_outputs(len(ordered), site.config.sitemap_limit)
    if not plan.full:
        before = snap.pages_of(["sitemap"])["sitemap"]
        plan.gone.update(set(before) - set(made))
        plan.stored.update({path: (row[2], row[3]) for path, row in snap.page_rows(made).items()})
    for path, maker in made.items():
        view = View(site)
        spec = make_spec(view, maker)
        spec.fp = spec_fingerprint(spec, site.fp)
        plan.specs.append((path, "sitemap", maker, spec))
        plan.update.deps[path] = view.deps
    plan.produced["sitemap"] = made


def record_values(plan: Plan, snap: Snapshot) -> None:
    """The value of every input key a planned file read (a later build compares with them).

    A partial build computes only the keys the record lacks: the others it compared already, or
    they did not change.
    """
    site = plan.site
    known = plan.update.values
    wanted = {key for keys in plan.update.deps.values() for key in keys if key not in known}
    if not plan.full:
        wanted -= set(snap.values(wanted))
    for key in sorted(wanted):
        value = value_of(site, key)
        if value is not None:
            record_value(plan.update, key, value, value_hash(value))


def broken_links(spec: PageSpec) -> list[Problem]:
    """Warn about source-path links that lead nowhere."""
    found = []
    for target, resolved in spec.ctx.get("links", {}).items():
        if resolved is None:
            found.append(warning(spec.source, None, f"the link '{target}' leads to no file",
                                 "fix the path; links to articles may name their .md file", code="broken-link"))
    return found


def finish_plan(plan: Plan, state: BuildState, snap: Snapshot, root: Path) -> None:
    """Counts, the files kept, and the rest of the record."""
    site = plan.site
    if plan.full:
        counts: dict = {}
        for path, _, _, spec in plan.specs:
            if is_html(path):
                counts[spec.lang] = counts.get(spec.lang, 0) + 1
        plan.counts = counts
        plan.keep = {urls.output_file(p) for p, _, _, _ in plan.specs} | set(plan.static)
        plan.outputs = len(plan.keep)
        plan.update.plain.update(catalog_rows(site, site.catalog.dates))
        plan.update.plain["dates"] = list(site.catalog.dates)
        plan.update.groups = {key: group_value(group, plan.warnings.get(key, []))
                              for key, group in site.groups.items()}
    else:
        counts = dict(state.counts)
        for path in plan.gone:
            if is_html(path) and path in plan.gone_langs:
                counts[plan.gone_langs[path]] = counts.get(plan.gone_langs[path], 0) - 1
        for path, _, _, spec in plan.specs:
            if path not in plan.stored and is_html(path):
                counts[spec.lang] = counts.get(spec.lang, 0) + 1
        plan.counts = {lang: n for lang, n in counts.items() if n}
        plan.keep = {urls.output_file(p) for p, _, _, _ in plan.specs} | set(plan.static)
        added = sum(1 for p, _, _, _ in plan.specs if p not in plan.stored)
        plan.outputs = state.outputs + added - len(plan.gone) - len(plan.static_gone - plan.keep) + \
            sum(1 for rel in plan.static if not (state.files or {}).get(str(root / static_input(rel))))
        plan.before = {urls.output_file(p) for p in plan.gone} | plan.static_gone
        if site.catalog.changed:
            plan.update.plain.update(catalog_rows(site, site.catalog.changed))
            plan.update.plain["dates"] = list(site.catalog.dates)
    if plan.full or plan.model_changed:  # every edition's info: written again only when one changed
        plan.update.blobs.update(site_blobs(site))
    plan.update.blobs["site_fp"] = site.fp
    plan.update.blobs["warnings"] = {key: found for key, found in plan.warnings.items() if found}  # most are []
    plan.update.blobs["counts"] = plan.counts
    plan.update.blobs["outputs"] = plan.outputs


def static_input(rel: str) -> str:
    """The input path of a copied output file (the inverse of static_output)."""
    return "content/" + rel[len("assets/"):] if rel.startswith("assets/") else "static/" + rel


def is_html(path: str) -> bool:
    """A page (a folder with index.html, or a .html file), as the summary counts them."""
    return path == "" or path.endswith("/") or path.endswith(".html")


def site_specs(site: Site, static: dict, root: Path) -> tuple[list[PageSpec], list[Problem]]:
    """Every output file's spec, sitemaps included, and the URL problems (check reads them; nothing is recorded)."""
    makers: dict = {}
    problems: list[Problem] = []
    clashes: set = set()
    for producer in producers(site):
        for path, maker in produce(site, producer).items():
            if path in makers:
                report_collision(site, path, makers[path], (producer, maker), clashes, problems)
            else:
                makers[path] = (producer, maker)
    problems += url_problems(site, makers, static, root)
    specs = []
    for path in sorted(makers):
        spec = make_spec(View(site), makers[path][1])
        if spec is not None:
            specs.append(spec)
    site.memo["sitemap_entries"] = tuple(sitemap_url(site.config, spec) for spec in specs if is_listed(spec))
    for maker in sitemap_outputs(len(site.memo["sitemap_entries"]), site.config.sitemap_limit).values():
        specs.append(make_spec(View(site), maker))
    return specs, problems
