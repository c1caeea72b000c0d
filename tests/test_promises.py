"""SPEC §6: nothing lost, deterministic, no stale pages, safe by default, clear errors."""
from __future__ import annotations

import filecmp
import os
from pathlib import Path

import pytest

from conftest import build_project, run_cli


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file of a site, dotfiles included, with its bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(project, tmp_path):
    build_project(project, tmp_path / "one")
    build_project(project, tmp_path / "two", clean=True)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_rebuild_with_no_change_touches_no_file(built, project):
    _, out = built
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    result, _ = build_project(project)
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert before == after
    assert result.report.written == 0 and result.rendered == 0


def test_edit_rerenders_only_dependent_pages(built, project):
    result, _ = built
    target = project / "content/editions/2020-12-20/poverty-fund.en.md"
    target.write_text(target.read_text(encoding="utf-8").replace("stepped up", "tightened"), encoding="utf-8")
    again, out = build_project(project)
    assert "tightened" in (out / "en/editions/2020-12-20/poverty-fund/index.html").read_text(encoding="utf-8")
    assert 0 < again.rendered < result.rendered / 2
    assert again.report.written >= 1


def test_deleting_and_renaming_articles_leaves_no_stale_file(built, project):
    _, out = built
    edition = project / "content/editions/2020-12-20"
    (edition / "poverty-fund.en.md").unlink()
    (edition / "poverty-fund.zh.md").rename(edition / "poverty-relief.zh.md")
    (project / "content/editions/2020-12-21/volunteers.zh.md").unlink()
    result, _ = build_project(project)
    assert not (out / "en/editions/2020-12-20/poverty-fund").exists()
    assert not (out / "zh/editions/2020-12-20/poverty-fund").exists()
    assert not (out / "zh/editions/2020-12-21/volunteers").exists()
    assert (out / "zh/editions/2020-12-20/poverty-relief/index.html").is_file()
    assert result.report.removed >= 3
    for html in out.rglob("*.html"):
        assert "poverty-fund/" not in html.read_text(encoding="utf-8"), html


@pytest.mark.parametrize("rel,text,named,line", [
    ("content/editions/2020-12-21/volunteers.zh.md", "---\ntitle: [unclosed\nsection: society\n---\n\nx\n",
     "content/editions/2020-12-21/volunteers.zh.md", None),
    ("templates/article.html", "{% extends 'base.html' %}\n{% block main %}{% if %}{% endblock %}\n",
     "templates/article.html:2", None),
    ("content/editions/2020-12-21/volunteers.zh.md", "---\ntitle: 七帮\nsection: sports\n---\n\nx\n",
     "content/editions/2020-12-21/volunteers.zh.md:3: error: unknown section 'sports'", None),
    ("content/editions/2020-12-21/volunteers.zh.md",
     "---\ntitle: !!python/object/apply:os.system ['touch /tmp/pwned']\nsection: society\n---\n\nx\n",
     "content/editions/2020-12-21/volunteers.zh.md:2", None),
])
def test_a_failed_build_names_the_file_and_leaves_the_site_untouched(project, rel, text, named, line):
    assert run_cli(project, "build").returncode == 0
    before = snapshot(project / "site")
    (project / rel).write_text(text, encoding="utf-8")
    proc = run_cli(project, "build")
    assert proc.returncode == 1
    assert named in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert snapshot(project / "site") == before


def test_every_error_is_reported_in_one_run(project):
    (project / "content/editions/2020-12-21/volunteers.zh.md").write_text(
        "---\ntitle: a\nsection: sports\n---\n", encoding="utf-8")
    (project / "content/editions/2020-12-20/poverty-fund.zh.md").write_text(
        "---\ntitle: b\ntitle: c\nsection: government\n---\n", encoding="utf-8")
    (project / "content/pages/about.zh.md").write_text("---\nsection: x\n", encoding="utf-8")
    proc = run_cli(project, "build")
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.startswith("content/")]
    assert any(line.startswith("content/editions/2020-12-21/volunteers.zh.md:3:") for line in lines)
    assert any(line.startswith("content/editions/2020-12-20/poverty-fund.zh.md:3: error: duplicate key") for line in lines)
    assert any(line.startswith("content/pages/about.zh.md:1:") and "never closed" in line for line in lines)
    assert all(" — " in line for line in lines)


def test_error_format_is_path_line_message_hint(project):
    (project / "content/editions/2020-12-21/volunteers.zh.md").write_text(
        "---\ntitle: 七帮\nsection: society\ntags: [nonsense]\n---\n\nx\n", encoding="utf-8")
    proc = run_cli(project, "build")
    assert proc.returncode == 1
    assert ("content/editions/2020-12-21/volunteers.zh.md:4: error: undeclared tag 'nonsense' — add it to "
            "content/tags.yaml") in proc.stderr


