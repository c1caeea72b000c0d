"""The engine's memory: what changed since the last build, and which output files that can touch.

There is one engine. A build compares every input file with the dependency record of the last
build into the same folder (store.py) and takes one of two roads, which meet at planning:

* **Full** — a cold build, or a change that every page shows (settings, templates, the engine's
  code, tags, standalone pages): every file is read (parsed front matter and Markdown come from the
  cache by content hash), every article linked, every output file planned; only those whose
  fingerprint changed are rendered.
* **Partial** — only articles, editions' settings, the glossary or copied files changed: the
  editions holding the changed articles are read and linked again, the catalog is patched, and the
  input keys this can touch (site.value_of) are compared with their recorded values. Only the output
  files that read a changed key, and those that appear or disappear, are planned again. Nothing else
  of the archive is read: a one-article edit costs the same at 1,000 articles as at 20,000.

The preview server keeps one BuildState between saves (records, parsed files and HTML stay in
memory); a new process starts with an empty one and reads the record from the cache.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .cache import Cache
from .content import EditionInfo, LoadedContent, group_key, load_document, load_edition_info, load_term_list
from .errors import Problem, warning
from .model import link_article, make_tag_index, orphan_problems
from .site import Catalog, Entry, Site, entry_from_row, entry_of, entry_row, value_hash, value_of
from .sources import is_ignored, walk_files
from .store import Snapshot, SnapshotError

ENGINE = Path(__file__).parent
PYCACHE = os.sep + "__pycache__" + os.sep


@dataclass
class BuildState:
    """What one build leaves for the next in this process (the preview server keeps one)."""

    cache: Cache | None = None
    snap: Snapshot | None = None
    files: dict | None = None  # input path -> (stat signature, content hash) of the last good build
    site: Site | None = None  # the model of the last good build (records loaded so far)
    parsed: dict = field(default_factory=dict)  # file hash -> parsed entry (see content.load_document)
    derived: dict = field(default_factory=dict)  # body hash -> (excerpt, reading minutes, source-path links)
    html: dict = field(default_factory=dict)  # body hash -> HTML converted or read in this process
    unsaved_html: dict = field(default_factory=dict)  # converted by this build, not yet in the cache
    unsaved: dict = field(default_factory=lambda: {"parsed": {}, "derived": {}})  # cache entries made by this build
    env: object = None
    templates_key: str | None = None  # the template and engine files the environment was made from
    template_prints: dict = field(default_factory=dict)
    template_problems: list = field(default_factory=list)
    git: tuple | None = None  # (HEAD, {path: last commit date}), read once per process
    git_before: dict | None = None  # the dates the last good build used
    warnings: dict = field(default_factory=dict)  # where -> warnings of the last good build
    counts: dict = field(default_factory=dict)  # lang -> HTML pages of the last good build
    outputs: int = 0  # files of the site the last good build left
    pending: set = field(default_factory=set)  # changed files the preview server named to builds that failed


def stat_signature(path: str, st=None) -> str | None:
    """What tells whether a file may have changed: size, modification and change time, inode (None: gone)."""
    if st is None:
        try:
            st = os.stat(path)
        except OSError:
            return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def file_hash(path: str) -> str:
    """The content hash of an input file ('unreadable' when it cannot be read: the build reports it)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.blake2b(handle.read(), digest_size=16).hexdigest()
    except OSError:
        return "unreadable"


@dataclass
class Scan:
    """The input files now, and how they differ from the last good build's."""

    current: dict  # path -> (signature, hash)
    walks: dict  # folder -> sources.Walk (a full scan only)
    changed: set  # paths whose bytes differ, new or gone
    gone: set


def input_folders(root: Path) -> list[tuple[Path, Path | None]]:
    """The folders a build reads, with the project they must stay inside (None: the engine's own code)."""
    return [(root / "content", root), (root / "templates", root), (root / "static", root), (ENGINE, None)]


