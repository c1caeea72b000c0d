"""Checks over the curated content (SPEC §2), independent of the site engine.

Each check is a small function that takes the path of a content folder and returns a list
of problems (strings naming the file). The tests run them over the real ``content/`` and,
to prove they bite, over broken copies made in ``tmp_path``.
Only the standard library and PyYAML are used, so this suite does not depend on the engine.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
CONFIG = ROOT / "config.yaml"

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EDITION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HEADING_RE = re.compile(r"^#{1,6}\s")
BLANK_LINES_RE = re.compile(r"\n[ \t]*\n")
# Metadata that is not about language: written once in the original, inherited by the translation.
INHERITED_KEYS = ("section", "tags", "source", "date", "order", "draft")
# Front matter fields whose wording is translated, checked for glossary terms with the body.
TEXT_KEYS = ("kicker", "title", "subtitle")
MIN_GLOSSARY_TERMS = 40


# ---------------------------------------------------------------- loading


def split_front_matter(text: str) -> tuple[dict, str]:
    """Split a Markdown file into its YAML front matter (a dict) and its body."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise ValueError("no front matter: the file must start with a '---' line")
    end = text.find("\n---\n", 3)
    if end == -1:
        raise ValueError("front matter is not closed: add a '---' line after it")
    meta = yaml.safe_load(text[4:end]) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter must be a YAML mapping")
    return meta, text[end + len("\n---\n"):]


def load_yaml(path: Path) -> dict:
    """Load a YAML mapping file; a missing file is an empty mapping."""
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def article_files(content: Path) -> list[Path]:
    """Every article file (``<slug>.<lang>.md``) under ``content/editions``."""
    return sorted((content / "editions").glob("*/*.md"))


def split_name(path: Path) -> tuple[str, str]:
    """Return (stem, language) of ``stem.lang.md``; language is '' if the name has none."""
    stem, _, lang = path.name[: -len(".md")].rpartition(".")
    return (stem, lang) if stem else (lang, "")


def load_articles(content: Path) -> dict[tuple[str, str], dict[str, tuple[dict, str, Path]]]:
    """Group article files by (edition, stem) -> {lang: (meta, body, path)}."""
    articles: dict[tuple[str, str], dict[str, tuple[dict, str, Path]]] = {}
    for path in article_files(content):
        stem, lang = split_name(path)
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        articles.setdefault((path.parent.name, stem), {})[lang] = (meta, body, path)
    return articles


def blocks(body: str) -> list[str]:
    """Non-empty blocks of a Markdown body, split on blank lines."""
    return [b.strip() for b in BLANK_LINES_RE.split(body.strip()) if b.strip()]


def count_structure(body: str) -> tuple[int, int]:
    """(paragraphs, headings): headings are ATX heading blocks, paragraphs all other blocks."""
    heads = sum(1 for b in blocks(body) if HEADING_RE.match(b))
    return len(blocks(body)) - heads, heads


def translated_text(meta: dict, body: str) -> str:
    """Headline fields plus body, whitespace collapsed, for term look-ups."""
    parts = [str(meta[k]) for k in TEXT_KEYS if meta.get(k)] + [body]
    return re.sub(r"\s+", " ", "\n".join(parts))


def rel(path: Path, content: Path) -> str:
    """A path relative to the content folder's parent, for messages."""
    return str(path.relative_to(content.parent))


# ---------------------------------------------------------------- checks


def check_parse(content: Path) -> list[str]:
    """Every article, page and YAML file parses."""
    problems = []
    for path in sorted(content.rglob("*.md")):
        try:
            meta, _ = split_front_matter(path.read_text(encoding="utf-8"))
            if not meta.get("title"):
                problems.append(f"{rel(path, content)}: front matter has no 'title'")
        except (ValueError, yaml.YAMLError) as exc:
            problems.append(f"{rel(path, content)}: {exc}")
    for path in sorted(content.rglob("*.yaml")):
        try:
            yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            problems.append(f"{rel(path, content)}: {exc}")
    return problems


