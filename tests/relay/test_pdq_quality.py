"""A picture's PDQ quality travels from the pasted hash code to the webhook partner.

The whole way on real parts: a code written by the companion's encoder and read by the bot's
parser, a case opened in a real SQLite store, the relay dispatching it, and the webhook sink
posting to a real HTTP server on loopback; then the withdrawal, and a partner added later.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.cases.store import CaseCredentials, Store
from bot.config import Settings, SinkSettings
from bot.hashes.hashcode import encode, parse
from bot.hashes.items import HashItem, ItemKind
from bot.relay.backfill import backfill_sink
from bot.relay.dispatch import dispatch_pending
from bot.relay.jobs import due
from bot.relay.runner import relay_running
from bot.relay.sinks import document
from tests.conftest import TEST_SECRET
from tests.relay.sinks.partners import FakePartner, serving
from tests.relay.test_runner import ENV, FAST, eventually

PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_B = "9c3f0a1e5b7d2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e4"
VIDEO = "0cc175b9c0f1b6a831c399e269772661"
CODE = encode(
    [
        HashItem(ItemKind.IMAGE, (("pdq", PDQ_A), ("md5", "1" * 32)), pdq_quality=83),
        HashItem(ItemKind.IMAGE, (("pdq", PDQ_B),)),  # as an older companion wrote it
        HashItem(ItemKind.FILE, (("md5", VIDEO),)),
    ]
)
EXPECTED = [
    {"signal_type": "ImagePDQ", "value": PDQ_A, "pdq_quality": 83},
    {"signal_type": "ImagePDQ", "value": PDQ_B, "pdq_quality": None},
    {"signal_type": "VideoMD5", "value": VIDEO, "pdq_quality": None},
]


async def _open(store: Store) -> CaseCredentials:
    parsed = parse(CODE)
    assert parsed.problems == ()
    case = await store.open_case(parsed.items, "stopncii", 1_764_000_000)
    assert isinstance(case, CaseCredentials)
    return case


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        sinks=(
            SinkSettings("Hotline", "webhook", url=f"{url}/hook", secret_env="HOOK_SECRET"),
            SinkSettings("Export", "file", path=tmp_path / "out"),
        ),
    )


async def test_the_webhook_and_the_export_carry_the_quality_of_pictures_only(
    store: Store, tmp_path: Path
) -> None:
    partner = FakePartner()
    async with serving(partner) as url:
        settings = _settings(tmp_path, url)
        case = await _open(store)
        async with relay_running(store, TEST_SECRET, settings, env=ENV, tuning=FAST):

            async def opened() -> bool:
                return len(partner.deliveries) == 1

            await eventually(opened, "the case reaches the webhook")
            await store.withdraw_case(case.number, case.pin, 1_764_000_100)

            async def withdrawn() -> bool:
                return len(partner.deliveries) == 2

            await eventually(withdrawn, "the withdrawal reaches the webhook")

            def exported_lines() -> list[dict[str, object]]:
                folder = tmp_path / "out"
                files = folder.iterdir() if folder.exists() else iter(())
                return [json.loads(x) for p in files for x in p.open()]

            async def both_exported() -> bool:  # the export sink runs on its own
                return len(exported_lines()) == 2

            await eventually(both_exported, "the withdrawal reaches the export")
    events = [(d.document["event"], d.document["hashes"]) for d in partner.deliveries]
    assert events == [("case_opened", EXPECTED), ("case_withdrawn", EXPECTED)]
    exported = exported_lines()
    assert [line["hashes"] for line in exported] == [EXPECTED, EXPECTED]
    async with store.transaction() as db:
        left = await db.execute_fetchall(
            "SELECT COUNT(*) FROM case_hashes WHERE quality IS NOT NULL"
        )
    assert list(left) == [(0,)]  # cleared with the values on withdrawal


async def test_a_partner_added_later_gets_the_quality_from_the_stored_rows(
    store: Store, tmp_path: Path
) -> None:
    await _open(store)
    await dispatch_pending(store, 1_764_000_000, sinks=[])
    assert await backfill_sink(store, "Later", 1_764_000_000) == 1
    (job,) = await due(store, "Later", 1_764_000_000)
    doc = document.document(job, document.reference_key(TEST_SECRET))
    assert doc["hashes"] == EXPECTED


@pytest.mark.parametrize(("signal", "quality"), [("md5", 50), ("pdq", 101), ("pdq", -1)])
async def test_the_database_refuses_a_quality_off_a_pdq_or_out_of_range(
    store: Store, signal: str, quality: int
) -> None:
    await _open(store)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        async with store.transaction() as db:
            await db.execute(
                "UPDATE case_hashes SET quality = ? WHERE signal = ?", (quality, signal)
            )
