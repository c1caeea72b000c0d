"""Markdown to HTML (Python-Markdown), with East Asian soft line breaks (body.py shapes the result).

Python-Markdown is quadratic on some inputs: every unmatched `[` or `<` makes it scan the rest of
the paragraph, so `'[' * 8000` takes seconds and a long paragraph of them minutes. Two guards:
`pathological()` refuses such paragraphs before Markdown sees them (cheap, linear, works in any
thread), and `convert()` stops a conversion that runs longer than MARKDOWN_SECONDS with SIGALRM —
only in a main thread (pool workers, a plain build); the preview server's background thread
cannot use signals and relies on the pre-check alone.
"""
from __future__ import annotations

import contextlib
import hashlib
import re
import signal
import threading

import markdown as md
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

EXTENSIONS = ["tables", "footnotes", "attr_list", "sane_lists", "fenced_code"]
# Bump when the HTML this module makes changes, so cached HTML is not reused.
VERSION = "4"

# Ideographs, kana, hangul and full-width punctuation: a line break between two of
# these is no word break, so it must vanish rather than become a space.
CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff" \
      "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
QUOTES = "\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
SOFT_BREAK_RE = re.compile(f"(?<=[{CJK}{QUOTES}])\\n(?=[{CJK}{QUOTES}])")
CJK_CHAR_RE = re.compile(f"[{CJK}]")
PRE_RE = re.compile(r"(<pre[\s>].*?</pre>)", re.S)


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


def make_converter() -> md.Markdown:
    """A reusable Markdown converter with the site's extensions."""
    converter = md.Markdown(extensions=EXTENSIONS, output_format="html")
    converter.postprocessors.register(EastAsianBreaks(converter), "east_asian_breaks", 5)
    converter.treeprocessors.register(PlainTextFastPath(converter), "plain_text_fast_path", 25)
    return converter


_converter: md.Markdown | None = None
MARKDOWN_SECONDS = 20  # a real article converts in milliseconds
MAX_BLOCK_CHARS = 100_000  # one paragraph or table; a long real paragraph is 3,000
MAX_SCAN_WORK = 2_000_000  # unmatched `[`/`<` times paragraph length: about a second of Markdown
STRIPPED = "-stripped"  # the end of the hash of a body whose HTML goes through the sanitiser (raw_html: strip)


class SlowMarkdown(Exception):
    """A conversion ran out of time; carries the body's digest so the stage can name the file."""

    def __init__(self, digest: str):
        super().__init__(digest)
        self.digest = digest


def body_digest(body: str) -> str:
    """The hash a body is known by (cache key, and how a slow conversion names its file)."""
    return hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class StrippedBody(str):
    """A body whose HTML convert() passes through the allow-list sanitiser (config raw_html: strip)."""


def as_body(text: str, body_hash: str) -> str:
    """A body's text as convert() must see it: a StrippedBody when its hash says raw_html: strip applies."""
    return StrippedBody(text) if body_hash.endswith(STRIPPED) else text


def convert(body: str) -> str:
    """Markdown body to HTML (one converter per process, reset between documents), within the time limit."""
    global _converter  # a per-process cache of a costly object, not shared state
    if _converter is None:
        _converter = make_converter()
    try:
        with time_limit(MARKDOWN_SECONDS, body):
            html = _converter.reset().convert(body)
    except SlowMarkdown:
        _converter = None  # interrupted half-way: start the next document with a fresh one
        raise
    if isinstance(body, StrippedBody):
        from .rawhtml import sanitise
        html = sanitise(html)
    return html


@contextlib.contextmanager
def time_limit(seconds: float, body: str):
    """Raise SlowMarkdown after `seconds` (SIGALRM: main thread only; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise SlowMarkdown(body_digest(body) + (STRIPPED if isinstance(body, StrippedBody) else ""))

    previous = signal.signal(signal.SIGALRM, expire)
    old_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, *old_timer)
        signal.signal(signal.SIGALRM, previous)


def pathological(body: str) -> list[tuple[int, str, str]]:
    """(line in body, message, hint) for paragraphs Markdown would take too long to read."""
    found = []
    for line, block in blocks(body):
        if len(block) > MAX_BLOCK_CHARS:
            found.append((line, f"a paragraph of {len(block):,} characters, over the limit of {MAX_BLOCK_CHARS:,}",
                          "split it into paragraphs with blank lines"))
            continue
        opened = unmatched(block, "[", "]") + unmatched(block, "<", ">")
        if opened * len(block) > MAX_SCAN_WORK:
            found.append((line, f"a paragraph with {opened:,} unmatched '[' or '<': Markdown would take "
                          "minutes to read it", "close the brackets, or write them as \\[ and &lt;"))
    return found


def blocks(body: str):
    """(first line, text) of each run of non-blank lines, lines counted from 0."""
    start, lines = 0, []
    for number, raw in enumerate(body.split("\n")):
        if raw.strip():
            if not lines:
                start = number
            lines.append(raw)
        elif lines:
            yield start, "\n".join(lines)
            lines = []
    if lines:
        yield start, "\n".join(lines)


def unmatched(text: str, opening: str, closing: str) -> int:
    """How many `opening` characters no `closing` one follows (backslash-escaped ones ignored)."""
    text = text.replace("\\\\", "").replace("\\" + opening, "")
    depth = 0
    for char in re.findall(re.escape(opening) + "|" + re.escape(closing), text):
        if char == opening:
            depth += 1
        elif depth:
            depth -= 1
    return depth
