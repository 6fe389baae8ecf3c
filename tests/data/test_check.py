"""`reclaim helplines --check`: the shipped data is clean, and each kind of mistake is reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.cli import main
from bot.data.check import (
    check_contact,
    check_directory,
    check_helplines,
    check_reports,
    default_directory,
)
from bot.i18n import Catalogs

TODAY = dt.date(2026, 12, 3)
MSGIDS = frozenset({"helpline.about.line", "helpline.about.emergency", "report.about.place"})

HELPLINES = """
[[helpline]]
country = "GB"
name = "Emergency"
about = "helpline.about.emergency"
contact = "999 or 112"
kind = "emergency"
source = "https://emergency.example/numbers"
checked = "2026-11-30"

[[helpline]]
country = "GB"
name = "A line"
about = "helpline.about.line"
contact = "+44 20 7946 0000 · 0800-111 222 (free) · line.example"
audience = "minors"
kind = "crisis"
source = "https://line.example/contact"
checked = "2026-12-02"
"""

PLATFORMS = """
[[platform]]
key = "one"
name = "One"
domains = ["one.example", "one.link"]
source = "https://one.example/help"
checked = "2026-12-01"

[[platform.form]]
kind = "intimate"
url = "https://one.example/report"
source = "https://one.example/help"
checked = "2026-12-01"

[[platform.form]]
kind = "copyright"
url = "mailto:dmca@one.example"
source = "https://one.example/help"
checked = "2026-12-01"
"""

PARTICIPANTS = """
[[service]]
key = "svc"
name = "Service"
url = "https://svc.example"
note = "what taking part means"
note_source = "docs/facts.md"
source = "https://svc.example/partners"
checked = "2026-12-01"

[[service.participant]]
name = "One"
platform = "one"

