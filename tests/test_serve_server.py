"""The preview server with a fake builder: serving, safety, errors, rebuild queueing, the reload channel."""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import queue
import re
import threading
import time
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketError, websocket_connect

from digest.server import (PreviewServer, Rebuilt, bind, content_type, host_allowed, inject_script, is_loopback,
                           resolve_request)
from digest.watch import Watcher


class FakeChanges:
    """A change source the test drives: put() a set of paths, wait() hands it to the server."""

    def __init__(self):
        self.pending: queue.Queue = queue.Queue()

    def put(self, changed: set) -> None:
        self.pending.put(changed)

    def wait(self, stop: threading.Event) -> set:
        while not stop.is_set():
            try:
                return self.pending.get(timeout=0.02)
            except queue.Empty:
                continue
        return set()


class FakeBuilder:
    """Writes index.html with a counter; fails while `errors` is set; records what it was told changed."""

    def __init__(self, out: Path):
        self.out = out
        self.errors: list[str] = []
        self.calls: list[set] = []
        self.crash = False
        self.changed: list[str] | None = None  # the output files it says it changed (None: a plain list)

    def __call__(self, changed: set) -> list[str] | Rebuilt:
        self.calls.append(changed)
        if self.crash:
            raise RuntimeError("boom")
        if self.errors:
            return list(self.errors) if self.changed is None else Rebuilt(list(self.errors), [])
        (self.out / "index.html").write_text(f"<html><body><p>build {len(self.calls)}</p></body></html>",
                                             encoding="utf-8")
        return [] if self.changed is None else Rebuilt([], list(self.changed))


def make_site(out: Path) -> None:
    """A tiny output folder with one file of each kind."""
    (out / "zh").mkdir(parents=True)
    (out / "zh" / "index.html").write_text("<html><body>中文</body></html>", encoding="utf-8")
    (out / "404.html").write_text("<html><body>not here</body></html>", encoding="utf-8")
    (out / "style.css").write_text("body{}", encoding="utf-8")
    (out / "feed.xml").write_text("<rss></rss>", encoding="utf-8")
    (out / "search.json").write_text("{}", encoding="utf-8")
    (out / "app.js").write_text("document.write('</head></body>')", encoding="utf-8")
    (out / ".digest").mkdir()
    (out / ".digest" / "manifest.json").write_text("{}", encoding="utf-8")


@pytest.fixture
def served(tmp_path):
    """A PreviewServer over a tiny site, with a fake builder and fake changes; stopped afterwards."""
    out = tmp_path / "site"
    make_site(out)
    builder, changes = FakeBuilder(out), FakeChanges()
    sockets, port = bind("127.0.0.1", 0)
    server = PreviewServer(out, builder, changes, sockets, "127.0.0.1", log=lambda line: None)
    server.build_once(set())
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield server, builder, changes, port
    server.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()


def fetch(port: int, path: str, host: str | None = None, method: str = "GET") -> tuple[int, dict, bytes]:
    """One raw HTTP request (the path is sent exactly as given)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host} if host else {}
    conn.request(method, path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def wait_for(predicate, timeout: float = 10.0):
    """Poll until predicate() is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_serves_files_with_content_types_and_the_reload_script_in_html_only(served):
    server, builder, changes, port = served
    status, headers, body = fetch(port, "/")
    assert status == 200 and b"build 1" in body
    assert headers["content-type"] == "text/html; charset=utf-8"
    # the tag names the build the page shows (see test_a_page_connecting_after_a_build_that_changed_it_…)
    assert body.endswith(f'<script src="/livereload.js?port={port}&amp;snipver={server.label}"></script>'
                         '</body></html>'.encode())
    for path, kind in (("/style.css", "text/css; charset=utf-8"), ("/feed.xml", "application/xml; charset=utf-8"),
                       ("/search.json", "application/json; charset=utf-8"),
                       ("/app.js", "text/javascript; charset=utf-8")):
        status, headers, body = fetch(port, path)
        assert (status, headers["content-type"]) == (200, kind)
        assert b"livereload" not in body
    status, headers, body = fetch(port, "/livereload.js")
    assert status == 200 and b"LiveReload" in body


def test_folder_without_slash_redirects_and_unknown_paths_get_the_404_page(served):
    server, builder, changes, port = served
    status, headers, _ = fetch(port, "/zh")
    assert status == 302 and headers["location"] == "/zh/"
    status, _, body = fetch(port, "/zh/")
    assert status == 200 and "中文".encode() in body
    status, headers, body = fetch(port, "/nowhere/")
    assert status == 404 and b"not here" in body and b"livereload.js" in body
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert fetch(port, "/.digest/manifest.json")[0] == 404


