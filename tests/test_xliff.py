"""translate export / import / glossary: XLIFF 1.2 and TBX round trips with translators' tools.

The files are checked with the tools translators' files meet: lxml against the OASIS XLIFF 1.2
transitional schema (tests/fixtures/schemas/, copied from shared/schemas), and translate-toolkit's
xliff and tbx stores, which load them and write them back after a change, as a CAT tool would.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from lxml import etree
from translate.storage import tbx, xliff
from translate.storage.placeables import StringElem

from conftest import FIXTURES, ROOT, build_project, make_project, run_cli

NS = "urn:oasis:names:tc:xliff:document:1.2"
Q = "{%s}" % NS
E = "content/editions/2020-12-19/"
SCHEMA = etree.XMLSchema(etree.parse(str(FIXTURES / "schemas" / "xliff-core-1.2-transitional.xsd")))
WORDS = "the city will keep working on this matter with care and attention for residents".split()


@pytest.fixture
def project(tmp_path) -> Path:
    """The xliff fixture: an aligned article (merge, split, footnote, link, emphasis, glossary terms),
    a machine translation, a stale one, an untranslated article and a page."""
    return make_project(tmp_path, "xliff")


def snapshot(project: Path) -> dict:
    """Every file of content/ and its bytes."""
    return {p.relative_to(project).as_posix(): p.read_bytes() for p in sorted((project / "content").rglob("*"))
            if p.is_file()}


def export(project: Path, *args: str, name: str = "out.xlf") -> etree._Element:
    """Run translate export into a file of the project folder; its parsed document."""
    done = run_cli(project, "translate", "export", "--out", str(project / name), *args)
    assert done.returncode == 0, done.stderr
    return etree.parse(str(project / name)).getroot()


def units_of(document: etree._Element, original: str) -> dict:
    """The trans-units of one <file>, by id."""
    file = next(f for f in document.iter(Q + "file") if f.get("original") == original)
    return {u.get("id"): u for u in file.iter(Q + "trans-unit")}


def content_xml(element: etree._Element) -> str:
    """The inner XML of a source or target, namespaces left out."""
    text = etree.tostring(element, encoding="unicode")
    inner = text[text.index(">") + 1:text.rindex("</")]
    return re.sub(r' xmlns(:\w+)?="[^"]*"', "", inner)


def fake_translate(data: bytes, keep_breaks: bool = True) -> bytes:
    """Fill every target as a translator would: English words, as many as the source needs, the glossary's
    agreed terms (from the notes), every inline element kept (from the target when there is one)."""
    doc = etree.fromstring(data)
    for unit in doc.iter(Q + "trans-unit"):
        if unit.get("translate") == "no":
            continue
        source, target = unit.find(Q + "source"), unit.find(Q + "target")
        template = target if target is not None and (target.text or len(target)) else source
        terms = [n.text.split(" → ")[1] for n in unit.findall(Q + "note") if n.get("from") == "glossary"]
        new = etree.fromstring(etree.tostring(template))
        new.tag = Q + "target"
        new.attrib.clear()
        new.set("state", "translated")
        counter = [0]

        def fill(text):
            if not text or not text.strip():
                return text
            cjk = len(re.findall(r"[\u4e00-\u9fff，。“”、：；（）《》]", text))
            size, counter[0] = cjk * 3 + len(text) - cjk, counter[0] + 1
            words = []
            while len(" ".join(words)) < size:
                words.append(WORDS[(counter[0] + len(words)) % len(WORDS)])
            return " " + " ".join(words) + " "
        for element in new.iter():
            if element is new or element.tag == Q + "g":
                element.text = fill(element.text)
            if element is not new:
                element.tail = fill(element.tail)
        new.text = " ".join(terms) + " " + (new.text or "")
        if target is not None:
            unit.replace(target, new)
        else:
            source.addnext(new)
    return etree.tostring(doc, xml_declaration=True, encoding="UTF-8")


def pair_rows(html: str) -> list[tuple[str, str, str]]:
    """(id, original side, translation side) of every block pair of a bilingual page (its own language first)."""
    return re.findall(r'<div class="pair pair-(?:paragraph|heading)" id="([^"]+)">\s*<div class="bi-col" lang="[^"]+">'
                      r'(.*?)</div>\s*<div class="bi-col" lang="[^"]+">(.*?)</div>', html, re.S)


# ---------------------------------------------------------------- export

def test_every_exported_file_is_valid_xliff_and_translate_toolkit_reads_every_unit(project):
    document = export(project, "--all-states")
    SCHEMA.assertValid(document)
    store = xliff.xlifffile.parsefile(str(project / "out.xlf"))
    ours = [(f.get("original"), u.get("id")) for f in document.iter(Q + "file") for u in f.iter(Q + "trans-unit")]
    assert [tuple(u.getid().split("\x04")) for u in store.units] == ours
    assert len(ours) == len(set(ours)) == 30
    by_id = {u.getid(): u for u in store.units}
    title = by_id[E + "aligned.zh.md\x04title"]
    assert (title.source, title.target) == ("青岛加强扶贫资金监管", "Qingdao Tightens Oversight of Poverty Alleviation Funds")
    merged = by_id[E + "aligned.zh.md\x04p2"]  # blocks 2 and 3 of the original, one block of the translation
    assert merged.source.startswith("检查共发现问题十二个。") and "截至目前" in merged.source
    assert merged.target.startswith("The inspection found twelve problems. So far")
    split = by_id[E + "aligned.zh.md\x04p5"]  # block 5 of the original, two blocks of the translation
    assert "and build a lasting mechanism." in split.target and split.target.endswith("falsely claimed.")
    assert by_id[E + "untranslated.zh.md\x04p1"].target == ""
    files = {f.get("original"): f for f in document.iter(Q + "file")}
    assert {(f.get("source-language"), f.get("target-language"), f.get("datatype")) for f in files.values()} == \
        {("zh-CN", "en", "x-markdown")}
    assert sorted(files) == [E + n for n in ("aligned.zh.md", "machine.zh.md", "stale.zh.md", "untranslated.zh.md")] + \
        ["content/pages/about.zh.md"]


def test_default_export_holds_what_needs_work_with_each_units_state(project):
    document = export(project)
    SCHEMA.assertValid(document)
    assert sorted(f.get("original") for f in document.iter(Q + "file")) == \
        [E + "machine.zh.md", E + "stale.zh.md", E + "untranslated.zh.md"]

    def states(name):
        return {i: (u.find(Q + "target").get("state"), u.find(Q + "target").get("state-qualifier"))
                for i, u in units_of(document, E + name).items()}
    assert set(states("untranslated.zh.md").values()) == {("new", None)}
    assert set(states("machine.zh.md").values()) == {("needs-translation", "mt-suggestion")}
    # the stale translation: only paragraph 2 changed since the translation was stamped
    assert states("stale.zh.md") == {"title": ("translated", None), "byline": ("translated", None),
                                      "p1": ("translated", None), "p2": ("needs-translation", None),
                                      "p3": ("translated", None)}
    stale = units_of(document, E + "stale.zh.md")["p2"]
    assert "changed since this translation was reviewed" in stale.find(Q + "note").text
    untranslated = units_of(document, E + "untranslated.zh.md")
    assert list(untranslated) == ["kicker", "title", "subtitle", "byline", "p1", "p2", "p3", "p4", "p5"]
    assert untranslated["p2"].get("restype") == "heading"
    # --edition narrows, --article adds a finished one, --to rejects a language the site lacks
    assert len(list(export(project, "--edition", "2020-12-19").iter(Q + "file"))) == 3
    assert len(list(export(project, "--article", E + "aligned.en.md").iter(Q + "file"))) == 1
    assert "'de' is not a language" in run_cli(project, "translate", "export", "--to", "de").stderr
    assert run_cli(project, "translate", "export", "--edition", "2020-12-01").returncode == 1
    assert run_cli(project, "translate", "export", "--edition", "20201201").returncode == 2


def test_markdown_markup_travels_as_inline_elements_never_as_raw_markdown(project):
    units = units_of(export(project, "--all-states"), E + "aligned.zh.md")
    assert content_xml(units["p1"].find(Q + "source")) == (
        '青岛市<g id="1" ctype="italic">财政局</g>今年联合青岛市扶贫办对财政扶贫资金开展监督检查，选取扶贫任务较重的7个区（市）'
        '进行检查<x id="2" ctype="x-footnote-ref" equiv-text="[1]"/>。')
    assert content_xml(units["p2"].find(Q + "source")).count('<x id="b1" ctype="x-block-break"') == 1
    assert '<g id="1" ctype="bold">严肃处理</g>' in content_xml(units["p2"].find(Q + "source"))
    assert '<g id="1" ctype="link">government poverty relief funds</g>' in content_xml(units["p5"].find(Q + "target"))
    assert '<g id="1" ctype="italic">Qingdao Daily</g>' in content_xml(units["fn-1"].find(Q + "target"))
    code = units_of(export(project), E + "untranslated.zh.md")["p1"].find(Q + "source")
    assert '<ph id="1" ctype="x-code">`0532-12345`</ph>' in content_xml(code)
    everything = (project / "out.xlf").read_text(encoding="utf-8")
    for raw in ("**", "*财政局*", "[^1]", "](https://", "data-pair", "{:"):
        text_only = re.sub(r"<ph [^>]*>.*?</ph>", "", everything)
        assert raw not in text_only, raw


def test_glossary_terms_of_a_block_are_notes(project):
    units = units_of(export(project, "--all-states"), E + "aligned.zh.md")
    notes = [n.text for n in units["p6"].findall(Q + "note")]
    assert notes == ["区域全面经济伙伴关系协定 → Regional Comprehensive Economic Partnership",
                     "上合示范区 → SCO Demonstration Area"]
    assert [n.get("from") for n in units["p1"].findall(Q + "note")] == ["glossary", "glossary"]
    assert units["title"].findall(Q + "note") == []


# ---------------------------------------------------------------- import

def test_export_then_import_with_no_change_writes_nothing(project):
    before = snapshot(project)
    export(project, "--all-states")
    done = run_cli(project, "translate", "import", str(project / "out.xlf"))
    assert done.returncode == 0, done.stderr
    assert "0 files changed" in done.stdout
    assert snapshot(project) == before


def test_a_block_translated_as_itself_and_a_unit_left_out_change_nothing(tmp_path):
    project = make_project(tmp_path, "xliff", files={
        E + "numbers.zh.md": "---\ntitle: 数字\nsection: economy\n---\n\n今年的数字如下。\n\n12345\n",
        E + "numbers.en.md": "---\ntitle: Figures\n---\n\nThis year's figures are as follows.\n\n12345\n"})
    before = snapshot(project)
    units = units_of(export(project, "--article", E + "numbers.zh.md"), E + "numbers.zh.md")
    assert units["p2"].find(Q + "target").get("state") == "translated"
    assert units["p2"].find(Q + "target").text == "12345"
    data = (project / "out.xlf").read_text(encoding="utf-8")
    data = re.sub(r'\s*<trans-unit id="p1".*?</trans-unit>', "", data, flags=re.S)  # a tool that dropped a unit
    (project / "short.xlf").write_text(data, encoding="utf-8")
    for name in ("out.xlf", "short.xlf"):
        assert "0 files changed" in run_cli(project, "translate", "import", str(project / name)).stdout
    assert snapshot(project) == before


def test_translate_every_unit_then_check_is_clean_and_bilingual_pages_pair_every_block(project):
    export(project, "--all-states")
    (project / "done.xlf").write_bytes(fake_translate((project / "out.xlf").read_bytes()))
    SCHEMA.assertValid(etree.parse(str(project / "done.xlf")))
    done = run_cli(project, "translate", "import", str(project / "done.xlf"))
    assert done.returncode == 0, done.stderr
    assert f"wrote {E}untranslated.en.md: new translation" in done.stdout
    checked = run_cli(project, "check", "--format", "json")
    assert json.loads(checked.stdout) == [], checked.stdout
    aligned = (project / E / "aligned.en.md").read_text(encoding="utf-8")
    assert aligned.count('{: data-pair="2-3" }') == 1 and aligned.count('{: data-pair="5" }') == 1
    assert "translator: Qingdao Digest desk" in aligned and "[^1]: " in aligned
    assert re.search(r"\*[a-z][^*]*\*", aligned) and '](https://example.org/fund "Funds")' in aligned
    new = (project / E / "untranslated.en.md").read_text(encoding="utf-8")
    front = new.split("---")[1]
    assert "section" not in front and "tags" not in front and "status: human" in front and "source_hash" in front
    assert "`0532-12345`" in new and "\n- " in new and "\n> " in new
    _, out = build_project(project, search=False)
    for name, blocks in (("aligned", 5), ("untranslated", 5), ("stale", 3), ("machine", 2)):  # 2-3 merged
        rows = pair_rows((out / f"en/editions/2020-12-19/{name}/bilingual/index.html").read_text(encoding="utf-8"))
        assert len(rows) == blocks and all(i.startswith("p") and a.strip() and b.strip() for i, a, b in rows), name
    again = export(project, "--all-states", name="again.xlf")
    assert {u.find(Q + "target").get("state") for u in again.iter(Q + "trans-unit") if u.get("translate") != "no"} \
        == {"translated"}
    before = snapshot(project)
    assert "0 files changed" in run_cli(project, "translate", "import", str(project / "again.xlf")).stdout
    assert snapshot(project) == before


def test_a_file_translate_toolkit_writes_after_changing_targets_imports_cleanly(project):
    export(project, "--all-states")
    store = xliff.xlifffile.parsefile(str(project / "out.xlf"))
    units = {u.getid(): u for u in store.units}
    units[E + "aligned.zh.md\x04title"].target = "Qingdao Keeps a Closer Eye on Poverty Funds"
    rich = units[E + "aligned.zh.md\x04p1"].rich_target[0]
    rich.sub[0] = StringElem("Together with the Poverty Alleviation Office, the ")
    units[E + "aligned.zh.md\x04p1"].rich_target = [rich]
    code_unit = units[E + "untranslated.zh.md\x04p1"]
    code_unit.rich_target = [StringElem([StringElem("Volunteer service: call "), *code_unit.rich_source[0].sub[1:2],
                                         StringElem(" to join.")])]
    (project / "tt.xlf").write_bytes(bytes(store))
    done = run_cli(project, "translate", "import", str(project / "tt.xlf"))
    assert done.returncode == 0, done.stderr
    aligned = (project / E / "aligned.en.md").read_text(encoding="utf-8")
    assert "title: Qingdao Keeps a Closer Eye on Poverty Funds\n" in aligned
    assert "\nTogether with the Poverty Alleviation Office, the *Finance Bureau*, together with" in aligned
    assert "workloads[^1].\n" in aligned and '{: data-pair="2-3" }' in aligned
    new = (project / E / "untranslated.en.md").read_text(encoding="utf-8")
    assert "\nVolunteer service: call `0532-12345` to join.\n" in new and "status: pending" in new
    assert "\n## 服务内容\n" in new  # what was not translated is kept as the original, for the translator to do


def test_merged_and_split_pairs_follow_the_target(project):
    export(project, "--all-states")
    data = (project / "out.xlf").read_text(encoding="utf-8")
    unit = re.search(r'<file original="content/editions/2020-12-19/aligned.zh.md".*?</file>', data, re.S).group(0)
    # p2 (a merge): the translator gives each original block its own translation; p5 (a split): one block
    changed = unit.replace("The inspection found twelve problems. So far",
                           'The inspection found twelve problems.<x id="b1" ctype="x-block-break"/>So far')
    changed = re.sub(r'<x id="b1" ctype="x-block-break" equiv-text="¶" />It will', " It will", changed)
    (project / "merge.xlf").write_text(data.replace(unit, changed), encoding="utf-8")
    done = run_cli(project, "translate", "import", str(project / "merge.xlf"))
    assert done.returncode == 0, done.stderr
    aligned = (project / E / "aligned.en.md").read_text(encoding="utf-8")
    assert "data-pair" not in aligned
    assert "The inspection found twelve problems.\n\nSo far all of them" in aligned
    assert "and build a lasting mechanism. It will make sure" in aligned
    warnings = [f for f in json.loads(run_cli(project, "check", "--format", "json").stdout)
                if f["path"] == E + "aligned.en.md"]
    assert warnings == []
    _, out = build_project(project, search=False)
    rows = pair_rows((out / "en/editions/2020-12-19/aligned/bilingual/index.html").read_text(encoding="utf-8"))
    assert [r[0] for r in rows] == ["p1", "p2", "p3", "p4", "p5", "p6"] and all(a and b for _, a, b in rows)


def test_a_partial_translation_is_pending_and_exports_its_untranslated_units_as_new(project):
    export(project)
    data = (project / "out.xlf").read_text(encoding="utf-8")
    data = data.replace('<source>志愿者走进社区</source>\n        <target state="new" />',
                        '<source>志愿者走进社区</source>\n        <target state="translated">Volunteers in the Community</target>')
    (project / "part.xlf").write_text(data, encoding="utf-8")
    assert run_cli(project, "translate", "import", str(project / "part.xlf")).returncode == 0
    new = (project / E / "untranslated.en.md").read_text(encoding="utf-8")
    assert "title: Volunteers in the Community\n" in new and "translation: {status: pending}" in new
    units = units_of(export(project, name="next.xlf"), E + "untranslated.zh.md")
    assert units["title"].find(Q + "target").get("state") == "needs-translation"
    assert {i: u.find(Q + "target").get("state") for i, u in units.items() if i != "title"} == \
        dict.fromkeys(["kicker", "subtitle", "byline", "p1", "p2", "p3", "p4", "p5"], "new")


def test_signed_off_units_mark_the_translation_reviewed(project):
    export(project, "--article", E + "machine.zh.md")
    data = (project / "out.xlf").read_text(encoding="utf-8")
    (project / "signed.xlf").write_text(data.replace('state="needs-translation" state-qualifier="mt-suggestion"',
                                                     'state="signed-off"'), encoding="utf-8")
    assert run_cli(project, "translate", "import", str(project / "signed.xlf")).returncode == 0
    text = (project / E / "machine.en.md").read_text(encoding="utf-8")
    assert re.search(r'translation: \{status: human, source_hash: "[0-9a-f ]+", reviewed: true\}', text)
    assert "The SCO Demonstration Area will provide services" in text  # the text itself did not change
    units = units_of(export(project, "--article", E + "machine.zh.md", name="again.xlf"), E + "machine.zh.md")
    assert {(u.get("approved"), u.find(Q + "target").get("state")) for u in units.values()} == {("yes", "signed-off")}
    edited = etree.parse(str(project / "again.xlf"))
    target = edited.find(f".//{Q}trans-unit[@id='title']/{Q}target")
    target.text, target.attrib["state"] = "SCO Demonstration Area opens a Russia Center", "translated"  # not reviewed
    edited.write(str(project / "edited.xlf"), encoding="UTF-8")
    assert run_cli(project, "translate", "import", str(project / "edited.xlf")).returncode == 0
    text = (project / E / "machine.en.md").read_text(encoding="utf-8")
    assert "title: SCO Demonstration Area opens a Russia Center\n" in text and "reviewed" not in text


def test_broken_files_give_one_clear_error_per_problem_and_write_nothing(project):
    export(project, "--all-states")
    before = snapshot(project)
    data = (project / "out.xlf").read_text(encoding="utf-8")
    lines = data.split("\n")

    def line_of(needle: str, start: int = 0) -> int:
        return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1
    aligned = line_of('original="content/editions/2020-12-19/aligned.zh.md"')
    broken = data.replace("<source>即墨区将继续打造全国样板。</source>", "<source>即墨区将继续打造全省样板。</source>")
    broken = broken.replace('<trans-unit id="p3" resname="p3">\n        <source>志愿服务包括',
                            '<trans-unit id="p9" resname="p9">\n        <source>志愿服务包括')
    broken = broken.replace('workloads<x id="2" ctype="x-footnote-ref" equiv-text="[1]" />.</target>',
                            "workloads.</target>")
    broken = broken.replace('<g id="1" ctype="bold">dealt with severely</g>', '<x id="1" ctype="bold"/>')
    (project / "broken.xlf").write_text(broken, encoding="utf-8")
    done = run_cli(project, "translate", "import", str(project / "broken.xlf"))
    assert done.returncode == 1
    errors = done.stderr.strip().split("\n")
    assert errors[-1] == "4 errors: nothing was written"
    numbers = [int(e.split(":")[1]) for e in errors[:-1]]
    assert numbers == sorted(numbers) and len(errors) == 5
    assert f"broken.xlf:{line_of('即墨区将继续打造全国样板')}: error: unit p3 of {E}stale.zh.md: the source text no longer " \
           "matches the original" in done.stderr
    assert f"broken.xlf:{line_of('志愿服务包括') - 1}: error: unit 'p9' of {E}untranslated.zh.md is not a block of the " \
           "original" in done.stderr
    assert f"broken.xlf:{line_of('workloads<x', aligned)}: error: unit p1 of {E}aligned.zh.md: the target lacks " \
           "inline element 2 (x-footnote-ref [^1])" in done.stderr
    assert f"broken.xlf:{line_of('dealt with severely', aligned)}: error: unit p2 of {E}aligned.zh.md: inline element " \
           '1 should be <g ctype="bold">' in done.stderr
    assert snapshot(project) == before
    (project / "unbalanced.xlf").write_text(data.replace("dealt with severely</g>", "dealt with severely"),
                                            encoding="utf-8")
    done = run_cli(project, "translate", "import", str(project / "unbalanced.xlf"))
    assert done.returncode == 1 and done.stderr.startswith(
        f"{project / 'unbalanced.xlf'}:{line_of('dealt with severely', aligned)}: error: this is not well-formed XML "
        "(mismatched tag")
    (project / "text.xlf").write_text("Translated by hand, sorry.\n", encoding="utf-8")
    done = run_cli(project, "translate", "import", str(project / "text.xlf"))
    assert done.returncode == 1 and "text.xlf:1: error: this is not well-formed XML (syntax error" in done.stderr
    assert "Traceback" not in done.stderr
    (project / "bomb.xlf").write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<xliff>&a;</xliff>',
                                      encoding="utf-8")
    done = run_cli(project, "translate", "import", str(project / "bomb.xlf"))
    assert done.returncode == 1 and "bomb.xlf:2: error: the file declares XML entities" in done.stderr
    assert snapshot(project) == before


def test_dry_run_says_what_would_change_and_writes_nothing(project):
    export(project, "--all-states")
    (project / "done.xlf").write_bytes(fake_translate((project / "out.xlf").read_bytes()))
    before = snapshot(project)
    done = run_cli(project, "translate", "import", str(project / "done.xlf"), "--dry-run")
    assert done.returncode == 0 and f"would write {E}aligned.en.md" in done.stdout
    assert "5 files would change" in done.stdout
    assert snapshot(project) == before


def test_the_seed_edition_exports_and_imports_byte_identical(tmp_path):
    project = tmp_path / "seed"
    shutil.copytree(ROOT / "content", project / "content")
    shutil.copy(ROOT / "config.yaml", project / "config.yaml")
    before = snapshot(project)
    document = export(project, "--all-states", "--edition", "2020-12-21")
    SCHEMA.assertValid(document)
    assert len(list(document.iter(Q + "file"))) == 10
    store = xliff.xlifffile.parsefile(str(project / "out.xlf"))
    assert len(store.units) == len(list(document.iter(Q + "trans-unit"))) > 80
    assert all(u.target for u in store.units)  # every block of the seed is translated
    (project / "tt.xlf").write_bytes(bytes(store))  # through translate-toolkit too
    for name in ("out.xlf", "tt.xlf"):
        done = run_cli(project, "translate", "import", str(project / name))
        assert done.returncode == 0 and "0 files changed" in done.stdout, done.stderr
    assert snapshot(project) == before
    nothing = run_cli(project, "translate", "export")
    assert nothing.returncode == 0 and nothing.stdout.startswith("nothing to translate")


def test_the_original_language_comes_from_the_config(tmp_path):
    config = (FIXTURES / "xliff" / "config.yaml").read_text(encoding="utf-8").replace(
        "original_language: zh", "original_language: en")
    project = make_project(tmp_path, "xliff", files={"config.yaml": config})
    for path in (project / "content").rglob("*.md"):
        path.unlink()
    (project / E / "brief.en.md").write_text(
        "---\ntitle: The SCO Demonstration Area opens a center\nsection: economy\n---\n\n"
        "The *SCO Demonstration Area* opened a center\non Friday.\n", encoding="utf-8")
    document = export(project)
    SCHEMA.assertValid(document)
    file = next(document.iter(Q + "file"))
    assert (file.get("original"), file.get("source-language"), file.get("target-language")) == \
        (E + "brief.en.md", "en", "zh-CN")
    units = units_of(document, E + "brief.en.md")
    assert content_xml(units["p1"].find(Q + "source")) == \
        'The <g id="1" ctype="italic">SCO Demonstration Area</g> opened a center on Friday.'
    assert [n.text for n in units["p1"].findall(Q + "note")] == ["SCO Demonstration Area → 上合示范区"]
    data = (project / "out.xlf").read_text(encoding="utf-8")
    data = data.replace('<target state="new" />', '<target state="translated">上合示范区设立中心</target>', 1)
    data = data.replace('<target state="new" />', '<target state="translated"><g id="1" ctype="italic">上合示范区</g>'
                        '周五设立了一个中心。</target>', 1)
    (project / "zh.xlf").write_text(data, encoding="utf-8")
    done = run_cli(project, "translate", "import", str(project / "zh.xlf"))
    assert done.returncode == 0, done.stderr
    assert (project / E / "brief.zh.md").read_text(encoding="utf-8").startswith(
        "---\ntitle: 上合示范区设立中心\ntranslation: {status: human, source_hash: ")
    assert (project / E / "brief.zh.md").read_text(encoding="utf-8").endswith("\n*上合示范区*周五设立了一个中心。\n")
    wrong = data.replace('source-language="en"', 'source-language="zh-CN"')
    (project / "wrong.xlf").write_text(wrong, encoding="utf-8")
    assert "this file translates from zh-CN, but the originals are in en" in \
        run_cli(project, "translate", "import", str(project / "wrong.xlf")).stderr


# ---------------------------------------------------------------- the glossary as a termbase

def test_glossary_exports_as_tbx_that_translate_toolkit_reads(project):
    done = run_cli(project, "translate", "glossary", "--out", str(project / "glossary.tbx"))
    assert done.returncode == 0 and "5 terms" in done.stdout
    text = (project / "glossary.tbx").read_text(encoding="utf-8")
    assert '<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">' in text and '<martif type="TBX-Basic"' in text
    store = tbx.tbxfile.parsefile(str(project / "glossary.tbx"))
    assert [(u.getid(), u.source, u.target) for u in store.units][:2] == [
        ("finance-bureau", "财政局", "Finance Bureau"), ("poverty-alleviation-office", "扶贫办", "Poverty Alleviation Office")]
    assert len(store.units) == 5


def test_importing_a_termbase_adds_and_updates_glossary_terms(project):
    run_cli(project, "translate", "glossary", "--out", str(project / "glossary.tbx"))
    store = tbx.tbxfile.parsefile(str(project / "glossary.tbx"))
    store.setsourcelanguage("zh-CN")
    store.settargetlanguage("en")
    store.units[0].target = "Municipal Finance Bureau"
    added = store.addsourceunit("俄罗斯中心")
    added.target = "Russia Center"
    (project / "edited.tbx").write_bytes(bytes(store))
    done = run_cli(project, "translate", "import", str(project / "edited.tbx"))
    assert done.returncode == 0, done.stderr
    assert "content/glossary.yaml: 1 term added, 1 updated" in done.stdout
    glossary = (project / "content/glossary.yaml").read_text(encoding="utf-8")
    assert glossary.startswith("# Term pairs the translations keep: key -> {zh, en}.\n")
    assert "finance-bureau: {zh: 财政局, en: Municipal Finance Bureau}\n" in glossary
    assert glossary.endswith("russia-center: {zh: 俄罗斯中心, en: Russia Center}\n")
    assert "0 files changed" in run_cli(project, "translate", "import", str(project / "edited.tbx")).stdout
    before = snapshot(project)
    bad = etree.parse(str(project / "edited.tbx"))
    bad.xpath("//term[.='扶贫办']/ancestor::langSet")[0].set("{http://www.w3.org/XML/1998/namespace}lang", "de")
    bad.write(str(project / "bad.tbx"), encoding="UTF-8")
    done = run_cli(project, "translate", "import", str(project / "bad.tbx"))
    assert done.returncode == 1 and "bad.tbx:" in done.stderr
    assert "error: the entry 'poverty-alleviation-office' has no term in zh-CN" in done.stderr
    assert snapshot(project) == before
