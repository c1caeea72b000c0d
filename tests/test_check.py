"""`python build.py check`: every mistake found with file and line, nothing written, translations tracked."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT, build_project, make_project, run_cli

E = "content/editions/2020-12-21/"

# One of each mistake in tests/fixtures/check-mistakes: (code, path, line, level).
EXPECTED = {
    ("config-unknown-key", "config.yaml", 12, "warning"),
    ("yaml", E + "bad-yaml.zh.md", 2, "error"),  # the line of the unclosed '[', not the line after it
    ("missing-title", E + "no-title.zh.md", 1, "error"),
    ("unknown-section", E + "unknown-section.zh.md", 3, "error"),
    ("unknown-tag", E + "unknown-tag.zh.md", 4, "error"),
    ("bad-slug", E + "bad-slug.zh.md", 3, "error"),
    ("url-collision", E + "zz-duplicate.zh.md", 3, "error"),
    ("inherited-conflict", E + "conflict.en.md", 3, "error"),
    ("not-utf8", E + "gbk.zh.md", 2, "error"),
    ("broken-link", E + "links.zh.md", 6, "error"),  # by source path
    ("broken-link", E + "links.zh.md", 8, "error"),  # by site path
    ("missing-file", E + "links.zh.md", 10, "error"),  # an image
    ("missing-translation", E + "lonely.zh.md", 1, "warning"),
    ("machine-translation", E + "machine.en.md", 3, "warning"),
    ("pending-translation", E + "pending.en.md", 3, "warning"),
    ("structure-mismatch", E + "split.en.md", 6, "warning"),  # where the merge is
    ("glossary-term", E + "term.en.md", 8, "warning"),
    ("stale-translation", E + "stale.en.md", 3, "warning"),
    ("unknown-key", E + "unknown-key.zh.md", 4, "warning"),
    ("too-long", E + "long.zh.md", 2, "warning"),
    ("raw-html", E + "html.zh.md", 8, "warning"),
}


def findings(project: Path, *args: str) -> tuple[int, list[dict]]:
    """Run check with JSON output; return the exit code and the parsed findings."""
    done = run_cli(project, "check", "--format", "json", *args)
    return done.returncode, json.loads(done.stdout)


def snapshot(folder: Path) -> dict:
    """Every file under a folder with its bytes and modification time."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_mistakes_fixture_gives_exactly_one_finding_per_mistake(tmp_path):
    code, found = findings(make_project(tmp_path, "check-mistakes"))
    assert code == 1
    assert {(f["code"], f["path"], f["line"], f["level"]) for f in found} == EXPECTED
    assert len(found) == len(EXPECTED)


def test_messages_say_what_and_where(tmp_path):
    found = {(f["code"], f["line"]): f for f in findings(make_project(tmp_path, "check-mistakes"))[1]}
    assert "offset 11" in found["not-utf8", 2]["message"] and "iconv" in found["not-utf8", 2]["hint"]
    assert "paragraph 1 (line 6) and paragraph 2 (line 8) of the original" in found["structure-mismatch", 6]["message"]
    assert 'data-pair="1-2"' in found["structure-mismatch", 6]["hint"]
    assert "'sco' (上合示范区) is in paragraph 2" in found["glossary-term", 8]["message"]
    assert "paragraph 2 changed (line 10)" in found["stale-translation", 3]["message"]
    assert "--stamp" in found["stale-translation", 3]["hint"]
    assert found["unknown-key", 4]["hint"] == "did you mean `summary`?"
    assert "<div>" in found["raw-html", 8]["message"]
    assert "over the limit of 20" in found["too-long", 2]["message"]


def test_text_output_matches_json(tmp_path):
    project = make_project(tmp_path, "check-mistakes")
    text = run_cli(project, "check")
    _, found = findings(project)
    assert text.returncode == 1
    lines = text.stdout.splitlines()
    expected = []
    for f in found:
        line = f"{f['path']}:{f['line']}: {f['level']}: {f['message']}"
        expected.append(f"{line} — {f['hint']}" if f["hint"] else line)
    assert lines[:-1] == expected
    assert lines[:-1] == sorted(lines[:-1], key=lambda s: (s.split(":")[0], int(s.split(":")[1])))
    assert lines[-1] == "11 errors, 10 warnings in 36 files"


def test_clean_fixture_has_no_findings(tmp_path):
    project = make_project(tmp_path, "check-clean")
    done = run_cli(project, "check")
    assert (done.returncode, done.stdout, done.stderr) == (0, "0 errors, 0 warnings in 10 files\n", "")
    assert findings(project) == (0, [])


