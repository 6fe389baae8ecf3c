"""What a case's holder sees of its partners (``bot/cases/caseinfo.py``), on real database files.

Delivery rows come from the relay's own dispatch (``bot.relay.dispatch.dispatch_pending``) or
from SQL as the relay's workers and the partner API write them; feedback rows as the partner
API writes them, one per partner and feed record.
"""

from __future__ import annotations

import dataclasses

import aiosqlite

from bot.cases import caseinfo
from bot.cases.store import CaseCredentials, CaseInfo, PartnerStatus, Store
from bot.hashes.items import HashItem
from bot.relay import dispatch
from tests.cases.database import T0


async def _open(store: Store, items: tuple[HashItem, ...]) -> CaseCredentials:
    opened = await store.open_case(items, "stopncii", T0)
    assert isinstance(opened, CaseCredentials)
    return opened


async def _info(store: Store, case: CaseCredentials) -> CaseInfo:
    info = await store.lookup_case(case.number, case.pin, T0)
    assert isinstance(info, CaseInfo)
    return info


async def _sql(store: Store, sql: str, *params: object) -> None:
    async with store.transaction() as db:
        await db.execute(sql, params)


async def _add_feed_partner(store: Store, name: str, revoked: bool = False) -> None:
    number = len(name) + sum(map(ord, name))
    await _sql(
        store,
        "INSERT INTO partners (name, base_path, function_key_hash, subscription_key_hash, "
        "created_on, revoked_on) VALUES (?, '', ?, ?, '2024-06-01', ?)",
        name,
        number.to_bytes(32, "big"),
        bytes(32),
        "2024-06-02" if revoked else None,
    )


async def test_a_case_not_relayed_yet_has_no_partners(
    store: Store, items: tuple[HashItem, ...]
) -> None:
    info = await _info(store, await _open(store, items))
    assert info.partners == ()
    assert (info.relay_queued, info.relay_delivered) == (1, 0)


async def test_dispatch_queues_the_case_for_every_partner_sorted_by_name(
    store: Store, items: tuple[HashItem, ...]
) -> None:
    case = await _open(store, items)
    await _add_feed_partner(store, "feed one")
    await dispatch.dispatch_pending(store, T0, sinks=["Zeta bank", "Alpha hook"])
    info = await _info(store, case)
    assert [(p.name, p.state) for p in info.partners] == [
        ("Alpha hook", "queued"),
        ("feed one", "queued"),
        ("Zeta bank", "queued"),
    ]
    assert (info.relay_queued, info.relay_delivered) == (0, 1)


async def test_each_delivery_state_is_shown(store: Store, items: tuple[HashItem, ...]) -> None:
    case = await _open(store, items)
    names = {state: f"P {state}" for state in caseinfo.DELIVERY_STATES}
    await dispatch.dispatch_pending(store, T0, sinks=list(names.values()))
    for state, name in names.items():
        await _sql(store, "UPDATE deliveries SET state = ? WHERE partner = ?", state, name)
    info = await _info(store, case)
    assert {p.name: p.state for p in info.partners} == {n: s for s, n in names.items()}


async def test_feedback_counts_each_partner_and_record_once(
    store: Store, items: tuple[HashItem, ...]
) -> None:
    case = await _open(store, items)
    other = await _open(store, items[:1])
    await dispatch.dispatch_pending(store, T0, sinks=["Bank"])
    await _sql(store, "UPDATE deliveries SET state = 'delivered'")
    async with store.transaction() as db:
        case_id = await _case_id(db, case)
        other_id = await _case_id(db, other)
        records = [int(r[0]) for r in await db.execute_fetchall("SELECT id FROM feed_records")]
        feedback = [
            ("Bank", records[0], "Blocked"),
            ("Bank", records[1], "Blocked"),
            ("Bank", records[2], "PendingReview"),
            ("Feed", records[0], "NotBlocked"),  # a partner without a delivery row
        ]
        for partner, record, value in feedback:
            # The same answer sent twice replaces itself: one row per (partner, record).
            for _ in range(2):
                await db.execute(
                    "INSERT INTO case_feedback (case_id, partner, record_id, value, updated_on) "
                    "VALUES (?, ?, ?, ?, '2024-06-01') ON CONFLICT (case_id, partner, record_id) "
                    "DO UPDATE SET value = excluded.value",
                    (case_id, partner, record, value),
                )
        await db.execute(
            "INSERT INTO case_feedback VALUES (?, 'Bank', ?, 'Blocked', '2024-06-01')",
            (other_id, records[0]),
        )
    info = await _info(store, case)
    assert info.partners == (
        PartnerStatus("Bank", "delivered", pending_review=1, blocked=2, not_blocked=0),
        PartnerStatus("Feed", None, pending_review=0, blocked=0, not_blocked=1),
    )
    other_info = await _info(store, other)
    assert other_info.partners == (PartnerStatus("Bank", "delivered", blocked=1),)


async def test_a_withdrawn_case_keeps_its_partners(
    store: Store, items: tuple[HashItem, ...]
) -> None:
    case = await _open(store, items)
    await dispatch.dispatch_pending(store, T0, sinks=["Bank", "Slow"])
    await _sql(
        store,
        "UPDATE push_jobs SET state = 'delivered', payload = NULL, next_attempt = 0 "
        "WHERE sink = 'Bank'",
    )
    await _sql(store, "UPDATE deliveries SET state = 'delivered' WHERE partner = 'Bank'")
    withdrawn = await store.withdraw_case(case.number, case.pin, T0)
    assert isinstance(withdrawn, CaseInfo)
    assert withdrawn.partners == (
        PartnerStatus("Bank", "delivered"),
        PartnerStatus("Slow", "queued"),
    )
    await dispatch.dispatch_pending(store, T0, sinks=["Bank", "Slow"])
    after = await _info(store, case)
    # The partner that never got the codes is not asked to remove them: it is left out.
    assert after.partners == (PartnerStatus("Bank", "withdraw_queued"),)
    assert dataclasses.replace(after, partners=()).state == "withdrawn"


async def test_connected_partners_are_sinks_then_active_feed_partners(store: Store) -> None:
    await _add_feed_partner(store, "Beta feed")
    await _add_feed_partner(store, "Alpha feed")
    await _add_feed_partner(store, "Gone feed", revoked=True)
    await _add_feed_partner(store, "bank")  # the same name as a sink, in another case
    async with store.transaction() as db:
        names = await caseinfo.connected_partners(db, ["Bank", "Hook"])
    assert names == ("Bank", "Hook", "Alpha feed", "Beta feed")
    async with store.transaction() as db:
        assert await caseinfo.connected_partners(db, []) == ("Alpha feed", "Beta feed", "bank")


async def _case_id(db: aiosqlite.Connection, case: CaseCredentials) -> int:
    found = list(await db.execute_fetchall("SELECT id FROM cases WHERE number = ?", (case.number,)))
    return int(found[0][0])
