"""The engine's promises about its state: the output is only the site, the cache cannot hurt, crashes and
concurrent builds leave a whole site, and every way of building gives the same bytes."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, build_project, make_project, run_cli
from digest import pipeline as pipeline_mod
from digest import writer as writer_mod
from digest.errors import DigestError
from digest.writer import STAGED_PREFIX, output_lock

CACHE = Path(".cache/digest/cache.sqlite")


def tree(out: Path) -> dict[str, bytes]:
    """Every file of a folder, dotfiles included, with its bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def add_articles(project: Path, count: int, days: int = 10) -> None:
    """Generated articles in both languages, spread over some editions (enough to use the process pool)."""
    for n in range(count):
        folder = project / f"content/editions/2020-11-{1 + n % days:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        body_zh = "\n\n".join(f"第{n}篇文章的第{p}段。青岛的新闻,内容足够长以便测试。" * 3 for p in range(6))
        body_en = "\n\n".join(f"Paragraph {p} of article {n}: news from Qingdao, long enough to test. " * 3
                              for p in range(6))
        (folder / f"gen-{n}.zh.md").write_text(f"---\ntitle: 生成文章{n}\nsection: society\n---\n\n{body_zh}\n",
                                               encoding="utf-8")
        (folder / f"gen-{n}.en.md").write_text(f"---\ntitle: Generated article {n}\n---\n\n{body_en}\n",
                                               encoding="utf-8")


def copy_project(project: Path, target: Path) -> Path:
    """A copy of the project's sources, without its output or cache."""
    import shutil
    shutil.copytree(project, target, ignore=shutil.ignore_patterns("site", ".cache"))
    return target


def test_the_output_folder_is_the_site_and_byte_identical_across_builds(tmp_path):
    project = make_project(tmp_path)
    other = copy_project(project, tmp_path / "other")
    build_project(project)
    build_project(other)
    out = tree(project / "site")
    assert out == tree(other / "site")  # dotfiles included
    assert not [rel for rel in out if rel.startswith(".") or "/." in rel]  # no state, caches or markers
    assert (project / CACHE).is_file() and not (project / "site" / ".digest").exists()
    build_project(project)  # a rebuild changes nothing either
    assert tree(project / "site") == out