def scan_inputs(root: Path, known: dict, changed: set | None) -> Scan:
    """Every input file with its signature; the bytes of a file are hashed only when its signature changed.

    changed (from the preview server's watcher): only those paths are looked at again.
    """
    if changed is None:
        return scan_all(root, known)
    current = dict(known)
    for path in changed:
        refresh_path(root, path, current)
    result: dict = {}
    for path, last in current.items():
        if last is not None:
            result[path] = last  # the watcher says it did not change: no system call for it
            continue
        sig = stat_signature(path)
        if sig is None:
            continue
        result[path] = signed(path, sig, known.get(path))
    differ = {p for p, v in result.items() if known.get(p, (None, None))[1] != v[1]}
    gone = set(known) - set(result)
    return Scan(result, {}, differ | gone, gone)


def signed(path: str, sig: str, before: tuple | None) -> tuple:
    """A file's (signature, content hash): the last build's when its signature is the same, else hashed now."""
    return before if before is not None and before[0] == sig else (sig, file_hash(path))


def scan_all(root: Path, known: dict) -> Scan:
    """scan_inputs over a walk of every input folder: one pass over what the walk found (its stat
    results), since a build in a new process pays this for every file of the archive."""
    result: dict = {}
    differ: set = set()
    walks: dict = {}
    found = []
    for folder, project in input_folders(root):
        walk = walks[folder] = walk_files(folder, project)
        if folder == ENGINE:  # the engine is its source: the bytecode Python writes beside it is not an input
            walk.stats = {path: st for path, st in walk.stats.items() if PYCACHE not in path}
        found.append(walk.stats.items())
    found.append([(str(root / "config.yaml"), None)])
    for path, st in itertools.chain(*found):
        sig = stat_signature(path, st)
        if sig is None:
            continue
        before = known.get(path)
        result[path] = found_now = signed(path, sig, before)
        if found_now is not before and (before is None or before[1] != found_now[1]):
            differ.add(path)
    gone = set(known) - set(result) if len(known) != len(result) or differ else set()
    return Scan(result, walks, differ | gone, gone)


def refresh_path(root: Path, path: str, current: dict) -> None:
    """Take one changed path (a file, a new folder, something removed) into the current inputs."""
    prefix = path.rstrip(os.sep) + os.sep
    for known in [p for p in current if p == path or p.startswith(prefix)]:
        current[known] = None  # looked at again below; dropped when gone
    if os.path.isdir(path):
        project = root if not path.startswith(str(ENGINE)) else None
        for found in walk_files(Path(path), project).files:
            current.setdefault(str(found), None)
    elif os.path.isfile(path) and not any(is_ignored(part) for part in Path(path).parts[len(root.parts):]):
        current.setdefault(path, None)


# --- what a change touches ----------------------------------------------------------------------------

BROAD_FILES = ("config.yaml", "content/tags.yaml")  # every page shows these


def is_broad(root: Path, path: str) -> bool:
    """A change that every page may show: settings, templates, the engine, tags, standalone pages."""
    if path.startswith(str(ENGINE) + os.sep):
        return True
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    return rel in BROAD_FILES or rel.startswith(("templates/", "content/pages/"))


def edition_of(root: Path, path: str) -> str | None:
    """The edition folder (date) a content file of an edition belongs to."""
    rel = os.path.relpath(path, root).replace(os.sep, "/").split("/")
    if len(rel) == 4 and rel[0] == "content" and rel[1] == "editions" and (rel[3].endswith(".md") or
                                                                            rel[3] in ("edition.yaml", "edition.yml")):
        return rel[2]
    return None


# --- linking editions again ----------------------------------------------------------------------------

@dataclass
class Relinked:
    """What reading and linking some editions again gave."""

    groups: dict  # key -> {lang: Article} or None (gone: deleted, failed or a hidden draft)
    problems: dict  # where -> problems (group keys, "order:DATE")
    errors: list


def edition_documents(root: Path, date: str, config, parsed: dict, problems: list[Problem],
                      current: dict) -> tuple[list, set]:
    """The documents of one edition folder (parsed from the cache by hash), and the groups that failed."""
    folder = root / "content" / "editions" / date
    docs, failed = [], set()
    walk = walk_files(folder, root)
    problems += walk.problems
    for path in walk.files:
        if path.suffix != ".md":
            continue
        shown = f"content/editions/{date}/{path.name}"
        rel = ("editions", date, path.name)
        known = current.get(str(path))
        doc = load_document(path, shown, rel, config, parsed, problems, known[1] if known else None)
        if doc:
            docs.append(doc)
        else:
            failed.add(group_key(rel))
    return docs, failed


