"""A Markdown block as translatable content (text and inline elements), and the Markdown back.

A block (what blank lines separate, translations.split_blocks) is a frame — a heading's `## `, a list's
or quote's first marker, the attribute list on its last line — around content: text, with every piece
of markup a translator must not retype held in an inline element, as XLIFF has them: `g` around text
(emphasis, strong, links), `x` standing alone (footnote references, images, line breaks, list markers),
`ph` showing its code (inline code, raw HTML). The Markdown each element stands for is kept in a code
table by id, so render_content() writes exactly that Markdown back around the translator's text.

Whitespace is what a reader sees: a line break inside a Chinese paragraph is nothing, between Latin
words a space (as markdown.join_east_asian_lines renders it); runs of blanks are one space.
"""
from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field

from .markdown import CJK, QUOTES

ESCAPABLE = "\\`*_{}[]()>#+-.!|"
BREAK = "x-block-break"  # between the blocks of one unit (a merge in the source, a split in the target)
LINE_ENDS = frozenset({BREAK, "lb", "x-line", "x-row"})
CJK_RE = re.compile(f"[{CJK}]")
JOINING_RE = re.compile(f"[{CJK}{QUOTES}]")

ATTR_LINE_RE = re.compile(r"^[ \t]*\{:?[ \t]*([^}\n]*?)[ \t]*\}[ \t]*$")
PAIR_ATTR_RE = re.compile(r'\s*\bdata-pair="[^"]*"')
FENCE_RE = re.compile(r"^[ \t]{0,3}(```|~~~)")
HR_RE = re.compile(r"^[ \t]{0,3}([-*_])([ \t]*\1){2,}[ \t]*$")
REF_DEF_RE = re.compile(r"^[ \t]{0,3}\[[^\]^][^\]]*\]:[ \t]*\S")
FOOTNOTE_DEF_RE = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]*")
ATX_RE = re.compile(r"^#{1,6}")
ATX_ATTR_RE = re.compile(r"[ ]+\{:?[^}\n]*\}[ ]*$")  # attr_list's, on a heading's line
ATX_HEADER_RE = re.compile(r"((?:\\.|[^\\])*?)#*[ \t]*$", re.S)
SETEXT_RE = re.compile(r"\n[ \t]{0,3}(=+|-+)[ \t]*$")
HTML_BLOCK_RE = re.compile(r"^[ \t]{0,3}<(?:!--|/?(?:address|article|aside|blockquote|details|div|dl|fieldset|"
                           r"figcaption|figure|footer|form|h[1-6]|header|hr|main|nav|ol|p|pre|section|table|ul|"
                           r"script|style|iframe)\b)", re.I)
