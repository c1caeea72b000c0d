"""`python build.py serve` for real: a subprocess, HTTP, edits on disk, errors, deletions, Ctrl-C."""
from __future__ import annotations

import os
import re
import signal
import time

from conftest import make_project
from serve_helpers import ServeProcess, get, poll, serving

ARTICLE = "content/editions/2020-12-21/rcep-base.en.md"
ARTICLE_URL = "en/editions/2020-12-21/rcep-base/"


def atomic_write(path, text: str) -> None:
    """Save the way many editors do: a temporary file, then a rename over the original."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def test_edit_break_fix_and_delete(tmp_path):
    project = make_project(tmp_path)
    article = project / ARTICLE
    with serving(project) as server:
        assert server.url.startswith("http://127.0.0.1:")
        status, page = get(server.url + ARTICLE_URL)
        assert status == 200 and "Qingdao moves fast" in page
        assert f'href="{server.url}{ARTICLE_URL}"' in page  # base_url is the local address
        assert "/livereload.js?port=" in page

        text = article.read_text(encoding="utf-8")
        atomic_write(article, text.replace("Qingdao moves fast on the new trade pact", "Qingdao moves faster still"))
        poll(server.url + ARTICLE_URL, lambda s, t: s == 200 and "Qingdao moves faster still" in t)

        article.write_text(text.replace("title: Qingdao moves fast", "title: [Qingdao moves fast"), encoding="utf-8")
        status, page = poll(server.url + ARTICLE_URL, lambda s, t: s == 500)
        assert re.search(rf"<code>{ARTICLE}:\d+: error: invalid YAML", page) and "/livereload.js?port=" in page
        assert get(server.url + "css/digest.css")[0] == 200  # the last good site is still served
        assert get(server.url + "zh/")[0] == 500  # every HTML page shows the error
        server.wait_for_line(rf"^{ARTICLE}:\d+: error: invalid YAML")

        article.write_text(text, encoding="utf-8")
        poll(server.url + ARTICLE_URL, lambda s, t: s == 200 and "Qingdao moves fast on the new trade pact" in t)

        article.unlink()
        (project / ARTICLE.replace(".en.md", ".zh.md")).unlink()
        status, page = poll(server.url + ARTICLE_URL, lambda s, t: s == 404)
        assert "Qingdao moves fast" not in page
        assert not (project / "site" / ARTICLE_URL / "index.html").exists()


def test_new_edition_folder_appears(tmp_path):
    project = make_project(tmp_path)
    with serving(project) as server:
        folder = project / "content" / "editions" / "2020-12-22"
        staging = project / "content" / "editions" / ".incoming"
        staging.mkdir()
        (staging / "late-news.zh.md").write_text("---\ntitle: 晚间新闻\nsection: "
                                                 + section_of(project) + "\n---\n正文。\n", encoding="utf-8")
        os.rename(staging, folder)  # a whole folder arrives at once
        poll(server.url + "zh/editions/2020-12-22/late-news/", lambda s, t: s == 200 and "晚间新闻" in t)


def section_of(project) -> str:
    """A section key used by the fixture's articles."""
    text = (project / "content/editions/2020-12-21/rcep-base.zh.md").read_text(encoding="utf-8")
    return next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("section:"))


def test_template_error_is_shown_and_fixed(tmp_path):
    project = make_project(tmp_path)
    template = project / "templates" / "article.html"
    good = template.read_text(encoding="utf-8")
    with serving(project) as server:
        template.write_text(good + "\n{% if %}\n", encoding="utf-8")
        status, page = poll(server.url + ARTICLE_URL, lambda s, t: s == 500)
        assert "templates/article.html:" in page
        template.write_text(good, encoding="utf-8")
        poll(server.url + ARTICLE_URL, lambda s, t: s == 200)


def test_ctrl_c_and_terminate_stop_cleanly(tmp_path):
    project = make_project(tmp_path)
    for sig in (signal.SIGINT, signal.SIGTERM):
        server = ServeProcess(project)
        assert get(server.url)[0] == 200
        started = time.monotonic()
        assert server.stop(sig) == 0
        assert time.monotonic() - started < 10
        assert server.lines[-1] == "stopped"
        assert not any("Traceback" in line for line in server.lines)


def test_port_in_use_is_a_usage_error(tmp_path):
    from conftest import run_cli
    project = make_project(tmp_path)
    with serving(project) as server:
        port = server.url.rsplit(":", 1)[1].strip("/")
        result = run_cli(project, "serve", "--port", port)
    assert result.returncode == 2
    assert f"--port {port}: cannot listen" in result.stderr
