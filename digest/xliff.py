"""translate export / import: an XLIFF 1.2 round trip with translators' CAT tools, block by block.

Export: one <file> per article and language, one <trans-unit> per headline field (kicker, title,
subtitle, summary, byline, dateline) and per pair of aligned blocks — the pairs `check` and the
bilingual pages use (translations.pair_blocks), so the id of a body unit is the pair's paragraph id
(`p3`). A pair that merges blocks of the original has them all in its source, separated by a block
break (<x ctype="x-block-break"/>); a pair that splits one has the break in its target. Markdown markup
travels as inline elements (mdinline.py), the glossary's terms as notes, and the state of each target
comes from the translation's `status` and `reviewed` and from its `source_hash` (stale blocks).

Import refuses, naming the unit and its line, anything that does not fit the content as it is now:
a source that changed since the export, an unknown unit, an inline element missing, repeated or
broken. Only when the whole file is sound does it write, each translation with the one atomic writer:
a unit whose target did not change keeps its Markdown byte for byte; a changed one is written from
its target, the alignment markers the pair needs, the codes of its inline elements.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, load_config
from .content import Document, LoadedContent, load_content
from .errors import DigestError, Problem, error, only_errors, sort_key
from .frontmatter import parse_front_matter
from .mdinline import (BREAK, Code, Ids, ParsedBlock, Tag, normalize, parse_block, plain_text, render_block,
                       renumber, split_at_breaks, tags_of)
from .sources import relative
from .translations import (Block, Pair, pair_blocks, recorded_hash, source_hash, split_blocks, squash, stale_parts,
                           valid_hash)
from .xmlsafe import LineElement, local, namespace, parse_xml
from .yamledit import DELETE, Quoted, edit_mapping, flow

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TOOL_ID = "qingdao-digest"
FRONT_KEYS = ("kicker", "title", "subtitle", "summary", "byline", "dateline")
HASHED_KEYS = ("kicker", "title", "subtitle", "summary")  # the headline of translations.block_hashes
KEY_ORDER = FRONT_KEYS + ("title_note", "translation")
DONE = frozenset({"translated", "needs-review-translation", "signed-off", "final"})
SIGNED = frozenset({"signed-off", "final"})
MACHINE = frozenset({"mt-suggestion", "leveraged-mt"})
STRUCTURE = frozenset({"xliff", "file", "header", "body", "group", "trans-unit"})  # indented when written


# ---------------------------------------------------------------- the units of an article

@dataclass
class Unit:
    """One trans-unit: a headline field or a pair of blocks, its source and the current translation."""

    id: str
    source: tuple
    target: tuple | None
    state: str = "new"
    qualifier: str | None = None
    notes: tuple = ()
    codes: dict = field(default_factory=dict)  # id -> Code of the source's elements
    target_codes: dict = field(default_factory=dict)  # id -> Code of the translation's elements
    key: str | None = None  # the front matter key of a headline unit
    pair: Pair | None = None  # block ranges of a body unit
    heading: bool = False
    translate: bool = True
    stale: bool = False

    def code(self, tag_id: str) -> Code | None:
        """The Markdown an element of a target stands for: the translation's own, else the original's."""
        return self.target_codes.get(tag_id) or self.codes.get(tag_id)


@dataclass
class Article:
    """An original, its translation into one language (None when there is none) and their units."""

    original: Document
    translation: Document | None
    lang: str
    path: Path  # where the translation is, or will be
    shown: str
    units: list[Unit]
    o_blocks: list[Block]
    t_blocks: list[Block]
    o_parsed: dict  # block index -> ParsedBlock
    t_parsed: dict
    status: str | None  # the translation's status (None: no translation)
    reviewed: bool
    recorded: str | None
    current: str  # the original's source hash now

    @property
    def reason(self) -> str | None:
        """Why it needs a translator: untranslated, pending, machine, stale; None when it does not."""
        if self.translation is None:
            return "untranslated"
        if self.status in ("pending", "machine"):
            return self.status
        if self.recorded is not None and self.recorded != self.current:
            return "stale"
        return None


def translation_meta(doc: Document | None) -> dict:
    """A translation's `translation:` mapping ({} when it has none)."""
    value = doc.meta.get("translation") if doc else None
    return value if isinstance(value, dict) else {}


