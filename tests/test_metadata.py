"""Search-engine and social metadata in page heads: description, Open Graph, Twitter card, JSON-LD."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import build_project, make_project
from digest.metadata import iso_datetime, og_locale_of, script_json
from digest.sitemap import news_language

BASE = "https://example.org/digest/"
HOSTILE = '</script><script>alert("x")</script> & <!-- "quoted" \u2028'


class HeadParser(HTMLParser):
    """The <meta> values and JSON-LD scripts of a page, parsed the way a browser splits a document."""

    def __init__(self):
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.scripts: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta.setdefault(attrs.get("property") or attrs["name"], []).append(attrs.get("content", ""))
        self._in_ld = tag == "script" and attrs.get("type") == "application/ld+json"
        if self._in_ld:
            self.scripts.append("")

    def handle_data(self, data):
        if self._in_ld:
            self.scripts[-1] += data

    def handle_endtag(self, tag):
        self._in_ld = False


def head_of(path: Path) -> HeadParser:
    """Parse one page."""
    parser = HeadParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def json_ld(path: Path) -> list[dict]:
    """Every JSON-LD block of a page, parsed (fails when one is not JSON)."""
    return [json.loads(text) for text in head_of(path).scripts]


def graph_node(path: Path, kind: str) -> dict:
    """The one node of a type in a page's JSON-LD."""
    nodes = [n for block in json_ld(path) for n in block.get("@graph", [block]) if n.get("@type") == kind]
    assert len(nodes) == 1, (path, kind, nodes)
    return nodes[0]


def article_pages(out: Path) -> list[Path]:
    """Every article page of the build."""
    return sorted(p for p in out.glob("*/editions/*/*/index.html"))


def test_json_ld_parses_on_every_article_page(built):
    _, out = built
    pages = article_pages(out)
    assert len(pages) == 5
    for page in pages:
        blocks = json_ld(page)
        assert len(blocks) == 1 and blocks[0]["@context"] == "https://schema.org"
        node = graph_node(page, "NewsArticle")
        for key in ("headline", "datePublished", "dateModified", "author", "publisher", "inLanguage", "isPartOf"):
            assert node[key], (page, key)
        assert node["url"] == BASE + page.parent.relative_to(out).as_posix() + "/"
        assert node["isPartOf"]["url"] == BASE + page.parent.parent.relative_to(out).as_posix() + "/"
        crumbs = graph_node(page, "BreadcrumbList")["itemListElement"]
        assert [c["position"] for c in crumbs] == [1, 2, 3] and crumbs[-1]["item"] == node["url"]


def test_translation_links_in_json_ld(built):
    _, out = built
    zh = graph_node(out / "zh/editions/2020-12-21/rcep-base/index.html", "NewsArticle")
    en = graph_node(out / "en/editions/2020-12-21/rcep-base/index.html", "NewsArticle")
    assert zh["@id"] == BASE + "zh/editions/2020-12-21/rcep-base/#article"
    assert [w["@id"] for w in zh["workTranslation"]] == [en["@id"]]
    assert zh["workTranslation"][0]["inLanguage"] == "en"
    assert en["translationOfWork"]["@id"] == zh["@id"] and en["translationOfWork"]["inLanguage"] == "zh-Hans"
    assert "translationOfWork" not in zh and "workTranslation" not in en
    assert en["translator"] == {"@type": "Person", "name": "Test Desk"}
    alone = graph_node(out / "zh/editions/2020-12-21/volunteers/index.html", "NewsArticle")
    assert "translationOfWork" not in alone and "workTranslation" not in alone


def test_news_article_values(built):
    _, out = built
    node = graph_node(out / "zh/editions/2020-12-21/rcep-base/index.html", "NewsArticle")
    assert node["headline"] == "“青岛力量”乘势而上"
    assert node["inLanguage"] == "zh-Hans"
    assert node["datePublished"] == node["dateModified"] == "2020-12-21T00:00:00+08:00"
    assert node["author"] == [{"@type": "Person", "name": "本报记者 李媛"}]
    assert node["publisher"]["name"] == "测试摘要"
    assert node["articleSection"] == "经济"
    assert node["keywords"] == ["区域全面经济伙伴关系协定", "市北区"]
    assert node["isPartOf"]["name"] == "测试摘要 · 2020年12月21日"


