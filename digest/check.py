"""check: the editor's proofreader. Runs the build's own load and model stages, writes nothing.

Errors are everything the build refuses plus links that lead nowhere; warnings are what an
editor should look at before publishing (translations, glossary terms, lengths, raw HTML).
"""
from __future__ import annotations

import html as htmllib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .body import Body, anchors_of
from .config import Config, describe, load_config
from .content import TEXT_KEYS, Document, LoadedContent, load_content, markup_problems
from .errors import DigestError, Problem, error, sort_key, warning
from .hanzi import traditional_chars
from .engine import link_site
from .pipeline import convert_bodies, static_files
from .plan import site_specs
from .render import PageSpec, compile_templates, make_environment
from .sources import read_text, walk_files
from .tagbalance import unbalanced_html, without_code
from .translations import (Block, MarkerProblem, Misalignment, changes_since, find_misalignments, missing_terms,
                           ordinal_of, pair_blocks, recorded_hash, source_hash, split_blocks, valid_hash)
from .yamlsafe import parse_yaml

DEFAULT_LIMITS = {"title_max": 120, "summary_max": 400}  # characters, any language
CHECK_KEYS = ("title_max", "summary_max", "allow_html", "allow_schemes")
# Warnings in build, errors in check: what would leak or run code if it went out unnoticed.
ERRORS_IN_CHECK = ("secret-file", "unsafe-html", "unsafe-link")
MARKUP_CODES = ("unsafe-html", "unsafe-link")  # check reports these itself, whatever raw_html says the build does


@dataclass(frozen=True)
class CheckSettings:
    """The `check:` block of config.yaml: length limits per language and the raw HTML tags allowed."""

    title_max: dict
    summary_max: dict
    allow_html: frozenset

    def limit(self, which: str, lang: str) -> int | None:
        """The limit for a field in a language (None: no limit)."""
        return getattr(self, which).get(lang, getattr(self, which).get("*"))


@dataclass
class TranslationRow:
    """One article of the translation report: its status in each translated language."""

    edition: str
    stem: str  # the file name before .LANG.md
    original: str
    status: dict = field(default_factory=dict)  # lang -> translated / machine / pending / missing
    stale: dict = field(default_factory=dict)  # lang -> what changed in the original since it was stamped


@dataclass
class CheckResult:
    """What check found: findings sorted by file and line, the number of files read, the report rows."""

    findings: list[Problem]
    files: int
    rows: list[TranslationRow] = field(default_factory=list)
    languages: tuple = ()


def run_check(root: Path) -> CheckResult:
    """Check a project with the build's own stages; nothing is written anywhere."""
    root = root.resolve()
    try:
        config, problems = load_config(root)
    except DigestError as exc:
        return CheckResult(sorted(exc.problems, key=sort_key), 1)
    settings = load_check_settings(config, problems)
    loaded = load_content(config, {}, problems)
    problems[:] = [p for p in problems if p.code not in MARKUP_CODES]  # html_problems below reports them all
    templates = root / "templates"
    problems += compile_templates(make_environment(templates), templates, root)
    derived: dict = {}
    bodies = convert_bodies(loaded.documents, derived, workers=1)
    site, where = link_site(config, loaded, derived, True, {})  # drafts too: they will be published one day
    problems += [p for group in where.values() for p in group]
    static = static_files(root, loaded)
    specs, found = site_specs(site, static, root)  # the same files the build makes, feeds and sitemaps included
    problems += found
    docs = {doc.shown: doc for doc in loaded.documents}
    problems += link_problems(specs, static, docs)
    groups = group_documents(loaded)
    problems += translation_problems(config, groups, loaded.glossary, root)
    problems += length_problems(settings, loaded.documents)
    problems += html_problems(config, settings, loaded.documents)
    problems += unbalanced_problems(loaded.documents)
    problems += id_problems(loaded.documents, bodies, template_ids(templates, root))
    problems += footnote_problems(groups)
    problems += traditional_problems(loaded.documents)
    problems += loaded.skipped  # leftovers the build skips silently: the editor may want to delete them
    findings = sorted({escalate(with_line(p, docs)) for p in problems}, key=sort_key)
    rows = translation_rows(config, groups)
    return CheckResult(findings, loaded.files_read + 1, rows, config.codes[1:])


def escalate(problem: Problem) -> Problem:
    """The build's warnings about leaks and scripts are check's errors (ERRORS_IN_CHECK)."""
    if problem.code not in ERRORS_IN_CHECK or problem.level == "error":
        return problem
    return Problem(problem.path, problem.line, problem.message, problem.hint, "error", problem.code)


