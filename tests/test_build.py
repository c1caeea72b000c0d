"""The basic fixture site built end to end: pages, languages, switcher, links under a base path."""
from __future__ import annotations

import re

from conftest import build_project, make_project
from sitecrawl import broken_links, html_pages, page_url, parse_page

BASE = "https://example.org/digest/"

SPEC_PAGES = [
    "index.html", "404.html",
    "zh/index.html", "en/index.html",
    "zh/editions/index.html", "en/editions/index.html",
    "zh/editions/2020-12-21/index.html", "en/editions/2020-12-21/index.html",
    "zh/editions/2020-12-21/rcep-base/index.html", "en/editions/2020-12-21/rcep-base/index.html",
    "zh/editions/2020-12-21/volunteers/index.html",
    "zh/editions/2020-12-20/poverty-fund/index.html", "en/editions/2020-12-20/poverty-fund/index.html",
    "zh/sections/economy/index.html", "en/sections/economy/index.html", "zh/sections/government/index.html",
    "zh/tags/index.html", "en/tags/index.html", "zh/tags/rcep/index.html", "en/tags/shibei/index.html",
    "zh/archive/index.html", "en/archive/index.html",
    "zh/about/index.html", "en/about/index.html",
    "css/digest.css",
]


def read(out, rel):
    return (out / rel).read_text(encoding="utf-8")


def test_every_spec_page_exists(built):
    result, out = built
    missing = [rel for rel in SPEC_PAGES if not (out / rel).is_file()]
    assert missing == []
    assert not (out / "en/editions/2020-12-21/volunteers/index.html").exists()
    assert result.pages["zh"] > 10 and result.pages["en"] > 10


def test_html_lang_and_canonical_on_every_page(built):
    _, out = built
    for path in html_pages(out):
        page = parse_page(path)
        assert page.lang in ("zh-Hans", "en"), path
        if page.refresh is None:
            expected = page_url(out, path, BASE)
            assert page.canonical == expected, path


def test_hreflang_alternates_are_reciprocal_with_x_default(built):
    _, out = built
    for path in html_pages(out):
        page = parse_page(path)
        if not page.alternates or path.name == "404.html":
            continue
        me = page_url(out, path, BASE)
        assert "x-default" in page.alternates, path
        assert me in page.alternates.values(), f"{path} does not list itself"
        for hreflang, url in page.alternates.items():
            if hreflang == "x-default":
                continue
            other = out / url[len(BASE):] / "index.html"
            assert other.is_file(), f"{path}: alternate {url} does not exist"
            assert parse_page(other).alternates == page.alternates, f"{path} <-> {other} not reciprocal"


def test_untranslated_article_switcher_falls_back_to_the_edition(built):
    _, out = built
    html = read(out, "zh/editions/2020-12-21/volunteers/index.html")
    switcher = html.split('class="switcher"')[1].split("</nav>")[0]
    assert "本文暂无English版本" in switcher
    assert 'href="../../../../en/editions/2020-12-21/"' in switcher
    assert 'hreflang="en" href' not in html.split("</head>")[0]


def test_translated_article_switcher_leads_to_the_translation(built):
    _, out = built
    html = read(out, "zh/editions/2020-12-21/rcep-base/index.html")
    switcher = html.split('class="switcher"')[1].split("</nav>")[0]
    assert 'href="../../../../en/editions/2020-12-21/rcep-base/"' in switcher and ">English<" in switcher


def test_notice_policy_lists_untranslated_original_with_label(built):
    _, out = built
    html = read(out, "en/editions/2020-12-21/index.html")
    item = html.split("item-untranslated")[1].split("</article>")[0]
    assert "“七帮”项目打造志愿服务品牌" in item and "Not yet translated" in item
    assert 'href="../../../zh/editions/2020-12-21/volunteers/"' in item
    assert 'lang="zh-Hans"' in html.split("item-untranslated")[0][-200:] + item


def test_hide_policy_per_article_removes_it_from_other_lists(tmp_path):
    project = make_project(tmp_path, files={"content/editions/2020-12-21/volunteers.zh.md": (
        "---\ntitle: 七帮\nsection: society\nuntranslated: hide\n---\n\n正文。\n")})
    _, out = build_project(project)
    assert "七帮" not in read(out, "en/editions/2020-12-21/index.html")
    assert "七帮" in read(out, "zh/editions/2020-12-21/index.html")


