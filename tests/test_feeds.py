"""Atom and JSON feeds: valid, complete, stable, escaped, with absolute URLs, announced on every page."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from conftest import build_project, make_project

BASE = "https://example.org/digest/"
ATOM = "{http://www.w3.org/2005/Atom}"
NASTY_TITLE = 'Tricky ]]> & <script>alert("x")</script> headline'
NASTY = {
    "content/editions/2020-12-21/nasty.zh.md": f"""---
title: '{NASTY_TITLE}'
byline: 'A & B <c>'
section: society
summary: 'Summary with ]]> & <b>tags</b>'
---

Body with ]]> and & and <script>alert("x")</script> in it.

See [the other story](rcep-base.zh.md), [the fund](../2020-12-20/poverty-fund.en.md#top),
![a photo](photo.png), [a note](#note) and [the web](https://example.com/?a=1&b=2).
""",
}


def feed_files(out: Path) -> list[Path]:
    """Every Atom feed the build wrote."""
    return sorted(out.rglob("feed.xml"))


def site_file(out: Path, url: str) -> Path:
    """The output file an absolute URL of the site is served from."""
    assert url.startswith(BASE), url
    path = urlsplit(url).path[len(urlsplit(BASE).path):]
    return out / (path + "index.html" if path == "" or path.endswith("/") else path)


def entry_ids(out: Path) -> dict[str, list[str]]:
    """Feed path -> the ids of its entries, in order."""
    return {f.relative_to(out).as_posix(): [e.id for e in feedparser.parse(f.read_bytes()).entries]
            for f in feed_files(out)}


class LinkCollector(HTMLParser):
    """The href and src values of an HTML fragment."""

    def __init__(self):
        super().__init__()
        self.values: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.values += [v for k, v in attrs if k in ("href", "src") and v is not None]


def test_every_feed_parses_cleanly_with_required_atom_elements(built):
    _, out = built
    feeds = feed_files(out)
    paths = {f.relative_to(out).as_posix() for f in feeds}
    assert {"zh/feed.xml", "en/feed.xml", "zh/editions/feed.xml", "en/editions/feed.xml",
            "zh/sections/economy/feed.xml", "en/sections/government/feed.xml"} <= paths
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == "atom10"
        root = ET.parse(path).getroot()
        assert root.tag == ATOM + "feed"
        for name in ("id", "title", "updated", "author"):
            assert root.find(ATOM + name) is not None, (path, name)
        assert root.find(f"{ATOM}link[@rel='self']").get("href") == BASE + path.relative_to(out).as_posix()
        for entry in root.findall(ATOM + "entry"):
            for name in ("id", "title", "updated", "published", "content"):
                assert entry.find(ATOM + name) is not None, (path, name)
            assert entry.find(f"{ATOM}link[@rel='alternate']") is not None


def test_language_feed_holds_own_articles_with_author_summary_and_dates(built):
    _, out = built
    zh = feedparser.parse((out / "zh/feed.xml").read_bytes())
    en = feedparser.parse((out / "en/feed.xml").read_bytes())
    assert zh.feed.language == "zh-Hans" and en.feed.language == "en"
    assert [e.title for e in zh.entries] == ["“青岛力量”乘势而上", "“七帮”项目打造志愿服务品牌", "青岛加大财政扶贫资金监管力度"]
    # volunteers exists only in Chinese: the English feed has no entry for it
    assert [e.title for e in en.entries] == ["Qingdao moves fast on the new trade pact",
                                             "Qingdao tightens oversight of poverty relief funds"]
    first = en.entries[0]
    assert first.author == "Li Yuan, staff reporter"
    assert first.published == "2020-12-21T00:00:00+08:00"
    assert first.summary.startswith("On November 15")
    assert en.feed.updated == "2020-12-21T00:00:00+08:00"
    assert {t.term for t in first.tags} == {"economy", "rcep", "shibei"}


def test_entry_links_lead_to_existing_pages_of_the_same_language(built):
    _, out = built
    for path in feed_files(out):
        lang = path.relative_to(out).parts[0]
        for entry in feedparser.parse(path.read_bytes()).entries:
            assert entry.link.startswith(f"{BASE}{lang}/"), entry.link
            assert site_file(out, entry.link).is_file(), entry.link


def test_entry_ids_are_stable_across_builds_and_slug_changes(tmp_path):
    project = make_project(tmp_path)
    _, out = build_project(project)
    first = entry_ids(out)
    _, again = build_project(project, tmp_path / "again", clean=True)
    assert entry_ids(again) == first
    article = project / "content/editions/2020-12-21/rcep-base.en.md"
    article.write_text(article.read_text(encoding="utf-8").replace("---\nkicker", "---\nslug: trade-pact\nkicker"),
                       encoding="utf-8")
    build_project(project)
    moved = feedparser.parse((out / "en/feed.xml").read_bytes()).entries[0]
    assert moved.link.endswith("/en/editions/2020-12-21/trade-pact/")
    assert moved.id == first["en/feed.xml"][0] == "tag:example.org,2020-12-21:/digest/en/2020-12-21/rcep-base"


def test_content_is_full_escaped_html_with_absolute_urls(built):
    _, out = built
    entry = feedparser.parse((out / "en/feed.xml").read_bytes()).entries[0]
    html = entry.content[0].value
    assert "<h2>A pilot base is launched</h2>" in html
    collector = LinkCollector()
    collector.feed(html)
    assert collector.values == [BASE + "zh/editions/2020-12-21/volunteers/"]
    raw = (out / "en/feed.xml").read_text(encoding="utf-8")
    assert "&lt;h2&gt;A pilot base is launched&lt;/h2&gt;" in raw


def test_hostile_title_and_body_still_give_well_formed_feeds(tmp_path):
    project = make_project(tmp_path, files=NASTY)
    _, out = build_project(project)
    for path in ("zh/feed.xml", "zh/sections/society/feed.xml", "zh/editions/feed.xml"):
        ET.parse(out / path)  # raises when not well-formed
        parsed = feedparser.parse((out / path).read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
    root = ET.parse(out / "zh/feed.xml").getroot()
    entry = next(e for e in root.iter(ATOM + "entry") if e.find(ATOM + "title").text == NASTY_TITLE)
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "A & B <c>"
    content = entry.find(ATOM + "content").text
    assert '<script>alert("x")</script>' in content and "]]&gt;" in content
    collector = LinkCollector()
    collector.feed(content)
    assert collector.values == [BASE + "zh/editions/2020-12-21/rcep-base/",
                                BASE + "zh/editions/2020-12-20/poverty-fund/#top",
                                BASE + "assets/editions/2020-12-21/photo.png",
                                BASE + "zh/editions/2020-12-21/nasty/#note",
                                "https://example.com/?a=1&b=2"]
    data = json.loads((out / "zh/feed.json").read_text(encoding="utf-8"))
    assert any(item["title"] == NASTY_TITLE for item in data["items"])


def test_control_characters_are_dropped_from_feeds(tmp_path):
    project = make_project(tmp_path, files={"content/editions/2020-12-21/bell.zh.md":
                                            '---\ntitle: "Bell\\a title"\nsection: society\n---\n\nBody\x0c here.\n'})
    _, out = build_project(project)
    parsed = feedparser.parse((out / "zh/feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert "Bell title" in [e.title for e in parsed.entries]


def test_json_feed_per_language(built):
    _, out = built
    for lang, hreflang in (("zh", "zh-Hans"), ("en", "en")):
        data = json.loads((out / lang / "feed.json").read_text(encoding="utf-8"))
        assert data["version"] == "https://jsonfeed.org/version/1.1"
        assert data["language"] == hreflang
        assert data["feed_url"] == f"{BASE}{lang}/feed.json"
        assert data["home_page_url"] == f"{BASE}{lang}/"
        atom = entry_ids(out)[f"{lang}/feed.xml"]
        assert [item["id"] for item in data["items"]] == atom
        for item in data["items"]:
            assert item["url"].startswith(f"{BASE}{lang}/") and site_file(out, item["url"]).is_file()
            assert item["content_html"] and item["date_published"].endswith("+08:00")
            assert item["language"] == hreflang


def test_edition_feed_has_one_entry_per_edition(built):
    _, out = built
    parsed = feedparser.parse((out / "en/editions/feed.xml").read_bytes())
    assert [e.link for e in parsed.entries] == [BASE + "en/editions/2020-12-21/", BASE + "en/editions/2020-12-20/"]
    assert parsed.entries[0].title == "Test Digest · December 21, 2020"
    assert BASE + "en/editions/2020-12-21/rcep-base/" in parsed.entries[0].content[0].value


def test_section_feed_lists_only_that_section(built):
    _, out = built
    economy = feedparser.parse((out / "zh/sections/economy/feed.xml").read_bytes())
    assert [e.title for e in economy.entries] == ["“青岛力量”乘势而上"]
    assert economy.feed.title == "经济 · 测试摘要"


def test_feed_size_limits_entries(tmp_path):
    project = make_project(tmp_path)
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "feed_size: 1\n", encoding="utf-8")
    _, out = build_project(project)
    assert len(feedparser.parse((out / "zh/feed.xml").read_bytes()).entries) == 1
    assert len(json.loads((out / "zh/feed.json").read_text(encoding="utf-8"))["items"]) == 1


def test_empty_feed_updated_is_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1608480000")  # 2020-12-20T16:00:00Z
    project = make_project(tmp_path)
    _, out = build_project(project)
    parsed = feedparser.parse((out / "en/sections/society/feed.xml").read_bytes())
    assert not parsed.bozo and parsed.entries == []
    assert parsed.feed.updated == "2020-12-21T00:00:00+08:00"


def test_deleted_article_leaves_the_feeds(tmp_path):
    project = make_project(tmp_path)
    _, out = build_project(project)
    assert "poverty-fund" in (out / "en/feed.xml").read_text(encoding="utf-8")
    (project / "content/editions/2020-12-20/poverty-fund.en.md").unlink()
    build_project(project)
    assert "poverty-fund" not in (out / "en/feed.xml").read_text(encoding="utf-8")
    assert "poverty-fund" not in (out / "en/feed.json").read_text(encoding="utf-8")
    assert "poverty-fund" in (out / "zh/feed.xml").read_text(encoding="utf-8")


def test_incremental_build_refreshes_feeds_from_cached_bodies(tmp_path):
    project = make_project(tmp_path)
    _, out = build_project(project)
    zh_before = (out / "zh/feed.xml").read_bytes()
    story = project / "content/editions/2020-12-21/rcep-base.en.md"
    story.write_text(story.read_text(encoding="utf-8") + "\nA new closing paragraph.\n", encoding="utf-8")
    result, _ = build_project(project)
    assert "A new closing paragraph." in (out / "en/feed.xml").read_text(encoding="utf-8")
    assert "A new closing paragraph." in (out / "en/feed.json").read_text(encoding="utf-8")
    assert (out / "zh/feed.xml").read_bytes() == zh_before
    assert result.rendered < result.total_pages
    # the other entry's body was not converted by this build: it comes from the cache
    assert "All problems found have been fixed." in (out / "en/feed.xml").read_text(encoding="utf-8")


def test_feeds_are_deterministic_and_not_counted_as_pages(tmp_path):
    project = make_project(tmp_path)
    result, out = build_project(project)
    _, other = build_project(project, tmp_path / "other", clean=True)
    for path in ["zh/feed.xml", "en/feed.json", "en/editions/feed.xml", "sitemap.xml", "news-sitemap.xml",
                 "robots.txt"]:
        assert (out / path).read_bytes() == (other / path).read_bytes(), path
    html_pages = [p for p in out.rglob("*.html")]
    assert result.total_pages == len(html_pages)
    again = build_project(project)[0]
    assert again.rendered == 0 and again.report.written == 0


ALTERNATE_RE = re.compile(r'<link rel="alternate" type="application/(?:atom\+xml|feed\+json)"[^>]*href="([^"]+)"')


def announced(out: Path, rel: str) -> set[str]:
    """The feeds a page announces, as paths under the output folder (each must exist)."""
    page = out / rel
    found = set()
    text = page.read_text(encoding="utf-8")
    assert not re.search(r'<link rel="alternate" type="application/[^"]+"[^>]*hreflang', text), rel
    for href in ALTERNATE_RE.findall(text):
        target = (page.parent / href).resolve()
        assert target.is_file(), (rel, href)
        found.add(target.relative_to(out.resolve()).as_posix())
    return found


def test_every_page_announces_its_language_feed(built):
    _, out = built
    for page in out.rglob("index.html"):
        rel = page.relative_to(out).as_posix()
        if rel == "index.html":
            continue
        lang = rel.split("/")[0]
        assert {f"{lang}/feed.xml", f"{lang}/feed.json"} <= announced(out, rel), rel
    assert announced(out, "index.html") == {"zh/feed.xml", "zh/feed.json", "en/feed.xml", "en/feed.json"}
    assert "en/sections/economy/feed.xml" in announced(out, "en/sections/economy/index.html")
    assert "zh/editions/feed.xml" in announced(out, "zh/editions/index.html")
    assert "zh/editions/feed.xml" in announced(out, "zh/editions/2020-12-21/index.html")
    assert "zh/editions/feed.xml" not in announced(out, "zh/index.html")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_feed_dates_use_the_configured_time_zone(tmp_path, lang):
    project = make_project(tmp_path)
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "timezone: Europe/London\n", encoding="utf-8")
    _, out = build_project(project)
    entry = feedparser.parse((out / lang / "feed.xml").read_bytes()).entries[0]
    assert entry.published == "2020-12-21T00:00:00+00:00"
