"""Set or remove keys of a YAML mapping as a text edit: every other byte (comments, quoting, order) is kept.

Used where a command writes into a file an editor also writes by hand: a translation's front matter
(`translate import`) and content/glossary.yaml (`translate import` of a termbase). The positions of
values come from PyYAML's node marks (the pure-Python loader: its marks count characters); values are
written in flow style, which is valid wherever they stand. Callers parse the result again to check it.
"""
from __future__ import annotations

import yaml

DELETE = object()  # a change that removes the key


class Quoted(str):
    """A text value written in double quotes (a source hash: never read as a number)."""


def edit_mapping(text: str, changes: dict, order: tuple = (), eol: str = "\n") -> str:
    """text (a YAML block mapping, or nothing) with top-level keys set or removed (DELETE).

    A dict given for a key whose value is a mapping changes that mapping key by key. A new key goes
    before the first present key that follows it in `order`, else at the end.
    """
    root = yaml.compose(text, Loader=yaml.SafeLoader) if text.strip() else None
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise ValueError("not a mapping")
    nodes = {k.value: (k, v) for k, v in root.value} if root is not None else {}
    edits: list[tuple[int, int, str]] = []
    for key, value in changes.items():
        if key in nodes:
            knode, vnode = nodes[key]
            if value is DELETE:
                edits.append(line_span(text, knode.start_mark.index, vnode.end_mark.index))
            elif isinstance(value, dict) and isinstance(vnode, yaml.MappingNode):
                edits += mapping_edits(text, vnode, value, eol)
            else:
                edits.append(value_edit(text, vnode, value))
        elif value is not DELETE:
            at = insertion_point(text, key, order, nodes)
            lead = eol if at == len(text) and text and not text.endswith("\n") else ""
            edits.append((at, at, f"{lead}{key}: {flow(value)}{eol}"))
    return apply_edits(text, edits)


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """text with (start, end, new) replacements made; insertions at one place keep their order."""
    merged: dict = {}
    for start, end, new in edits:
        merged[(start, end)] = merged.get((start, end), "") + new
    for (start, end), new in sorted(merged.items(), reverse=True):
        text = text[:start] + new + text[end:]
    return text


def flow(value) -> str:
    """A value written in flow style (a scalar quoted where YAML would misread it)."""
    if isinstance(value, Quoted):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{flow(k)}: {flow(v)}" for k, v in value.items()) + "}"
    return yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=10**9).strip()[1:-1]


def value_edit(text: str, node, value) -> tuple[int, int, str]:
    """Replace a value node (a block scalar's last newline kept); an equal value is left as it is written."""
    start, end = node.start_mark.index, node.end_mark.index
    if isinstance(node, yaml.ScalarNode) and yaml.safe_load(text[start:end]) == value:
        return start, start, ""
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        end = text.rfind("\n", start, end) if text[end - 1:end] == "\n" else end
    return start, end, flow(value)


def line_span(text: str, start: int, end: int) -> tuple[int, int, str]:
    """Remove whole lines from the one holding start to the one holding end."""
    first = text.rfind("\n", 0, start) + 1
    stop = text.find("\n", max(end - 1, start))
    return first, len(text) if stop == -1 else stop + 1, ""


def insertion_point(text: str, key: str, order: tuple, nodes: dict) -> int:
    """Where a new key's line goes: before the first present key that follows it in order, else at the end."""
    later = order[order.index(key) + 1:] if key in order else ()
    for name in later:
        if name in nodes:
            return text.rfind("\n", 0, nodes[name][0].start_mark.index) + 1
    return len(text)


def mapping_edits(text: str, node, changes: dict, eol: str) -> list[tuple[int, int, str]]:
    """Edits setting or removing keys of a nested mapping, written `{a: b}` or as indented lines."""
    if node.flow_style:
        return flow_edits(text, node, changes)
    children = {k.value: (k, v) for k, v in node.value}
    edits = []
    indent = " " * node.value[0][0].start_mark.column if node.value else "  "
    last_end = node.value[-1][1].end_mark.index if node.value else node.end_mark.index
    after_last = text.find("\n", last_end - 1)
    after_last = len(text) if after_last == -1 else after_last + 1
    for key, value in changes.items():
        if key in children:
            knode, vnode = children[key]
            edits.append(line_span(text, knode.start_mark.index, vnode.end_mark.index) if value is DELETE
                         else value_edit(text, vnode, value))
        elif value is not DELETE:
            edits.append((after_last, after_last, f"{indent}{key}: {flow(value)}{eol}"))
    return edits


def flow_edits(text: str, node, changes: dict) -> list[tuple[int, int, str]]:
    """Edits of a `{a: b, c: d}` mapping in place: a value replaced, a pair removed with its comma, new pairs last."""
    pairs = list(node.value)
    children = {k.value: (n, k, v) for n, (k, v) in enumerate(pairs)}
    edits, added = [], []
    for key, value in changes.items():
        if key not in children:
            if value is not DELETE:
                added.append(f"{flow(key)}: {flow(value)}")
            continue
        n, knode, vnode = children[key]
        if value is not DELETE:
            edits.append(value_edit(text, vnode, value))
        elif n:  # from the end of the pair before it
            edits.append((pairs[n - 1][1].end_mark.index, vnode.end_mark.index, ""))
        else:  # to the start of the pair after it
            stop = pairs[1][0].start_mark.index if len(pairs) > 1 else vnode.end_mark.index
            edits.append((knode.start_mark.index, stop, ""))
    if added:
        kept = [k for k, _ in pairs if changes.get(k.value) is not DELETE]
        at = pairs[-1][1].end_mark.index if pairs else text.index("{", node.start_mark.index) + 1
        edits.append((at, at, (", " if kept else "") + ", ".join(added)))
    return edits
