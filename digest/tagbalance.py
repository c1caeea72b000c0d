"""Raw HTML in a Markdown body that is not balanced: where check says so, with the line.

The build repairs such markup the way a browser does (body.py), so no text is lost, but the
repair may not be what the author meant: an unclosed <b> ends at its paragraph, a stray </span>
is dropped, an unclosed <div> swallows the paragraphs after it into one block. The body is read
with the standard library's HTML tokenizer, code and autolinks left out, and every tag is matched
against the ones still open, as a browser's tree builder would.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown.util import BLOCK_LEVEL_ELEMENTS

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                  "track", "wbr", "keygen", "basefont", "bgsound", "frame", "image", "isindex"})
# Elements whose end tag HTML lets an author leave out: closed by what follows them, never reported.
OPTIONAL_END = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option",
                          "optgroup", "rb", "rt", "rtc", "rp", "colgroup", "caption", "html", "head", "body"})
BLOCK_LEVEL = frozenset(BLOCK_LEVEL_ELEMENTS)  # Markdown lets these run over blank lines; others end there
FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")
CODE_SPAN_RE = re.compile(r"(`+)(?:(?!\1).)+?\1")
AUTOLINK_RE = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>")
ESCAPED_RE = re.compile(r"\\[<>&]")
COMMENT_RE = re.compile(r"<!--.*?(?:-->|$)", re.S)


def unbalanced_html(body: str) -> list[tuple[int, str, str]]:
    """(line in the body counted from 1, message, hint) for each unbalanced tag or unclosed comment."""
    text = without_code(body)
    if "<" not in text:
        return []
    reader = TagReader(text)
    reader.feed(text)
    reader.close()
    reader.finish()
    return sorted(set(reader.found + unclosed_comment(text)))


def without_code(body: str) -> str:
    """The body with code blocks, code spans, autolinks and escaped brackets blanked (lines kept)."""
    lines, fenced = [], False
    for raw in body.split("\n"):
        if FENCE_RE.match(raw):
            fenced = not fenced
            lines.append("")
        elif fenced or raw.startswith(("    ", "\t")):
            lines.append("")
        else:
            lines.append(ESCAPED_RE.sub("  ", AUTOLINK_RE.sub(blank, CODE_SPAN_RE.sub(blank, raw))))
    return "\n".join(lines)


def blank(match: re.Match) -> str:
    """As many spaces as the match is long."""
    return " " * len(match.group(0))


class TagReader(HTMLParser):
    """Matches start and end tags as a browser would, noting what it has to repair."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, int]] = []  # (tag, line) still open
        self.found: list[tuple[int, str, str]] = []
        self.blank_lines = [n for n, line in enumerate(text.split("\n"), start=1) if not line.strip()]
        self.text = text

    def at_line(self) -> int:
        """The line of the current token, ending the paragraphs a blank line closed before it."""
        line = self.getpos()[0]
        while self.blank_lines and self.blank_lines[0] < line:
            self.blank_lines.pop(0)
            self.end_paragraph()
        return line

    def end_paragraph(self) -> None:
        """A blank line ends a Markdown paragraph: inline elements still open there end with it."""
        while self.open and self.open[-1][0] not in BLOCK_LEVEL:
            tag, line = self.open.pop()
            if tag not in OPTIONAL_END:
                self.found.append((line, f"<{tag}> is not closed before its paragraph ends",
                                   f"close it with </{tag}> in the same paragraph (Markdown ends it at the blank line)"))

    def handle_starttag(self, tag: str, attrs) -> None:
        line = self.at_line()
        if tag not in VOID:
            self.open.append((tag, line))

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.at_line()

    def handle_endtag(self, tag: str) -> None:
        line = self.at_line()
        if tag in VOID:
            return
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth][0] == tag:
                for inner, opened in self.open[depth + 1:]:
                    if inner not in OPTIONAL_END:
                        self.found.append((opened, f"<{inner}> is not closed before </{tag}> on line {line}",
                                           f"add </{inner}> where it should end"))
                del self.open[depth:]
                return
        self.found.append((line, f"</{tag}> closes nothing: the page leaves it out",
                           f"remove it, or add the <{tag}> it should close"))

    def handle_comment(self, data: str) -> None:
        self.at_line()

    def finish(self) -> None:
        """After the last token: the last paragraph ends, then every element still open is reported."""
        self.blank_lines.clear()
        self.end_paragraph()
        for tag, line in self.open:
            if tag not in OPTIONAL_END:
                self.found.append((line, f"<{tag}> is never closed: the page closes it at the end of the article",
                                   f"add </{tag}> where it should end"))


def unclosed_comment(text: str) -> list[tuple[int, str, str]]:
    """An HTML comment that is never closed: a browser hides everything after it."""
    rest = COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n") if m.group(0).endswith("-->") else m.group(0), text)
    start = rest.find("<!--")
    if start < 0:
        return []
    return [(rest.count("\n", 0, start) + 1, "an HTML comment (<!--) is never closed: everything after it is hidden",
             "end the comment with -->")]