QUOTE_RE = re.compile(r"^[ \t]{0,3}>[ \t]?")
LIST_RE = re.compile(r"^[ \t]{0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+")
TABLE_RULE_RE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
# What may start a line inside a block and is markup, not text: quote marks and list markers.
LINE_START_RE = re.compile(r"[ \t]*(?:(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]*)*(?:#{1,6}[ \t]*)?")
FOOTNOTE_REF_RE = re.compile(r"\[\^([^\]\s]+)\]")
AUTOLINK_RE = re.compile(r"<((?:https?|ftp|mailto):[^>\s]*|[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+)>", re.I)
HTML_TAG_RE = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", re.S)
ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
INLINE_ATTR_RE = re.compile(r"\{:?[ ]*[^}\n ][^}\n]*[ ]*\}")  # attr_list's, right after an inline element
BACKTICK_RE = re.compile(r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)(`+)(.+?)(?<!`)\2(?!`))", re.S)  # Python-Markdown's
CELL_RE = re.compile(r"[ \t]*\|[ \t]*")
TABLE_LEAD_RE = re.compile(r"[ \t]*\|?[ \t]*")
BLANKS_RE = re.compile(r"[ \t\r\n]+")
PLAIN_RE = re.compile(r"[^\\\n`!\[<&*_{|]*")  # what markup_at never starts at
TABLE_PLAIN_RE = re.compile(r"[^\\\n`!\[<&*_{| \t]*")


@dataclass(frozen=True)
class Code:
    """The Markdown an inline element stands for: g wraps text (native … close), x and ph replace it."""

    kind: str  # "g", "x" or "ph"
    ctype: str
    native: str
    close: str = ""
    equiv: str = ""


@dataclass(frozen=True)
class Tag:
    """An inline element of content: a g holds content, a ph its code as text, an x nothing."""

    name: str
    id: str
    ctype: str = ""
    content: tuple = ()
    equiv: str = ""


@dataclass
class ParsedBlock:
    """One block: its frame, its content and the codes of its elements; untranslatable blocks keep their text."""

    prefix: str
    content: tuple
    suffix: str = ""  # a heading's closing hashes or underline
    attrs: str = ""  # the attribute list on its last line, without the alignment marker
    translatable: bool = True
    heading: bool = False
    footnote: str | None = None  # the label of a footnote definition
    table: bool = False
    codes: dict = field(default_factory=dict)


class Ids:
    """Numbers for the inline elements of one unit, shared by its blocks."""

    def __init__(self, start: int = 1):
        self.next = start

    def take(self) -> str:
        """The next id."""
        value, self.next = str(self.next), self.next + 1
        return value


# ---------------------------------------------------------------- Markdown to content

def parse_block(text: str, ids: Ids, codes: dict) -> ParsedBlock:
    """A block's frame and content; codes (id -> Code) receives the Markdown of each inline element."""
    lines = text.split("\n")
    attrs = ""
    if len(lines) > 1 and ATTR_LINE_RE.match(lines[-1]):
        attrs = PAIR_ATTR_RE.sub("", ATTR_LINE_RE.match(lines.pop()).group(1)).strip()
    body = "\n".join(lines)
    first = lines[0]
    fence = FENCE_RE.match(first)
    fenced = fence is not None and len(lines) > 1 and lines[-1].strip().startswith(fence.group(1))
    if fenced or HR_RE.match(body) or HTML_BLOCK_RE.match(first) or all(REF_DEF_RE.match(line) for line in lines) \
            or all(line.startswith(("    ", "\t")) for line in lines):
        tag_id = ids.take()  # code, a rule, raw HTML, link definitions: shown whole, never translated
        codes[tag_id] = Code("ph", "x-block", body)
        return ParsedBlock("", (Tag("ph", tag_id, "x-block", (body,)),), translatable=False, attrs=attrs, codes=codes)
    prefix, suffix, heading, footnote, table = "", "", False, None, False
    if (found := FOOTNOTE_DEF_RE.match(body)) is not None:
        prefix, footnote = found.group(0), found.group(1)
    elif (found := ATX_RE.match(body)) is not None and "\n" not in body and \
            (header := atx_header(body, found.end())) is not None:
        heading = True  # as Python-Markdown reads it: closing hashes go, spaced or not, and an attribute list
        attr = ATX_ATTR_RE.search(body, found.end())
        rest = body[found.end():attr.start() if attr else len(body)]
        prefix = found.group(0) + header[:len(header) - len(header.lstrip())]
        suffix = rest[len(header.rstrip()):] + (attr.group(0) if attr else "")
        body = prefix + header.strip()
    elif (found := SETEXT_RE.search(body)) is not None and body.count("\n") == 1:
        suffix, heading = found.group(0), True
        body = body[:found.start()]
    elif len(lines) > 1 and "|" in first and TABLE_RULE_RE.match(lines[1]):
        table = True
        prefix = re.match(r"[ \t]*\|?[ \t]*", first).group(0)
    elif (found := QUOTE_RE.match(body) or LIST_RE.match(body)) is not None:
        prefix = LINE_START_RE.match(body).group(0)
    else:
        prefix = re.match(r"[ \t]*", body).group(0)
    inner = body[len(prefix):]
    content = InlineParser(ids, codes, table).parse(inner)
    return ParsedBlock(prefix, normalize(content), suffix, attrs, True, heading, footnote, table, codes)


def atx_header(body: str, start: int) -> str | None:
    """The text of a `#` heading before its closing hashes; None when Python-Markdown reads no heading."""
    attr = ATX_ATTR_RE.search(body, start)
    found = ATX_HEADER_RE.match(body[start:attr.start() if attr else len(body)])
    return found.group(1) if found else None


class InlineParser:
    """Markdown inline markup to content, one scan; unmatched markup is text, as Python-Markdown shows it."""

    def __init__(self, ids: Ids, codes: dict, table: bool = False):
        self.ids, self.codes, self.table = ids, codes, table

    def add(self, name: str, code: Code, content: tuple = ()) -> Tag:
        """A new element and its code."""
        tag_id = self.ids.take()
        self.codes[tag_id] = code
        return Tag(name, tag_id, code.ctype, content, code.equiv)

    def parse(self, text: str) -> tuple:
        """Content of a stretch of Markdown."""
        self.spans = code_spans(text)
        out: list = []
        buf: list[str] = []
        i, n = 0, len(text)

        def flush():
            if buf:
                out.append("".join(buf))
                buf.clear()
        plain = TABLE_PLAIN_RE if self.table else PLAIN_RE
        while i < n:
            stop = plain.match(text, i).end()  # a run of characters no markup starts with, taken at once
            if stop > i:
                buf.append(text[i:stop])
                i = stop
                continue
            found = self.markup_at(text, i)
            if found is None:
                buf.append(text[i])
                i += 1
                continue
            item, i = found
            if isinstance(item, str):
                buf.append(item)
            else:
                if item.ctype in ("lb", "x-line", "x-row"):
                    while buf and buf[-1] in " \t":
                        buf.pop()
                flush()
                out.append(item)
        flush()
        return tuple(out)

    def markup_at(self, text: str, i: int):
        """(text or Tag, next position) for markup starting at i, or None for a plain character."""
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in ESCAPABLE:
            return text[i + 1], i + 2
        if c == "\n":
            return self.newline(text, i)
        if i in self.spans:
            native = text[i:self.spans[i]]
            return self.add("ph", Code("ph", "x-code", native), (native,)), self.spans[i]
        if c == "`":
            run = run_length(text, i)
            return "`" * run, i + run
        if c == "!" and text.startswith("[", i + 1):
            end = link_end(text, i + 1)
            if end is None:
                return None
            label = text[i + 2:closing_bracket(text, i + 1)]
            return self.add("x", Code("x", "image", text[i:end], equiv=label)), end
        if c == "[":
            return self.link(text, i)
        if c == "<":
            found = AUTOLINK_RE.match(text, i)
            if found:
                return self.add("x", Code("x", "x-link", found.group(0), equiv=found.group(1))), found.end()
            found = HTML_TAG_RE.match(text, i)
            if found:
                return self.add("ph", Code("ph", "x-html", found.group(0)), (found.group(0),)), found.end()
            return None
        if c == "&":
            found = ENTITY_RE.match(text, i)
            return (htmllib.unescape(found.group(0)), found.end()) if found else None
        if c in "*_":
            return self.emphasis(text, i)
        if c == "{" and i and text[i - 1] in "*_)]`>":
            found = INLINE_ATTR_RE.match(text, i)
            if found:
                return self.add("ph", Code("ph", "x-attr", found.group(0)), (found.group(0),)), found.end()
            return None
        if self.table and c in " \t|":
            found = CELL_RE.match(text, i)  # a cell separator, with the blanks on either side
            return (self.add("x", Code("x", "x-cell", found.group(0), equiv="|")), found.end()) if found else None
        return None

    def newline(self, text: str, i: int):
        """A line break inside a block: markup when the next line starts with some, otherwise a space or nothing."""
        spaces = i - len(text[:i].rstrip(" ")) if text[i - 1:i] == " " else 0
        if self.table:
            rule = text[i + 1:].split("\n", 1)[0]
            native = "\n" + (rule + "\n" if TABLE_RULE_RE.match(rule) and text.count("\n", i + 1) else "")
            native += TABLE_LEAD_RE.match(text, i + len(native)).group(0)
            return self.add("x", Code("x", "x-row", native, equiv="\n")), i + len(native)
        start = LINE_START_RE.match(text, i + 1)
        marker = text[i + 1:start.end()]
        if marker.strip():
            native = text[i - spaces:i] + "\n" + marker
            return self.add("x", Code("x", "x-line", native, equiv="\n")), start.end()
        j = start.end()
        if spaces >= 2:
            return self.add("x", Code("x", "lb", text[i - spaces:j], equiv="\n")), j
        before, after = text[i - spaces - 1:i - spaces], text[j:j + 1]
        joined = JOINING_RE.match(before) and JOINING_RE.match(after) and (CJK_RE.match(before) or CJK_RE.match(after))
        return ("" if joined else " "), j

    def link(self, text: str, i: int):
        """[text](url), [text][ref], a footnote reference [^1]; anything else starting with [ is text."""
        found = FOOTNOTE_REF_RE.match(text, i)
        if found:
            return self.add("x", Code("x", "x-footnote-ref", found.group(0), equiv=f"[{found.group(1)}]")), found.end()
        end = link_end(text, i)
        if end is None:
            return None
        label_end = closing_bracket(text, i)
        tag_id = self.ids.take()
        spans = self.spans
        inner = self.parse(text[i + 1:label_end])
        self.spans = spans
        code = Code("g", "link", "[", text[label_end:end])
        self.codes[tag_id] = code
        return Tag("g", tag_id, "link", inner), end

    def emphasis(self, text: str, i: int):
        """*em*, **strong**, ***both***, and the same with _ (never inside a word); unmatched runs are text."""
        char = text[i]
        run = run_length(text, i)
        if run > 3 or (char == "_" and i > 0 and re.match(r"\w", text[i - 1])):
            return char * run, i + run
        closing = re.compile(r"(?<![\\" + re.escape(char) + r"\s])" + re.escape(char * run) + r"(?!" +
                             re.escape(char) + (r"|\w)" if char == "_" else ")"))
        found = search_outside(closing, text, i + run, self.spans)
        inner = text[i + run:found.start()] if found else ""
        if found is None or not inner or inner[0].isspace():
            return char * run, i + run
        if run == 3:
            outer_id = self.ids.take()
            self.codes[outer_id] = Code("g", "bold", char * 2, char * 2)
            em = self.add_g("italic", char, inner)
            return Tag("g", outer_id, "bold", (em,)), found.end()
        return self.add_g("bold" if run == 2 else "italic", char * run, inner), found.end()

    def add_g(self, ctype: str, delimiter: str, inner: str) -> Tag:
        """A g element around the content of inner."""
        tag_id = self.ids.take()
        self.codes[tag_id] = Code("g", ctype, delimiter, delimiter)
        spans = self.spans
        content = self.parse(inner)
        self.spans = spans
        return Tag("g", tag_id, ctype, content)


def code_spans(text: str) -> dict[int, int]:
    """Start -> end of each code span, found first and left to right, as Python-Markdown does."""
    if "`" not in text:
        return {}
    return {m.start(2): m.end() for m in BACKTICK_RE.finditer(text) if m.group(2)}


def run_length(text: str, i: int) -> int:
    """How many times the character at i repeats from there."""
    j = i
    while j < len(text) and text[j] == text[i]:
        j += 1
    return j - i


def search_outside(pattern: re.Pattern, text: str, pos: int, spans: dict):
    """The first match of pattern from pos that is not inside a code span."""
    while True:
        found = pattern.search(text, pos)
        inside = next((end for start, end in spans.items() if start <= (found.start() if found else -1) < end), None)
        if found is None or inside is None:
            return found
        pos = inside


def closing_bracket(text: str, i: int) -> int | None:
    """The index of the ] that closes the [ at i (nesting, escapes and code spans skipped)."""
    depth, j = 0, i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "`":
            run = run_length(text, j)
            found = text.find("`" * run, j + run)
            j = found + run if found != -1 else j + run
            continue
        depth += 1 if c == "[" else -1 if c == "]" else 0
        if depth == 0:
            return j
        j += 1
    return None


def link_end(text: str, i: int) -> int | None:
    """The end of a link [text](dest "title") or [text][ref] starting at i; None when it is not one."""
    close = closing_bracket(text, i)
    if close is None:
        return None
    after = close + 1
    if text.startswith("(", after):
        depth, j = 0, after
        while j < len(text):
            c = text[j]
            if c == "\\":
                j += 2
                continue
            depth += 1 if c == "(" else -1 if c == ")" else 0
            if depth == 0:
                return j + 1
            if c == "\n" and text[j + 1:j + 2] == "\n":
                return None
            j += 1
        return None
    found = re.compile(r"\[[^\]\n]*\]").match(text, after)
    return found.end() if found else None


# ---------------------------------------------------------------- content as plain values

def normalize(content: tuple, strip: bool = True) -> tuple:
    """Content as a reader sees it: adjacent texts joined, blanks collapsed, none at the ends or around breaks."""
    out: list = []
    for item in content:
        if isinstance(item, Tag) and item.name == "g":
            item = Tag(item.name, item.id, item.ctype, normalize(item.content, strip=False), item.equiv)
        if isinstance(item, str):
            item = BLANKS_RE.sub(" ", item)
            if not item:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += item
                continue
        out.append(item)
    if strip:
        out = strip_around_breaks(out)
    return tuple(out)


def strip_around_breaks(items: list) -> list:
    """No blank at the start or the end, nor next to a block or line break (Markdown would not show it)."""
    out = list(items)
    for k, item in enumerate(out):
        if not isinstance(item, str):
            continue
        if k == 0 or is_break(out[k - 1]):
            item = item.lstrip()
        if k == len(out) - 1 or is_break(out[k + 1]):
            item = item.rstrip()
        out[k] = item
    return [item for item in out if item != ""]


def is_break(item) -> bool:
    """An element that ends a line: between blocks, lines, list items, rows."""
    return isinstance(item, Tag) and item.ctype in LINE_ENDS


def split_at_breaks(content: tuple) -> list[tuple]:
    """The content of each block of a unit."""
    parts: list[list] = [[]]
    for item in content:
        if isinstance(item, Tag) and item.ctype == BREAK:
            parts.append([])
        else:
            parts[-1].append(item)
    return [tuple(p) for p in parts]


def plain_text(content: tuple) -> str:
    """The text of content without its elements (a ph's code left out)."""
    return "".join(item if isinstance(item, str) else plain_text(item.content) if item.name == "g" else ""
                   for item in content)


def tags_of(content: tuple) -> list[Tag]:
    """Every element of content, in order, those inside g included."""
    found = []
    for item in content:
        if isinstance(item, Tag):
            found.append(item)
            if item.name == "g":
                found += tags_of(item.content)
    return found


def renumber(content: tuple, mapping: dict) -> tuple:
    """Content with its elements' ids replaced (mapping old -> new)."""
    out = []
    for item in content:
        if isinstance(item, Tag):
            inner = renumber(item.content, mapping) if item.name == "g" else item.content
            item = Tag(item.name, mapping.get(item.id, item.id), item.ctype, inner, item.equiv)
        out.append(item)
    return tuple(out)


# ---------------------------------------------------------------- content to Markdown

def render_block(block: ParsedBlock, content: tuple, codes) -> str:
    """One block's Markdown: its frame around the content; codes(id) gives each element's Code."""
    head = ""
    if content and isinstance(content[0], str) and not block.prefix.strip() and not block.table:
        head, content = escape_line_start(escape_text(content[0])), content[1:]
    text = head + render_content(content, codes, block.table)
    if block.heading and text.endswith("#"):
        text = text[:-1] + "\\#"
    return block.prefix + text + block.suffix


def render_content(content: tuple, codes, table: bool = False) -> str:
    """Markdown of content: text escaped, each element replaced by its Markdown."""
    parts = []
    for item in content:
        if isinstance(item, str):
            parts.append(escape_text(item, table))
            continue
        code = codes(item.id)
        if code.kind != "g":
            parts.append(code.native)
            continue
        inner = render_content(item.content, codes, table)
        core = inner.strip()
        if code.ctype in ("bold", "italic") and not core:
            parts.append(inner)
            continue
        lead, trail = inner[:len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()):]
        parts.append((lead, code, core, trail))
    return "".join(wrapped_text(parts, k) if isinstance(part, tuple) else part for k, part in enumerate(parts))


def wrapped_text(parts: list, k: int) -> str:
    """A g element's Markdown around its text, blanks moved outside (`* x*` is no emphasis); an emphasis
    written with underscores gets asterisks where a word goes on beside it (`a_b_c` is no emphasis)."""
    lead, code, core, trail = parts[k]
    before = "" if lead else (parts[k - 1][-1:] if k and isinstance(parts[k - 1], str) else "")
    after = "" if trail else (parts[k + 1][:1] if k + 1 < len(parts) and isinstance(parts[k + 1], str) else "")
    native, close = code.native, code.close
    if code.ctype not in ("bold", "italic"):
        return lead + native + core + close + trail
    if "_" in native and (re.match(r"\w", before) or re.match(r"\w", after)):
        native, close = native.replace("_", "*"), close.replace("_", "*")
    return lead + native + core + close + trail


def escape_text(text: str, table: bool = False) -> str:
    """Text that Markdown shows as it is: markup characters escaped, < and & written so they stay text."""
    text = re.sub(r"([\\`*_\[\]{}])", r"\\\1", text)
    text = re.sub(r"&(?=#|[A-Za-z])", "&amp;", text)  # browsers read &copy and &#0 without a semicolon too
    text = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)
    return text.replace("|", "\\|") if table else text


def escape_line_start(text: str) -> str:
    """A paragraph's first characters escaped where Markdown would read a heading, quote, list or rule."""
    found = re.match(r"(#|>|-|[+*](?=[ \t]|$))", text)
    if found:
        return "\\" + text
    found = re.match(r"(\d{1,9})([.)])(?=[ \t]|$)", text)
    if found:
        return found.group(1) + "\\" + text[len(found.group(1)):]
    return text
