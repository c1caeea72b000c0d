"""Safe YAML: C loader when available, no duplicate keys, no aliases, bounded nesting.

PyYAML silently keeps the last of two equal keys and expands aliases without
limit (the "billion laughs"); both are refused here, with line numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 20
MAX_BRACKETS = 2000  # refused before parsing: the C composer recurses once per level
FULLWIDTH_COLON = "："


@dataclass
class YamlResult:
    """A parsed YAML document: the data, the line of each top-level key, and problems."""

    data: object = None
    key_lines: dict[str, int] = field(default_factory=dict)
    key_texts: dict[str, str] = field(default_factory=dict)  # top-level scalar values as written (`1.10`, not 1.1)
    problems: list[tuple[int | None, str, str]] = field(default_factory=list)  # (line, message, hint)


def parse_yaml(text: str, first_line: int = 1) -> YamlResult:
    """Parse one YAML document; lines in problems are counted from first_line.

    One pass: the C parser composes the node graph, which is checked (duplicate keys,
    aliases, depth) before any value is constructed, so nothing is expanded or converted
    from a document that is refused.
    """
    result = YamlResult()
    if text.count("[") + text.count("{") > MAX_BRACKETS:
        result.problems.append((first_line, "the YAML is nested too deeply or is too complex",
                                "front matter needs only a few levels; simplify it"))
        return result
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            check_node(node, first_line, result, 0, set())
            if not result.problems:
                result.data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        result.problems.append(describe_yaml_error(exc, text, first_line))
    except (ValueError, OverflowError):  # a value YAML reads as a date that no calendar has: 2020-02-30
        result.problems.append(describe_bad_value(loader, node, first_line))
    finally:
        loader.dispose()
    if not result.problems and isinstance(node, yaml.MappingNode):
        result.key_lines = {k.value: k.start_mark.line + first_line for k, _ in node.value
                            if isinstance(k, yaml.ScalarNode)}
        result.key_texts = {k.value: v.value for k, v in node.value
                            if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)}
    return result


def check_node(node, first_line: int, result: YamlResult, depth: int, seen: set) -> None:
    """Refuse aliases (a node met twice), nesting deeper than MAX_DEPTH and duplicate keys."""
    if result.problems:
        return
    line = node.start_mark.line + first_line
    if id(node) in seen:
        result.problems.append((line, "YAML aliases (*name) are not allowed here", "write the value out in full"))
        return
    if depth > MAX_DEPTH:
        result.problems.append((line, f"nesting is deeper than {MAX_DEPTH} levels",
                                "front matter needs only a few levels; simplify it"))
        return
    if isinstance(node, yaml.ScalarNode):
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            check_node(child, first_line, result, depth + 1, seen)
        return
    keys: dict[str, int] = {}
    for key, value in node.value:
        key_line = key.start_mark.line + first_line
        if isinstance(key, yaml.ScalarNode) and key.value in keys:
            result.problems.append((key_line, f"duplicate key '{key.value}' (first on line {keys[key.value]})",
                                    "keep one of the two"))
            return
        if isinstance(key, yaml.ScalarNode):
            keys[key.value] = key_line
        check_node(key, first_line, result, depth + 1, seen)
        check_node(value, first_line, result, depth + 1, seen)


def describe_bad_value(loader, node, first_line: int) -> tuple[int | None, str, str]:
    """Find the scalar whose conversion failed (dates are the only ones that can) and say why."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.ScalarNode):
            try:
                loader.yaml_constructors.get(current.tag, type(loader).construct_undefined)(loader, current)
            except (ValueError, OverflowError, yaml.YAMLError):
                return (current.start_mark.line + first_line, f"'{current.value}' is not a real date",
                        "fix the day or month (e.g. 2020-02-28), or put the text in quotes")
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(reversed(current.value))
        elif isinstance(current, yaml.MappingNode):
            stack.extend(n for pair in reversed(current.value) for n in reversed(pair))
    return (first_line, "a value is not valid", "check the dates and numbers")


def describe_yaml_error(exc: yaml.YAMLError, text: str, first_line: int) -> tuple[int | None, str, str]:
    """Turn a PyYAML error into (line, message, hint) in an editor's words; every error keeps its line."""
    lines = text.split("\n")
    for number, raw in enumerate(lines, start=first_line):
        if FULLWIDTH_COLON in raw.split("#")[0] and ":" not in raw:
            return (number, f"this line uses a full-width colon '{FULLWIDTH_COLON}' instead of ':'",
                    "write the key with an ASCII colon and a space, e.g. `title: …`")
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses: it has a position, not a mark
        line = text.count("\n", 0, exc.position) + first_line if isinstance(exc.position, int) else first_line
        char = exc.character if isinstance(exc.character, str) else chr(exc.character or 0)
        return (line, f"invalid YAML: the character U+{ord(char):04X} is not allowed ({exc.reason})",
                "delete it: it is invisible, and often comes with text pasted from Word or a PDF")
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None) or ""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if getattr(exc, "context_mark", None) is not None and ("end of stream" in problem or "flow" in context
                                                           or "quoted" in context):
        mark = exc.context_mark  # where the unfinished thing (a quote, a list) started, not where the text ends
    line = mark.line + first_line if mark else first_line
    message = f"invalid YAML: {problem}"
    for words, hint in YAML_HINTS:
        if words in problem or words in context:
            break
    else:
        hint = "check the indentation and quote values that contain ': ' or start with a special character"
    if "tag" in problem and "python" in text:
        hint = "Python-specific tags such as !!python/object are refused; write plain values"
    return line, message, hint


YAML_HINTS = (  # (words of PyYAML's message, what to do)
    ("quoted scalar", "a quote opened on this line is never closed: close it, or write the value without it"),
    ("flow sequence", "a list opened with '[' on this line is not closed with ']'"),
    ("flow mapping", "a mapping opened with '{' on this line is not closed with '}'"),
    ("expected ',' or ']'", "a list opened with '[' is not closed with ']'"),
    ("expected ',' or '}'", "a mapping opened with '{' is not closed with '}'"),
    ("cannot start any token", "a value cannot start with @ or `: put the value in quotes"),
    ("mapping values are not allowed", "a value holds ': ', or a line is indented under a value: put the value "
                                       "in quotes, or start the key at the beginning of the line"),
    ("could not find expected ':'", "a line is missing the ':' after its key (or a quoted value goes on): "
                                    "write `key: value`"),
)
