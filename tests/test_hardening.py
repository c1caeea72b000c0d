"""Issue 11: nothing leaks, nothing crashes. One test (or more) per row of tests/BAD_INPUTS.md."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from conftest import make_project
from digest import markdown
from digest.cli import main
from digest.sources import is_ignored, walk_files
from digest.watch import Watcher
from test_publish import git, git_identity, make_repo, publish  # noqa: F401 - git_identity is an autouse fixture

EDITION = "content/editions/2020-12-21"
ARTICLE = f"{EDITION}/volunteers.zh.md"
GOOD = "---\ntitle: 标题\nsection: society\n---\n\n正文。\n"


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


def assert_refused(code: int, err: str, where: str, words: str) -> None:
    """Exit 1, no traceback, and an error line naming the file (and line) with these words."""
    assert code == 1, err
    assert "Traceback" not in err
    assert any(line.startswith(f"{where}: error: ") and words in line for line in err.splitlines()), err


# ---------------------------------------------------------------- row 1: ignored files and publish

def test_publish_leaves_out_files_git_ignores_or_does_not_track(tmp_path):
    project = make_repo(tmp_path)
    (project / ".gitignore").write_text("/site/\n*.pem\nstatic/private/\n", encoding="utf-8")
    git(project, "commit", "-qam", "Ignore keys")
    (project / "static/server.pem").write_text("-----BEGIN PRIVATE KEY-----\n", encoding="utf-8")
    (project / "static/private").mkdir()
    (project / "static/private/notes.txt").write_text("not for the public\n", encoding="utf-8")
    done = publish(project)
    files = git(project, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert "server.pem" not in files and "private/notes.txt" not in files
    assert "left out 2 untracked or ignored files" in done.stdout
    assert not git(project, "worktree", "list", "--porcelain").count("worktree ") > 1, "the checkout is removed"


def test_allow_dirty_publishes_tracked_changes_but_never_untracked_files(tmp_path):
    project = make_repo(tmp_path)
    (project / "static/draft-notes.txt").write_text("untracked\n", encoding="utf-8")
    with open(project / "content/editions/2020-12-21/rcep-base.en.md", "a", encoding="utf-8") as handle:
        handle.write("\nA late correction.\n")
    publish(project, "--allow-dirty")
    files = git(project, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert "draft-notes.txt" not in files
    page = git(project, "show", "gh-pages:en/editions/2020-12-21/rcep-base/index.html")
    assert "A late correction." in page


# ---------------------------------------------------------------- row 2: secrets and backups in static/

@pytest.mark.parametrize("name", ["id_rsa", "id_ed25519.pub", "server.pem", "tls.key", "cert.p12", ".env",
                                  ".env.production", "site.kdbx", ".htpasswd"])
def test_secrets_in_static_are_never_copied_warned_in_build_errors_in_check(project, cli, name):
    (project / "static" / name).write_text("secret\n", encoding="utf-8")
    code, _, err = cli(project, "build")
    assert code == 0
    assert f"static/{name}: warning: this looks like a secret" in err
    assert not (project / "site" / name).exists()
    code, out, _ = cli(project, "check")
    assert code == 1 and f"static/{name}: error: this looks like a secret" in out


@pytest.mark.parametrize("name", ["style.css.bak", "index.html.orig", "notes~", ".DS_Store", "Thumbs.db",
                                  "#main.css#", "main.css.swp"])
def test_backups_in_static_are_never_copied_and_listed_by_check(project, cli, name):
    (project / "static" / name).write_text("old\n", encoding="utf-8")
    assert cli(project, "build")[0] == 0
    assert not (project / "site" / name).exists()
    code, out, _ = cli(project, "check")
    assert code == 0 and f"static/{name}: warning: an editor's backup or leftover file" in out


# ---------------------------------------------------------------- row 3: editor leftovers in content/

@pytest.mark.parametrize("name", ["#draft.zh.md#", "volunteers.zh.md.orig", "volunteers.zh.md~", "notes.tmp",
                                  ".#volunteers.zh.md", "4913", "x.zh.md.swp"])
def test_editor_leftovers_in_content_are_skipped_and_listed(project, cli, name):
    (project / EDITION / name).write_text("---\ntitle: 未发表\n---\nunpublished text\n", encoding="utf-8")
    code, _, err = cli(project, "build")
    assert code == 0, err
    site = tree(project / "site")
    assert not any(b"unpublished text" in data for data in site.values())
    assert not any(path.endswith(name) for path in site)
    code, out, _ = cli(project, "check")
    assert code == 0 and f"{EDITION}/{name}: warning: an editor's backup or leftover file" in out


def test_the_watcher_uses_the_same_ignore_rule():
    for name in ("#draft.zh.md#", "x.orig", "x.bak", "server.pem", ".env", "a~", "4913", ".hidden"):
        assert is_ignored(name), name
    for name in ("a.zh.md", "style.css", "photo.jpg", "edition.yaml", "keynote.md"):
        assert not is_ignored(name), name


# ---------------------------------------------------------------- row 4: links

def test_a_link_leaving_the_project_is_refused(tmp_path, cli):
    project = make_project(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("the neighbour's secret\n", encoding="utf-8")
    os.symlink(outside, project / "static/leak.txt")
    os.symlink(outside, project / EDITION / "leak.txt")
    code, _, err = cli(project, "build")
    assert_refused(code, err, "static/leak.txt", "this link leads outside the project")
    assert_refused(code, err, f"{EDITION}/leak.txt", "this link leads outside the project")
    assert not (project / "site").exists()
    code, out, _ = cli(project, "check")
    assert code == 1 and "static/leak.txt: error: this link leads outside the project" in out


def test_links_inside_the_project_are_followed(project, cli):
    (project / "shared").mkdir()
    (project / "shared/logo.txt").write_text("logo\n", encoding="utf-8")
    os.symlink("../shared/logo.txt", project / "static/logo.txt")
    os.symlink("../shared", project / "static/shared")
    assert cli(project, "build")[0] == 0
    assert (project / "site/logo.txt").read_text(encoding="utf-8") == "logo\n"
    assert (project / "site/shared/logo.txt").is_file()


def test_link_loops_are_reported_and_never_walked_forever(project, cli):
    for name in ("a", "b"):
        (project / "static" / name).mkdir()
        os.symlink(".", project / "static" / name / "self")
        os.symlink("..", project / "static" / name / "up")
    started = time.monotonic()
    walk = walk_files(project / "static", project)
    assert time.monotonic() - started < 2
    assert {p.path for p in walk.problems if p.code == "link-loop"} == {
        "static/a/self", "static/a/up", "static/b/self", "static/b/up"}
    code, _, err = cli(project, "build")
    assert_refused(code, err, "static/a/self", "a link loop")


def test_the_watcher_starts_on_self_linking_folders(project):
    for name in ("a", "b"):
        (project / "content" / name).mkdir()
        os.symlink(".", project / "content" / name / "self")
        os.symlink("..", project / "content" / name / "up")
    done = []

    def start() -> None:
        watcher = Watcher([project / "content"])  # walks the folders and starts watching them
        watcher.close()
        done.append(True)
    worker = threading.Thread(target=start, daemon=True)
    worker.start()
    worker.join(10)
    assert done, "the watcher (serve's first step) never finished starting"


# ---------------------------------------------------------------- row 5: impossible dates

@pytest.mark.parametrize("command", ["build", "check"])
def test_an_impossible_date_is_an_error_with_its_line(project, cli, command):
    (project / ARTICLE).write_text("---\ntitle: 标题\nsection: society\ndate: 2020-02-30\n---\n\n正文。\n",
                                   encoding="utf-8")
    code, out, err = cli(project, command)
    assert_refused(code, out + err, ARTICLE + ":4", "'2020-02-30' is not a real date")


def test_an_impossible_date_in_edition_yaml_is_an_error(project, cli):
    (project / EDITION / "edition.yaml").write_text("title: {zh: 一, en: One}\nwhen: 2021-13-01\n",
                                                    encoding="utf-8")
    code, _, err = cli(project, "build")
    assert_refused(code, err, f"{EDITION}/edition.yaml:2", "is not a real date")


# ---------------------------------------------------------------- row 6: the file system says no

def test_an_unreadable_file_is_an_error_naming_it(project, cli, monkeypatch):
    target = project / ARTICLE
    real = Path.read_bytes

    def refuse(self):
        if self == target:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)
    monkeypatch.setattr(Path, "read_bytes", refuse)  # root reads any file: chmod 000 would prove nothing
    code, _, err = cli(project, "build")
    assert_refused(code, err, ARTICLE, "cannot read the file (Permission denied)")


def test_a_slug_too_long_for_the_file_system_is_refused(project, cli):
    (project / ARTICLE).write_text(f"---\ntitle: 标题\nsection: society\nslug: {'a' * 300}\n---\n\n正文。\n",
                                   encoding="utf-8")
    code, _, err = cli(project, "build")
    assert_refused(code, err, ARTICLE + ":4", "over the limit of 80")


@pytest.mark.parametrize("alias", ["/zh/old\0path/", "/zh/" + "x" * 300 + "/", "/zh/a\nb/"])
def test_a_bad_alias_is_refused_before_anything_is_staged(project, cli, alias):
    assert cli(project, "build")[0] == 0
    before = tree(project / "site")
    quoted = alias.replace("\0", "\\0").replace("\n", "\\n")
    (project / ARTICLE).write_text(f'---\ntitle: 标题\nsection: society\naliases: ["{quoted}"]\n---\n\n正文。\n',
                                   encoding="utf-8")
    code, _, err = cli(project, "build")
    assert_refused(code, err, ARTICLE + ":4", "cannot be a site path")
    assert tree(project / "site") == before
    assert not [p for p in (project / "site").rglob("*") if ".digest-staged-" in p.name]


def test_a_file_system_error_naming_a_path_is_exit_1_not_a_bug(project, cli, tmp_path):
    code, _, err = cli(project, "build", "--out", str(tmp_path / ("x" * 300)))
    assert code == 1 and "Traceback" not in err
    assert ": error: the file system refused this file: File name too long" in err


# ---------------------------------------------------------------- row 7: names Windows reserves

@pytest.mark.parametrize("name", ["con", "aux", "nul", "com1", "lpt1", "prn"])
def test_windows_reserved_file_names_are_refused(project, cli, name):
    (project / EDITION / f"{name}.zh.md").write_text(GOOD, encoding="utf-8")
    code, _, err = cli(project, "build")
    assert_refused(code, err, f"{EDITION}/{name}.zh.md", "cannot be checked out on every system")


@pytest.mark.parametrize("slug", ["con", "aux", "nul", "com1", "lpt9"])
def test_windows_reserved_slugs_are_refused(project, cli, slug):
    (project / ARTICLE).write_text(f"---\ntitle: 标题\nsection: society\nslug: {slug}\n---\n\n正文。\n",
                                   encoding="utf-8")
    code, _, err = cli(project, "build")
    assert_refused(code, err, ARTICLE + ":4", f"the slug '{slug}' is a name Windows reserves")


# ---------------------------------------------------------------- row 8: pathological Markdown

@pytest.mark.parametrize("body,words", [
    ("[" * 8000, "8,000 unmatched '[' or '<'"),
    ("a [b " * 4000, "unmatched '[' or '<'"),
    ("<a " * 6000, "unmatched '[' or '<'"),
    ("word *x* " * 20000, "over the limit of 100,000"),
])
def test_pathological_markdown_is_refused_quickly(project, cli, body, words):
    (project / ARTICLE).write_text(f"---\ntitle: 标题\nsection: society\n---\n\n{body}\n", encoding="utf-8")
    started = time.monotonic()
    code, _, err = cli(project, "build")
    assert time.monotonic() - started < 10
    assert_refused(code, err, ARTICLE + ":6", words)


def test_a_file_over_the_size_limit_is_refused(project, cli):
    (project / ARTICLE).write_text(GOOD + ("正文。\n\n" * 200_000), encoding="utf-8")
    code, _, err = cli(project, "build")
    assert_refused(code, err, ARTICLE, "over the limit of 1,024 KB (limits.max_file_kb in config.yaml)")


def test_the_size_limit_is_configurable(project, cli):
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "limits: {max_file_kb: 1}\n", encoding="utf-8")
    (project / ARTICLE).write_text(GOOD + "正文。\n" * 400, encoding="utf-8")
    code, _, err = cli(project, "build")
    assert_refused(code, err, ARTICLE, "over the limit of 1 KB")
    config.write_text(config.read_text(encoding="utf-8").replace("max_file_kb: 1}", "max_file_kb: many}"),
                      encoding="utf-8")
    code, _, err = cli(project, "build")
    assert code == 1 and "limits.max_file_kb: expected a whole number" in err


def test_a_conversion_over_the_time_limit_is_an_error_naming_the_file(project, cli, monkeypatch):
    monkeypatch.setattr(markdown, "MARKDOWN_SECONDS", 0.05)
    (project / ARTICLE).write_text(GOOD + "<b>x</b> " * 10000 + "\n", encoding="utf-8")  # passes the pre-check
    code, _, err = cli(project, "build", "--clean")
    assert_refused(code, err, ARTICLE + ":5", "Markdown took over")


# ---------------------------------------------------------------- row 9: scripts in articles

SCRIPTED = (GOOD + "[点我](javascript:alert(1))\n\n<script>alert(1)</script>\n\n"
            "<img src=x.png onerror=alert(1)>\n\n[图](&#106;avascript:x)\n")


def test_scripts_and_javascript_links_are_check_errors_and_build_warnings(project, cli):
    (project / ARTICLE).write_text(SCRIPTED, encoding="utf-8")
    code, out, _ = cli(project, "check")
    assert code == 1
    assert f"{ARTICLE}:7: error: a javascript: link in the text" in out
    assert f"{ARTICLE}:9: error: raw <script> in the text" in out
    assert f"{ARTICLE}:11: error: an event handler (onerror=) in the text" in out
    assert f"{ARTICLE}:13: error: a javascript: link in the text" in out
    assert "raw HTML <script>" not in out, "one finding per thing"
    code, _, err = cli(project, "build")
    assert code == 0 and f"{ARTICLE}:9: warning: raw <script> in the text" in err


def test_config_can_allow_scripts_and_schemes(project, cli):
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "check: {allow_html: [script, img], "
                      "allow_schemes: [javascript]}\n", encoding="utf-8")
    (project / ARTICLE).write_text(SCRIPTED.rsplit("\n\n", 1)[0] + "\n", encoding="utf-8")
    (project / ARTICLE).with_name("x.png").write_bytes(b"an image")  # raw HTML's links are checked too
    code, out, _ = cli(project, "check")
    assert code == 0, out
    assert "javascript" not in out and "script>" not in out


def test_code_examples_are_not_scripts(project, cli):
    (project / ARTICLE).write_text(GOOD + "`<script>`\n\n```\n<script>x</script>\n```\n", encoding="utf-8")
    code, out, _ = cli(project, "check")
    assert "script" not in out, out


# ---------------------------------------------------------------- row 10: orphan translations

@pytest.mark.parametrize("command", ["build", "check"])
def test_an_orphan_translation_is_a_warning(project, cli, command):
    (project / EDITION / "orphan.en.md").write_text("---\ntitle: Orphan\nsection: society\n---\n\nText.\n",
                                                    encoding="utf-8")
    code, out, err = cli(project, command)
    assert code == 0
    assert (f"{EDITION}/orphan.en.md:1: warning: a translation without its original "
            "(orphan.zh.md does not exist)") in out + err


# ---------------------------------------------------------------- the error line format

def test_every_error_line_has_the_form_path_line_error(project, cli):
    (project / ARTICLE).write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    (project / "content/pages/about.zh.md").write_text("---\ntitle: x\ndate: 2020-02-30\n---\n", encoding="utf-8")
    code, _, err = cli(project, "build")
    lines = [line for line in err.splitlines() if not line.startswith(("1 ", "2 ", "3 "))]
    assert code == 1 and lines
    assert all(": error: " in line and line.split(":")[1].isdigit() for line in lines), lines
