"""The glossary as a termbase: TBX-Basic (ISO 30042) for CAT tools, and terms read back from one.

Export writes content/glossary.yaml as one <termEntry> per key (its id the key), one <langSet> per
language. Import reads TBX-Basic (martif) or TBX 2019 (tbx, conceptEntry) and adds or updates
glossary keys: an entry is the key its id names, else the key whose term in the original language is
the same, else a new key made from the entry's id or its terms. glossary.yaml is edited as text, so its
comments and layout stay; nothing is written when an entry is refused.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from .content import SLUG_RE
from .errors import DigestError, Problem, error
from .sources import relative
from .xliff import XML_LANG, Planned, Project, code_for_tag, language_tag, load_project
from .xmlsafe import LineElement, local
from .yamledit import edit_mapping
from .yamlsafe import parse_yaml

ENTRY_NAMES = ("termEntry", "conceptEntry")
LANG_NAMES = ("langSet", "langSec")


def glossary_tbx(project: Project) -> bytes:
    """content/glossary.yaml as a TBX-Basic document (deterministic)."""
    config = project.config
    codes = [config.original_language] + [c for c in config.codes if c != config.original_language]
    root = ET.Element("martif", {"type": "TBX-Basic", XML_LANG: language_tag(config, config.original_language)})
    header = ET.SubElement(root, "martifHeader")
    desc = ET.SubElement(header, "fileDesc")
    title = config.title.get(config.original_language) or "Qingdao Digest"
    ET.SubElement(ET.SubElement(desc, "titleStmt"), "title").text = f"{title} — glossary"
    ET.SubElement(ET.SubElement(desc, "sourceDesc"), "p").text = "content/glossary.yaml, exported by Qingdao Digest"
    ET.SubElement(ET.SubElement(header, "encodingDesc"), "p", {"type": "XCSURI"}).text = "TBXBasicXCSV02.xcs"
    body = ET.SubElement(ET.SubElement(root, "text"), "body")
    for key, labels in project.loaded.glossary.items():
        entry = ET.SubElement(body, "termEntry", {"id": key if key[0].isalpha() else f"_{key}"})
        for code in codes:
            if labels.get(code):
                lang_set = ET.SubElement(entry, "langSet", {XML_LANG: language_tag(config, code)})
                ET.SubElement(ET.SubElement(lang_set, "tig"), "term").text = labels[code]
    ET.indent(root, "  ")
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">\n'
            + text + "\n").encode("utf-8")


def export_glossary(root: Path) -> tuple[bytes, int]:
    """The termbase and its number of entries."""
    project = load_project(root)
    return glossary_tbx(project), len(project.loaded.glossary)


def import_tbx(root: Path, shown: str, document: LineElement) -> list[Planned]:
    """The edit of content/glossary.yaml a termbase asks for ([] when it changes nothing)."""
    project = load_project(root)
    config = project.config
    glossary = project.loaded.glossary
    problems: list[Problem] = []
    changes: dict = {}
    owner: dict = {}  # key -> line of the entry that set it
    for entry in document.iter():
        if local(entry.tag) not in ENTRY_NAMES:
            continue
        labels = entry_labels(entry, config)
        term = labels.get(config.original_language)
        if not term:
            named = f"the entry {entry.get('id')!r}" if entry.get("id") else "this entry"
            problems.append(error(shown, entry.line, f"{named} has no term in "
                                  f"{language_tag(config, config.original_language)}", "add the original's term, "
                                  "or remove the entry", code="tbx-entry"))
            continue
        key = entry_key(entry.get("id", ""), labels, glossary, config.original_language, set(owner) | set(changes))
        if key in owner:
            problems.append(error(shown, entry.line, f"this entry and the one on line {owner[key]} are both the "
                                  f"glossary's '{key}'", "merge the two entries", code="tbx-entry"))
            continue
        owner[key] = entry.line
        merged = {**glossary.get(key, {}), **labels}
        if merged != glossary.get(key):
            changes[key] = {c: merged[c] for c in config.codes if c in merged} | {
                c: v for c, v in merged.items() if c not in config.codes}
    if problems:
        raise DigestError(problems)
    if not changes:
        return []
    return [glossary_edit(project.root, changes, glossary)]


def entry_labels(entry: LineElement, config) -> dict:
    """The first term of each configured language in an entry (languages the site lacks are left out)."""
    labels = {}
    for lang_set in entry:
        if local(lang_set.tag) not in LANG_NAMES:
            continue
        code = code_for_tag(config, lang_set.get(XML_LANG))
        term = next((t for t in lang_set.iter() if local(t.tag) == "term"), None)
        text = re.sub(r"\s+", " ", "".join(term.itertext())).strip() if term is not None else ""
        if code and text and code not in labels:
            labels[code] = text
    return labels


def entry_key(entry_id: str, labels: dict, glossary: dict, original: str, taken: set) -> str:
    """The glossary key of an entry: its id, else the key with the same original term, else a new one."""
    named = entry_id[1:] if entry_id.startswith("_") else entry_id
    if SLUG_RE.match(named) and named in glossary:
        return named
    same = next((k for k, v in glossary.items() if v.get(original) == labels[original] and k not in taken), None)
    if same:
        return same
    if SLUG_RE.match(named) and named not in taken:
        return named
    base = next((slugify(v) for c, v in labels.items() if c != original and slugify(v)), None) or \
        pinyin_key(labels[original])
    key, n = base, 2
    while key in glossary or key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def slugify(text: str) -> str:
    """Latin text as a key: 'SCO Demonstration Area' -> 'sco-demonstration-area' ('' when there is no Latin)."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:60].strip("-")


def pinyin_key(text: str) -> str:
    """Chinese text as a key, by its pinyin."""
    from pypinyin import lazy_pinyin
    return "-".join(p for token in lazy_pinyin(text) for p in re.findall(r"[a-z0-9]+", token.lower()))[:60] or "term"


def glossary_edit(root: Path, changes: dict, glossary: dict) -> Planned:
    """content/glossary.yaml with keys added or updated, the rest of the file as it was."""
    path = root / "content" / "glossary.yaml"
    old = path.read_bytes() if path.is_file() else None
    text = old.decode("utf-8") if old is not None else ""
    new = edit_mapping(text, changes).encode("utf-8")
    parsed = parse_yaml(new.decode("utf-8"))
    if parsed.problems or parsed.data != {**glossary, **changes}:
        raise DigestError(error(relative(path, root), 1, "the glossary could not be updated without changing "
                                "something else", "add the terms by hand", code="import"))
    added = [k for k in changes if k not in glossary]
    summary = f"{len(added)} term{'s' if len(added) != 1 else ''} added, {len(changes) - len(added)} updated"
    return Planned(path, relative(path, root), old, new, summary)