@pytest.mark.parametrize("damage", ["truncate", "garbage", "entry"])
def test_a_damaged_cache_gives_a_correct_build_and_a_one_line_notice(tmp_path, damage, capfd):
    project = make_project(tmp_path)
    build_project(project)
    good = tree(project / "site")
    page = project / "content/editions/2020-12-21/rcep-base.zh.md"
    cache = project / CACHE
    if damage == "truncate":
        data = cache.read_bytes()
        cache.write_bytes(data[: len(data) // 3])
    elif damage == "garbage":
        cache.write_bytes(os.urandom(20000))
    else:  # one HTML entry's text replaced behind the cache's back: its checksum no longer matches
        db = sqlite3.connect(cache)
        with db:
            db.execute("UPDATE entries SET value = '\"<p>forged</p>\"' WHERE kind = 'html'")
        db.close()
    capfd.readouterr()
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # something to rebuild
    page.write_text(page.read_text(encoding="utf-8")[:-1], encoding="utf-8")
    (project / "templates/article.html").write_text(
        (project / "templates/article.html").read_text(encoding="utf-8"), encoding="utf-8")
    build_project(project, clean=True)
    assert tree(project / "site") == good
    assert "forged" not in "".join(p.decode("utf-8", "replace") for p in good.values())
    notices = [line for line in capfd.readouterr().err.splitlines() if "cache" in line]
    if damage == "entry":
        assert notices == []  # a damaged entry is just a miss
    else:
        assert len(notices) == 1 and str(cache) in notices[0] and "damaged" in notices[0]
    build_project(project)  # the cache is whole again: no second notice
    assert [line for line in capfd.readouterr().err.splitlines() if "cache" in line] == []


def test_an_in_place_edit_keeping_size_and_time_is_seen(tmp_path):
    project = make_project(tmp_path)
    page = project / "content/editions/2020-12-21/rcep-base.en.md"
    build_project(project)
    stat = page.stat()
    text = page.read_text(encoding="utf-8")
    assert "Just 15 days later" in text
    page.write_text(text.replace("Just 15 days later", "Just 16 days later"), encoding="utf-8")  # same size
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert page.stat().st_size == stat.st_size and page.stat().st_mtime_ns == stat.st_mtime_ns
    build_project(project)
    html = (project / "site/en/editions/2020-12-21/rcep-base/index.html").read_text(encoding="utf-8")
    assert "Just 16 days later" in html


def test_the_parallel_path_gives_the_same_bytes_as_one_process(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    add_articles(project, 24)
    monkeypatch.setattr(pipeline_mod, "POOL_THRESHOLD", 4)  # the pool every real site uses, on a small site
    calls = []
    import multiprocessing  # the pipeline imports it when it needs a pool
    real_pool = multiprocessing.get_context

    def counting(method):
        calls.append(method)
        return real_pool(method)
    monkeypatch.setattr(multiprocessing, "get_context", counting)
    build_project(project, tmp_path / "parallel", workers=2, cache_dir=tmp_path / "cache-a")
    assert len(calls) >= 2  # Markdown and rendering both went through a pool
    build_project(project, tmp_path / "serial", workers=1, cache_dir=tmp_path / "cache-b")
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")


def test_a_failed_rename_names_the_file_leaves_nothing_staged_and_the_next_build_repairs(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    build_project(project)
    template = project / "templates/base.html"
    template.write_text(template.read_text(encoding="utf-8").replace("</body>", "<!-- v2 --></body>"),
                        encoding="utf-8")
    real_replace = os.replace
    count = []

    def failing(src, dst):
        count.append(dst)
        if len(count) == 5:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)
    monkeypatch.setattr(writer_mod.os, "replace", failing)
    with pytest.raises(DigestError) as caught:
        build_project(project)
    problem = caught.value.problems[0]
    assert problem.path == str(count[4]) and "No space left on device" in problem.message
    assert not list((project / "site").rglob(STAGED_PREFIX + "*"))
    monkeypatch.setattr(writer_mod.os, "replace", real_replace)
    build_project(project)
    reference = copy_project(project, tmp_path / "reference")
    build_project(reference)
    assert tree(project / "site") == tree(reference / "site")


def test_output_is_recognised_without_a_marker_and_foreign_folders_are_refused(tmp_path):
    project = make_project(tmp_path)
    build_project(project)
    (project / CACHE).unlink()  # cache lost: the folder is still known as ours by its pages
    page = (project / "site/zh/index.html").read_text(encoding="utf-8")
    (project / "site/zh/stale.html").write_text(page, encoding="utf-8")  # a page of ours: it names the generator
    (project / "site/zh/stray.html").write_text("old", encoding="utf-8")  # no proof that we wrote it
    result, _ = build_project(project)
    assert not (project / "site/zh/stale.html").exists()  # no record: each file proves itself, or stays
    assert (project / "site/zh/stray.html").read_text(encoding="utf-8") == "old"
    assert [w.code for w in result.warnings] == ["foreign-files"] and "zh/stray.html" in result.warnings[0].message
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DigestError) as caught:
        build_project(project, foreign)
    assert caught.value.problems[0].code == "unsafe-output"
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"


def run_build(project: Path, *args: str) -> subprocess.Popen:
    """`python build.py build` started in the background."""
    return subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--root", str(project), "build", "--quiet",
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=project)


def test_a_second_build_waits_for_the_first_and_never_interleaves(tmp_path):
    project = make_project(tmp_path)
    out = (project / "site").resolve()
    with output_lock((project / ".cache/digest").resolve(), out):  # a build that holds the folder
        waiting = run_build(project)
        time.sleep(2.0)
        assert waiting.poll() is None  # still waiting
        assert not out.exists() or not any(out.iterdir())  # and it wrote nothing meanwhile
    _, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0
    assert err.count("waiting for it to finish") == 1 and str(out) in err
    first, second = run_build(project, "--clean"), run_build(project, "--clean")
    assert first.wait(timeout=120) == 0 and second.wait(timeout=120) == 0
    reference = copy_project(project, tmp_path / "reference")
    build_project(reference)
    assert tree(out) == tree(reference / "site")


def test_a_build_killed_at_any_moment_leaves_whole_files_and_the_next_build_finishes_the_job(tmp_path):
    project = make_project(tmp_path)
    add_articles(project, 320)  # past the pool threshold: the kill also hits forked workers
    assert run_cli(project, "build", timeout=300).returncode == 0
    old = tree(project / "site")
    template = project / "templates/base.html"
    template.write_text(template.read_text(encoding="utf-8").replace("</body>", "<!-- v2 --></body>"),
                        encoding="utf-8")
    (project / "content/editions/2020-11-01/gen-0.zh.md").unlink()
    (project / "content/editions/2020-11-01/gen-0.en.md").unlink()
    reference = copy_project(project, tmp_path / "reference")
    assert run_cli(reference, "build", timeout=300).returncode == 0
    new = tree(reference / "site")
    started = time.monotonic()
    assert run_cli(copy_project(project, tmp_path / "timing"), "build", timeout=300).returncode == 0
    duration = time.monotonic() - started
    for fraction in (0.35, 0.6, 0.8, 0.95):
        proc = run_build(project)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        now = tree(project / "site")
        for rel, data in now.items():
            if STAGED_PREFIX in rel:
                continue
            assert data in (old.get(rel), new.get(rel)), f"{rel} is neither the old nor the new version"
        missing = [rel for rel in set(old) & set(new) if rel not in now]
        assert not missing, f"files missing after a kill: {missing[:5]}"
    assert run_cli(project, "build", timeout=300).returncode == 0
    assert tree(project / "site") == new  # whole and new: no staged leftovers, nothing stale