def build_article(original: Document, translation: Document | None, lang: str, glossary: dict) -> Article:
    """The units of an original and its translation into lang, with the translation's state."""
    meta = translation_meta(translation)
    status = str(meta.get("status", "human")) if translation else None
    recorded = recorded_hash(translation) if translation else None
    current = source_hash(original)
    stale_head, stale_blocks = False, set()
    if recorded is not None and recorded != current:
        stale_head, stale_blocks = stale_parts(recorded, original) if valid_hash(recorded) else (True, None)
    path = original.path.with_name(f"{original.stem}.{lang}.md")
    o_blocks = split_blocks(original.body, original.body_line)
    t_blocks = split_blocks(translation.body, translation.body_line) if translation else []
    article = Article(original, translation, lang, path, original.shown.rsplit("/", 1)[0] + "/" + path.name, [],
                      o_blocks, t_blocks, {}, {}, status, bool(meta.get("reviewed")) if translation else False,
                      recorded, current)
    for key in FRONT_KEYS:
        value = original.meta.get(key)
        if isinstance(value, str) and value.strip():
            article.units.append(front_unit(article, key, value, stale_head and key in HASHED_KEYS, glossary))
    pairs = pair_blocks(len(o_blocks), [b.pair for b in t_blocks])[0] if translation else \
        [Pair((i, i), None) for i in range(len(o_blocks))]
    seen: set = set()
    for pair in pairs:
        if pair.original is None:
            continue  # blocks the original lacks: no source to translate; kept as they are
        stale = stale_blocks is None or any(i in stale_blocks for i in range(pair.original[0], pair.original[1] + 1))
        unit = body_unit(article, pair, stale and recorded is not None, glossary)
        while unit.id in seen:
            unit.id += "+"
        seen.add(unit.id)
        article.units.append(unit)
    return article


def front_unit(article: Article, key: str, value: str, stale: bool, glossary: dict) -> Unit:
    """The unit of a headline field: plain text."""
    source = normalize((value,))
    theirs = article.translation.meta.get(key) if article.translation else None
    copied = theirs == value and article.status == "pending"  # a pending translation keeps the original's text
    target = normalize((theirs,)) if isinstance(theirs, str) and theirs.strip() and not copied else None
    unit = Unit(key, source, target or None, key=key, stale=stale,
                notes=glossary_notes(value, glossary, article.original.lang, article.lang))
    unit.state, unit.qualifier = unit_state(article, unit)
    return unit


def body_unit(article: Article, pair: Pair, stale: bool, glossary: dict) -> Unit:
    """The unit of a pair of blocks: the original's blocks as source, the translation's as target."""
    first, last = pair.original
    ids, codes = Ids(), {}
    parts = []
    for index in range(first, last + 1):
        article.o_parsed[index] = parse_block(article.o_blocks[index].text, ids, codes)
        parts.append(article.o_parsed[index].content)
    source = join_blocks(parts)
    footnote = article.o_parsed[first].footnote
    unit = Unit(f"fn-{footnote}" if footnote else f"p{first + 1}", source, None, codes=codes, pair=pair,
                heading=article.o_parsed[first].heading, stale=stale,
                translate=any(article.o_parsed[i].translatable for i in range(first, last + 1)),
                notes=glossary_notes(squash(" ".join(b.text for b in article.o_blocks[first:last + 1])), glossary,
                                     article.original.lang, article.lang))
    if pair.translation is not None:
        t_ids, t_codes, t_parts = Ids(), {}, []
        for index in range(pair.translation[0], pair.translation[1] + 1):
            article.t_parsed[index] = parse_block(article.t_blocks[index].text, t_ids, t_codes)
            t_parts.append(article.t_parsed[index].content)
        target, unit.target_codes = match_ids(codes, join_blocks(t_parts), t_codes)
        copied = target == source and article.status == "pending"  # where it is not translated yet
        unit.target = None if copied else target
    unit.state, unit.qualifier = unit_state(article, unit)
    return unit


def join_blocks(parts: list[tuple]) -> tuple:
    """The content of several blocks as one, a block break between each two."""
    out: list = []
    for k, part in enumerate(parts):
        if k:
            out.append(Tag("x", f"b{k}", BREAK, equiv="¶"))
        out += part
    return normalize(tuple(out))


def match_ids(source_codes: dict, content: tuple, codes: dict) -> tuple[tuple, dict]:
    """A translation's elements numbered as the source's they match (same Markdown first, then same kind)."""
    unused = list(source_codes)
    mapping = {}
    order = [t.id for t in tags_of(content) if t.ctype != BREAK]
    for exact in (True, False):
        for tag_id in order:
            if tag_id in mapping:
                continue
            mine = codes[tag_id]
            pick = next((s for s in unused if source_codes[s] == mine or not exact and
                         (source_codes[s].kind, source_codes[s].ctype) == (mine.kind, mine.ctype)), None)
            if pick is not None:
                mapping[tag_id] = pick
                unused.remove(pick)
    following = max([int(s) for s in source_codes if s.isdigit()], default=0) + 1
    for tag_id in order:
        if tag_id not in mapping:
            mapping[tag_id], following = str(following), following + 1
    return renumber(content, mapping), {mapping[t]: codes[t] for t in order}


