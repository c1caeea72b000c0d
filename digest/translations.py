"""Comparing an original with its translation: blocks, structure, glossary terms and source hashes.

Pure functions over Documents; the checker (check.py) turns their answers into findings.
"""
from __future__ import annotations

import difflib
import hashlib
import math
import re
from dataclasses import dataclass

from .content import Document

HEADING_RE = re.compile(r"^#{1,6}\s")
FENCE_RE = re.compile(r"^(```|~~~)")
HEADLINE_KEYS = ("kicker", "title", "subtitle", "summary")
HASH_CHARS = 6  # per block: enough to tell paragraphs apart, short enough for front matter
HASH_RE = re.compile(r"^[0-9a-f]+( [0-9a-f]+)*$")
# The alignment marker of a translation's block: an attribute list naming the original's blocks it
# translates, `{: data-pair="5" }` or `{: data-pair="3-4" }` (README, "Bilingual reading").
PAIR_RE = re.compile(r'\{:[^}]*\bdata-pair="(\d+)(?:-(\d+))?"[^}]*\}')


@dataclass(frozen=True)
class Block:
    """One block of a Markdown body: a paragraph (or list, quote, table) or a heading."""

    kind: str  # "paragraph" or "heading"
    text: str
    line: int  # in the .md file

    @property
    def pair(self) -> tuple[int, int] | None:
        """The original's blocks (first, last; counted from 1) this block's marker names, if it has one."""
        return parse_pair(self.text)


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


def parse_pair(text: str) -> tuple[int, int] | None:
    """The range of a `data-pair="3-4"` marker in a block's Markdown or opening HTML tag."""
    found = PAIR_RE.search(text) or HTML_PAIR_RE.search(text)
    if found is None:
        return None
    first = int(found.group(1))
    return first, int(found.group(2) or first)


HTML_PAIR_RE = re.compile(r'^<[a-z0-9]+[^>]*\sdata-pair="(\d+)(?:-(\d+))?"')


@dataclass(frozen=True)
class Pair:
    """Blocks of an original and of its translation shown side by side: index ranges (first, last), or None."""

    original: tuple[int, int] | None
    translation: tuple[int, int] | None

    @property
    def number(self) -> int | None:
        """The pair's paragraph number, counted in the original from 1 (None for a block the original lacks)."""
        return None if self.original is None else self.original[0] + 1


@dataclass(frozen=True)
class MarkerProblem:
    """A marker that contradicts the order of the blocks: the translation block's index and what was expected."""

    index: int
    found: tuple[int, int]
    expected: int


def pair_blocks(originals: int | None, marks: list) -> tuple[list[Pair], list[MarkerProblem]]:
    """Group blocks into pairs by order, as the translation's markers say (one mechanism for check and pages).

    marks holds, per translation block, the original range its marker names (counted from 1) or None.
    An unmarked block translates the next original block; a marker naming several blocks is a merge;
    a marker repeating the previous block's range continues it (a split). originals=None: count unknown.
    """
    pairs: list[Pair] = []
    problems: list[MarkerProblem] = []
    following = 0  # index of the next original block
    for index, mark in enumerate(marks):
        wanted = (following, following) if mark is None else (mark[0] - 1, mark[1] - 1)
        if pairs and pairs[-1].original == wanted and mark is not None:
            pairs[-1] = Pair(wanted, (pairs[-1].translation[0], index))
            continue
        if wanted[0] != following or wanted[1] < wanted[0] or (originals is not None and wanted[1] >= originals
                                                                and mark is not None):
            problems.append(MarkerProblem(index, mark, following + 1))
            wanted = (following, following)
        if originals is not None and wanted[0] >= originals:
            pairs.append(Pair(None, (index, index)))
        else:
            pairs.append(Pair(wanted, (index, index)))
        following = wanted[1] + 1
    if originals is not None:
        pairs += [Pair((i, i), None) for i in range(following, originals)]
    return pairs, problems


@dataclass(frozen=True)
class Misalignment:
    """Where an original and its translation part with no marker to say why: original and translation ranges."""

    kind: str  # "merged", "split", "missing", "extra", "kinds"
    original: tuple[int, int] | None
    translation: tuple[int, int] | None


