"""Property-based tests (issue 11): generated front matter, Markdown bodies and config.yaml values.

For every generated project: `build` and `check` exit 0 or 1, never 3; every error line has the
form `path[:line]: error: …`; nothing is written outside the output folder; a failed build leaves
the previous site byte-identical; a successful build, repeated from scratch, gives identical output.

The `ci` profile (default, tests/conftest.py) runs a few dozen examples per test; run
`python -m pytest tests/test_properties.py --hypothesis-profile=long` for 10,000 each.
"""
from __future__ import annotations

import contextlib
import io
import re
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from conftest import FIXTURES, ROOT
from digest.cli import main

ARTICLE = "content/editions/2020-12-21/volunteers.zh.md"
ERROR_LINE = re.compile(r"^[^\s:][^:]*(:\d+)?: error: \S.*$")
WARNING_LINE = re.compile(r"^[^\s:][^:]*(:\d+)?: warning: \S.*$")
SUMMARY_LINE = re.compile(r"^[\d,]+ errors?, [\d,]+ warnings?(:| in )")
KNOWN_KEYS = ["title", "kicker", "subtitle", "section", "tags", "byline", "dateline", "summary", "source", "date",
              "updated", "order", "draft", "translation", "slug", "aliases", "untranslated", "title_note"]
ODD_TEXT = ["yes", "no", "~", "null", "2020-02-30", "2020-12-21", "0x1F", ".inf", "-.nan", "1e400", "!!python/object",
            "*alias", "&anchor x", "{", "[", "|", ">", "@", "`", "：", "\u202e", "\u200b", "\ufeff", "%", "- a",
            "a: b", "#", "\t", "2020-12-21T25:00:00", "com1", "../..", "/zh/a/", "\x00", "\x1b[31m"]

characters = st.characters(blacklist_categories=("Cs",))  # UTF-8 cannot hold lone surrogates
texts = st.text(characters, max_size=40) | st.sampled_from(ODD_TEXT)
scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.dates() | st.datetimes() | texts)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(texts, inner, max_size=4), max_leaves=12)
keys = st.sampled_from(KNOWN_KEYS) | texts


@st.composite
def front_matters(draw) -> str:
    """YAML front matter: a dumped mapping of random keys and values, or raw `key: text` lines."""
    mapping = draw(st.dictionaries(keys, values, max_size=6))
    if draw(st.booleans()):
        mapping.setdefault("title", draw(texts))
        mapping.setdefault("section", draw(st.sampled_from(["society", "economy", "nope"])))
        text = yaml.safe_dump(mapping, allow_unicode=draw(st.booleans()), default_flow_style=draw(st.booleans()))
    else:
        lines = draw(st.lists(st.tuples(keys, texts), max_size=6))
        text = "title: t\nsection: society\n" + "".join(f"{k}: {v}\n" for k, v in lines)
    return text


FRAGMENTS = ["[", "]", "(", ")", "*", "**", "_", "__", "`", "```", "~~~", "<b>", "</b>", "<script>", "<iframe src=x>",
             "<img src=x onerror=y>", "[a](javascript:x)", "[a](../2020-12-20/poverty-fund.zh.md)", "![i](x.png)",
             "\n\n", "\n", "    ", "# ", "## ", "> ", "- ", "1. ", "|a|b|\n|-|-|\n", "[^1]", "[^1]: n", "{: .x}",
             "&amp;", "&#0;", "<!--", "-->", "\\", "中文", "\u202e", "\u200b", "\x00", "\r\n", "---", "..."]
bodies = st.lists(st.sampled_from(FRAGMENTS) | st.text(characters, max_size=30)
                  | st.builds(lambda c, n: c * n, st.sampled_from(["[", "*", "_", "<", "a", "`", "中"]),
                              st.integers(1, 3000)), max_size=30).map("".join)

config_values = st.fixed_dictionaries({}, optional={
    "per_page": scalars, "feed_size": scalars, "timezone": texts, "untranslated": texts, "cname": scalars,
    "sitemap_limit": scalars, "original_language": st.sampled_from(["zh", "en", "fr"]) | texts,
    "limits": values, "check": values, "publish": values, "description": values, "base_url": texts,
})


def write_project(folder: Path, front: str | None = None, body: str = "", config: dict | None = None) -> Path:
    """The basic fixture (templates copied: a link leading out of the project is refused) with one article and
    config.yaml replaced."""
    project = folder / "project"
    shutil.copytree(FIXTURES / "basic", project)
    shutil.copytree(ROOT / "templates", project / "templates")
    (project / "static").mkdir()
    (project / "static/style.css").write_text("body {}\n", encoding="utf-8")
    if front is not None:
        (project / ARTICLE).write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")
    if config is not None:
        base = yaml.safe_load((project / "config.yaml").read_text(encoding="utf-8"))
        (project / "config.yaml").write_text(yaml.safe_dump({**base, **config}, allow_unicode=True),
                                             encoding="utf-8")
    return project