def unit_state(article: Article, unit: Unit) -> tuple[str, str | None]:
    """(state, state-qualifier) of a unit's target, from the translation's status, review and source hash."""
    if unit.target is None:
        return "new", None
    if unit.stale:
        return "needs-translation", None
    if article.status == "machine":
        return "needs-translation", "mt-suggestion"
    if article.status == "pending":
        return "needs-translation", None
    return ("signed-off" if article.reviewed else "translated"), None


def glossary_notes(text: str, glossary: dict, source_lang: str, target_lang: str) -> tuple[str, ...]:
    """'term → agreed translation' for each glossary term in text, in the order they occur."""
    found = []
    for labels in glossary.values():
        term, wanted = labels.get(source_lang), labels.get(target_lang)
        if term and wanted and term in text:
            found.append((text.index(term), -len(term), f"{term} → {wanted}"))
    return tuple(note for *_, note in sorted(found))


# ---------------------------------------------------------------- choosing what to export

@dataclass
class Project:
    """The project as `translate` reads it: settings, content, and the versions of each article."""

    root: Path
    config: Config
    loaded: LoadedContent
    groups: dict  # (kind, edition, stem) -> {lang: Document}


def load_project(root: Path) -> Project:
    """Read config and content as the build does; stop on any error."""
    config, problems = load_config(root)
    loaded = load_content(config, {}, problems)
    errors = only_errors(problems)
    if errors:
        raise DigestError(sorted(errors, key=sort_key))
    groups: dict = {}
    for doc in loaded.documents:
        groups.setdefault((doc.kind, doc.edition or "", doc.stem), {})[doc.lang] = doc
    return Project(root, config, loaded, dict(sorted(groups.items())))


def target_languages(config: Config, wanted: list[str] | None) -> list[str]:
    """The languages to translate into: those asked for, else every language but the original's."""
    others = [c for c in config.codes if c != config.original_language]
    if not wanted:
        return others
    unknown = [w for w in wanted if w not in others]
    if unknown:
        raise DigestError(error("--to", None, f"'{unknown[0]}' is not a language to translate into",
                                f"choose among {', '.join(others)} (config.yaml, languages)", code="usage"))
    return list(dict.fromkeys(wanted))


def select_articles(project: Project, editions: list[str], paths: list[str], all_states: bool,
                    langs: list[str]) -> list[Article]:
    """The articles to export: those named, or in the editions named, or all; only what needs work unless all_states."""
    config, root = project.config, project.root
    named = {resolve_content_path(root, p) for p in paths}
    known_editions = {key[1] for key in project.groups if key[0] == "article"}
    for date in editions:
        if date not in known_editions:
            raise DigestError(error("--edition", None, f"there is no edition {date} in content/editions/",
                                    "give the date of an edition folder, YYYY-MM-DD", code="usage"))
    chosen, matched = [], set()
    for (kind, edition, _), versions in project.groups.items():
        original = versions.get(config.original_language)
        if original is None:
            continue
        files = {d.path.resolve() for d in versions.values()} | {
            original.path.with_name(f"{original.stem}.{lang}.md").resolve() for lang in langs}
        asked = bool(named & files)
        matched |= named & files
        if (named or editions) and not asked and not (kind == "article" and edition in editions):
            continue
        for lang in langs:
            article = build_article(original, versions.get(lang), lang, project.loaded.glossary)
            draft = article.reason == "untranslated" and original.meta.get("draft")  # may wait for translation
            wanted = article.reason is not None and not draft
            if all_states or asked or wanted:
                chosen.append(article)
    unknown = [error(relative(path, root), None, f"this file is not an article or page with an original in "
                     f"{config.original_language}", "name an article such as content/editions/DATE/slug."
                     f"{config.original_language}.md", code="usage") for path in sorted(named - matched)]
    if unknown:
        raise DigestError(unknown)
    return chosen


def resolve_content_path(root: Path, text: str) -> Path:
    """A path named on the command line (relative to the current folder or the project), resolved."""
    candidates = [Path(text).expanduser()] + ([root / text] if not Path(text).is_absolute() else [])
    found = next((p.resolve() for p in candidates if p.exists()), None)
    if found is None:
        candidates = [(root / text).resolve()]  # a translation that does not exist yet
        found = candidates[0]
    return found


# ---------------------------------------------------------------- writing XLIFF

def language_tag(config: Config, code: str) -> str:
    """The tag CAT tools expect for a configured language: zh_Hans_CN -> zh-CN, en -> en."""
    from babel import Locale, UnknownLocaleError
    try:
        locale = Locale.parse(config.language(code).locale)
    except (ValueError, UnknownLocaleError):
        return code
    return locale.language + (f"-{locale.territory}" if locale.territory else "")


