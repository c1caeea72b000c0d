"""Preview server: serves the output folder, rebuilds on changes, reloads the browser.

It is handed a rebuild callable and a source of changes and never imports the engine, so it
can be tested with a fake builder. The browser script is livereload.js (MIT), shipped in
digest/vendor/; the server speaks its protocol with Tornado. File serving (path safety,
Content-Type, 404s, the error page) and change detection are our own, because
python-livereload's fall short (it follows symlinks out of its root, injects its script into any
response with `</head>`, drops changes that come soon after a reload, and misses saves by rename).
"""
from __future__ import annotations

import asyncio
import html
import importlib.resources
import ipaddress
import json
import mimetypes
import re
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol
from urllib.parse import unquote

from tornado import web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets
from tornado.websocket import WebSocketClosedError, WebSocketHandler

PROTOCOL = "http://livereload.com/protocols/official-7"
TEXT_TYPES = {".html": "text/html", ".htm": "text/html", ".css": "text/css", ".xml": "application/xml",
              ".rss": "application/rss+xml", ".atom": "application/atom+xml", ".json": "application/json",
              ".js": "text/javascript", ".mjs": "text/javascript", ".txt": "text/plain", ".svg": "image/svg+xml",
              ".xsl": "application/xslt+xml", ".webmanifest": "application/manifest+json", ".md": "text/plain"}
BODY_END_RE = re.compile(rb"</body\s*>", re.I)
LOOPBACK_NAMES = ("localhost",)

Rebuild = Callable[[set], list]  # changed files (empty set: everything) -> error lines, [] on success


class ChangeSource(Protocol):
    """Anything that blocks until files changed (see digest.watch.Watcher)."""

    def wait(self, stop: threading.Event) -> set[str]:
        """Return the changed files; an empty set once stop is set."""


@dataclass
class BuildState:
    """What the last build left: its error lines (empty when it succeeded) and a counter."""

    errors: list[str] = field(default_factory=list)
    builds: int = 0


def is_loopback(host: str) -> bool:
    """The host is this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> tuple[list[socket.socket], int]:
    """Listening sockets on host:port (port 0 picks a free one); return them and the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets = bind_sockets(port, address=host.strip("[]"), family=family)
    return sockets, sockets[0].getsockname()[1]


def local_url(host: str, port: int) -> str:
    """The address a browser on this machine uses to reach the server."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def host_name(header: str) -> str:
    """The name part of a Host header: 'example.org:8000' -> 'example.org', '[::1]:8000' -> '::1'."""
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else ""
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_allowed(header: str, bind_host: str) -> bool:
    """Refuse DNS rebinding: the Host header must be an IP address, localhost, or the bound name."""
    name = host_name(header).lower()
    if not name:
        return False
    if name in LOOPBACK_NAMES or name == bind_host.lower().strip("[]"):
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def resolve_request(root: Path, raw_path: str) -> tuple[str, Path | str | None]:
    """Map a request path to ('file', path), ('redirect', location) or ('missing', None), never leaving root."""
    path = unquote(raw_path.split("?", 1)[0].split("#", 1)[0], errors="strict")
    if not path.startswith("/") or "\\" in path or "\0" in path:
        return "missing", None
    parts = path[1:].split("/")
    folder = parts[-1] == ""
    segments = parts[:-1] if folder else parts
    if any(not s or s.startswith(".") for s in segments):  # '..', '.', '//', hidden files and .digest/
        return "missing", None
    base = root.resolve()
    target = base.joinpath(*segments) / "index.html" if folder else base.joinpath(*segments)
    real = target.resolve()
    if not real.is_relative_to(base):  # symlinks pointing out of the output
        return "missing", None
    if real.is_file():
        return "file", real
    if not folder and real.is_dir():
        return "redirect", "/" + "/".join(segments) + "/"
    return "missing", None


def content_type(path: str) -> str:
    """The Content-Type of a file by its extension, with charset=utf-8 for text."""
    suffix = Path(path).suffix.lower()
    if suffix in TEXT_TYPES:
        return TEXT_TYPES[suffix] + "; charset=utf-8"
    guessed = mimetypes.guess_type("x" + suffix)[0]
    return guessed or "application/octet-stream"


def reload_script() -> bytes:
    """livereload.js, read from the package's data (it works from a wheel or a zip, too)."""
    return importlib.resources.files(__package__).joinpath("vendor", "livereload.js").read_bytes()