def run(project: Path, *args: str) -> tuple[int, str, str]:
    """The command line in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--root", str(project), *args])
    return code, out.getvalue(), err.getvalue()


def files(folder: Path, skip: tuple = ()) -> dict[str, bytes]:
    """Every file below folder with its bytes (folders named in `skip` left out)."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink() and not set(skip) & set(p.relative_to(folder).parts)}


def assert_lines_well_formed(text: str) -> None:
    """Every line of problems is `path[:line]: error|warning: …` or a count."""
    for line in text.splitlines():
        if line.startswith("built ") or not line.strip():
            continue
        assert ERROR_LINE.match(line) or WARNING_LINE.match(line) or SUMMARY_LINE.match(line), line


def assert_build_properties(project: Path) -> None:
    """The promises of issue 11 for one generated project (the site was built from good content first)."""
    out = project.parent / "site"
    before_site = files(out)
    before_project = files(project, skip=("templates", ".cache"))  # .cache: the build's own state (SPEC §6)
    code, stdout, stderr = run(project, "build", "--out", str(out))
    assert code in (0, 1), stderr
    assert "Traceback" not in stderr
    assert_lines_well_formed(stderr)
    assert files(project, skip=("templates", ".cache")) == before_project, "the build wrote into the project"
    assert sorted(p.name for p in project.parent.iterdir()) == ["project", "site"], "written beside the output"
    if code == 1:
        assert ": error: " in stderr
        assert files(out) == before_site, "a failed build changed the previous site"
    else:
        again = project.parent / "again"
        assert run(project, "build", "--clean", "--out", str(again))[0] == 0
        assert files(again) == files(out), "two builds differ"
        shutil.rmtree(again)
    code, stdout, stderr = run(project, "check")
    assert code in (0, 1), stdout + stderr
    assert_lines_well_formed(stdout)


_GOOD: list = []  # (holder, site folder) of the good site, built once per session


def good_site() -> Path:
    """The fixture site built once; each example starts from a copy of it as `the previous site`."""
    if not _GOOD:
        holder = tempfile.TemporaryDirectory(prefix="digest-prop-good-")
        project = write_project(Path(holder.name))
        assert run(project, "build", "--out", str(Path(holder.name) / "site"))[0] == 0
        _GOOD.append((holder, Path(holder.name) / "site"))
    return _GOOD[0][1]


def generated_project(front: str | None = None, body: str = "", config: dict | None = None):
    """A temporary folder holding a copy of the good site in site/, and the generated project."""
    holder = tempfile.TemporaryDirectory(prefix="digest-prop-")
    folder = Path(holder.name)
    shutil.copytree(good_site(), folder / "site")
    write_project(folder, front, body, config)
    return holder, folder / "project"


@given(front=front_matters(), body=st.sampled_from(["正文。", "Text.", ""]))
@example(front="title: t\nsection: society\ndate: 2020-02-30\n", body="x")
@example(front="title: t\nsection: society\nslug: con\n", body="x")
@example(front="title: t\nsection: society\naliases: ['/zh/a\\0b/']\n", body="x")
def test_any_front_matter(front, body):
    holder, project = generated_project(front, body)
    with holder:
        assert_build_properties(project)


@given(body=bodies)
@example(body="[" * 8000)
@example(body="<script>x</script> [a](javascript:y)")
def test_any_markdown_body(body):
    holder, project = generated_project("title: 标题\nsection: society\n", body)
    with holder:
        assert_build_properties(project)


@given(config=config_values)
@example(config={"limits": {"max_file_kb": 0}})
@example(config={"check": {"allow_html": "script"}})
def test_any_config_values(config):
    holder, project = generated_project(config=config)
    with holder:
        assert_build_properties(project)


NAME_PARTS = st.sampled_from(["id_rsa", ".env", ".", "#", "~", ".swp", ".bak", ".key", "con", "lpt1", "nul", " ",
                              "\u3000", "\t", ":", "*", "a", "中", "-", "_", ".md", "thumbs.db", "desktop.ini"])


@given(st.lists(st.one_of(NAME_PARTS, st.text(max_size=3)), min_size=1, max_size=6).map("".join).filter(bool))
@example(".DS_Store")
@example("server.KEY")
@example("com1 .txt")
def test_the_walks_fast_test_of_a_name_misses_no_name_a_rule_would_refuse(name):
    """sources.noticed is the walk's shortcut: any name that is hidden, secret, a leftover or a name some file
    system cannot hold must get past it to the rules (the length rule is tested apart by the walk)."""
    from digest import sources, urls
    flagged = (name.startswith(".") or sources.is_secret(name) or sources.is_leftover(name)
               or (urls.name_problem(name) is not None and not urls.name_problem(name).startswith("is over")))
    if flagged:
        assert sources.noticed(name.lower())
