"""Load stage: every file under content/ parsed into plain records, every problem collected."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, describe
from .errors import Problem, error, warning
from .frontmatter import FrontMatter, parse_front_matter
from . import urls
from .markdown import STRIPPED, StrippedBody, body_digest, pathological
from .rawhtml import find_markup
from .sources import (REMOVED_RE, UNCLEAN_RE, decode_text, describe_unclean, is_windows_reserved, read_text, relative,
                      walk_files)
from .yamlsafe import parse_yaml

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_SLUG = 80  # characters: URLs stay readable and paths stay far below the file systems' limits
MAX_ALIAS = 400  # characters of an alias path
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TEXT_KEYS = ("title", "kicker", "subtitle", "byline", "dateline", "summary", "title_note")
ARTICLE_KEYS = frozenset(TEXT_KEYS + ("section", "tags", "source", "date", "updated", "order", "draft",
                                      "translation", "slug", "aliases", "untranslated", "traditional_ok"))
PAGE_KEYS = frozenset(("title", "summary", "slug", "aliases", "draft", "translation", "order", "traditional_ok"))
# Not about language: written once in the original, inherited by translations (SPEC §2).
INHERITED_KEYS = ("section", "tags", "source", "date", "updated", "order", "draft", "untranslated")
SOURCE_KEYS = ("name", "date", "page", "url")
TRANSLATION_STATUSES = ("human", "machine", "pending")


@dataclass
class Document:
    """One Markdown file: which article or page, in which language, its checked front matter and body."""

    path: Path
    shown: str
    kind: str  # "article" or "page"
    edition: str | None  # YYYY-MM-DD for articles
    stem: str
    lang: str
    meta: dict
    key_lines: dict
    body: str
    body_line: int
    body_hash: str
    markup: tuple = ()  # (body line, kind, name) of raw HTML and links, see rawhtml.find_markup

    def line_of(self, key: str) -> int:
        """The line of a front matter key (1 when absent)."""
        return self.key_lines.get(key, 1)


@dataclass
class EditionInfo:
    """edition.yaml, checked."""

    date: str
    shown: str
    title: dict = field(default_factory=dict)
    lead: dict = field(default_factory=dict)
    order: tuple = ()
    key_lines: dict = field(default_factory=dict)


@dataclass
class LoadedContent:
    """Everything read from content/, before the model links it together."""

    documents: list[Document]
    editions: dict[str, EditionInfo]
    tags: dict[str, dict]
    glossary: dict[str, dict]
    tag_lines: dict[str, int]
    files_read: int
    assets: list[tuple[Path, str]]  # (source file, site path) copied as they are
    failed: set = field(default_factory=set)  # (kind, edition, stem) of files that could not be read
    digests: set = field(default_factory=set)  # content hashes of the Markdown files read
    skipped: list = field(default_factory=list)  # leftover files the walk skipped: check lists them


def load_content(config: Config, cache: dict, problems: list[Problem], mapper=None,
                 hashes: dict | None = None, walks: dict | None = None) -> LoadedContent:
    """Read every file under content/; problems are appended, nothing raises for user mistakes.

    mapper(func, items) may run the parsing of new files in parallel (default: map in order);
    hashes (path -> content hash) and walks (folder -> Walk), just taken, spare reading and
    walking again.
    """
    root = config.root
    content_dir = root / "content"
    if not content_dir.is_dir():
        problems.append(error("content", None, "the content/ folder is missing",
                              "create content/editions/YYYY-MM-DD/ with your articles", code="no-content"))
    documents: list[Document] = []
    editions: dict[str, EditionInfo] = {}
    assets: list[tuple[Path, str]] = []
    failed: set = set()
    walks = walks or {}
    walk = walks.get(content_dir) or walk_files(content_dir, root)
    static = walks.get(root / "static") or walk_files(root / "static", root)
    problems += walk.problems + static.problems
    files = walk.files
    hashes = parse_new_files(files, content_dir, root, cache, mapper, config.max_file_bytes, hashes or {})
    for path in files:
        rel = path.relative_to(content_dir).parts
        shown = relative(path, root)
        if path.suffix == ".md":
            doc = load_document(path, shown, rel, config, cache, problems, hashes.get(path))
            if doc:
                documents.append(doc)
            else:
                failed.add(group_key(rel))
        elif len(rel) == 3 and rel[0] == "editions" and rel[2] in ("edition.yaml", "edition.yml"):
            if valid_edition_folder(rel[1], shown, problems):
                editions[rel[1]] = load_edition_info(path, shown, rel[1], config, problems)
        elif len(rel) >= 3 and rel[0] == "editions" and path.suffix not in (".yaml", ".yml"):
            assets.append((path, "/".join(("assets",) + rel)))
        elif rel in (("tags.yaml",), ("glossary.yaml",)):
            pass
        elif path.suffix not in (".yaml", ".yml"):
            assets.append((path, "/".join(("assets",) + rel)))
    tags, tag_lines = load_term_list(content_dir / "tags.yaml", root, config, problems)
    glossary, _ = load_term_list(content_dir / "glossary.yaml", root, config, problems)
    return LoadedContent(documents, editions, tags, glossary, tag_lines, len(files), assets, failed,
                         set(hashes.values()), walk.skipped + static.skipped)


def parse_new_files(files: list[Path], content_dir: Path, root: Path, cache: dict, mapper,
                    max_bytes: int, known: dict) -> dict:
    """Hash every Markdown file; parse the ones not in the cache (in parallel when a mapper is given).

    known (path -> content hash, just taken) spares reading files that are in the cache. Files that
    cannot be read or are too large are left to load_document, which reports them.
    """
    hashes, todo = {}, {}
    for path in files:
        if path.suffix != ".md":
            continue
        digest = known.get(path)
        if digest is None or digest not in cache:
            data, problem = read_source(path, relative(path, root), max_bytes)
            if problem:
                continue
            digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        hashes[path] = digest
        if digest not in cache and digest not in todo:
            rel = path.relative_to(content_dir).parts
            todo[digest] = (data, relative(path, root), "page" if rel[0] == "pages" else "article")
    results = (mapper or map_in_order)(parse_file_args, list(todo.values()))
    cache.update(zip(todo, results))
    return hashes


def read_source(path: Path, shown: str, max_bytes: int) -> tuple[bytes | None, Problem | None]:
    """A content file's bytes, or a problem when it cannot be read or is over limits.max_file_kb."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, error(shown, None, f"the file is {size // 1024:,} KB, over the limit of "
                               f"{max_bytes // 1024:,} KB (limits.max_file_kb in config.yaml)",
                               "split it into several articles, or raise the limit", code="too-large")
        return path.read_bytes(), None
    except OSError as exc:
        return None, error(shown, None, f"cannot read the file ({exc.strerror})", "check its permissions",
                           code="unreadable")


