"""CJK-aware plain-text measures: excerpts and reading time (of the text body.shape reads from the tree)."""
from __future__ import annotations

import math
import re

from .markdown import CJK, CJK_CHAR_RE

CJK_RUN_RE = re.compile(f"[{CJK}]+")
WORD_RE = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['’.-][A-Za-z0-9\u00c0-\u024f]+)*")
CJK_SENTENCE_END = "。！？!?"
CHARS_PER_MINUTE = 500  # Chinese, the rate of the Chinese curriculum standard
WORDS_PER_MINUTE = 230  # English
EXCERPT_CHARS = 120
EXCERPT_WORDS = 50


def is_cjk_text(text: str) -> bool:
    """Mostly CJK: measured by characters rather than words."""
    sample = text[:400]
    return len(CJK_CHAR_RE.findall(sample)) * 2 > len(WORD_RE.findall(sample)) * 3


def reading_minutes(text: str) -> int:
    """Minutes to read: CJK characters at 500 a minute plus other words at 230 a minute, at least 1."""
    cjk = len(text) - len(CJK_RUN_RE.sub("", text))  # counted without a list of every character
    words = WORD_RE.subn("", text)[1]
    return max(1, math.ceil(cjk / CHARS_PER_MINUTE + words / WORDS_PER_MINUTE))


def excerpt(texts) -> str:
    """A plain-text lead from the first paragraphs' text (body.Facts), cut at a sentence end where possible."""
    paragraphs = []
    for para in texts:
        paragraphs.append(" ".join(para.split()))
        if sum(map(len, paragraphs)) > EXCERPT_CHARS * 3:
            break
    if not paragraphs:
        return ""
    if is_cjk_text(paragraphs[0]):
        return cut_cjk("".join(paragraphs))
    return cut_words(" ".join(paragraphs))


def cut_cjk(text: str) -> str:
    """Up to EXCERPT_CHARS characters, ending at the last 。！？ in that span when there is one."""
    if len(text) <= EXCERPT_CHARS:
        return text
    span = text[:EXCERPT_CHARS]
    end = max(span.rfind(c) for c in CJK_SENTENCE_END)
    if end >= EXCERPT_CHARS // 3:
        close = end + 1
        while close < len(text) and text[close] in "”’」』)）":
            close += 1
        return text[:close]
    return span.rstrip() + "……"


def cut_words(text: str) -> str:
    """Up to EXCERPT_WORDS words, ending at a sentence end when one comes late enough."""
    words = text.split()
    if len(words) <= EXCERPT_WORDS:
        return text
    span = " ".join(words[:EXCERPT_WORDS])
    ends = [m.end() for m in re.finditer(r"[.!?][\"”’)]?(?=\s)", span)]
    if ends and ends[-1] >= len(span) // 3:
        return span[: ends[-1]]
    return span.rstrip(",;:") + "…"
