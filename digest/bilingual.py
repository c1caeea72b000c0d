"""Body HTML as numbered blocks: paragraph ids and ¶ links, pairs of original and translation, glossary marks.

Pure functions over a shaped body (body.py: its blocks come from a parsed tree, its ids and relative
URLs carry markers that body.place() fills in per page); the pairing itself is
translations.pair_blocks, the one mechanism `check` uses too. Results are cached per process: a body
is shown on several pages, and its numbered form does not depend on the page, only on its language.
"""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import escape

from .body import Body, HtmlBlock
from .i18n import ui
from .translations import Pair, pair_blocks

TOKEN_RE = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>", re.S)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
LINKABLE = HEADINGS | {"p", "blockquote"}  # blocks that may hold a ¶ link (phrasing content)
# Blocks whose content may start with an empty <span>: where a block that has its author's id gets ours
ANCHORABLE = LINKABLE | {"div", "section", "article", "aside", "figure", "header", "footer", "nav"}
OPEN_TAG_RE = re.compile(r"^<([a-zA-Z][a-zA-Z0-9]*)")
ID_RE = re.compile(r'^<[^>]*\sid="')


def with_attrs(html: str, attrs: str) -> str:
    """An element with attributes added to its opening tag."""
    found = OPEN_TAG_RE.match(html)
    return html if found is None else html[:found.end()] + attrs + html[found.end():]


def with_link(block: HtmlBlock, html: str, link: str) -> str:
    """A block with a ¶ link before its closing tag, where its content model allows one."""
    if not link or block.tag not in LINKABLE:
        return html
    end = html.rfind("</")
    return html[:end] + link + html[end:]


def after_open(html: str, inner: str) -> str:
    """An element with some HTML put at the start of its content."""
    end = html.find(">") + 1
    return html[:end] + inner + html[end:]


def numbers_of(pairs: list[Pair], side: str, count: int) -> list[tuple[str, list[str]]]:
    """Per block of one side: its id and the extra ids it answers to (the other blocks of a merge)."""
    found: list[tuple[str, list[str]]] = [("", [])] * count
    extra = 0
    for pair in pairs:
        span = getattr(pair, side)
        if span is None:
            continue
        if pair.original is None:
            extra += 1
            for k in range(span[0], span[1] + 1):
                found[k] = (f"x{extra}", [])
            continue
        first, last = pair.original
        number = first + 1
        if side == "original":
            for k in range(span[0], span[1] + 1):
                found[k] = (f"p{k + 1}", [])
        else:
            found[span[0]] = (f"p{number}", [f"p{n + 1}" for n in range(first + 1, last + 1)])
            for part, k in enumerate(range(span[0] + 1, span[1] + 1), start=2):
                found[k] = (f"p{number}-{part}", [])
    return found


def pairs_of(original: tuple[HtmlBlock, ...], translation: tuple[HtmlBlock, ...] | None) -> list[Pair]:
    """The pairs of a body and its translation (translation None: the original on its own)."""
    if translation is None:
        return [Pair((i, i), None) for i in range(len(original))]
    return pair_blocks(len(original), [b.pair for b in translation])[0]


def anchors(ids: list[str]) -> str:
    """Empty elements carrying the ids a merged block also answers to."""
    return "".join(f'<span id="{i}"></span>' for i in ids)


@lru_cache(maxsize=4096)
def numbered_body(body: Body, is_original: bool, lang: str, glossary=None, body_lang: str = "", other: str = "",
                  other_hreflang: str = "") -> str:
    """A single-language article body: every block with its id (counted in the original) and a ¶ link.

    lang: the page's language (the ¶ links' labels). The result keeps body.py's markers: place() it.
    """
    blocks = body.blocks
    side = "original" if is_original else "translation"
    pairs = pairs_of(blocks, None) if is_original else pair_blocks(None, [b.pair for b in blocks])[0]
    out = []
    for block, (own, more) in zip(blocks, numbers_of(pairs, side, len(blocks))):
        inner = mark_block(block, glossary, body_lang, other, other_hreflang)
        label = ui(lang, "paragraph_link", n=own.lstrip("px"))
        link = f'<a class="pilcrow" href="#{own}" aria-label="{escape(label)}">¶</a>'
        inner = with_link(block, inner, link)
        if ID_RE.match(inner):  # the author gave it an id ({: #name }): ours goes inside, where it may
            more = [own, *more] if block.tag in ANCHORABLE else more
        else:
            inner = with_attrs(inner, f' id="{own}"')
        if more:
            inner = after_open(inner, anchors(more))
        out.append(inner)
    return "\n".join(out) + ("\n" + body.notes if body.notes else "")


@dataclass(frozen=True)
class Row:
    """One pair of a bilingual page: its id and number, and each side's HTML (empty when one lacks it).

    kind is heading, paragraph, or notes (the footnotes of both sides, last, with no id).
    """

    id: str
    number: int | None
    kind: str
    original: str
    translation: str