def map_in_order(func, items: list) -> list:
    """The plain map, as a list."""
    return [func(item) for item in items]


def parse_file_args(args: tuple) -> tuple:
    """parse_file with its arguments in one tuple (for process pools)."""
    return parse_file(*args)


def group_key(rel: tuple) -> tuple:
    """(kind, edition, stem) of a content file, to link it with its translations."""
    stem = rel[-1][:-3].rsplit(".", 1)[0]
    if rel[0] == "editions" and len(rel) == 3:
        return ("article", rel[1], stem)
    return ("page", None, stem)


def valid_edition_folder(name: str, shown: str, problems: list[Problem]) -> bool:
    """An edition folder is a real date YYYY-MM-DD."""
    try:
        if DATE_RE.match(name):
            dt.date.fromisoformat(name)
            return True
    except ValueError:
        pass
    problems.append(error(shown, None, f"edition folder '{name}' is not a date YYYY-MM-DD",
                          "rename the folder, e.g. content/editions/2020-12-21/", code="bad-edition"))
    return False


def load_document(path: Path, shown: str, rel: tuple, config: Config, cache: dict,
                  problems: list[Problem], digest: str | None = None) -> Document | None:
    """Read one .md file and check its front matter; None when it cannot be used."""
    name = rel[-1]
    if len(rel) == 3 and rel[0] == "editions":
        kind, edition = "article", rel[1]
        if not valid_edition_folder(edition, shown, problems):
            return None
    elif len(rel) == 2 and rel[0] == "pages":
        kind, edition = "page", None
    else:
        problems.append(error(shown, None, "a Markdown file in an unexpected place",
                              "articles go in content/editions/YYYY-MM-DD/, pages in content/pages/",
                              code="misplaced"))
        return None
    parts = name[:-3].rsplit(".", 1)
    if len(parts) != 2 or parts[1] not in config.codes:
        problems.append(error(shown, None, "the file name does not end in a language: name.LANG.md",
                              f"rename it, e.g. {parts[0]}.{config.original_language}.md "
                              f"(languages: {', '.join(config.codes)})", code="no-language"))
        return None
    stem, lang = parts
    cached = cache.get(digest) if digest is not None else None
    if cached is None:
        data, problem = read_source(path, shown, config.max_file_bytes)
        if problem:
            problems.append(problem)
            return None
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        cached = cache.get(digest) or parse_file(data, shown, kind)
        cache[digest] = cached
    fm, found, body_hash = cached
    found = [replace_path(p, shown) for p in found]
    parsed = not fm.problems and not any(p.code == "not-utf8" for p in found)  # its front matter could be read
    if kind == "article" and lang == config.original_language and "section" not in fm.meta and parsed:
        # here, not when linking: a file missing its title and its section hears of both in one run
        found.append(error(shown, 1, "the original has no section",
                           f"add `section: …` (one of: {', '.join(config.sections)})", code="missing-section"))
    if config.raw_html != "allow":
        found += markup_problems(fm.unsafe, fm.body_line, shown, config, "warning")
    problems.extend(found)
    if any(p.level == "error" for p in found):
        return None
    meta = dict(fm.meta)
    if "slug" not in meta:
        meta["slug"] = stem
    where = fm.line_of("slug") if "slug" in fm.meta else 1
    problem = slug_problem(meta.get("slug"), shown, where)
    if problem:
        problems.append(problem)
        return None
    body = fm.body
    if config.raw_html == "strip" and fm.unsafe:  # its HTML goes through the sanitiser, cached under its own hash
        body, body_hash = StrippedBody(body), body_hash + STRIPPED
    return Document(path, shown, kind, edition, stem, lang, meta, fm.key_lines, body, fm.body_line, body_hash,
                    tuple(fm.unsafe))


