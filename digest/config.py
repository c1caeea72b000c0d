"""Site settings from config.yaml: a typed, frozen schema, validated once, every problem by key path."""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from .errors import DigestError, Problem, error, warning
from .sources import read_text, within
from .yamlsafe import parse_yaml

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
POLICIES = ("notice", "hide")
RAW_HTML_MODES = ("allow", "warn", "strip")

# One line per option: what it means. Unknown keys are warned about, using this list.
OPTIONS = {
    "title": "site title, one per language: {zh: …, en: …}",
    "description": "one-line description per language, for the landing page and feeds",
    "base_url": "absolute URL the site is served from; may have a path, e.g. https://example.org/digest/",
    "original_language": "language of the originals (default zh); the others are translations",
    "languages": "language code -> {name, locale (Babel), hreflang}",
    "sections": "section key -> {zh: label, en: label}",
    "per_page": "articles per list page (default 20)",
    "timezone": "IANA time zone of the newsroom (default Asia/Shanghai)",
    "untranslated": "what other languages show for an untranslated article: notice (default) or hide",
    "feed_size": "entries per feed (default 20)",
    "sitemap_limit": "URLs per sitemap file before sitemap.xml becomes an index of several (default 50000)",
    "cname": "custom domain written to CNAME when publishing",
    "publish": "publishing settings: {branch, remote, max_delete_share}",
    "check": "proofreading limits: {title_max, summary_max, allow_html, allow_schemes}",
    "raw_html": "what build does with raw HTML that runs code (check always reports it): allow, warn (default) "
                "or strip (removed by an allow-list sanitiser)",
    "limits": "what one content file may hold: {max_file_kb} (default 1024)",
    "search": "build the search index and show the search box and page (default true; build --no-search skips it)",
    "glossary_hints": "mark glossary terms on single-language article pages too (default false; bilingual pages always)",
}
LIMIT_KEYS = {"max_file_kb": 1024}  # per content file; a long article is 50 KB


@dataclass(frozen=True)
class Language:
    """One language of the site."""

    code: str
    name: str
    locale: str
    hreflang: str


@dataclass(frozen=True)
class Config:
    """Validated site settings."""

    root: Path
    title: dict
    description: dict
    base_url: str
    original_language: str
    languages: tuple[Language, ...]
    sections: dict  # key -> {lang: label}, in config order
    per_page: int
    timezone: str
    untranslated: str
    feed_size: int
    cname: str | None
    raw: dict
    sitemap_limit: int = 50000
    search: bool = True
    max_file_bytes: int = LIMIT_KEYS["max_file_kb"] * 1024
    allow_html: frozenset = frozenset()  # raw HTML tags allowed in articles (check.allow_html)
    allow_schemes: frozenset = frozenset()  # javascript, vbscript, data links allowed (check.allow_schemes)
    glossary_hints: bool = False
    raw_html: str = "warn"  # allow, warn or strip: what the build does with script-like markup (RAW_HTML_MODES)

    @functools.cached_property  # asked for tens of thousands of times per build
    def codes(self) -> tuple[str, ...]:
        """Language codes, original language first."""
        return tuple(lang.code for lang in self.languages)

    def language(self, code: str) -> Language:
        """The Language record of a code."""
        return next(lang for lang in self.languages if lang.code == code)

    @property
    def base_path(self) -> str:
        """The path part of base_url, always ending with '/'."""
        return urlsplit(self.base_url).path or "/"

    @property
    def tz(self) -> ZoneInfo:
        """The newsroom's time zone."""
        return ZoneInfo(self.timezone)


def load_config(root: Path, base_url: str | None = None, search: bool | None = None) -> tuple[Config, list[Problem]]:
    """Read and validate config.yaml; raise DigestError listing every problem.

    base_url and search override the file's settings (command-line options); they go into `raw` too,
    so that every fingerprint of the site sees them.
    """
    path = root / "config.yaml"
    shown = "config.yaml"
    if not path.is_file():
        raise DigestError(error(shown, None, "config.yaml is missing",
                                "create it at the project root (see README.md, 'config.yaml')", code="config"))
    real = os.path.realpath(path)
    if not within(real, os.path.realpath(root)):  # inputs stay inside the project, like content/ and static/
        raise DigestError(error(shown, None, f"config.yaml is a link that leads outside the project ({real})",
                                "copy the file into the project instead of linking to it", code="link-outside"))
    unclean: list[Problem] = []
    text, problem = read_text(path, shown, unclean)
    if problem:
        raise DigestError(problem)
    parsed = parse_yaml(text)
    problems = [error(shown, line, msg, hint, code="config") for line, msg, hint in parsed.problems]
    if problems or any(p.level == "error" for p in unclean):
        raise DigestError(unclean + problems)
    data = parsed.data if isinstance(parsed.data, dict) else None
    if data is None:
        raise DigestError(error(shown, 1, "config.yaml is not a mapping of settings",
                                "write `key: value` lines, e.g. `base_url: https://example.org/`", code="config"))
    if base_url is not None:
        data = {**data, "base_url": base_url}
    if search is not None:
        data = {**data, "search": search}
    checker = ConfigChecker(shown, parsed.key_lines, parsed.key_texts)
    checker.problems += unclean
    config = checker.build(root, data)
    if checker.errors():
        raise DigestError(checker.errors())
    return config, checker.problems


