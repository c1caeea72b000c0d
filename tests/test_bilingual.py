"""Bilingual (side-by-side) pages: pairs, paragraph ids, alignment markers, glossary marks, noindex."""
from __future__ import annotations

import json
import re

import pytest

from conftest import ROOT, build_project, make_project, run_cli
from digest.bilingual import Glossary, mark_terms, term_pattern
from digest.body import shape
from digest.markdown import convert
from digest.translations import Pair, pair_blocks

E = "content/editions/2020-12-19/"
# Blocks of the original: 1 p, 2 p, 3 p, 4 heading, 5 p, 6 p. The translator merged 2 and 3, and split 5.
ORIGINAL = """---
title: 对齐测试
section: economy
---

青岛市财政局今年联合青岛市扶贫办对财政扶贫资金开展监督检查，选取扶贫任务较重的7个区（市），以巡察问题整改落实情况为突破口，对历次巡察、审计、自查发现的涉及资金问题的整改落实情况进行检查。

检查共发现问题十二个。

截至目前，问题已全部整改到位，相关资金已经全部收回，并对有关责任人员进行了严肃处理。

## 下一步

下一步，市财政局将继续加大财政扶贫资金监管力度，建立健全长效机制，确保扶贫资金安全、规范、高效使用，坚决杜绝截留挪用、虚报冒领等问题发生，为打赢脱贫攻坚战提供坚实保障。

区域全面经济伙伴关系协定为青岛带来新机遇。
"""
TRANSLATION = """---
title: Alignment test
translation: {status: machine}
---

This year the Qingdao Municipal Finance Bureau, together with the city's Poverty Alleviation Office, inspected government poverty relief funds in seven districts and county-level cities selected for their relatively heavy workloads, checking whether problems with funds found by inspection tours, audits and self-inspections had been rectified.

The inspection found twelve problems. So far all of them have been rectified, the funds concerned have been fully recovered, and those responsible have been dealt with severely.{MERGE}

## Next steps

Next, the finance bureau will keep tightening its oversight of poverty relief funds and build a lasting mechanism to make sure the money is used safely, properly and efficiently.

It will resolutely prevent funds from being withheld or diverted and stop false claims, giving solid support to winning the battle against poverty.{SPLIT}

The [Regional Comprehensive Economic Partnership](https://example.org/rcep) brings Qingdao new opportunities, the Regional Comprehensive Economic Partnership says.
"""
MARKED = TRANSLATION.replace("{MERGE}", '\n{: data-pair="2-3" }').replace("{SPLIT}", '\n{: data-pair="5" }')
UNMARKED = TRANSLATION.replace("{MERGE}", "").replace("{SPLIT}", "")


def pair_ids(html: str) -> list[str]:
    """The ids of the pairs of a bilingual page, in order."""
    return re.findall(r'<div class="pair pair-(?:paragraph|heading)" id="([^"]+)"', html)


def block_ids(html: str) -> list[str]:
    """The ids of the top-level blocks of an article page's body."""
    body = html.split('<div class="story-body">', 1)[1].split("</div>", 1)[0]
    return [m for m in re.findall(r'^<[a-z0-9]+ id="([^"]+)"', body, re.M)]


@pytest.fixture
def aligned(tmp_path):
    """The basic fixture with an article whose translation merges two paragraphs and splits one, marked."""
    project = make_project(tmp_path, files={E + "align.zh.md": ORIGINAL, E + "align.en.md": MARKED})
    _, out = build_project(project)
    return project, out


def test_pair_blocks_groups_merges_and_splits_by_marker():
    pairs, problems = pair_blocks(6, [None, (2, 3), None, None, (5, 5), None])
    assert pairs == [Pair((0, 0), (0, 0)), Pair((1, 2), (1, 1)), Pair((3, 3), (2, 2)), Pair((4, 4), (3, 4)),
                     Pair((5, 5), (5, 5))]
    assert problems == []
    _, problems = pair_blocks(3, [None, (3, 3), None])
    assert [(p.index, p.expected) for p in problems] == [(1, 2)]


def test_shape_finds_top_level_blocks_and_leaves_footnotes_out():
    body, _ = shape(convert("One[^1].\n\n- a\n- b\n\n> q\n\n| a |\n|---|\n| 1 |\n\n---\n\n[^1]: note"))
    assert [b.tag for b in body.blocks] == ["p", "ul", "blockquote", "table", "hr"]
    assert body.notes.startswith('<div class="footnote">')