def slug_problem(slug, shown: str, line: int) -> Problem | None:
    """A slug is lowercase ASCII, at most MAX_SLUG characters, and no name Windows reserves."""
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        return error(shown, line, f"the slug '{slug}' is not lowercase ASCII letters, digits and '-'",
                     "rename the file or set `slug:` to something like sanmin-activity", code="bad-slug")
    if len(slug) > MAX_SLUG:
        return error(shown, line, f"the slug is {len(slug)} characters long, over the limit of {MAX_SLUG}",
                     "rename the file or set a shorter `slug:`", code="bad-slug")
    if is_windows_reserved(slug):
        return error(shown, line, f"the slug '{slug}' is a name Windows reserves for devices",
                     "rename the file or set another `slug:`, e.g. " + slug + "-news", code="bad-slug")
    return None


MARKUP_WORDS = {
    "tag": ("raw <{}> in the text: it runs code, loads other pages or changes how the page is read",
            "remove it, or allow it in config.yaml (check: {{allow_html: [{}]}})"),
    "handler": ("an event handler ({}=) in the text: it runs code in readers' browsers",
                "remove it, or allow scripts in config.yaml (check: {{allow_html: [script]}})"),
    "scheme": ("a {}: link in the text: it runs code or hides what it shows",
               "link to an http(s) address, or allow it in config.yaml (check: {{allow_schemes: [{}]}})"),
    "css": ("CSS with {} in the text (a style attribute or <style>): it runs code or loads what it hides",
            "remove the style, or allow it in config.yaml (check: {{allow_html: [style]}})"),
}
CSS_CODE = ("expression", "behavior", "-moz-binding")  # CSS that runs script (old browsers), not a URL


