"""The search index: article pages only, one index per language, deterministic, rebuilt only when they change."""
from __future__ import annotations

import gzip
import json
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

from conftest import build_project, make_project, run_cli
from digest import search as search_mod
from digest.cache import Cache
from digest.errors import DigestError
from digest.search import BackgroundIndexer, cbor_decode, cbor_encode

ARTICLE = "content/editions/2020-12-21/rcep-base.zh.md"
PAGE = "content/pages/about.en.md"


def index_tree(out: Path) -> dict[str, bytes]:
    """Every file of the search index, by path."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "pagefind").rglob("*")) if p.is_file()}


PERIOD = "2020-12"  # the fixture's editions are in December 2020, the newest edition's year: one month's bundle


def entry(out: Path, period: str = PERIOD) -> dict:
    """Pagefind's entry file of a period's bundle: the languages indexed, with their page counts."""
    return json.loads((out / "pagefind" / period / "pagefind-entry.json").read_text(encoding="utf-8"))


def test_build_writes_one_index_per_language_of_the_article_pages_only(built):
    result, out = built
    languages = entry(out)["languages"]
    assert {code: info["page_count"] for code, info in languages.items()} == {"zh-hans": 3, "en": 2}
    assert result.search.indexed and result.search.pages == {"zh-hans": 3, "en": 2}
    marked = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")
                    if "data-pagefind-body" in p.read_text(encoding="utf-8"))
    assert marked == sorted(p.relative_to(out).as_posix() for p in out.glob("*/editions/*/*/index.html"))
    assert (out / "zh" / "search" / "index.html").is_file() and (out / "en" / "search" / "index.html").is_file()
    assert [p.name for p in (out / "pagefind").iterdir()] == [PERIOD]  # one bundle per period
    bundle = out / "pagefind" / PERIOD
    assert sorted(p.name for p in bundle.iterdir() if p.is_file() and not p.name.endswith("pf_meta")) \
        == ["pagefind-entry.json", "pagefind.js", "wasm.en.pagefind", "wasm.unknown.pagefind"]  # no Pagefind UI
    assert f'data-bundles="{PERIOD}"' in (out / "zh/search/index.html").read_text(encoding="utf-8")


def test_filters_and_metadata_of_an_article(built):
    _, out = built
    page = (out / "zh/editions/2020-12-21/rcep-base/index.html").read_text(encoding="utf-8")
    assert 'data-pagefind-filter="section:economy"' in page and 'data-pagefind-filter="edition:2020-12-21"' in page
    assert 'data-pagefind-filter="tag"' in page and 'data-pagefind-sort="date:2020-12-21' in page
    assert 'data-pagefind-meta="kicker">借力RCEP东风——<' in page
    language = entry(out)["languages"]["zh-hans"]["hash"]
    meta = search_mod.read_cbor_file(out / "pagefind" / PERIOD / f"pagefind.{language}.pf_meta")
    assert [name for name, _ in meta[3]] == ["edition", "section", "tag"]  # sorted: see canonical_bundle
    assert [name for name, _ in meta[4]] == ["date"]


def test_the_output_records_the_index_files_and_holds_no_index_state(built, project):
    _, out = built
    cache = Cache(project / ".cache" / "digest")
    record = cache.get("search", str(out.resolve()))["periods"]
    assert set(index_tree(out)) == set(record[PERIOD]["files"])
    assert not [p for p in (out / "pagefind").rglob("*") if p.name.startswith(".") or p.suffix == ".json"
                and p.name != "pagefind-entry.json"]


def test_two_builds_give_byte_identical_index_files(project, tmp_path):
    build_project(project, tmp_path / "one")
    build_project(project, tmp_path / "two")
    one, two = index_tree(tmp_path / "one"), index_tree(tmp_path / "two")
    assert one and one == two


def test_pagefind_alone_is_not_deterministic_but_the_canonical_bundle_is(built, tmp_path):
    _, out = built
    bundles = []
    for name in ("a", "b", "c"):
        search_mod.run_pagefind(out, tmp_path / name, search_mod.article_globs(["zh", "en"]))
        search_mod.canonical_bundle(tmp_path / name)
        bundles.append({p.relative_to(tmp_path / name).as_posix(): p.read_bytes()
                        for p in (tmp_path / name).rglob("*") if p.is_file()})
    assert bundles[0] == bundles[1] == bundles[2]


def test_no_search_writes_no_index_page_or_box_and_removes_an_old_index(project):
    out = project / "site"
    assert run_cli(project, "build", "--no-search").returncode == 0
    assert not (out / "pagefind").exists() and not (out / "zh" / "search").exists()
    assert 'role="search"' not in (out / "zh" / "index.html").read_text(encoding="utf-8")
    assert run_cli(project, "build").returncode == 0
    assert (out / "pagefind" / PERIOD / "pagefind-entry.json").is_file()
    assert 'action="../zh/search/"' in (out / "zh" / "index.html").read_text(encoding="utf-8")
    done = run_cli(project, "build", "--no-search")
    assert done.returncode == 0, done.stderr
    assert not (out / "pagefind").exists() and not (out / "en" / "search").exists()


def test_search_false_in_config_yaml_turns_it_off(tmp_path):
    project = make_project(tmp_path)
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "search: false\n", encoding="utf-8")
    result, out = build_project(project)
    assert result.search is None and not (out / "pagefind").exists() and not (out / "zh" / "search").exists()


def test_search_must_be_true_or_false(tmp_path):
    project = make_project(tmp_path)
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "search: maybe\n", encoding="utf-8")
    with pytest.raises(DigestError) as caught:
        build_project(project)
    assert "search: expected true or false, got 'maybe'" in caught.value.problems[0].format()


def test_a_change_elsewhere_does_not_reindex_and_an_article_change_does(project, monkeypatch):
    real = search_mod.run_pagefind_periods
    calls = []
    monkeypatch.setattr(search_mod, "run_pagefind_periods", lambda site, jobs: (calls.append(jobs), real(site, jobs)))
    _, out = build_project(project)
    assert len(calls) == 1
    before = {rel: (out / rel).stat().st_mtime_ns for rel in index_tree(out)}
    result, _ = build_project(project)  # nothing changed: the build stops early
    assert len(calls) == 1 and result.search is None
    about = project / PAGE
    about.write_text(about.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    result, _ = build_project(project)
    assert len(calls) == 1 and not result.search.indexed and result.report.written >= 1
    assert {rel: (out / rel).stat().st_mtime_ns for rel in index_tree(out)} == before
    article = project / ARTICLE
    article.write_text(article.read_text(encoding="utf-8") + "\n新的一段：崂山。\n", encoding="utf-8")
    result, _ = build_project(project)
    assert len(calls) == 2 and result.search.indexed


def test_a_deleted_article_leaves_the_index_with_its_page(project):
    _, out = build_project(project)
    (project / "content/editions/2020-12-21/volunteers.zh.md").unlink()
    result, _ = build_project(project)
    assert entry(out)["languages"]["zh-hans"]["page_count"] == 2
    assert set(index_tree(out)) == result.search.files  # old fragments and meta files are gone


def test_a_failed_index_keeps_the_last_one_whole(project, monkeypatch):
    _, out = build_project(project)
    before = index_tree(out)
    article = project / ARTICLE
    article.write_text(article.read_text(encoding="utf-8") + "\n又一段。\n", encoding="utf-8")

    def broken(site, jobs):
        for dest, _ in jobs.values():
            dest.mkdir(parents=True)
            (dest / "fragment").mkdir()
            (dest / "fragment" / "half.pf_fragment").write_bytes(b"x")
        raise DigestError([])

    monkeypatch.setattr(search_mod, "run_pagefind_periods", broken)
    with pytest.raises(DigestError):
        build_project(project)
    assert index_tree(out) == before


def test_clean_builds_keep_no_record_and_records_of_gone_folders_are_dropped(project, tmp_path):
    cache = Cache(project / ".cache" / "digest")
    build_project(project, tmp_path / "clean", clean=True)
    assert cache.keys("search") == []
    build_project(project, tmp_path / "gone")
    assert len(cache.keys("search")) == 1
    shutil.rmtree(tmp_path / "gone")
    build_project(project, tmp_path / "kept")
    assert cache.keys("search") == [str((tmp_path / "kept").resolve())]


def test_search_page_without_javascript_links_to_the_archive_sections_and_tags(built):
    _, out = built
    page = (out / "en" / "search" / "index.html").read_text(encoding="utf-8")
    noscript = re.search(r"<noscript>(.*?)</noscript>", page, re.S).group(1)
    assert "Search needs JavaScript" in noscript
    for target in ("../../en/archive/", "../../en/sections/economy/", "../../en/tags/", "../../en/editions/"):
        assert f'href="{target}"' in noscript
    zh = (out / "zh" / "search" / "index.html").read_text(encoding="utf-8")
    assert "搜索需要 JavaScript" in zh and '<html lang="zh-Hans">' in zh


def test_cbor_round_trip_of_what_pagefind_writes():
    value = ["1.4.0", [["en_abc", 84], ["en_def", 1020]], [], [["tag", "en_1234567"]], [["date", [0, 1, 2]]],
             "é", -3, True, None, b"\x00", search_mod.CborMap({"a": 1})]
    assert cbor_decode(cbor_encode(value), 0) == (value, len(cbor_encode(value)))
    assert cbor_encode(500) == b"\x19\x01\xf4" and cbor_encode(23) == b"\x17" and cbor_encode(24) == b"\x18\x18"


def test_filter_files_are_sorted_and_named_after_their_content(tmp_path):
    bundle = tmp_path / "pagefind"
    (bundle / "filter").mkdir(parents=True)
    search_mod.write_cbor_file(bundle / "filter", "en", 7, ["tag", [["b", [1]], ["a", [0]]]], ".pf_filter")
    old = next((bundle / "filter").iterdir()).name
    meta = ["1.4.0", [], [], [["tag", old.removesuffix(".pf_filter")]], []]
    meta_hash = search_mod.write_cbor_file(bundle, "pagefind.en", 10, meta, ".pf_meta")
    (bundle / "pagefind-entry.json").write_text(json.dumps(
        {"version": "1.4.0", "languages": {"en": {"hash": f"en_{meta_hash}", "wasm": "en", "page_count": 2}}}))
    search_mod.canonical_bundle(bundle)
    new = next((bundle / "filter").iterdir())
    assert search_mod.read_cbor_file(new) == ["tag", [["a", [0]], ["b", [1]]]]
    language = json.loads((bundle / "pagefind-entry.json").read_text())["languages"]["en"]["hash"]
    assert search_mod.read_cbor_file(bundle / f"pagefind.{language}.pf_meta")[3] == [["tag", new.stem]]
    assert gzip.decompress(new.read_bytes()).startswith(b"pagefind_dcd")


def test_background_indexer_coalesces_a_burst_and_never_blocks():
    runs = []
    release = threading.Event()

    def slow_index():
        runs.append(time.monotonic())
        release.wait(5)

    indexer = BackgroundIndexer(slow_index, delay=0.05)
    try:
        started = time.monotonic()
        for _ in range(5):
            indexer.request()
        assert time.monotonic() - started < 0.05  # request() returns at once
        deadline = time.monotonic() + 5
        while not runs and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(runs) == 1  # five requests in a burst: one run
        indexer.request()  # while it runs: once more afterwards
        indexer.request()
        release.set()
        assert indexer.wait_idle(5)
        assert len(runs) == 2
    finally:
        release.set()
        indexer.stop()


def test_background_indexer_reports_a_failure_and_goes_on():
    lines = []
    calls = []

    def failing():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk full")

    indexer = BackgroundIndexer(failing, delay=0.01, log=lines.append)
    try:
        indexer.request()
        assert indexer.wait_idle(5)
        indexer.request()
        assert indexer.wait_idle(5)
    finally:
        indexer.stop()
    assert lines == ["search index: disk full"] and len(calls) == 2


def test_serve_rebuild_asks_for_an_index_and_returns_before_it_is_made(project, monkeypatch):
    from digest import cli
    started = threading.Event()
    finish = threading.Event()

    def slow(out, languages, cache_dir, report=None):
        started.set()
        finish.wait(10)

    monkeypatch.setattr(search_mod, "index_site", slow)
    rebuild = cli.preview_rebuild(project, project / "site", "http://127.0.0.1:8000/", False)
    assert rebuild(set()).errors == []  # returned while the index is still to be made
    assert started.wait(5)
    finish.set()


def test_periods_are_months_of_the_newest_year_and_years_before():
    found = search_mod.periods_of(["2021-12-30", "2021-12-01", "2021-03-02", "2020-07-01", "2019-01-01"])
    assert found == {"2021-12": ["2021-12-30", "2021-12-01"], "2021-03": ["2021-03-02"], "2020": ["2020-07-01"],
                     "2019": ["2019-01-01"]}
    assert list(search_mod.periods_of(["2022-01-01", "2021-12-30"])) == ["2022-01", "2021"]  # a new year folds the last
    assert search_mod.periods_of([]) == {}


def test_a_new_edition_indexes_its_own_period_only(project, monkeypatch):
    older = project / "content/editions/2019-05-04"
    older.mkdir()
    (older / "old.zh.md").write_text("---\ntitle: 旧文\nsection: economy\n---\n去年的正文：崂山。\n", encoding="utf-8")
    _, out = build_project(project)
    assert sorted(p.name for p in (out / "pagefind").iterdir()) == ["2019", PERIOD]
    old_bundle = {rel: data for rel, data in index_tree(out).items() if rel.startswith("pagefind/2019/")}
    assert 'data-bundles="2020-12 2019"' in (out / "zh/search/index.html").read_text(encoding="utf-8")
    real = search_mod.run_pagefind_periods
    calls = []
    monkeypatch.setattr(search_mod, "run_pagefind_periods", lambda site, jobs: (calls.append(sorted(jobs)),
                                                                                 real(site, jobs)))
    new = project / "content/editions/2020-12-22"
    new.mkdir()
    (new / "new.zh.md").write_text("---\ntitle: 新文\nsection: economy\n---\n新的正文。\n", encoding="utf-8")
    result, _ = build_project(project)
    assert calls == [[PERIOD]] and result.search.periods == [PERIOD]
    assert {rel: data for rel, data in index_tree(out).items() if rel.startswith("pagefind/2019/")} == old_bundle
    assert entry(out)["languages"]["zh-hans"]["page_count"] == 4