def test_translation_restating_metadata_differently_is_an_error(project):
    path = project / "content/editions/2020-12-21/rcep-base.en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title:", "section: society\ntitle:", 1),
                    encoding="utf-8")
    proc = run_cli(project, "build")
    assert proc.returncode == 1
    assert "rcep-base.en.md:3: error: `section` differs from the original" in proc.stderr


def test_not_utf8_names_the_byte_offset(project):
    (project / "content/editions/2020-12-21/volunteers.zh.md").write_bytes(
        "---\ntitle: 七帮\nsection: society\n---\n\n正文\n".encode("gb18030"))
    proc = run_cli(project, "build")
    assert proc.returncode == 1 and "is not UTF-8" in proc.stderr and "offset" in proc.stderr


def test_bom_and_crlf_are_accepted(project):
    (project / "content/editions/2020-12-21/volunteers.zh.md").write_bytes(
        "\ufeff---\r\ntitle: 七帮\r\nsection: society\r\n---\r\n\r\n第一行\r\n第二行\r\n".encode("utf-8"))
    _, out = build_project(project)
    assert "第一行第二行" in (out / "zh/editions/2020-12-21/volunteers/index.html").read_text(encoding="utf-8")


def test_bad_slugs_are_errors_naming_the_file(project):
    (project / "content/editions/2020-12-21/Bad Name.zh.md").write_text(
        "---\ntitle: x\nsection: society\n---\n", encoding="utf-8")
    (project / "content/editions/2020-12-21/ok.zh.md").write_text(
        "---\ntitle: x\nsection: society\nslug: ../../evil\n---\n", encoding="utf-8")
    proc = run_cli(project, "build")
    assert proc.returncode == 1
    assert "content/editions/2020-12-21/Bad Name.zh.md:1: error: the slug 'Bad Name'" in proc.stderr
    assert "content/editions/2020-12-21/ok.zh.md:4: error: the slug '../../evil'" in proc.stderr


def test_two_articles_with_one_url_are_an_error(project):
    (project / "content/editions/2020-12-21/other.zh.md").write_text(
        "---\ntitle: x\nsection: society\nslug: volunteers\n---\n", encoding="utf-8")
    proc = run_cli(project, "build")
    assert proc.returncode == 1 and "two pages want the same URL" in proc.stderr


PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_values_from_content_and_config_are_escaped(project):
    with open(project / "content/tags.yaml", "a", encoding="utf-8") as tags:
        tags.write(f"evil: {{zh: '{PAYLOAD}', en: '{PAYLOAD}'}}\n")
    (project / "content/editions/2020-12-21/volunteers.zh.md").write_text(
        f"---\ntitle: '{PAYLOAD}'\nbyline: '{PAYLOAD}'\nkicker: '{PAYLOAD}'\nsection: society\ntags: [evil]\n---\n\nx\n",
        encoding="utf-8")
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("Test Digest", PAYLOAD.replace("'", "")),
                      encoding="utf-8")
    _, out = build_project(project)
    for html in out.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text, html
    page = (out / "zh/editions/2020-12-21/volunteers/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page


@pytest.mark.parametrize("where", ["/", "~", "project", "content", "foreign"])
def test_refuses_unsafe_output_folders(project, tmp_path, where):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("precious", encoding="utf-8")
    out = {"/": "/", "~": os.path.expanduser("~"), "project": str(project), "content": str(project / "content"),
           "foreign": str(foreign)}[where]
    proc = run_cli(project, "build", "--out", out)
    assert proc.returncode == 1 and "refusing" in proc.stderr or "not made by this tool" in proc.stderr
    assert (foreign / "thesis.docx").read_text(encoding="utf-8") == "precious"
    assert (project / "content/pages/about.zh.md").is_file()


def test_stale_file_removal_never_leaves_the_output(project, tmp_path):
    out = tmp_path / "out"
    build_project(project, out)
    outside = tmp_path / "keep.txt"
    outside.write_text("mine", encoding="utf-8")
    build_project(project, out)
    assert outside.read_text(encoding="utf-8") == "mine"


def test_build_never_modifies_content(project, tmp_path):
    before = {p: p.read_bytes() for p in (project / "content").rglob("*") if p.is_file()}
    build_project(project)
    after = {p: p.read_bytes() for p in (project / "content").rglob("*") if p.is_file()}
    assert before == after


def test_config_errors_name_the_key(project):
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("per_page: 2", "per_page: many")
                      .replace("https://example.org/digest/", "example.org"), encoding="utf-8")
    proc = run_cli(project, "build")
    assert proc.returncode == 1
    assert "config.yaml:12: error: per_page: expected a whole number" in proc.stderr
    assert "config.yaml:3: error: base_url: 'example.org' is not an absolute http(s) URL" in proc.stderr


