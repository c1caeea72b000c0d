"""A converted body, shaped once, and the one function that places it where it is shown.

Python-Markdown's HTML is parsed once per body, when it is converted (and cached by body hash), with
lxml's HTML parser, which repairs unbalanced markup: a stray end tag is dropped, an element left open
is closed where its parent ends, so no text is lost however the raw HTML was written. From the tree:

* the body's top-level blocks (what paragraph numbers and bilingual pairs count) and its footnotes;
* every id it declares, and every reference to one (`href="#…"`, `for`, `aria-*`), written with
  ID_MARK in front: a context gives the body its own namespace with one str.replace;
* every relative URL (Markdown or raw HTML) written between LINK_MARK and LINK_END, to be resolved
  for its article (pages.resolve_target: the site path it leads to) and rooted for the page that
  shows it;
* its text, for the excerpt and the reading time.

`place()` is the one way a body reaches a page, a feed or a bilingual column: a few replacements on
the cached HTML, never a parse. README "How bodies are adapted to the places they appear in".
"""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser

from lxml import etree

from .markdown import convert

# Markers in cached HTML. NUL cannot come from the text: the parser turns it into U+FFFD, as browsers do.
ID_MARK = "\x00#"  # before an id and before every reference to one
LINK_MARK, LINK_END = "\x00@", "\x00"  # around a relative URL, as written
LINK_RE = re.compile("\x00@([^\x00]*)\x00")
ID_ATTR_RE = re.compile(r'\s[^\s="]+="\x00#[^"]*"')  # an id, or an attribute that only names ids

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                  "track", "wbr", "keygen", "basefont", "bgsound", "frame", "image", "isindex"})
RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "plaintext"})
# Phrasing content: a run of these (or of text) between blocks is wrapped in a paragraph of its own.
PHRASING = frozenset({"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "font",
                      "i", "img", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strike",
                      "strong", "sub", "sup", "time", "tt", "u", "var", "wbr", "nobr", "big"})
URL_ATTRS = frozenset({"href", "src", "poster", "cite", "action", "formaction", "background", "longdesc", "data"})
IDREF_ATTRS = frozenset({"for", "headers", "list", "form", "popovertarget", "aria-labelledby", "aria-describedby",
                         "aria-controls", "aria-owns", "aria-details", "aria-activedescendant", "aria-errormessage",
                         "aria-flowto"})
DOCUMENT_TAGS_RE = re.compile(r"</?(?:html|head|body)(?=[\s/>])[^>]*>", re.I)
SURROGATE_RE = re.compile("[\ud800-\udfff]")
ATTR_NAME_RE = re.compile(r"^[^\s\"'<>/=\x00-\x1f\x7f]+$")
SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*:|//)", re.I)
# Control characters a character reference brought in (&#11;) go back out as references, never raw.
CONTROLS = {code: f"&#{code};" for code in [*range(1, 9), 11, 12, *range(14, 32), *range(127, 160), 0xFFFE, 0xFFFF]}
TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\xa0": "&#160;", **CONTROLS})
ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\xa0": "&#160;", **CONTROLS})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
PAIR_RE = re.compile(r"^\s*(\d+)(?:\s*-\s*(\d+))?\s*$")


@dataclass(frozen=True)
class HtmlBlock:
    """One top-level element of a body: its tag, its HTML (with markers, pair marker removed) and its marker's range."""

    tag: str
    html: str
    pair: tuple[int, int] | None

    @property
    def kind(self) -> str:
        """heading or paragraph, as translations.Block has it."""
        return "heading" if self.tag in HEADINGS else "paragraph"


