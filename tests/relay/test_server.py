"""The partner API over raw HTTP: keys, paths, bad requests, references and match reports."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.cases.store import CaseCredentials, Store
from bot.config import Settings, SinkSettings
from bot.hashes.items import HashItem, ItemKind
from bot.relay import dispatch, feedstore, partners, records, server, signing
from tests.conftest import TEST_SECRET, FakeClock

KEYS = feedstore.FeedKeys.from_secret(TEST_SECRET)
SINK_SECRET = "bank-signing-secret-0123456789abcdef"
SINKS = (
    SinkSettings("Bank", "webhook", url="https://bank.example/in", secret_env="BANK_SECRET"),
    SinkSettings("Quiet", "webhook", url="https://quiet.example/in", secret_env="UNSET_SECRET"),
)


def pdq(n: int) -> str:
    """A distinct PDQ-sized hex value."""
    return hashlib.sha256(str(n).encode()).hexdigest()


@dataclass
class Api:
    store: Store
    clock: FakeClock
    http: aiohttp.ClientSession
    base: str

    async def add(self, name: str, path: str = "/v1") -> partners.Credentials:
        async with self.store.transaction() as db:
            return await partners.add(db, name, self.base + path, KEYS.partners, "2025-11-24")

    async def fetch(
        self, who: partners.Credentials | None, path: str = "/v1", **params: str
    ) -> tuple[int, Any]:
        headers = {} if who is None else keys(who)
        query = {"startTimestamp": "10", "pageSize": "800", **params}
        url = f"{self.base}{path}/FetchHashes"
        async with self.http.get(url, params=query, headers=headers) as response:
            assert response.content_type == "application/json"
            return response.status, await response.json()

    async def post(
        self, path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        async with self.http.post(self.base + path, data=body, headers=headers or {}) as answer:
            assert answer.content_type == "application/json"
            return answer.status, await answer.json()


def keys(who: partners.Credentials) -> dict[str, str]:
    return {
        "x-functions-key": who.fetch_function_key,
        "Ocp-Apim-Subscription-Key": who.subscription_key,
    }


@pytest.fixture
async def api(store: Store, clock: FakeClock) -> AsyncIterator[Api]:
    settings = Settings(partner_api_listen="127.0.0.1:0", sinks=SINKS)
    running = await server.start_partner_api(
        store, TEST_SECRET, settings, clock=clock, env={"BANK_SECRET": SINK_SECRET}
    )
    try:
        async with aiohttp.ClientSession() as http:
            yield Api(store, clock, http, f"http://127.0.0.1:{running.port}")
    finally:
        await running.close()


async def open_case(api: Api, *values: str) -> CaseCredentials:
    items = [HashItem(ItemKind.IMAGE, (("pdq", v),)) for v in values]
    opened = await api.store.open_case(items, "stopncii", api.clock.now)
    assert isinstance(opened, CaseCredentials)
    await dispatch.dispatch_pending(api.store, api.clock.now, sinks=["Bank"])
    return opened


async def test_every_wrong_key_is_the_same_401(api: Api) -> None:
    a = await api.add("A")
    b = await api.add("B", "/b-feed")
    assert (await api.fetch(a))[0] == 200
    assert (await api.fetch(b, "/b-feed"))[0] == 200
    wrong = partners.Credentials("A", a.fetch_function_key, "x" * 43, a.base_url)
    swapped = partners.Credentials("A", a.subscription_key, a.fetch_function_key, a.base_url)
    answers = [
        await api.fetch(None),
        await api.fetch(wrong),
        await api.fetch(swapped),
        await api.fetch(a, "/b-feed"),  # A's keys on B's base path
        await api.fetch(b),  # and B's on A's
        await api.fetch(a, "/v2"),
    ]
    assert all(status == 401 for status, _ in answers)
    assert all(body == answers[0][1] for _, body in answers)
    assert "error" in answers[0][1]
    async with api.store.transaction() as db:
        await partners.revoke(db, "A", "2025-11-25")
    assert (await api.fetch(a))[0] == 401
    assert (await api.fetch(b, "/b-feed"))[0] == 200


async def test_a_partner_added_while_the_server_runs_works_at_once(api: Api) -> None:
    await open_case(api, pdq(1))
    late = await api.add("Late", "/feeds/late")
    status, body = await api.fetch(late, "/feeds/late")
    assert status == 200
    assert body["count"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"startTimestamp": "yesterday"},
        {"pageSize": "many"},
        {"startTimestamp": "-5"},
        {"nextPageToken": "forged.token"},
    ],
)
async def test_malformed_queries_are_400_json(api: Api, params: dict[str, str]) -> None:
    a = await api.add("A")
    status, body = await api.fetch(a, **params)
    assert status == 400
    assert set(body) == {"error"}


async def test_another_partners_page_token_is_refused(api: Api) -> None:
    a, b = await api.add("A"), await api.add("B")
    for n in range(3):
        await open_case(api, pdq(n))
    status, page = await api.fetch(a, pageSize="1")
    assert status == 200
    assert page["hasMoreRecords"]
    assert (await api.fetch(a, pageSize="1", nextPageToken=page["nextPageToken"]))[0] == 200
    assert (await api.fetch(b, pageSize="1", nextPageToken=page["nextPageToken"]))[0] == 400


async def test_unknown_endpoints_and_methods_answer_json(api: Api) -> None:
    a = await api.add("A")
    async with api.http.get(f"{api.base}/v1/Other", headers=keys(a)) as response:
        assert response.status == 404
        assert "error" in await response.json()
    async with api.http.post(f"{api.base}/v1/FetchHashes", headers=keys(a)) as response:
        assert response.status == 405
        assert "error" in await response.json()
    async with api.http.get(f"{api.base}/v1/SubmitFeedback", headers=keys(a)) as response:
        assert response.status == 405
    async with api.http.get(f"{api.base}{server.MATCHES_PATH}") as response:
        assert response.status == 405
        assert "error" in await response.json()


async def test_references_differ_per_partner_and_never_hold_the_case_number(api: Api) -> None:
    a, b = await api.add("A"), await api.add("B")
    case = await open_case(api, pdq(1), pdq(2))
    _, by_a = await api.fetch(a)
    _, by_b = await api.fetch(b)
    refs_a = {ref for r in by_a["hashRecords"] for ref in r["caseNumbers"]}
    refs_b = {ref for r in by_b["hashRecords"] for ref in r["caseNumbers"]}
    assert len(refs_a) == len(refs_b) == 1  # one case, one reference per partner
    assert refs_a.isdisjoint(refs_b)
    for text in (json.dumps(by_a), json.dumps(by_b)):
        assert case.number not in text
        assert case.number.replace("-", "") not in text
        assert case.pin not in text


async def test_submit_feedback_answers_json_and_refuses_bad_bodies(api: Api) -> None:
    a = await api.add("A")
    await open_case(api, pdq(1))
    body = {
        "count": 3,
        "hashFeedbacks": [
            {"hashValue": pdq(1), "feedbackValue": "Blocked", "tags": []},
            {"hashValue": pdq(2), "feedbackValue": "Blocked", "tags": []},
            {"hashValue": pdq(1), "feedbackValue": "None", "tags": ["x"]},
        ],
    }
    status, answer = await api.post("/v1/SubmitFeedback", json.dumps(body).encode(), keys(a))
    assert (status, answer) == (200, {"count": 3, "accepted": 1, "unknown": 1, "ignored": 1})
    async with api.store.transaction() as db:
        kept = list(await db.execute_fetchall("SELECT partner, value FROM case_feedback"))
    assert [tuple(r) for r in kept] == [("A", "Blocked")]
    assert (await api.post("/v1/SubmitFeedback", b"{", keys(a)))[0] == 400
    assert (await api.post("/v1/SubmitFeedback", b"[]", keys(a)))[0] == 400
    assert (await api.post("/v1/SubmitFeedback", json.dumps(body).encode()))[0] == 401
    big = b'{"hashFeedbacks": [' + b" " * server.MAX_BODY + b"]}"
    status, answer = await api.post("/v1/SubmitFeedback", big, keys(a))
    assert status == 413
    assert "error" in answer


def report_body(reference: str, value: str = "Blocked") -> bytes:
    document = {
        "reference": reference,
        "signalType": "ImagePDQ",
        "hashValue": pdq(1),
        "feedbackValue": value,
    }
    return json.dumps(document).encode()


async def test_match_reports_need_a_fresh_signature_and_are_kept_once(api: Api) -> None:
    await open_case(api, pdq(1))
    async with api.store.transaction() as db:
        (case_id,) = next(iter(await db.execute_fetchall("SELECT id FROM cases")))
    body = report_body(records.partner_ref(KEYS.refs, "Bank", case_id))
    now = int(api.clock.now)

    def headers(signature: str, name: str = "Bank") -> dict[str, str]:
        return {server.PARTNER_HEADER: name, signing.SIGNATURE_HEADER: signature}

    good = signing.sign(SINK_SECRET.encode(), now, body)
    refused = [
        headers(signing.sign(b"not the secret", now, body)),
        headers(signing.sign(SINK_SECRET.encode(), now - signing.REPLAY_WINDOW - 1, body)),
        headers(signing.sign(SINK_SECRET.encode(), now, body + b" ")),
        headers(good, "Nobody"),
        headers(good, "Quiet"),  # a sink whose secret variable is not set
        headers("t=1,v1=zz"),
        {server.PARTNER_HEADER: "Bank"},
    ]
    for sent in refused:
        status, answer = await api.post(server.MATCHES_PATH, body, sent)
        assert status == 401, sent
        assert "error" in answer
    async with api.store.transaction() as db:
        assert list(await db.execute_fetchall("SELECT * FROM case_feedback")) == []
    assert await api.post(server.MATCHES_PATH, body, headers(good)) == (200, {"stored": True})
    assert (await api.post(server.MATCHES_PATH, body, headers(good)))[0] == 409
    async with api.store.transaction() as db:
        kept = [tuple(r) for r in await db.execute_fetchall("SELECT * FROM case_feedback")]
    assert kept == [(case_id, "Bank", 1, "Blocked", "2025-11-24")]


async def test_a_match_report_for_a_reference_that_is_not_the_sinks_is_404(api: Api) -> None:
    await open_case(api, pdq(1))
    body = report_body(records.partner_ref(KEYS.refs, "Someone else", 1))
    signed = signing.sign(SINK_SECRET.encode(), int(api.clock.now), body)
    sent = {server.PARTNER_HEADER: "bank", signing.SIGNATURE_HEADER: signed}
    assert (await api.post(server.MATCHES_PATH, body, sent))[0] == 404
    bad = b'{"reference": "x"}'
    signed = signing.sign(SINK_SECRET.encode(), int(api.clock.now), bad)
    sent = {server.PARTNER_HEADER: "Bank", signing.SIGNATURE_HEADER: signed}
    assert (await api.post(server.MATCHES_PATH, bad, sent))[0] == 400
