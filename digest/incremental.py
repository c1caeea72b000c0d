"""What a build keeps in memory for the next one, so the preview server's rebuilds do only new work.

A one-article edit re-reads only that file and links only its article again; the Jinja
environment stays compiled until a template changes; body HTML, parsed files and the page
fingerprints stay in memory instead of being read back from the output's caches; stale files
are found from the previous build's file list instead of a walk of the output folder. Which
pages are rendered is still decided by the fingerprints, exactly as in a cold build.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .config import Config
from .content import LoadedContent, group_key, load_content, load_document
from .errors import Problem
from .render import compile_templates, make_environment, template_fingerprints
from .sources import relative


@dataclass
class BuildMemo:
    """The state carried from one build to the next; empty until the first build."""

    meta_cache: dict | None = None
    loaded: LoadedContent | None = None
    docs: dict = field(default_factory=dict)  # path -> Document, in reading order
    file_problems: dict = field(default_factory=dict)  # content/*.md path as shown -> its problems
    other_problems: list = field(default_factory=list)  # problems of yaml files and folders
    env: jinja2.Environment | None = None
    template_problems: list = field(default_factory=list)
    template_prints: dict = field(default_factory=dict)  # template name -> fingerprint of it and what it uses
    git_dates: dict | None = None
    groups: dict = field(default_factory=dict)  # link_article memo, see model.build_site
    html: dict = field(default_factory=dict)  # body hash -> HTML of every body converted or loaded
    html_loaded: bool = False
    manifest: dict | None = None  # page path -> fingerprint of the page on disk
    keep: set | None = None  # every file the site had after the last build
    config_key: tuple | None = None
    sitemap: dict = field(default_factory=dict)  # page path -> (fingerprint, sitemap entry), see sitemap.py
    prints: dict = field(default_factory=dict)  # page path -> (spec, base, fingerprint) of the last build
    specs: dict = field(default_factory=dict)  # specs reused between builds, see pages.py
    paths: tuple | None = None  # output folder, page paths and static files of the last build without collisions


def relative_parts(path: str, folder: Path) -> tuple | None:
    """The parts of path below folder, or None when it is not below it."""
    try:
        return Path(path).relative_to(folder).parts
    except ValueError:
        return None


def start_build(memo: BuildMemo, config: Config, drafts: bool, changed: set | None) -> None:
    """Forget everything when the settings changed (or nothing is known about what changed)."""
    key = (repr(sorted(config.raw.items(), key=str)), config.base_url, drafts)
    if changed is None or memo.config_key != key or str(config.root / "config.yaml") in changed:
        memo.__init__()
        memo.config_key = key


def content_edits(memo: BuildMemo, config: Config, changed: set | None) -> list[tuple] | None:
    """The changed Markdown files as (path, parts below content/); None when a full read is needed."""
    if memo.loaded is None or changed is None:
        return None
    content = config.root / "content"
    edits = []
    for path in changed:
        parts = relative_parts(path, content)
        if parts is None:
            continue
        if not path.endswith(".md") or any(p.startswith(".") for p in parts) or Path(path).is_dir():
            return None  # yaml, assets, folders: read everything again (rare, and still cached by hash)
        edits.append((Path(path), parts))
    return edits


def read_content(memo: BuildMemo, config: Config, meta_files: dict, changed: set | None,
                 problems: list[Problem], mapper=None) -> LoadedContent:
    """load_content, or, when only Markdown files changed, the last content with those files read again."""
    edits = content_edits(memo, config, changed)
    if edits is None:
        found: list[Problem] = []
        memo.loaded = load_content(config, meta_files, found, mapper=mapper)
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


def reload_document(memo: BuildMemo, config: Config, meta_files: dict, path: Path, parts: tuple) -> None:
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


def templates_for(memo: BuildMemo, templates: Path, root: Path, changed: set | None) -> tuple:
    """The compiled Jinja environment and its problems, compiled again only when a template changed."""
    touched = changed is None or any(relative_parts(path, templates) is not None for path in changed)
    if memo.env is None or touched:
        memo.env = make_environment(templates)
        memo.template_problems = compile_templates(memo.env, templates, root)
        memo.template_prints = template_fingerprints(memo.env, templates)
    return memo.env, list(memo.template_problems)


def stale_files(out: Path, before: set, keep: set) -> list[str]:
    """Files the last build made that this one does not (instead of walking the output folder)."""
    return sorted(rel for rel in before - keep if (out / rel).is_file())


def remove_files(out: Path, rels: list[str], report) -> None:
    """Delete stale output files, then the folders they leave empty."""
    for rel in rels:
        path = out / rel
        path.unlink()
        report.removed += 1
        folder = path.parent
        while folder != out and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