def markup_allowed(kind: str, name: str, config: Config) -> bool:
    """Whether check.allow_html / check.allow_schemes in config.yaml accept this finding of find_markup."""
    if kind == "raw":
        return True  # plain raw HTML: only check mentions it
    if kind == "handler" or (kind == "css" and name in CSS_CODE):
        return "script" in config.allow_html
    if kind == "css":
        return "style" in config.allow_html or name in config.allow_schemes
    if kind == "scheme":
        return name in config.allow_schemes
    return name.split()[0] in config.allow_html


def markup_problems(markup, body_line: int, shown: str, config: Config, level: str) -> list[Problem]:
    """A problem for each piece of script-like markup the config does not allow (build: warnings; check: errors)."""
    found = []
    for line, kind, name in markup:
        if not markup_allowed(kind, name, config):
            message, hint = MARKUP_WORDS[kind]
            what = name if kind != "css" else f"a {name}: URL" if name not in CSS_CODE else \
                name + ("()" if name == "expression" else ":")
            message = message.format(what)
            if level == "warning" and config.raw_html == "strip":
                message += "; removed from the page (raw_html: strip)"
            make = warning if level == "warning" else error
            found.append(make(shown, line + body_line, message, hint.format(name.split()[0]),
                              code="unsafe-link" if kind == "scheme" else "unsafe-html"))
    return found


def replace_path(problem: Problem, shown: str) -> Problem:
    """A cached problem shown under the file's current name."""
    if problem.path == shown:
        return problem
    return Problem(shown, problem.line, problem.message, problem.hint, problem.level, problem.code)


def parse_file(data: bytes, shown: str, kind: str) -> tuple[FrontMatter, list[Problem], str]:
    """Decode, split and check one file (pure: the result is cached by the file's hash)."""
    unclean: list[Problem] = []
    text, problem = decode_text(data, shown, unclean)
    if problem:
        return FrontMatter(), [problem], ""
    fm = parse_front_matter(text, shown)
    found = unclean + list(fm.problems)
    if not fm.problems:
        found.extend(clean_meta_text(fm, shown))
        found.extend(check_meta(fm, shown, kind))
        found.extend(error(shown, line + fm.body_line, message, hint, code="markdown-too-slow")
                     for line, message, hint in pathological(fm.body))
    if all(p.level == "warning" for p in found):
        fm.unsafe = find_markup(fm.body)
    return fm, found, body_digest(fm.body)


def clean_meta_text(fm: FrontMatter, shown: str) -> list[Problem]:
    """Front matter values holding what decode_text removes, written as YAML escapes ("\\x0b", "\\u202e"):
    the same rules as for the file's own characters (removed with a warning; bidi controls are errors)."""
    found: dict = {}

    def clean(value, key: str):
        if isinstance(value, str):
            for char in dict.fromkeys(UNCLEAN_RE.findall(value)):
                found.setdefault((key, char), describe_unclean(shown, fm.line_of(key), char, " (a YAML escape)"))
            return REMOVED_RE.sub("", value)
        if isinstance(value, list):
            return [clean(item, key) for item in value]
        if isinstance(value, dict):
            return {k: clean(v, key) for k, v in value.items()}
        return value

    for key in list(fm.meta):
        if key not in ("slug", "aliases"):  # paths: their own rules refuse control characters (a URL is not guessed)
            fm.meta[key] = clean(fm.meta[key], str(key))
    return list(found.values())