@dataclass(frozen=True, eq=False)
class Body:
    """A body as pages use it: its blocks, its footnotes, and the ids its author wrote (for check)."""

    blocks: tuple[HtmlBlock, ...]
    notes: str = ""
    hand_ids: tuple[str, ...] = ()

    @cached_property
    def html(self) -> str:
        """The whole body, blocks and footnotes, with its markers."""
        return "\n".join([b.html for b in self.blocks] + ([self.notes] if self.notes else []))

    def to_cache(self) -> list:
        """The cache's form (JSON types): [[tag, html, first, last], …], notes, ids."""
        return [[[b.tag, b.html, *(b.pair or (0, 0))] for b in self.blocks], self.notes, list(self.hand_ids)]

    @classmethod
    def from_cache(cls, value) -> Body | None:
        """A body from its cache form; None for anything else (an older format is a miss)."""
        try:
            rows, notes, ids = value
            blocks = tuple(HtmlBlock(tag, html, (first, last) if first else None) for tag, html, first, last in rows)
        except (TypeError, ValueError):
            return None
        if not (isinstance(notes, str) and all(isinstance(b.html, str) and isinstance(b.tag, str) for b in blocks)
                and isinstance(ids, list)):
            return None
        return cls(blocks, notes, tuple(ids))


@dataclass(frozen=True)
class Facts:
    """What is measured on a body when it is converted: its paragraphs' text, all its text, its relative URLs."""

    paragraphs: tuple[str, ...]
    text: str
    links: tuple[str, ...]


def convert_body(markdown_text: str) -> Body:
    """Markdown to a shaped Body (the form the HTML cache holds)."""
    return shape(convert(markdown_text))[0]


def shape(html: str) -> tuple[Body, Facts]:
    """Parse a body's HTML once: its blocks and footnotes with markers, and its facts."""
    root = parse_fragment(html)
    if root is None:  # nested deeper than the parser goes: shown as plain text, every word kept
        return plain_body(html)
    drop_dead_backlinks(root)
    writer = Writer()
    children = [child for child in root]
    notes_node = children[-1] if children and is_footnotes(children[-1]) else None
    blocks: list[HtmlBlock] = []
    inline: list[str] = []

    def flush() -> None:
        text = "".join(inline).strip()
        if text:
            blocks.append(HtmlBlock("p", f"<p>{text}</p>", None))
        inline.clear()
    if root.text and root.text.strip():
        inline.append(root.text.translate(TEXT_ESCAPES))
    for child in children:
        tag = child.tag if isinstance(child.tag, str) else ""
        if child is notes_node:
            pass
        elif not tag:
            pass  # a comment between blocks: no reader sees it, and it is no block
        elif tag in PHRASING:
            inline.append(writer.element(child))
        else:
            flush()
            pair = parse_pair(child.get("data-pair"))
            blocks.append(HtmlBlock(tag, writer.element(child, top=True), pair))
        if child.tail and child.tail.strip():
            inline.append(child.tail.translate(TEXT_ESCAPES))
    flush()
    notes = writer.element(notes_node, top=True) if notes_node is not None else ""
    body = Body(tuple(blocks), notes, tuple(writer.hand_ids))
    return body, Facts(paragraphs(root, notes_node), " ".join(root.itertext()), tuple(dict.fromkeys(writer.links)))


def parse_fragment(html: str):
    """The body's tree under one <div>, as a browser would repair it; None if the parser had to stop."""
    html = DOCUMENT_TAGS_RE.sub("", SURROGATE_RE.sub("\ufffd", html.replace("\x00", "\ufffd")))
    parser = etree.HTMLParser(huge_tree=True, remove_comments=False, remove_pis=True, no_network=True)
    try:
        document = etree.fromstring(f"<html><body><div>{html}</div></body></html>", parser)
    except (ValueError, etree.LxmlError):  # the caller keeps the text as text
        return None
    if document is None or any(entry.level_name == "FATAL" for entry in parser.error_log):
        return None
    body = document.find("body")
    if body is None or len(body) == 0:
        return None
    root = body[0]
    rest, tail = list(body)[1:], root.tail
    if rest or (tail and tail.strip()):  # a stray </div> closed ours (and a page's, in a browser): take it all
        root.tail = None
        if len(root):
            root[-1].tail = (root[-1].tail or "") + (tail or "")
        else:
            root.text = (root.text or "") + (tail or "")
        for child in rest:
            root.append(child)
    return root


