"""Turn a corpus from shared/bench/gen_corpus.py into a project folder in our content format.

    python3 ../shared/bench/gen_corpus.py -n 1000 -o /tmp/c.jsonl
    python3 bench/make_site.py /tmp/c.jsonl /tmp/site-1000

Writes config.yaml (the corpus's sections), content/tags.yaml (its tags with both labels),
content/editions/DATE/SLUG.zh.md and .en.md, and copies templates/ and static/ from this repo.
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def article_text(title: str, body: str, meta: dict) -> str:
    """One Markdown file with front matter."""
    lines = ["---", f"title: {quoted(title)}"]
    lines += [f"{key}: {value}" for key, value in meta.items()]
    return "\n".join(lines + ["---", "", body.strip(), ""])


def write_project(corpus: Path, target: Path) -> int:
    """Write the project; return the number of articles."""
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    sections, tags = {}, {}
    for rec in records:
        sections[rec["section"]] = (rec["section_zh"], rec["section_en"])
        for key, zh, en in zip(rec["tags"], rec["tags_zh"], rec["tags_en"]):
            tags[key] = (zh, en)
    target.mkdir(parents=True, exist_ok=True)
    for folder in ("templates", "static"):
        if not (target / folder).exists():
            shutil.copytree(REPO / folder, target / folder)
    config = (REPO / "config.yaml").read_text(encoding="utf-8")
    head, _, _ = config.partition("sections:")
    tail = config.split("per_page:", 1)[1]
    section_lines = "".join(f"  {key}: {{zh: {quoted(zh)}, en: {quoted(en)}}}\n" for key, (zh, en) in sections.items())
    (target / "config.yaml").write_text(f"{head}sections:\n{section_lines}per_page:{tail}", encoding="utf-8")
    content = target / "content"
    content.mkdir(exist_ok=True)
    (content / "tags.yaml").write_text("".join(f"{key}: {{zh: {quoted(zh)}, en: {quoted(en)}}}\n"
                                               for key, (zh, en) in sorted(tags.items())), encoding="utf-8")
    for rec in records:
        folder = content / "editions" / rec["date"]
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"section": rec["section"], "tags": "[" + ", ".join(rec["tags"]) + "]"}
        (folder / f"{rec['slug']}.zh.md").write_text(article_text(rec["zh_title"], rec["zh_body"], meta),
                                                     encoding="utf-8")
        if rec.get("en_title"):
            (folder / f"{rec['slug']}.en.md").write_text(article_text(rec["en_title"], rec["en_body"], {}),
                                                         encoding="utf-8")
    return len(records)


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    count = write_project(args.corpus, args.target)
    print(f"wrote {count} articles to {args.target}")


if __name__ == "__main__":
    main()
