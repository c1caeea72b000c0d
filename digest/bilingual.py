"""Body HTML as numbered blocks: paragraph ids and ¶ links, pairs of original and translation, glossary marks.

Pure functions over the HTML Python-Markdown makes; the pairing itself is translations.pair_blocks,
the one mechanism `check` uses too. Results are cached per process: each body is shown on several pages.
"""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from .translations import Pair, pair_blocks, parse_pair

TOKEN_RE = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>", re.S)
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
LINKABLE = HEADINGS | {"p", "blockquote"}  # blocks that may hold a ¶ link (phrasing content)
PAIR_ATTR_RE = re.compile(r'\s+data-pair="[^"]*"')
OPEN_TAG_RE = re.compile(r"^<([a-zA-Z][a-zA-Z0-9]*)")
ID_RE = re.compile(r'^<[^>]*\sid="')


@dataclass(frozen=True)
class HtmlBlock:
    """One top-level element of a body: its tag, its HTML (marker removed) and its marker's range."""

    tag: str
    html: str
    pair: tuple[int, int] | None

    @property
    def kind(self) -> str:
        """heading or paragraph, as translations.Block has it."""
        return "heading" if self.tag in HEADINGS else "paragraph"


@lru_cache(maxsize=8192)
def split_html(html: str) -> tuple[tuple[HtmlBlock, ...], str]:
    """Top-level blocks of a body, and what follows them unnumbered (the footnotes)."""
    blocks: list[HtmlBlock] = []
    depth, start, tail = 0, None, ""
    for match in TOKEN_RE.finditer(html):
        closing, tag, self_closing = match.group(1), (match.group(2) or "").lower(), match.group(3)
        if not tag:
            continue  # a comment
        if depth == 0 and not closing:
            start = match.start()
            if tag == "div" and 'class="footnote"' in match.group(0):
                tail = html[start:]
                break
        if tag in VOID or self_closing:
            if depth == 0:
                blocks.append(make_html_block(tag, html[start:match.end()]))
            continue
        depth += -1 if closing else 1
        if depth == 0 and closing:
            blocks.append(make_html_block(tag, html[start:match.end()]))
    return tuple(blocks), tail


def make_html_block(tag: str, html: str) -> HtmlBlock:
    """A block, its alignment marker read from its opening tag and removed."""
    head_end = html.find(">")
    head = html[:head_end]
    if "data-pair" not in head:
        return HtmlBlock(tag, html, None)
    return HtmlBlock(tag, PAIR_ATTR_RE.sub("", head) + html[head_end:], parse_pair(head))


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


def numbered_body(html: str, is_original: bool, link_label, glossary=None, lang: str = "", other: str = "",
                  other_hreflang: str = "") -> Markup:
    """A single-language article body: every block with its id (counted in the original) and a ¶ link."""
    blocks, tail = split_html(str(html))  # plain text: Markup would escape what is added to it
    side = "original" if is_original else "translation"
    pairs = pairs_of(blocks, None) if is_original else pair_blocks(None, [b.pair for b in blocks])[0]
    out = []
    for block, (own, more) in zip(blocks, numbers_of(pairs, side, len(blocks))):
        inner = mark_block(block, glossary, lang, other, other_hreflang)
        link = f'<a class="pilcrow" href="#{own}" aria-label="{escape(link_label(own))}">¶</a>'
        inner = with_link(block, inner, link)
        if ID_RE.match(inner):  # the author gave it an id ({: #name }): ours goes inside, where it may
            more = [own, *more] if block.tag in LINKABLE else more
        else:
            inner = with_attrs(inner, f' id="{own}"')
        if more:
            inner = after_open(inner, anchors(more))
        out.append(inner)
    return Markup("\n".join(out) + ("\n" + tail if tail else ""))


@dataclass(frozen=True)
class Row:
    """One pair of a bilingual page: its id and number, and each side's HTML (empty when one lacks it)."""

    id: str
    number: int | None
    kind: str
    original: Markup
    translation: Markup


def bilingual_rows(original_html: str, translation_html: str, glossary, langs: tuple, hreflangs: tuple) -> list[Row]:
    """The pairs of a bilingual page: original and translation side by side, glossary terms marked.

    langs and hreflangs: (original's, translation's). The original's blocks after the first of a
    merge keep their own ids, so #p4 finds the pair that holds paragraph 4.
    """
    ours, _ = split_html(str(original_html))
    theirs, _ = split_html(str(translation_html))
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
    return rows


def side_html(blocks: tuple[HtmlBlock, ...], span: tuple[int, int] | None, glossary, lang: str, other: str,
              other_hreflang: str, own_ids: bool) -> Markup:
    """The blocks of one side of a pair, glossary terms marked."""
    if span is None:
        return Markup("")
    parts = []
    for k in range(span[0], span[1] + 1):
        html = mark_block(blocks[k], glossary, lang, other, other_hreflang)
        if own_ids and k > span[0]:
            html = with_attrs(html, f' id="p{k + 1}"')
        parts.append(html)
    return Markup("\n".join(parts))


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
