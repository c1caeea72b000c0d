"""Python-Markdown's fenced-code module, imported here first and without Pygments.

`markdown.extensions.fenced_code` imports `codehilite`, which imports Pygments and, through it,
`importlib.metadata` to look for Pygments plugins: about 25 ms, a tenth of a one-article build,
for a highlighter the site never turns on (codehilite is not among its extensions, and
fenced_code highlights only when it is). While no one has imported Pygments yet, it is hidden for
this one import, so codehilite records that it has none; a later `import pygments` works as usual.
"""
from __future__ import annotations

import sys

_hidden = "pygments" not in sys.modules
if _hidden:
    sys.modules["pygments"] = None  # type: ignore[assignment]  # `import pygments` raises ImportError
try:
    from markdown.extensions import fenced_code
finally:
    if _hidden and sys.modules.get("pygments", 0) is None:
        del sys.modules["pygments"]

FencedBlockPreprocessor = fenced_code.FencedBlockPreprocessor