def with_line(problem: Problem, docs: dict[str, Document]) -> Problem:
    """Give a URL collision of an article the line of its slug, when the stage could not."""
    doc = docs.get(problem.path)
    if problem.line is not None or doc is None or problem.code != "url-collision":
        return problem
    key = "aliases" if "the alias /" in problem.message else "slug"
    line = doc.line_of(key) if key in doc.key_lines else 1
    return Problem(problem.path, line, problem.message, problem.hint, problem.level, problem.code)


# ---------------------------------------------------------------- settings

def load_check_settings(config: Config, problems: list[Problem]) -> CheckSettings:
    """Read and validate `check:` from config.yaml (every key optional)."""
    data = config.raw.get("check") or {}
    line = config_key_line(config, "check")
    if not isinstance(data, dict):
        problems.append(error("config.yaml", line, f"check: expected a mapping, got {describe(data)}",
                              "e.g. check: {title_max: {zh: 30, en: 90}, allow_html: [sup]}", code="config"))
        data = {}
    for key in data:
        if key not in CHECK_KEYS:
            problems.append(warning("config.yaml", line, f"unknown setting 'check.{key}'",
                                    f"check knows {', '.join(CHECK_KEYS)}", code="config-unknown-key"))
    limits = {which: read_limit(data, which, config.codes, line, problems) for which in ("title_max", "summary_max")}
    return CheckSettings(limits["title_max"], limits["summary_max"], config.allow_html)


def read_limit(data: dict, which: str, codes: tuple, line: int | None, problems: list[Problem]) -> dict:
    """A limit as {lang: characters}; a single number applies to every language."""
    value = data.get(which, DEFAULT_LIMITS[which])
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return {"*": value}
    if isinstance(value, dict) and all(k in codes and isinstance(v, int) and not isinstance(v, bool) and v > 0
                                       for k, v in value.items()):
        return {"*": DEFAULT_LIMITS[which], **value}
    problems.append(error("config.yaml", line, f"check.{which}: expected a number of characters, or one per "
                          f"language, got {describe(value)}", f"e.g. {which}: {{zh: 30, en: 90}}", code="config"))
    return {"*": DEFAULT_LIMITS[which]}


def config_key_line(config: Config, key: str) -> int | None:
    """The line of a top-level key of config.yaml (the Config keeps values, not lines)."""
    text, _ = read_text(config.root / "config.yaml", "config.yaml")
    return parse_yaml(text or "").key_lines.get(key)


# ---------------------------------------------------------------- links

def link_problems(specs: list[PageSpec], static: dict, docs: dict[str, Document]) -> list[Problem]:
    """Links and images in bodies that lead to no page and no file: errors, with their line."""
    pages = {spec.path for spec in specs}
    found = []
    for spec in specs:
        doc = docs.get(spec.source)
        for target, resolved in spec.ctx.get("links", {}).items():
            site_path = None if resolved is None else resolved.partition("#")[0].partition("?")[0]
            if site_path is not None and exists(site_path, pages, static):
                continue
            line = line_of_text(doc, target) if doc else None
            found.append(broken_link(spec.source, line, target, site_path))
    return found


def exists(site_path: str, pages: set, static: dict) -> bool:
    """A site path names a page or a copied file."""
    if site_path.endswith("index.html"):
        site_path = site_path[: -len("index.html")]
    return site_path in pages or site_path in static or site_path + "/" in pages


def broken_link(shown: str, line: int | None, target: str, site_path: str | None) -> Problem:
    """The finding for a link that leads nowhere, in an editor's words."""
    path = target.partition("#")[0].partition("?")[0]
    if site_path is None or path.endswith(".md"):
        return error(shown, line, f"the link '{target}' leads to no article or page",
                     "fix the path: link to the other article's .md file, e.g. ../2020-12-20/foo.zh.md",
                     code="broken-link")
    if site_path.startswith("assets/"):
        return error(shown, line, f"the file '{target}' does not exist (content/{site_path[len('assets/'):]})",
                     "add the file next to the article, or fix its name", code="missing-file")
    if not path.startswith("/"):  # relative, not a file: read as on the body's own page (pages.resolve_target)
        return error(shown, line, f"the link '{target}' leads to no page or file (from this text's own page it "
                     f"would be /{site_path})", "fix the path, e.g. ../other-slug/ for an article of the same "
                     "edition, or link to the other article's .md file", code="broken-link")
    return error(shown, line, f"the link '{target}' leads to no page of the site",
                 "fix the site path, e.g. /zh/editions/2020-12-21/slug/, or link to the .md file",
                 code="broken-link")