class ConfigChecker:
    """Collects every problem of config.yaml while converting it to a Config."""

    def __init__(self, shown: str, key_lines: dict[str, int], key_texts: dict[str, str] | None = None):
        self.shown = shown
        self.key_lines = key_lines
        self.key_texts = key_texts or {}
        self.problems: list[Problem] = []

    def errors(self) -> list[Problem]:
        """Error-level problems found so far."""
        return [p for p in self.problems if p.level == "error"]

    def fail(self, key: str, message: str, hint: str) -> None:
        """Record a problem with the setting at key path `key`."""
        line = self.key_lines.get(key.split(".")[0])
        self.problems.append(error(self.shown, line, f"{key}: {message}", hint, code="config"))

    def build(self, root: Path, data: dict) -> Config:
        """Check every setting and return the Config (meaningful only when no errors)."""
        for key in data:
            if key not in OPTIONS:
                self.problems.append(warning(self.shown, self.key_lines.get(key), f"unknown setting '{key}'",
                                             "remove it or check its spelling", code="config-unknown-key"))
        languages = self.check_languages(data.get("languages"))
        codes = [lang.code for lang in languages]
        original = self.text(data, "original_language", default="zh")
        if codes and original not in codes:
            self.fail("original_language", f"'{original}' is not one of the languages ({', '.join(codes)})",
                      "set it to one of the codes under `languages`")
        ordered = tuple(sorted(languages, key=lambda lang: lang.code != original))
        return Config(
            root=root,
            title=self.per_language(data, "title", codes, required=True),
            description=self.per_language(data, "description", codes, required=False),
            base_url=self.check_base_url(data.get("base_url")),
            original_language=original,
            languages=ordered,
            sections=self.check_sections(data.get("sections"), codes),
            per_page=self.positive_int(data, "per_page", 20),
            timezone=self.check_timezone(data.get("timezone", "Asia/Shanghai")),
            untranslated=self.check_choice(data, "untranslated", POLICIES, "notice"),
            feed_size=self.positive_int(data, "feed_size", 20),
            cname=self.text(data, "cname", default=None),
            raw=data,
            sitemap_limit=self.bounded_int(data, "sitemap_limit", 50000, 50000),
            search=self.boolean(data, "search", True),
            max_file_bytes=self.check_limits(data.get("limits")) * 1024,
            allow_html=self.word_list(data.get("check"), "allow_html", "e.g. allow_html: [sup, sub, br]"),
            allow_schemes=self.word_list(data.get("check"), "allow_schemes", "e.g. allow_schemes: [data]"),
            glossary_hints=self.boolean(data, "glossary_hints", False),
            raw_html=self.check_choice(data, "raw_html", RAW_HTML_MODES, "warn"),
        )

    def check_limits(self, value) -> int:
        """limits: {max_file_kb}; the size limit in KB."""
        if value is None:
            return LIMIT_KEYS["max_file_kb"]
        if not isinstance(value, dict):
            self.fail("limits", f"expected a mapping, got {describe(value)}", "e.g. limits: {max_file_kb: 1024}")
            return LIMIT_KEYS["max_file_kb"]
        for key in value:
            if key not in LIMIT_KEYS:
                self.fail(f"limits.{key}", "unknown setting", f"use {', '.join(LIMIT_KEYS)}")
        return self.positive_int(value, "max_file_kb", LIMIT_KEYS["max_file_kb"], where="limits.max_file_kb")

    def word_list(self, block, key: str, example: str) -> frozenset:
        """A list of names under check: (lowercased); a wrong type is an error (check reports the block)."""
        if not isinstance(block, dict) or key not in block:
            return frozenset()
        value = block[key]
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            self.fail(f"check.{key}", "expected a list of names", example)
            return frozenset()
        return frozenset(t.lower() for t in value)

    def text(self, data: dict, key: str, default: str | None) -> str | None:
        """A plain text setting."""
        value = data.get(key, default)
        if value is not None and not isinstance(value, str):
            self.fail(key, f"expected text, got {describe(value)}",
                      f"quote it: {key}: \"{self.key_texts.get(key, value)}\"")  # as written: 1.10, not 1.1
            return default
        return value

    def positive_int(self, data: dict, key: str, default: int, where: str = "") -> int:
        """A whole number of at least 1 (where: its key path, when not at the top)."""
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(where or key, f"expected a whole number of at least 1, got {describe(value)}",
                      f"e.g. {key}: {default}")
            return default
        return value

    def boolean(self, data: dict, key: str, default: bool) -> bool:
        """A yes/no setting: true or false."""
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {describe(value)}", f"e.g. {key}: {str(default).lower()}")
            return default
        return value

    def bounded_int(self, data: dict, key: str, default: int, most: int) -> int:
        """A whole number from 1 to `most`."""
        value = self.positive_int(data, key, default)
        if value > most:
            self.fail(key, f"at most {most} is allowed, got {value}", f"e.g. {key}: {default}")
            return default
        return value

    def check_choice(self, data: dict, key: str, choices: tuple, default: str) -> str:
        """One of a few words."""
        value = data.get(key, default)
        if value not in choices:
            self.fail(key, f"expected one of {', '.join(choices)}, got {describe(value)}", f"e.g. {key}: {default}")
            return default
        return value

    def check_base_url(self, value) -> str:
        """An absolute http(s) URL, normalised to end with '/'."""
        if not isinstance(value, str) or not value:
            self.fail("base_url", "missing or not text", "e.g. base_url: https://example.org/digest/")
            return "http://localhost/"
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            self.fail("base_url", f"'{value}' is not an absolute http(s) URL",
                      "e.g. base_url: https://example.org/digest/")
            return "http://localhost/"
        return value if value.endswith("/") else value + "/"

    def check_languages(self, value) -> list[Language]:
        """languages: code -> {name, locale, hreflang}."""
        if not isinstance(value, dict) or not value:
            self.fail("languages", "missing or empty" if value in (None, {}, "") else
                      f"expected one entry per language code, got {describe(value)}",
                      "e.g. languages: {zh: {name: 中文, locale: zh_Hans_CN, hreflang: zh-Hans}, "
                      "en: {name: English, locale: en, hreflang: en}}")
            return []
        languages = []
        for code, spec in value.items():
            where = f"languages.{code}"
            if not isinstance(code, str) or not LANG_RE.match(code):
                self.fail(where, "a language code must be like 'zh' or 'en'", "use a short lowercase code")
                continue
            if not isinstance(spec, dict):
                self.fail(where, f"expected {{name, locale, hreflang}}, got {describe(spec)}",
                          f"e.g. {code}: {{name: …, locale: {code}, hreflang: {code}}}")
                continue
            locale = spec.get("locale", code)
            try:
                Locale.parse(locale)
            except (UnknownLocaleError, ValueError, TypeError):
                self.fail(f"{where}.locale", f"'{locale}' is not a locale Babel knows", "e.g. zh_Hans_CN or en")
                locale = "en"
            name, hreflang = spec.get("name", code), spec.get("hreflang", code)
            if not isinstance(name, str) or not isinstance(hreflang, str):
                self.fail(where, "name and hreflang must be text", "quote them")
                continue
            languages.append(Language(code, name, str(locale), hreflang))
        return languages

    def per_language(self, data: dict, key: str, codes: list[str], required: bool) -> dict:
        """A {lang: text} setting; a plain text value applies to every language."""
        value = data.get(key)
        if value is None:
            if required:
                self.fail(key, "missing", f"e.g. {key}: {{{', '.join(c + ': …' for c in codes)}}}")
            return {code: "" for code in codes}
        if isinstance(value, str):
            return {code: value for code in codes}
        if not isinstance(value, dict):
            self.fail(key, f"expected one text per language, got {describe(value)}", f"e.g. {key}: {{zh: …, en: …}}")
            return {code: "" for code in codes}
        result = {}
        for code in codes:
            text = value.get(code)
            if not isinstance(text, str) or not text.strip():
                if required or text is not None:
                    self.fail(f"{key}.{code}", "missing or not text", f"add `{code}: …` under {key}")
                text = ""
            result[code] = text
        return result

    def check_sections(self, value, codes: list[str]) -> dict:
        """sections: key -> {lang: label}."""
        if not isinstance(value, dict) or not value:
            self.fail("sections", "missing or empty" if value in (None, {}, "") else
                      f"expected one entry per section key, got {describe(value)}",
                      "e.g. sections: {economy: {zh: 经济, en: Economy}}")
            return {}
        sections = {}
        for key, labels in value.items():
            if not isinstance(key, str) or not KEY_RE.match(key):
                self.fail(f"sections.{key}", "a section key must be lowercase ASCII letters, digits and '-'",
                          "rename it, e.g. economy")
                continue
            if not isinstance(labels, dict):
                self.fail(f"sections.{key}", f"expected {{zh: …, en: …}}, got {describe(labels)}",
                          f"e.g. {key}: {{zh: 经济, en: Economy}}")
                continue
            for code in codes:
                if not isinstance(labels.get(code), str):
                    self.fail(f"sections.{key}.{code}", "missing label", f"add `{code}: …`")
            sections[key] = {code: str(labels.get(code, key)) for code in codes}
        return sections

    def check_timezone(self, value) -> str:
        """An IANA time zone name."""
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            self.fail("timezone", f"'{value}' is not a time zone name", "e.g. timezone: Asia/Shanghai")
            return "Asia/Shanghai"
        return str(value)


def describe(value) -> str:
    """Name a YAML value's type in an editor's words."""
    if isinstance(value, bool):
        return f"yes/no ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return f"'{value}'"