def code_for_tag(config: Config, tag: str | None) -> str | None:
    """The configured language a tag of another tool names (zh-CN, zh-Hans, zh_CN, en-US → zh, en)."""
    if not tag:
        return None
    wanted = tag.replace("_", "-").lower()
    for code in config.codes:
        if wanted in (code.lower(), language_tag(config, code).lower(), config.language(code).hreflang.lower()):
            return code
    primary = [c for c in config.codes if c.split("-")[0].lower() == wanted.split("-")[0]]
    return primary[0] if len(primary) == 1 else None


def xliff_bytes(articles: list[Article], config: Config) -> bytes:
    """One XLIFF 1.2 document: a <file> per article and language, deterministic."""
    root = ET.Element("xliff", {"xmlns": XLIFF_NS, "version": "1.2"})
    for article in articles:
        attrs = {"original": article.original.shown, "source-language": language_tag(config, article.original.lang),
                 "target-language": language_tag(config, article.lang), "datatype": "x-markdown", "tool-id": TOOL_ID}
        file = ET.SubElement(root, "file", attrs)
        header = ET.SubElement(file, "header")
        ET.SubElement(header, "tool", {"tool-id": TOOL_ID, "tool-name": "Qingdao Digest"})
        ET.SubElement(header, "note", {"from": TOOL_ID}).text = describe_article(article)
        body = ET.SubElement(file, "body")
        for unit in article.units:
            unit_element(body, unit)
    indent(root, 0)
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode("utf-8")


def describe_article(article: Article) -> str:
    """The header note: where the translation goes and what it needs."""
    state = {"untranslated": "not translated yet", "pending": "translation pending", "machine": "machine "
             "translation, to be reviewed", "stale": "the original changed since the translation was reviewed",
             None: "translated"}[article.reason]
    return f"Translation: {article.shown} ({state})"


def unit_element(body: ET.Element, unit: Unit) -> None:
    """A <trans-unit>: source, target with its state, notes."""
    attrs = {"id": unit.id, "resname": unit.id}
    if unit.heading:
        attrs["restype"] = "heading"
    elif unit.key:
        attrs["restype"] = f"x-{unit.key}"
    if not unit.translate:
        attrs["translate"] = "no"
    if unit.state in SIGNED:
        attrs["approved"] = "yes"
    element = ET.SubElement(body, "trans-unit", attrs)
    write_content(ET.SubElement(element, "source"), unit.source)
    if unit.translate:
        target = ET.SubElement(element, "target", {"state": unit.state})
        if unit.qualifier:
            target.set("state-qualifier", unit.qualifier)
        write_content(target, unit.target or ())
    for note in unit.notes:
        ET.SubElement(element, "note", {"from": "glossary", "annotates": "source"}).text = note
    if unit.stale and unit.target is not None:
        ET.SubElement(element, "note", {"from": TOOL_ID}).text = \
            "The original changed since this translation was reviewed: compare them."


def write_content(element: ET.Element, content: tuple) -> None:
    """Text and inline elements into an element (text, then each child's tail)."""
    last = None
    for item in content:
        if isinstance(item, str):
            if last is None:
                element.text = (element.text or "") + item
            else:
                last.tail = (last.tail or "") + item
            continue
        attrs = {"id": item.id}
        if item.ctype:
            attrs["ctype"] = item.ctype
        if item.equiv and item.name == "x":
            attrs["equiv-text"] = item.equiv
        last = ET.SubElement(element, item.name, attrs)
        if item.name == "g":
            write_content(last, item.content)
        elif item.name == "ph":
            last.text = item.content[0] if item.content else ""


def indent(element: ET.Element, level: int) -> None:
    """Line breaks and indentation between structural elements only: text content is never touched."""
    if local(element.tag) not in STRUCTURE or not len(element):
        return
    inner = "\n" + "  " * (level + 1)
    element.text = inner
    for child in element:
        indent(child, level + 1)
        child.tail = inner
    element[-1].tail = "\n" + "  " * level


def export_translations(root: Path, editions: list[str], paths: list[str], all_states: bool,
                        langs: list[str] | None) -> tuple[bytes | None, list[Article]]:
    """The XLIFF of what needs translating (None when nothing does) and the articles in it."""
    project = load_project(root)
    articles = select_articles(project, editions, paths, all_states, target_languages(project.config, langs))
    return (xliff_bytes(articles, project.config) if articles else None), articles


# ---------------------------------------------------------------- reading XLIFF back

@dataclass
class Returned:
    """A trans-unit as it came back: its source, target and state, and their lines in the file."""

    id: str
    line: int
    source: tuple | None
    source_line: int
    target: tuple | None
    target_line: int
    state: str | None
    qualifier: str | None
    tags: list = field(default_factory=list)  # (Tag, line) of every element of the target
    broken: list = field(default_factory=list)  # (line, message) of elements that cannot be read


