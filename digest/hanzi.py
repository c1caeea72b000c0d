"""Chinese characters: finding a traditional form in a simplified text (OpenCC's data), shared by import and check."""
from __future__ import annotations

import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class TraditionalChar:
    """A character in traditional form: where it is in the text, and its simplified form."""

    offset: int
    char: str
    simplified: str


@functools.cache
def converter(config: str = "t2s"):
    """One OpenCC converter per configuration, made on first use (loading its dictionaries takes a while)."""
    import opencc
    return opencc.OpenCC(config)


def traditional_chars(text: str) -> list[TraditionalChar]:
    """Characters of text that are traditional forms, with the simplified one.

    Two conditions, so that a character that is also correct simplified is not flagged:
    OpenCC changes it in its context (its phrase tables keep 乾隆, 瞭望, 著名), and it changes it
    on its own too (a character simplified only inside certain words, like 甚 of 甚麼, is left alone).
    """
    if text.isascii():
        return []
    t2s = converter("t2s")
    whole = t2s.convert(text)
    found = []
    if len(whole) == len(text):
        pairs = ((i, c, whole[i]) for i, c in enumerate(text) if whole[i] != c)
    else:  # a phrase changed length (rare): compare one character at a time
        pairs = ((i, c, t2s.convert(c)) for i, c in enumerate(text) if not c.isascii())
    for offset, char, simple in pairs:
        if simple != char and len(simple) == 1 and t2s.convert(char) != char:
            found.append(TraditionalChar(offset, char, simple))
    return found