@pytest.mark.parametrize("path", ["/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt",
                                  "/..\\secret.txt", "/..%5csecret.txt", "//etc/passwd", "/%2fetc/passwd",
                                  "/zh/../../secret.txt", "/leak.txt", "/outside/secret.txt", "/%00",
                                  "/%ff", "http://127.0.0.1/../secret.txt"])
def test_no_request_path_leaves_the_output_folder(served, tmp_path, path):
    server, builder, changes, port = served
    (tmp_path / "secret.txt").write_text("SECRET", encoding="utf-8")
    (server.out / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (server.out / "outside").symlink_to(tmp_path)
    status, _, body = fetch(port, path)
    assert status in (400, 403, 404)
    assert b"SECRET" not in body and b"root:" not in body


def test_resolve_request_stays_inside(tmp_path):
    out = tmp_path / "site"
    make_site(out)
    (tmp_path / "secret.txt").write_text("x", encoding="utf-8")
    (out / "inside.txt").symlink_to(out / "style.css")
    assert resolve_request(out, "/zh/") == ("file", (out / "zh" / "index.html").resolve())
    assert resolve_request(out, "/inside.txt") == ("file", (out / "style.css").resolve())
    for raw in ("/../secret.txt", "/..%2Fsecret.txt", "/%2E%2E/secret.txt", "/a\\..\\..\\secret.txt", "//tmp",
                str(tmp_path / "secret.txt")[1:].join(("//", ""))):
        assert resolve_request(out, raw) == ("missing", None), raw


def test_foreign_host_header_is_refused(served):
    server, builder, changes, port = served
    assert fetch(port, "/", host=f"evil.example:{port}")[0] == 403
    assert fetch(port, "/livereload.js", host="rebind.attacker.test")[0] == 403
    assert fetch(port, "/", host=f"localhost:{port}")[0] == 200
    assert fetch(port, "/", host=f"127.0.0.1:{port}")[0] == 200


def test_host_rules():
    assert host_allowed("127.0.0.1:8000", "127.0.0.1") and host_allowed("[::1]:8000", "::1")
    assert host_allowed("localhost:8000", "127.0.0.1") and host_allowed("myhost:8000", "myhost")
    assert not host_allowed("evil.com:8000", "127.0.0.1") and not host_allowed("", "127.0.0.1")
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


def test_content_type_and_injection_helpers():
    assert content_type("a.HTML") == "text/html; charset=utf-8"
    assert content_type("a.png") == "image/png"
    assert inject_script(b"<p>no body tag</p>", 1).endswith(b'<script src="/livereload.js?port=1"></script>')
    page = inject_script(b"<body><pre>&lt;/body&gt;</pre></BODY >", 1)
    assert page.endswith(b'</script></BODY >')


def test_failed_build_shows_the_error_page_keeps_assets_and_recovers(served):
    server, builder, changes, port = served
    builder.errors = ["content/editions/2020-12-21/a.zh.md:3: the front matter is not valid YAML — fix it"]
    changes.put({"a.zh.md"})
    wait_for(lambda: server.state.builds == 2)
    for path in ("/", "/zh/", "/nowhere/"):
        status, headers, body = fetch(port, path)
        assert status == 500 and b"a.zh.md:3: the front matter is not valid YAML" in body
        assert b"/livereload.js?port=" in body
    assert fetch(port, "/style.css")[0] == 200  # the last good site's files stay
    builder.errors = []
    changes.put({"a.zh.md"})
    wait_for(lambda: server.state.builds == 3)
    status, _, body = fetch(port, "/")
    assert status == 200 and b"build 3" in body


def test_a_crashing_builder_does_not_stop_the_server(served):
    server, builder, changes, port = served
    builder.crash = True
    changes.put({"x"})
    wait_for(lambda: server.state.builds == 2)
    status, _, body = fetch(port, "/")
    assert status == 500 and b"the build crashed" in body
    builder.crash = False
    changes.put({"x"})
    wait_for(lambda: server.state.builds == 3)
    assert fetch(port, "/")[0] == 200


def test_browsers_get_a_reload_after_each_rebuild(served):
    server, builder, changes, port = served

    async def session() -> dict:
        sock = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
        await sock.write_message(json.dumps({"command": "hello", "protocols": []}))
        hello = json.loads(await sock.read_message())
        assert hello["command"] == "hello"
        await sock.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/"}))
        await asyncio.sleep(0.1)
        changes.put({"a.zh.md"})
        message = json.loads(await asyncio.wait_for(sock.read_message(), 10))
        sock.close()
        return message

    message = asyncio.run(session())
    assert message["command"] == "reload"
    assert len(builder.calls) == 2


def test_websocket_from_a_foreign_origin_is_refused(served):
    server, builder, changes, port = served
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import WebSocketError
    from tornado.httpclient import HTTPClientError

    async def connect():
        request = HTTPRequest(f"ws://127.0.0.1:{port}/livereload", headers={"Origin": "http://evil.example"})
        await websocket_connect(request)

    with pytest.raises((HTTPClientError, WebSocketError)):
        asyncio.run(connect())


def test_edit_during_a_rebuild_queues_one_more_and_the_last_edit_wins(tmp_path):
    """A real Watcher and a slow fake build: the edit made mid-build is built right after."""
    content = tmp_path / "content"
    content.mkdir()
    source = content / "a.md"
    source.write_text("v1", encoding="utf-8")
    out = tmp_path / "site"
    out.mkdir()
    seen: list[str] = []
    started = threading.Event()

    def slow_build(changed: set) -> list[str]:
        seen.append(source.read_text(encoding="utf-8"))
        started.set()
        time.sleep(0.4)
        (out / "index.html").write_text(seen[-1], encoding="utf-8")
        return []

    sockets, _ = bind("127.0.0.1", 0)
    server = PreviewServer(out, slow_build, Watcher([content], quiet=0.02), sockets, "127.0.0.1",
                           log=lambda line: None)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        time.sleep(0.1)
        source.write_text("v2", encoding="utf-8")
        assert started.wait(5)
        source.write_text("v3, saved during the rebuild", encoding="utf-8")
        wait_for(lambda: (out / "index.html").is_file()
                 and (out / "index.html").read_text(encoding="utf-8").startswith("v3"))
        assert seen == ["v2", "v3, saved during the rebuild"]
    finally:
        server.stop()
        thread.join(timeout=10)


def test_reload_script_is_the_livereload_packages_and_is_served_whole(served):
    """The script comes from the installed package (no copy in digest/): if it cannot be served, this fails."""
    import importlib.resources
    server, builder, changes, port = served
    root = Path(__file__).resolve().parents[1]
    assert not (root / "digest" / "vendor").exists(), "a copy of a package's file in digest/vendor/"
    script = importlib.resources.files("livereload").joinpath("vendors", "livereload.js").read_bytes()
    assert b"LiveReload" in script and b"http://livereload.com/protocols/official-7" in script
    status, headers, body = fetch(port, "/livereload.js")
    assert (status, headers["content-type"], body) == (200, "text/javascript; charset=utf-8", script)
    assert headers["cache-control"] == "no-store"


def test_serve_refuses_to_start_when_the_package_has_no_script(tmp_path):
    """A broken install (the package without its script) is said at once, not found out by a page that never reloads."""
    import shutil
    import subprocess
    import sys
    import livereload
    from conftest import make_project
    shadow = tmp_path / "shadow"
    shutil.copytree(Path(livereload.__file__).parent, shadow / "livereload",
                    ignore=shutil.ignore_patterns("vendors", "__pycache__"))
    project = make_project(tmp_path)
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, str(root / "build.py"), "--root", str(project), "serve", "--port", "0"],
                            env={**os.environ, "PYTHONPATH": str(shadow)}, capture_output=True, text=True,
                            encoding="utf-8", timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "the livereload package has no browser script" in result.stderr and "Traceback" not in result.stderr


