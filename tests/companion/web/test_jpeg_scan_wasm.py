"""The committed jpeg-scan-wasm.js and resize-wasm.js are what web/build-wasm.mjs makes of
jpeg-scan.wat and resize.wat, byte for byte.

Needs Node and wabt installed by ``npm ci --prefix web`` (``make web``); skipped without them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(
    shutil.which("node") is None or not (REPO / "web" / "node_modules" / "wabt").is_dir(),
    reason="needs node and `npm ci --prefix web`",
)
def test_the_committed_webassembly_is_a_fresh_build() -> None:
    command = ["node", str(REPO / "web" / "build-wasm.mjs"), "--check"]
    output = subprocess.run(command, check=False, capture_output=True, text=True)
    assert output.returncode == 0, output.stdout + output.stderr
