"""The HMA sink against a real HTTP server on loopback that speaks HMA's curation API."""

from __future__ import annotations

import dataclasses

from bot.config import SinkSettings
from bot.relay.jobs import JobHash
from bot.relay.sinks import HttpTimeouts
from bot.relay.sinks.hma import (
    HmaSink,
    add_request,
    content_id,
    content_request,
    holds,
    lookup_matches,
    lookup_request,
    remove_request,
)
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


def test_lookups_ask_hmas_index_for_this_bank_and_read_both_answer_shapes() -> None:
    (image, video) = make_job("Bank A").hashes
    assert lookup_request("https://hma.example/", "my bank", image).url == (
        f"https://hma.example/m/raw_lookup?signal_type=pdq&signal={PDQ}&banks=my+bank"
    )
    assert "signal_type=video_md5" in lookup_request("https://hma.example", "b", video).url
    assert content_request("https://hma.example", "b", "42").url == (
        "https://hma.example/c/bank/b/content/42?include_signals=true"
    )
    assert lookup_matches({"matches": [3, 4]}) == ["3", "4"]
    assert lookup_matches({"matches": [{"bank_content_id": 5, "distance": "0"}]}) == ["5"]
    assert lookup_matches({"matches": [True, "6", None]}) == []
    assert lookup_matches([1, 2]) == []


def test_only_content_of_this_bank_with_exactly_this_hash_is_ours() -> None:
    image = JobHash(0, "pdq", "ImagePDQ", PDQ)
    ours = {"id": 5, "bank": {"name": "reclaim"}, "signals": {"pdq": PDQ.upper()}}
    assert holds(ours, "reclaim", image)
    assert not holds({**ours, "bank": {"name": "partner-own"}}, "reclaim", image)
    assert not holds({**ours, "signals": {"pdq": "e" + PDQ[1:]}}, "reclaim", image)
    assert not holds({**ours, "signals": {"video_md5": PDQ}}, "reclaim", image)
    assert not holds({"id": 5, "bank": {"name": "reclaim"}}, "reclaim", image)  # no signals
    assert not holds(None, "reclaim", image)


async def test_a_copy_banked_under_an_id_never_learnt_is_found_and_removed_on_withdrawal() -> None:
    # HMA takes the picture's hash but its answer never arrives (the try times out): the
    # retry banks it again, and only the second content id is kept.
    partner = FakePartner(plan=["lost"], hang_for=1.0)
    async with serving(partner) as url:
        sink = hma(url)
        lost = await sink.deliver(make_job("Bank A"))
        retried = await sink.deliver(make_job("Bank A"))
        assert (lost.ok, lost.reason, lost.added) == (False, "timeout", {})
        assert retried.added == {(0, "pdq"): "102", (1, "md5"): "103"}
        assert partner.hashes_in() == [{"pdq": PDQ}, {"pdq": PDQ}, {"video_md5": VIDEO_MD5}]
        outcome = await sink.deliver(make_job("Bank A", "withdraw", refs=dict(retried.added)))
        await sink.close()
    assert outcome.ok
    assert sorted(outcome.removed) == [(0, "pdq"), (1, "md5")]
    assert partner.hashes_in() == []


async def test_the_search_leaves_other_cases_near_matches_and_other_banks_alone() -> None:
    near = "e" + PDQ[1:]  # one bit away: a match in HMA's index, but another picture
    partner = FakePartner(
        banks={
            "reclaim": {
                201: {"pdq": PDQ},  # this case's kept content
                202: {"pdq": PDQ},  # another open case's kept content, same picture
                203: {"pdq": near},
                204: {"pdq": PDQ},  # a copy never learnt: this one goes
            },
            "partner-own": {205: {"pdq": PDQ}},
        }
    )
    async with serving(partner) as url:
        sink = hma(url)
        job = dataclasses.replace(
            make_job("Bank A", "withdraw", refs={(0, "pdq"): "201"}), shared=frozenset({"202"})
        )
        outcome = await sink.deliver(job)
        await sink.close()
    assert outcome.ok
    assert sorted(partner.banks["reclaim"]) == [202, 203]
    assert sorted(partner.banks["partner-own"]) == [205]


async def test_without_a_matcher_on_that_address_only_the_kept_ids_are_deleted() -> None:
    # The limit the README states: an HMA that cannot look hashes up here keeps the copy.
    partner = FakePartner(matcher=False, banks={"reclaim": {301: {"pdq": PDQ}, 302: {"pdq": PDQ}}})
    async with serving(partner) as url:
        sink = hma(url)
        outcome = await sink.deliver(make_job("Bank A", "withdraw", refs={(0, "pdq"): "302"}))
        await sink.close()
    assert outcome.ok
    assert outcome.removed == ((0, "pdq"),)
    assert partner.hashes_in() == [{"pdq": PDQ}]


async def test_a_failing_lookup_keeps_the_deletions_done_and_is_tried_again() -> None:
    partner = FakePartner(plan=["ok", 500], banks={"reclaim": {401: {"pdq": PDQ}}})
    async with serving(partner) as url:
        sink = hma(url)
        first = await sink.deliver(make_job("Bank A", "withdraw", refs={(0, "pdq"): "401"}))
        second = await sink.deliver(make_job("Bank A", "withdraw"))
        await sink.close()
    assert (first.ok, first.reason, first.removed) == (False, "lookup status 500", ((0, "pdq"),))
    assert second.ok
    assert partner.hashes_in() == []