async def open_page(port: int, page: str, label: str | None = None, origin: str | None = None):
    """A reload socket as livereload.js opens it for a page: hello (with the page's label), then info."""
    headers = {"Origin": origin or f"http://127.0.0.1:{port}"}
    sock = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{port}/livereload", headers=headers))
    hello = {"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}
    if label is not None:
        hello["snipver"] = label
    await sock.write_message(json.dumps(hello))
    assert json.loads(await sock.read_message())["command"] == "hello"
    await sock.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}{page}?x=1#top"}))
    return sock


async def messages(sock, seconds: float = 0.4) -> list[dict]:
    """The messages a socket receives within a time."""
    found = []
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            found.append(json.loads(await asyncio.wait_for(sock.read_message(), left)))
        except asyncio.TimeoutError:
            break
    return found


async def rebuild(server: PreviewServer, changes: FakeChanges) -> None:
    """Hand the server a change and wait until it has counted the build (and told its browsers)."""
    before = server.state.builds
    changes.put({"x.md"})
    for _ in range(1000):
        if server.state.builds > before:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no rebuild")


def label_of(port: int, path: str) -> str:
    """The build label in the script tag of a served page."""
    return re.search(rb"snipver=([\w-]+)", fetch(port, path)[2]).group(1).decode()


def test_a_page_that_connects_after_a_build_that_changed_it_is_told_to_reload_at_once(served):
    """The reload that was lost: a build ends between the page's request and its socket's info message."""
    server, builder, changes, port = served
    shown = label_of(port, "/")
    changes.put({"a.zh.md"})
    wait_for(lambda: server.state.builds == 2)

    async def session():
        stale = await open_page(port, "/", shown)
        fresh = await open_page(port, "/", label_of(port, "/"))
        foreign = await open_page(port, "/", "7-0badc0de")  # a page served before the server restarted
        return await messages(stale, 2), await messages(fresh), await messages(foreign, 2)

    stale, fresh, foreign = asyncio.run(session())
    assert [m["command"] for m in stale] == ["reload"] and stale[0]["path"] == "/"
    assert fresh == []
    assert [m["command"] for m in foreign] == ["reload"]