def read_unit(element: LineElement) -> Returned:
    """A <trans-unit> as content (a <mrk> is read through; elements XLIFF 1.2 has but we never write are broken)."""
    unit = Returned(element.get("id", ""), element.line, None, element.line, None, element.line, None, None)
    for child in element:
        name = local(child.tag)
        if name == "source":
            unit.source, unit.source_line = normalize(read_content(child, [], [])), child.line
        elif name == "target":
            unit.target = normalize(read_content(child, unit.tags, unit.broken))
            unit.target_line, unit.state = child.line, child.get("state")
            unit.qualifier = child.get("state-qualifier")
            if not unit.target:
                unit.target = None
    if unit.state is None and unit.target is not None:
        unit.state = "signed-off" if element.get("approved") == "yes" else "translated"
    return unit


def read_content(element: LineElement, tags: list, broken: list) -> tuple:
    """Text and inline elements of a source, target or g."""
    items: list = [element.text or ""]
    for child in element:
        name = local(child.tag)
        if namespace(child.tag) not in ("", XLIFF_NS):
            broken.append((child.line, f"an element <{name}> of another vocabulary"))
        elif name == "mrk":
            items += read_content(child, tags, broken)
        elif name in ("g", "x", "ph") and child.get("id"):
            inner = tuple(read_content(child, tags, broken)) if name == "g" else \
                ("".join(child.itertext()),) if name == "ph" else ()
            tag = Tag(name, child.get("id"), child.get("ctype", ""), inner, child.get("equiv-text", ""))
            if name == "ph" and len(child):
                broken.append((child.line, f"<ph id=\"{tag.id}\"> holds elements; it should hold only its code"))
            tags.append((tag, child.line))
            items.append(tag)
        elif name in ("g", "x", "ph"):
            broken.append((child.line, f"an inline element <{name}> without an id"))
        else:
            broken.append((child.line, f"an inline element <{name}>, which this file never uses"))
        items.append(child.tail or "")
    return tuple(i for i in items if i != "")


def unit_problems(unit: Unit, got: Returned, where: str, shown: str) -> list[Problem]:
    """What is wrong with a returned unit: its source changed, or an inline element of its target."""
    if got.source is None or got.source != unit.source:
        return [error(shown, got.source_line, f"unit {unit.id} of {where}: the source text no longer matches the "
                      "original (it changed since this file was exported)", "export the article again and let your "
                      "translation memory carry the translation over", code="source-changed")]
    if not unit.translate or got.target is None:
        return []
    found = [error(shown, line, f"unit {unit.id} of {where}: {message}", "copy the tags of the source into the "
                   "target with your translation tool, never by hand", code="broken-tag")
             for line, message in got.broken]
    counts: dict = {}
    for tag, line in got.tags:
        if tag.ctype == BREAK:
            continue
        counts[tag.id] = counts.get(tag.id, 0) + 1
        problem = tag_problem(unit, tag)
        if problem:
            found.append(error(shown, line, f"unit {unit.id} of {where}: {problem}",
                               "use the tag as the source has it", code="broken-tag"))
        elif counts[tag.id] == 2:
            found.append(error(shown, line, f"unit {unit.id} of {where}: inline element {tag.id} "
                               f"({describe_code(unit.code(tag.id))}) is there twice", "keep it once",
                               code="broken-tag"))
    required = tags_of(unit.target) if unit.target is not None else tags_of(unit.source)
    for tag in required:
        if tag.ctype != BREAK and tag.id not in counts:
            found.append(error(shown, got.target_line, f"unit {unit.id} of {where}: the target lacks inline element "
                               f"{tag.id} ({describe_code(unit.code(tag.id))})", "put the tag back where the "
                               "translation needs it", code="missing-tag"))
    return found


def tag_problem(unit: Unit, tag: Tag) -> str | None:
    """Why an element of a target does not fit the unit (None when it does)."""
    code = unit.code(tag.id)
    if code is None:
        return f"inline element <{tag.name} id=\"{tag.id}\"> is not one of this unit's"
    if tag.name != code.kind or (tag.ctype and tag.ctype != code.ctype):
        return f"inline element {tag.id} should be <{code.kind} ctype=\"{code.ctype}\"> ({describe_code(code)}), " \
               f"not <{tag.name}{' ctype=' + chr(34) + tag.ctype + chr(34) if tag.ctype else ''}>"
    if tag.name == "ph" and tag.content != (code.native,):
        return f"the code of inline element {tag.id} was changed (it should be {code.native!r})"
    return None


def describe_code(code: Code | None) -> str:
    """An element's Markdown, shortened, for messages."""
    if code is None:
        return "?"
    text = f"{code.native}…{code.close}" if code.kind == "g" else code.native
    text = text.replace("\n", "⏎")
    return f"{code.ctype} {text[:40]}{'…' if len(text) > 40 else ''}"


# ---------------------------------------------------------------- writing translations back

