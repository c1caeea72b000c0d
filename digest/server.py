"""Preview server: serves the output folder, rebuilds on changes, reloads the browser.

The package's: the reload endpoint (livereload's LiveReloadHandler, subclassed) and livereload.js — what it is for.
Ours: file serving (path safety, types, 404s, the error page), watching and the rebuild — where it falls short.

Where python-livereload falls short: its server follows symlinks out of its root, injects its
script into any response with `</head>`, drops changes that come soon after a reload and misses
saves by rename; its handler accepts any origin, keeps one set of browsers for the whole class and
reloads every page for any change, which ReloadSocket puts right. The server is handed a rebuild
callable and a source of changes and never imports the engine, so it is tested with a fake builder.

A reload is never lost. Each page's script tag carries the build it shows (`snipver`, which
livereload.js sends back in its hello), and the server knows which build last changed each output
file. After a build, the pages whose files changed are told to reload; a page whose socket connects
(or reconnects) after a build that changed it is told at once. Before, a build that ended between
the request of a reloading page and its socket's `info` message told nobody, and the page stayed old.
"""
from __future__ import annotations

import asyncio
import html
import ipaddress
import json
import mimetypes
import re
import secrets
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol
from urllib.parse import quote, unquote, urlsplit

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets
from tornado.websocket import WebSocketClosedError

TEXT_TYPES = {".html": "text/html", ".htm": "text/html", ".css": "text/css", ".xml": "application/xml",
              ".rss": "application/rss+xml", ".atom": "application/atom+xml", ".json": "application/json",
              ".js": "text/javascript", ".mjs": "text/javascript", ".txt": "text/plain", ".svg": "image/svg+xml",
              ".xsl": "application/xslt+xml", ".webmanifest": "application/manifest+json", ".md": "text/plain"}
BODY_END_RE = re.compile(rb"</body\s*>", re.I)
LOOPBACK_NAMES = ("localhost",)
# Outputs a page loads besides itself: when one changes, every open page is reloaded.
RESOURCE_SUFFIXES = (".css", ".js", ".mjs", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".ico",
                     ".woff", ".woff2", ".ttf", ".otf")


@dataclass
class Rebuilt:
    """What a rebuild did: its error lines ([] when it succeeded) and the output files it changed."""

    errors: list[str]
    changed: list[str] | None = None  # written or removed, relative with '/'; None: not known (every page)
    superseded: bool = False  # given up for newer changes: nothing to show, build again at once


# changed files (empty set: everything) -> Rebuilt, or just the error lines (outputs not known)
Rebuild = Callable[[set], "Rebuilt | list[str]"]


class ChangeSource(Protocol):
    """Anything that blocks until files changed (see digest.watch.Watcher)."""

    def wait(self, stop: threading.Event) -> set[str]:
        """Return the changed files; an empty set once stop is set."""


@dataclass
class BuildState:
    """What the last build left: its error lines (empty when it succeeded) and a counter."""

    errors: list[str] = field(default_factory=list)
    builds: int = 0


class Versions:
    """Which build last changed what each page shows, and the label a page carries to say which it shows.

    One rule decides both when a page is told to reload after a build and when a page that
    connects is told at once: it is stale when a build after its own changed its file, a file
    every page loads (a stylesheet, an image…), or every page (the error page came, changed or went).
    """

    def __init__(self):
        self.session = secrets.token_hex(4)  # a page labelled by an earlier server is stale
        self.everything = 0  # the last build that changed every page
        self.files: dict[str, int] = {}  # output file -> the last build that wrote or removed it

    def label(self, build: int) -> str:
        """What a page served now carries: never a number, which livereload.js would turn into a float."""
        return f"{build}-{self.session}"

    def built(self, label) -> int | None:
        """The build a label names, or None when this server did not make it."""
        build, _, session = str(label).partition("-")
        return int(build) if build.isdigit() and session == self.session else None

    def note(self, build: int, rebuilt: Rebuilt, errors_changed: bool) -> None:
        """Remember what this build changed."""
        for rel in rebuilt.changed or ():
            self.files[rel] = build
        if errors_changed or rebuilt.changed is None or any(rel.lower().endswith(RESOURCE_SUFFIXES)
                                                              for rel in rebuilt.changed):
            self.everything = build

    def stale(self, built: int | None, files: tuple[str, ...]) -> bool:
        """A page showing build `built` (None: unknown) of these files is out of date."""
        if built is None:
            return True
        return self.everything > built or any(self.files.get(rel, 0) > built for rel in files)


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
    try:
        real = target.resolve()
        if not real.is_relative_to(base):  # symlinks pointing out of the output
            return "missing", None
        if real.is_file():
            return "file", real
        if not folder and real.is_dir():
            return "redirect", "/" + "/".join(segments) + "/"
    except (OSError, RuntimeError):  # a name too long for the file system, a loop of links (3.11: RuntimeError)
        pass
    return "missing", None


