"""Incremental builds — serve's warm rebuilds and `build` run again — give exactly the output of a cold build."""
from __future__ import annotations

import difflib
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import make_project
from digest import content as content_mod
from digest import model as model_mod
from digest import pages as pages_mod
from digest import pipeline as pipeline_mod
from digest.errors import DigestError
from digest.engine import BuildState
from digest.pipeline import build

BASE = "http://127.0.0.1:8000/"
ARTICLE = "content/editions/2020-12-21/rcep-base.en.md"


def tree(out: Path) -> dict[str, bytes]:
    """Every output file, dotfiles included, but the search index (serve makes it in the background)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.relative_to(out).parts[0] != "pagefind"}


class Session:
    """A project rebuilt after each edit, checked against a cold build of a copy.

    mode "serve": one warm BuildState and the changed files, as the preview server does;
    mode "build": a new BuildState each time and no list of changes, as `python build.py` does.
    """

    def __init__(self, project: Path, tmp_path: Path, mode: str = "serve"):
        self.project = project
        self.tmp_path = tmp_path
        self.mode = mode
        self.memo = BuildState()
        self.out = project / "site"
        self.result = build(project, self.out, base_url=BASE, state=self.memo, changed=None, workers=1)

    def edit(self, rel: str, text: str | None) -> None:
        """Write (or delete, for None) one file, then rebuild with the memo and compare with a cold build."""
        path = self.project / rel
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        self.rebuild({str(path)})

    def rebuild(self, changed: set) -> None:
        """Rebuild with the memo and compare with a cold build of the same files."""
        if self.mode == "build":
            self.result = build(self.project, self.out, base_url=BASE, workers=1)
        else:
            self.result = build(self.project, self.out, base_url=BASE, state=self.memo, changed=changed, workers=1)
        cold = self.tmp_path / "cold"
        shutil.rmtree(cold, ignore_errors=True)
        shutil.copytree(self.project, cold, ignore=shutil.ignore_patterns("site", ".cache"))
        build(cold, cold / "site", base_url=BASE, workers=1)
        assert_same_tree(self.out, cold / "site")


def assert_same_tree(out: Path, expected: Path) -> None:
    """The two output folders hold the same files with the same bytes; else a readable diff of the first ones."""
    ours, theirs = tree(out), tree(expected)
    if ours == theirs:
        return
    lines = [f"only here: {sorted(set(ours) - set(theirs))}", f"missing: {sorted(set(theirs) - set(ours))}"]
    for rel in sorted(set(ours) & set(theirs)):
        if ours[rel] != theirs[rel]:
            diff = difflib.unified_diff(theirs[rel].decode(errors="replace").splitlines(),
                                        ours[rel].decode(errors="replace").splitlines(), "cold", "incremental",
                                        lineterm="", n=0)
            lines += [f"--- {rel}", *list(diff)[2:10]]
    raise AssertionError("\n".join(lines[:60]))


def read(project: Path, rel: str) -> str:
    """A project file's text."""
    return (project / rel).read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", ["serve", "build"])
def test_every_kind_of_edit_matches_a_cold_build(tmp_path, mode):
    project = make_project(tmp_path)
    session = Session(project, tmp_path, mode)
    text = read(project, ARTICLE)
    session.edit(ARTICLE, text.replace("Just 15 days later", "Only fifteen days later"))
    session.edit(ARTICLE, text.replace("title: Qingdao moves fast", "title: Qingdao moves faster"))
    session.edit(ARTICLE, text.replace("\n---", "\nslug: rcep-renamed\n---", 1))  # a renamed page
    session.edit(ARTICLE, text)
    css = read(project, "static/css/digest.css")
    session.edit("static/css/digest.css", css + "\n/* edited */\n")
    session.edit("static/extra.txt", "a static file\n")
    session.edit("static/extra.txt", None)
    session.edit("content/editions/2020-12-22/new-one.zh.md",
                 "---\ntitle: 新文章\nsection: " + section_of(project) + "\n---\n正文。\n")
    session.edit("content/editions/2020-12-22/new-one.zh.md", None)
    session.edit(ARTICLE, None)
    session.edit(ARTICLE, text)
    tags = read(project, "content/tags.yaml")
    session.edit("content/tags.yaml", tags + "\nunused-tag: {zh: 未用, en: Unused}\n")
    template = read(project, "templates/article.html")
    session.edit("templates/article.html", template.replace("</article>", "<!-- edited --></article>", 1))
    config = read(project, "config.yaml")
    session.edit("config.yaml", re.sub(r"(?m)^per_page: \d+", "per_page: 1", config))
    folder = project / "content/editions/2020-12-20"
    moved = project / "content/editions/2020-12-19"
    os.rename(folder, moved)
    session.rebuild({str(folder / p.name) for p in moved.iterdir()} | {str(p) for p in moved.iterdir()})