@lru_cache(maxsize=1024)
def bilingual_rows(original: Body, translation: Body, glossary, langs: tuple, hreflangs: tuple) -> tuple[Row, ...]:
    """The pairs of a bilingual page: original and translation side by side, glossary terms marked.

    langs and hreflangs: (original's, translation's). The original's blocks after the first of a
    merge keep their own ids, so #p4 finds the pair that holds paragraph 4. Each side keeps body.py's
    markers: place() it with its language's id prefix.
    """
    ours, theirs = original.blocks, translation.blocks
    rows = []
    extra = 0
    for pair in pairs_of(ours, theirs):
        left = side_html(ours, pair.original, glossary, langs[0], langs[1], hreflangs[1], True)
        right = side_html(theirs, pair.translation, glossary, langs[1], langs[0], hreflangs[0], False)
        if pair.original is None:
            extra += 1
        kinds = {b.kind for span, side in ((pair.original, ours), (pair.translation, theirs)) if span
                 for b in side[span[0]:span[1] + 1]}
        rows.append(Row(f"x{extra}" if pair.original is None else f"p{pair.number}", pair.number,
                        "heading" if kinds == {"heading"} else "paragraph", left, right))
    if original.notes or translation.notes:
        rows.append(Row("", None, "notes", original.notes, translation.notes))
    return tuple(rows)


def side_html(blocks: tuple[HtmlBlock, ...], span: tuple[int, int] | None, glossary, lang: str, other: str,
              other_hreflang: str, own_ids: bool) -> str:
    """The blocks of one side of a pair, glossary terms marked."""
    if span is None:
        return ""
    parts = []
    for k in range(span[0], span[1] + 1):
        html = mark_block(blocks[k], glossary, lang, other, other_hreflang)
        if own_ids and k > span[0]:
            html = with_attrs(html, f' id="p{k + 1}"')
        parts.append(html)
    return "\n".join(parts)


# --- glossary marks ------------------------------------------------------------------------------------

SKIP_TAGS = frozenset({"a", "code", "pre", "script", "style", "kbd", "samp"}) | HEADINGS
TERM_OPEN = '<span class="term">'


@dataclass(frozen=True)
class Glossary:
    """The glossary's term pairs as pages use them, with one fingerprint (page contexts hash it once)."""

    terms: tuple  # ((key, ((lang, label), …)), …)
    fp: str = ""

    def labels(self) -> dict:
        """key -> {lang: label}."""
        return {key: dict(pairs) for key, pairs in self.terms}


@lru_cache(maxsize=64)
def term_pattern(glossary: Glossary, lang: str, other: str) -> tuple[re.Pattern | None, dict]:
    """One regex of a language's terms, longest first (so the longest match wins), and term -> other form."""
    forms = {}
    for key, pairs in glossary.terms:
        labels = dict(pairs)
        if labels.get(lang) and labels.get(other):
            forms.setdefault(labels[lang], labels[other])
    if not forms:
        return None, forms
    ordered = sorted(forms, key=lambda term: (-len(term), term))
    # as Python-Markdown writes text: &, < and > escaped, quotes as they are
    pattern = re.compile("|".join(term_regex(htmllib.escape(term, quote=False)) for term in ordered))
    return pattern, {htmllib.escape(term, quote=False): form for term, form in forms.items()}


def term_regex(term: str) -> str:
    """A term as a regex; a side that is a Latin letter or digit must not continue a word."""
    before = r"(?<![A-Za-z0-9])" if term[:1].isascii() and term[:1].isalnum() else ""
    after = r"(?![A-Za-z0-9])" if term[-1:].isascii() and term[-1:].isalnum() else ""
    return before + re.escape(term) + after


@lru_cache(maxsize=16384)
def mark_block(block: HtmlBlock, glossary, lang: str, other: str, other_hreflang: str) -> str:
    """A block with the glossary's terms marked outside links, headings, code and other marks."""
    if glossary is None or block.tag in HEADINGS or block.tag == "pre":
        return block.html
    pattern, forms = term_pattern(glossary, lang, other)
    if pattern is None:
        return block.html
    return mark_terms(block.html, pattern, forms, other_hreflang)


def mark_terms(html: str, pattern: re.Pattern, forms: dict, hreflang: str) -> str:
    """Mark each term's first occurrence in the text between tags, skipping the content of SKIP_TAGS."""
    out = []
    skipping = 0
    position = 0
    seen: set = set()

    def mark(found: re.Match) -> str:
        term = found.group(0)
        if term in seen:
            return term
        seen.add(term)
        return term_html(term, forms, hreflang)
    for match in TOKEN_RE.finditer(html):
        text = html[position:match.start()]
        out.append(text if skipping else pattern.sub(mark, text))
        tag = (match.group(2) or "").lower()
        if tag in SKIP_TAGS and not match.group(3):
            skipping += -1 if match.group(1) else 1
        out.append(match.group(0))
        position = match.end()
    rest = html[position:]
    out.append(rest if skipping else pattern.sub(mark, rest))
    return "".join(out)


def term_html(term: str, forms: dict, hreflang: str) -> str:
    """A marked term: the other language's form is visually hidden text (read by screen readers) and a tooltip."""
    return (f'{TERM_OPEN}{term}<span class="term-gloss" lang="{hreflang}"> ({escape(forms[term])})</span>'
            f"</span>")