def test_article_page_shows_kicker_title_byline_dateline_and_dates(built):
    _, out = built
    zh = read(out, "zh/editions/2020-12-21/rcep-base/index.html")
    en = read(out, "en/editions/2020-12-21/rcep-base/index.html")
    assert '<p class="kicker">借力RCEP东风——</p>' in zh and "<h1>“青岛力量”乘势而上</h1>" in zh
    assert "本报记者 李媛" in zh and "本报青岛讯" in zh and "2020年12月21日" in zh
    assert "December 21, 2020" in en and "QINGDAO" in en and "Translated by Test Desk" in en


def test_chinese_soft_line_break_becomes_nothing(built):
    _, out = built
    zh = read(out, "zh/editions/2020-12-21/rcep-base/index.html")
    assert "区域全面经济伙伴关系协定。作为“双节点”" in zh


def test_source_path_links_become_page_links_in_the_same_language(built):
    _, out = built
    zh = read(out, "zh/editions/2020-12-21/rcep-base/index.html")
    en = read(out, "en/editions/2020-12-21/rcep-base/index.html")
    assert '<a href="../../../../zh/editions/2020-12-21/volunteers/">志愿服务</a>' in zh
    # no English version: the link leads to the original rather than nowhere
    assert '<a href="../../../../zh/editions/2020-12-21/volunteers/">volunteers</a>' in en


def test_inherited_metadata_reaches_the_translation(built):
    _, out = built
    en = read(out, "en/editions/2020-12-21/rcep-base/index.html")
    assert 'href="../../../../en/sections/economy/">Economy</a>' in en
    assert ">Shibei District</a>" in en  # tag given by its Chinese label in the original
    assert "Machine translation" in read(out, "en/editions/2020-12-20/poverty-fund/index.html")


def test_edition_navigation(built):
    _, out = built
    edition = read(out, "zh/editions/2020-12-21/index.html")
    assert 'href="../../../zh/editions/2020-12-20/"' in edition


def test_edition_order_follows_edition_yaml(built):
    _, out = built
    html = read(out, "zh/editions/2020-12-21/index.html")
    assert html.index("乘势而上") < html.index("七帮")


def test_links_resolve_under_the_base_path_and_at_the_root(built):
    _, out = built
    assert broken_links(out, BASE) == []
    assert broken_links(out, "http://127.0.0.1:8000/") == []


def test_404_page_links_are_absolute_from_the_base_path(built):
    _, out = built
    html = read(out, "404.html")
    assert 'href="/digest/zh/"' in html and 'href="/digest/css/digest.css"' in html


def test_aliases_become_redirect_pages(tmp_path):
    project = make_project(tmp_path, files={"content/editions/2020-12-20/poverty-fund.zh.md": (
        "---\ntitle: 扶贫\nsection: government\naliases: [/zh/old/poverty/]\n---\n\n正文。\n")})
    _, out = build_project(project)
    html = read(out, "zh/old/poverty/index.html")
    assert 'http-equiv="refresh" content="0; url=../../../zh/editions/2020-12-20/poverty-fund/"' in html
    assert '<link rel="canonical" href="https://example.org/digest/zh/editions/2020-12-20/poverty-fund/">' in html


def test_landing_page_shows_the_latest_edition_in_both_languages(built):
    _, out = built
    html = read(out, "index.html")
    assert "测试摘要 · 2020年12月21日" in html and "Test Digest · December 21, 2020" in html
    assert re.search(r'<section class="landing-column" lang="en"', html)


def test_drafts_are_left_out_unless_asked(tmp_path):
    project = make_project(tmp_path, files={"content/editions/2020-12-21/secret.zh.md": (
        "---\ntitle: 草稿\nsection: society\ndraft: true\n---\n\n正文。\n")})
    _, out = build_project(project)
    assert not (out / "zh/editions/2020-12-21/secret").exists()
    _, out = build_project(project, drafts=True)
    assert (out / "zh/editions/2020-12-21/secret/index.html").is_file()
