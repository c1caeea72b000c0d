"""Raw HTML in Markdown bodies, judged by parsing it; and the allow-list sanitiser for `raw_html: strip`.

A body's raw HTML is read with a real tokenizer (the standard library's html.parser), never with tag
patterns: a newline inside a tag, an attribute written `onerror⏎=`, an entity or a blank inside a
`javascript:` URL are all read as a browser reads them. Where html.parser and browsers disagree on
what is markup (comments such as `<!-->`, `<![CDATA[`, the raw-text content of `<noscript>`,
`<xmp>`, `<iframe>`, `<textarea>`…), the reader below follows the browsers (HTML Living Standard,
tokenization), so that nothing can hide a tag from it that a browser would run.

What Markdown shows as code is left out, by Markdown's own rules: closed fenced blocks (the fenced
code preprocessor runs before raw HTML is looked for, so they are always code) and code spans outside
raw HTML blocks. Inside a raw HTML block backticks are plain characters, so a block is read again with
its code spans in place. Indented code is read too (a raw HTML block may hold indented lines); write
code examples in fences.
"""
from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser

import nh3
from markdown.util import BLOCK_LEVEL_ELEMENTS

from .markdownlib import FencedBlockPreprocessor

# Tags that run code, load other pages or documents, submit data, or change how the rest of the page is read.
UNSAFE_TAGS = frozenset(("script", "style", "link", "iframe", "frame", "frameset", "object", "embed", "applet",
                         "form", "base", "noscript", "xmp", "noembed", "noframes", "plaintext", "template",
                         "portal", "svg", "math"))
UNSAFE_SCHEMES = ("javascript", "vbscript", "data")
# Attributes whose value is text for a reader, never a URL a browser follows.
TEXT_ATTRIBUTES = frozenset(("alt", "title", "class", "id", "lang", "dir", "name", "value", "placeholder",
                             "summary", "label", "abbr", "width", "height", "align", "colspan", "rowspan",
                             "headers", "scope", "start", "type", "datetime", "hreflang", "rel", "target"))
VOID_TAGS = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                       "source", "track", "wbr"))
BLOCK_TAGS = frozenset(BLOCK_LEVEL_ELEMENTS)
TAG_NAME_RE = re.compile(r"^[a-z][a-z0-9-]*$")
CODE_SPAN_RE = re.compile(r"(?<!\\)(`+)(.+?)(?<!`)\1(?!`)", re.S)
BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
AUTOLINK_RE = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]*://[^<>\s]*|[^<> !]+@[^@<> ]+)>")  # Markdown's, shown as links
INLINE_LINK_RE = re.compile(r"\]\(\s*<?([^)]*)")  # [text](url) and ![alt](url), the URL possibly over lines
REFERENCE_RE = re.compile(r"^[ ]{0,3}\[[^\]\n]+\]:[ \t]*\n?[ \t]*<?(\S+)", re.M)  # [ref]: url
SCHEME_TAG_RE = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]*:[^>\s]*)>")  # <javascript:…> written like a link
COMMENT_END_RE = re.compile(r"--!?>")
CSS_COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)
CSS_ESCAPE_RE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\n\f]?|\\(.)", re.S)
CSS_URL_RE = re.compile(r"(?:url\(|@import)['\"]?([a-z0-9+.-]*):")
CSS_SCRIPT_RE = re.compile(r"expression\(|behavior:|-moz-binding:")
BLANKS_RE = re.compile(r"[\x00-\x20\x7f]")


def find_markup(body: str) -> list[tuple[int, str, str]]:
    """(line in body from 0, kind, name) of the raw HTML and links of a Markdown body.

    kind: "tag" (a tag of UNSAFE_TAGS, or `meta http-equiv`), "handler" (onerror …), "scheme" (a
    javascript:, vbscript: or data: URL in an attribute or a Markdown link), "css" (such a URL, or
    expression(), in a style), "raw" (any other tag: plain raw HTML). Cheap for bodies with neither
    `<` nor a link: those are not parsed at all.
    """
    if "<" not in body and "](" not in body and "]:" not in body:
        return []
    lines = blank_fenced_code(body)
    text = blank_code_spans(lines)
    found = find_links(text)
    if "<" in text:
        reader = MarkupReader(text)
        found += reader.found
        for start, end in reader.raw_blocks:  # inside raw HTML, backticks are no code spans
            block = "\n".join(lines.split("\n")[start:end + 1])
            if "`" in block:
                found += [(start + line, kind, name) for line, kind, name in MarkupReader(block).found]
    return sorted(set(found))