[[service.participant]]
name = "Other"
source = "docs/facts.md"
"""


REPORTS = """
[[report]]
country = "GB"
name = "A place"
about = "report.about.place"
contact = "101 · in danger now: 999 · place.example/report"
audience = "minors"
source = "https://place.example/report"
checked = "2026-12-03"
"""


def _write(
    folder: Path,
    helplines: str = HELPLINES,
    platforms: str = PLATFORMS,
    participants: str = PARTICIPANTS,
    reports: str = REPORTS,
) -> Path:
    (folder / "helplines.toml").write_text(helplines, "utf-8")
    (folder / "platforms.toml").write_text(platforms, "utf-8")
    (folder / "participants.toml").write_text(participants, "utf-8")
    (folder / "reports.toml").write_text(reports, "utf-8")
    return folder


def test_good_files_have_no_problems(tmp_path: Path) -> None:
    report = check_directory(_write(tmp_path), MSGIDS, TODAY)
    assert report.problems == ()
    assert report.summary() == (
        "ok: 2 helplines in 1 countries, 1 platforms, 1 services, 1 places to report threats"
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('name = "A line"\n', "", "name is missing"),
        ('country = "GB"\nname = "A line"', 'country = "Britain"\nname = "A line"', "ISO code"),
        ('"helpline.about.line"', '"helpline.about.nowhere"', "not in the catalog"),
        ('audience = "minors"', 'audience = "teens"', "unknown audience"),
        ('kind = "crisis"', 'kind = "hotline"', "unknown kind"),
        ("+44 20 7946 0000", "+44 (0)20 7946 0000", "not a plain phone number"),
        ("0800-111 222", "0800/111 222", "not a plain phone number"),
        ("0800-111 222", "0800--111 222", "not a plain phone number"),
        ("0800-111 222", "1-800-THE-LINE", "not a plain phone number"),
        ('"https://line.example/contact"', '"http://line.example/contact"', "not an https"),
        ('"https://line.example/contact"', '"line.example"', "not an https"),
        ('checked = "2026-12-02"', 'checked = "2026-12-04"', "in the future"),
        ('checked = "2026-12-02"', 'checked = "02/12/2026"', "not a date"),
        ('checked = "2026-12-02"', 'checked = "2026-12-2"', "not a date"),
        ('checked = "2026-12-02"\n', "", "checked is missing"),
        ('name = "A line"', 'name = "Emergency"', "second entry"),
    ],
)
def test_a_broken_helpline_is_reported(tmp_path: Path, old: str, new: str, problem: str) -> None:
    assert old in HELPLINES
    report = check_directory(_write(tmp_path, helplines=HELPLINES.replace(old, new)), MSGIDS, TODAY)
    assert any(problem in line for line in report.problems), report.problems
    assert all(line.startswith("helplines.toml") for line in report.problems)


def test_an_old_entry_with_a_known_bare_source_needs_no_date(tmp_path: Path) -> None:
    old = HELPLINES.replace('"https://line.example/contact"', '"press coverage"').replace(
        'checked = "2026-12-02"\n', ""
    )
    assert check_directory(_write(tmp_path, helplines=old), MSGIDS, TODAY).problems == ()


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('domains = ["one.example", "one.link"]', "domains = []", "domains is missing"),
        ('"one.link"', '"One.Link"', "not a lower-case domain"),
        ('"one.link"', '"one.example"', "also listed"),
        ('kind = "copyright"', 'kind = "dmca"', "unknown kind"),
        ('"https://one.example/report"', '"http://one.example/report"', "not an https"),
        ('url = "mailto:dmca@one.example"', 'url = "dmca@one.example"', "not an https"),
        ('checked = "2026-12-01"\n\n[[platform.form]]', "\n[[platform.form]]", "missing"),
        ('name = "One"\n', "", "name is missing"),
    ],
)
def test_a_broken_platform_is_reported(tmp_path: Path, old: str, new: str, problem: str) -> None:
    assert old in PLATFORMS
    folder = _write(tmp_path, platforms=PLATFORMS.replace(old, new))
    report = check_directory(folder, MSGIDS, TODAY)
    assert any(problem in line for line in report.problems), report.problems


def test_a_platform_listed_twice_is_reported(tmp_path: Path) -> None:
    twice = PLATFORMS + PLATFORMS.replace('"one.example", "one.link"', '"two.example"')
    report = check_directory(_write(tmp_path, platforms=twice), MSGIDS, TODAY)
    assert any("second platform" in line for line in report.problems), report.problems


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('platform = "one"', 'platform = "nowhere"', "unknown platform"),
        ('name = "Other"', 'name = "one"', "listed twice"),
        ('source = "docs/facts.md"\n', 'source = "a blog"\n', "not an https"),
        ('note_source = "docs/facts.md"', 'note_source = "memory"', "not an https"),
        ('note = "what taking part means"\n', "", "note is missing"),
        ('checked = "2026-12-01"', 'checked = "soon"', "not a date"),
    ],
)
def test_a_broken_participant_list_is_reported(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    assert old in PARTICIPANTS
    folder = _write(tmp_path, participants=PARTICIPANTS.replace(old, new))
    report = check_directory(folder, MSGIDS, TODAY)
    assert any(problem in line for line in report.problems), report.problems


def test_missing_and_unreadable_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "helplines.toml").write_text("[[helpline]\n", "utf-8")
    report = check_directory(tmp_path, MSGIDS, TODAY)
    assert any("not valid TOML" in line for line in report.problems)
    assert "platforms.toml: missing" in report.problems
    assert "participants.toml: missing" in report.problems
    assert "reports.toml: missing" in report.problems


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('name = "A place"\n', "", "name is missing"),
        ('country = "GB"', 'country = "global"', "is not an ISO code"),
        ('audience = "minors"', 'audience = "kids"', "unknown audience"),
        ('about = "report.about.place"', 'about = "report.about.nowhere"', "not in the catalog"),
        ('source = "https://place.example/report"', 'source = "press coverage"', "not an https"),
        ('checked = "2026-12-03"\n', "", "checked is missing"),
        ('checked = "2026-12-03"', 'checked = "2027-01-01"', "is in the future"),
        ("101 ·", "0800/123 ·", "not a plain phone number"),
        ('"""\n[[report]]', '"""\n[[report]', "not valid TOML"),
    ],
)
def test_each_mistake_in_the_reporting_places_is_reported(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    text = '"""' + REPORTS if old.startswith('"""') else REPORTS
    assert old in text
    changed = text.replace(old, new).removeprefix('"""')
    report = check_directory(_write(tmp_path, reports=changed), MSGIDS, TODAY)
    assert any(problem in line for line in report.problems), report.problems


