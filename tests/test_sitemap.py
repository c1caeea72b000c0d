"""sitemap.xml with language alternates, the sitemap index past the limit, the news sitemap and robots.txt.

The sitemaps.org XSD is not shipped with any package this project installs, so the structure
it prescribes (namespace, element order, loc length, W3C datetimes, at most 50,000 URLs) is
checked here directly.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

from conftest import build_project, make_project

BASE = "https://example.org/digest/"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
HREFLANG_RE = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')
W3C_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$")


def site_file(out: Path, url: str) -> Path:
    """The output file an absolute URL of the site is served from."""
    assert url.startswith(BASE), url
    path = urlsplit(url).path[len(urlsplit(BASE).path):]
    return out / (path + "index.html" if path == "" or path.endswith("/") else path)


def read_urlset(path: Path) -> dict[str, dict]:
    """loc -> {lastmod, links: {hreflang: href}} of a sitemap file, checking its structure on the way."""
    root = ET.parse(path).getroot()
    assert root.tag == SM + "urlset"
    found = {}
    for url in root:
        assert url.tag == SM + "url"
        names = [child.tag for child in url if child.tag.startswith(SM)]
        assert names[0] == SM + "loc" and names.count(SM + "loc") == 1 and names.count(SM + "lastmod") <= 1
        loc = url.find(SM + "loc").text
        assert len(loc) <= 2048 and loc.startswith(BASE)
        lastmod = url.find(SM + "lastmod")
        if lastmod is not None:
            assert W3C_DATETIME_RE.match(lastmod.text), lastmod.text
        links = {}
        for link in url.findall(XHTML + "link"):
            assert link.get("rel") == "alternate"
            assert link.get("hreflang") not in links
            links[link.get("hreflang")] = link.get("href")
        assert loc not in found, f"{loc} listed twice"
        found[loc] = {"lastmod": None if lastmod is None else lastmod.text, "links": links}
    assert len(found) <= 50000
    return found


def test_sitemap_lists_every_page_once_and_each_exists(built):
    _, out = built
    urls = read_urlset(out / "sitemap.xml")
    for loc in urls:
        assert site_file(out, loc).is_file(), loc
    pages = {p.relative_to(out).as_posix() for p in out.rglob("index.html")}
    bilingual = {page for page in pages if page.endswith("/bilingual/index.html")}  # noindex: not listed
    assert len(bilingual) == 4
    assert {site_file(out, loc).relative_to(out).as_posix() for loc in urls} == pages - bilingual
    assert BASE + "404.html" not in urls and BASE + "zh/feed.xml" not in urls


def test_alternates_are_reciprocal_with_x_default(built):
    _, out = built
    urls = read_urlset(out / "sitemap.xml")
    clustered = 0
    for loc, entry in urls.items():
        links = entry["links"]
        if not links:
            continue
        clustered += 1
        assert "x-default" in links, loc
        assert loc in links.values(), f"{loc} does not list itself"
        for hreflang, href in links.items():
            assert href in urls, href
            assert urls[href]["links"] == links, f"{href} does not return the link from {loc}"
    assert clustered > 10
    article = urls[BASE + "en/editions/2020-12-21/rcep-base/"]["links"]
    assert article == {"zh-Hans": BASE + "zh/editions/2020-12-21/rcep-base/",
                       "en": BASE + "en/editions/2020-12-21/rcep-base/",
                       "x-default": BASE + "zh/editions/2020-12-21/rcep-base/"}
    assert urls[BASE + "zh/editions/2020-12-21/volunteers/"]["links"] == {}  # no translation, no cluster
    assert urls[BASE]["links"]["x-default"] == BASE


def test_sitemap_alternates_match_each_page_head(built):
    _, out = built
    for loc, entry in read_urlset(out / "sitemap.xml").items():
        head = site_file(out, loc).read_text(encoding="utf-8").split("</head>")[0]
        declared = dict(HREFLANG_RE.findall(head))
        languages = set(declared) - {"x-default"}
        assert entry["links"] == (declared if len(languages) > 1 else {}), loc


def test_lastmod_follows_article_dates_only(tmp_path):
    project = make_project(tmp_path)
    _, out = build_project(project)
    before = read_urlset(out / "sitemap.xml")
    assert before[BASE + "en/editions/2020-12-20/poverty-fund/"]["lastmod"] == "2020-12-20T00:00:00+08:00"
    assert before[BASE + "zh/editions/2020-12-21/"]["lastmod"] == "2020-12-21T00:00:00+08:00"
    assert before[BASE + "zh/about/"]["lastmod"] is None
    fund = project / "content/editions/2020-12-20/poverty-fund.zh.md"
    fund.write_text(fund.read_text(encoding="utf-8").replace("section:", "updated: 2020-12-23 09:30:00\nsection:"),
                    encoding="utf-8")
    build_project(project)
    after = read_urlset(out / "sitemap.xml")
    changed = {loc for loc in after if after[loc]["lastmod"] != before[loc]["lastmod"]}
    assert BASE + "zh/editions/2020-12-20/poverty-fund/" in changed
    assert after[BASE + "zh/editions/2020-12-20/poverty-fund/"]["lastmod"] == "2020-12-23T09:30:00+08:00"
    assert after[BASE + "zh/editions/2020-12-20/"]["lastmod"] == "2020-12-23T09:30:00+08:00"
    assert BASE + "zh/editions/2020-12-21/rcep-base/" not in changed
    assert BASE + "zh/editions/2020-12-21/" not in changed
    assert not any(loc.startswith(BASE + "en/editions/2020-12-21/") for loc in changed)


def test_sitemap_index_past_the_limit(tmp_path):
    project = make_project(tmp_path)
    _, out = build_project(project)
    single = read_urlset(out / "sitemap.xml")
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "sitemap_limit: 10\n", encoding="utf-8")
    build_project(project)
    root = ET.parse(out / "sitemap.xml").getroot()
    assert root.tag == SM + "sitemapindex"
    parts = [s.find(SM + "loc").text for s in root.findall(SM + "sitemap")]
    assert parts == [f"{BASE}sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    assert len(parts) == -(-len(single) // 10)
    merged = {}
    for loc in parts:
        urls = read_urlset(site_file(out, loc))
        assert len(urls) <= 10
        merged.update(urls)
    assert merged == single
    for sitemap in root.findall(SM + "sitemap"):
        assert W3C_DATETIME_RE.match(sitemap.find(SM + "lastmod").text)
    config.write_text(config.read_text(encoding="utf-8").replace("sitemap_limit: 10\n", ""), encoding="utf-8")
    build_project(project)
    assert read_urlset(out / "sitemap.xml") == single
    assert not list(out.glob("sitemap-*.xml"))


def test_sitemap_limit_is_checked(tmp_path):
    from conftest import run_cli
    project = make_project(tmp_path)
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "sitemap_limit: 60000\n", encoding="utf-8")
    result = run_cli(project, "build")
    assert result.returncode == 1
    assert "sitemap_limit: at most 50000 is allowed, got 60000" in result.stdout + result.stderr


def test_news_sitemap_lists_recent_articles_only(tmp_path):
    old = {"content/editions/2020-12-01/old.zh.md": "---\ntitle: 旧闻\nsection: society\n---\n\n旧闻。\n",
           "content/editions/2020-12-19/older.zh.md": "---\ntitle: 前天\nsection: society\n---\n\n前天。\n"}
    project = make_project(tmp_path, files=old)
    _, out = build_project(project)
    root = ET.parse(out / "news-sitemap.xml").getroot()
    assert root.tag == SM + "urlset"
    found = {}
    for url in root.findall(SM + "url"):
        news = url.find(NEWS + "news")
        pub = news.find(NEWS + "publication")
        found[url.find(SM + "loc").text] = (pub.find(NEWS + "name").text, pub.find(NEWS + "language").text,
                                            news.find(NEWS + "publication_date").text, news.find(NEWS + "title").text)
    assert set(found) == {BASE + p for p in ("zh/editions/2020-12-21/rcep-base/", "en/editions/2020-12-21/rcep-base/",
                                             "zh/editions/2020-12-21/volunteers/",
                                             "zh/editions/2020-12-20/poverty-fund/",
                                             "en/editions/2020-12-20/poverty-fund/")}
    assert found[BASE + "zh/editions/2020-12-21/rcep-base/"] == ("测试摘要", "zh-cn", "2020-12-21T00:00:00+08:00",
                                                                 "“青岛力量”乘势而上")
    assert found[BASE + "en/editions/2020-12-20/poverty-fund/"][:2] == ("Test Digest", "en")
    for loc in found:
        assert site_file(out, loc).is_file()


def test_robots_points_at_both_sitemaps(built):
    _, out = built
    lines = (out / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {BASE}sitemap.xml" in lines and f"Sitemap: {BASE}news-sitemap.xml" in lines


def test_sitemap_follows_base_url(tmp_path):
    project = make_project(tmp_path)
    _, out = build_project(project, base_url="https://news.example.com/")
    text = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://news.example.com/zh/editions/2020-12-21/rcep-base/" in text and "example.org" not in text
    assert "Sitemap: https://news.example.com/sitemap.xml" in (out / "robots.txt").read_text(encoding="utf-8")


def test_deleted_article_leaves_the_sitemaps(tmp_path):
    project = make_project(tmp_path)
    _, out = build_project(project)
    assert "volunteers" in (out / "sitemap.xml").read_text(encoding="utf-8")
    (project / "content/editions/2020-12-21/volunteers.zh.md").unlink()
    text = (project / "content/editions/2020-12-21/rcep-base.zh.md").read_text(encoding="utf-8")
    (project / "content/editions/2020-12-21/rcep-base.zh.md").write_text(
        text.replace("另见[志愿服务](volunteers.zh.md)。", ""), encoding="utf-8")
    (project / "content/editions/2020-12-21/rcep-base.en.md").write_text(
        (project / "content/editions/2020-12-21/rcep-base.en.md").read_text(encoding="utf-8")
        .replace(" See also [volunteers](volunteers.zh.md).", ""), encoding="utf-8")
    build_project(project)
    assert "volunteers" not in (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "volunteers" not in (out / "news-sitemap.xml").read_text(encoding="utf-8")