def blank_fenced_code(body: str) -> str:
    """The body with each closed fenced code block's lines blanked (Markdown's own fence rule); lines kept."""
    if "```" not in body and "~~~" not in body:
        return body
    return FencedBlockPreprocessor.FENCED_BLOCK_RE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), body)


def blank_code_spans(text: str) -> str:
    """Code spans (which never cross a blank line) and autolinks replaced by spaces; lines kept."""
    if "`" not in text and "<" not in text:
        return text
    parts = []
    last = 0
    for gap in list(BLANK_LINE_RE.finditer(text)) + [None]:
        end = gap.start() if gap else len(text)
        block = text[last:end]
        if "`" in block:
            block = CODE_SPAN_RE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), block)
        parts.append(AUTOLINK_RE.sub(lambda m: " " * len(m.group()), block) if "<" in block else block)
        if gap:
            parts.append(gap.group())
            last = gap.end()
    return "".join(parts)


def find_links(text: str) -> list[tuple[int, str, str]]:
    """Markdown links, images and reference definitions (and `<scheme:…>`) whose URL runs code."""
    found = []
    for pattern in (INLINE_LINK_RE, REFERENCE_RE, SCHEME_TAG_RE):
        for match in pattern.finditer(text):
            scheme = url_scheme(htmllib.unescape(match.group(1)))
            if scheme in UNSAFE_SCHEMES:
                found.append((text.count("\n", 0, match.start(1)), "scheme", scheme))
    return found


def url_scheme(url: str) -> str:
    """The scheme a browser would see in an (entity-decoded) URL: blanks and control characters dropped."""
    cleaned = BLANKS_RE.sub("", url).lower()
    return cleaned.partition(":")[0] if ":" in cleaned else ""


def css_problems(css: str) -> list[tuple[str, str]]:
    """(kind, name) of what in a piece of CSS runs code or loads a javascript:/vbscript:/data: URL."""
    decoded = CSS_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) and int(m.group(1), 16) < 0x110000
                                else (m.group(2) or ""), CSS_COMMENT_RE.sub("", css))
    cleaned = BLANKS_RE.sub("", decoded).lower()
    found = [("css", m.group(1)) for m in CSS_URL_RE.finditer(cleaned) if m.group(1) in UNSAFE_SCHEMES]
    found += [("css", m.group().rstrip("(:")) for m in CSS_SCRIPT_RE.finditer(cleaned)]
    return found