def test_a_reporting_place_listed_twice_is_reported(tmp_path: Path) -> None:
    report = check_directory(_write(tmp_path, reports=REPORTS + REPORTS), MSGIDS, TODAY)
    assert any("a second entry" in line for line in report.problems), report.problems


SHARED_ENTRY = {
    "country": "GB",
    "name": "Both",
    "about": "report.about.place",
    "contact": "101",
    "audience": "minors",
    "source": "https://both.example/page",
    "checked": "2026-12-01",
}


def _entry(table: str, changes: dict[str, str | None]) -> str:
    fields = {**SHARED_ENTRY, **changes}
    lines = [f"{key} = {value!r}".replace("'", '"') for key, value in fields.items() if value]
    return f"[[{table}]]\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"audience": "kids"}, "unknown audience 'kids'"),
        ({"about": "report.about.nowhere"}, "about 'report.about.nowhere' is not in the catalog"),
        (
            {"source": "http://both.example/page"},
            "source 'http://both.example/page' is not an https address",
        ),
        ({"checked": "2027-01-01"}, "checked 2027-01-01 is in the future"),
        ({"checked": None}, "checked is missing"),
        ({"contact": "0800/123"}, "'0800/123' in contact is not a plain phone number"),
    ],
)
def test_helplines_and_reporting_places_share_each_common_rule(
    changes: dict[str, str | None], problem: str
) -> None:
    helplines, _, _ = check_helplines(_entry("helpline", changes), MSGIDS, TODAY)
    reports, _ = check_reports(_entry("report", changes), MSGIDS, TODAY)
    assert [line.split(": ", 1)[1] for line in helplines] == [problem]
    assert [line.split(": ", 1)[1] for line in reports] == [problem]


def test_the_shared_entry_is_clean_in_both_files() -> None:
    assert check_helplines(_entry("helpline", {}), MSGIDS, TODAY)[0] == []
    assert check_reports(_entry("report", {}), MSGIDS, TODAY)[0] == []


@pytest.mark.parametrize(
    "contact",
    [
        "116 123 (free) · samaritans.org",
        "text CONNECT to 686868",
        "3018 · 3018.fr",
        "017 · Telegram @INCIBE017",
        "113 or 0800-0113 (free) · 113.nl",
        "https://report.example/2024/form",
    ],
)
def test_plain_numbers_and_web_addresses_pass(contact: str) -> None:
    assert check_contact(contact, "x") == []


def test_the_shipped_data_is_clean() -> None:
    catalogs = Catalogs.load()
    # The shipped data is checked against the real date: a source read today is not "in the future".
    today = dt.date.today()
    report = check_directory(default_directory(), catalogs.msgids(catalogs.default), today)
    assert report.problems == ()
    assert report.platforms >= 9
    assert report.services == 2
    assert report.reports >= 15


def test_the_command_prints_a_summary_and_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["helplines", "--check"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("ok: ")


def test_the_command_lists_each_problem_and_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = (
        HELPLINES.replace("0800-111 222", "0800/111 222")
        .replace('checked = "2026-11-30"', 'checked = "2999-01-01"')
        .replace("helpline.about.line", "helpline.about.rph")
    )
    real = REPORTS.replace("report.about.place", "report.about.ceop")
    folder = _write(tmp_path, helplines=broken, reports=real)
    monkeypatch.setattr("bot.data.check.default_directory", lambda: folder)
    assert main(["helplines", "--check"]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2
    assert any("in the future" in line for line in out)
    assert any("0800/111 222" in line for line in out)
