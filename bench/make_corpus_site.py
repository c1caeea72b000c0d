#!/usr/bin/env python3
"""Turn a corpus from ../shared/bench/gen_corpus.py (JSON lines) into a Qingdao Digest project.

    python bench/make_corpus_site.py CORPUS.jsonl PROJECT_DIR

Writes PROJECT_DIR/config.yaml, content/editions/<date>/<slug>.zh.md and .en.md, tags.yaml, and
copies the repository's templates/ and static/, so `python build.py --root PROJECT_DIR` builds it.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def yq(text: str) -> str:
    """A YAML scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def write(path: Path, text: str) -> None:
    """Write a UTF-8 file, making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def article_file(title: str, body: str, extra: str) -> str:
    """One Markdown file with front matter."""
    return f"---\ntitle: {yq(title)}\n{extra}---\n\n{body}\n"


def main(corpus: str, project: str) -> int:
    """Write the project."""
    root = Path(project)
    if root.exists():
        shutil.rmtree(root)
    sections, tags = {}, {}
    count = 0
    with open(corpus, encoding="utf-8") as handle:
        for line in handle:
            art = json.loads(line)
            sections[art["section"]] = (art["section_zh"], art["section_en"])
            for key, zh, en in zip(art["tags"], art["tags_zh"], art["tags_en"]):
                tags[key] = (zh, en)
            folder = root / "content" / "editions" / art["date"]
            meta = f"section: {art['section']}\ntags: [{', '.join(art['tags'])}]\n"
            write(folder / f"{art['slug']}.zh.md", article_file(art["zh_title"], art["zh_body"], meta))
            count += 1
            if art.get("en_title"):
                write(folder / f"{art['slug']}.en.md",
                      article_file(art["en_title"], art["en_body"], "translation: {status: human}\n"))
                count += 1
    section_lines = "".join(f"  {k}: {{zh: {yq(zh)}, en: {yq(en)}}}\n" for k, (zh, en) in sorted(sections.items()))
    write(root / "config.yaml", (
        "title: {zh: 青岛新闻双语摘要, en: Qingdao News Digest}\n"
        "description: {zh: 基准测试语料。, en: Benchmark corpus.}\n"
        "base_url: https://example.org/digest/\noriginal_language: zh\n"
        "languages:\n  zh: {name: 中文, locale: zh_Hans_CN, hreflang: zh-Hans}\n"
        "  en: {name: English, locale: en, hreflang: en}\n"
        f"sections:\n{section_lines}per_page: 10\n"))
    write(root / "content" / "tags.yaml",
          "".join(f"{k}: {{zh: {yq(zh)}, en: {yq(en)}}}\n" for k, (zh, en) in sorted(tags.items())))
    for folder in ("templates", "static"):
        shutil.copytree(REPO / folder, root / folder)
    print(f"digest project: {count} article files -> {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