def test_only_the_pages_whose_files_changed_are_reloaded(served):
    server, builder, changes, port = served

    async def session():
        zh, home, gone = [await open_page(port, path, label_of(port, path)) for path in ("/zh/", "/", "/new/")]
        got = []
        for changed in (["zh/index.html", "feed.xml"], ["feed.xml", "search.json"], ["new/index.html"],
                        ["style.css"]):
            builder.changed = changed
            await rebuild(server, changes)
            got.append([len(await messages(sock)) for sock in (zh, home, gone)])
        return got

    assert asyncio.run(session()) == [
        [1, 0, 0],  # the Chinese home page only; the feed is no page with a socket
        [0, 0, 0],
        [0, 0, 1],  # a page that was missing (it shows the 404 page) appears
        [1, 1, 1],  # every page loads the stylesheet
    ]


def test_every_page_reloads_when_the_error_page_comes_and_goes(served):
    server, builder, changes, port = served

    async def session():
        zh, home = [await open_page(port, path, label_of(port, path)) for path in ("/zh/", "/")]
        got = []
        for errors in (["a.zh.md:3: broken"], ["a.zh.md:3: broken"], ["a.zh.md:4: broken"], []):
            builder.errors, builder.changed = errors, []
            await rebuild(server, changes)
            got.append([len(await messages(sock)) for sock in (zh, home)])
        return got

    assert asyncio.run(session()) == [[1, 1], [0, 0], [1, 1], [1, 1]]  # the same errors again change nothing


def test_each_server_keeps_its_own_browsers(served, tmp_path):
    """The package keeps one set of browsers per class: a second server's rebuild reloaded the first's pages."""
    from livereload.handlers import LiveReloadHandler
    server, builder, changes, port = served
    other_out = tmp_path / "other"
    make_site(other_out)
    other_builder, other_changes = FakeBuilder(other_out), FakeChanges()
    sockets, other_port = bind("127.0.0.1", 0)
    other = PreviewServer(other_out, other_builder, other_changes, sockets, "127.0.0.1", log=lambda line: None)
    other.build_once(set())
    thread = threading.Thread(target=other.serve, daemon=True)
    thread.start()
    try:
        async def session():
            mine = await open_page(port, "/", label_of(port, "/"))
            theirs = await open_page(other_port, "/", label_of(other_port, "/"))
            await rebuild(other, other_changes)
            first = [len(await messages(mine)), len(await messages(theirs))]
            await rebuild(server, changes)
            return first, [len(await messages(mine)), len(await messages(theirs))]

        assert asyncio.run(session()) == ([0, 1], [1, 0])
        assert LiveReloadHandler.waiters == set()
    finally:
        other.stop()
        thread.join(timeout=10)


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:{other}", "http://localhost:{port}",
                                   "null", "file://", "http://127.0.0.1:{port}.evil.example"])
def test_a_page_from_another_origin_cannot_open_the_reload_socket(served, origin):
    """The package's handler accepts any origin: any web page the editor visits could follow the edits."""
    server, builder, changes, port = served
    origin = origin.format(port=port, other=port + 1 if port < 65535 else port - 1)

    async def connect(origin):
        sock = await open_page(port, "/", label_of(port, "/"), origin=origin)
        sock.close()

    with pytest.raises((HTTPClientError, WebSocketError)):
        asyncio.run(connect(origin))
    asyncio.run(connect(f"http://127.0.0.1:{port}"))  # the page's own origin