def check_meta(fm: FrontMatter, shown: str, kind: str) -> list[Problem]:
    """Check the types of the front matter values; normalise dates in place."""
    found: list[Problem] = []
    meta = fm.meta
    known = ARTICLE_KEYS if kind == "article" else PAGE_KEYS

    def fail(key: str, message: str, hint: str, code: str = "bad-value") -> None:
        found.append(error(shown, fm.line_of(key), message, hint, code=code))

    for key in meta:
        if not isinstance(key, str) or key not in known:
            found.append(warning(shown, fm.line_of(str(key)), f"unknown front matter key '{key}'",
                                 nearest_hint(str(key), known), code="unknown-key"))
    if "title" not in meta:
        fail("title", "the front matter has no title", "add `title: …`", code="missing-title")
    for key in TEXT_KEYS:
        if key in meta and key in known:
            value = meta[key]
            if not isinstance(value, str) or (key == "title" and not value.strip()):
                written = fm.key_texts.get(key, value)  # 1.10 as written, not the number 1.1 YAML read
                fail(key, f"`{key}` should be text, but is {describe(value)}",
                     f"put the text in quotes: {key}: \"{written}\"" if written not in ("", None)
                     else f"write the text after the colon: {key}: …")
    if "section" in meta and not isinstance(meta["section"], str):
        fail("section", f"`section` should be a section key, but is {describe(meta['section'])}",
             "e.g. section: economy")
    if "tags" in meta:
        tags = meta["tags"]
        if isinstance(tags, str):
            meta["tags"] = [tags]
        elif not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            fail("tags", "`tags` should be a list of tag names", "e.g. tags: [rcep, shibei]")
    for key in ("draft",):
        if key in meta and not isinstance(meta[key], bool):
            fail(key, f"`{key}` should be true or false, but is {describe(meta[key])}", f"{key}: true")
    if "order" in meta and (isinstance(meta["order"], bool) or not isinstance(meta["order"], int)):
        fail("order", f"`order` should be a whole number, but is {describe(meta['order'])}", "e.g. order: 1")
    for key in ("date", "updated"):
        if key in meta:
            value = to_datetime(meta[key])
            if value is None:
                fail(key, f"`{key}` is not a date: {describe(meta[key])}", f"e.g. {key}: 2020-12-21 or "
                     f"{key}: 2020-12-21T08:00:00+08:00")
            else:
                meta[key] = value
    if "traditional_ok" in meta:
        accepted = meta["traditional_ok"]
        if isinstance(accepted, str):
            meta["traditional_ok"] = accepted = [accepted]
        if not isinstance(accepted, list) or not all(isinstance(c, str) for c in accepted):
            fail("traditional_ok", "`traditional_ok` should be a list of characters", "e.g. traditional_ok: [動]")
    if "aliases" in meta:
        aliases = meta["aliases"]
        if isinstance(aliases, str):
            meta["aliases"] = aliases = [aliases]
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            fail("aliases", "`aliases` should be a list of old site paths like /zh/editions/2020-12-21/old-slug/",
                 "write one path per item, e.g. aliases: [/zh/old-slug/]", code="bad-alias")
        else:
            for alias in aliases:
                reason = alias_problem(alias)
                if reason:
                    fail("aliases", f"the alias '{alias}' cannot be a site path: {reason}",
                         "write old site paths like /zh/editions/2020-12-21/old-slug/ without '..', '?', '#', "
                         "control characters, or parts that end in a dot or space", code="bad-alias")
    if "untranslated" in meta and meta["untranslated"] not in ("notice", "hide"):
        fail("untranslated", "`untranslated` should be notice or hide", "untranslated: hide")
    if "source" in meta:
        check_source(meta["source"], fail)
    if "translation" in meta:
        check_translation(meta["translation"], fail)
    return found


def check_source(source, fail) -> None:
    """source: {name, date, page, url}."""
    if not isinstance(source, dict):
        fail("source", "`source` should be a mapping of name, date, page, url", "e.g. source: {name: …, page: 3}")
        return
    for key, value in source.items():
        if key not in SOURCE_KEYS:
            fail("source", f"`source.{key}` is not a known key", f"use {', '.join(SOURCE_KEYS)}")
        elif key == "url" and not (isinstance(value, str) and value.startswith(("http://", "https://"))):
            fail("source", "`source.url` should be an http(s) address", "e.g. url: https://…")