def test_edition_page_has_breadcrumbs(built):
    _, out = built
    crumbs = graph_node(out / "en/editions/2020-12-21/index.html", "BreadcrumbList")["itemListElement"]
    assert [(c["name"], c["item"]) for c in crumbs] == [
        ("Home", BASE + "en/"), ("Editions", BASE + "en/editions/"),
        ("Test Digest · December 21, 2020", BASE + "en/editions/2020-12-21/")]
    assert json_ld(out / "en/index.html") == []


def test_open_graph_and_twitter_on_an_article(built):
    _, out = built
    meta = head_of(out / "en/editions/2020-12-21/rcep-base/index.html").meta
    assert meta["og:type"] == ["article"]
    assert meta["og:title"] == meta["twitter:title"] == ["Qingdao moves fast on the new trade pact"]
    assert meta["og:url"] == [BASE + "en/editions/2020-12-21/rcep-base/"]
    assert meta["og:site_name"] == ["Test Digest"]
    assert meta["og:locale"] == ["en_US"] and meta["og:locale:alternate"] == ["zh_CN"]
    assert meta["article:published_time"] == ["2020-12-21T00:00:00+08:00"]
    assert meta["article:section"] == ["Economy"]
    assert meta["article:tag"] == ["RCEP", "Shibei District"]
    assert meta["twitter:card"] == ["summary"]
    assert meta["description"] == meta["og:description"] == meta["twitter:description"]
    assert meta["description"][0].startswith("On November 15, fifteen countries")


def test_open_graph_on_list_pages(built):
    _, out = built
    home = head_of(out / "zh/index.html").meta
    assert home["og:type"] == ["website"] and home["og:locale"] == ["zh_CN"]
    assert home["og:description"] == ["测试用的双语摘要。"]
    edition = head_of(out / "zh/editions/2020-12-21/index.html").meta
    assert edition["og:title"] == ["测试摘要 · 2020年12月21日"]
    assert edition["description"] == ["本期两篇文章。"]
    alone = head_of(out / "zh/editions/2020-12-21/volunteers/index.html").meta
    assert "og:locale:alternate" not in alone


def test_hostile_title_cannot_break_out_of_json_ld_or_attributes(tmp_path):
    title = json.dumps(HOSTILE)  # a YAML double-quoted string is JSON-compatible
    project = make_project(tmp_path, files={
        "content/editions/2020-12-21/hostile.zh.md":
            f"---\ntitle: {title}\nsummary: {title}\nbyline: {title}\nsection: society\n---\n\n正文。\n"})
    _, out = build_project(project)
    page = out / "zh/editions/2020-12-21/hostile/index.html"
    head = head_of(page)
    node = graph_node(page, "NewsArticle")
    assert node["headline"] == node["description"] == HOSTILE
    assert node["author"][0]["name"] == HOSTILE
    assert head.meta["og:title"] == head.meta["description"] == [HOSTILE]
    raw = page.read_text(encoding="utf-8")
    script = raw[raw.index('<script type="application/ld+json">'):]
    script = script[:script.index("</script>")]
    assert "<" not in script[1:] and "&" not in script and "<!--" not in script


def test_script_json_escapes_markup_characters():
    text = str(script_json({"a": "</script><!-- & \u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


@pytest.mark.parametrize("locale, expected", [("zh_Hans_CN", "zh_CN"), ("en", "en_US"), ("en_GB", "en_GB"),
                                              ("zh_Hant_TW", "zh_TW"), ("ja", "ja_JP")])
def test_og_locale(locale, expected):
    assert og_locale_of(locale) == expected


@pytest.mark.parametrize("locale, expected", [("zh_Hans_CN", "zh-cn"), ("zh_Hant", "zh-tw"), ("zh_HK", "zh-tw"),
                                              ("en", "en"), ("fr_CA", "fr")])
def test_news_language(locale, expected):
    assert news_language(locale) == expected


def test_iso_datetime_in_site_time_zone():
    import datetime as dt
    utc = dt.datetime(2020, 12, 20, 17, 30, tzinfo=dt.timezone.utc)
    assert iso_datetime(utc, "Asia/Shanghai") == "2020-12-21T01:30:00+08:00"
    assert iso_datetime(dt.date(2020, 12, 21), "Asia/Shanghai") == "2020-12-21T00:00:00+08:00"
    assert iso_datetime("2020-12-21", "America/New_York") == "2020-12-21T00:00:00-05:00"
