"""The console transport in-process: numbered options, typed labels, blocks, end of input."""

from __future__ import annotations

import io
import re

from bot.engine.events import Choice, Command, Start, Text
from bot.hashes import hashcode
from bot.hashes.items import HashItem, ItemKind
from bot.i18n import Rendered
from bot.runtime import Runtime
from bot.transports.console import ConsoleTransport, run_console

PDQ = "f" * 32 + "0" * 31 + "1"


async def test_options_are_printed_numbered() -> None:
    out = io.StringIO()
    transport = ConsoleTransport(out)
    transport.begin_reply()
    await transport.send("local", Rendered("Pick one", (("a", "Under 18"), ("b", "18 or older"))))
    transport.end_reply()
    assert out.getvalue() == "Pick one\n[1] Under 18\n[2] 18 or older\n\n"
    assert transport.event_for("2") == Choice("b")
    assert transport.event_for("3") == Text("3")  # not an option: plain text


def test_lines_become_events() -> None:
    transport = ConsoleTransport(io.StringIO())
    assert transport.event_for("/start fr") == Start("fr")
    assert transport.event_for("/STATUS") == Command("status")
    assert transport.event_for("/status@reclaimbot abc") == Command("status", "abc")
    assert transport.event_for("hello\n") == Text("hello")
    assert transport.event_for("1") == Text("1")  # no options shown yet


async def test_a_scripted_conversation_with_a_multiline_code(runtime: Runtime) -> None:
    code = hashcode.encode([HashItem(ItemKind.IMAGE, (("pdq", PDQ),))])
    script = "\n".join(["1", "2", "18 or older", "1", "1", code, "1", ""])
    out = io.StringIO()
    await run_console(runtime, io.StringIO(script), out)
    text = out.getvalue()
    assert text.startswith("Hi, I'm Reclaim.")
    assert "StopNCII.org is the right service" in text
    assert "pictures: 1, videos and other files: 0" in text
    assert re.search(r"Case number: [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]\nPIN: \d{6}", text)
    assert ">" not in text.splitlines()[0]  # no prompts when not a terminal


async def test_numbers_do_not_pick_options_while_text_is_expected(runtime: Runtime) -> None:
    out = io.StringIO()
    await run_console(runtime, io.StringIO("/status\n1\n"), out)
    assert "A case number has 13 letters and numbers" in out.getvalue()
    assert "earlier step" not in out.getvalue()
