"""The basic fixture site's output equals the reviewed golden tree (regenerate: python tests/golden.py)."""
from __future__ import annotations

import difflib

from golden import GOLDEN, build_fixture, site_files


def test_output_matches_the_golden_tree(tmp_path):
    built = site_files(build_fixture(tmp_path))
    expected = site_files(GOLDEN)
    assert sorted(built) == sorted(expected), "files added or missing; run python tests/golden.py and review"
    for rel, data in expected.items():
        if built[rel] != data:
            diff = difflib.unified_diff(data.decode("utf-8").splitlines(), built[rel].decode("utf-8").splitlines(),
                                        f"golden/{rel}", f"built/{rel}", lineterm="", n=2)
            raise AssertionError("\n".join(list(diff)[:60]) + "\n(run python tests/golden.py if intended)")
