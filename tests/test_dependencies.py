"""The dependency record: after every kind of edit, `build` (a new process) and `serve` (warm) give a cold build's bytes.

Session (test_serve_incremental.py) rebuilds after each edit and compares the whole output folder
with a cold build of a copy. Here every kind of edit an editor makes is tried, one after another,
and a property test tries random sequences of them.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_project
from test_serve_incremental import Session

ZH = "content/editions/2020-12-21/rcep-base.zh.md"
EN = "content/editions/2020-12-21/rcep-base.en.md"
OTHER = "content/editions/2020-12-20/poverty-fund.zh.md"
EDITION = "content/editions/2020-12-21/edition.yaml"


def read(project: Path, rel: str) -> str:
    return (project / rel).read_text(encoding="utf-8")


def front(text: str, key: str, value: str | None) -> str:
    """Set (or, with None, remove) one front matter key."""
    head, sep, body = text.partition("\n---\n")
    lines = [line for line in head.splitlines() if not line.startswith(key + ":")]
    if value is not None:
        lines.append(f"{key}: {value}")
    return "\n".join(lines) + sep + body


@pytest.mark.parametrize("mode", ["serve", "build"])
def test_every_kind_of_edit_an_editor_makes_gives_a_cold_builds_output(tmp_path, mode):
    project = make_project(tmp_path)
    session = Session(project, tmp_path, mode)
    zh, en, other = read(project, ZH), read(project, EN), read(project, OTHER)
    session.edit(ZH, front(zh, "section", "society"))  # section: lists, feeds, breadcrumbs move
    session.edit(ZH, front(zh, "tags", "[volunteering]"))  # tags: tag pages appear and go
    session.edit(ZH, front(zh, "date", "2020-12-19T08:00:00+08:00"))  # date: feeds and sitemaps reorder
    session.edit(ZH, front(zh, "aliases", "[/zh/old-rcep/]"))  # a redirect page appears
    session.edit(ZH, front(zh, "draft", "true"))  # a draft leaves the site, with its translation
    session.edit(ZH, zh)
    session.edit(EN, front(en, "translation", "{status: machine}"))  # translation status: labels
    session.edit(EN, None)  # the translation removed: notices, no bilingual page
    session.edit(EN, en)  # and added back
    session.edit(EDITION, read(project, EDITION).replace("order: [rcep-base, volunteers]",
                                                         "order: [volunteers, rcep-base]"))  # edition order
    session.edit(EDITION, read(project, EDITION).replace("Two articles", "Two stories"))  # edition lead
    session.edit("content/glossary.yaml", read(project, "content/glossary.yaml")
                 + "base: {zh: 试点基地, en: pilot base}\n")  # a glossary term: bilingual pages mark it
    session.edit(OTHER, other.replace("经查", "经核查"))  # an article of another edition
    item = read(project, "templates/partials/item.html")
    session.edit("templates/partials/item.html", item.replace('class="item', 'class="item story-item', 1))  # partial
    config = read(project, "config.yaml")
    session.edit("config.yaml", config.replace("Test Digest}", "Test News Digest}", 1))  # a config key
    session.edit("static/css/digest.css", read(project, "static/css/digest.css") + "\n/* x */\n")
    session.edit("content/editions/2020-12-21/photo.txt", "a file beside the articles\n")  # an asset
    session.edit("content/editions/2020-12-21/photo.txt", None)
    session.edit("content/editions/2020-12-23/first.zh.md",
                 "---\ntitle: 新的一期\nsection: economy\ntags: [rcep]\n---\n新一期的正文。\n")  # a new edition
    session.edit("content/editions/2020-12-23/first.en.md", "---\ntitle: A new edition\n---\nIts text.\n")
    session.edit("content/editions/2020-12-23/first.zh.md", None)  # its original deleted: an orphan
    session.edit("content/editions/2020-12-23/first.en.md", None)  # the edition is gone


# --- random sequences of edits -------------------------------------------------------------------------

def op_body(project: Path, n: int) -> str:
    path = [ZH, EN, OTHER][n % 3]
    (project / path).write_text(read(project, path) + f"\n新增的一段 {n}。\n", encoding="utf-8")
    return path


def op_title(project: Path, n: int) -> str:
    path = [ZH, EN, OTHER][n % 3]
    text = read(project, path)
    (project / path).write_text(re.sub(r"(?m)^title: (.*)$", lambda m: f"title: {m.group(1)} {n}", text, 1),
                                encoding="utf-8")
    return path


def op_section(project: Path, n: int) -> str:
    path = [ZH, OTHER][n % 2]
    (project / path).write_text(front(read(project, path), "section", ["economy", "society", "government"][n % 3]),
                                encoding="utf-8")
    return path


def op_tags(project: Path, n: int) -> str:
    path = [ZH, OTHER][n % 2]
    tags = [["rcep"], ["shibei", "volunteering"], []][n % 3]
    (project / path).write_text(front(read(project, path), "tags", "[" + ", ".join(tags) + "]"), encoding="utf-8")
    return path


def op_draft(project: Path, n: int) -> str:
    path = [ZH, OTHER][n % 2]
    text = read(project, path)
    (project / path).write_text(front(text, "draft", None if "draft: true" in text else "true"), encoding="utf-8")
    return path


def op_order(project: Path, n: int) -> str:
    text = read(project, EDITION)
    order = "[rcep-base, volunteers]" if n % 2 else "[volunteers, rcep-base]"
    (project / EDITION).write_text(re.sub(r"(?m)^order: .*$", f"order: {order}", text), encoding="utf-8")
    return EDITION


def op_new(project: Path, n: int) -> str:
    date = ["2020-12-21", "2020-12-22", "2020-12-19"][n % 3]
    path = f"content/editions/{date}/added-{n % 4}.zh.md"
    (project / path).parent.mkdir(parents=True, exist_ok=True)
    (project / path).write_text(f"---\ntitle: 新增{n}\nsection: economy\ntags: [rcep]\n---\n正文{n}。\n",
                                encoding="utf-8")
    return path


def op_delete(project: Path, n: int) -> str:
    candidates = sorted(p for p in (project / "content/editions").rglob("added-*.md"))
    if not candidates:
        return op_new(project, n)
    path = candidates[n % len(candidates)]
    path.unlink()
    return str(path.relative_to(project))


def op_translation(project: Path, n: int) -> str:
    status = ["machine", "pending", "human"][n % 3]
    (project / EN).write_text(front(read(project, EN), "translation", f"{{status: {status}}}"), encoding="utf-8")
    return EN


def op_slug(project: Path, n: int) -> str:
    path = [ZH, OTHER][n % 2]
    text = read(project, path)
    (project / path).write_text(front(text, "slug", None if "slug:" in text else f"renamed-{n}"), encoding="utf-8")
    return path


OPS = [op_body, op_title, op_section, op_tags, op_draft, op_order, op_new, op_delete, op_translation, op_slug]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 11)), min_size=1, max_size=4),
       mode=st.sampled_from(["serve", "build"]))
def test_random_edit_sequences_give_a_cold_builds_output(tmp_path_factory, steps, mode):
    tmp_path = tmp_path_factory.mktemp("seq")
    project = make_project(tmp_path)
    (project / "config.yaml").write_text(re.sub(r"(?m)^per_page: \d+", "per_page: 1",
                                                read(project, "config.yaml")), encoding="utf-8")
    session = Session(project, tmp_path, mode)
    for op, n in steps:
        changed = op(project, n)
        session.rebuild({str(project / changed)})
