"""publish: real temporary repositories with a bare repository as origin; git dates; the CI workflow."""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, ROOT, build_project, make_project, run_cli
from digest.cli import main
from digest.gitdates import parse_log

ARTICLE = "content/editions/2020-12-21/rcep-base.en.md"
FIRST_DATE = "2021-01-01T09:00:00+08:00"
EDIT_DATE = "2021-02-03T04:05:06+08:00"


@pytest.fixture(autouse=True)
def git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits made here and by the publish command do not depend on this machine's git config."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test Editor")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "editor@example.org")
        monkeypatch.setenv(f"GIT_{who}_DATE", FIRST_DATE)


def git(repo: Path, *args: str, date: str | None = None) -> str:
    """Run git in repo (failing the test when git fails); its output, stripped."""
    env = None
    if date:
        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, encoding="utf-8", env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def make_repo(tmp_path: Path, config_extra: str = "") -> Path:
    """The basic fixture site committed on main, with a bare repository as origin."""
    config = (FIXTURES / "basic" / "config.yaml").read_text(encoding="utf-8") + config_extra
    project = make_project(tmp_path, files={".gitignore": "/site/\n", "config.yaml": config})
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Add the fixture site")
    git(tmp_path, "init", "-q", "--bare", "remote.git")
    git(project, "remote", "add", "origin", str(tmp_path / "remote.git"))
    return project


def commit_edit(project: Path, rel: str = ARTICLE, date: str = EDIT_DATE) -> str:
    """Append a paragraph to a content file and commit it; the new source commit."""
    with open(project / rel, "a", encoding="utf-8") as handle:
        handle.write("\nOne more paragraph.\n")
    git(project, "commit", "-q", "-am", f"Edit {rel}", date=date)
    return git(project, "rev-parse", "HEAD")


