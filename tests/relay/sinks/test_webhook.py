"""The webhook sink against a real HTTP server on loopback that checks every signature."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings, SinkSettings, derive_key
from bot.relay import records, signing
from bot.relay.sinks import HttpTimeouts, build_sinks
from bot.relay.sinks.webhook import WebhookSink, build_request
from tests.relay.sinks.jobmaker import PDQ, VIDEO_MD5, make_job
from tests.relay.sinks.partners import FakePartner, closed_port, serving

SERVER_SECRET = b"server-secret-0123456789abcdef0123"
SHORT = HttpTimeouts(connect=0.5, total=0.3)


def webhook(url: str, signing_secret: bytes = b"webhook-secret") -> WebhookSink:
    settings = SinkSettings(name="Hotline", kind="webhook", url=url, secret_env="HOOK_SECRET")
    return WebhookSink(settings, SERVER_SECRET, signing_secret, timeouts=SHORT)


def test_the_request_is_signed_over_the_exact_body_with_the_idempotency_key() -> None:
    job = make_job("Hotline")
    key = derive_key(SERVER_SECRET, "partner-refs")
    request = build_request(job, key=key, signing_secret=b"s", now=1_764_000_000)
    header = request.headers[signing.SIGNATURE_HEADER]
    assert signing.verify(b"s", header, request.body, 1_764_000_000 + 299) == 1_764_000_000
    assert signing.verify(b"s", header, request.body, 1_764_000_000 + 301) is None
    assert signing.verify(b"other", header, request.body, 1_764_000_000) is None
    assert request.headers["Idempotency-Key"] == job.idempotency_key
    again = build_request(job, key=key, signing_secret=b"s", now=1_764_000_999)
    assert again.body == request.body  # every try sends the same document


async def test_a_delivery_carries_the_partners_reference_and_the_hashes() -> None:
    partner = FakePartner()
    async with serving(partner) as url:
        sink = webhook(f"{url}/hook")
        opened = await sink.deliver(make_job("Hotline", key="a" * 32))
        withdrawn = await sink.deliver(make_job("Hotline", "withdraw", key="b" * 32))
        await sink.close()
    assert opened.ok
    assert withdrawn.ok
    reference = records.partner_ref(derive_key(SERVER_SECRET, "partner-refs"), "Hotline", 7)
    assert [d.document for d in partner.deliveries] == [
        {
            "event": event,
            "reference": reference,
            "idempotency_key": key,
            "hashes": [
                {"signal_type": "ImagePDQ", "value": PDQ, "pdq_quality": None},
                {"signal_type": "VideoMD5", "value": VIDEO_MD5, "pdq_quality": None},
            ],
        }
        for event, key in (("case_opened", "a" * 32), ("case_withdrawn", "b" * 32))
    ]
    assert [d.idempotency_key for d in partner.deliveries] == ["a" * 32, "b" * 32]
    assert reference != records.partner_ref(derive_key(SERVER_SECRET, "partner-refs"), "B", 7)


async def test_a_wrong_secret_is_refused_by_the_partner_and_tried_again() -> None:
    partner = FakePartner()
    async with serving(partner) as url:
        sink = webhook(f"{url}/hook", signing_secret=b"not the partner's")
        outcome = await sink.deliver(make_job("Hotline"))
        await sink.close()
    assert (outcome.ok, outcome.reason) == (False, "status 401")
    assert partner.refused_signatures == 1
    assert partner.deliveries == []


@pytest.mark.parametrize("failure", [500, 503, 429, 408, 400])
async def test_any_answer_but_2xx_fails_and_the_retry_repeats_the_same_key(failure: int) -> None:
    partner = FakePartner(plan=[failure])
    async with serving(partner) as url:
        sink = webhook(f"{url}/hook")
        first = await sink.deliver(make_job("Hotline"))
        second = await sink.deliver(make_job("Hotline"))
        await sink.close()
    assert (first.ok, first.reason) == (False, f"status {failure}")
    assert second.ok
    assert [d.idempotency_key for d in partner.deliveries] == [make_job("Hotline").idempotency_key]


async def test_a_partner_that_answers_too_late_is_a_timeout() -> None:
    partner = FakePartner(plan=["hang"], hang_for=2.0)
    async with serving(partner) as url:
        sink = webhook(f"{url}/hook")
        outcome = await sink.deliver(make_job("Hotline"))
        await sink.close()
    assert (outcome.ok, outcome.reason) == (False, "timeout")


async def test_a_2xx_status_counts_even_when_its_body_trickles_in() -> None:
    partner = FakePartner(plan=["slow"], hang_for=2.0)
    async with serving(partner) as url:
        sink = webhook(f"{url}/hook")
        outcome = await sink.deliver(make_job("Hotline"))
        await sink.close()
    assert outcome.ok


async def test_a_refused_connection_fails() -> None:
    sink = webhook(f"{closed_port()}/hook")
    outcome = await sink.deliver(make_job("Hotline"))
    await sink.close()
    assert (outcome.ok, outcome.reason) == (False, "refused")


def test_a_webhook_whose_secret_is_not_in_the_environment_stops_the_start() -> None:
    settings = Settings(
        sinks=(SinkSettings("Hotline", "webhook", url="https://x.example/", secret_env="HOOK"),)
    )
    with pytest.raises(ConfigError, match="HOOK"):
        build_sinks(settings, SERVER_SECRET, {})
    (sink,) = build_sinks(settings, SERVER_SECRET, {"HOOK": "s3cret"})
    assert sink.name == "Hotline"
