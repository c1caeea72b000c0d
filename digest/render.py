"""Render stage: one Jinja environment (autoescape, StrictUndefined), pages rendered in memory."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import urls
from .bilingual import Row, bilingual_rows, numbered_body
from .body import place
from .errors import Problem, error
from .i18n import long_date, month_name, strings, ui
from .metadata import install_helpers
from .sources import decode_text, walk_files


@dataclass
class PageSpec:
    """One output page: where it goes, which template, and what it shows."""

    path: str
    template: str
    lang: str
    ctx: dict
    alternates: tuple = ()  # ((lang, path), …) incl. itself; empty for pages outside any cluster
    x_default: str | None = None
    fallbacks: dict = field(default_factory=dict)  # lang -> (path, ui key) for missing translations
    absolute_links: bool = False
    source: str = ""  # the content file it comes from, for error messages
    fp: str = ""


def make_environment(templates: Path, bytecode: Path | None = None) -> jinja2.Environment:
    """The site's Jinja environment: autoescape on, undefined names are errors.

    bytecode: a folder of the build cache where compiled templates are kept between processes
    (Jinja checks each against its source), so a build after one edit does not compile them all.
    """
    cache = None
    if bytecode is not None:
        bytecode.mkdir(parents=True, exist_ok=True)
        cache = jinja2.FileSystemBytecodeCache(str(bytecode))
    env = jinja2.Environment(
        bytecode_cache=cache,
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=jinja2.select_autoescape(("html", "xml"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.globals.update(t=t_func, url=url_func, abs_url=abs_url_func, date=date_func, month=month_func,
                       body=body_func, ui=ui, date_in=date_in_func, fragment=fragment_func, story=story_func,
                       pairs=pairs_func, bilingual_url=urls.bilingual)
    env.filters["date"] = date_filter
    install_helpers(env)
    return env


def compile_templates(env: jinja2.Environment, templates: Path, root: Path) -> list[Problem]:
    """Compile every template now, so a syntax error stops the build before anything is written."""
    walk = walk_files(templates, root)  # the one walker: editor leftovers are not templates
    problems = list(walk.problems)  # a link out of the project or a loop: Jinja would follow it
    for path in walk.files:
        if path.suffix in (".html", ".xml", ".txt", ".json"):
            name = path.relative_to(templates).as_posix()
            try:
                env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                problems.append(error(f"templates/{name}", exc.lineno, f"template syntax error: {exc.message}",
                                      "fix the template tag on that line", code="template"))
            except UnicodeDecodeError:  # the same message as for a content file, with its line
                problems.append(decode_text(path.read_bytes(), f"templates/{name}")[1])
    return problems


def template_fingerprints(env: jinja2.Environment, templates: Path) -> dict[str, str]:
    """Per template: a hash of the engine's code, the template and every template it uses.

    A page's fingerprint starts with its template's, so editing archive.html re-renders only the
    archive pages, while base.html or a partial re-renders every page that includes it. A template
    whose includes are computed at run time counts as using every template.
    """
    from jinja2 import meta
    engine = hashlib.blake2b(digest_size=12)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        engine.update(path.name.encode() + b"\0" + path.read_bytes())
    own, uses = {}, {}
    for path in walk_files(templates).files:
        name = path.relative_to(templates).as_posix()
        source = path.read_bytes()
        own[name] = hashlib.blake2b(source, digest_size=12).hexdigest()
        uses[name] = referenced_templates(env, meta, source.decode("utf-8", "replace"))
    prints = {}
    for name in own:
        closure = template_closure(name, uses, own)
        prints[name] = hashlib.blake2b((engine.hexdigest() + repr(sorted((n, own[n]) for n in closure))).encode(),
                                       digest_size=12).hexdigest()
    return prints


def referenced_templates(env: jinja2.Environment, meta, source: str) -> set | None:
    """Templates a template extends, includes, imports or renders as a fragment; None when one is computed."""
    try:
        found = list(meta.find_referenced_templates(env.parse(source)))
    except jinja2.TemplateSyntaxError:
        return set()  # compile_templates reports it
    return None if None in found else set(found) | set(FRAGMENT_RE.findall(source))


def template_closure(name: str, uses: dict, own: dict) -> set:
    """A template and everything it uses, directly or not."""
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen or current not in own:
            continue
        seen.add(current)
        used = uses[current]
        todo.extend(own if used is None else used)
    return seen


@jinja2.pass_context
def t_func(ctx, key: str, **values) -> str:
    """A UI string in the page's language."""
    return ui(ctx["lang"], key, **values)