def section_of(project: Path) -> str:
    """A section key the fixture's articles use."""
    text = read(project, "content/editions/2020-12-21/rcep-base.zh.md")
    return next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("section:"))


def test_a_broken_file_fails_every_rebuild_until_fixed_even_when_others_change(tmp_path):
    project = make_project(tmp_path)
    session = Session(project, tmp_path)
    text = read(project, ARTICLE)
    before = tree(session.out)
    (project / ARTICLE).write_text(text.replace("title: Qingdao", "title: [Qingdao"), encoding="utf-8")
    with pytest.raises(DigestError) as caught:
        build(project, session.out, base_url=BASE, state=session.memo, changed={str(project / ARTICLE)}, workers=1)
    assert any(p.path == ARTICLE for p in caught.value.problems)
    other = project / "content/editions/2020-12-20/poverty-fund.en.md"
    other.write_text(read(project, "content/editions/2020-12-20/poverty-fund.en.md") + "\nMore.\n", encoding="utf-8")
    with pytest.raises(DigestError):  # the edit elsewhere does not hide the broken file
        build(project, session.out, base_url=BASE, state=session.memo, changed={str(other)}, workers=1)
    assert tree(session.out) == before  # the last good site stays
    session.edit(ARTICLE, text)


def test_a_one_article_edit_reads_and_links_only_its_edition(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    session = Session(project, tmp_path)
    read_files, linked = [], []
    real_load, real_link = content_mod.load_document, model_mod.link_article

    def counting_load(path, *args, **kwargs):
        read_files.append(Path(path).name)
        return real_load(path, *args, **kwargs)

    def counting_link(config, docs, *args, **kwargs):
        linked.append(docs[0].stem)
        return real_link(config, docs, *args, **kwargs)

    monkeypatch.setattr("digest.engine.load_document", counting_load)
    monkeypatch.setattr("digest.content.load_document", counting_load)
    monkeypatch.setattr("digest.engine.link_article", counting_link)
    text = read(project, ARTICLE)
    (project / ARTICLE).write_text(text.replace("Just 15 days later", "Soon after"), encoding="utf-8")
    result = build(project, session.out, base_url=BASE, state=session.memo, changed={str(project / ARTICLE)},
                   workers=1)
    assert sorted(read_files) == ["rcep-base.en.md", "rcep-base.zh.md", "volunteers.zh.md"]  # its edition's files
    assert sorted(linked) == ["rcep-base", "volunteers"]  # the other edition is not read again
    assert 0 < result.rendered < result.total_pages  # pages that do not show the article are not rendered
    assert "Soon after" in (session.out / "en/editions/2020-12-21/rcep-base/index.html").read_text(encoding="utf-8")


def test_lost_html_cache_rereads_bodies_from_the_project_not_the_current_folder(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    build(project, project / "site", workers=1)
    (project / ".cache" / "digest" / "cache.sqlite").unlink()
    template = project / "templates" / "article.html"
    template.write_text(read(project, "templates/article.html") + "\n", encoding="utf-8")  # every article again
    monkeypatch.chdir(tmp_path)
    build(project, project / "site", workers=1)
    page = (project / "site/en/editions/2020-12-21/rcep-base/index.html").read_text(encoding="utf-8")
    assert "Just 15 days later" in page


def test_a_template_change_renders_only_the_pages_that_use_it(tmp_path):
    project = make_project(tmp_path)
    session = Session(project, tmp_path)
    archive = read(project, "templates/archive.html")
    session.edit("templates/archive.html", archive.replace("{% block main %}", "{% block main %}<!-- a -->", 1))
    assert session.result.rendered == 2  # the archive in each language
    partial = read(project, "templates/partials/item.html")
    session.edit("templates/partials/item.html", "<!-- b -->" + partial)
    lists = session.result.rendered
    base = read(project, "templates/base.html")
    session.edit("templates/base.html", base.replace("</body>", "<!-- c --></body>", 1))
    assert 2 < lists < session.result.rendered  # lists include item.html; every page extends base.html


def test_reused_edition_pages_follow_a_linked_article_in_another_edition(tmp_path):
    # serve reuses the article pages of editions it did not touch; a link into another edition must still follow
    project = make_project(tmp_path)
    source = "content/editions/2020-12-20/poverty-fund.en.md"
    linking = read(project, source).replace("All problems found have been fixed.",
                                            "See [the base](../2020-12-21/rcep-base.en.md).")
    (project / source).write_text(linking, encoding="utf-8")
    session = Session(project, tmp_path)
    text = read(project, ARTICLE)
    session.edit(ARTICLE, text.replace("title: Qingdao moves fast", "slug: renamed-base\ntitle: Qingdao moves fast"))
    page = (session.out / "en/editions/2020-12-20/poverty-fund/index.html").read_text(encoding="utf-8")
    assert "renamed-base" in page
    session.edit(ARTICLE, text.replace("Just 15 days later", "Later"))  # a body edit elsewhere: reused as it is
    session.edit(ARTICLE, text)


def test_a_body_edit_does_not_render_the_sitemap_again(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    session = Session(project, tmp_path)
    rendered = []
    real = pipeline_mod.render_all

    def spying(env, todo, common, templates, out, workers):
        if out == session.out:  # not the cold build the session compares with
            rendered.extend(spec.path for spec in todo)
        return real(env, todo, common, templates, out, workers)

    monkeypatch.setattr(pipeline_mod, "render_all", spying)
    session.edit(ARTICLE, read(project, ARTICLE).replace("Just 15 days later", "Only fifteen days later"))
    assert "en/editions/2020-12-21/rcep-base/" in rendered
    assert "sitemap.xml" not in rendered  # its entries show paths and dates, which a body edit leaves alone


def test_a_title_edit_plans_only_the_pages_that_read_the_article(tmp_path, monkeypatch):
    # the dependency record says which pages read the article: only those are planned again
    project = make_project(tmp_path)
    project.joinpath("config.yaml").write_text(re.sub(r"(?m)^per_page: \d+", "per_page: 1",
                                                      read(project, "config.yaml")), encoding="utf-8")
    out = project / "site"
    build(project, out, base_url=BASE, workers=1)
    planned = []
    real = pages_mod.make_spec

    def spying(view, maker):
        planned.append(maker)
        return real(view, maker)

    monkeypatch.setattr("digest.plan.make_spec", spying)
    text = read(project, ARTICLE)
    (project / ARTICLE).write_text(text.replace("title: Qingdao moves fast", "title: Qingdao moves faster"),
                                   encoding="utf-8")
    build(project, out, base_url=BASE, workers=1)  # a new process: the record comes from the cache
    kinds = {maker[0] for maker in planned}
    assert ("article", "2020-12-21/rcep-base", "en") in planned
    assert ("article", "2020-12-21/volunteers", "zh") not in planned  # it lists the Chinese title, unchanged
    assert ("edition", "2020-12-21", "en") in planned and ("edition", "2020-12-20", "en") not in planned
    assert ("article", "2020-12-20/poverty-fund", "en") not in planned  # another edition: it does not read it
    assert not kinds & {"tags", "search", "404", "robots", "archive", "editions"}
    pages = list(out.rglob("index.html"))
    showing = [p for p in pages if "Qingdao moves faster" in p.read_text(encoding="utf-8")]
    assert showing and len(planned) < len(pages)


def test_a_new_collision_is_found_after_builds_without_any(tmp_path):
    project = make_project(tmp_path)
    session = Session(project, tmp_path)
    session.edit(ARTICLE, read(project, ARTICLE) + "\nMore.\n")  # the same paths: the check is skipped
    copy = project / "content/editions/2020-12-21/zz-copy.en.md"
    copy.write_text(read(project, ARTICLE).replace("\n---", "\nslug: rcep-base\n---", 1), encoding="utf-8")
    original = project / "content/editions/2020-12-21/zz-copy.zh.md"
    original.write_text(read(project, "content/editions/2020-12-21/rcep-base.zh.md").replace(
        "\n---", "\nslug: rcep-base\n---", 1), encoding="utf-8")
    with pytest.raises(DigestError) as caught:
        build(project, session.out, base_url=BASE, state=session.memo, changed={str(copy), str(original)}, workers=1)
    assert any(p.code == "url-collision" for p in caught.value.problems)
    copy.unlink()
    original.unlink()
    session.rebuild({str(copy), str(original)})


def test_a_body_edit_renders_only_that_article_and_the_lists_showing_its_excerpt(tmp_path, monkeypatch):
    # article pages see only titles and URLs of their edition; the editions list and archive only counts
    project = make_project(tmp_path)
    session = Session(project, tmp_path)
    rendered = []
    real = pipeline_mod.render_all

    def spying(env, todo, common, templates, out, workers):
        if out == session.out:
            rendered.extend(spec.path for spec in todo)
        return real(env, todo, common, templates, out, workers)

    monkeypatch.setattr(pipeline_mod, "render_all", spying)
    session.edit(ARTICLE, read(project, ARTICLE).replace("Just 15 days later", "Only fifteen days later"))
    assert "en/editions/2020-12-21/rcep-base/" in rendered
    assert not [p for p in rendered if "/editions/" in p and p.count("/") == 4 and "rcep-base" not in p]
    assert not {"en/editions/", "zh/editions/", "en/archive/", "zh/archive/",
                "en/editions/2020-12-20/", "zh/editions/2020-12-20/"} & set(rendered)
    rendered.clear()
    session.edit(ARTICLE, read(project, ARTICLE).replace("title: Qingdao moves fast", "title: Qingdao moves faster"))
    assert {"en/editions/2020-12-21/", "en/editions/2020-12-21/rcep-base/"} <= set(rendered)