def publish(project: Path, *args: str) -> subprocess.CompletedProcess:
    """`python build.py publish ARGS` run in-process (faster than a new Python), expected to succeed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--root", str(project), "publish", *args])
    done = subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def tip(repo: Path, ref: str = "gh-pages") -> str:
    """The commit a ref points at."""
    return git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}")


def source_state(project: Path) -> tuple:
    """Everything publish must leave alone: status, HEAD, current branch, index bytes, files on disk."""
    files = sorted(p.relative_to(project).as_posix() for p in project.rglob("*")
                   if ".git" not in p.relative_to(project).parts)
    return (git(project, "status", "--porcelain", "--untracked-files=all"), git(project, "rev-parse", "HEAD"),
            git(project, "symbolic-ref", "HEAD"), (project / ".git" / "index").read_bytes(), files)


def test_first_publish_creates_orphan_branch_with_site_at_root(tmp_path):
    project = make_repo(tmp_path)
    source = git(project, "rev-parse", "HEAD")
    done = publish(project)
    files = git(project, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert "index.html" in files and ".nojekyll" in files
    assert "zh/index.html" in files and "en/editions/2020-12-21/rcep-base/index.html" in files
    assert not [f for f in files if f.startswith(".digest/")], "the build state must not be published"
    assert "CNAME" not in files
    assert git(project, "rev-list", "--parents", "-n", "1", "gh-pages").split() == [tip(project)], "an orphan"
    assert source in git(project, "log", "-1", "--format=%B", "gh-pages")
    assert "published" in done.stdout and "added" in done.stdout


def test_publish_leaves_working_tree_index_and_head_alone(tmp_path):
    project = make_repo(tmp_path)
    publish(project)  # the first publish creates the branch, the second moves it
    commit_edit(project)
    (project / "notes.txt").write_text("staged, not content\n", encoding="utf-8")
    git(project, "add", "notes.txt")
    (project / "scratch.txt").write_text("untracked\n", encoding="utf-8")
    before = source_state(project)
    assert "A  notes.txt" in before[0] and "?? scratch.txt" in before[0]
    publish(project)
    assert source_state(project) == before
    assert len(git(project, "rev-list", "gh-pages").split()) == 2
    assert not (project / "site").exists(), "publish builds in a temporary folder, not site/"


def test_second_publish_without_change_makes_no_commit(tmp_path):
    project = make_repo(tmp_path)
    publish(project)
    first = tip(project)
    done = publish(project)
    assert tip(project) == first
    assert "no new commit" in done.stdout


def test_content_change_makes_exactly_one_commit_on_top(tmp_path):
    project = make_repo(tmp_path)
    publish(project)
    first = tip(project)
    source = commit_edit(project)
    publish(project, "--message", "Correct the RCEP story")
    assert git(project, "rev-list", "--parents", "-n", "1", "gh-pages").split() == [tip(project), first]
    message = git(project, "log", "-1", "--format=%B", "gh-pages")
    assert message.startswith("Correct the RCEP story") and source in message
    changed = git(project, "diff", "--name-only", first, "gh-pages").splitlines()
    assert "en/editions/2020-12-21/rcep-base/index.html" in changed


def test_push_updates_the_bare_remote(tmp_path):
    project = make_repo(tmp_path)
    remote = tmp_path / "remote.git"
    done = publish(project, "--push")
    assert tip(remote) == tip(project)
    assert "pushed" in done.stdout
    commit_edit(project)
    publish(project, "--push")
    assert tip(remote) == tip(project)
    assert int(git(remote, "rev-list", "--count", "gh-pages")) == 2


def test_dirty_sources_are_refused(tmp_path):
    project = make_repo(tmp_path)
    with open(project / ARTICLE, "a", encoding="utf-8") as handle:
        handle.write("\nNot committed.\n")
    (project / "content/pages/new.en.md").write_text("---\ntitle: New\n---\n\nUntracked.\n", encoding="utf-8")
    done = run_cli(project, "publish")
    assert done.returncode == 1
    assert f"{ARTICLE}: error: uncommitted change (M)" in done.stderr
    assert "content/pages/new.en.md: error: uncommitted change (??)" in done.stderr
    assert "--allow-dirty" in done.stderr and "Traceback" not in done.stderr
    assert git(project, "branch", "--list", "gh-pages") == ""
    allowed = publish(project, "--allow-dirty")
    assert "uncommitted" in allowed.stdout
    assert "uncommitted changes" in git(project, "log", "-1", "--format=%B", "gh-pages")


def test_rejected_push_is_reported_and_local_branch_kept(tmp_path):
    project = make_repo(tmp_path)
    remote = tmp_path / "remote.git"
    publish(project, "--push")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", "--branch", "gh-pages", str(remote), str(other))
    (other / "extra.html").write_text("someone else's publish\n", encoding="utf-8")
    git(other, "add", "extra.html")
    git(other, "commit", "-q", "-m", "Another desk published")
    git(other, "push", "-q", "origin", "gh-pages")
    theirs = tip(remote)
    old = tip(project)
    commit_edit(project)
    done = run_cli(project, "publish", "--push")
    assert done.returncode == 1
    assert "rejected" in done.stderr and "nothing is lost" in done.stderr and "Traceback" not in done.stderr
    assert tip(remote) == theirs, "a plain push never overwrites"
    mine = tip(project)
    assert git(project, "rev-list", "--parents", "-n", "1", "gh-pages").split() == [mine, old]
    publish(project, "--push", "--force")
    assert tip(remote) == mine


def test_cname_from_config_is_published(tmp_path):
    project = make_repo(tmp_path, "cname: news.example.org\n")
    publish(project)
    assert git(project, "show", "gh-pages:CNAME") == "news.example.org"


def test_dry_run_lists_changes_and_commits_nothing(tmp_path):
    project = make_repo(tmp_path)
    publish(project)
    first = tip(project)
    commit_edit(project)
    done = publish(project, "--dry-run")
    assert "changed  en/editions/2020-12-21/rcep-base/index.html" in done.stdout
    assert "nothing was committed" in done.stdout
    assert tip(project) == first


def test_publish_deleting_too_much_asks_for_yes(tmp_path):
    project = make_repo(tmp_path, "publish: {max_delete_share: 0.05}\n")
    publish(project)
    first = tip(project)
    git(project, "rm", "-q", "-r", "content/editions/2020-12-20")
    git(project, "commit", "-q", "-m", "Withdraw an edition")
    done = run_cli(project, "publish")
    assert done.returncode == 1 and "--yes" in done.stderr and "would delete" in done.stderr
    assert tip(project) == first
    publish(project, "--yes")
    assert git(project, "rev-list", "--parents", "-n", "1", "gh-pages").split()[1] == first


def test_publish_refuses_without_repository_or_on_its_branch(tmp_path):
    project = make_project(tmp_path)
    done = run_cli(project, "publish")
    assert done.returncode == 1 and "not in a git repository" in done.stderr
    repo = make_repo(tmp_path / "second")
    publish(repo)
    git(repo, "switch", "-q", "gh-pages")
    done = run_cli(repo, "publish")
    assert done.returncode == 1 and "you are on the publish branch" in done.stderr


def test_unknown_remote_is_refused_before_building(tmp_path):
    project = make_repo(tmp_path)
    done = run_cli(project, "publish", "--push", "--remote", "nowhere")
    assert done.returncode == 1 and "no git remote named 'nowhere'" in done.stderr
    assert git(project, "branch", "--list", "gh-pages") == ""


def updated_dates(project: Path, out: Path) -> dict:
    """(article key, lang) -> updated, from an in-process build."""
    result, _ = build_project(project, out)
    return {(key, lang): a.updated for key, group in result.site.groups.items() for lang, a in group.items()}


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every published file's bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_updated_comes_from_the_last_commit_of_the_file(tmp_path):
    project = make_repo(tmp_path)
    commit_edit(project)
    dates = updated_dates(project, tmp_path / "out1")
    assert dates[("2020-12-21/rcep-base", "en")] == dt.datetime.fromisoformat(EDIT_DATE)
    assert dates[("2020-12-21/rcep-base", "zh")] == dt.datetime.fromisoformat(FIRST_DATE)
    assert str(dates[("2020-12-21/rcep-base", "en")].tzinfo) == "Asia/Shanghai"
    updated_dates(project, tmp_path / "out2")
    assert read_tree(tmp_path / "out1") == read_tree(tmp_path / "out2")


def test_updated_outside_git_and_in_a_shallow_clone(tmp_path):
    plain = make_project(tmp_path / "plain")
    assert set(updated_dates(plain, tmp_path / "out-plain").values()) == {None}
    project = make_repo(tmp_path)
    commit_edit(project)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{project}", str(shallow))
    git(shallow, "fetch", "-q", "--deepen", "1")  # two commits: the edit, and the shallow edge
    dates = updated_dates(shallow, tmp_path / "out-shallow")
    assert dates[("2020-12-21/rcep-base", "en")] == dt.datetime.fromisoformat(EDIT_DATE)
    assert dates[("2020-12-21/rcep-base", "zh")] is None, "the edge of a shallow clone says nothing about a file"


def test_parse_log_keeps_the_newest_date_and_skips_shallow_edges():
    log = ("\x1eaaa 2021-02-03T04:05:06+08:00\n\ncontent/a.md\n"
           "\x1ebbb 2021-01-01T00:00:00+00:00\n\ncontent/a.md\ncontent/b.md\ncontent/c.md\n"
           "\x1eccc 2020-12-01T00:00:00Z\n\ncontent/c.md\n")
    dates = parse_log(log, shallow={"bbb"})
    assert dates == {"content/a.md": dt.datetime.fromisoformat("2021-02-03T04:05:06+08:00")}


def test_workflow_tests_on_pull_requests_and_deploys_main_to_pages():
    workflows = list((ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows, "a workflow in .github/workflows/"
    flow = yaml.safe_load(workflows[0].read_text(encoding="utf-8"))
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"] and "pull_request" in triggers
    jobs = flow["jobs"]
    steps = [step for job in jobs.values() for step in job["steps"]]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "actions/checkout" in uses and str(jobs["build"]["container"]).startswith("python:3")
    assert "actions/configure-pages" in uses and "actions/upload-pages-artifact" in uses
    assert "actions/deploy-pages" in uses
    assert "pip install -r requirements-dev.txt" in runs and "pytest" in runs and "python build.py build" in runs
    checkout = next(step for step in steps if step.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0, "git dates need the whole history"
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site/"
    deploy = next(name for name, job in jobs.items()
                  if any(s.get("uses", "").startswith("actions/deploy-pages") for s in job["steps"]))
    assert "refs/heads/main" in jobs[deploy]["if"] and "push" in jobs[deploy]["if"]
    assert jobs[deploy]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs[deploy]["environment"]["name"] == "github-pages"


# ---------------------------------------------------------------- issue 26: force, the scan, failed pushes

def publish_in(project: Path, *args: str, terminal: bool = False, monkeypatch=None) -> subprocess.CompletedProcess:
    """`publish ARGS` in-process, as if typed in a terminal or not; the exit code is returned, not asserted."""
    import sys
    if monkeypatch is not None:
        monkeypatch.setattr(sys.stdin, "isatty", lambda: terminal, raising=False)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--root", str(project), "publish", *args])
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def someone_else_publishes(tmp_path: Path, subject: str = "Another desk published") -> str:
    """Another clone pushes a commit to the remote's gh-pages; its hash."""
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", "--branch", "gh-pages", str(tmp_path / "remote.git"), str(other))
    (other / "extra.html").write_text("someone else's publish\n", encoding="utf-8")
    git(other, "add", "extra.html")
    git(other, "commit", "-q", "-m", subject)
    git(other, "push", "-q", "origin", "gh-pages")
    return tip(other)