def test_strict_turns_warnings_into_failure(tmp_path):
    project = make_project(tmp_path, "check-clean", files={
        E + "good.en.md": (ROOT / "tests/fixtures/check-clean" / E / "good.en.md").read_text(encoding="utf-8")
        .replace("status: human", "status: machine")})
    assert run_cli(project, "check").returncode == 0
    done = run_cli(project, "check", "--strict")
    assert done.returncode == 1
    assert "warning: this translation is machine-made" in done.stdout


def test_check_writes_nothing(tmp_path):
    for fixture in ("check-mistakes", "check-clean"):
        project = make_project(tmp_path / fixture, fixture)
        before = snapshot(project)
        for args in ((), ("--format", "json"), ("--translations",), ("--strict",)):
            run_cli(project, "check", *args)
        assert snapshot(project) == before
        assert not (project / "site").exists()


def test_repository_content_passes():
    from digest.check import run_check
    result = run_check(ROOT)
    assert [p.format() for p in result.findings] == []
    assert len(result.rows) == 10 and all(row.status == {"en": "translated"} for row in result.rows)


def test_translation_report(tmp_path):
    done = run_cli(make_project(tmp_path, "check-mistakes"), "check", "--translations")
    lines = done.stdout.splitlines()
    assert lines[0] == "edition 2020-12-21: 15 articles"
    assert lines[1] == "  en: 12 translated, 1 pending, 1 machine, 1 missing, 1 out of date"
    rows = {line.split()[0]: line.split(None, 1)[1] for line in lines[2:] if line.startswith("  ") and
            not line.startswith("   ")}
    assert rows["lonely"] == "en missing"
    assert rows["machine"] == "en machine"
    assert rows["pending"] == "en pending"
    assert rows["stale"] == "en translated (out of date)"
    assert rows["good"] == "en translated"
    assert any("en since review: paragraph 2 changed (line 10)" in line for line in lines)
    assert done.returncode == 1 and "11 errors" in done.stderr


def test_translation_report_json(tmp_path):
    done = run_cli(make_project(tmp_path, "check-clean"), "check", "--translations", "--format", "json")
    rows = json.loads(done.stdout)
    assert done.returncode == 0
    assert [(r["edition"], r["article"], r["status"], r["out_of_date"]) for r in rows] == [
        ("2020-12-20", "older", {"en": "translated"}, {}), ("2020-12-21", "good", {"en": "translated"}, {})]


def test_broken_links_and_missing_images_are_errors(tmp_path):
    project = make_project(tmp_path, "check-clean")
    (project / E / "photo.png").unlink()
    (project / "content/editions/2020-12-20/older.zh.md").unlink()
    (project / "content/editions/2020-12-20/older.en.md").unlink()
    code, found = findings(project)
    assert code == 1
    assert {(f["code"], f["path"], f["line"]) for f in found} == {
        ("broken-link", E + "good.zh.md", 13), ("broken-link", E + "good.en.md", 12),
        ("missing-file", E + "good.zh.md", 15), ("missing-file", E + "good.en.md", 14)}


def test_build_resolves_source_path_links_in_the_same_language(tmp_path):
    project = make_project(tmp_path, "check-clean")
    _, out = build_project(project)
    en = (out / "en/editions/2020-12-21/good/index.html").read_text(encoding="utf-8")
    zh = (out / "zh/editions/2020-12-21/good/index.html").read_text(encoding="utf-8")
    assert 'href="../../../../en/editions/2020-12-20/older/"' in en
    assert 'href="../../../../zh/editions/2020-12-20/older/"' in zh
    assert 'href="../../../../en/editions/2020-12-21/"' in en
    assert 'src="../../../../assets/editions/2020-12-21/photo.png"' in en
    assert (out / "assets/editions/2020-12-21/photo.png").is_file()


def test_fatal_config_error_is_a_finding(tmp_path):
    project = make_project(tmp_path, "check-clean", files={"config.yaml": "title: x\nbase_url: 5\n"})
    code, found = findings(project)
    assert code == 1
    assert found and all(f["path"] == "config.yaml" and f["level"] == "error" for f in found)


def test_bad_check_settings_are_config_errors(tmp_path):
    config = (ROOT / "tests/fixtures/check-clean/config.yaml").read_text(encoding="utf-8")
    project = make_project(tmp_path, "check-clean", files={
        "config.yaml": config.replace("title_max: {zh: 20, en: 60}", "title_max: long")})
    code, found = findings(project)
    assert code == 1
    assert [(f["code"], f["line"]) for f in found] == [("config", 11)]
    assert "check.title_max" in found[0]["message"]


