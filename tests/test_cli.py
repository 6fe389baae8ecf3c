"""The ``reclaim`` command's small subcommands, run in-process."""

from __future__ import annotations

import pytest

from bot.cli import main


def test_helplines_by_country(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["helplines", "gb"]) == 0
    out = capsys.readouterr().out
    assert "Revenge Porn Helpline" in out
    assert "Find A Helpline" in out
    assert "999" in out
    assert "CyberTipline" not in out


def test_i18n_check_passes_on_the_shipped_catalogs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["i18n", "check"]) == 0
    assert "en: complete" in capsys.readouterr().out


def test_diagram_prints_dot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram"]) == 0
    assert capsys.readouterr().out.startswith("digraph reclaim {")


def test_unknown_subcommands_fail(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
