"""What the engine says about a paste: problems named line by line, notes on what was changed."""

from __future__ import annotations

from bot.engine import prompts
from bot.engine.effects import Say
from bot.engine.events import Choice, Command, Start, Text
from bot.engine.states import State
from bot.hashes import hashcode
from bot.hashes.hashcode import Problem
from tests.engine.conftest import msgids, run

PDQ = "f" * 31 + "e" + "0" * 31 + "1"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
PASTE = [Start(), *(Choice(a) for a in ("me", "no", "adult", "yes")), Command("hash")]


def test_every_problem_has_a_message() -> None:
    assert set(prompts._PROBLEM_MSGIDS) == set(Problem)


def test_invisible_characters_are_mentioned_and_the_paste_is_used() -> None:
    session, effects = run([*PASTE, Text(f"{PDQ[:20]}\u200b{PDQ[20:]}\n\ufeff{MD5}")])
    assert msgids(effects)[:2] == ["hashes.invisible_removed", "hashes.found"]
    assert session.state is State.CONFIRM_CASE
    assert len(session.pending) == 2


def test_a_clean_paste_has_no_note() -> None:
    _, effects = run([*PASTE, Text(f"{PDQ}\n{MD5}")])
    assert "hashes.invisible_removed" not in msgids(effects)


def test_a_paste_with_direction_controls_is_refused_and_explained() -> None:
    code = hashcode.encode(hashcode.parse(f"{PDQ}\n{MD5}").items)
    session, effects = run([*PASTE, Text(code.replace(MD5, f"\u202e{MD5}"))])
    first = effects[0]
    assert isinstance(first, Say)
    assert (first.msgid, dict(first.params)) == ("hashes.direction_control", {"line": 3})
    assert "hashes.nothing_saved" in msgids(effects)
    assert session.state is State.AWAIT_HASHES
    assert session.pending == ()


def test_a_direction_control_in_a_code_is_explained_from_any_question() -> None:
    code = hashcode.encode(hashcode.parse(PDQ).items)
    _, effects = run([Start(), Text(code.replace(PDQ, f"\u2067{PDQ}\u2069"))])
    assert msgids(effects)[0] == "hashes.direction_control"


def test_a_bare_line_that_is_no_pdq_asks_about_sha256() -> None:
    session, effects = run([*PASTE, Text(SHA256)])
    first = effects[0]
    assert isinstance(first, Say)
    assert (first.msgid, dict(first.params)) == ("hashes.maybe_sha256", {"line": 1})
    assert session.state is State.AWAIT_HASHES
    session, effects = run([*PASTE, Text(f"PDQ: {SHA256}")])
    assert session.state is State.CONFIRM_CASE