def drop_dead_backlinks(root) -> None:
    """Remove a footnote's ↩ link when nothing refers to the note (it would lead nowhere; check reports it)."""
    backlinks = [a for a in root.iter("a") if "footnote-backref" in (a.get("class") or "").split()]
    if not backlinks:
        return
    declared = {node.get("id") for node in root.iter() if isinstance(node.tag, str) and node.get("id")}
    for link in backlinks:
        if (link.get("href") or "").lstrip("#") not in declared:
            remove_keeping_tail(link)


def remove_keeping_tail(node) -> None:
    """Take an element out of the tree, keeping the text that follows it."""
    parent, previous = node.getparent(), node.getprevious()
    if node.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def is_footnotes(node) -> bool:
    """The footnotes Python-Markdown appends: a last <div class="footnote">."""
    return node.tag == "div" and "footnote" in (node.get("class") or "").split()


def paragraphs(root, notes) -> tuple[str, ...]:
    """The text of the body's paragraphs (footnotes and footnote marks left out); its blocks' text if it has none."""
    found = []
    for node in root.iter("p"):
        if notes is not None and is_inside(node, notes):
            continue
        found.append(" ".join(text_without_marks(node).split()))
    if not any(found):
        found = [" ".join(text_without_marks(child).split()) for child in root
                 if isinstance(child.tag, str) and child is not notes]
        found = [text for text in found if text] or ([" ".join(root.text.split())] if root.text else [])
    return tuple(text for text in found if text)


def is_inside(node, ancestor) -> bool:
    """node is ancestor or below it."""
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


UNMARKED_TEXT = etree.XPath(".//text()[not(ancestor::sup[a[contains(@class, 'footnote-ref')]])]")


def text_without_marks(node) -> str:
    """An element's text without its footnote marks (<sup> holding a.footnote-ref)."""
    return "".join(UNMARKED_TEXT(node))


def parse_pair(value: str | None) -> tuple[int, int] | None:
    """The range of a data-pair="3-4" marker's value."""
    found = PAIR_RE.match(value) if value else None
    if found is None:
        return None
    first = int(found.group(1))
    return first, int(found.group(2) or first)


class Writer:
    """Serialises elements as HTML, writing the markers and collecting ids and relative URLs."""

    def __init__(self):
        self.hand_ids: list[str] = []
        self.links: list[str] = []

    def element(self, node, top: bool = False) -> str:
        """One element and its content (not its tail), iteratively: any depth the parser allows."""
        out: list[str] = []
        stack = [(node, False)]
        while stack:
            current, closing = stack.pop()
            if closing:
                out.append(f"</{current.tag}>")
                if current is not node and current.tail:
                    out.append(current.tail.translate(TEXT_ESCAPES))
                continue
            tag = current.tag
            if not isinstance(tag, str):
                if tag is etree.Comment:
                    out.append(f"<!--{(current.text or '').replace('--', '- -')}-->")
                if current is not node and current.tail:
                    out.append(current.tail.translate(TEXT_ESCAPES))
                continue
            out.append(f"<{tag}{self.attributes(current, top and current is node)}>")
            if tag in VOID:
                if current is not node and current.tail:
                    out.append(current.tail.translate(TEXT_ESCAPES))
                continue
            if current.text:
                out.append(current.text if tag in RAW_TEXT else current.text.translate(TEXT_ESCAPES))
            stack.append((current, True))
            stack.extend((child, False) for child in reversed(current))
        return "".join(out)

    def attributes(self, node, top: bool) -> str:
        """An element's attributes, markers written; a block's pair marker left out."""
        parts = []
        for name, value in node.items():
            if (top and name == "data-pair") or not ATTR_NAME_RE.match(name):
                continue
            parts.append(f' {name}="{self.value(node, name, value)}"')
        return "".join(parts)

    def value(self, node, name: str, value: str) -> str:
        """An attribute's value, escaped, with its id or URL markers."""
        if name == "id" and value:
            if not is_generated_id(node):
                self.hand_ids.append(value)
            return ID_MARK + value.translate(ATTR_ESCAPES)
        if name in IDREF_ATTRS and value.strip():
            return " ".join(ID_MARK + token.translate(ATTR_ESCAPES) for token in value.split())
        if name in URL_ATTRS:
            return self.url(value)
        if name == "srcset":
            return ", ".join(self.candidate(part.strip()) for part in value.split(",") if part.strip())
        return value.translate(ATTR_ESCAPES)

    def url(self, value: str) -> str:
        """A URL: a fragment gets the id marker, a relative URL the link markers, others stay."""
        target = value.strip()
        if target.startswith("#") and len(target) > 1:
            return "#" + ID_MARK + target[1:].translate(ATTR_ESCAPES)
        if not target or target.startswith("#") or SCHEME_RE.match(target):
            return value.translate(ATTR_ESCAPES)
        self.links.append(target)
        return LINK_MARK + target.translate(ATTR_ESCAPES) + LINK_END

    def candidate(self, part: str) -> str:
        """One `url descriptor` of a srcset."""
        url, _, descriptor = part.partition(" ")
        return self.url(url) + (" " + descriptor.strip() if descriptor.strip() else "")


