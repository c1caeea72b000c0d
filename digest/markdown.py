"""Markdown to HTML (Python-Markdown), with East Asian soft line breaks (body.py shapes the result).

Python-Markdown is quadratic on some inputs: every unmatched `[` or `<` makes it scan the rest of
the paragraph, so `'[' * 8000` takes seconds and a long paragraph of them minutes; nested or
repeated link brackets (`'[' * 15000 + 'a' + '](' * 15000`) are worse. Three guards:
`pathological()` refuses the unmatched kind before Markdown sees them (cheap, linear, any thread);
in a main thread (a plain build, pool workers) `convert()` stops a conversion that runs longer than
MARKDOWN_SECONDS with SIGALRM; in any other thread (the preview server rebuilds in one, and
signals only reach the main thread) a body that `risky()` finds costly — many `[` or `<` for its
paragraph's length, which no article of the site comes near — is converted in a child process
that is killed after the same time, or as soon as newer changes wait (`watching()`), while every
other body converts in the thread at no extra cost.
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import markdown as md
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from . import markdownlib  # noqa: F401  (fenced_code, loaded without Pygments)

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
RISKY_WORK = 100_000  # any `[`/`<` times paragraph length: up to ~0.05 s; a paragraph with 10 links is ~30,000


class SlowMarkdown(Exception):
    """A conversion ran out of time; carries the body's digest so the stage can name the file."""

    def __init__(self, digest: str):
        super().__init__(digest)
        self.digest = digest


class Superseded(Exception):
    """Newer changes arrived while a risky body converted: the rebuild gives way to them."""


@dataclass
class Watchdog:
    """What a conversion outside the main thread answers to (the preview server's rebuilds).

    interrupted says whether newer changes wait; spent keeps the seconds a body (by digest) has
    already had in rebuilds that gave way, so it never gets more than MARKDOWN_SECONDS in all.
    """

    interrupted: Callable[[], bool] = lambda: False
    spent: dict = field(default_factory=dict)


# The watchdog of the rebuild running in this thread: set around build() by watching(), read by convert().
WATCHDOG: contextvars.ContextVar = contextvars.ContextVar("digest_markdown_watchdog", default=None)


@contextlib.contextmanager
def watching(watchdog: Watchdog):
    """Convert risky bodies under this watchdog for the duration of the block."""
    token = WATCHDOG.set(watchdog)
    try:
        yield
    finally:
        WATCHDOG.reset(token)


def body_digest(body: str) -> str:
    """The hash a body is known by (cache key, and how a slow conversion names its file)."""
    return hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class StrippedBody(str):
    """A body whose HTML convert() passes through the allow-list sanitiser (config raw_html: strip)."""


def body_key(body: str) -> str:
    """The hash a body's document is known by (how a slow conversion names its file)."""
    return body_digest(body) + (STRIPPED if isinstance(body, StrippedBody) else "")


def as_body(text: str, body_hash: str) -> str:
    """A body's text as convert() must see it: a StrippedBody when its hash says raw_html: strip applies."""
    return StrippedBody(text) if body_hash.endswith(STRIPPED) else text


def convert(body: str) -> str:
    """Markdown body to HTML (one converter per process, reset between documents), within the time limit."""
    global _converter  # a per-process cache of a costly object, not shared state
    if _converter is None:
        _converter = make_converter()
    if threading.current_thread() is not threading.main_thread() and risky(body):
        html = convert_in_child(body, WATCHDOG.get() or Watchdog())
    else:
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
        raise SlowMarkdown(body_key(body))

    previous = signal.signal(signal.SIGALRM, expire)
    old_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, *old_timer)
        signal.signal(signal.SIGALRM, previous)


def risky(body: str) -> bool:
    """Markdown could take long on this body: a paragraph with many `[` or `<` for its length (linear)."""
    if (body.count("[") + body.count("<")) * len(body) <= RISKY_WORK:
        return False  # no paragraph can be worse than the whole body: most bodies stop here
    return any((block.count("[") + block.count("<")) * len(block) > RISKY_WORK for _, block in blocks(body))


def convert_in_child(body: str, watchdog: Watchdog) -> str:
    """Convert in a forked process, killed after MARKDOWN_SECONDS (SlowMarkdown) or when newer changes wait
    (Superseded); a thread cannot be stopped, a process can."""
    digest = body_key(body)
    spent = watchdog.spent.get(digest, 0.0)
    if spent >= MARKDOWN_SECONDS:
        raise SlowMarkdown(digest)
    import multiprocessing  # noqa: PLC0415 - here, not at the top: 10 ms of every build's start-up
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    for stream in (sys.stdout, sys.stderr):  # the child must not print what this process has not yet
        stream.flush()
    child = context.Process(target=convert_for_parent, args=(body, sender), daemon=True)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # as pipeline.quiet_worker: Ctrl-C is the parent's
    try:
        child.start()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    sender.close()
    started = time.monotonic()
    try:
        while not receiver.poll(0.02):
            elapsed = time.monotonic() - started
            if spent + elapsed >= MARKDOWN_SECONDS or watchdog.interrupted():
                watchdog.spent[digest] = spent + elapsed
                raise SlowMarkdown(digest) if spent + elapsed >= MARKDOWN_SECONDS else Superseded()
        try:
            done, value = receiver.recv()
        except EOFError:
            child.join(5)
            done, value = False, f"the Markdown process ended with exit code {child.exitcode}"
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if not done:
        raise RuntimeError(value)
    return value


def convert_for_parent(body: str, sender) -> None:
    """In the child: convert and send (True, html), or (False, what went wrong); quiet on interrupts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it kills this process
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        sender.send((True, (_converter or make_converter()).reset().convert(body)))
    except Exception as exc:  # noqa: BLE001 - reported by the parent as a crash of the build
        sender.send((False, repr(exc)))


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
