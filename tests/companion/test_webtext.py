"""The page's words: exported from the catalogs, complete, deterministic and committed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.companion.webtext import WEB_DIR, direction, export, render
from bot.i18n import Catalogs
from tests.catalog_copies import copy_with


def _messages(script: str) -> dict[str, object]:
    body = script.split("self.Reclaim.text = ", 1)[1].rstrip().removesuffix(";")
    loaded: dict[str, object] = json.loads(body)
    return loaded


def test_the_committed_files_equal_a_fresh_export() -> None:
    fresh = render(Catalogs.load())
    committed = {
        f"i18n/{path.name}": path.read_text("utf-8") for path in (WEB_DIR / "i18n").glob("*.js")
    }
    assert committed == fresh, "the page's words are stale: run `reclaim i18n web`"


def test_every_web_msgid_and_nothing_else_is_exported(catalogs: Catalogs) -> None:
    text = _messages(render(catalogs)["i18n/en.js"])
    assert (text["lang"], text["dir"]) == ("en", "ltr")
    messages = text["messages"]
    assert isinstance(messages, dict)
    expected = {m for m in catalogs.msgids("en") if m.startswith("web.")}
    assert len(expected) > 40
    assert set(messages) == expected
    assert messages["web.private"] == catalogs.text("en", "web.private")


def test_only_complete_catalogs_are_exported_and_arabic_is_right_to_left(
    tmp_path: Path,
) -> None:
    copy_with(tmp_path, "en", {})
    copy_with(tmp_path, "ar", {"web.title": "\u0628\u0635\u0645\u0627\u062a"})
    copy_with(tmp_path, "fr", {}, drop="web.copy")  # incomplete: not exported at all
    catalogs = Catalogs.load(tmp_path)
    out = tmp_path / "web"
    (out / "i18n").mkdir(parents=True)
    (out / "i18n" / "xx.js").write_text("stale", "utf-8")
    written = export(catalogs, out)
    assert sorted(p.name for p in written) == ["ar.js", "en.js", "languages.js"]
    assert not (out / "i18n" / "xx.js").exists()
    arabic = _messages((out / "i18n" / "ar.js").read_text("utf-8"))
    assert arabic["dir"] == "rtl"
    messages = arabic["messages"]
    assert isinstance(messages, dict)
    assert messages["web.title"] == "\u0628\u0635\u0645\u0627\u062a"
    assert messages["web.copy"] == catalogs.text("en", "web.copy")
    assert (
        (out / "i18n" / "languages.js")
        .read_text("utf-8")
        .endswith('self.Reclaim.languages = ["en", "ar"];\n')
    )
    # Written as ASCII: a static host that sends no charset cannot garble the words.
    assert (out / "i18n" / "ar.js").read_bytes().isascii()
    first = {p.name: p.read_text("utf-8") for p in (out / "i18n").glob("*.js")}
    export(catalogs, out)
    assert {p.name: p.read_text("utf-8") for p in (out / "i18n").glob("*.js")} == first


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("ar", "rtl"), ("ur", "rtl"), ("he", "rtl"), ("fa", "rtl"), ("en", "ltr"), ("pt_BR", "ltr")],
)
def test_direction_comes_from_the_locale(lang: str, expected: str) -> None:
    assert direction(lang) == expected


def test_an_unknown_language_is_left_to_right() -> None:
    assert direction("zz-not-a-language") == "ltr"


def test_the_page_names_only_msgids_that_exist(catalogs: Catalogs) -> None:
    known = catalogs.msgids("en")
    used: set[str] = set()
    for script in WEB_DIR.glob("*.js"):
        used |= set(re.findall(r"[\"'](web\.[a-z_.]+)[\"']", script.read_text("utf-8")))
    for page in WEB_DIR.glob("*.html"):
        used |= set(re.findall(r"data-text=\"(web\.[a-z_.]+)\"", page.read_text("utf-8")))
    assert used, "the page uses no catalog words"
    assert used <= known, sorted(used - known)


def test_reclaim_i18n_web_writes_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.companion import webtext

    calls: list[Path] = []
    monkeypatch.setattr(webtext, "export", lambda: calls.append(tmp_path) or [tmp_path / "x.js"])
    assert main(["i18n", "web"]) == 0
    assert calls == [tmp_path]
    assert "x.js" in capsys.readouterr().out
