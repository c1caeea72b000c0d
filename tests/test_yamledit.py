"""Text edits of YAML mappings (digest/yamledit.py): the keys asked for change, every other byte stays."""
from __future__ import annotations

import yaml

from digest.yamledit import DELETE, Quoted, edit_mapping

ORDER = ("kicker", "title", "subtitle", "byline", "translation")


def test_flow_mapping_edited_in_place_comments_and_quotes_kept():
    text = ("kicker: Old kicker  # a comment\ntitle: 'Quoted: title'\n"
            'translation: {status: machine, translator: "Desk", reviewed: true}  # kept\n')
    new = edit_mapping(text, {"title": "New: title", "subtitle": "yes", "translation": {
        "status": "human", "source_hash": Quoted("12ab34 56cd78"), "reviewed": DELETE}}, ORDER)
    assert new == ("kicker: Old kicker  # a comment\ntitle: 'New: title'\nsubtitle: 'yes'\n"
                   'translation: {status: human, translator: "Desk", source_hash: "12ab34 56cd78"}  # kept\n')
    assert yaml.safe_load(new)["subtitle"] == "yes"  # quoted: not read as true


def test_block_mapping_and_block_scalar():
    text = "title: |\n  two\n  lines\ntranslation:\n  reviewed: 2020-12-21\n  status: machine  # mt\n# end\n"
    new = edit_mapping(text, {"title": "One line", "kicker": "K", "translation": {
        "status": "human", "source_hash": Quoted("ab"), "reviewed": DELETE}}, ORDER)
    assert new == "kicker: K\ntitle: One line\ntranslation:\n  status: human  # mt\n  source_hash: \"ab\"\n# end\n"


def test_keys_added_to_nothing_and_removed_from_the_front_of_a_flow_mapping():
    assert edit_mapping("", {"translation": {"status": "pending"}}) == "translation: {status: pending}\n"
    assert edit_mapping("title: x", {"byline": "B"}, ORDER) == "title: x\nbyline: B\n"
    assert edit_mapping("t: {reviewed: true, status: x}\n", {"t": {"reviewed": DELETE}}) == "t: {status: x}\n"
    assert edit_mapping('a: {zh: "三民", en: Sanmin}\n', {"a": {"zh": "三民", "en": "San: min"}, "b": {"zh": "上合"}}) \
        == "a: {zh: \"三民\", en: 'San: min'}\nb: {zh: 上合}\n"  # an unchanged value keeps its quotes
