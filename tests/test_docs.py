"""The README and the licence say what the code does: samples parse, settings and commands exist.

A README that drifts from the code sends a helpline volunteer or an operator the wrong way, so
the parts of it that the code can check are checked here.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from bot.engine.states import COMMANDS
from bot.hashes.hashcode import parse
from bot.hashes.items import ItemKind

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SETTING = re.compile(r"\b(?:RECLAIM|TELEGRAM|MATRIX)_[A-Z_]*[A-Z]\b")


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def test_the_readme_sample_code_is_a_valid_code_with_its_checksum() -> None:
    samples = [block for block in _code_blocks(README) if block.startswith("#reclaim1")]
    assert samples, "the README shows no hash code"
    for sample in samples:
        result = parse(sample)
        assert result.problems == ()
        assert [item.kind for item in result.items] == [ItemKind.IMAGE, ItemKind.FILE]


def test_every_setting_the_code_reads_is_in_the_readme() -> None:
    read = {
        name
        for path in (ROOT / "bot").rglob("*.py")
        for name in SETTING.findall(path.read_text(encoding="utf-8"))
    }
    assert read, "no settings found: the pattern is wrong"
    documented = set(SETTING.findall(README))
    assert sorted(read - documented) == []


def test_every_command_is_in_the_readme() -> None:
    for command in [*COMMANDS, "/help", "/quit"]:
        assert f"`{command}" in README, command


def test_the_licence_is_the_whole_agpl_and_matches_the_package() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
    assert "Version 3, 19 November 2007" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in licence
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"]["text"] == "AGPL-3.0-or-later"


def test_the_docs_carry_their_own_sources_and_cite_nothing_outside_the_repository() -> None:
    for path in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]:
        text = path.read_text(encoding="utf-8")
        assert "SAFETY.md" not in text, path
        assert "../shared" not in text, path
    facts = (ROOT / "docs" / "facts.md").read_text(encoding="utf-8")
    assert re.search(r"https://", facts)