def check_pairs(content: Path, languages=("zh", "en")) -> list[str]:
    """Every article exists in every language."""
    problems = []
    for (edition, stem), files in sorted(load_articles(content).items()):
        for lang in languages:
            if lang not in files:
                problems.append(f"content/editions/{edition}/{stem}.{lang}.md: missing ({stem} has no {lang} version)")
    return problems


def check_structure(content: Path, original="zh") -> list[str]:
    """Each translation has as many paragraphs and headings as its original."""
    problems = []
    for files in load_articles(content).values():
        if original not in files:
            continue
        want = count_structure(files[original][1])
        for lang, (_, body, path) in sorted(files.items()):
            got = count_structure(body)
            if lang != original and got != want:
                problems.append(
                    f"{rel(path, content)}: {got[0]} paragraphs and {got[1]} headings, "
                    f"but the {original} original has {want[0]} and {want[1]}"
                )
    return problems


def check_glossary(content: Path, original="zh", target="en") -> list[str]:
    """Every glossary term found in an original appears in its exact English form in the translation."""
    glossary = load_yaml(content / "glossary.yaml")
    problems = []
    for files in load_articles(content).values():
        if original not in files or target not in files:
            continue
        source = translated_text(*files[original][:2])
        meta, body, path = files[target]
        translation = translated_text(meta, body)
        for key, term in sorted(glossary.items()):
            if term[original] in source and term[target] not in translation:
                problems.append(
                    f"{rel(path, content)}: glossary term '{key}' ({term[original]}) "
                    f"is in the original but '{term[target]}' is not in the translation"
                )
    return problems


def check_glossary_file(content: Path) -> list[str]:
    """The glossary has enough well-formed entries, each occurring in some Chinese article."""
    path = content / "glossary.yaml"
    glossary = load_yaml(path)
    originals = " ".join(translated_text(*f["zh"][:2]) for f in load_articles(content).values() if "zh" in f)
    problems = []
    if len(glossary) < MIN_GLOSSARY_TERMS:
        problems.append(f"{rel(path, content)}: {len(glossary)} terms, at least {MIN_GLOSSARY_TERMS} expected")
    for key, term in glossary.items():
        if not SLUG_RE.match(str(key)):
            problems.append(f"{rel(path, content)}: key {key!r} is not [a-z0-9-]")
        if not isinstance(term, dict) or not term.get("zh") or not term.get("en"):
            problems.append(f"{rel(path, content)}: '{key}' needs both 'zh' and 'en'")
        elif term["zh"] not in originals:
            problems.append(f"{rel(path, content)}: '{key}' ({term['zh']}) occurs in no Chinese article")
    return problems


def check_declared(content: Path, config: Path | None = None) -> list[str]:
    """Every section used is in config.yaml, every tag in tags.yaml, and every tag is used."""
    config = config or content.parent / "config.yaml"
    sections = load_yaml(config).get("sections") or {}
    tags = load_yaml(content / "tags.yaml")
    names = {}  # tag key or label of either language -> key
    for key, labels in tags.items():
        names[key] = key
        for label in (labels or {}).values():
            names[label] = key
    used = set()
    problems = []
    for path in article_files(content):
        meta, _ = split_front_matter(path.read_text(encoding="utf-8"))
        if "section" in meta and meta["section"] not in sections:
            problems.append(f"{rel(path, content)}: section '{meta['section']}' is not declared in config.yaml")
        for tag in meta.get("tags") or []:
            if tag in names:
                used.add(names[tag])
            else:
                problems.append(f"{rel(path, content)}: tag '{tag}' is not declared in content/tags.yaml")
    for key in sorted(set(tags) - used):
        problems.append(f"content/tags.yaml: tag '{key}' is used by no article")
    return problems


def check_originals(content: Path, original="zh") -> list[str]:
    """Every original declares a title and a section; no byline box is left in a body."""
    problems = []
    for files in load_articles(content).values():
        if original not in files:
            continue
        meta, body, path = files[original]
        if not meta.get("section"):
            problems.append(f"{rel(path, content)}: the original needs a 'section'")
        if "□" in body:
            problems.append(f"{rel(path, content)}: byline box '□' left in the body; move it to 'byline'")
    return problems


