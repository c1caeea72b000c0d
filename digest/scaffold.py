"""`new`: skeleton articles for editors, one per language, never overwriting a file."""
from __future__ import annotations

from pathlib import Path

from .config import load_config
from .content import SLUG_RE
from .errors import DigestError, error

ORIGINAL = """---
# Fill in the values, then delete the comments. Quote text that contains ': '.
kicker: ""          # 引题, printed above the headline (optional)
title: 待填写标题      # 主题: the headline (required)
subtitle: ""        # 副题 (optional)
byline: ""          # as printed, e.g. 本报记者 薄克国
dateline: ""        # e.g. 本报青岛讯
section: {section}  # one of: {sections}
tags: []            # keys or labels from content/tags.yaml
summary: ""         # lead for lists and feeds; empty = automatic excerpt
draft: true         # remove this line to publish
---

正文第一段。

## 小标题

正文……
"""

TRANSLATION = """---
# Translation of {original}. Section, tags, date and draft are inherited from it.
kicker: ""
title: Headline to be written
subtitle: ""
byline: ""          # e.g. Bo Keguo, staff reporter
dateline: ""        # e.g. QINGDAO
summary: ""
translation:
  status: pending   # human, machine or pending
  translator: ""
---

First paragraph (one paragraph per paragraph of the original).

## Subhead

Body…
"""


def new_article(root: Path, edition: str, slug: str) -> list[str]:
    """Write SLUG.LANG.md for every language into the edition folder; refuse to overwrite."""
    config, _ = load_config(root)
    if not SLUG_RE.match(slug):
        raise DigestError(error("--slug", None, f"'{slug}' is not lowercase ASCII letters, digits and '-'",
                                "e.g. --slug sanmin-activity", code="bad-slug"))
    folder = root / "content" / "editions" / edition
    targets = [folder / f"{slug}.{code}.md" for code in config.codes]
    existing = [t for t in targets if t.exists()]
    if existing:
        raise DigestError([error(str(t.relative_to(root)), None, "already exists",
                                 "choose another slug, or edit the file", code="exists") for t in existing])
    folder.mkdir(parents=True, exist_ok=True)
    sections = ", ".join(config.sections)
    first = next(iter(config.sections), "")
    created = []
    for code, target in zip(config.codes, targets):
        if code == config.original_language:
            text = ORIGINAL.format(section=first, sections=sections)
        else:
            text = TRANSLATION.format(original=targets[0].name)
        with open(target, "x", encoding="utf-8") as handle:
            handle.write(text)
        created.append(str(target.relative_to(root)))
    return created