@dataclass
class Final:
    """A unit after import: its target (None: untranslated), state, and whether the target changed."""

    target: tuple | None
    state: str
    qualifier: str | None
    changed: bool


@dataclass
class Planned:
    """A translation file to write: its path, old bytes (None: a new file), new bytes, what changed."""

    path: Path
    shown: str
    old: bytes | None
    new: bytes
    summary: str


def final_units(article: Article, returned: dict) -> dict[str, Final]:
    """Each translatable unit's target and state after import (a unit not returned stays as it was)."""
    finals = {}
    for unit in article.units:
        if not unit.translate:
            continue
        got = returned.get(unit.id)
        if got is None or got.target is None:
            finals[unit.id] = Final(unit.target, unit.state, unit.qualifier, False)
            continue
        changed = unit.target is None or got.target != unit.target
        state = got.state or "translated"
        if state == "new":
            state = "translated"  # a target filled in without a state
        finals[unit.id] = Final(got.target, state, got.qualifier, changed)
    return finals


def plan_article(article: Article, returned: dict, config: Config) -> Planned | None:
    """The translation file after import, or None when nothing changes."""
    finals = final_units(article, returned)
    if article.translation is None and all(f.target is None for f in finals.values()):
        return None
    changed = any(f.changed for f in finals.values())
    done = all(f.target is not None and f.state in DONE for f in finals.values())
    missing = any(f.target is None for f in finals.values())
    machine = any(f.qualifier in MACHINE and f.state not in DONE for f in finals.values())
    status = "human" if done else "pending" if missing else "machine" if machine else (article.status or "pending")
    stale = article.recorded is not None and article.recorded != article.current
    translation: dict = {}
    if status != article.status:
        translation["status"] = status
    if done and (changed or status != article.status or stale):
        translation["source_hash"] = Quoted(article.current)  # as `check --stamp` writes it
    if done and all(f.state in SIGNED for f in finals.values()) and not article.reviewed:
        translation["reviewed"] = True
    elif article.reviewed and any(f.changed and f.state not in SIGNED for f in finals.values()):
        translation["reviewed"] = DELETE
    front = front_changes(article, finals)
    body_changed = any(finals[u.id].changed for u in article.units if u.pair is not None and u.id in finals)
    body = assemble_body(article, body_chunks(article, finals)) if body_changed or not article.translation else None
    if article.translation is None:
        return new_translation(article, front, translation, body or "\n")
    if not front and not translation and body is None:
        return None
    return edited_translation(article, front, translation, body)


def front_changes(article: Article, finals: dict) -> dict:
    """Headline fields whose value changes (a new translation copies what was not translated)."""
    changes = {}
    for unit in article.units:
        if unit.key is None:
            continue
        final = finals[unit.id]
        value = plain_text(final.target) if final.target is not None else None
        old = article.translation.meta.get(unit.key) if article.translation else None
        if value is None:
            if article.translation is not None:
                continue
            value = plain_text(unit.source)
        if value != old:
            changes[unit.key] = value
    return changes


@dataclass
class Chunk:
    """The Markdown of one pair in the translation: its block range there (None: new) and its new text (None: kept)."""

    span: tuple[int, int] | None
    text: str | None


def body_chunks(article: Article, finals: dict) -> list[Chunk]:
    """One chunk per body unit, in order: kept, written from its target, or copied from the original."""
    chunks = []
    for unit in article.units:
        if unit.pair is None:
            continue
        final = finals.get(unit.id)
        span = unit.pair.translation
        if final is None or final.target is None:
            if span is not None:
                chunks.append(Chunk(span, None))
            elif article.translation is None:  # a new translation keeps every block, the untranslated as they are
                first, last = unit.pair.original
                chunks.append(Chunk(None, "\n\n".join(copy_block(article, i) for i in range(first, last + 1))))
        elif not final.changed:
            chunks.append(Chunk(span, None))
        else:
            chunks.append(Chunk(span, render_target(article, unit, final.target)))
    return chunks


def copy_block(article: Article, index: int) -> str:
    """An original's block as it is, for a translation that has none yet (without any attribute list)."""
    block = article.o_parsed.get(index)
    text = article.o_blocks[index].text
    return "\n".join(text.split("\n")[:-1]) if block is not None and block.attrs and "\n" in text else text


def render_target(article: Article, unit: Unit, target: tuple) -> str:
    """The Markdown of a unit's target: one block per part, with the markers its pair needs."""
    parts = split_at_breaks(target)
    first, last = unit.pair.original
    sources, count = last - first + 1, len(parts)
    blocks = []
    for k, part in enumerate(parts):
        frame = frame_for(article, unit, k)
        text = render_block(frame, part, unit.code)
        if sources == count:
            marker = ""
        elif sources == 1:
            marker = f'data-pair="{first + 1}"' if k else ""
        else:
            marker = f'data-pair="{first + 1}-{last + 1}"'
        attrs = " ".join(a for a in (frame.attrs, marker) if a)
        blocks.append(text + (f"\n{{: {attrs} }}" if attrs else ""))
    return "\n\n".join(blocks)


