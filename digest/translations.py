"""Comparing an original with its translation: blocks, structure, glossary terms and source hashes.

Pure functions over Documents; the checker (check.py) turns their answers into findings.
"""
from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass

from .content import Document

HEADING_RE = re.compile(r"^#{1,6}\s")
FENCE_RE = re.compile(r"^(```|~~~)")
HEADLINE_KEYS = ("kicker", "title", "subtitle", "summary")
HASH_CHARS = 6  # per block: enough to tell paragraphs apart, short enough for front matter
HASH_RE = re.compile(r"^[0-9a-f]+( [0-9a-f]+)*$")


@dataclass(frozen=True)
class Block:
    """One block of a Markdown body: a paragraph (or list, quote, table) or a heading."""

    kind: str  # "paragraph" or "heading"
    text: str
    line: int  # in the .md file


def split_blocks(body: str, first_line: int) -> list[Block]:
    """Blocks of a body separated by blank lines (not inside fenced code), with their file lines."""
    blocks: list[Block] = []
    current: list[str] = []
    start = first_line
    fenced = False
    for number, raw in enumerate(body.split("\n"), start=first_line):
        if FENCE_RE.match(raw.strip()):
            fenced = not fenced
        if raw.strip() or fenced:
            if not current:
                start = number
            current.append(raw)
        elif current:
            blocks.append(make_block(current, start))
            current = []
    if current:
        blocks.append(make_block(current, start))
    return blocks


def make_block(lines: list[str], line: int) -> Block:
    """A block from its lines."""
    text = "\n".join(lines).strip()
    return Block("heading" if HEADING_RE.match(text) else "paragraph", text, line)


def count_kinds(blocks: list[Block]) -> tuple[int, int]:
    """(paragraphs, headings)."""
    headings = sum(1 for b in blocks if b.kind == "heading")
    return len(blocks) - headings, headings


def divergence(original: list[Block], translation: list[Block]) -> int | None:
    """The index of the first block whose kind differs (or that one side lacks); None when aligned."""
    for index in range(max(len(original), len(translation))):
        if index >= len(original) or index >= len(translation):
            return index
        if original[index].kind != translation[index].kind:
            return index
    return None


def ordinal_of(blocks: list[Block], index: int) -> str:
    """'paragraph 3' or 'heading 2': the block's number among blocks of its kind."""
    if index >= len(blocks):
        return "the end"
    kind = blocks[index].kind
    number = sum(1 for b in blocks[: index + 1] if b.kind == kind)
    return f"{kind} {number}"


def squash(text: str) -> str:
    """Whitespace collapsed, for term look-ups across line breaks."""
    return re.sub(r"\s+", " ", text)


def headline_text(doc: Document) -> str:
    """The translated front matter fields of a document, joined."""
    return " ".join(str(doc.meta[k]) for k in HEADLINE_KEYS if isinstance(doc.meta.get(k), str))


def missing_terms(original: Document, translation: Document, glossary: dict) -> list[tuple[str, dict, int | None]]:
    """Glossary terms in the original whose form in the translation's language is absent from it.

    Returns (key, labels, block index in the original or None for the headline), in glossary order.
    """
    source_blocks = split_blocks(original.body, original.body_line)
    source = squash(headline_text(original) + "\n" + original.body)
    target = squash(headline_text(translation) + "\n" + translation.body)
    found = []
    for key, labels in glossary.items():
        term, wanted = labels.get(original.lang), labels.get(translation.lang)
        if not term or not wanted or term not in source or wanted in target:
            continue
        index = next((i for i, b in enumerate(source_blocks) if term in squash(b.text)), None)
        found.append((key, labels, index))
    return found


def block_hashes(doc: Document) -> list[str]:
    """Short hashes of the original's headline and of each body block, in order."""
    parts = [squash(headline_text(doc)).strip()] + [squash(b.text) for b in split_blocks(doc.body, doc.body_line)]
    return [hashlib.blake2b(p.encode("utf-8"), digest_size=8).hexdigest()[:HASH_CHARS] for p in parts]


def source_hash(doc: Document) -> str:
    """The value recorded as `translation.source_hash`: the headline's hash, then one per block."""
    return " ".join(block_hashes(doc))


def recorded_hash(doc: Document) -> str | None:
    """The source hash stamped in a translation's front matter, if any."""
    value = (doc.meta.get("translation") or {}).get("source_hash") if isinstance(
        doc.meta.get("translation"), dict) else None
    return None if value is None else str(value).strip()


def valid_hash(value: str) -> bool:
    """A source hash as written by `check --stamp`."""
    return bool(HASH_RE.match(value))


def changes_since(recorded: str, original: Document) -> list[str]:
    """What changed in the original since the hash was recorded: 'the headline', 'paragraph 3 changed', …"""
    old, new = recorded.split(), block_hashes(original)
    blocks = split_blocks(original.body, original.body_line)
    changes = []
    if old[:1] != new[:1]:
        changes.append("the headline changed")
    matcher = difflib.SequenceMatcher(a=old[1:], b=new[1:], autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        kept = min(a2 - a1, b2 - b1) if tag == "replace" else 0
        changes += [f"{ordinal_of(blocks, i)} changed (line {blocks[i].line})" for i in range(b1, b1 + kept)]
        changes += [f"{ordinal_of(blocks, i)} added (line {blocks[i].line})" for i in range(b1 + kept, b2)
                    if tag != "equal"]
        removed = (a2 - a1) - kept if tag in ("replace", "delete") else 0
        if removed:
            changes.append(f"{removed} block{'s' if removed != 1 else ''} removed before {ordinal_of(blocks, b2)}")
    return changes
