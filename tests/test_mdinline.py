"""Markdown blocks as XLIFF content and back (digest/mdinline.py): what Python-Markdown makes of them is kept."""
from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.markdown import convert
from digest.mdinline import Ids, Tag, parse_block, plain_text, render_block, tags_of

BLOCKS = [
    "青岛**上合示范区**正式启动,见[报道](https://example.org/a \"标题\")[^1]。",
    "## “7+3”云述职",
    "### A heading with a closing ###",
    "Setext heading\n==============",
    "The *inspection* found __twelve__ problems\\* and `code` <sup>2</sup> &amp; more.",
    "- one\n- two *x*\n- three",
    "1. first\n2. second",
    "> quoted line\n> second *line*",
    "| a | b |\n|---|---|\n| c *d* | e |",
    "[^1]: 注释文字，\n    第二行。",
    "line one  \nline two\n第三行\n第四行",
    "***both*** and snake_case_word and _em_ [a [nested] link](u(1)) ![alt text](img.png)",
    "<https://example.org> and a <!-- c --> x &copy; &#x4e2d;",
    "A link [to an article](../2020-12-20/foo.zh.md) and [a reference][ref].",
    "Text with {: .class } inline and a # hash and 1. not a list",
    "```\ncode *not emphasis*\n```",
    "    indented code",
    "---",
    "<div>raw html</div>",
    "[ref]: https://example.org",
]


def shown(text: str) -> str:
    """The HTML Python-Markdown makes of a body, blanks collapsed (a line break and a space show alike) and
    characters written as entities (&copy;) as themselves."""
    html_text = re.sub(r"&(?!lt;|gt;|amp;|quot;)#?\w+;", lambda m: html.unescape(m.group()), convert(text))
    return re.sub(r"\s+", " ", html_text)


def roundtrip(text: str) -> tuple[str, dict, object]:
    """The block written back from its own content; the codes; the parsed block."""
    codes: dict = {}
    block = parse_block(text, Ids(), codes)
    return render_block(block, block.content, codes.__getitem__), codes, block


@pytest.mark.parametrize("text", BLOCKS)
def test_a_block_written_back_from_its_content_renders_the_same(text):
    written, _, block = roundtrip(text)
    references = "\n\n[^1]: note\n\n[ref]: https://example.org/ref\n"
    assert shown(written + references) == shown(text + references)
    again, _, same = roundtrip(written)
    assert same.content == block.content and again == written


def test_markup_becomes_elements_and_text_stays_text():
    _, codes, block = roundtrip("青岛**上合示范区**正式启动,见[报道](https://example.org/a)[^1]和`x`。")
    assert [(t.name, t.ctype) for t in tags_of(block.content)] == [
        ("g", "bold"), ("g", "link"), ("x", "x-footnote-ref"), ("ph", "x-code")]
    assert plain_text(block.content) == "青岛上合示范区正式启动,见报道和。"
    assert codes["2"].native + codes["2"].close == "[](https://example.org/a)"
    _, _, chinese = roundtrip("第一行\n第二行 and\nEnglish")
    assert chinese.content == ("第一行第二行 and English",)  # as the page shows the soft line breaks


def test_a_translators_text_is_escaped_so_markdown_shows_it_as_written():
    text = "5 * 3 = 15, [not a link], <b>not bold</b>, &copy; stays, snake_case, {: not attrs}"
    for start in ("", "# not a heading ", "- not a list ", "1. not a list ", "> not a quote "):
        block = parse_block("placeholder", Ids(), {})
        written = render_block(block, (start + text,), {}.__getitem__)
        seen = html.unescape(re.sub(r"<[^>]+>", "", convert(written)))
        assert seen.strip() == start + text, written


def test_the_frame_of_a_block_is_kept_out_of_the_content():
    _, _, heading = roundtrip("## 下一步 {: #next }")
    assert (heading.prefix, heading.content, heading.suffix, heading.heading) == ("## ", ("下一步",), " {: #next }", True)
    _, _, marked = roundtrip('The inspection found twelve problems.\n{: #x data-pair="2-3" }')
    assert (marked.content, marked.attrs) == (("The inspection found twelve problems.",), "#x")
    _, _, note = roundtrip("[^a]: A note.")
    assert (note.prefix, note.footnote) == ("[^a]: ", "a")
    _, _, code = roundtrip("```\nx = 1\n```")
    assert not code.translatable and code.content == (Tag("ph", "1", "x-block", ("```\nx = 1\n```",)),)


WORD = st.sampled_from(["城阳", "志愿服务", "word", "the", "snake_case", "5", "。", "，", "“引号”"])
SYMBOL = st.sampled_from(["*", "_", "[", "]", "(", ")", "`", "<", ">", "&", "&amp;", "#", "\\", "{", "}", "!", "-", "|"])
MARK = st.sampled_from(["*{}*", "**{}**", "_{}_", "[{}](https://example.org/x)", "`{}`", "{}[^1]", "{}"])
PART = st.one_of(st.tuples(MARK, st.lists(WORD, min_size=1, max_size=4)), st.tuples(st.just("{}"), st.lists(SYMBOL, min_size=1)))


@given(st.lists(PART, min_size=1, max_size=6))
def test_any_mix_of_markup_and_text_survives_the_round_trip(parts):
    """A paragraph with markup as editors write it, words and loose symbols between: Python-Markdown shows the
    same either way. (What a block's first characters make of it is the escaping test's matter.)"""
    text = "起 " + " ".join(mark.format(" ".join(words)) for mark, words in parts)
    references = "\n\n[^1]: note\n"
    written, _, block = roundtrip(text)
    assert shown(written + references) == shown(text + references)
    again, _, same = roundtrip(written)
    assert same.content == block.content


@given(st.text(alphabet="ab 中文*_[]()`<>&#\\{}!-+.|=:;~^\"'1234567890", min_size=1, max_size=40))
def test_any_text_a_translator_types_is_shown_as_typed(text):
    """Whatever characters a target holds, the page shows them, not markup."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return
    block = parse_block("placeholder", Ids(), {})
    written = render_block(block, (text,), {}.__getitem__)
    assert html.unescape(re.sub(r"<[^>]+>", "", convert(written))).strip() == text, written
    assert parse_block(written, Ids(), {}).content == (text,)