@jinja2.pass_context
def url_func(ctx, path: str) -> str:
    """A link to a site path from the current page (relative; absolute on the 404 page)."""
    if ctx["absolute_links"]:
        return ctx["base_path"] + path
    return urls.relative(ctx["page_path"], path)


@jinja2.pass_context
def abs_url_func(ctx, path: str) -> str:
    """The absolute URL of a site path, for canonical links and metadata."""
    return urls.absolute(ctx["base_url"], path)


@jinja2.pass_context
def date_func(ctx, value) -> str:
    """A date in the page's language."""
    return long_date(to_date(value), ctx["locale"])


@jinja2.pass_context
def date_in_func(ctx, value, lang: str) -> str:
    """A date in a given language (the bilingual landing page shows both)."""
    return long_date(to_date(value), ctx["locales"].get(lang, "en"))


@jinja2.pass_context
def date_filter(ctx, value) -> str:
    """Filter form of date()."""
    return long_date(to_date(value), ctx["locale"])


@jinja2.pass_context
def month_func(ctx, year: int, month: int) -> str:
    """A month in the page's language."""
    return month_name(year, month, ctx["locale"])


ROOT_MARK = "\x00root\x00"  # stands for the page's link prefix inside cached fragments
FRAGMENT_RE = re.compile(r"""\bfragment\(\s*["']([^"']+)["']""")


@jinja2.pass_context
def fragment_func(ctx, name: str, item=None) -> Markup:
    """A partial that is the same on every page of a language (but for its links), rendered once per process.

    Lists show each article on half a dozen pages and every page shows the same navigation;
    rendering those once and re-rooting their relative links is a large share of a build.
    A fragment may use the language, site-wide values and `item`, never the page's own.
    """
    cache = ctx["fragments"]
    key = (name, ctx["lang"], item.fp if item is not None else None)
    html = cache.get(key)
    if html is None:
        values = {**ctx.get_all(), "root": ROOT_MARK, "item": item}
        html = ctx.environment.get_template(name).render(values)
        cache[key] = html
    return Markup(html.replace(ROOT_MARK, ctx["root"]))


@jinja2.pass_context
def body_func(ctx, record) -> Markup:
    """The HTML body of a standalone page, placed on this page (body.place)."""
    return Markup(place(ctx["bodies"][record.body_hash].html, ctx["root"], ctx.get("links", {})))


@jinja2.pass_context
def story_func(ctx, record) -> Markup:
    """An article's body for its page: blocks numbered as in the original, ¶ links, glossary marks if asked."""
    lang, hreflangs = ctx["lang"], ctx["hreflangs"]
    other = next((code for code in ctx["codes"] if code != record.lang), record.lang)
    html = numbered_body(ctx["bodies"][record.body_hash], record.is_original, lang, ctx.get("glossary"), record.lang,
                         other, hreflangs.get(other, other))
    return Markup(place(html, ctx["root"], ctx.get("links", {})))


@jinja2.pass_context
def pairs_func(ctx, original, translation) -> list:
    """The pairs of a bilingual page, each language's body in its own id namespace, links placed on this page."""
    links = {ctx["article"].lang: ctx["links"], ctx["partner"].lang: ctx["partner_links"]}
    hreflangs, root, bodies = ctx["hreflangs"], ctx["root"], ctx["bodies"]
    rows = bilingual_rows(bodies[original.body_hash], bodies[translation.body_hash], ctx["glossary"],
                          (original.lang, translation.lang), (hreflangs[original.lang], hreflangs[translation.lang]))
    left, right = (links[original.lang], original.lang + "_"), (links[translation.lang], translation.lang + "_")
    return [Row(row.id, row.number, row.kind, Markup(place(row.original, root, left[0], left[1])),
                Markup(place(row.translation, root, right[0], right[1]))) for row in rows]


