"""The page's language choice (text.js): the address first, then the browser, then English."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.companion.web.conftest import WEB_ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (Node 20 runs text.js)")

_RUNNER = """
const i18n = require(process.argv[1]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map(([s, b, l]) => i18n.candidates(s, b, l))));
"""

CASES = [
    (("", ["fr-FR", "de"], ["en", "fr"]), ["fr", "en"]),
    (("?lang=ar", ["fr"], ["en", "fr"]), ["ar", "fr", "en"]),
    (("?lang=pt-BR", [], ["en", "pt_BR"]), ["pt_BR", "pt", "en"]),
    (("", ["pt-BR", "en-GB"], ["en", "pt"]), ["pt", "en"]),
    (("?lang=../../etc", ["xx"], ["en"]), ["en"]),
    (("?lang=", [], ["en"]), ["en"]),
    (("", [], ["en"]), ["en"]),
]


def test_language_candidates() -> None:
    assert NODE is not None
    completed = subprocess.run(
        [NODE, "-e", _RUNNER, str(WEB_ROOT / "text.js")],
        input=json.dumps([list(given) for given, _ in CASES]),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(completed.stdout) == [expected for _, expected in CASES]
