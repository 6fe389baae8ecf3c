"""Meta-tests: the engine does no I/O, and every msgid it can say exists in every catalog."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import bot
from bot.engine import prompts
from bot.engine.events import MediaKind
from bot.hashes.hashcode import Problem
from bot.i18n import Catalogs

PACKAGE = Path(bot.__file__).parent
ENGINE_FILES = sorted((PACKAGE / "engine").glob("*.py"))
PURE_FILES = [
    *ENGINE_FILES,
    PACKAGE / "hashes" / "hashcode.py",
    PACKAGE / "hashes" / "signals.py",
    PACKAGE / "langcodes.py",
]

FORBIDDEN = {
    "asyncio",
    "aiosqlite",
    "sqlite3",
    "telegram",
    "nio",
    "aiohttp",
    "httpx",
    "socket",
    "os",
    "subprocess",
    "logging",
    "time",
    "pathlib",
    "shutil",
    "io",
    "requests",
    "urllib",
    "PIL",
}
ALLOWED_BOT_IMPORTS = ("bot.engine", "bot.hashes", "bot.cases.ids", "bot.langcodes")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", PURE_FILES, ids=lambda p: p.name)
def test_pure_modules_import_no_io(path: Path) -> None:
    for name in _imports(path):
        root = name.split(".")[0]
        assert root not in FORBIDDEN, f"{path.name} imports {name}"
        if root == "bot":
            assert name.startswith(ALLOWED_BOT_IMPORTS), f"{path.name} imports {name}"


def test_case_ids_module_is_pure_too() -> None:
    for name in _imports(PACKAGE / "cases" / "ids.py"):
        assert name.split(".")[0] not in FORBIDDEN - {"os"}, name


MSGID = re.compile(
    r'"((?:welcome|ask|button|danger|sextortion|nofile|route|hash|hashes|case|'
    r"case_number|pin|lookup|relay|withdraw|helplines?|help|forget|cancel|language|"
    r'media|edit|group|flood|text|command|choice|resume)\.[a-z_.0-9]+)"'
)


def _engine_msgids() -> set[str]:
    found: set[str] = set()
    for path in ENGINE_FILES:
        found.update(MSGID.findall(path.read_text()))
    # Families built at run time.
    found.update(prompts.PARTNER_ONLY, (f"{m}_local" for m in prompts.LOCAL_TWINS))
    found.update(f"case.state.{s}" for s in ("open", "withdrawn"))
    found.update(f"case_number.{p}" for p in ("length", "characters", "check"))
    return found


def test_the_scan_finds_the_engine_msgids() -> None:
    found = _engine_msgids()
    assert len(found) > 80
    assert {"welcome.never_send", "case.opened", "media.refused", "hashes.sha256"} <= found


def test_every_problem_and_media_kind_has_a_message() -> None:
    from bot.engine.prompts import _PROBLEM_MSGIDS

    assert set(_PROBLEM_MSGIDS) == set(Problem)
    assert len(MediaKind) == 12


def test_every_engine_msgid_exists_in_every_catalog() -> None:
    catalogs = Catalogs.load()
    wanted = _engine_msgids()
    for lang in catalogs.languages:
        missing = wanted - catalogs.msgids(lang)
        assert not missing, f"{lang} lacks {sorted(missing)}"


def test_every_helpline_description_exists() -> None:
    from bot.data import load_helplines

    catalogs = Catalogs.load()
    for helpline in load_helplines():
        for lang in catalogs.languages:
            assert helpline.about in catalogs.msgids(lang), (lang, helpline.about)


def test_no_code_path_calls_a_media_download_api() -> None:
    pattern = re.compile(
        r"get_file|getFile|download_to|download_as|\.download\(|get_thumbnail|thumbnail"
    )
    # The companion runs on the person's own device and may resize pictures there; everything
    # that receives messages must never fetch what was sent.
    bot_side = [p for p in PACKAGE.rglob("*.py") if "companion" not in p.parts]
    assert len(bot_side) > 15
    for path in bot_side:
        assert not pattern.search(path.read_text()), path
