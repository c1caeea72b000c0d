"""Markdown to HTML (Python-Markdown), with East Asian soft line breaks and source-path links."""
from __future__ import annotations

import re

import markdown as md
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

EXTENSIONS = ["tables", "footnotes", "attr_list", "sane_lists", "fenced_code"]
# Bump when the HTML this module makes changes, so cached HTML is not reused.
VERSION = "2"

# Ideographs, kana, hangul and full-width punctuation: a line break between two of
# these is no word break, so it must vanish rather than become a space.
CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff" \
      "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
QUOTES = "\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
SOFT_BREAK_RE = re.compile(f"(?<=[{CJK}{QUOTES}])\\n(?=[{CJK}{QUOTES}])")
CJK_CHAR_RE = re.compile(f"[{CJK}]")
PRE_RE = re.compile(r"(<pre[\s>].*?</pre>)", re.S)
SOURCE_LINK_PREFIX = "digest-source:"


def join_east_asian_lines(html: str) -> str:
    """Drop newlines between CJK characters outside <pre> (Hugo's eastAsianLineBreaks)."""
    if "\n" not in html:
        return html
    parts = PRE_RE.split(html)
    for i in range(0, len(parts), 2):
        parts[i] = SOFT_BREAK_RE.sub(lambda m: "" if needs_join(m) else "\n", parts[i])
    return "".join(parts)


def needs_join(match: re.Match) -> bool:
    """At least one side of the break is a real CJK character, not only a curly quote or dash."""
    text, pos = match.string, match.start()
    return bool(CJK_CHAR_RE.match(text[pos - 1]) or CJK_CHAR_RE.match(text[pos + 1]))


class EastAsianBreaks(Postprocessor):
    """Postprocessor wrapper for join_east_asian_lines."""

    def run(self, text: str) -> str:
        return join_east_asian_lines(text)


INLINE_TRIGGERS = re.compile(r"[\\`*_\[\]!<>&{}:~]|  \n")


class PlainTextFastPath(Treeprocessor):
    """Skip inline parsing of text with no character any inline pattern reacts to.

    Most paragraphs of a news article are plain sentences; marking their text atomic
    spares them twenty regex passes each. Output is identical (tested on a corpus).
    """

    def run(self, root):
        for element in root.iter():
            text = element.text
            if text and not isinstance(text, AtomicString) and not INLINE_TRIGGERS.search(text):
                element.text = AtomicString(text)
            tail = element.tail
            if tail and not isinstance(tail, AtomicString) and not INLINE_TRIGGERS.search(tail):
                element.tail = AtomicString(tail)


class SourceLinks(Treeprocessor):
    """Mark links and images written as paths to .md sources so the model can resolve them."""

    def run(self, root):
        for element in root.iter():
            attr = "href" if element.tag == "a" else "src" if element.tag == "img" else None
            target = element.get(attr) if attr else None
            if target and is_local(target):
                element.set(attr, SOURCE_LINK_PREFIX + target)


def is_local(target: str) -> bool:
    """A link that points into the project rather than to the web or within the page."""
    return not re.match(r"^([a-z][a-z0-9+.-]*:|#|//)", target, re.I)


def make_converter() -> md.Markdown:
    """A reusable Markdown converter with the site's extensions."""
    converter = md.Markdown(extensions=EXTENSIONS, output_format="html")
    converter.postprocessors.register(EastAsianBreaks(converter), "east_asian_breaks", 5)
    converter.treeprocessors.register(SourceLinks(converter), "source_links", 1)
    converter.treeprocessors.register(PlainTextFastPath(converter), "plain_text_fast_path", 25)
    return converter


_converter: md.Markdown | None = None


def convert(body: str) -> str:
    """Markdown body to HTML (one converter per process, reset between documents)."""
    global _converter  # a per-process cache of a costly object, not shared state
    if _converter is None:
        _converter = make_converter()
    html = _converter.reset().convert(body)
    return html