def test_glossary_marks_longest_match_outside_links_and_code():
    glossary = Glossary((("a", (("en", "SCO Demonstration Area"), ("zh", "上合示范区"))),
                         ("b", (("en", "SCO"), ("zh", "上合")))), "fp")
    pattern, forms = term_pattern(glossary, "en", "zh")
    html = mark_terms('<p>The SCO Demonstration Area, <a href="#">SCO</a> and <code>SCO</code>; SCOs.</p>',
                      pattern, forms, "zh-Hans")
    assert html.count('class="term"') == 1
    assert '<span class="term">SCO Demonstration Area<span class="term-gloss" lang="zh-Hans"> (上合示范区)</span>' in html


def test_markers_align_merged_and_split_paragraphs(aligned):
    project, out = aligned
    page = (out / "zh/editions/2020-12-19/align/bilingual/index.html").read_text(encoding="utf-8")
    assert pair_ids(page) == ["p1", "p2", "p4", "p5", "p6"]
    assert 'id="p3"' in page  # the merged original paragraph keeps its own id inside the pair
    assert 'data-pair' not in page
    pair5 = page.split('id="p5"', 1)[1].split('<p class="pair-links">', 1)[0]
    assert "Next, the finance bureau" in pair5 and "It will resolutely prevent" in pair5
    english = (out / "en/editions/2020-12-19/align/index.html").read_text(encoding="utf-8")
    assert block_ids(english) == ["p1", "p2", "p4", "p5", "p5-2", "p6"]
    assert '<span id="p3"></span>' in english  # …/align/#p3 finds the merged paragraph
    assert block_ids((out / "zh/editions/2020-12-19/align/index.html").read_text(encoding="utf-8")) == \
        ["p1", "p2", "p3", "p4", "p5", "p6"]
    done = run_cli(project, "check", "--format", "json")
    assert not [f for f in json.loads(done.stdout) if f["path"].endswith("align.en.md")
                and f["code"] in ("structure-mismatch", "pair-marker")]


def test_check_reports_unmarked_merge_and_split_at_their_lines(tmp_path):
    project = make_project(tmp_path, files={E + "align.zh.md": ORIGINAL, E + "align.en.md": UNMARKED})
    found = [f for f in json.loads(run_cli(project, "check", "--format", "json").stdout)
             if f["code"] == "structure-mismatch"]
    lines = UNMARKED.split("\n")
    merged = next(i for i, line in enumerate(lines, 1) if line.startswith("The inspection found"))
    second = next(i for i, line in enumerate(lines, 1) if line.startswith("It will resolutely"))
    assert [(f["path"], f["line"]) for f in found] == [(E + "align.en.md", merged), (E + "align.en.md", second)]
    assert "paragraph 2 (line 8) and paragraph 3 (line 10) of the original" in found[0]["message"]
    assert 'data-pair="2-3"' in found[0]["hint"] and 'data-pair="5"' in found[1]["hint"]


def test_marker_out_of_order_is_reported(tmp_path):
    wrong = MARKED.replace('{: data-pair="2-3" }', '{: data-pair="4" }')
    project = make_project(tmp_path, files={E + "align.zh.md": ORIGINAL, E + "align.en.md": wrong})
    found = [f for f in json.loads(run_cli(project, "check", "--format", "json").stdout) if f["code"] == "pair-marker"]
    assert len(found) == 1 and found[0]["line"] == wrong.split("\n").index('{: data-pair="4" }') + 1
    assert "next block to translate is 2" in found[0]["message"]


