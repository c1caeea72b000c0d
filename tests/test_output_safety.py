"""Issue 26: the output folder is ours or it is left alone, all or nothing while writing, one URL space,
inputs inside the project, templates read as UTF-8. One test (or more) per item; classes by three members."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from conftest import ROOT, make_project
from digest import writer as writer_mod
from digest.cache import Cache
from digest.cli import main
from digest.writer import STAGED_PREFIX
from test_engine import add_articles, copy_project

EDITION = "content/editions/2020-12-21"
ARTICLE = f"{EDITION}/volunteers.zh.md"
OTHER = f"{EDITION}/rcep-base.zh.md"
UNTOUCHED = "nothing was written; the previous site is untouched."


@pytest.fixture
def cli(capsys):
    """Run the command line in-process: (exit code, stdout, stderr)."""
    def run(project: Path, *args: str) -> tuple[int, str, str]:
        code = main(["--root", str(project), *args])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below folder with its bytes, dotfiles included."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def staged_files(folder: Path) -> list[Path]:
    """Temporary files of the writer left in a folder."""
    return [p for p in folder.rglob("*") if p.name.startswith(STAGED_PREFIX)]


def with_front_matter(project: Path, rel: str, line: str) -> None:
    """Add one front matter line to a Markdown file, right after its opening ---."""
    path = project / rel
    path.write_text(path.read_text(encoding="utf-8").replace("---\n", f"---\n{line}\n", 1), encoding="utf-8")


def retitle(project: Path, rel: str = OTHER) -> None:
    """Change an article's title, so that a build has pages to replace."""
    path = project / rel
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: ", "title: 更新：", 1), encoding="utf-8")