def relink_editions(root: Path, dates: set, site: Site, state: BuildState, config, drafts: bool,
                    dates_of: dict, convert, current: dict) -> Relinked:
    """Read the changed editions' files again and link their articles; the groups that changed."""
    groups: dict = {}
    where: dict = {}
    errors: list = []
    tag_index = make_tag_index(site.tags)
    for date in sorted(dates):
        found: list[Problem] = []
        docs, failed = edition_documents(root, date, config, state.parsed, found, current)
        convert(docs)
        info_path = root / "content" / "editions" / date / "edition.yaml"
        if not info_path.is_file():
            info_path = info_path.with_suffix(".yml")
        if info_path.is_file():
            info = load_edition_info(info_path, f"content/editions/{date}/{info_path.name}", date, config, found)
            site.infos[date] = info
        else:
            site.infos.pop(date, None)
            info = EditionInfo(date, f"content/editions/{date}/edition.yaml")
        by_stem: dict = {}
        for doc in docs:
            by_stem.setdefault(doc.stem, []).append(doc)
        linked: dict = {}
        for stem in sorted(by_stem | {key[2]: None for key in failed}):
            key = f"{date}/{stem}"
            mine: list[Problem] = []
            if ("article", date, stem) in failed or stem not in by_stem:
                groups[key] = None
            else:
                members = sorted(by_stem[stem], key=lambda d: config.codes.index(d.lang))
                mine += orphan_problems(config, members)
                group = link_article(config, members, info, tag_index, state.derived, drafts, mine, dates_of)
                groups[key] = group
                if group:
                    linked[key] = group
            where[key] = mine
        for key in list(site.catalog.edition(date)):
            groups.setdefault(key, None)  # its files are gone
        order: list[Problem] = []
        edition_order_problems(info, linked, docs, order)
        where["order:" + date] = order
        where["files:" + date] = found
        errors += [p for p in found + order if p.level == "error"]
        errors += [p for key in groups if key.startswith(date + "/") for p in where.get(key, ()) if p.level == "error"]
    return Relinked(groups, where, errors)


def edition_order_problems(info: EditionInfo, linked: dict, docs: list, problems: list[Problem]) -> None:
    """Slugs named in edition.yaml's order must be articles of that edition."""
    slugs = {a.slug for group in linked.values() for a in group.values()}
    drafts = {d.meta["slug"] for d in docs}
    for slug in info.order:
        if slug not in slugs and slug not in drafts:
            problems.append(warning(info.shown, info.key_lines.get("order"),
                                    f"order names '{slug}', which is not an article of this edition",
                                    "fix the slug or remove it from the list", code="bad-order"))


def apply_groups(site: Site, groups: dict, config) -> dict[str, tuple]:
    """Put linked groups into the model; key -> (old entry, new entry) of the articles that changed."""
    delta = {}
    for key, group in groups.items():
        old = site.catalog.get(key)
        new = entry_of(group, config) if group else None
        if new is None:
            site.catalog.remove(key)
            site.groups.pop(key, None)
        else:
            site.catalog.put(new)
            site.groups[key] = group
        if (old.fp if old else None) != (new.fp if new else None):
            delta[key] = (old, new)
    if delta:
        site.memo.clear()
    return delta


def shape(entry: Entry | None) -> tuple | None:
    """What lists, counts, feeds and news see of an article (not its titles or text)."""
    if entry is None:
        return None
    return (entry.edition, entry.position, entry.section, entry.tags, entry.date, entry.untranslated, entry.original,
            tuple((v.lang, v.url, v.lastmod) for v in entry.versions))