def to_date(value) -> dt.date:
    """A date from a datetime, a date or YYYY-MM-DD text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def spec_fingerprint(spec: PageSpec, base: str) -> str:
    """A hash of everything a page shows: when it is unchanged, the page needs no rendering."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(base.encode())
    digest.update(repr((spec.path, spec.template, spec.lang, spec.alternates, spec.x_default,
                        sorted(spec.fallbacks.items()), spec.absolute_links)).encode())
    feed_value(digest, spec.ctx)
    return digest.hexdigest()


PLAIN_TYPES = (str, int, float, bool)


def feed_value(digest, value) -> None:
    """Hash a context value: model records by their own fingerprint, containers item by item.

    The value is written out as text first and hashed in one call: far fewer calls per page.
    """
    parts: list[str] = []
    value_text(value, parts.append)
    digest.update("".join(parts).encode())


def value_text(value, add) -> None:
    """Write a context value as unambiguous text through add (see feed_value)."""
    if value is None or type(value) in PLAIN_TYPES:  # the common case first; the same text as the last branch
        add(repr(value))
        add(",")
        return
    fp = getattr(value, "fp", None)
    if isinstance(fp, str) and fp:
        add("@")
        add(fp)
        add(",")
    elif isinstance(value, dict):
        add("{")
        for key in sorted(value, key=str):
            add(repr(str(key)))
            add(":")
            value_text(value[key], add)
        add("}")
    elif isinstance(value, (list, tuple)):
        add("[")
        for item in value:
            value_text(item, add)
        add("]")
    elif dataclasses.is_dataclass(value):
        value_text({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, add)
    else:
        add(repr(value))
        add(",")


def render_page(env: jinja2.Environment, spec: PageSpec, common: dict) -> bytes:
    """Render one page to bytes (UTF-8)."""
    root = common["base_path"] if spec.absolute_links else "../" * spec.path.count("/")
    ctx = {**common, **spec.ctx, "lang": spec.lang, "page_path": spec.path, "spec": spec,
           "absolute_links": spec.absolute_links, "root": root, "s": strings(spec.lang),
           "locale": common["locales"].get(spec.lang, "en")}
    return env.get_template(spec.template).render(ctx).encode("utf-8")


def template_problem(exc: Exception, spec: PageSpec, templates: Path) -> Problem:
    """Explain a failure while rendering a page: which template and line."""
    line, name = None, spec.template
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if filename.startswith(str(templates)):
            name, line = Path(filename).relative_to(templates).as_posix(), lineno
    if isinstance(exc, jinja2.TemplateNotFound):  # once per missing template, not once per page
        missing = exc.name if isinstance(exc.name, str) else spec.template
        if line is None:  # the page's own template is missing: the site needs it for this kind of page
            return error(f"templates/{missing}", None, f"the template {missing} does not exist (it renders "
                         f"{spec.template.rsplit('.', 1)[0]} pages)", f"create templates/{missing}, or restore it "
                         "from the project's repository (git checkout -- templates/)", code="template-missing")
        return error(f"templates/{name}", line, f"this template includes {missing}, which does not exist",
                     f"create templates/{missing}, or fix the name here", code="template-missing")
    message = getattr(exc, "message", None) or str(exc)
    where = f" (page {spec.path or '/'}{', from ' + spec.source if spec.source else ''})"
    hint = "check the variable names in the template" if isinstance(exc, jinja2.UndefinedError) else \
        "fix the template at this line" if line else "check the template"
    return error(f"templates/{name}", line, f"template error: {message}{where}", hint, code="template")