class MarkupReader(HTMLParser):
    """Reads one text's tags as a browser would and records what runs code (see find_markup).

    Also notes the raw HTML blocks Markdown would pass through untouched: from a block-level tag at the
    start of a line to its end tag (to the end of the text when it is never closed).
    """

    # Elements whose content browsers read as text up to their end tag (raw text and escapable raw text).
    CDATA_CONTENT_ELEMENTS = ("script", "style", "xmp", "iframe", "noembed", "noframes", "noscript",
                              "textarea", "title")

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.lines = text.split("\n")
        self.found: list[tuple[int, str, str]] = []
        self.raw_blocks: list[tuple[int, int]] = []
        self.open_blocks: list[str] = []
        self.block_start = 0
        self.feed(text)
        if self.rawdata.lstrip().startswith("<"):  # a tag left open at the end: browsers drop it, Markdown may
            self.feed(">")                           # close it with the next block's markup; judge it anyway
        self.close()
        if self.open_blocks:
            self.raw_blocks.append((self.block_start, len(self.lines) - 1))

    def line(self) -> int:
        """The current line, from 0."""
        return self.getpos()[0] - 1

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.judge(tag, attrs)
        self.track_block(tag, closing=False)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.judge(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.track_block(tag, closing=True)

    def handle_data(self, data: str) -> None:
        if self.cdata_elem == "style":
            self.found += [(self.line(), kind, name) for kind, name in css_problems(data)]

    def judge(self, tag: str, attrs: list) -> None:
        """Record an unsafe tag, event handlers and URLs that run code; any other tag as plain raw HTML."""
        line = self.line()
        if ":" in tag:  # <javascript:alert(1)>: Markdown leaves it as a tag; report the URL it looks like
            scheme = url_scheme(tag)
            if scheme in UNSAFE_SCHEMES:
                self.found.append((line, "scheme", scheme))
            return
        if tag in UNSAFE_TAGS:
            self.found.append((line, "tag", tag))
        elif tag == "meta" and any(name == "http-equiv" for name, _ in attrs):
            self.found.append((line, "tag", "meta http-equiv"))
        elif TAG_NAME_RE.match(tag):
            self.found.append((line, "raw", tag))
        for name, value in attrs:
            if name.startswith("on") and len(name) > 2:
                self.found.append((line, "handler", name))
            elif value is None or name in TEXT_ATTRIBUTES or name.startswith(("aria-", "data-")):
                continue
            elif name == "style":
                self.found += [(line, kind, what) for kind, what in css_problems(value)]
            else:
                for url in value.split(",") if name in ("srcset", "imagesrcset") else (value,):
                    scheme = url_scheme(url)
                    if scheme in UNSAFE_SCHEMES:
                        self.found.append((line, "scheme", scheme))

    def track_block(self, tag: str, closing: bool) -> None:
        """Follow Markdown's raw HTML blocks: a block-level tag at a line's start opens one, its end tag closes it."""
        if closing:
            if tag in self.open_blocks:
                del self.open_blocks[len(self.open_blocks) - 1 - self.open_blocks[::-1].index(tag):]
                if not self.open_blocks:
                    self.raw_blocks.append((self.block_start, self.line()))
            return
        if tag in VOID_TAGS:
            return
        if self.open_blocks:
            self.open_blocks.append(tag)
            return
        line, column = self.getpos()
        if tag in BLOCK_TAGS and column <= 3 and not self.lines[line - 1][:column].strip():
            self.open_blocks = [tag]
            self.block_start = line - 1

    # Where html.parser reads markup differently from browsers, read it as browsers do.

    def set_cdata_mode(self, elem, *args, **kwargs) -> None:
        """Raw text ends at `</name` followed by a blank, '/' or '>', as in browsers (not only at `</name>`)."""
        super().set_cdata_mode(elem, *args, **kwargs)
        self.interesting = re.compile(r"</%s(?=[\t\n\r\f />])" % re.escape(self.cdata_elem), re.I)

    def parse_comment(self, i: int, report: int = 1) -> int:
        """`<!-->` and `<!--->` are whole (empty) comments, and `--!>` ends one as well as `-->`."""
        rawdata = self.rawdata
        for empty in ("<!-->", "<!--->"):
            if rawdata.startswith(empty, i):
                return i + len(empty)
        match = COMMENT_END_RE.search(rawdata, i + 4)
        return match.end() if match else -1

    def parse_html_declaration(self, i: int) -> int:
        """`<![CDATA[…` in HTML content is a bogus comment that ends at the first '>'."""
        if self.rawdata.startswith("<![", i):
            end = self.rawdata.find(">", i + 3)
            return -1 if end == -1 else end + 1
        return super().parse_html_declaration(i)


# ---------------------------------------------------------------- raw_html: strip

# What Markdown itself writes (footnotes, tables, attribute lists) and what an editor reasonably writes by hand
# (sub, sup, ruby, abbr, mark, figure…): nh3's allow-list, with the generic attributes Markdown sets.
STRIP_TAGS = frozenset(nh3.ALLOWED_TAGS) - {"area", "map"}
STRIP_ATTRIBUTES = {
    **{tag: set(values) for tag, values in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": set(nh3.ALLOWED_ATTRIBUTES.get("td", ())) | {"style"},
    "th": set(nh3.ALLOWED_ATTRIBUTES.get("th", ())) | {"style"},
}
STRIP_SCHEMES = {"http", "https", "mailto", "tel", "digest-source"}  # digest-source: links to other articles


def sanitise(html: str) -> str:
    """Body HTML through nh3 (ammonia): only allow-listed tags, attributes and URL schemes are kept."""
    return nh3.clean(html, tags=STRIP_TAGS, attributes=STRIP_ATTRIBUTES, url_schemes=STRIP_SCHEMES,
                     link_rel=None, filter_style_properties={"text-align"},
                     clean_content_tags={"script", "style", "noscript", "xmp", "noembed", "noframes", "template",
                                         "iframe", "object", "textarea", "title", "svg", "math"})