def touched_keys(site: Site, delta: dict, editions: set, old_editions: tuple, glossary: bool,
                 feed_size: int) -> tuple[set, set]:
    """(input keys whose value may have changed, lists whose pages may have changed) after a partial change."""
    codes = site.config.codes
    keys: set = set()
    lists: set = set()
    reshaped = any(shape(old) != shape(new) for old, new in delta.values())
    dates = set(editions) | {key.split("/")[0] for key in delta}
    new_editions = site.editions()
    for date in dates:
        keys.add("e:" + date)
        for lang in codes:
            keys.update((f"m:{date}:{lang}", f"o:{date}:{lang}"))
        for order in (old_editions, new_editions):
            if date in order:
                index = order.index(date)
                keys.update("n:" + d for d in order[max(0, index - 1):index + 2])
    for key, (old, new) in delta.items():
        keys.add("g:" + key)
        for entry in (old, new):
            if entry is None:
                continue
            keys.update("x:" + v.shown[len("content/"):] for v in entry.versions)
            if reshaped:
                for lang in codes:
                    if entry.item(lang) is not None:
                        lists.add(f"home//{lang}")
                        lists.add(f"section/{entry.section}/{lang}")
                        lists.update(f"tag/{tag}/{lang}" for tag in entry.tags)
    if reshaped or editions:
        keys.update(("latest:", f"le:{feed_size}", "news:2:1000"))
        for lang in codes:
            keys.update(("eds:" + lang, "ti:" + lang, "periods:" + lang))
            keys.update(f"ft:{lang}:{section}" for section in site.feed_top(lang))
            keys.update(f"ft:{lang}:{section}" for section in site.config.sections)
    if glossary:
        keys.add("gl:")
    return keys, lists


def list_keys_of(site: Site, lists: set, snap_values: dict) -> set:
    """The slice and position keys of every page, old and new, of some lists."""
    from .site import list_key_of
    keys = set()
    for name in lists:
        key = list_key_of(name)
        numbers = [n for n in site.list_slices(key) if n is not None]
        keys.add(f"ls:{name}:")
        keys.add(f"lp:{key.kind}/{key.key or ''}/{key.lang}:")
        keys.update(f"ls:{name}:{n}" for n in numbers)
        keys.update(f"lp:{name}:{n}" for n in numbers)
        if key.kind == "home":
            for code in site.config.codes:  # a home page's alternates name the other languages' pages
                keys.update(f"lp:home//{code}:{n}" for n in numbers)
    keys.update(snap_values)  # the pages the lists had before
    return keys


def changed_values(site: Site, keys: set, recorded: dict, update) -> set:
    """The keys whose value differs from the recorded one (or that no longer name anything); new values to update."""
    changed = set()
    for key in keys:
        value = value_of(site, key)
        new = None if value is None else value_hash(value)
        if recorded.get(key) != new:
            changed.add(key)
        if new is not None:
            record_value(update, key, value, new)
        elif key in recorded:
            update.values_gone.add(key)
    return changed


KEPT = ("ls:", "lp:")  # keys whose values the record keeps whole: a list page planned again reads them back