def test_bilingual_page_is_noindex_and_pairs_only_with_its_sibling(aligned):
    _, out = aligned
    page = (out / "en/editions/2020-12-19/align/bilingual/index.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex, follow">' in page
    assert '<link rel="canonical" href="https://example.org/digest/en/editions/2020-12-19/align/bilingual/">' in page
    alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page)
    assert {href for _, href in alternates} == {"https://example.org/digest/zh/editions/2020-12-19/align/bilingual/",
                                                "https://example.org/digest/en/editions/2020-12-19/align/bilingual/"}
    switcher = page.split('<nav class="switcher"', 1)[1].split("</nav>", 1)[0]
    assert 'href="../../../../../zh/editions/2020-12-19/align/bilingual/"' in switcher
    # the page's language first, labels in it; the machine translation says so on its column
    assert page.index('<div class="bi-col" lang="en">') < page.index('<div class="bi-col" lang="zh-Hans">')
    assert "Machine translation, not yet reviewed" in page
    assert ">Side by side</a>" in page and 'aria-current="page">Side by side' in page
    for name in ("sitemap.xml", "news-sitemap.xml", "en/feed.xml", "en/feed.json", "zh/feed.xml", "zh/feed.json"):
        assert "/bilingual/" not in (out / name).read_text(encoding="utf-8"), name


def test_glossary_terms_are_marked_in_both_columns_but_not_in_links(aligned):
    _, out = aligned
    page = (out / "zh/editions/2020-12-19/align/bilingual/index.html").read_text(encoding="utf-8")
    assert ('<span class="term">区域全面经济伙伴关系协定<span class="term-gloss" lang="en"> '
            '(Regional Comprehensive Economic Partnership)</span></span>') in page
    english = page.split('id="p6"', 1)[1].split('<p class="pair-links">', 1)[0]
    assert english.count('<span class="term">Regional Comprehensive Economic Partnership') == 1  # not in the link
    single = (out / "zh/editions/2020-12-19/align/index.html").read_text(encoding="utf-8")
    assert 'class="term"' not in single  # glossary_hints is off


def test_glossary_hints_mark_single_language_pages(tmp_path):
    project = make_project(tmp_path, files={E + "align.zh.md": ORIGINAL, E + "align.en.md": MARKED})
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "glossary_hints: true\n", encoding="utf-8")
    _, out = build_project(project)
    single = (out / "zh/editions/2020-12-19/align/index.html").read_text(encoding="utf-8")
    assert '<span class="term">区域全面经济伙伴关系协定<span class="term-gloss" lang="en">' in single


def test_untranslated_article_has_no_bilingual_page_nor_view_switch(built):
    _, out = built
    page = (out / "zh/editions/2020-12-21/volunteers/index.html").read_text(encoding="utf-8")
    assert not (out / "zh/editions/2020-12-21/volunteers/bilingual").exists()
    assert 'class="views"' not in page and "bilingual/" not in page


def test_every_page_links_the_icon(built):
    _, out = built
    assert (out / "favicon.svg").is_file() and (out / "favicon.ico").read_bytes()[:4] == b"\0\0\1\0"
    for page in list(out.rglob("*.html")):
        if ".digest" not in page.parts:
            assert 'rel="icon"' in page.read_text(encoding="utf-8"), page


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory):
    """The repository's own content, built once."""
    out = tmp_path_factory.mktemp("seed") / "site"
    build_project(ROOT, out)
    return out


def seed_articles() -> list[str]:
    """Slugs of the seed edition's translated articles."""
    folder = ROOT / "content/editions/2020-12-21"
    return sorted(p.name[:-6] for p in folder.glob("*.en.md") if (folder / (p.name[:-6] + ".zh.md")).exists())


def test_seed_every_translated_article_has_two_bilingual_pages_with_a_pair_per_block(seed_site):
    slugs = seed_articles()
    assert len(slugs) == 10
    for slug in slugs:
        zh = (seed_site / f"zh/editions/2020-12-21/{slug}/index.html").read_text(encoding="utf-8")
        en = (seed_site / f"en/editions/2020-12-21/{slug}/index.html").read_text(encoding="utf-8")
        originals = block_ids(zh)
        assert originals == [f"p{n}" for n in range(1, len(originals) + 1)], slug
        assert block_ids(en) == originals, slug
        for lang in ("zh", "en"):
            page = (seed_site / f"{lang}/editions/2020-12-21/{slug}/bilingual/index.html").read_text(encoding="utf-8")
            assert pair_ids(page) == originals, (slug, lang)
            for number in originals:  # each pair links to the same paragraph of both article pages
                assert f'../../../../../zh/editions/2020-12-21/{slug}/#{number}"' in page
                assert f'../../../../../en/editions/2020-12-21/{slug}/#{number}"' in page
        assert f'href="../../../../zh/editions/2020-12-21/{slug}/bilingual/"' in zh  # the view switch
        assert "中英对照" in zh and "Side by side" in en
