"""Pure functions of each stage: front matter, YAML traps, excerpts, reading time, dates, line breaks."""
from __future__ import annotations

import datetime as dt
import time

import pytest

from conftest import ROOT
from digest import urls
from digest.content import parse_file
from digest.frontmatter import parse_front_matter
from digest.i18n import long_date, month_name
from digest.markdown import convert, join_east_asian_lines
from digest.text import excerpt, reading_minutes
from digest.body import shape
from digest.yamlsafe import parse_yaml


def problems_of(text: str, kind: str = "article") -> list:
    """Parse a whole .md file's bytes; return its problems."""
    _, found, _ = parse_file(text.encode("utf-8"), "a.zh.md", kind)
    return found


def test_front_matter_splits_and_counts_lines():
    fm = parse_front_matter("---\ntitle: 标题\nsection: economy\n---\n\n正文\n", "a.zh.md")
    assert fm.meta == {"title": "标题", "section": "economy"}
    assert fm.key_lines == {"title": 2, "section": 3}
    assert fm.body.strip() == "正文"
    assert fm.body_line == 5


def test_missing_closing_fence_gets_a_hint():
    [problem] = parse_front_matter("---\ntitle: x\n\nbody\n", "a.zh.md").problems
    assert "never closed" in problem.message and "closing `---`" in problem.hint


def test_no_front_matter_is_an_error_naming_line_1():
    [problem] = parse_front_matter("just text\n", "a.zh.md").problems
    assert problem.line == 1 and "does not start with front matter" in problem.message


def test_duplicate_key_names_both_lines():
    [problem] = problems_of("---\ntitle: a\nsection: economy\ntitle: b\n---\n")
    assert problem.line == 4
    assert "duplicate key 'title' (first on line 2)" in problem.message


def test_fullwidth_colon_gets_a_hint():
    found = problems_of("---\ntitle：青岛\n---\n")
    assert found and found[0].line == 2 and "full-width colon" in found[0].message


def test_fullwidth_colon_after_a_good_line():
    found = problems_of("---\ntitle: 青岛\nsection：economy\n---\n")
    assert found and found[0].line == 3 and "full-width colon" in found[0].message


@pytest.mark.parametrize("value,word", [("no", "yes/no"), ("yes", "yes/no"), ("2020", "a number"),
                                        ("3.5", "a number")])
def test_yaml_coercions_are_caught_by_the_schema(value, word):
    found = problems_of(f"---\ntitle: {value}\nsection: economy\n---\n")
    assert any("`title` should be text" in p.message and word in p.message for p in found)


def test_python_tags_are_refused():
    found = problems_of("---\ntitle: !!python/object/apply:os.system ['echo hi']\n---\n")
    assert found and found[0].level == "error" and "python" in found[0].hint.lower()


def test_alias_bomb_is_refused_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9))
    started = time.perf_counter()
    result = parse_yaml(bomb)
    assert time.perf_counter() - started < 1.0
    assert result.data is None and "aliases" in result.problems[0][1]


def test_deep_nesting_is_refused():
    result = parse_yaml("a: " + "[" * 200 + "]" * 200)
    assert result.data is None and "nesting" in result.problems[0][1]


def test_unknown_key_is_a_warning_with_suggestion():
    found = problems_of("---\ntitle: 标题\nsectoin: economy\n---\n")
    [problem] = [p for p in found if p.code == "unknown-key"]
    assert problem.level == "warning" and "`section`" in problem.hint and problem.line == 3


def test_soft_line_breaks_vanish_between_chinese_but_not_english():
    assert convert("第一行\n第二行。") == "<p>第一行第二行。</p>"
    assert convert("first line\nsecond line") == "<p>first line\nsecond line</p>"
    assert join_east_asian_lines("“引语”\n继续") == "“引语”继续"
    assert join_east_asian_lines("<pre>代码\n代码</pre>") == "<pre>代码\n代码</pre>"


def test_chinese_excerpt_ends_at_a_sentence_end():
    body = "青岛市财政局加大财政扶贫资金监管力度。" * 3 + "今年联合青岛市扶贫办对财政扶贫资金开展监督检查，" * 5
    text = excerpt(shape(convert(body))[1].paragraphs)
    assert text.endswith("。") and len(text) <= 120


def test_chinese_excerpt_without_sentence_end_is_cut_by_characters():
    text = excerpt(shape(convert("很长的句子没有句号" * 40))[1].paragraphs)
    assert text.endswith("……") and len(text) == 122


def test_english_excerpt_by_words_never_inside_a_tag_or_entity():
    body = "Tom &amp; Jerry met <b>here</b> on a long day. " * 12
    text = excerpt(shape(convert(body))[1].paragraphs)
    assert "<" not in text and "&amp;" not in text and "Tom & Jerry" in text
    assert len(text.split()) <= 50 and text.endswith(".")


def test_reading_time_is_similar_for_a_text_and_its_translation():
    zh = "青" * 1500  # 1500 characters at 500 a minute: 3 minutes
    en = " ".join(["word"] * 690)  # 690 words at 230 a minute: 3 minutes
    assert reading_minutes(zh) == reading_minutes(en) == 3
    assert reading_minutes("") == 1


def test_dates_in_each_language():
    day = dt.date(2020, 12, 21)
    assert long_date(day, "zh_Hans_CN") == "2020年12月21日"
    assert long_date(day, "en") == "December 21, 2020"
    assert month_name(2020, 12, "zh_Hans_CN") == "2020年12月"
    assert month_name(2020, 12, "en") == "December 2020"


def test_relative_urls_work_from_any_depth():
    assert urls.relative("zh/editions/2020-12-21/a/", "en/tags/") == "../../../../en/tags/"
    assert urls.relative("", "zh/") == "zh/"
    assert urls.output_file("zh/") == "zh/index.html"
    assert urls.output_file("") == "index.html"


def test_plain_text_fast_path_changes_no_output():
    from digest.markdown import make_converter
    fast, slow = make_converter(), make_converter()
    slow.treeprocessors.deregister("plain_text_fast_path")
    samples = [path.read_text(encoding="utf-8").split("---", 2)[2]
               for path in sorted((ROOT / "content").rglob("*.md"))]
    samples += ["中文*强调*和`代码`，链接[a](b.md)。\n第二行  \n换行&amp; <b>x</b>", "Note[^1].\n\n[^1]: Text.",
                "<div>raw</div>\n\nplain", "a_b_c http://x.y <http://x.y>", "# T {: #id }\n\npara\\*x"]
    for text in samples:
        assert fast.reset().convert(text) == slow.reset().convert(text)