def record_value(update, key: str, value, digest: str) -> None:
    """Note a key's value for the record (and the value itself, for a list page's slice and position)."""
    update.values[key] = digest
    if key.startswith(KEPT):
        update.data[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def recall_lists(site: Site, snap: Snapshot, makers: dict, touched: set) -> None:
    """Give the list pages to plan their recorded slice and position, when their list did not change."""
    wanted = {}
    for producer, maker in makers.values():
        if maker[0] == "list" and maker[1] not in touched:
            number = "" if maker[2] is None else maker[2]
            wanted[f"ls:{maker[1]}:{number}"] = ("slice", maker[1], maker[2])
            wanted[f"lp:{maker[1]}:{number}"] = ("position", maker[1], maker[2])
    for key, data in snap.data(wanted).items():
        if key.startswith("ls:"):
            site.memo[wanted[key]] = tuple(tuple(member) for member in data)
        else:
            site.memo[wanted[key]] = (data[0], tuple(data[1]))


# --- the snapshot's model --------------------------------------------------------------------------------

def site_from_snapshot(snap: Snapshot, config) -> Site | None:
    """The model as the last build left it, records read on demand; None when the record lacks a part."""
    dates = snap.blob("dates", plain=True)
    infos = snap.blob("infos")
    pages = snap.blob("pages")
    terms = snap.blob("terms")
    if dates is None or infos is None or pages is None or terms is None:
        return None
    from .model import Page
    from .site import Catalog

    def load(wanted: list) -> dict:
        rows = snap.checked_rows("snap_blob", "name", ["cat:" + d for d in wanted], plain=True)
        if len(rows) != len(wanted):
            raise SnapshotError("the record of an edition is missing")
        return {name[4:]: [entry_from_row(row) for row in value] for name, value in rows.items()}
    site = Site(config, Catalog(dates, load),
                {date: EditionInfo(date, *fields) for date, fields in infos.items()},
                tuple(Page(**fields) for fields in pages), terms[0], terms[1])
    site.load_groups = lambda keys: {key: records_of(value) for key, value in snap.groups(keys).items()}
    return site


def records_of(value: dict) -> dict:
    """An article's records from the snapshot's form."""
    from .model import article_from_row
    return {lang: article_from_row(row) for lang, row in value["r"].items()}


def group_value(group: dict, problems: list) -> str:
    """An article's records in the snapshot's form (JSON text: rows of field values, see model.article_row)."""
    from .cache import tag
    from .model import article_row
    return json.dumps({"r": {lang: article_row(a) for lang, a in group.items()}, "p": tag(problems)},
                      ensure_ascii=False, separators=(",", ":"))


def site_blobs(site: Site) -> dict:
    """The parts of the model that are read whole (the catalog is written apart, as plain JSON)."""
    import dataclasses
    return {"infos": {date: [info.shown, dict(info.title), dict(info.lead), tuple(info.order), dict(info.key_lines)]
                      for date, info in site.infos.items()},
            "pages": [{f.name: getattr(p, f.name) for f in dataclasses.fields(p)} for p in site.pages],
            "terms": [site.tags, site.glossary]}


def catalog_rows(site: Site, dates) -> dict:
    """Some editions' catalog entries as the record keeps them (one plain JSON row per edition)."""
    return {"cat:" + date: [entry_row(entry) for entry in site.edition_entries(date)] for date in sorted(dates)}


def reload_glossary(root: Path, site: Site, config, problems: list[Problem]) -> None:
    """Read content/glossary.yaml again."""
    site.glossary, _ = load_term_list(root / "content" / "glossary.yaml", root, config, problems)


def loaded_tags(loaded: LoadedContent) -> dict:
    """The tags of a full read (for the model)."""
    return loaded.tags


def link_site(config, loaded: LoadedContent, derived: dict, drafts: bool, dates: dict) -> tuple[Site, dict]:
    """Link every document into the model (a full read); the problems found, by where they are."""
    from .model import link_page
    from .site import site_fingerprint
    tag_index = make_tag_index(loaded.tags)
    documents: dict[tuple, list] = {}
    for doc in loaded.documents:
        documents.setdefault((doc.kind, doc.edition, doc.stem), []).append(doc)
    groups, pages, where = {}, [], {}
    for (kind, edition, stem), docs in sorted(documents.items(), key=lambda kv: (kv[0][0], kv[0][1] or "",
                                                                               kv[0][2])):
        if (kind, edition, stem) in loaded.failed:
            continue  # one of its files is broken: its own error says so; checking the rest would mislead
        docs.sort(key=lambda d: config.codes.index(d.lang))
        found = orphan_problems(config, docs)
        if kind == "article":
            info = loaded.editions.get(edition) or EditionInfo(edition, f"content/editions/{edition}/edition.yaml")
            group = link_article(config, docs, info, tag_index, derived, drafts, found, dates)
            if group:
                groups[f"{edition}/{stem}"] = group
            where[f"{edition}/{stem}"] = found
        else:
            pages.extend(link_page(config, docs, derived, drafts, found))
            where[f"page:{stem}"] = found
    for date, info in loaded.editions.items():
        linked = {key: group for key, group in groups.items() if key.startswith(date + "/")}
        order: list[Problem] = []
        edition_order_problems(info, linked, [d for d in loaded.documents if d.edition == date], order)
        where["order:" + date] = order
    catalog = Catalog.of(entry_of(group, config) for group in groups.values())
    site = Site(config, catalog, dict(loaded.editions), tuple(sorted(pages, key=lambda p: p.position)), loaded.tags,
                loaded.glossary, groups=groups)
    site.fp = site_fingerprint(config, site.pages, loaded.tags)
    return site, where