def is_generated_id(node) -> bool:
    """Ids Python-Markdown's footnotes make (fnref on the mark, fn on the note), not the author's."""
    value = node.get("id") or ""
    if node.tag == "sup" and value.startswith("fnref"):
        return any("footnote-ref" in (child.get("class") or "") for child in node)
    if node.tag == "li" and value.startswith("fn:"):
        parent = node.getparent()
        grand = parent.getparent() if parent is not None else None
        return grand is not None and is_footnotes(grand)
    return False


class TextOnly(HTMLParser):
    """Collects the text of HTML that lxml could not take (any depth: a tokenizer keeps no tree)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        """Keep every piece of text."""
        self.parts.append(data)


def plain_body(html: str) -> tuple[Body, Facts]:
    """A body whose markup cannot be parsed, as escaped text in paragraphs (blank lines part them)."""
    reader = TextOnly()
    reader.feed(html.replace("\x00", "\ufffd"))
    reader.close()
    text = "".join(reader.parts)
    paras = [" ".join(chunk.split()) for chunk in re.split(r"\n\s*\n", text)]
    paras = [p for p in paras if p]
    blocks = tuple(HtmlBlock("p", f"<p>{htmllib.escape(p, quote=False)}</p>", None) for p in paras)
    return Body(blocks), Facts(tuple(paras), text, ())


# --- placing a body into a context ----------------------------------------------------------------------

def place(html: str, root: str, links: dict, ids: str | None = "", page: str = "") -> str:
    """A body (or any part of it) for one context: its ids in their namespace, its relative URLs rooted.

    root: what a site path is written after on this page ("../../../../" on an article page, the
    base URL in a feed). links: each relative URL as written -> the site path it leads to (None:
    nowhere; it is then left as written). ids: "" keeps the body's ids, "zh_" prefixes them and the
    links to them (one language's column of a bilingual page), None removes them and makes links to
    them lead to the body's own page, `page` (feeds, where several bodies share one reader's page).
    """
    if "\x00" not in html:
        return html
    if ids is None:
        html = ID_ATTR_RE.sub("", html).replace('"#' + ID_MARK, '"' + (root + page).translate(ATTR_ESCAPES) + "#")
        html = html.replace(ID_MARK, "")
    else:
        html = html.replace(ID_MARK, ids)
    if LINK_MARK in html:
        html = LINK_RE.sub(lambda found: rooted(found.group(1), root, links), html)
    return html


def rooted(written: str, root: str, links: dict) -> str:
    """A marked relative URL (escaped as written) as this context writes it."""
    target = htmllib.unescape(written) if "&" in written else written
    path = links.get(target)
    return written if path is None else ((root + path) or "./").translate(ATTR_ESCAPES)


def anchors_of(body: Body) -> tuple[set, list]:
    """Every id a body declares, and every id its links point to (for check)."""
    html = body.html
    declared = set(re.findall('id="\x00#([^"]*)"', html))
    wanted = re.findall('href="#\x00#([^"]*)"', html)
    return declared, wanted