def content_type(path: str) -> str:
    """The Content-Type of a file by its extension, with charset=utf-8 for text."""
    suffix = Path(path).suffix.lower()
    if suffix in TEXT_TYPES:
        return TEXT_TYPES[suffix] + "; charset=utf-8"
    guessed = mimetypes.guess_type("x" + suffix)[0]
    return guessed or "application/octet-stream"


def reload_script_path() -> Path:
    """The browser script of the installed livereload package (the file its LiveReloadJSHandler sends)."""
    import livereload.handlers
    return Path(livereload.handlers.__file__).parent / "vendors" / "livereload.js"


def script_tag(port: int, label: str | None = None) -> bytes:
    """The tag that loads livereload.js, which connects back to /livereload on the same host.

    label: the build the page shows; livereload.js reads `snipver` from its own URL and sends it
    back in its hello.
    """
    query = f"port={port}" + (f"&amp;snipver={label}" if label else "")
    return f'<script src="/livereload.js?{query}"></script>'.encode()


def inject_script(page: bytes, port: int, label: str | None = None) -> bytes:
    """Add the live-reload script before the last </body> (at the end when there is none); HTML only."""
    tag = script_tag(port, label)
    matches = list(BODY_END_RE.finditer(page))
    if not matches:
        return page + tag
    at = matches[-1].start()
    return page[:at] + tag + page[at:]


def error_page(errors: list[str], port: int, label: str | None = None) -> bytes:
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
    return inject_script(page.encode("utf-8"), port, label)


def page_files(root: Path, url: str) -> tuple[str, ...]:
    """The output files a page at this address shows: its own, or the 404 page and the one it waits for."""
    try:
        path = urlsplit(url).path or "/"
        kind, found = resolve_request(root, path)
    except (ValueError, UnicodeDecodeError):
        return ("404.html",)
    base = root.resolve()
    if kind == "file":
        return (found.relative_to(base).as_posix(),)
    wanted = unquote(path, errors="replace").strip("/")
    own = f"{wanted}/index.html" if wanted else "index.html"
    return (own, wanted, "404.html") if wanted and not path.endswith("/") else (own, "404.html")


class PreviewServer:
    """The output folder over HTTP, one rebuild per burst of changes, a reload for the pages it changed."""

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
        self.versions = Versions()
        self.waiters: set[ReloadSocket] = set()  # this server's browsers (the package keeps one set per class)
        self.stop_event = threading.Event()
        self.loop: IOLoop | None = None
        self.done: asyncio.Event | None = None

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        return local_url(self.host, self.port)

    @property
    def label(self) -> str:
        """The label of what is served now."""
        return self.versions.label(self.state.builds)

    def run_rebuild(self, changed: set) -> Rebuilt:
        """Run the rebuild callable; an exception in it never stops the server."""
        try:
            rebuilt = self.rebuild(changed)
        except Exception as exc:  # noqa: BLE001 - the server must outlive a crashing build
            self.log(traceback.format_exc())
            return Rebuilt([f"the build crashed: {exc!r} — this is a bug in Qingdao Digest; please report it "
                            "with the traceback printed in the terminal"])
        return rebuilt if isinstance(rebuilt, Rebuilt) else Rebuilt(list(rebuilt))

    def build_once(self, changed: set) -> None:
        """Rebuild and publish the result (the first build, before serving, or any later one)."""
        self.publish(self.run_rebuild(changed))

    def publish(self, rebuilt: Rebuilt) -> None:
        """Make a build's result what the server shows: on the server's loop once it runs."""
        if self.loop is None:
            self.record(rebuilt)
        else:
            self.loop.add_callback(self.record, rebuilt)

    def record(self, rebuilt: Rebuilt) -> None:
        """Count the build, remember what it changed, tell the pages it made stale (on the loop)."""
        build = self.state.builds + 1
        self.versions.note(build, rebuilt, rebuilt.errors != self.state.errors)
        self.state = BuildState(rebuilt.errors, build)
        self.reload_browsers()

    def watch_loop(self) -> None:
        """Wait for a burst of changes, rebuild, tell the browsers; until stopped."""
        changed: set = set()
        while not self.stop_event.is_set():
            changed |= self.changes.wait(self.stop_event)
            if not changed or self.stop_event.is_set():
                continue
            started = time.perf_counter()
            rebuilt = self.run_rebuild(changed)
            shown = next(iter(changed)) if len(changed) == 1 else f"{len(changed)} files"
            seconds = time.perf_counter() - started
            if rebuilt.superseded:  # its files are built again with the newer changes, at once
                self.log(f"{shown} changed: rebuild given up after {seconds:.2f} s for newer changes")
                continue
            self.log(f"{shown} changed: rebuild {'failed' if rebuilt.errors else 'done'} in {seconds:.2f} s")
            self.publish(rebuilt)
            changed = set()

    def add_waiter(self, sock: ReloadSocket) -> None:
        """A page said which address it shows: follow it, and reload it at once when a build changed it since."""
        self.waiters.add(sock)
        if self.versions.stale(sock.built, sock.files):
            sock.reload()

    def reload_browsers(self) -> None:
        """Tell the pages that the last build changed to reload (runs on the server's loop)."""
        for sock in list(self.waiters):
            if self.versions.stale(sock.built, sock.files):
                sock.reload()

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
            for sock in list(self.waiters):
                sock.close()
            await http.close_all_connections()
            watcher.join(timeout=5)

    def stop(self) -> None:
        """Stop serving (safe from any thread)."""
        self.stop_event.set()
        if self.loop is not None and self.done is not None:
            self.loop.add_callback(self.done.set)