def check_slugs(content: Path) -> list[str]:
    """Edition folders are dates, slugs are [a-z0-9-], and edition.yaml orders only existing slugs."""
    problems = []
    for path in article_files(content) + sorted((content / "pages").glob("*.md")):
        stem, lang = split_name(path)
        if not SLUG_RE.match(stem) or not lang:
            problems.append(f"{rel(path, content)}: name must be <slug>.<lang>.md with a [a-z0-9-] slug")
    for folder in sorted(p for p in (content / "editions").iterdir() if p.is_dir()):
        if not EDITION_RE.match(folder.name):
            problems.append(f"{rel(folder, content)}: edition folders are named YYYY-MM-DD")
        stems = {split_name(p)[0] for p in folder.glob("*.md")}
        for slug in load_yaml(folder / "edition.yaml").get("order") or []:
            if slug not in stems:
                problems.append(f"{rel(folder / 'edition.yaml', content)}: order lists '{slug}', which has no article")
    for key in load_yaml(content / "tags.yaml"):
        if not SLUG_RE.match(str(key)):
            problems.append(f"content/tags.yaml: key {key!r} is not [a-z0-9-]")
    return problems


def check_inherited(content: Path, original="zh") -> list[str]:
    """A translation does not restate section, tags, source, date, order or draft differently."""
    problems = []
    for files in load_articles(content).values():
        if original not in files:
            continue
        base = files[original][0]
        for lang, (meta, _, path) in sorted(files.items()):
            for key in INHERITED_KEYS:
                if lang != original and key in meta and meta[key] != base.get(key):
                    problems.append(
                        f"{rel(path, content)}: '{key}' is {meta[key]!r} but the original says "
                        f"{base.get(key)!r}; remove it, the translation inherits it"
                    )
    return problems


ALL_CHECKS = (check_parse, check_pairs, check_structure, check_glossary, check_glossary_file,
              check_declared, check_originals, check_slugs, check_inherited)


# ---------------------------------------------------------------- the real content


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_content_passes(check):
    assert check(CONTENT) == []


def test_seed_edition_is_complete():
    articles = load_articles(CONTENT)
    seed = [stem for (edition, stem) in articles if edition == "2020-12-21"]
    assert len(seed) >= 10
    order = load_yaml(CONTENT / "editions/2020-12-21/edition.yaml")["order"]
    assert order[:2] == ["sanmin-activity", "rcep-qingdao-base"]
    assert sorted(order) == sorted(seed)


def test_editor_headline_is_marked():
    meta, _ = split_front_matter((CONTENT / "editions/2020-12-21/jinmenlu-gov-lounge.zh.md").read_text(encoding="utf-8"))
    assert meta.get("title_note")


def test_about_page_in_both_languages():
    for lang in ("zh", "en"):
        meta, body = split_front_matter((CONTENT / f"pages/about.{lang}.md").read_text(encoding="utf-8"))
        assert meta["title"] and body.strip()


def test_count_structure():
    body = "## Head\n\nOne.\n\nTwo\nstill two.\n\n\n## Next\n\nThree.\n"
    assert count_structure(body) == (3, 2)


# ---------------------------------------------------------------- the checks catch mistakes


@pytest.fixture
def broken(tmp_path):
    """A writable copy of content/ and config.yaml to break."""
    shutil.copytree(CONTENT, tmp_path / "content")
    shutil.copy(CONFIG, tmp_path / "config.yaml")
    return tmp_path / "content"