def frame_for(article: Article, unit: Unit, k: int) -> ParsedBlock:
    """The frame of the k-th block of a target: the translation's block there, else the original's."""
    if unit.pair.translation is not None:
        first, last = unit.pair.translation
        if first + k <= last:
            return article.t_parsed[first + k]
    first, last = unit.pair.original
    return article.o_parsed[min(first + k, last)]


def assemble_body(article: Article, chunks: list[Chunk]) -> str:
    """The translation's body: kept chunks byte for byte with the blank lines around them, new ones in place."""
    if article.translation is None or not article.t_blocks:
        return "\n" + "\n\n".join(c.text for c in chunks) + "\n"
    lines = article.translation.body.split("\n")
    blocks, base = article.t_blocks, article.translation.body_line

    def start(i: int) -> int:
        return blocks[i].line - base

    def end(i: int) -> int:
        return start(i) + blocks[i].text.count("\n")
    spans = [c.span for c in chunks if c.span]
    out = lines[:start(spans[0][0])] if spans else []
    previous = None  # the last translation block written
    for k, chunk in enumerate(chunks):
        if k:
            adjacent = chunk.span and previous is not None and chunk.span[0] == previous + 1
            out += lines[end(previous) + 1:start(chunk.span[0])] if adjacent else [""]
        if chunk.span is None:
            out += chunk.text.split("\n")
            previous = None
            continue
        out += lines[start(chunk.span[0]):end(chunk.span[1]) + 1] if chunk.text is None else chunk.text.split("\n")
        previous = chunk.span[1]
    last = max((s[1] for s in spans), default=None)
    out += lines[end(last) + 1:] if last is not None else [""]
    return "\n".join(out)


def new_translation(article: Article, front: dict, translation: dict, body: str) -> Planned:
    """A new translation file: the translated headline fields and `translation:`, no inherited keys."""
    lines = ["---"]
    lines += [f"{key}: {flow(front[key])}" for key in FRONT_KEYS if key in front]
    if isinstance(article.original.meta.get("title_note"), str):
        lines.append(f"title_note: {flow(article.original.meta['title_note'])}")
    lines.append(f"translation: {flow({k: v for k, v in translation.items() if v is not DELETE})}")
    lines.append("---")
    data = ("\n".join(lines) + "\n" + body).encode("utf-8")
    verify(data, article, None, front, translation)
    return Planned(article.path, article.shown, None, data, summary_of(front, translation, body, new=True))


def edited_translation(article: Article, front: dict, translation: dict, body: str | None) -> Planned:
    """The translation file with its headline fields, `translation:` and body changed, the rest kept."""
    old = article.translation.path.read_bytes()
    text = old.decode("utf-8-sig") if old.startswith(b"\xef\xbb\xbf") else old.decode("utf-8")
    lines = text.split("\n")
    end = next(i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "..."))
    eol = "\r\n" if lines[0].endswith("\r") else "\n"
    yaml_text = "".join(line + "\n" for line in lines[1:end])
    changes = dict(front)
    if translation:
        changes["translation"] = translation
    yaml_text = edit_mapping(yaml_text, changes, KEY_ORDER, eol)
    rest = "\n".join(lines[end + 1:]) if body is None else body
    new = (lines[0] + "\n" + yaml_text + lines[end] + "\n" + rest).encode("utf-8")
    verify(new, article, text, front, translation)
    return Planned(article.path, article.shown, old, new, summary_of(front, translation, body, new=False))


def verify(data: bytes, article: Article, old_text: str | None, front: dict, translation: dict) -> None:
    """Refuse a file whose front matter would not read back as intended (a bug, said as an error)."""
    after = parse_front_matter(data.decode("utf-8"), article.shown)
    expected = dict(parse_front_matter(old_text, article.shown).meta) if old_text is not None else {}
    expected.update(front)
    if old_text is None and isinstance(article.original.meta.get("title_note"), str):
        expected["title_note"] = article.original.meta["title_note"]
    merged = dict(expected.get("translation") or {})
    for key, value in translation.items():
        if value is DELETE:
            merged.pop(key, None)
        else:
            merged[key] = value
    if merged or "translation" in expected or old_text is None:
        expected["translation"] = merged
    if after.problems or after.meta != expected:
        raise DigestError(error(article.shown, 1, "the translation's front matter could not be written without "
                                "changing something else", "set the values by hand: " + ", ".join(
                                    f"{k}: {v!r}" for k, v in {**front, **translation}.items()), code="import"))