def test_allowed_html_passes_and_other_html_warns(tmp_path):
    project = make_project(tmp_path, "check-clean", files={E + "good.zh.md": (
        ROOT / "tests/fixtures/check-clean" / E / "good.zh.md").read_text(encoding="utf-8")
        .replace("第二段。", "第二段 `<b>` 是代码，<span>一</span>。")})
    code, found = findings(project)
    assert code == 0
    assert [(f["code"], f["line"], f["message"]) for f in found] == [("raw-html", 11, "raw HTML <span> in the text")]


def test_stamp_edits_only_the_translation_line(tmp_path):
    project = make_project(tmp_path, "check-clean")
    path = project / E / "good.en.md"
    before = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    done = run_cli(project, "check", "--stamp", E + "good.en.md")
    assert done.returncode == 0 and done.stdout.startswith(f"stamped {E}good.en.md: translation.source_hash = ")
    after = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(after) == len(before) and len(changed) == 1
    assert changed[0][1].startswith("translation: {status: human, translator: Desk, source_hash: \"")
    assert run_cli(project, "check").stdout == "0 errors, 0 warnings in 10 files\n"
    again = path.read_bytes()
    run_cli(project, "check", "--stamp", str(path))  # stamping twice changes nothing
    assert path.read_bytes() == again


def test_stale_translation_then_restamp(tmp_path):
    project = make_project(tmp_path, "check-clean")
    run_cli(project, "check", "--stamp", E + "good.en.md")
    original = project / E / "good.zh.md"
    original.write_text(original.read_text(encoding="utf-8").replace("第二段。", "第二段，改了。\n\n新增一段。"),
                        encoding="utf-8")
    _, found = findings(project)
    stale = [f for f in found if f["code"] == "stale-translation"]
    assert len(stale) == 1 and stale[0]["path"] == E + "good.en.md"
    assert "paragraph 2 changed (line 11); paragraph 3 added (line 13)" in stale[0]["message"]
    assert {f["code"] for f in found} == {"stale-translation", "structure-mismatch"}
    run_cli(project, "check", "--stamp", E + "good.en.md")
    assert {f["code"] for f in findings(project)[1]} == {"structure-mismatch"}


def test_stamp_block_mapping_and_absent_translation(tmp_path):
    block = "---\ntitle: A good article\ntranslation:\n  status: human\n  translator: Desk\n---\n\nBody.\r\n"
    bare = "---\ntitle: An older story\n---\n\nOne paragraph.\n"
    project = make_project(tmp_path, "check-clean", files={E + "good.en.md": block,
                                                           "content/editions/2020-12-20/older.en.md": bare})
    for rel in (E + "good.en.md", "content/editions/2020-12-20/older.en.md"):
        assert run_cli(project, "check", "--stamp", rel).returncode == 0
    text = (project / E / "good.en.md").read_bytes().decode("utf-8")
    assert text.startswith("---\ntitle: A good article\ntranslation:\n  status: human\n  translator: Desk\n"
                           "  source_hash: \"") and text.endswith("\n---\n\nBody.\r\n")
    text = (project / "content/editions/2020-12-20/older.en.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: An older story\ntranslation: {source_hash: \"")
    _, found = findings(project)
    assert not [f for f in found if f["code"] in ("stale-translation", "bad-source-hash")]


def test_stamp_refuses_an_original(tmp_path):
    project = make_project(tmp_path, "check-clean")
    before = snapshot(project)
    done = run_cli(project, "check", "--stamp", E + "good.zh.md")
    assert done.returncode == 1 and "this is an original, not a translation" in done.stderr
    assert snapshot(project) == before


def test_split_blocks_counts_lines():
    from digest.translations import split_blocks
    blocks = split_blocks("\nOne\nstill one\n\n## Head\n\n```\na\n\nb\n```\n", 7)
    assert [(b.kind, b.line) for b in blocks] == [("paragraph", 8), ("heading", 11), ("paragraph", 13)]


def test_links_to_feeds_and_sitemaps_the_build_makes_are_not_broken(tmp_path):
    project = make_project(tmp_path, "check-clean")
    page = next((project / "content/editions").rglob("*.zh.md"))
    page.write_text(page.read_text(encoding="utf-8") + "\n订阅[本站](/zh/feed.xml)，或看[网站地图](/sitemap.xml)。\n",
                    encoding="utf-8")
    proc = run_cli(project, "check", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [f for f in json.loads(proc.stdout) if f["code"] == "broken-link"] == []