def edit(path: Path, old: str, new: str, count: int = -1) -> None:
    """Replace text in a file (every occurrence unless count says otherwise), insisting it is there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def edition(content: Path) -> Path:
    return content / "editions" / "2020-12-21"


def test_catches_deleted_paragraph(broken):
    path = edition(broken) / "rcep-qingdao-base.en.md"
    meta_and_body = path.read_text(encoding="utf-8").rsplit("\n\n", 1)[0] + "\n"
    path.write_text(meta_and_body, encoding="utf-8")  # drop the last paragraph
    problems = check_structure(broken)
    assert len(problems) == 1
    assert "rcep-qingdao-base.en.md: 12 paragraphs" in problems[0]


def test_catches_deleted_heading(broken):
    edit(edition(broken) / "jimo-industrial-internet.en.md", "## Local leaders show the way\n\n", "")
    problems = check_structure(broken)
    assert len(problems) == 1 and "2 headings" in problems[0]


def test_catches_missing_glossary_form(broken):
    edit(edition(broken) / "chengyang-volunteers.en.md", "Seven Helps", "seven kinds of help")
    problems = check_glossary(broken)
    assert len(problems) == 1
    assert "chengyang-volunteers.en.md" in problems[0] and "'Seven Helps'" in problems[0]


def test_glossary_match_is_case_sensitive(broken):
    edit(edition(broken) / "west-coast-property-registration.en.md", "World Bank", "world bank")
    assert any("'World Bank'" in p for p in check_glossary(broken))


def test_catches_glossary_term_in_no_article(broken):
    with (broken / "glossary.yaml").open("a", encoding="utf-8") as f:
        f.write("not-in-text: {zh: 不存在的术语, en: Nonexistent Term}\n")
    assert any("not-in-text" in p for p in check_glossary_file(broken))


def test_catches_undeclared_tag(broken):
    edit(edition(broken) / "laixi-rural-talent.zh.md", "tags: [laixi,", "tags: [laixi, farming,")
    problems = check_declared(broken)
    assert problems == ["content/editions/2020-12-21/laixi-rural-talent.zh.md: tag 'farming' is not declared in content/tags.yaml"]


def test_accepts_tag_labels(broken):
    edit(edition(broken) / "laixi-rural-talent.zh.md", "tags: [laixi,", "tags: [莱西市,")
    assert check_declared(broken) == []


def test_catches_undeclared_section(broken):
    edit(edition(broken) / "sco-russia-center.zh.md", "section: economy", "section: diplomacy")
    assert any("section 'diplomacy'" in p for p in check_declared(broken))


def test_catches_unused_tag(broken):
    with (broken / "tags.yaml").open("a", encoding="utf-8") as f:
        f.write("huangdao: {zh: 黄岛, en: Huangdao}\n")
    assert check_declared(broken) == ["content/tags.yaml: tag 'huangdao' is used by no article"]


def test_catches_missing_translation(broken):
    (edition(broken) / "poverty-fund-oversight.en.md").unlink()
    assert check_pairs(broken) == [
        "content/editions/2020-12-21/poverty-fund-oversight.en.md: missing (poverty-fund-oversight has no en version)"
    ]


def test_catches_bad_slug(broken):
    folder = edition(broken)
    for lang in ("zh", "en"):
        (folder / f"laoshan-moral-models.{lang}.md").rename(folder / f"Laoshan_Models.{lang}.md")
    problems = check_slugs(broken)
    assert any("Laoshan_Models.zh.md" in p for p in problems)
    assert any("order lists 'laoshan-moral-models'" in p for p in problems)


def test_catches_restated_metadata(broken):
    edit(edition(broken) / "sco-russia-center.en.md", "dateline: BEIJING\n", "dateline: BEIJING\nsection: society\n")
    problems = check_inherited(broken)
    assert len(problems) == 1 and "'section' is 'society'" in problems[0]


def test_allows_identical_restatement(broken):
    edit(edition(broken) / "sco-russia-center.en.md", "dateline: BEIJING\n", "dateline: BEIJING\nsection: economy\n")
    assert check_inherited(broken) == []


def test_catches_unparsable_front_matter(broken):
    edit(edition(broken) / "sco-russia-center.en.md", "title: SCO", "title: [SCO")
    assert any("sco-russia-center.en.md" in p for p in check_parse(broken))


def test_catches_byline_left_in_body(broken):
    edit(edition(broken) / "poverty-fund-oversight.zh.md", "---\n\n青岛市财政局", "---\n\n□记者 薄克国 报道 青岛市财政局")
    assert any("byline box" in p for p in check_originals(broken))
