"""The HMA sink against a real HTTP server on loopback that speaks HMA's curation API."""

from __future__ import annotations

from bot.config import SinkSettings
from bot.relay.sinks import HttpTimeouts
from bot.relay.sinks.hma import HmaSink, add_request, content_id, remove_request
from tests.relay.sinks.jobmaker import PDQ, VIDEO_MD5, make_job
from tests.relay.sinks.partners import FakePartner, closed_port, serving

SHORT = HttpTimeouts(connect=0.5, total=0.3)


def hma(url: str, bank: str = "reclaim", **kwargs: object) -> HmaSink:
    settings = SinkSettings(name="Bank A", kind="hma", url=url, bank=bank)
    return HmaSink(settings, timeouts=SHORT, **kwargs)  # type: ignore[arg-type]


def test_requests_use_hma_signal_names_and_quote_the_bank() -> None:
    (image, video) = make_job("Bank A").hashes
    request = add_request("https://hma.example/", "my bank", image)
    assert (request.method, request.url) == ("POST", "https://hma.example/c/bank/my%20bank/signal")
    assert request.json == {"pdq": PDQ}
    assert add_request("https://hma.example", "b", video).json == {"video_md5": VIDEO_MD5}
    assert remove_request("https://hma.example", "b", "42").url == (
        "https://hma.example/c/bank/b/content/42"
    )
    assert content_id({"id": 42, "signals": {}}) == "42"
    assert content_id({"id": True}) is None
    assert content_id(["id"]) is None


async def test_each_hash_is_banked_and_its_content_id_kept() -> None:
    partner = FakePartner()
    async with serving(partner) as url:
        sink = hma(url)
        outcome = await sink.deliver(make_job("Bank A"))
        await sink.close()
    assert outcome.ok
    assert partner.hashes_in() == [{"pdq": PDQ}, {"video_md5": VIDEO_MD5}]
    assert outcome.added == {(0, "pdq"): "101", (1, "md5"): "102"}


async def test_a_withdrawal_deletes_the_kept_content_ids() -> None:
    partner = FakePartner()
    async with serving(partner) as url:
        sink = hma(url)
        added = (await sink.deliver(make_job("Bank A"))).added
        outcome = await sink.deliver(make_job("Bank A", "withdraw", refs=dict(added)))
        await sink.close()
    assert outcome.ok
    assert sorted(outcome.removed) == sorted(added)
    assert partner.hashes_in() == []


async def test_content_already_gone_counts_as_withdrawn() -> None:
    partner = FakePartner()
    async with serving(partner) as url:
        sink = hma(url, bank="deleted-bank")  # HMA answers 404 for a bank that is gone
        outcome = await sink.deliver(make_job("Bank A", "withdraw", refs={(0, "pdq"): "5"}))
        await sink.close()
    assert outcome.ok
    assert outcome.removed == ((0, "pdq"),)


async def test_a_500_half_way_keeps_what_was_banked_and_the_retry_sends_only_the_rest() -> None:
    partner = FakePartner(plan=["ok", 500])
    async with serving(partner) as url:
        sink = hma(url)
        first = await sink.deliver(make_job("Bank A"))
        second = await sink.deliver(make_job("Bank A", refs=dict(first.added)))
        await sink.close()
    assert not first.ok
    assert first.reason == "status 500"
    assert first.added == {(0, "pdq"): "101"}
    assert second.ok
    assert second.added == {(1, "md5"): "102"}
    assert partner.hashes_in() == [{"pdq": PDQ}, {"video_md5": VIDEO_MD5}]


async def test_a_failed_delete_is_tried_again_for_what_is_left() -> None:
    partner = FakePartner(plan=["ok", "ok", "ok", 503])
    async with serving(partner) as url:
        sink = hma(url)
        added = dict((await sink.deliver(make_job("Bank A"))).added)
        first = await sink.deliver(make_job("Bank A", "withdraw", refs=added))
        left = {k: v for k, v in added.items() if k not in first.removed}
        second = await sink.deliver(make_job("Bank A", "withdraw", refs=left))
        await sink.close()
    assert (first.ok, first.reason, len(first.removed)) == (False, "status 503", 1)
    assert second.ok
    assert partner.hashes_in() == []


async def test_a_server_that_answers_too_late_is_a_timeout() -> None:
    partner = FakePartner(plan=["hang"], hang_for=2.0)
    async with serving(partner) as url:
        sink = hma(url)
        outcome = await sink.deliver(make_job("Bank A"))
        await sink.close()
    assert (outcome.ok, outcome.reason, outcome.added) == (False, "timeout", {})


async def test_a_body_that_trickles_in_past_the_timeout_fails() -> None:
    partner = FakePartner(plan=["slow"], hang_for=2.0)
    async with serving(partner) as url:
        sink = hma(url)
        outcome = await sink.deliver(make_job("Bank A"))
        await sink.close()
    assert not outcome.ok
    assert outcome.added == {}


async def test_a_refused_connection_fails_and_says_so() -> None:
    sink = hma(closed_port())
    outcome = await sink.deliver(make_job("Bank A"))
    await sink.close()
    assert (outcome.ok, outcome.reason) == (False, "refused")


async def test_the_api_key_goes_in_a_bearer_header() -> None:
    partner = FakePartner(api_key="sesame")
    async with serving(partner) as url:
        without = hma(url)
        refused = await without.deliver(make_job("Bank A"))
        await without.close()
        keyed = hma(url, api_key=b"sesame")
        accepted = await keyed.deliver(make_job("Bank A"))
        await keyed.close()
    assert (refused.ok, refused.reason) == (False, "status 401")
    assert accepted.ok
    assert len(partner.hashes_in()) == 2
