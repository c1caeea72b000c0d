"""Issue 26: what editors paste (and what someone hostile would): raw HTML, control characters, messages.

Rows of tests/BAD_INPUTS.md marked `I` are here.
"""
from __future__ import annotations

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
    assert "onerror=alert(1)" in page_body(payload_runs["allow"]["project"], "img-onerror")
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