def own_page(site: Path) -> str:
    """A page of ours (it names the generator), to stand for a stale page of an earlier build."""
    return (site / "zh/index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- item 2: the output folder is ours or left alone

def test_building_into_a_copy_of_a_built_site_deletes_nothing_of_the_users(project, cli):
    assert cli(project, "build", "--no-search")[0] == 0
    www = project / "www"
    shutil.copytree(project / "site", www)
    (www / "mydata").mkdir()
    (www / "mydata/important.txt").write_text("precious", encoding="utf-8")
    (www / "notes.txt").write_text("mine", encoding="utf-8")
    (www / "zh/old-page").mkdir()
    (www / "zh/old-page/index.html").write_text(own_page(www), encoding="utf-8")  # stale, and provably ours
    code, out, err = cli(project, "build", "--no-search", "--out", str(www))
    assert code == 0, err
    assert (www / "mydata/important.txt").read_text(encoding="utf-8") == "precious"
    assert (www / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (www / "zh/old-page").exists()
    assert "1 removed" in out
    assert f"{www}: warning: 2 files in the output folder were not written by this build and are left alone: " \
           "mydata/important.txt, notes.txt" in err
    code, out, err = cli(project, "build", "--no-search", "--out", str(www))  # now recorded: quiet, still kept
    assert code == 0 and "0 removed" in out and "left alone" not in err
    assert (www / "notes.txt").is_file() and (www / "mydata/important.txt").is_file()


def test_a_fresh_clone_without_the_cache_deletes_nothing_of_the_users(tmp_path, cli):
    project = make_project(tmp_path, files={"static/old.css": "body {}\n"})
    www = tmp_path / "www"
    assert cli(project, "build", "--no-search", "--out", str(www))[0] == 0
    (www / "mydata").mkdir()
    (www / "mydata/important.txt").write_text("precious", encoding="utf-8")
    (www / "notes.txt").write_text("mine", encoding="utf-8")
    (project / "static/old.css").unlink()
    clone = copy_project(project, tmp_path / "clone")  # a CI runner or a second machine: no .cache/
    assert not (clone / ".cache").exists()
    (project / "content/pages/about.en.md").unlink()  # its page is stale in www: ours by its own <head>
    (clone / "content/pages/about.en.md").unlink()
    code, _, err = cli(clone, "build", "--no-search", "--out", str(www))
    assert code == 0, err
    assert (www / "mydata/important.txt").read_text(encoding="utf-8") == "precious"
    assert (www / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (www / "en/about").exists()  # a stale page of ours is recognised without any record
    assert (www / "old.css").is_file()  # a stale file that cannot prove it was ours is kept, and listed
    assert "3 files in the output folder were not written by this build and are left alone: " \
           "mydata/important.txt, notes.txt, old.css" in err
    reference = copy_project(clone, tmp_path / "reference")
    assert cli(reference, "build", "--no-search")[0] == 0
    assert {rel: data for rel, data in tree(www).items() if rel not in ("mydata/important.txt", "notes.txt",
                                                                        "old.css")} == tree(reference / "site")


def test_a_build_that_was_stopped_never_deletes_the_users_files_next_time(project, cli):
    assert cli(project, "build", "--no-search")[0] == 0
    site = (project / "site").resolve()
    (site / "notes.txt").write_text("mine", encoding="utf-8")
    cache = Cache(project / ".cache/digest")
    cache.connect().execute("UPDATE snap_out SET complete = 0 WHERE path = ?", (str(site),))  # as a killed build
    cache.put_many("busy", {str(site): ["zh/new-page/index.html"]}, plain=True)  # … that was adding a page
    cache.close()
    (site / "zh/new-page").mkdir()
    (site / "zh/new-page/index.html").write_text("renamed into place before the kill", encoding="utf-8")
    (site / "zh" / f"{STAGED_PREFIX}123-index.html").write_text("half", encoding="utf-8")
    code, _, err = cli(project, "build", "--no-search")
    assert code == 0, err
    assert (site / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not staged_files(site)  # the killed build's leftovers are ours by their name
    assert not (site / "zh/new-page").exists()  # and so is what it was adding, by the record of it
    assert "notes.txt" in err and "left alone" in err


@pytest.mark.parametrize("content", [{"notes.txt": "mine"}, {"index.html": "<p>my own home page</p>"},
                                     {"docs/report.pdf": "%PDF"}])
def test_a_folder_without_a_record_is_refused_unless_force_clean(tmp_path, cli, content):
    project = make_project(tmp_path)
    foreign = tmp_path / "foreign"
    for rel, text in content.items():
        (foreign / rel).parent.mkdir(parents=True, exist_ok=True)
        (foreign / rel).write_text(text, encoding="utf-8")
    before = tree(foreign)
    code, _, err = cli(project, "build", "--no-search", "--out", str(foreign))
    assert code == 1 and f"{foreign}: error: the output folder is not empty and was not made by this tool" in err
    assert "--force-clean" in err and UNTOUCHED in err
    assert tree(foreign) == before
    code, _, err = cli(project, "build", "--no-search", "--out", str(foreign), "--force-clean")
    assert code == 0, err
    assert (foreign / "zh/index.html").is_file()
    assert not [rel for rel in content if (foreign / rel).exists() and (foreign / rel).read_bytes() == before[rel]]


@pytest.mark.parametrize("where", ["site/zh", "www/en", "static/out", "content/out", ".cache/digest", "..", "."])
def test_out_inside_an_output_the_inputs_or_above_the_project_is_refused(project, cli, where):
    assert cli(project, "build", "--no-search")[0] == 0
    assert cli(project, "build", "--no-search", "--out", str(project / "www"))[0] == 0
    site, www = tree(project / "site"), tree(project / "www")
    sources = {name: tree(project / name) for name in ("content", "static", "templates")}
    code, _, err = cli(project, "build", "--no-search", "--out", str(project / where))
    assert code == 1 and "Traceback" not in err
    assert "error: refusing to build" in err and UNTOUCHED in err
    assert tree(project / "site") == site and tree(project / "www") == www
    assert {name: tree(project / name) for name in sources} == sources


# ---------------------------------------------------------------- item 3: all or nothing

def test_a_static_folder_replaced_by_a_file_and_back_builds_whole(project, cli):
    (project / "static/zzz").mkdir()
    (project / "static/zzz/bar.txt").write_text("bar", encoding="utf-8")
    assert cli(project, "build", "--no-search")[0] == 0
    for step in ("file", "folder"):
        if step == "file":
            shutil.rmtree(project / "static/zzz")
            (project / "static/zzz").write_text("now a file", encoding="utf-8")
        else:
            (project / "static/zzz").unlink()
            (project / "static/zzz").mkdir()
            (project / "static/zzz/bar.txt").write_text("a folder again", encoding="utf-8")
        retitle(project)
        code, _, err = cli(project, "build", "--no-search")
        assert code == 0, err
        assert not staged_files(project / "site")
        reference = copy_project(project, project.parent / f"reference-{step}")
        assert cli(reference, "build", "--no-search")[0] == 0
        assert tree(project / "site") == tree(reference / "site")


def test_a_file_of_the_users_in_the_way_is_refused_before_anything_is_replaced(project, cli):
    (project / "static/zzz").mkdir()
    (project / "static/zzz/bar.txt").write_text("bar", encoding="utf-8")
    assert cli(project, "build", "--no-search")[0] == 0
    (project / "site/zzz/mine.txt").write_text("mine", encoding="utf-8")
    shutil.rmtree(project / "static/zzz")
    (project / "static/zzz").write_text("now a file", encoding="utf-8")
    retitle(project)
    before = tree(project / "site")
    code, _, err = cli(project, "build", "--no-search")
    site = (project / "site").resolve()
    assert code == 1 and "Traceback" not in err
    assert f"{site}/zzz: error: the site now writes a file here, but the output holds a folder with files this " \
           "build did not write (zzz/mine.txt)" in err
    assert UNTOUCHED in err
    assert tree(project / "site") == before and not staged_files(project / "site")


def test_an_alias_onto_a_feed_names_the_article_and_stages_nothing(project, cli):
    assert cli(project, "build", "--no-search")[0] == 0
    before = tree(project / "site")
    with_front_matter(project, ARTICLE, "aliases: [/zh/feed.xml/]")
    retitle(project)
    code, _, err = cli(project, "build", "--no-search")
    assert code == 1
    assert f"{ARTICLE}: error: /zh/feed.xml (the generated feed.xml) is a file, but the alias /zh/feed.xml/ of " \
           f"{ARTICLE} needs a folder of that name" in err
    assert STAGED_PREFIX not in err and UNTOUCHED in err
    assert tree(project / "site") == before and not staged_files(project / "site")


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_rename_failing_half_way_says_what_was_replaced_and_the_next_build_repairs(project, cli, monkeypatch,
                                                                                      failure):
    assert cli(project, "build", "--no-search")[0] == 0
    template = project / "templates/base.html"
    template.write_text(template.read_text(encoding="utf-8").replace("</body>", "<!-- v2 --></body>"),
                        encoding="utf-8")
    real_replace = os.replace
    calls = []

    def failing(src, dst):
        if STAGED_PREFIX in os.path.basename(src):  # a page being renamed into place (not Jinja's own cache)
            calls.append(dst)
            if len(calls) == 5:
                raise failure
        return real_replace(src, dst)
    monkeypatch.setattr(writer_mod.os, "replace", failing)
    code, _, err = cli(project, "build", "--no-search")
    if isinstance(failure, OSError):
        assert code == 1 and "No space left on device" in err
    else:  # Ctrl-C while renaming
        assert code == 130 and err.startswith("stopped: ")
    assert "4 files of the previous site were replaced before the build stopped (" in err
    assert "the next successful build brings the rest up to date" in err and "untouched" not in err
    assert not staged_files(project / "site")
    monkeypatch.setattr(writer_mod.os, "replace", real_replace)
    assert cli(project, "build", "--no-search")[0] == 0
    reference = copy_project(project, project.parent / "reference")
    assert cli(reference, "build", "--no-search")[0] == 0
    assert tree(project / "site") == tree(reference / "site")


def test_ctrl_c_during_a_large_render_leaves_no_staged_file_and_no_worker_traceback(tmp_path):
    project = make_project(tmp_path)
    add_articles(project, 320)  # past the pool threshold: the interrupt reaches forked workers too
    build = [sys.executable, str(ROOT / "build.py"), "--root", str(project), "build", "--no-search"]
    assert subprocess.run(build, capture_output=True, timeout=300).returncode == 0
    old = tree(project / "site")
    template = project / "templates/base.html"
    template.write_text(template.read_text(encoding="utf-8").replace("</body>", "<!-- v2 --></body>"),
                        encoding="utf-8")
    proc = subprocess.Popen([*build, "--verbose"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group, as a terminal's Ctrl-C sees it
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if "rendering" in line:
            break
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)  # the whole group: the parent and every pool worker
    _, rest = proc.communicate(timeout=120)
    err = "".join(lines) + rest
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "ForkPoolWorker" not in err and "KeyboardInterrupt" not in err
    assert not staged_files(project / "site")
    if "stopped: nothing was written; the previous site is untouched." in err:
        assert tree(project / "site") == old
    else:  # the interrupt came while renaming: the message must say so
        assert "of the previous site were replaced before the build stopped" in err, err
    assert subprocess.run(build, capture_output=True, timeout=300).returncode == 0
    assert not staged_files(project / "site")


# ---------------------------------------------------------------- items 4 and 18: one URL space

NFC, NFD = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")


@pytest.mark.parametrize("edits, where, words", [
    ({ARTICLE: "aliases: [/zh/EDITIONS/]"}, ARTICLE,
     "/zh/editions/ (the editions page) and /zh/EDITIONS/ (the alias /zh/EDITIONS/ of " + ARTICLE + ") differ "
     "only in case or Unicode normalisation"),
    ({ARTICLE: f"aliases: [/zh/{NFC}/]", OTHER: f"aliases: [/zh/{NFD}/]"}, None,
     "differ only in case or Unicode normalisation"),
    ({ARTICLE: "aliases: [/zh/feed.xml/]"}, ARTICLE, "/zh/feed.xml (the generated feed.xml) is a file"),
    ({ARTICLE: "aliases: [/index.html]"}, ARTICLE, "/index.html (the landing page) is a file"),
    ({ARTICLE: "aliases: [/404.html]"}, ARTICLE, "/404.html (the 404 page) is a file"),
    ({ARTICLE: "aliases: [/zh/about/]"}, ARTICLE, "two pages want the same URL /zh/about/"),
    ({"static/Favicon.svg": None}, None, "differ only in case or Unicode normalisation"),
    ({ARTICLE: "aliases: [/pagefind/old/]"}, ARTICLE, "in the search index's folder /pagefind/"),
])
def test_urls_that_one_file_system_stores_as_one_are_collisions_found_while_planning(project, cli, edits, where,
                                                                                      words):
    assert cli(project, "build", "--no-search")[0] == 0
    before = tree(project / "site")
    for rel, line in edits.items():
        if line is None:
            (project / rel).write_text("<svg/>", encoding="utf-8")
        else:
            with_front_matter(project, rel, line)
    retitle(project)
    code, _, err = cli(project, "build", "--no-search")
    assert code == 1 and "Traceback" not in err
    found = [line for line in err.splitlines() if words in line]
    assert found, err
    if where:
        assert found[0].startswith(f"{where}: error: "), found
    if NFD in str(edits):  # both files are named
        assert ARTICLE in found[0] and OTHER in found[0]
    if "static/Favicon.svg" in edits:
        assert "(static/Favicon.svg)" in found[0] and "(static/favicon.svg)" in found[0]
    assert UNTOUCHED in err
    assert tree(project / "site") == before and not staged_files(project / "site")
    code, out, _ = cli(project, "check")
    assert code == 1 and words in out


@pytest.mark.parametrize("alias, words", [
    ("/x/con/", "'con' is a name Windows reserves"),
    ("/x./", "'x.' ends with a dot"),
    ('"/ a /"', "' a ' has a space at its start or end"),
    ("/zh/lpt1.html/", "'lpt1.html' is a name Windows reserves"),
    ('"/zh/a|b/"', "'a|b' holds a control character or one of"),
])
def test_aliases_follow_the_rules_of_every_file_name(project, cli, alias, words):
    with_front_matter(project, ARTICLE, f"aliases: [{alias}]")
    code, _, err = cli(project, "build", "--no-search")
    assert code == 1 and f"{ARTICLE}:2: error: the alias " in err and words in err
    assert not (project / "site").exists()


@pytest.mark.parametrize("name, words", [("notes.", "ends with a dot"), ("notes ", "has a space at its start or end"),
                                         ("a:b.txt", "holds a control character or one of"),
                                         ("aux.css", "is a name Windows reserves")])
def test_static_names_no_file_system_can_hold_are_refused(project, cli, name, words):
    (project / "static" / name).write_text("x", encoding="utf-8")
    code, _, err = cli(project, "build", "--no-search")
    assert code == 1
    assert f"static/{name}: error: this name cannot be checked out on every system: it {words}" in err


# ---------------------------------------------------------------- item 6: inputs stay inside the project

@pytest.mark.parametrize("folder", ["static", "templates", "content"])
def test_a_top_level_folder_linking_outside_the_project_is_refused(tmp_path, cli, folder):
    project = make_project(tmp_path)
    outside = tmp_path / f"outside-{folder}"
    shutil.move(str(project / folder), outside)
    (outside / "neighbours-secret.txt").write_text("not for the public", encoding="utf-8")
    os.symlink(outside, project / folder)
    code, _, err = cli(project, "build", "--no-search")
    assert code == 1 and "Traceback" not in err
    assert f"{folder}: error: this folder leads outside the project ({outside})" in err
    assert not (project / "site").exists()
    code, out, _ = cli(project, "check")
    assert code == 1 and f"{folder}: error: this folder leads outside the project" in out


def test_a_config_linking_outside_the_project_is_refused(tmp_path, cli):
    project = make_project(tmp_path)
    outside = tmp_path / "config.yaml"
    shutil.move(str(project / "config.yaml"), outside)
    os.symlink(outside, project / "config.yaml")
    code, _, err = cli(project, "build", "--no-search")
    assert code == 1 and "config.yaml: error: config.yaml is a link that leads outside the project" in err


def test_a_link_inside_templates_leading_out_is_refused(tmp_path, cli):
    project = make_project(tmp_path)
    outside = tmp_path / "partial.html"
    outside.write_text("<p>from elsewhere</p>", encoding="utf-8")
    os.symlink(outside, project / "templates/partials/elsewhere.html")
    code, _, err = cli(project, "build", "--no-search")
    assert code == 1 and "templates/partials/elsewhere.html: error: this link leads outside the project" in err


# ---------------------------------------------------------------- item 12: a template that is not UTF-8

@pytest.mark.parametrize("rel", ["templates/base.html", "templates/partials/icons.html", "templates/feed.xml"])
def test_a_template_that_is_not_utf8_is_an_error_naming_it(project, cli, rel):
    path = project / rel
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(2, "<!-- 青岛 -->")
    path.write_bytes("\n".join(lines).encode("gb18030"))
    for command in ("build", "check"):
        code, out, err = cli(project, command, *(["--no-search"] if command == "build" else []))
        assert code == 1 and "Traceback" not in err, err
        assert f"{rel}:3: error: the file is not UTF-8" in out + err
