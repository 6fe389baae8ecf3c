"""The platform directory for the page: committed, fresh, deterministic, the bot's forms."""

from __future__ import annotations

import json
from pathlib import Path

from bot.companion.webplatforms import NAME, export, render
from bot.companion.webtext import WEB_DIR
from bot.data.platforms import load_platforms


def _listed(script: str) -> list[dict[str, object]]:
    body = script.split("self.Reclaim.platforms = ", 1)[1].rstrip().removesuffix(";")
    listed: list[dict[str, object]] = json.loads(body)
    return listed


def test_the_committed_file_equals_a_fresh_export() -> None:
    committed = (WEB_DIR / NAME).read_text("utf-8")
    assert committed == render(load_platforms()), (
        "the page's platforms are stale: run `python -m bot.companion.webplatforms`"
    )


def test_each_platform_has_its_first_form_of_each_kind(tmp_path: Path) -> None:
    platforms = load_platforms()
    path = export(platforms, tmp_path)
    listed = _listed(path.read_text("utf-8"))
    assert [p["key"] for p in listed] == [p.key for p in platforms]
    for entry, platform in zip(listed, platforms, strict=True):
        forms = {k: f.url for k in ("intimate", "legal", "copyright") if (f := platform.form(k))}
        assert entry == {"key": platform.key, "name": platform.name, "forms": forms}
    assert path.read_bytes().isascii()
    export(platforms, tmp_path)
    assert path.read_text("utf-8") == render(platforms)