def line_of_text(doc: Document, needle: str) -> int:
    """The file line of the first body line containing needle (the body's first line if none)."""
    for number, raw in enumerate(doc.body.split("\n"), start=doc.body_line):
        if needle in raw:
            return number
    return doc.body_line


# ---------------------------------------------------------------- bodies: markup, ids, footnotes

PARAGRAPH_ID_RE = re.compile(r"^(p\d+(-\d+)?|x\d+)$")  # bilingual.numbers_of: every block's permalink
FOOTNOTE_ID_RE = re.compile(r"^fn(ref\d*)?:")  # what Python-Markdown's footnotes call their marks and notes
TEMPLATE_ID_RE = re.compile(r"""\bid\s*=\s*["']([^"'{}]+)["']""")
FOOTNOTE_REF_RE = re.compile(r"\[\^([^\]\s]+)\](?!:)")
FOOTNOTE_DEF_RE = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")


def unbalanced_problems(documents: list[Document]) -> list[Problem]:
    """Raw HTML whose tags do not match: the page repairs it as a browser would, perhaps not as meant."""
    return [warning(doc.shown, doc.body_line + line - 1, message, hint, code="unbalanced-html")
            for doc in documents for line, message, hint in unbalanced_html(doc.body)]


def template_ids(templates: Path, root: Path) -> frozenset:
    """The ids the templates write on every page (main, the search box…): a body must not use them."""
    found = set()
    for path in walk_files(templates, root).files:
        text, _ = read_text(path, path.name)
        found.update(TEMPLATE_ID_RE.findall(text or ""))
    return frozenset(found)


def id_problems(documents: list[Document], bodies: dict[str, Body], reserved: frozenset) -> list[Problem]:
    """Ids written by hand that clash with generated ones, and links to an id that is not there: errors."""
    found = []
    for doc in documents:
        body = bodies.get(doc.body_hash)
        if body is None:
            continue
        declared, wanted = anchors_of(body)
        declared = {htmllib.unescape(ident) for ident in declared}
        counts = Counter(body.hand_ids)
        for ident, count in counts.items():
            reason = clash(ident, count, declared - set(counts), reserved)
            if reason:
                found.append(error(doc.shown, line_of_id(doc, ident), f"the id '{ident}' {reason}",
                                   "choose another id (any name the site does not use itself, e.g. 'map-1')",
                                   code="id-clash"))
        for ident in dict.fromkeys(htmllib.unescape(ref) for ref in wanted):
            if ident not in declared and ident not in reserved and not PARAGRAPH_ID_RE.match(ident):
                found.append(error(doc.shown, line_of_text(doc, "#" + ident), f"the link '#{ident}' leads to no "
                                   "place in this text", f"give the place an id ({{: #{ident} }} after a heading "
                                   "or paragraph), or fix the name", code="broken-link"))
    return found


def clash(ident: str, count: int, generated: set, reserved: frozenset) -> str:
    """Why an id written by hand cannot be used ("" when it can)."""
    if count > 1:
        return f"is used {count} times in this text: a page may use an id once"
    if PARAGRAPH_ID_RE.match(ident):
        return "is one the site gives to paragraphs (p1, p2…, x1…), so a paragraph link would find the wrong place"
    if ident in generated or FOOTNOTE_ID_RE.match(ident):
        return "is one the footnotes use (fn:…, fnref:…)"
    if ident in reserved:
        return "is one the page itself uses (templates/)"
    return ""


def line_of_id(doc: Document, ident: str) -> int:
    """The file line where an id is written: id="…" in raw HTML, or {: #… } in an attribute list."""
    pattern = re.compile(r"""\bid\s*=\s*["']?""" + re.escape(ident) + r"""(?=["'\s>/]|$)|\{:?[^}]*#"""
                         + re.escape(ident) + r"(?=[\s}])")
    for number, raw in enumerate(doc.body.split("\n"), start=doc.body_line):
        if pattern.search(raw):
            return number
    return doc.body_line


