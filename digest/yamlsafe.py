"""Safe YAML: C loader when available, no duplicate keys, no aliases, bounded nesting.

PyYAML silently keeps the last of two equal keys and expands aliases without
limit (the "billion laughs"); both are refused here, with line numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 20
FULLWIDTH_COLON = "："


@dataclass
class YamlResult:
    """A parsed YAML document: the data, the line of each top-level key, and problems."""

    data: object = None
    key_lines: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[int | None, str, str]] = field(default_factory=list)  # (line, message, hint)


def parse_yaml(text: str, first_line: int = 1) -> YamlResult:
    """Parse one YAML document; lines in problems are counted from first_line."""
    result = YamlResult()
    if not scan_events(text, first_line, result):
        return result
    try:
        result.data = yaml.load(text, Loader=Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        result.problems.append(describe_yaml_error(exc, text, first_line))
    return result


def scan_events(text: str, first_line: int, result: YamlResult) -> bool:
    """Walk the parser's events: record key lines, refuse duplicates, aliases, deep nesting."""
    stack: list[dict | None] = []  # per open collection: seen keys (mapping) or None (sequence)
    expect_key: list[bool] = []
    try:
        for event in yaml.parse(text, Loader=Loader):
            line = event.start_mark.line + first_line if event.start_mark else None
            if isinstance(event, yaml.AliasEvent):
                result.problems.append((line, "YAML aliases (*name) are not allowed here",
                                        "write the value out in full"))
                return False
            is_key = bool(stack) and stack[-1] is not None and expect_key[-1]
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if is_key:
                    expect_key[-1] = False
                elif stack and stack[-1] is not None:
                    expect_key[-1] = True
                if len(stack) >= MAX_DEPTH:
                    result.problems.append((line, f"nesting is deeper than {MAX_DEPTH} levels",
                                            "front matter needs only a few levels; simplify it"))
                    return False
                stack.append({} if isinstance(event, yaml.MappingStartEvent) else None)
                expect_key.append(True)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
                expect_key.pop()
            elif isinstance(event, yaml.ScalarEvent) and stack and stack[-1] is not None:
                if is_key:
                    seen = stack[-1]
                    if event.value in seen:
                        result.problems.append((
                            line, f"duplicate key '{event.value}' (first on line {seen[event.value]})",
                            "keep one of the two"))
                    else:
                        seen[event.value] = line
                        if len(stack) == 1:
                            result.key_lines[event.value] = line
                    expect_key[-1] = False
                else:
                    expect_key[-1] = True
    except yaml.YAMLError as exc:
        result.problems.append(describe_yaml_error(exc, text, first_line))
        return False
    return not result.problems


def describe_yaml_error(exc: yaml.YAMLError, text: str, first_line: int) -> tuple[int | None, str, str]:
    """Turn a PyYAML error into (line, message, hint) in an editor's words."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + first_line if mark else None
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    hint = "check the indentation and quote values that contain ': ' or start with a special character"
    lines = text.split("\n")
    for number, raw in enumerate(lines, start=first_line):
        if FULLWIDTH_COLON in raw.split("#")[0] and ":" not in raw:
            return (number, f"this line uses a full-width colon '{FULLWIDTH_COLON}' instead of ':'",
                    "write the key with an ASCII colon and a space, e.g. `title: …`")
    if "tag" in problem and "python" in text:
        hint = "Python-specific tags such as !!python/object are refused; write plain values"
    return line, f"invalid YAML: {problem}", hint