def test_force_in_a_terminal_lists_what_it_removes_and_asks_for_yes(tmp_path, monkeypatch):
    project = make_repo(tmp_path)
    publish(project, "--push")
    theirs = someone_else_publishes(tmp_path)
    commit_edit(project)
    mine_before = tip(project)
    done = publish_in(project, "--push", "--force", terminal=True, monkeypatch=monkeypatch)
    assert done.returncode == 1
    assert f"origin/gh-pages: error: would remove {theirs[:12]} Another desk published" in done.stderr
    assert "--force --yes" in done.stderr and "nothing was committed or pushed" in done.stderr
    assert tip(tmp_path / "remote.git") == theirs and tip(project) == mine_before, "nothing committed, nothing pushed"
    done = publish_in(project, "--push", "--force", "--yes", terminal=True, monkeypatch=monkeypatch)
    assert done.returncode == 0, done.stderr
    assert f"  {theirs[:12]} Another desk published" in done.stdout
    assert "--force removed 1 commit from 'origin/gh-pages'" in done.stdout
    assert tip(tmp_path / "remote.git") == tip(project) != theirs


def test_force_outside_a_terminal_goes_ahead_but_lists_what_it_removes(tmp_path):
    project = make_repo(tmp_path)
    publish(project, "--push")
    theirs = someone_else_publishes(tmp_path, "Fix a typo on the live site")
    commit_edit(project)
    done = subprocess.run([sys_executable(), str(ROOT / "build.py"), "--root", str(project), "publish", "--push",
                           "--force"], capture_output=True, text=True, encoding="utf-8", stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert f"  {theirs[:12]} Fix a typo on the live site" in done.stdout and "pushed 'gh-pages' to 'origin' with " \
        "--force" in done.stdout
    assert tip(tmp_path / "remote.git") == tip(project)


def test_force_that_removes_nothing_says_nothing_about_removing(tmp_path, monkeypatch):
    project = make_repo(tmp_path)
    publish(project, "--push")
    commit_edit(project)
    done = publish_in(project, "--push", "--force", terminal=True, monkeypatch=monkeypatch)
    assert done.returncode == 0, done.stderr
    assert "remove" not in done.stdout and tip(tmp_path / "remote.git") == tip(project)


def sys_executable() -> str:
    import sys
    return sys.executable


@pytest.mark.parametrize("setting,size,words", [
    ("", 105 * 1024 * 1024, "big.bin: error: 105 MB, over the 100 MB a file may have"),
    ("publish: {max_file_mb: 1}\n", 2 * 1024 * 1024, "big.bin: error: 2 MB, over the 1 MB a file may have"),
    ("publish: {max_site_mb: 0.5}\n", 600 * 1024, "site: error: the site is 1 MB, over publish.max_site_mb"),
])
def test_publish_refuses_files_too_large_for_the_host_before_committing(tmp_path, setting, size, words):
    project = make_repo(tmp_path, setting)
    with open(project / "static/big.bin", "wb") as handle:
        handle.truncate(size)  # sparse: fast to make, real to git
    git(project, "add", "static/big.bin")
    git(project, "commit", "-q", "-m", "Add a large file")
    done = run_cli(project, "publish")
    assert done.returncode == 1 and words in done.stderr, done.stderr
    assert "nothing was committed or pushed" in done.stderr and "Traceback" not in done.stderr
    assert git(project, "branch", "--list", "gh-pages") == "", "refused before committing"


def test_publish_scans_the_built_tree_for_links_outside_and_secrets(tmp_path, monkeypatch):
    """Whatever put them there (a build that follows a linked top-level folder, a future bug), they are refused."""
    import digest.publish as publishing
    project = make_repo(tmp_path)
    real_build = publishing.build_fresh

    def leaky_build(root, out, config):
        site = real_build(root, out, config)
        (site / "leak").symlink_to("/etc/passwd")
        (site / "up").symlink_to("../../outside")
        (site / "fine").symlink_to("index.html")
        (site / "keys").mkdir()
        (site / "keys/id_ed25519").write_text("secret\n", encoding="utf-8")
        (site / ".env.production").write_text("TOKEN=x\n", encoding="utf-8")
        return site

    monkeypatch.setattr(publishing, "build_fresh", leaky_build)
    done = publish_in(project)
    assert done.returncode == 1
    for line in ("leak: error: a link that leads outside the published site (/etc/passwd)",
                 "up: error: a link that leads outside the published site (../../outside)",
                 "keys/id_ed25519: error: this looks like a secret", ".env.production: error: this looks like a secret"):
        assert line in done.stderr, done.stderr
    assert "fine:" not in done.stderr
    assert git(project, "branch", "--list", "gh-pages") == ""


@pytest.mark.parametrize("breakage,words", [
    ("transport", "the push failed: git refused the transport of the remote's address (fatal: transport 'file' "
                  "not allowed)"),
    ("unreachable", "the push failed: the remote's server could not be reached"),
    ("dns", "the push failed: the remote's host name could not be found (DNS)"),
])
def test_a_failed_push_says_what_failed_and_that_the_commit_is_kept(tmp_path, monkeypatch, breakage, words):
    project = make_repo(tmp_path)
    if breakage == "transport":
        git(project, "config", "protocol.file.allow", "never")
    elif breakage == "unreachable":
        git(project, "remote", "set-url", "origin", "http://127.0.0.1:9/remote.git")  # nothing listens on port 9
    else:  # what ssh prints when the name does not resolve (a stand-in for ssh, so no DNS query leaves the machine)
        ssh = tmp_path / "ssh"
        ssh.write_text("#!/bin/sh\necho 'ssh: Could not resolve hostname git.nowhere.invalid: Name or service not "
                       "known' >&2\nexit 255\n", encoding="utf-8")
        ssh.chmod(0o755)
        monkeypatch.setenv("GIT_SSH_COMMAND", str(ssh))
        git(project, "remote", "set-url", "origin", "ssh://git.nowhere.invalid/remote.git")
    done = publish_in(project, "--push")
    assert done.returncode == 1 and f"origin/gh-pages: error: {words}" in done.stderr, done.stderr
    assert "someone else" not in done.stderr and "rejected" not in done.stderr
    assert "the previous site is untouched" not in done.stderr
    assert f"the local branch 'gh-pages' holds the new commit {tip(project)[:12]}" in done.stderr