def footnote_problems(groups: dict[tuple, dict[str, Document]]) -> list[Problem]:
    """Footnotes referred to but not defined in the same file, above all when another language defines them."""
    found = []
    for versions in groups.values():
        notes = {lang: footnotes(doc) for lang, doc in versions.items()}
        for lang, doc in versions.items():
            refs, defs = notes[lang]
            for label, line in refs.items():
                if label in defs:
                    continue
                elsewhere = [other for other in versions if other != lang and label in notes[other][1]]
                if elsewhere:
                    other = versions[elsewhere[0]]
                    found.append(error(doc.shown, line, f"the footnote [^{label}] is defined only in "
                                       f"{other.shown} (line {notes[elsewhere[0]][1][label]}), so this text shows "
                                       f"'[^{label}]'", f"add `[^{label}]: …` to this file, translated",
                                       code="footnote-elsewhere"))
                else:
                    found.append(error(doc.shown, line, f"the footnote [^{label}] is never defined, so the text "
                                       f"shows '[^{label}]'", f"add `[^{label}]: …` at the end of the text",
                                       code="footnote-missing"))
            for label, line in defs.items():
                referred = [other for other in versions if other != lang and label in notes[other][0]]
                if label not in refs and referred:
                    found.append(error(doc.shown, line, f"the footnote [^{label}] is defined here but only "
                                       f"{versions[referred[0]].shown} refers to it", f"refer to it in this text "
                                       f"with [^{label}], or move the note to the file that refers to it",
                                       code="footnote-elsewhere"))
    return found


def footnotes(doc: Document) -> tuple[dict, dict]:
    """A body's footnote references and definitions: label -> file line of the first."""
    refs: dict = {}
    defs: dict = {}
    for number, raw in enumerate(without_code(doc.body).split("\n"), start=doc.body_line):
        found = FOOTNOTE_DEF_RE.match(raw)
        if found:
            defs.setdefault(found.group(1), number)
            raw = raw[found.end():]
        for ref in FOOTNOTE_REF_RE.finditer(raw):
            refs.setdefault(ref.group(1), number)
    return refs, defs


# ---------------------------------------------------------------- translations

def group_documents(loaded: LoadedContent) -> dict[tuple, dict[str, Document]]:
    """Documents that are versions of one article or page: (kind, edition, stem) -> {lang: doc}."""
    groups: dict[tuple, dict[str, Document]] = {}
    for doc in loaded.documents:
        groups.setdefault((doc.kind, doc.edition or "", doc.stem), {})[doc.lang] = doc
    return dict(sorted(groups.items()))


def translation_problems(config: Config, groups: dict, glossary: dict, root: Path) -> list[Problem]:
    """Warnings about each original's translations: missing, unfinished, misaligned, stale."""
    found = []
    for versions in groups.values():
        original = versions.get(config.original_language)
        if original is None:
            continue
        for lang in config.codes[1:]:
            translation = versions.get(lang)
            if translation is None:
                if not original.meta.get("draft"):  # a draft may wait for its translation
                    found += missing_translation(original, lang, root)
            else:
                found += status_problems(translation)
                found += structure_problems(original, translation)
                found += glossary_problems(original, translation, glossary)
                found += stale_problems(original, translation)
    return found


def translation_path(original: Document, lang: str) -> Path:
    """Where the translation of an original into lang would be."""
    return original.path.with_name(f"{original.stem}.{lang}.md")


def missing_translation(original: Document, lang: str, root: Path) -> list[Problem]:
    """An original with no translation into lang (a file that exists but failed has its own errors)."""
    path = translation_path(original, lang)
    if path.exists():
        return []
    return [warning(original.shown, 1, f"no {lang} translation ({path.name} does not exist)",
                    f"translate it into {path.name}, or mark it draft until it is translated",
                    code="missing-translation")]


def status_problems(translation: Document) -> list[Problem]:
    """A translation that is machine-made or still pending."""
    meta = translation.meta.get("translation")
    status = meta.get("status", "human") if isinstance(meta, dict) else "human"
    line = translation.line_of("translation")
    if status == "machine":
        return [warning(translation.shown, line, "this translation is machine-made",
                        "have a translator review it, then set `status: human`", code="machine-translation")]
    if status == "pending":
        return [warning(translation.shown, line, "this translation is still pending",
                        "finish it, then set `status: human`", code="pending-translation")]
    return []


def structure_problems(original: Document, translation: Document) -> list[Problem]:
    """Blocks that do not correspond one to one (SPEC §2), where no `data-pair` marker says why."""
    ours = split_blocks(original.body, original.body_line)
    theirs = split_blocks(translation.body, translation.body_line)
    found = [marker_problem(translation, theirs, bad, len(ours))
             for bad in pair_blocks(len(ours), [b.pair for b in theirs])[1]]
    for gap in find_misalignments(ours, theirs):
        line, message, hint = describe_misalignment(gap, ours, theirs, original, translation)
        found.append(warning(translation.shown, line, message, hint, code="structure-mismatch"))
    return found


