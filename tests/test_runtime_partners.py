"""The runtime on a real SQLite file names the partners it knows, and counts for helplines.

Partners are the push sinks of the settings plus the feed partners in the database, read
again at most every ``partners_every`` seconds (the clock is the test's); helplines' referral
codes from the database greet referred people and are counted per week, never per person.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.cases import referrals
from bot.cases.store import Store
from bot.config import SinkSettings
from bot.engine.events import Command, Start, Text
from bot.i18n import Catalogs
from bot.relay import dispatch
from bot.runtime import PARTNERS_EVERY, Runtime
from tests.conftest import FakeClock, RecordingTransport, make_runtime
from tests.test_runtime import open_case, say


def _runtime(
    store: Store, catalogs: Catalogs, clock: FakeClock, tmp_path: Path, *sinks: str
) -> Runtime:
    file_sinks = tuple(SinkSettings(name, "file") for name in sinks)
    return make_runtime(store, catalogs, clock, tmp_path, sinks=file_sinks)


async def _add_feed_partner(store: Store, name: str) -> None:
    async with store.transaction() as db:
        await db.execute(
            "INSERT INTO partners (name, base_path, function_key_hash, subscription_key_hash, "
            "created_on) VALUES (?, '', ?, ?, '2025-11-24')",
            (name, b"f" * 32, b"s" * 32),
        )


async def test_a_sink_in_the_settings_is_named_and_shown_in_status(
    store: Store, catalogs: Catalogs, clock: FakeClock, tmp_path: Path
) -> None:
    runtime = _runtime(store, catalogs, clock, tmp_path, "Safe Bank")
    transport = RecordingTransport()
    number, pin = await open_case(runtime, transport)
    said = "\n".join(transport.texts())
    assert "pass these codes on to Safe Bank?" in said
    assert "Next, your codes go to: Safe Bank." in said
    assert "Sent anywhere: no." not in said
    await say(runtime, transport, Command("status"), Text(number), Text(pin))
    assert "Passing on: waiting to be passed on to partners" in transport.texts()[-2]
    await dispatch.dispatch_pending(store, clock(), sinks=["Safe Bank"])
    await say(runtime, transport, Command("status"), Text(number), Text(pin))
    assert transport.texts()[-2].splitlines()[-2:] == [
        "Partners:",
        "Safe Bank: waiting to be picked up",
    ]


async def test_a_partner_added_to_the_database_is_named_after_the_refresh_interval(
    store: Store, catalogs: Catalogs, clock: FakeClock, tmp_path: Path
) -> None:
    runtime = _runtime(store, catalogs, clock, tmp_path)
    transport = RecordingTransport()
    what_we_do = catalogs.text("en", "help.what_we_do_local")
    await say(runtime, transport, Start(), Command("help"))
    assert what_we_do in transport.texts()
    await _add_feed_partner(store, "Hotline Feed")
    clock.now += PARTNERS_EVERY - 1
    await say(runtime, transport, Command("help"))
    assert transport.texts()[-3] == what_we_do  # not read again yet: no read per message
    clock.now += 1
    await say(runtime, transport, Command("help"))
    assert "pass only those on to Hotline Feed, so they" in transport.texts()[-3]


async def test_a_referred_conversation_is_greeted_by_name_and_counted_by_week(
    store: Store, catalogs: Catalogs, clock: FakeClock, tmp_path: Path
) -> None:
    async with store.transaction() as db:
        code = await referrals.add(db, "Ligne Ecoute", "en", "GB", dt.date(2025, 11, 24))
    assert isinstance(code, str)
    clock.now += PARTNERS_EVERY  # the runtime reads the new code (no restart)
    runtime = _runtime(store, catalogs, clock, tmp_path)
    transport = RecordingTransport()
    await say(runtime, transport, Start(f"r_{code}"))
    assert transport.texts()[0].startswith("Hi, I'm Reclaim. Ligne Ecoute sent you here")
    number, pin = await open_case(runtime, transport)
    await say(
        runtime, transport, Command("withdraw"), Text("Withdraw a case"), Text(number), Text(pin)
    )
    async with store.transaction() as db:
        counted = await referrals.stats(db)
    week = referrals.iso_week(clock())
    # ``open_case`` starts again without the link: only the first start was referred.
    assert counted == [referrals.WeekCounts(code, "Ligne Ecoute", week, 1, 1, 1, 0)]
    async with store.transaction() as db:
        kept = await db.execute_fetchall("SELECT referral FROM cases")
    assert [tuple(r) for r in kept] == [(code,)]