def summary_of(front: dict, translation: dict, body: str | None, new: bool) -> str:
    """What an import changes in one file, in a few words."""
    parts = []
    if front:
        parts.append(", ".join(front))
    if body is not None:
        parts.append("body")
    if "status" in translation:
        parts.append(f"status {translation['status']}")
    if "source_hash" in translation:
        parts.append("source_hash stamped")
    if "reviewed" in translation:
        parts.append("reviewed" if translation["reviewed"] is True else "reviewed removed")
    return ("new translation: " if new else "") + "; ".join(parts)


def import_xliff(root: Path, data: bytes, shown: str, document: LineElement) -> list[Planned]:
    """The files an XLIFF 1.2 document changes; DigestError listing every problem when any unit is refused."""
    if document.get("version") != "1.2":
        raise DigestError(error(shown, document.line, f"XLIFF version {document.get('version')!r} is not supported",
                                "export XLIFF 1.2 from your translation tool", code="xliff-version"))
    project = load_project(root)
    config = project.config
    problems: list[Problem] = []
    planned: list[Planned] = []
    seen: set = set()
    for element in document:
        if local(element.tag) != "file":
            continue
        article = file_article(project, element, shown, problems)
        if article is None:
            continue
        if article.path in seen:
            problems.append(error(shown, element.line, f"{article.shown} is translated twice in this file",
                                  "keep one <file> per article and language", code="duplicate-file"))
            continue
        seen.add(article.path)
        returned, found = returned_units(article, element, shown)
        problems += found
        if not found:
            result = plan_article(article, returned, config)
            if result is not None:
                planned.append(result)
    if problems:
        raise DigestError(problems)
    return planned


def file_article(project: Project, element: LineElement, shown: str, problems: list) -> Article | None:
    """The article a <file> translates, checked against the project's languages."""
    config, root = project.config, project.root
    original = element.get("original", "")
    doc = next((d for d in project.loaded.documents if d.shown == original), None)
    if doc is None or doc.lang != config.original_language:
        problems.append(error(shown, element.line, f"the original {original!r} is not an original in content/",
                              "was it renamed or deleted since the export? export the article again",
                              code="unknown-file"))
        return None
    source = element.get("source-language")
    if code_for_tag(config, source) != config.original_language:
        problems.append(error(shown, element.line, f"this file translates from {source}, but the originals are in "
                              f"{language_tag(config, config.original_language)} (config.yaml, original_language)",
                              "export the article again", code="wrong-language"))
        return None
    lang = code_for_tag(config, element.get("target-language"))
    if lang is None or lang == config.original_language:
        problems.append(error(shown, element.line, f"the target language {element.get('target-language')!r} is not "
                              "one the site translates into", "set the file's target language to one of " +
                              ", ".join(language_tag(config, c) for c in config.codes[1:]), code="wrong-language"))
        return None
    versions = project.groups.get((doc.kind, doc.edition or "", doc.stem), {})
    return build_article(doc, versions.get(lang), lang, project.loaded.glossary)


def returned_units(article: Article, element: LineElement, shown: str) -> tuple[dict, list[Problem]]:
    """The units of a <file> by id, and the problems of each."""
    units = {u.id: u for u in article.units}
    where = article.original.shown
    returned, problems = {}, []
    for child in element.iter():
        if local(child.tag) != "trans-unit":
            continue
        got = read_unit(child)
        unit = units.get(got.id)
        if unit is None:
            problems.append(error(shown, got.line, f"unit {got.id!r} of {where} is not a block of the original",
                                  f"the units of this article are {', '.join(units)}; export the article again",
                                  code="unknown-unit"))
            continue
        if got.id in returned:
            problems.append(error(shown, got.line, f"unit {got.id} of {where} is there twice", "keep one",
                                  code="duplicate-unit"))
            continue
        problems += unit_problems(unit, got, where, shown)
        returned[got.id] = got
    return returned, problems


def plan_import(root: Path, path: Path, shown: str) -> list[Planned]:
    """The files a translator's file changes: an XLIFF's translations, or a TBX termbase's glossary terms."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DigestError(error(shown, None, f"cannot read this file ({exc.strerror})",
                                "check its name and permissions", code="unreadable")) from None
    document = parse_xml(data, shown)
    kind = local(document.tag)
    if kind == "xliff":
        return import_xliff(root, data, shown, document)
    if kind in ("martif", "tbx"):
        from .tbx import import_tbx
        return import_tbx(root, shown, document)
    raise DigestError(error(shown, document.line, f"a <{kind}> document is neither XLIFF nor TBX",
                            "import the .xlf file your translation tool exported, or a .tbx termbase",
                            code="not-xliff"))


def write_planned(planned: list[Planned]) -> None:
    """Write each file whole or not at all (new files never replace one made meanwhile)."""
    from .writer import write_atomic, write_new
    for item in planned:
        if item.old is None:
            write_new(item.path, item.new)
        else:
            write_atomic(item.path, item.new, durable=True)
