"""The vendored page libraries are the ones web/package-lock.json pins, byte for byte."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.companion.web.conftest import WEB_ROOT

REPO = Path(__file__).resolve().parents[3]
VENDOR = WEB_ROOT / "vendor"


def _manifest() -> list[dict[str, str]]:
    entries: list[dict[str, str]] = json.loads((VENDOR / "manifest.json").read_text())
    return entries


def test_every_vendored_file_matches_its_recorded_digest() -> None:
    entries = _manifest()
    assert entries
    for entry in entries:
        data = (VENDOR / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]


def test_vendor_folder_holds_only_listed_files() -> None:
    listed = {entry["file"] for entry in _manifest()} | {"manifest.json", "README.md"}
    assert {path.name for path in VENDOR.iterdir()} == listed


def test_vendored_versions_are_the_locked_ones() -> None:
    lock = json.loads((REPO / "web" / "package-lock.json").read_text())
    declared = json.loads((REPO / "web" / "package.json").read_text())["dependencies"]
    for entry in _manifest():
        locked = lock["packages"][f"node_modules/{entry['package']}"]["version"]
        assert entry["version"] == locked, entry["file"]
        assert declared[entry["package"]] == locked  # pinned exactly, no range


def test_readme_names_every_vendored_library() -> None:
    readme = (VENDOR / "README.md").read_text()
    for entry in _manifest():
        if entry["file"].endswith(".js"):
            assert entry["file"] in readme
            assert entry["package"] in readme
