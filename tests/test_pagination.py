"""Lists number their pages from the oldest: a full numbered page keeps its articles, a new edition changes few pages."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import build_project, make_project
from digest.site import list_layout

NEW = """---
title: {title}
section: economy
tags: [rcep]
---
{title}正文。
"""


def per_page(project: Path, n: int) -> None:
    config = project / "config.yaml"
    config.write_text(re.sub(r"(?m)^per_page: \d+", f"per_page: {n}", config.read_text(encoding="utf-8")),
                      encoding="utf-8")


def titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="item-title"><a [^>]*>([^<]*)</a>', html)


def test_the_layout_counts_pages_from_the_oldest_and_never_leaves_one_empty():
    assert list_layout(0, 20) == (0, [])
    assert list_layout(39, 20) == (39, [])  # fewer than two full pages: all on the front page
    assert list_layout(40, 20) == (20, [(20, 40)])
    assert list_layout(45, 20) == (25, [(25, 45)])  # the front holds the newest 25, page 1 the oldest 20
    front, pages = list_layout(101, 10)
    assert front == 11 and pages[0] == (91, 101) and pages[-1] == (11, 21)
    for count in range(0, 120):
        front, pages = list_layout(count, 7)
        covered = [*range(front)] + [i for start, end in pages for i in range(start, end)]
        assert sorted(covered) == list(range(count))  # every article once, no page empty
        assert all(end - start == 7 for start, end in pages) and (count < 14 or 7 <= front < 14)


def test_numbered_pages_keep_their_articles_when_an_edition_is_added(tmp_path):
    project = make_project(tmp_path)
    per_page(project, 1)
    _, out = build_project(project)
    home = (out / "zh/index.html").read_text(encoding="utf-8")
    first = (out / "zh/page/1/index.html").read_text(encoding="utf-8")
    second = (out / "zh/page/2/index.html").read_text(encoding="utf-8")
    assert not (out / "zh/page/3/index.html").exists()
    assert len(titles(home)) == 1 and len(titles(first)) == 1 and len(titles(second)) == 1
    assert 'rel="next" href="../zh/page/2/"' in home  # the front page leads to the newest numbered page
    assert 'rel="prev" href="../../../zh/"' in second and 'rel="next" href="../../../zh/page/1/"' in second
    assert 'rel="next"' not in first  # page 1 holds the oldest articles
    folder = project / "content/editions/2020-12-22"
    folder.mkdir()
    for n in range(2):
        (folder / f"added-{n}.zh.md").write_text(NEW.format(title=f"新增文章{n}"), encoding="utf-8")
    result, _ = build_project(project)
    assert (out / "zh/page/1/index.html").read_text(encoding="utf-8") == first  # the same articles, the same bytes
    assert titles((out / "zh/page/2/index.html").read_text(encoding="utf-8")) == titles(second)
    assert (out / "zh/page/4/index.html").is_file()
    assert "新增文章0" in (out / "zh/index.html").read_text(encoding="utf-8")  # the lead story of the new edition


def test_a_new_edition_writes_a_bounded_number_of_list_pages(tmp_path):
    project = make_project(tmp_path)
    per_page(project, 1)
    folder = project / "content/editions/2020-12-19"
    folder.mkdir()
    for n in range(30):  # an archive: 30 more articles, 30 numbered pages in each list
        (folder / f"old-{n:02d}.zh.md").write_text(NEW.format(title=f"旧文章{n}"), encoding="utf-8")
    _, out = build_project(project)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("index.html") if "/page/" in p.as_posix()}
    assert len(before) > 60
    new = project / "content/editions/2020-12-22"
    new.mkdir()
    (new / "added.zh.md").write_text(NEW.format(title="新增文章"), encoding="utf-8")
    build_project(project)
    rewritten = [p for p, stamp in before.items() if p.stat().st_mtime_ns != stamp]
    assert len(rewritten) <= 6  # per list (home, section, tag): at most the page the new chunk completes