def test_usage_errors_exit_2(project):
    assert run_cli(project, "build", "--no-such-option").returncode == 2
    assert run_cli(project, "new", "--edition", "yesterday", "--slug", "x").returncode == 2


def test_new_writes_a_skeleton_per_language_and_never_overwrites(project):
    proc = run_cli(project, "new", "--edition", "2021-01-04", "--slug", "fresh-news")
    assert proc.returncode == 0, proc.stderr
    zh = project / "content/editions/2021-01-04/fresh-news.zh.md"
    en = project / "content/editions/2021-01-04/fresh-news.en.md"
    assert zh.is_file() and en.is_file() and "section: government" in zh.read_text(encoding="utf-8")
    again = run_cli(project, "new", "--edition", "2021-01-04", "--slug", "fresh-news")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert run_cli(project, "build", "--drafts").returncode == 0


def test_build_summary_line(project):
    proc = run_cli(project, "build")
    assert proc.returncode == 0
    assert proc.stdout.startswith("built ") and "(zh " in proc.stdout and " written, " in proc.stdout
    quiet = run_cli(project, "build", "--quiet")
    assert quiet.stdout == ""


def test_base_url_override(project, tmp_path):
    run_cli(project, "build", "--out", str(tmp_path / "o"), "--base-url", "http://127.0.0.1:9000/")
    html = (tmp_path / "o/zh/index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="http://127.0.0.1:9000/zh/">' in html
    assert not filecmp.cmp(tmp_path / "o/zh/index.html", project / "content/pages/about.zh.md")


def test_lost_html_cache_is_rebuilt_from_the_sources(project, tmp_path):
    out = tmp_path / "out"
    build_project(project, out)
    drop_cache_entries(project, "html")
    page = project / "content/editions/2020-12-21/rcep-base.zh.md"
    page.write_text(page.read_text(encoding="utf-8").replace("乘势而上", "乘势而为"), encoding="utf-8")
    build_project(project, out)  # the edition's other pages re-render without their cached HTML
    html = (out / "zh/editions/2020-12-21/volunteers/index.html").read_text(encoding="utf-8")
    assert "帮老、帮困" in html


def drop_cache_entries(project: Path, *kinds: str) -> None:
    """Delete every cache entry of these kinds, as if they had been lost."""
    import sqlite3
    db = sqlite3.connect(project / ".cache/digest/cache.sqlite")
    with db:
        db.executemany("DELETE FROM entries WHERE kind = ?", [(kind,) for kind in kinds])
    db.close()


def test_cached_front_matter_without_bodies_rereads_them_when_needed(project, tmp_path):
    from digest.cache import Cache
    out = tmp_path / "out"
    build_project(project, out)
    parsed = Cache(project / ".cache/digest").get_all("parsed")
    assert parsed and all(len(entry) == 8 and "body" not in str(entry[1]) for entry in parsed.values())  # 8th: raw HTML findings
    drop_cache_entries(project, "derived", "html")  # measures and HTML lost: bodies are read again from files
    page = project / "content/pages/about.en.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    result, _ = build_project(project, out)
    article = (out / "zh/editions/2020-12-21/volunteers/index.html").read_text(encoding="utf-8")
    assert "帮老、帮困" in article and result.report.written >= 1


def test_a_template_error_while_rendering_leaves_no_trace(project):
    assert run_cli(project, "build").returncode == 0
    before = snapshot(project / "site")
    folders = sorted(p for p in (project / "site").rglob("*") if p.is_dir())
    (project / "content/editions/2020-12-22").mkdir()
    (project / "content/editions/2020-12-22/new.zh.md").write_text(
        "---\ntitle: 新文章\nsection: society\n---\n\n正文。\n", encoding="utf-8")
    template = project / "templates/article.html"
    template.write_text(template.read_text(encoding="utf-8").replace("{{ a.title }}", "{{ a.no_such_field }}", 1),
                        encoding="utf-8")
    proc = run_cli(project, "build")
    assert proc.returncode == 1 and "templates/article.html" in proc.stderr and "no_such_field" in proc.stderr
    assert snapshot(project / "site") == before
    assert sorted(p for p in (project / "site").rglob("*") if p.is_dir()) == folders
    assert not list((project / "site").rglob(".digest-staged-*"))


def test_root_option_works_before_and_after_the_command(project, tmp_path):
    import subprocess
    import sys
    from conftest import ROOT
    for args in (["--root", str(project), "build", "--out", str(tmp_path / "a")],
                 ["build", "--root", str(project), "--out", str(tmp_path / "b")]):
        proc = subprocess.run([sys.executable, str(ROOT / "build.py"), *args], capture_output=True, text=True,
                              cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a/zh/index.html").is_file() and (tmp_path / "b/zh/index.html").is_file()