def check_translation(value, fail) -> None:
    """translation: {status, translator, reviewed, source_hash}."""
    if not isinstance(value, dict):
        fail("translation", "`translation` should be a mapping", "e.g. translation: {status: human, translator: …}")
        return
    status = value.get("status", "human")
    if status not in TRANSLATION_STATUSES:
        fail("translation", f"`translation.status` should be one of {', '.join(TRANSLATION_STATUSES)}, "
             f"not {describe(status)}", "e.g. status: human")


def alias_problem(alias: str) -> str | None:
    """Why an alias cannot be a folder of the site on every system (the rule of every output path); None if it can."""
    path = alias.strip("/")
    if not path:
        return "it is the home page"
    if len(alias) > MAX_ALIAS:
        return f"it is over {MAX_ALIAS} characters long"
    if "#" in alias:
        return "it holds '#' (a fragment, which no file can stand for)"
    return urls.path_problem(path)


def to_datetime(value) -> dt.datetime | dt.date | None:
    """A YAML date, datetime or ISO text as a date or datetime; None when it is none of these."""
    if isinstance(value, dt.datetime) or isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip()) if "T" in value or ":" in value \
                else dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def nearest_hint(key: str, known) -> str:
    """Suggest the closest known key."""
    import difflib
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f"did you mean `{close[0]}`?" if close else "remove it, or check README.md for the keys"


def load_edition_info(path: Path, shown: str, date: str, config: Config, problems: list[Problem]) -> EditionInfo:
    """Read and check edition.yaml."""
    info = EditionInfo(date, shown)
    text, problem = read_text(path, shown, problems)
    if problem:
        problems.append(problem)
        return info
    parsed = parse_yaml(text)
    problems.extend(error(shown, line, msg, hint, code="yaml") for line, msg, hint in parsed.problems)
    data = parsed.data if isinstance(parsed.data, dict) else {}
    info.key_lines = parsed.key_lines
    for key in ("title", "lead"):
        value = data.get(key, {})
        if isinstance(value, str):
            value = {code: value for code in config.codes}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            problems.append(error(shown, parsed.key_lines.get(key), f"`{key}` should be one text per language",
                                  f"e.g. {key}: {{zh: …, en: …}}", code="bad-value"))
            value = {}
        setattr(info, key, value)
    order = data.get("order", [])
    if not isinstance(order, list) or not all(isinstance(s, str) for s in order):
        problems.append(error(shown, parsed.key_lines.get("order"), "`order` should be a list of article slugs",
                              "e.g. order: [sanmin-activity, rcep-qingdao-base]", code="bad-value"))
        order = []
    info.order = tuple(order)
    for key in data:
        if key not in ("title", "lead", "order"):
            problems.append(warning(shown, parsed.key_lines.get(key), f"unknown key '{key}'",
                                    "edition.yaml knows title, lead and order", code="unknown-key"))
    return info


def load_term_list(path: Path, root: Path, config: Config, problems: list[Problem]) -> tuple[dict, dict]:
    """Read tags.yaml or glossary.yaml: key -> {lang: label}."""
    if not path.is_file():
        return {}, {}
    shown = relative(path, root)
    text, problem = read_text(path, shown, problems)
    if problem:
        problems.append(problem)
        return {}, {}
    parsed = parse_yaml(text)
    problems.extend(error(shown, line, msg, hint, code="yaml") for line, msg, hint in parsed.problems)
    if parsed.problems:
        return {}, {}
    data = parsed.data or {}
    if not isinstance(data, dict):
        problems.append(error(shown, 1, "expected `key: {zh: …, en: …}` lines", "see README.md", code="bad-value"))
        return {}, {}
    terms = {}
    for key, labels in data.items():
        line = parsed.key_lines.get(key)
        if not isinstance(key, str) or not SLUG_RE.match(key):
            problems.append(error(shown, line, f"the key '{key}' is not lowercase ASCII letters, digits and '-'",
                                  "rename it, e.g. poverty-alleviation", code="bad-key"))
            continue
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            problems.append(error(shown, line, f"'{key}' should map each language to a label",
                                  f"e.g. {key}: {{zh: …, en: …}}", code="bad-value"))
            continue
        terms[key] = labels
    return terms, dict(parsed.key_lines)