STEPS = {(1, 1): 0.0, (2, 1): 3.0, (1, 2): 3.0, (1, 0): 5.0, (0, 1): 5.0}  # cost of each kind of step
SIGMA = 0.35  # spread of log(translation length / expected length) for a faithful pair


def find_misalignments(original: list[Block], translation: list[Block]) -> list[Misalignment]:
    """Pairs (after the markers) that are not one to one, found by their lengths, like Gale and Church.

    The pairs the markers give are aligned again, allowing one pair to match two (a merge or a split)
    or none: a heading matches only a heading, and lengths keep the ratio of the whole text. A
    translator's merge and split elsewhere balance in a count of blocks but not in lengths.
    """
    pairs, _ = pair_blocks(len(original), [b.pair for b in translation])
    units_o = [p.original for p in pairs if p.original is not None]
    units_t = [p.translation for p in pairs if p.translation is not None]
    size_o = [sum(len(squash(b.text)) for b in original[a:z + 1]) for a, z in units_o]
    size_t = [sum(len(squash(PAIR_RE.sub("", b.text))) for b in translation[a:z + 1]) for a, z in units_t]
    kind_o = [unit_kind(original, u) for u in units_o]
    kind_t = [unit_kind(translation, u) for u in units_t]
    ratio = (sum(size_t) + 1) / (sum(size_o) + 1)
    steps = align_units(size_o, size_t, kind_o, kind_t, ratio)
    found = []
    i = j = 0
    for di, dj in steps:
        span_o = (units_o[i][0], units_o[i + di - 1][1]) if di else None
        span_t = (units_t[j][0], units_t[j + dj - 1][1]) if dj else None
        if (di, dj) != (1, 1):
            found.append(Misalignment({(2, 1): "merged", (1, 2): "split", (1, 0): "missing", (0, 1): "extra"}[di, dj],
                                      span_o, span_t))
        elif kind_o[i] != kind_t[j]:
            found.append(Misalignment("kinds", span_o, span_t))
        i, j = i + di, j + dj
    return found


def unit_kind(blocks: list[Block], unit: tuple[int, int]) -> str:
    """heading when every block of a unit is one, else paragraph."""
    return "heading" if all(b.kind == "heading" for b in blocks[unit[0]:unit[1] + 1]) else "paragraph"


def align_units(size_o: list, size_t: list, kind_o: list, kind_t: list, ratio: float) -> list[tuple[int, int]]:
    """The cheapest path of steps (di, dj) through both sequences (dynamic programming)."""
    n, m = len(size_o), len(size_t)
    smooth = 10 * ratio
    cost = [[math.inf] * (m + 1) for _ in range(n + 1)]
    back: list[list] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == math.inf:
                continue
            for (di, dj), penalty in STEPS.items():
                a, b = i + di, j + dj
                if a > n or b > m:
                    continue
                step = here + penalty
                if di and dj:
                    kinds = {kind_o[k] for k in range(i, a)} | {kind_t[k] for k in range(j, b)}
                    if len(kinds) > 1:
                        step += 8.0 if (di, dj) == (1, 1) else math.inf
                    gap = math.log((sum(size_t[j:b]) + smooth) / (ratio * sum(size_o[i:a]) + smooth))
                    step += gap * gap / (2 * SIGMA * SIGMA)
                if step < cost[a][b]:
                    cost[a][b], back[a][b] = step, (di, dj)
    path = []
    i, j = n, m
    while (i, j) != (0, 0):
        di, dj = back[i][j]
        path.append((di, dj))
        i, j = i - di, j - dj
    return path[::-1]


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


def stale_parts(recorded: str, original: Document) -> tuple[bool, set[int]]:
    """Whether the headline changed since the hash was recorded, and which blocks of the original (indices) did."""
    old, new = recorded.split(), block_hashes(original)
    matcher = difflib.SequenceMatcher(a=old[1:], b=new[1:], autojunk=False)
    kept = {j for tag, _, _, b1, b2 in matcher.get_opcodes() if tag == "equal" for j in range(b1, b2)}
    return old[:1] != new[:1], set(range(len(new) - 1)) - kept


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