def marker_problem(translation: Document, theirs: list[Block], bad: MarkerProblem, count: int) -> Problem:
    """A `data-pair` marker that names blocks out of order, or past the original's end."""
    first, last = bad.found
    named = f"{first}" if first == last else f"{first}-{last}"
    past = f" (the original has {count})" if last > count else ""
    return warning(translation.shown, marker_line(theirs[bad.index]),
                   f'the marker data-pair="{named}" names block {first} of the original{past}, but the next '
                   f"block to translate is {bad.expected}",
                   "markers count the original's blocks (paragraphs and headings) from 1; a block that continues "
                   "a split repeats the marker of the block before it", code="pair-marker")


def marker_line(block: Block) -> int:
    """The line of a block's marker (its last lines hold it)."""
    lines = block.text.split("\n")
    return block.line + next((i for i in range(len(lines) - 1, -1, -1) if "data-pair" in lines[i]), 0)


def describe_misalignment(gap: Misalignment, ours: list[Block], theirs: list[Block], original: Document,
                          translation: Document) -> tuple[int, str, str]:
    """(line, message, hint) for a place where the translation parts from its original."""
    of = f"of the original {original.shown}"
    if gap.kind == "missing":
        first = gap.original[0]
        following = next((p.translation[0] for p in pair_blocks(len(ours), [b.pair for b in theirs])[0]
                          if p.original and p.original[0] > first and p.translation), None)
        line = theirs[following].line if following is not None else last_line(translation, theirs)
        return (line, f"{describe_block(ours, first, 'the original')} has no translation here",
                "translate it, or merge it with a neighbour and mark the merge (README, \"Bilingual reading\")")
    if gap.kind == "extra":
        index = gap.translation[0]
        return (theirs[index].line, f"{ordinal_of(theirs, index)} of the translation matches no block {of}",
                "remove it, or mark it as part of a split with the marker of the block before it")
    (o1, o2), (t1, t2) = gap.original, gap.translation
    names = " and ".join(describe_block(ours, i, "") for i in range(o1, o2 + 1))
    if gap.kind == "merged":
        return (theirs[t1].line, f"{ordinal_of(theirs, t1)} of the translation seems to translate {names} {of} "
                f"in one block", f'if the translator merged them, end it with {{: data-pair="{o1 + 1}-{o2 + 1}" }}; '
                "otherwise split it as the original does")
    if gap.kind == "split":
        lines = ", ".join(str(theirs[i].line) for i in range(t1, t2 + 1))
        return (theirs[t1 + 1].line, f"the blocks at lines {lines} of the translation seem to translate {names} "
                f"{of}, split in {t2 - t1 + 1}", f'if the translator split it, end each block after the first with '
                f'{{: data-pair="{o1 + 1}" }}; otherwise join them')
    return (theirs[t1].line, f"{ordinal_of(theirs, t1)} of the translation stands where {names} {of} is",
            "a heading pairs with a heading: reorder, split or join blocks so each matches the original's")


def describe_block(blocks: list[Block], index: int, side: str) -> str:
    """'paragraph 3 of the original (line 14)' or 'the end of the original'."""
    name = ordinal_of(blocks, index)
    of = f" of {side}" if side else ""
    return f"{name}{of}" if index >= len(blocks) else f"{name}{of} (line {blocks[index].line})"


def last_line(doc: Document, blocks: list[Block]) -> int:
    """The line of a document's last block (or of its body)."""
    return blocks[-1].line if blocks else doc.body_line


def glossary_problems(original: Document, translation: Document, glossary: dict) -> list[Problem]:
    """Glossary terms of the original whose agreed form is missing from the translation."""
    theirs = split_blocks(translation.body, translation.body_line)
    ours = split_blocks(original.body, original.body_line)
    found = []
    for key, labels, index in missing_terms(original, translation, glossary):
        term, wanted = labels[original.lang], labels[translation.lang]
        if index is None:
            where, line = "the headline", translation.line_of("title")
        else:
            where = f"{ordinal_of(ours, index)} of the original"
            line = theirs[index].line if index < len(theirs) else last_line(translation, theirs)
        found.append(warning(translation.shown, line,
                             f"glossary term '{key}' ({term}) is in {where} but '{wanted}' is not in the translation",
                             f"use '{wanted}' (content/glossary.yaml), or change the glossary",
                             code="glossary-term"))
    return found


