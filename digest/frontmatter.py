"""Split a Markdown file into YAML front matter and body; line numbers count in the .md file."""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Problem, error
from .yamlsafe import FULLWIDTH_COLON, parse_yaml

FENCE = "---"


@dataclass
class FrontMatter:
    """Parsed front matter: values, the line of each key, where the body starts, problems."""

    meta: dict = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    problems: list[Problem] = field(default_factory=list)
    unsafe: list = field(default_factory=list)  # (body line, kind, name) of raw HTML and links, see rawhtml.py
    key_texts: dict[str, str] = field(default_factory=dict)  # scalar values as written, for hints (not cached)

    def line_of(self, key: str) -> int:
        """The line of a top-level key, or of the opening fence when the key is absent."""
        return self.key_lines.get(key, 1)


def parse_front_matter(text: str, shown: str) -> FrontMatter:
    """Split `---` fenced YAML from the body and parse it safely."""
    result = FrontMatter()
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        result.problems.append(error(shown, 1, "the file does not start with front matter",
                                     "put `---` on the first line, then `title: …`, then `---`",
                                     code="no-front-matter"))
        result.body = text
        return result
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in (FENCE, "...")), None)
    if end is None:
        result.problems.append(error(shown, 1, "the front matter is never closed",
                                     "did you forget the closing `---` after the last key?",
                                     code="unclosed-front-matter"))
        return result
    parsed = parse_yaml("\n".join(lines[1:end]), first_line=2)
    result.key_lines = parsed.key_lines
    result.key_texts = parsed.key_texts
    result.problems.extend(error(shown, line, msg, hint, code="yaml") for line, msg, hint in parsed.problems)
    result.body = "\n".join(lines[end + 1:])
    result.body_line = end + 2
    if parsed.problems:
        return result
    if parsed.data is None:
        result.meta = {}
    elif isinstance(parsed.data, dict):
        result.meta = parsed.data
    else:
        result.problems.append(not_a_mapping(lines[1:end], shown))
    return result


def not_a_mapping(lines: list[str], shown: str) -> Problem:
    """Explain front matter that is not `key: value` lines."""
    for number, raw in enumerate(lines, start=2):
        if FULLWIDTH_COLON in raw:
            return error(shown, number, f"this line uses a full-width colon '{FULLWIDTH_COLON}' instead of ':'",
                         "write the key with an ASCII colon and a space, e.g. `title: …`", code="yaml")
    return error(shown, 2, "the front matter is not a list of `key: value` lines",
                 "write one `key: value` per line, e.g. `title: …`", code="yaml")