class HostGuard:
    """Refuses requests whose Host header could come from DNS rebinding (a mixin for request handlers)."""

    def initialize(self, server: PreviewServer) -> None:
        """Keep the server this handler works for."""
        self.server = server

    def prepare(self) -> None:
        """Answer 403 for a foreign Host header."""
        if not host_allowed(self.request.host or "", self.server.host):
            self.set_status(403)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish("403: this server answers only to its own address (Host header refused)\n")


class SiteHandler(HostGuard, web.RequestHandler):
    """Files of the output folder; the error page in place of HTML while the build is broken."""

    def get(self) -> None:
        """Serve a file, a redirect, the error page or the site's 404 page."""
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.label = self.server.label  # before reading the file: the page is never older than its label
        try:
            kind, found = resolve_request(self.server.out, self.request.path)
        except (UnicodeDecodeError, ValueError):
            kind, found = "missing", None
        if kind == "redirect":
            self.redirect(quote(str(found), safe="/"), permanent=False)
            return
        errors = self.server.state.errors
        html_wanted = kind == "missing" or content_type(str(found)).startswith("text/html")
        if errors and html_wanted:
            self.send(500, "text/html; charset=utf-8", error_page(errors, self.server.port, self.label))
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
            data = inject_script(data, self.server.port, self.label)
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


class ScriptHandler(HostGuard, LiveReloadJSHandler):
    """The package's handler for its browser script, livereload.js, behind the Host check."""

    def get(self) -> None:
        """The package's script, sent by the package's handler, with our headers."""
        super().get()
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")


class ReloadSocket(LiveReloadHandler):
    """The package's LiveReload endpoint (its handshake), with what it lacks for us.

    Its check_origin accepts any origin, so any web page could connect: here only a page of this
    server may. It keeps its browsers in one set for the class, and reloads all of them for any
    change: here each server has its own, and a browser is told to reload only when the page it
    shows is stale, which is also checked the moment it connects.
    """

    def initialize(self, server: PreviewServer) -> None:
        """Keep the server whose browsers this socket belongs to."""
        self.server = server
        self.built: int | None = server.state.builds  # until the hello says which build the page shows
        self.files: tuple[str, ...] = ()
        self.page = "/"

    def prepare(self):
        """Refuse a foreign Host header before upgrading."""
        if not host_allowed(self.request.host or "", self.server.host):
            raise web.HTTPError(403)
        return super().prepare()

    def check_origin(self, origin: str) -> bool:
        """Only a page served by this server, at the address the browser asked for, may connect."""
        host = self.request.host or ""
        return urlsplit(origin).netloc.lower() == host.lower() and host_allowed(host, self.server.host)

    def on_message(self, message) -> None:
        """The package answers hello; the page's label and address come from hello and info."""
        try:
            data = json.loads(message)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        if data.get("command") == "hello":
            if "snipver" in data:  # our pages always send it; other clients are taken as up to date
                self.built = self.server.versions.built(data["snipver"])
            super().on_message(message)  # the package's handshake reply
        elif data.get("command") == "info" and isinstance(data.get("url"), str):
            self.page = urlsplit(data["url"]).path or "/"
            self.files = page_files(self.server.out, data["url"])
            self.server.add_waiter(self)  # not the package's class-wide set

    def on_close(self) -> None:
        """Forget the browser."""
        self.server.waiters.discard(self)

    def reload(self) -> None:
        """Tell the page to reload itself (once for what is built now: the page it loads connects anew)."""
        self.built = self.server.state.builds
        try:
            self.write_message(json.dumps({"command": "reload", "path": self.page, "liveCSS": False, "liveImg": False}))
        except WebSocketClosedError:
            self.server.waiters.discard(self)