def stale_problems(original: Document, translation: Document) -> list[Problem]:
    """A translation stamped against an older text of its original."""
    recorded = recorded_hash(translation)
    if recorded is None or recorded == source_hash(original):
        return []
    line = translation.line_of("translation")
    stamp = f"python build.py check --stamp {translation.shown}"
    if not valid_hash(recorded):
        return [warning(translation.shown, line, f"`translation.source_hash` is not a hash check wrote: '{recorded}'",
                        f"after reviewing the translation, run `{stamp}`", code="bad-source-hash")]
    changes = changes_since(recorded, original) or ["the original changed"]
    return [warning(translation.shown, line, f"the original {original.shown} changed since this translation "
                    f"was reviewed: {'; '.join(changes)}",
                    f"update the translation, then run `{stamp}`", code="stale-translation")]


def translation_rows(config: Config, groups: dict) -> list[TranslationRow]:
    """The translation report: every article of every edition and the state of each translation."""
    rows = []
    for (kind, edition, _), versions in groups.items():
        original = versions.get(config.original_language)
        if kind != "article" or original is None:
            continue
        row = TranslationRow(edition, original.stem, original.shown)
        for lang in config.codes[1:]:
            translation = versions.get(lang)
            meta = translation.meta.get("translation") if translation else None
            row.status[lang] = (("broken" if translation_path(original, lang).exists() else "missing")
                                if translation is None else
                                "translated" if not isinstance(meta, dict) else
                                {"human": "translated"}.get(meta.get("status", "human"), meta.get("status")))
            recorded = recorded_hash(translation) if translation else None
            if recorded is not None and recorded != source_hash(original):
                row.stale[lang] = changes_since(recorded, original) if valid_hash(recorded) else ["unreadable hash"]
        rows.append(row)
    return rows


# ---------------------------------------------------------------- lengths and HTML

def length_problems(settings: CheckSettings, documents: list[Document]) -> list[Problem]:
    """Titles and summaries longer than the limits in config.yaml."""
    found = []
    for doc in documents:
        for key, which in (("title", "title_max"), ("summary", "summary_max")):
            value, limit = doc.meta.get(key), settings.limit(which, doc.lang)
            if isinstance(value, str) and limit and len(value) > limit:
                found.append(warning(doc.shown, doc.line_of(key), f"the {key} is {len(value)} characters long, "
                                     f"over the limit of {limit} (check.{which} in config.yaml)",
                                     f"shorten it to {limit} characters or fewer", code="too-long"))
    return found


def html_problems(config: Config, settings: CheckSettings, documents: list[Document]) -> list[Problem]:
    """Raw HTML in bodies, as parsed at load (rawhtml.find_markup): script-like markup is an error, whatever
    raw_html says the build does with it; other tags are warnings unless check.allow_html allows them."""
    found = []
    for doc in documents:
        found += markup_problems(doc.markup, doc.body_line, doc.shown, config, "error")
        for line, kind, tag in doc.markup:
            if kind == "raw" and tag not in settings.allow_html:
                found.append(warning(doc.shown, line + doc.body_line, f"raw HTML <{tag}> in the text",
                                     "write it in Markdown, or allow the tag in config.yaml "
                                     "(check: {allow_html: [" + tag + "]})", code="raw-html"))
    return found


# ---------------------------------------------------------------- traditional characters

def traditional_problems(documents: list[Document]) -> list[Problem]:
    """Characters in traditional form in Chinese text, except those the article accepts in `traditional_ok`."""
    found = []
    for doc in documents:
        if not doc.lang.startswith("zh") or doc.lang.lower() in ("zh-hant", "zh-tw", "zh-hk"):
            continue
        accepted = set("".join(doc.meta.get("traditional_ok") or []))
        texts = [(doc.line_of(key), doc.meta[key]) for key in TEXT_KEYS if isinstance(doc.meta.get(key), str)]
        texts += list(enumerate(doc.body.split("\n"), start=doc.body_line))
        for line, text in texts:
            for char in dict.fromkeys((t.char, t.simplified) for t in traditional_chars(text)):
                if char[0] not in accepted:
                    found.append(warning(doc.shown, line, f"{char[0]} is a traditional character; the simplified "
                                         f"form is {char[1]}", f"write {char[1]}, or accept it in this article with "
                                         f"`traditional_ok: [{char[0]}]`", code="traditional-char"))
    return found
