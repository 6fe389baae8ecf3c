"""Where the pictures are posted, through the runtime on real SQLite files and the shipped
platform directory: typed names, pasted links, and nothing of a link kept or logged."""

from __future__ import annotations

import logging

import pytest

from bot.cases.store import Store
from bot.data.platforms import load_platforms
from bot.engine.events import Start, Text
from bot.runtime import Runtime
from tests.conftest import RecordingTransport
from tests.test_runtime import dump_database, say

NO_FILE = [Start(), Text("It's me"), Text("no"), Text("18 or older"), Text("no")]
SECRET_LINK = "https://www.instagram.com/p/Cq-banana-split-xyz/?igshid=777"


def _instagram_form() -> str:
    form = next(p for p in load_platforms() if p.key == "instagram").form("intimate")
    assert form is not None
    return form.url


async def test_the_question_offers_the_directory_s_common_platforms(
    runtime: Runtime, transport: RecordingTransport
) -> None:
    await say(runtime, transport, *NO_FILE)
    assert transport.last().text.startswith("Do you know where they were posted?")
    labels = [label for _, label in transport.last().buttons]
    assert labels[:3] == ["Instagram", "Snapchat", "TikTok"]
    assert labels[-2:] == ["Another site", "I don't know"]


@pytest.mark.parametrize("typed", ["Instagram", "instagram", "Instagran"])
async def test_a_typed_name_picks_the_platform(
    runtime: Runtime, transport: RecordingTransport, typed: str
) -> None:
    await say(runtime, transport, *NO_FILE, Text(typed))
    if transport.last().text.startswith("Did you mean"):  # a slip may be asked about first
        await say(runtime, transport, Text("yes"))
    assert any(_instagram_form() in text for text in transport.texts())


async def test_a_platform_without_a_button_is_understood_by_name(
    runtime: Runtime, transport: RecordingTransport
) -> None:
    await say(runtime, transport, *NO_FILE, Text("youtube"))
    assert any("YouTube" in text for text in transport.texts()[-5:])


async def test_a_pasted_link_gives_its_site_s_forms_and_is_deleted_and_never_kept(
    runtime: Runtime,
    transport: RecordingTransport,
    store: Store,
    tmp_path: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await say(runtime, transport, *NO_FILE)
    await runtime.handle(
        transport, "chat-987654321", Text(f"it's here {SECRET_LINK}"), incoming_ref="link-msg"
    )
    assert ("chat-987654321", "link-msg") in transport.deleted
    said = "\n".join(transport.texts()[-6:])
    assert "I only looked at which site that link is on" in said
    assert _instagram_form() in said
    await store.close()
    dumped = dump_database(runtime.settings.database_path)
    for fragment in ("banana-split", "igshid", "Cq-banana", "instagram.com/p"):
        assert fragment not in dumped
        assert fragment not in caplog.text


async def test_a_link_while_another_question_waits_is_answered_and_the_question_asked_again(
    runtime: Runtime, transport: RecordingTransport
) -> None:
    await say(runtime, transport, Start(), Text("It's me"))
    await runtime.handle(
        transport, "chat-987654321", Text("tiktok.com/@someone/video/1"), incoming_ref="m"
    )
    assert ("chat-987654321", "m") in transport.deleted
    assert transport.last().text.startswith("Is someone threatening")


async def test_a_link_to_a_site_the_directory_lacks_is_another_site(
    runtime: Runtime, transport: RecordingTransport
) -> None:
    await say(runtime, transport, *NO_FILE, Text("www.some-forum.example.org/thread/9"))
    said = "\n".join(transport.texts()[-5:])
    assert "Report" in said
    assert "some-forum" not in said
