"""Issue 26: what editors paste (and what someone hostile would): raw HTML, control characters, messages.

Rows of tests/BAD_INPUTS.md marked `I` are here.
"""
from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import make_project, require_tool
from digest import rawhtml
from digest.cli import main

EDITION = "content/editions/2020-12-21"
ARTICLE = f"{EDITION}/volunteers.zh.md"
HEAD = "---\ntitle: 标题\nsection: society\n---\n\n开始标记。\n\n"  # the payload starts on line 8
TAIL = "\n\n结束标记。\n"


@pytest.fixture
def cli(capsys):
    """Run the command line in-process: (exit code, stdout, stderr)."""
    def run(project: Path, *args: str) -> tuple[int, str, str]:
        code = main(["--root", str(project), *args])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def add_config(project: Path, text: str) -> None:
    """Append settings to the project's config.yaml."""
    config = project / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + text, encoding="utf-8")


# ---------------------------------------------------------------- raw HTML that runs script (item 7)

# (name, body, the words of the error, line of the error counted from the payload's first line).
# The first six are the issue's; every one of them is copied into the page by a build in `warn` mode.
PAYLOADS = [
    ("newline-before-handler", "<img src=x\nonerror=alert(1)>", "an event handler (onerror=)", 0),
    ("leading-space-url", '<a href=" javascript:alert(1)">x</a>', "a javascript: link", 0),
    ("newline-in-scheme", '<a href="java\nscript:alert(1)">x</a>', "a javascript: link", 0),
    ("newline-in-div", '<div\nonclick="alert(1)">x</div>', "an event handler (onclick=)", 0),
    ("newline-before-equals", "<img src=x onerror\n=alert(1)>", "an event handler (onerror=)", 0),
    ("style-url", "<style>p { background: url(javascript:alert(1)) }</style>", "CSS with a javascript: URL", 0),
    ("script", "<script>alert(1)</script>", "raw <script>", 0),
    ("script-src-upper", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>", "raw <script>", 0),
    ("img-onerror", "<img src=x onerror=alert(1)>", "an event handler (onerror=)", 0),
    ("svg-onload", "<svg onload=alert(1)>", "an event handler (onload=)", 0),
    ("svg-slash", "<svg/onload=alert(1)>", "an event handler (onload=)", 0),
    ("body-onload", "<body onload=alert(1)>", "an event handler (onload=)", 0),
    ("iframe-js", '<iframe src="javascript:alert(1)"></iframe>', "raw <iframe>", 0),
    ("object-data", '<object data="javascript:alert(1)"></object>', "raw <object>", 0),
    ("embed-data", '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">', "a data: link", 0),
    ("decimal-entities", '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
     "a javascript: link", 0),
    ("tab-entity", '<a href="jav&#x09;ascript:alert(1)">x</a>', "a javascript: link", 0),
    ("mixed-case", "<a href=JaVaScRiPt:alert(1)>x</a>", "a javascript: link", 0),
    ("vbscript", '<a href="vbscript:msgbox(1)">x</a>', "a vbscript: link", 0),
    ("form-action", '<form action="javascript:alert(1)"><button>x</button></form>', "raw <form>", 0),
    ("formaction", '<button formaction="javascript:alert(1)">x</button>', "a javascript: link", 0),
    ("details-ontoggle", "<details open ontoggle=alert(1)><summary>x</summary></details>",
     "an event handler (ontoggle=)", 0),
    ("autofocus-onfocus", "<input autofocus onfocus=alert(1)>", "an event handler (onfocus=)", 0),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', "raw <meta http-equiv>", 0),
    ("base-href", '<base href="javascript:alert(1)//">', "raw <base>", 0),
    ("link-stylesheet", '<link rel="stylesheet" href="javascript:alert(1)">', "raw <link>", 0),
    ("style-attribute", '<p style="background-image: url(&#x27;javascript:alert(1)&#x27;)">x</p>',
     "CSS with a javascript: URL", 0),
    ("css-expression", '<p style="width: expr/**/ession(alert(1))">x</p>', "CSS with expression()", 0),
    ("source-onerror", '<video><source onerror="alert(1)"></video>', "an event handler (onerror=)", 0),
    ("empty-comment", "<!--><img src=x onerror=alert(1)>-->", "an event handler (onerror=)", 0),
    ("noscript-title", '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
     "an event handler (onerror=)", 0),
    ("cdata", "<![CDATA[><img src=x onerror=alert(1)>]]>", "an event handler (onerror=)", 0),
    ("unclosed-tag", "<img src=x onerror=alert(1)//", "an event handler (onerror=)", 0),
    ("markdown-link", "[点我](javascript:alert(1))", "a javascript: link", 0),
    ("markdown-link-over-lines", "[点我]( java\nscript:alert(1))", "a javascript: link", 0),
    ("markdown-image-entity", "![图](&#106;avascript:alert(1))", "a javascript: link", 0),
    ("markdown-reference", "[点我][r]\n\n[r]: javascript:alert(1)", "a javascript: link", 2),
    ("html-block-code-span", "<div>\n`<img src=x onerror=alert(1)>`\n</div>", "an event handler (onerror=)", 1),
    ("unclosed-fence", "```\n<script>alert(1)</script>", "raw <script>", 1),
]
LINE = HEAD.count("\n") + 1
UNSAFE_OUTPUT_RE = re.compile(r"""<[^<>]*(?:\son[a-z]+\s*=|(?:href|src|action|formaction|data|poster|background)\s*=\s*["']?\s*"""
                              r"""(?:javascript|vbscript|data):)|<(?:script|style|iframe|object|embed|form|base|link|"""
                              r"""meta|svg|math|noscript)\b|url\(|expression\(""", re.I)


def payload_path(name: str) -> str:
    return f"{EDITION}/xss-{name}.zh.md"


@pytest.fixture(scope="module")
def payload_runs(tmp_path_factory):
    """One project holding every payload, checked once and built in each raw_html mode."""
    base = make_project(tmp_path_factory.mktemp("xss"))
    for name, body, _, _ in PAYLOADS:
        (base / payload_path(name)).write_text(HEAD + body + TAIL, encoding="utf-8")
    runs = {}
    for mode in ("warn", "strip", "allow"):
        project = base.parent / mode
        shutil.copytree(base, project)
        add_config(project, f"raw_html: {mode}\n")
        runs[mode] = {"check": run(project, "check"), "build": run(project, "build"), "project": project}
    return runs


def run(project: Path, *args: str) -> tuple[int, str, str]:
    """The command line in-process, its output captured."""
    import contextlib
    import io
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--root", str(project), *args])
    return code, out.getvalue(), err.getvalue()


def page_body(project: Path, name: str) -> str:
    """The article's body as built: the HTML between the two marker paragraphs."""
    html = (project / f"site/zh/editions/2020-12-21/xss-{name}/index.html").read_text(encoding="utf-8")
    return html.rsplit("开始标记。", 1)[1].split("结束标记。", 1)[0]  # the last: meta tags hold an excerpt first


@pytest.mark.parametrize("name,body,words,offset", PAYLOADS, ids=[p[0] for p in PAYLOADS])
def test_every_script_payload_is_a_check_error_with_its_line(payload_runs, name, body, words, offset):
    code, out, _ = payload_runs["warn"]["check"]
    assert code == 1
    wanted = f"{payload_path(name)}:{LINE + offset}: error: {words}"
    assert any(line.startswith(wanted) for line in out.splitlines()), f"{wanted!r} not in:\n" + "\n".join(
        line for line in out.splitlines() if f"xss-{name}." in line)


@pytest.mark.parametrize("name,body,words,offset", PAYLOADS, ids=[p[0] for p in PAYLOADS])
def test_warn_builds_and_warns_with_file_and_line(payload_runs, name, body, words, offset):
    code, _, err = payload_runs["warn"]["build"]
    assert code == 0, err
    assert f"{payload_path(name)}:{LINE + offset}: warning: {words}" in err


@pytest.mark.parametrize("name,body,words,offset", PAYLOADS, ids=[p[0] for p in PAYLOADS])
def test_strip_removes_what_runs_code_and_says_so(payload_runs, name, body, words, offset):
    code, _, err = payload_runs["strip"]["build"]
    assert code == 0, err
    assert f"{payload_path(name)}:{LINE + offset}: warning: {words}" in err and "removed from the page" in err
    body_html = page_body(payload_runs["strip"]["project"], name)
    assert not UNSAFE_OUTPUT_RE.search(body_html), body_html
    feed = json.loads((payload_runs["strip"]["project"] / "site/zh/feed.json").read_text(encoding="utf-8"))
    assert not [item["url"] for item in feed["items"] if UNSAFE_OUTPUT_RE.search(item["content_html"])]


def test_allow_keeps_raw_html_quietly_but_check_still_reports_it(payload_runs):
    code, _, err = payload_runs["allow"]["build"]
    assert code == 0 and "event handler" not in err and "javascript" not in err
    assert 'onerror="alert(1)"' in page_body(payload_runs["allow"]["project"], "img-onerror")  # body.py quotes it
    code, out, _ = payload_runs["allow"]["check"]
    assert code == 1 and f"{payload_path('img-onerror')}:{LINE}: error: an event handler" in out


def test_strip_keeps_what_is_safe(project, cli):
    add_config(project, "raw_html: strip\n")
    (project / ARTICLE).write_text(HEAD + "H<sub>2</sub>O 与 <ruby>青<rt>qīng</rt></ruby>岛 <b>加粗</b>。"
                                   "<img src=x onerror=alert(1)>\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n"
                                   "见[另一篇](rcep-base.zh.md)。[^1]\n\n[^1]: 注释。" + TAIL, encoding="utf-8")
    code, _, err = cli(project, "build")
    assert code == 0, err
    body = (project / "site/zh/editions/2020-12-21/volunteers/index.html").read_text(encoding="utf-8")
    for kept in ("<sub>2</sub>", "<rt>qīng</rt>", "<b>加粗</b>", 'style="text-align:left"', 'href="#fn:1"',
                 'href="../../../../zh/editions/2020-12-21/rcep-base/"'):
        assert kept in body, kept
    assert "onerror" not in body


@pytest.mark.parametrize("setting,allowed", [("allow_html: [script, img]", ("raw <script>", "onerror")),
                                             ("allow_schemes: [javascript]", ("javascript",))])
def test_check_allow_lists_still_allow_what_they_name(project, cli, setting, allowed):
    add_config(project, f"check: {{{setting}}}\n")
    (project / ARTICLE).write_text(HEAD + "<script>x()</script>\n\n<img src=a.png onerror=x()>\n\n"
                                   "[a](javascript:x())" + TAIL, encoding="utf-8")
    code, out, _ = cli(project, "check")
    assert code == 1
    for word in allowed:
        assert not any(word in line and ": error: " in line for line in out.splitlines()), out


def test_a_warm_build_warns_about_scripts_like_a_cold_one(project, cli):
    (project / ARTICLE).write_text(HEAD + "<img src=x onerror=alert(1)>" + TAIL, encoding="utf-8")
    assert "event handler (onerror=)" in cli(project, "build")[2]
    other = project / f"{EDITION}/rcep-base.en.md"
    other.write_text(other.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    code, _, err = cli(project, "build")  # the article comes from the build cache now
    assert code == 0 and f"{ARTICLE}:{LINE}: warning: an event handler (onerror=)" in err


def test_raw_html_setting_is_checked(project, cli):
    add_config(project, "raw_html: remove\n")
    code, _, err = cli(project, "build")
    assert code == 1 and "config.yaml:13: error: raw_html: expected one of allow, warn, strip" in err


def test_code_is_never_a_script(project, cli):
    (project / ARTICLE).write_text(HEAD + "`<script>` 与 ``<img onerror=x>``\n\n```html\n<script>x</script>\n```\n\n"
                                   "~~~~\n<iframe src=javascript:x>\n~~~~" + TAIL, encoding="utf-8")
    code, out, _ = cli(project, "check")
    assert "script" not in out and "iframe" not in out and "onerror" not in out, out


def test_plain_bodies_are_not_parsed(monkeypatch):
    def refuse(text):
        raise AssertionError("parsed a body without markup")
    monkeypatch.setattr(rawhtml, "MarkupReader", refuse)
    assert rawhtml.find_markup("第一段：没有标记。\n\nA plain paragraph, with a colon: and (brackets).\n") == []
    assert rawhtml.find_markup("[链接](https://example.org/)\n") == []


# Payloads that run without a click once the page loads: a browser proves the warn build runs them
# (so the test can see an attack) and the strip build runs none.
AUTOMATIC = ["newline-before-handler", "newline-before-equals", "script", "img-onerror", "svg-onload", "svg-slash",
             "details-ontoggle", "empty-comment", "cdata", "source-onerror"]
RUN_IN_WARN = ["newline-before-handler", "newline-before-equals", "script", "img-onerror", "details-ontoggle", "cdata",
               "source-onerror"]  # (the others do not reach the page today: an unclosed <svg> swallows the body)


@pytest.mark.browser
def test_in_a_browser_strip_runs_nothing_that_warn_runs(payload_runs):
    chromium = require_tool("/usr/bin/chromium", "Debian's chromium")
    from playwright.sync_api import sync_playwright
    from test_browser import ARGS
    fired = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        for mode in ("warn", "strip"):
            site = payload_runs[mode]["project"] / "site"
            for name in AUTOMATIC:
                page = browser.new_page()
                page.add_init_script("window.alert = () => { document.title = 'XSS-FIRED'; };")
                page.goto((site / f"zh/editions/2020-12-21/xss-{name}/index.html").as_uri())
                page.wait_for_timeout(300)
                fired[mode, name] = page.title() == "XSS-FIRED"
                page.close()
        browser.close()
    assert [n for n in RUN_IN_WARN if not fired["warn", n]] == [], "these payloads should run in a warn build"
    assert [n for n in AUTOMATIC if fired["strip", n]] == [], "a strip build must run none"


# ---------------------------------------------------------------- control and direction characters (item 8)

def site_bytes(project: Path) -> dict[str, bytes]:
    """Every file of the built site."""
    site = project / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def site_texts(project: Path) -> dict[str, bytes]:
    """The text of every page, feed and sitemap, and of every search index fragment (gzipped by Pagefind)."""
    texts = {}
    for path, data in site_bytes(project).items():
        if path.endswith((".html", ".xml", ".json", ".txt")):
            texts[path] = data
        elif path.endswith(".pf_fragment"):
            texts[path] = gzip.decompress(data)
    assert any(path.endswith(".pf_fragment") for path in texts), "the search index was built"
    return texts


@pytest.mark.parametrize("char,name", [("\x00", "U+0000 (NUL)"), ("\x0b", "U+000B (vertical tab"),
                                       ("\x1b", "U+001B (escape)"), ("\x07", "U+0007 (bell)"),
                                       ("\ufffe", "U+FFFE (a noncharacter)")])
def test_control_characters_are_removed_with_a_warning_at_their_line(project, cli, char, name):
    (project / ARTICLE).write_text(f"---\ntitle: 标题{char}\nsection: society\n---\n\n第一段。\n\n第二{char}段。\n",
                                   encoding="utf-8")
    code, _, err = cli(project, "build")
    assert code == 0, err
    assert f"{ARTICLE}:2: warning: an invisible control character {name}" in err
    assert f"{ARTICLE}:8: warning: an invisible control character {name}" in err
    leaked = [path for path, data in site_texts(project).items() if char.encode("utf-8") in data]
    assert leaked == [], "pages, feeds and the search index are clean"
    page = (project / "site/zh/editions/2020-12-21/volunteers/index.html").read_text(encoding="utf-8")
    assert "第二段。" in page and "标题" in page


@pytest.mark.parametrize("where,text,line", [
    ("title", "---\ntitle: \u202e标题\nsection: society\n---\n\n正文。\n", 2),
    ("body", "---\ntitle: 标题\nsection: society\n---\n\n正文\u2066隔离\u2069。\n", 6),
    ("escape", '---\ntitle: "标\\u202d题"\nsection: society\n---\n\n正文。\n', 2),
    ("reference", "---\ntitle: 标题\nsection: society\n---\n\n正文&#x202E;。\n", 6),
])
def test_bidi_controls_are_errors_with_their_line_and_stop_the_build(project, cli, where, text, line):
    cli(project, "build")
    before = site_bytes(project)
    (project / ARTICLE).write_text(text, encoding="utf-8")
    code, _, err = cli(project, "build")
    assert code == 1 and f"{ARTICLE}:{line}: error: a bidi control character U+20" in err, err
    assert site_bytes(project) == before
    code, out, _ = cli(project, "check")
    assert code == 1 and f"{ARTICLE}:{line}: error: a bidi control character" in out


@pytest.mark.parametrize("written,name", [('title: "标\\x0b题"', "U+000B"), ('title: "标\\0题"', "U+0000"),
                                          ('kicker: "\\e[31m引题"', "U+001B")])
def test_yaml_escapes_of_control_characters_are_removed_too(project, cli, written, name):
    title = "" if written.startswith("title") else "title: 标题\n"
    (project / ARTICLE).write_text(f"---\n{written}\n{title}section: society\n---\n\n正文&#11;。\n", encoding="utf-8")
    code, _, err = cli(project, "build")
    assert code == 0, err
    assert f"{ARTICLE}:2: warning: an invisible control character {name}" in err
    body_line = 7 if title else 6
    assert f"{ARTICLE}:{body_line}: warning: an invisible control character U+000B (vertical tab, Word's line " \
           "break) written as &#11;" in err
    page = (project / "site/zh/editions/2020-12-21/volunteers/index.html").read_bytes()
    assert b"&#11;" not in page and b"\x0b" not in page and b"\x00" not in page and b"\x1b" not in page


def test_a_control_character_in_front_matter_gives_its_line_and_a_true_hint(project, cli):
    """Item 17: it used to be a YAML error without a line, with a hint about indentation."""
    (project / ARTICLE).write_text("---\ntitle: 标题\nbyline: 本报记者\x0c张三\nsection: society\n---\n\n正文。\n",
                                   encoding="utf-8")
    code, out, _ = cli(project, "check")
    lines = [line for line in out.splitlines() if line.startswith(ARTICLE)]
    assert f"{ARTICLE}:3: warning: an invisible control character U+000C (form feed)" in out
    assert not any("indentation" in line or "invalid YAML" in line for line in lines), lines


def test_c1_character_references_are_not_controls(project, cli):
    (project / ARTICLE).write_text("---\ntitle: 标题\nsection: society\n---\n\n2020&#150;2021。\n", encoding="utf-8")
    code, _, err = cli(project, "build")
    assert code == 0 and "control character" not in err
    assert "2020\u20132021" in (project / "site/zh/editions/2020-12-21/volunteers/index.html").read_text(
        encoding="utf-8")  # &#150; is an en dash to HTML parsers (body.py's too), never U+0096


# ---------------------------------------------------------------- messages that are whole and true (items 15-17)

@pytest.mark.parametrize("command", ["build", "check"])
def test_every_missing_field_of_a_file_is_reported_in_one_run(project, cli, command):
    (project / ARTICLE).write_text("---\nbyline: x\n---\n\n正文。\n", encoding="utf-8")
    code, out, err = cli(project, command)
    assert code == 1
    assert f"{ARTICLE}:1: error: the front matter has no title" in out + err
    assert f"{ARTICLE}:1: error: the original has no section" in out + err


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_translation_whose_original_was_deleted_is_called_a_translation(project, cli, command):
    (project / f"{EDITION}/rcep-base.zh.md").unlink()  # delete-and-recreate editors (JetBrains) do this on save
    code, out, err = cli(project, command)
    assert code == 0, out + err
    assert "the original has no section" not in out + err
    assert (f"{EDITION}/rcep-base.en.md:1: warning: a translation without its original (rcep-base.zh.md does not "
            "exist): it is left out of the site until the original is back") in out + err


@pytest.mark.parametrize("written,shown", [("1.10", '"1.10"'), ("2020-12-21", '"2020-12-21"'), ("yes", '"yes"'),
                                           ("0x1F", '"0x1F"')])
def test_a_quoting_hint_quotes_the_value_as_written(project, cli, written, shown):
    (project / ARTICLE).write_text(f"---\ntitle: {written}\nsection: society\n---\n\n正文。\n", encoding="utf-8")
    code, out, _ = cli(project, "check")
    assert code == 1 and f"{ARTICLE}:2: error: `title` should be text" in out
    assert f"put the text in quotes: title: {shown}" in out, out


@pytest.mark.parametrize("key,value", [("languages", '"zh"'), ("languages", "[zh, en]"), ("sections", "economy")])
def test_a_setting_of_the_wrong_type_is_called_that(project, cli, key, value):
    config = project / "config.yaml"
    lines = config.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    config.write_text("\n".join(lines[:start] + [f"{key}: {value}"] + lines[end:]), encoding="utf-8")
    code, _, err = cli(project, "build")
    assert code == 1
    assert f"config.yaml:{start + 1}: error: {key}: expected one entry per" in err and "missing or empty" not in err


@pytest.mark.parametrize("text,line,words", [
    ("---\ntitle: 'unclosed\nsection: society\n---\n", 2, "a quote opened on this line is never closed"),
    ("---\ntitle: 标题\ntags: [a, b\nsection: society\n---\n", 3, "a list opened with '[' on this line"),
    ("---\ntitle: 标题\nsection: @society\n---\n", 3, "put the value in quotes"),
])
def test_yaml_errors_keep_their_line_and_a_hint_that_matches(project, cli, text, line, words):
    (project / ARTICLE).write_text(text + "\n正文。\n", encoding="utf-8")
    code, out, _ = cli(project, "check")
    assert code == 1
    found = [row for row in out.splitlines() if row.startswith(f"{ARTICLE}:{line}: error: invalid YAML")]
    assert found and words in found[0], out


@pytest.mark.parametrize("missing,where", [("article.html", "templates/article.html: error: the template "
                                                             "article.html does not exist"),
                                          ("partials/nowhere.html", "templates/page.html:2: error: this template "
                                                                    "includes partials/nowhere.html")])
def test_a_missing_template_is_named_once_with_a_hint_about_it(project, cli, missing, where):
    if missing == "article.html":
        (project / "templates/article.html").unlink()
    else:
        page = project / "templates/page.html"
        lines = page.read_text(encoding="utf-8").split("\n")
        page.write_text("\n".join(lines[:1] + ['{% include "partials/nowhere.html" %}'] + lines[1:]), encoding="utf-8")
    code, _, err = cli(project, "build")
    assert code == 1
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith(where), err
    assert f"create templates/{missing}" in errors[0] and "variable names" not in errors[0]