def script_tag(port: int) -> bytes:
    """The tag that loads livereload.js, which connects back to /livereload on the same host."""
    return f'<script src="/livereload.js?port={port}"></script>'.encode()


def inject_script(page: bytes, port: int) -> bytes:
    """Add the live-reload script before the last </body> (at the end when there is none); HTML only."""
    tag = script_tag(port)
    matches = list(BODY_END_RE.finditer(page))
    if not matches:
        return page + tag
    at = matches[-1].start()
    return page[:at] + tag + page[at:]


def error_page(errors: list[str], port: int) -> bytes:
    """The page shown in place of every HTML page while the site cannot be built."""
    items = "\n".join(f"<li><code>{html.escape(line)}</code></li>" for line in errors)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed · 生成失败</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#222}}
h1{{color:#a00;font-size:1.4rem}}li{{margin:.6rem 0}}code{{white-space:pre-wrap;font-size:.95rem}}</style>
</head><body>
<h1>The site could not be rebuilt · 网站未能重新生成</h1>
<p>Fix the file and line named below, then save it. This page reloads by itself as soon as the
site builds again. 请按下面列出的文件和行号修改并保存，修好后本页会自动刷新。</p>
<ol id="digest-build-errors">
{items}
</ol>
</body></html>
"""
    return inject_script(page.encode("utf-8"), port)


class PreviewServer:
    """The output folder over HTTP, one rebuild per burst of changes, a reload for every browser."""

    def __init__(self, out: Path, rebuild: Rebuild, changes: ChangeSource, sockets: list[socket.socket],
                 host: str, log: Callable[[str], None] = print):
        self.out = out
        self.rebuild = rebuild
        self.changes = changes
        self.sockets = sockets
        self.host = host
        self.port = sockets[0].getsockname()[1]
        self.log = log
        self.state = BuildState()
        self.sockets_open: set[ReloadSocket] = set()
        self.stop_event = threading.Event()
        self.loop: IOLoop | None = None
        self.done: asyncio.Event | None = None

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        return local_url(self.host, self.port)

    def build_once(self, changed: set) -> None:
        """Run the rebuild callable; remember its errors; an exception in it never stops the server."""
        try:
            errors = list(self.rebuild(changed))
        except Exception as exc:  # noqa: BLE001 - the server must outlive a crashing build
            self.log(traceback.format_exc())
            errors = [f"the build crashed: {exc!r} — this is a bug in Qingdao Digest; please report it "
                      "with the traceback printed in the terminal"]
        self.state = BuildState(errors, self.state.builds + 1)

    def watch_loop(self) -> None:
        """Wait for a burst of changes, rebuild, tell the browsers; until stopped."""
        while not self.stop_event.is_set():
            changed = self.changes.wait(self.stop_event)
            if not changed or self.stop_event.is_set():
                continue
            started = time.perf_counter()
            self.build_once(changed)
            shown = next(iter(changed)) if len(changed) == 1 else f"{len(changed)} files"
            status = "failed" if self.state.errors else "done"
            self.log(f"{shown} changed: rebuild {status} in {time.perf_counter() - started:.2f} s")
            if self.loop is not None:
                self.loop.add_callback(self.reload_browsers)

    def reload_browsers(self) -> None:
        """Ask every connected browser to reload the page (runs on the server's loop)."""
        message = json.dumps({"command": "reload", "path": "/", "liveCSS": False, "liveImg": False})
        for sock in list(self.sockets_open):
            try:
                sock.write_message(message)
            except WebSocketClosedError:
                self.sockets_open.discard(sock)

    def application(self) -> web.Application:
        """The Tornado application: the reload channel, its script, and the site."""
        options = {"server": self}
        return web.Application([
            (r"/livereload", ReloadSocket, options),
            (r"/livereload\.js", ScriptHandler, options),
            (r".*", SiteHandler, options),
        ], compress_response=False, log_function=lambda handler: None)  # the terminal shows rebuilds, not every request

    def serve(self) -> None:
        """Serve until stop() or Ctrl-C; the first build must have been run by the caller."""
        asyncio.run(self.serve_async())

    async def serve_async(self) -> None:
        """The server's event loop: HTTP on the given sockets, the watcher in a thread."""
        self.loop = IOLoop.current()
        self.done = asyncio.Event()
        http = HTTPServer(self.application())
        http.add_sockets(self.sockets)
        watcher = threading.Thread(target=self.watch_loop, name="digest-watch", daemon=True)
        watcher.start()
        try:
            await self.done.wait()
        finally:
            self.stop_event.set()
            http.stop()
            for sock in list(self.sockets_open):
                sock.close()
            await http.close_all_connections()
            watcher.join(timeout=5)

    def stop(self) -> None:
        """Stop serving (safe from any thread)."""
        self.stop_event.set()
        if self.loop is not None and self.done is not None:
            self.loop.add_callback(self.done.set)


class GuardedHandler(web.RequestHandler):
    """Refuses requests whose Host header could come from DNS rebinding."""

    def initialize(self, server: PreviewServer) -> None:
        """Keep the server this handler works for."""
        self.server = server

    def prepare(self) -> None:
        """Answer 403 for a foreign Host header."""
        if not host_allowed(self.request.host or "", self.server.host):
            self.set_status(403)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish("403: this server answers only to its own address (Host header refused)\n")


class SiteHandler(GuardedHandler):
    """Files of the output folder; the error page in place of HTML while the build is broken."""

    def get(self) -> None:
        """Serve a file, a redirect, the error page or the site's 404 page."""
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        try:
            kind, found = resolve_request(self.server.out, self.request.path)
        except UnicodeDecodeError:
            kind, found = "missing", None
        if kind == "redirect":
            self.redirect(str(found), permanent=False)
            return
        errors = self.server.state.errors
        html_wanted = kind == "missing" or content_type(str(found)).startswith("text/html")
        if errors and html_wanted:
            self.send(500, "text/html; charset=utf-8", error_page(errors, self.server.port))
        elif kind == "file":
            self.send_file(200, found)
        else:
            self.send_missing()

    def head(self) -> None:
        """Like GET, without the body (Tornado drops it)."""
        self.get()

    def send_file(self, status: int, path: Path) -> None:
        """Send a whole file, read at once: an atomic rename never gives half of it."""
        try:
            data = path.read_bytes()
        except OSError:
            self.send_missing()
            return
        kind = content_type(path.name)
        if kind.startswith("text/html"):
            data = inject_script(data, self.server.port)
        self.send(status, kind, data)

    def send_missing(self) -> None:
        """The site's own 404.html with status 404 (plain text when the site has none)."""
        page = self.server.out / "404.html"
        if page.is_file():
            self.send_file(404, page)
        else:
            self.send(404, "text/plain; charset=utf-8", b"404: no such page\n")

    def send(self, status: int, kind: str, data: bytes) -> None:
        """Finish the response."""
        self.set_status(status)
        self.set_header("Content-Type", kind)
        self.finish(data)


class ScriptHandler(GuardedHandler):
    """The livereload.js browser script, shipped in digest/vendor/."""

    def get(self) -> None:
        """Serve the script."""
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(reload_script())


class ReloadSocket(WebSocketHandler):
    """The LiveReload protocol: a hello handshake, then `reload` commands from the server."""

    def initialize(self, server: PreviewServer) -> None:
        """Keep the server whose browsers this socket belongs to."""
        self.server = server

    def prepare(self):
        """Refuse a foreign Host header before upgrading."""
        if not host_allowed(self.request.host or "", self.server.host):
            raise web.HTTPError(403)
        return super().prepare()

    def check_origin(self, origin: str) -> bool:
        """Only pages served from an allowed host may connect."""
        netloc = origin.split("://", 1)[-1]
        return host_allowed(netloc, self.server.host)

    def on_message(self, message) -> None:
        """Answer hello; start sending reloads once the browser says which page it shows."""
        try:
            data = json.loads(message)
        except ValueError:
            return
        if data.get("command") == "hello":
            self.write_message(json.dumps({"command": "hello", "protocols": [PROTOCOL],
                                           "serverName": "qingdao-digest"}))
        elif data.get("command") == "info":
            self.server.sockets_open.add(self)

    def on_close(self) -> None:
        """Forget the browser."""
        self.server.sockets_open.discard(self)
