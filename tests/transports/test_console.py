"""The console transport in-process: numbered options, typed labels, blocks, end of input."""

from __future__ import annotations

import io
import re
from dataclasses import replace

from bot.companion import report
from bot.companion.codeplan import CodePart
from bot.companion.hasher import Failure, FileHashes, FileKind, Note
from bot.engine.events import Choice, Command, Start, Text
from bot.hashes import hashcode
from bot.hashes.items import HashItem, ItemKind
from bot.i18n import Rendered
from bot.runtime import Runtime
from bot.transports.console import ConsoleTransport, run_console, starts_paste

ROUTED = "It's me\nNo\n18 or older\nYes\n"
"""Answers to the routing questions, which come before any case."""
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


async def test_the_page_is_offered_as_a_link_line(runtime: Runtime) -> None:
    runtime.settings = replace(runtime.settings, public_url="https://reclaim.example.org")
    out = io.StringIO()
    await run_console(runtime, io.StringIO("/hash\n"), out, lang="en")
    text = out.getvalue()
    label = runtime.catalogs.text("en", "button.open_page")
    assert f"\n{label}: https://reclaim.example.org/companion/?lang=en\n" in text
    assert "reclaim hash <your pictures" not in text


async def test_without_a_page_the_console_says_how_to_run_the_companion(
    runtime: Runtime,
) -> None:
    out = io.StringIO()
    await run_console(runtime, io.StringIO("/hash\n"), out, lang="en")
    assert "reclaim hash <your pictures or folder>" in out.getvalue()
    assert "/companion/" not in out.getvalue()


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


async def test_quit_leaves_the_console_and_nothing_after_it_is_read(runtime: Runtime) -> None:
    out = io.StringIO()
    await run_console(runtime, io.StringIO("/quit\n/help\n"), out)
    assert "I don't know that command" not in out.getvalue()
    assert "/forget" not in out.getvalue().split("Who is in the pictures")[-1]  # no /help reply


async def test_numbers_do_not_pick_options_while_text_is_expected(runtime: Runtime) -> None:
    out = io.StringIO()
    await run_console(runtime, io.StringIO("/status\n1\n"), out)
    assert "A case number has 13 letters and numbers" in out.getvalue()
    assert "earlier step" not in out.getvalue()


def _companion_lines() -> list[str]:
    """Every kind of line ``reclaim hash`` prints before its code."""

    def parts(cases: int, count: int) -> list[CodePart]:
        return [CodePart(1, cases, n, count, 1, "") for n in range(1, count + 1)]

    lines = [*report.summary([])]
    for shape in ((1, 1), (1, 3), (2, 2), (2, 1)):
        lines += report.paste_instructions(parts(*shape))
        lines += [report.part_heading(part) for part in parts(*shape) if shape != (1, 1)]
    ok = FileHashes(path="a.jpg", kind=FileKind.IMAGE, md5="0" * 32)
    lines += report.summary([ok]) + report.summary([ok, ok], skipped_folders=1)
    lines += report.summary([ok], skipped_folders=2)
    for kind in FileKind:
        lines.append(report.file_line(FileHashes(path="a b.jpg", kind=kind, md5="0" * 32), 12))
    for failure in Failure:
        failed = FileHashes(path="x.jpg", kind=FileKind.IMAGE, error=failure)
        lines.append(report.file_line(failed))
        lines += report.summary([failed]) + report.summary([failed, ok])
    for note in Note:
        noted = FileHashes(path="y.png", kind=FileKind.IMAGE, md5="0" * 32, note=note)
        lines.append(report.file_line(noted))
    return [*lines, "Part 2 of 3:"]


def test_every_line_the_companion_prints_starts_a_paste() -> None:
    lines = _companion_lines()
    assert len(lines) > 20
    for line in lines:
        assert starts_paste(line), line
    for typed in ("1", "Yes", "okay", "Done", "18 or older", "I'm not safe right now", PDQ):
        assert not starts_paste(typed), typed


async def test_the_whole_companion_output_is_one_paste(runtime: Runtime) -> None:
    code = hashcode.encode([HashItem(ItemKind.IMAGE, (("pdq", PDQ),))])
    output = "\n".join(
        [
            "ok    a.jpg  picture",
            "",
            "Done: your file has its fingerprint.",
            "",
            "Copy the code below (all of its lines) and paste it into the chat.",
            "",
            code,
            "1",
            "",
        ]
    )
    out = io.StringIO()
    await run_console(runtime, io.StringIO(ROUTED + "/hash\n" + output), out)
    text = out.getvalue()
    assert "pictures: 1, videos and other files: 0" in text
    assert "Line" not in text  # no line was turned down
    assert "Case number:" in text  # the line after the code was read as its own answer
