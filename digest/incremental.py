"""The engine's state: what one build leaves for the next, in memory and in the project's cache.

There is one engine. A cold build is a build with a new BuildState (its memory empty, its cache
read from .cache/digest/ on demand); the preview server keeps one BuildState between rebuilds.
A one-article edit re-reads only that file and links only its article again; the Jinja
environment stays compiled until a template changes; parsed files, body facts and HTML are found
by content hash in memory or in the cache. Which pages are rendered is decided by the
fingerprints alone (pipeline.pages_to_render), whoever calls the build.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .cache import Cache
from .config import Config
from .content import LoadedContent, group_key, load_content, load_document
from .errors import Problem
from .render import compile_templates, make_environment, template_fingerprints
from .sources import is_ignored, relative


@dataclass
class BuildState:
    """The state carried from one build to the next; empty until the first build."""

    cache: Cache | None = None
    parsed: dict | None = None  # file hash -> (FrontMatter without body, problems, body hash)
    derived: dict | None = None  # body hash -> (excerpt, reading minutes, source-path links)
    stored: dict = field(default_factory=dict)  # kind -> keys known to be in the cache
    loaded: LoadedContent | None = None
    docs: dict = field(default_factory=dict)  # path -> Document, in reading order
    file_problems: dict = field(default_factory=dict)  # content/*.md path as shown -> its problems
    other_problems: list = field(default_factory=list)  # problems of yaml files and folders
    env: jinja2.Environment | None = None
    template_problems: list = field(default_factory=list)
    template_prints: dict = field(default_factory=dict)  # template name -> fingerprint of it and what it uses
    git_dates: dict | None = None
    groups: dict = field(default_factory=dict)  # link_article memo, see model.build_site
    html: dict = field(default_factory=dict)  # body hash -> HTML converted or read in this process
    unsaved_html: dict = field(default_factory=dict)  # converted by this build, not yet in the cache
    outputs: dict = field(default_factory=dict)  # output folder -> its record (see pipeline.output_record)
    verified: set = field(default_factory=set)  # output folders whose files this process has seen
    config_key: tuple | None = None
    sitemap: dict = field(default_factory=dict)  # page path -> (fingerprint, sitemap entry), see sitemap.py
    prints: dict = field(default_factory=dict)  # page path -> (spec, base, fingerprint) of the last build
    specs: dict = field(default_factory=dict)  # specs reused between builds, see pages.py
    paths: tuple | None = None  # output folder, page paths and static files of the last build without collisions
    file_hashes: dict = field(default_factory=dict)  # input path -> content hash, from the input stamp
    walks: dict = field(default_factory=dict)  # folder -> sources.Walk, from the input stamp
    live: tuple | None = None  # file and body hashes of the last build, to prune the cache when they change

    def forget(self) -> None:
        """Drop everything derived from the content and settings (the cache and its contents stay)."""
        keep = (self.cache, self.parsed, self.derived, self.stored, self.html, self.unsaved_html, self.outputs,
                self.verified)
        self.__init__()
        (self.cache, self.parsed, self.derived, self.stored, self.html, self.unsaved_html, self.outputs,
         self.verified) = keep


def relative_parts(path: str, folder: Path) -> tuple | None:
    """The parts of path below folder, or None when it is not below it."""
    try:
        return Path(path).relative_to(folder).parts
    except ValueError:
        return None


def start_build(memo: BuildState, config: Config, drafts: bool, changed: set | None) -> None:
    """Forget what depends on the settings when they changed (or nothing is known about what changed)."""
    key = (repr(sorted(config.raw.items(), key=str)), config.base_url, config.search, drafts)
    if changed is None or memo.config_key != key or str(config.root / "config.yaml") in changed:
        memo.forget()
        memo.config_key = key


def content_edits(memo: BuildState, config: Config, changed: set | None) -> list[tuple] | None:
    """The changed Markdown files as (path, parts below content/); None when a full read is needed."""
    if memo.loaded is None or changed is None:
        return None
    content = config.root / "content"
    edits = []
    for path in changed:
        parts = relative_parts(path, content)
        if parts is None:
            continue
        if any(is_ignored(p) for p in parts):
            continue  # the walker never reads it
        if not path.endswith(".md") or Path(path).is_dir() or Path(path).is_symlink():  # links: the walker decides
            return None  # yaml, assets, folders: read everything again (rare, and still cached by hash)
        edits.append((Path(path), parts))
    return edits


def read_content(memo: BuildState, config: Config, meta_files: dict, changed: set | None,
                 problems: list[Problem], mapper=None) -> LoadedContent:
    """load_content, or, when only Markdown files changed, the last content with those files read again."""
    edits = content_edits(memo, config, changed)
    if edits is None:
        found: list[Problem] = []
        memo.loaded = load_content(config, meta_files, found, mapper=mapper, hashes=memo.file_hashes,
                                   walks=memo.walks)
        memo.docs = {doc.path: doc for doc in memo.loaded.documents}
        memo.file_problems = {}
        memo.other_problems = []
        for problem in found:
            if problem.path.endswith(".md"):
                memo.file_problems.setdefault(problem.path, []).append(problem)
            else:
                memo.other_problems.append(problem)
    else:
        for path, parts in edits:
            reload_document(memo, config, meta_files, path, parts)
    problems += memo.other_problems
    for shown in sorted(memo.file_problems):
        problems += memo.file_problems[shown]
    return memo.loaded


def reload_document(memo: BuildState, config: Config, meta_files: dict, path: Path, parts: tuple) -> None:
    """Read one Markdown file again (or forget it when it is gone) in the remembered content."""
    loaded = memo.loaded
    shown = relative(path, config.root)
    doc = None
    memo.file_problems.pop(shown, None)
    if path.is_file():
        found: list[Problem] = []
        doc = load_document(path, shown, parts, config, meta_files, found)
        if found:
            memo.file_problems[shown] = found
    if doc:
        memo.docs[path] = doc  # an edited file keeps its place; a new one comes last
    else:
        memo.docs.pop(path, None)
    loaded.failed = {group_key(parts_of(name)) for name, found in memo.file_problems.items()
                     if any(p.level == "error" for p in found)}
    loaded.documents = list(memo.docs.values())


def parts_of(shown: str) -> tuple:
    """The parts below content/ of a path as shown (content/editions/DATE/name.md)."""
    return tuple(shown.split("/")[1:])


def templates_for(memo: BuildState, templates: Path, root: Path, changed: set | None) -> tuple:
    """The compiled Jinja environment and its problems, compiled again only when a template changed."""
    touched = changed is None or any(relative_parts(path, templates) is not None for path in changed)
    if memo.env is None or touched:
        memo.env = make_environment(templates)
        memo.template_problems = compile_templates(memo.env, templates, root)
        memo.template_prints = template_fingerprints(memo.env, templates)
    return memo.env, list(memo.template_problems)
