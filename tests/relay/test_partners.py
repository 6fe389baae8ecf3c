"""Feed partners: adding, listing, revoking, and checking their keys, on a real store."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.cases.store import Store
from bot.config import Settings, SinkSettings, derive_key
from bot.relay import partner_cli, partners
from bot.relay.partners import PartnerError
from bot.secretfile import SECRET_ENV
from tests.conftest import TEST_SECRET

KEY = derive_key(TEST_SECRET, partners.KEY_PURPOSE)
TODAY = "2026-01-02"


async def add(
    store: Store, name: str = "Hotline A", url: str = "https://a.example/v1/"
) -> partners.Credentials:
    async with store.transaction() as db:
        return await partners.add(db, name, url, KEY, TODAY)


async def authenticate(
    store: Store, made: partners.Credentials, path: str = "/v1"
) -> partners.FeedPartner | None:
    async with store.transaction() as db:
        return await partners.authenticate(
            db, KEY, made.fetch_function_key, made.subscription_key, path
        )


async def test_a_new_partner_gets_a_credentials_line_the_client_reads(store: Store) -> None:
    from threatexchange.exchanges.impl.stop_ncii_api import StopNCIICredentials

    made = await add(store)
    line = made.credentials_line()
    parsed = StopNCIICredentials._from_str(line)
    assert parsed.fetch_function_key == made.fetch_function_key
    assert parsed.subscription_key == made.subscription_key
    assert parsed.base_url_override == "https://a.example/v1"
    assert made.fetch_function_key != made.subscription_key
    assert len(made.fetch_function_key) >= 43


async def test_only_keyed_hashes_of_the_keys_are_stored(store: Store) -> None:
    made = await add(store)
    async with store.transaction() as db:
        rows = list(await db.execute_fetchall("SELECT * FROM partners"))
    stored = repr(rows)
    assert made.fetch_function_key not in stored
    assert made.subscription_key not in stored
    assert rows[0][2] == "/v1"
    assert partners.key_hash(KEY, made.fetch_function_key) in rows[0]


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://a.example/v1", "/v1"),
        ("https://a.example/v1/", "/v1"),
        ("http://127.0.0.1:8000", ""),
        ("https://a.example/", ""),
        ("https://a.example/feeds/reclaim/v1", "/feeds/reclaim/v1"),
    ],
)
def test_the_base_path_is_the_url_path_without_its_slash(url: str, path: str) -> None:
    assert partners.base_path_of(url) == path


@pytest.mark.parametrize(
    "url",
    [
        "ftp://a.example/v1",
        "a.example/v1",
        "https://a.example/v1?x=1",
        "https://u@a.example/",
        "https://a.example/a,b",
        "https://a.example:port/",
        "https:///v1",
    ],
)
def test_unusable_base_urls_are_refused(url: str) -> None:
    with pytest.raises(PartnerError):
        partners.base_path_of(url)


async def test_names_follow_the_sink_rule_and_stay_taken_ignoring_case(store: Store) -> None:
    await add(store, "Hotline A")
    for name in ["hotline a", "HOTLINE A"]:
        with pytest.raises(PartnerError, match="exists"):
            await add(store, name)
    for bad in ["", " lead", "a/b", "x" * 61, "naïve"]:
        with pytest.raises(PartnerError, match="plain"):
            await add(store, bad)
    async with store.transaction() as db:
        with pytest.raises(PartnerError, match="push partner"):
            await partners.add(db, "Bank B", "https://b.example/", KEY, TODAY, reserved=["bank b"])
        assert await partners.revoke(db, "Hotline A", TODAY)
    with pytest.raises(PartnerError, match="exists"):
        await add(store, "Hotline A")


async def test_keys_work_only_together_on_their_own_path_until_revoked(store: Store) -> None:
    a = await add(store, "A", "https://a.example/v1")
    b = await add(store, "B", "https://b.example/other")
    found = await authenticate(store, a)
    assert found is not None
    assert found.name == "A"
    assert await authenticate(store, a, "/other") is None  # A's keys on B's path
    assert await authenticate(store, b, "/other") is not None
    mixed = partners.Credentials("A", a.fetch_function_key, b.subscription_key, a.base_url)
    assert await authenticate(store, mixed) is None
    async with store.transaction() as db:
        assert await partners.authenticate(db, KEY, "", a.subscription_key, "/v1") is None
        assert await partners.authenticate(db, KEY, a.fetch_function_key, "", "/v1") is None
        other_key = derive_key(b"another secret, long enough to be a secret", "partner-keys")
        args = (a.fetch_function_key, a.subscription_key, "/v1")
        assert await partners.authenticate(db, other_key, *args) is None
        assert await partners.revoke(db, "a", "2026-02-03")
        assert not await partners.revoke(db, "A", "2026-02-04")
        with pytest.raises(PartnerError, match="no partner"):
            await partners.revoke(db, "C", TODAY)
        listed = await partners.list_(db)
    assert await authenticate(store, a) is None
    assert [(p.name, p.base_path, p.revoked_on, p.active) for p in listed] == [
        ("A", "/v1", "2026-02-03", False),
        ("B", "/other", None, True),
    ]


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    partner_cli.configure(parser)
    return parser.parse_args(list(argv))


def test_the_command_adds_lists_and_revokes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    settings = Settings(
        data_dir=tmp_path / "data", sinks=(SinkSettings("Bank", "hma", "https://h/", "b"),)
    )
    now = 1_764_000_000.0
    assert (
        partner_cli.main(
            _args("add", "Hotline", "--base-url", "https://h.example/v1"), settings, now
        )
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3
    line = out[1]
    assert line.endswith(",https://h.example/v1")
    assert len(line.split(",")) == 3
    assert "once" in out[2]
    assert (
        partner_cli.main(_args("add", "bank", "--base-url", "https://h.example/"), settings, now)
        == 1
    )
    assert capsys.readouterr().err.startswith("reclaim: ")
    assert partner_cli.main(_args("revoke", "Hotline"), settings, now) == 0
    assert partner_cli.main(_args("revoke", "Nobody"), settings, now) == 1
    capsys.readouterr()
    assert partner_cli.main(_args("list"), settings, now) == 0
    listed = capsys.readouterr().out
    assert "Hotline\tadded 2025-11-24\trevoked 2025-11-24\trevoked" in listed
    assert line.split(",")[0] not in listed


def test_the_command_refuses_a_secret_that_is_not_the_databases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    settings = Settings(data_dir=tmp_path / "data")
    assert partner_cli.main(_args("list"), settings, 0.0) == 0
    monkeypatch.setenv(SECRET_ENV, "x" * 40)
    capsys.readouterr()
    assert partner_cli.main(_args("list"), settings, 0.0) == 2
    err = capsys.readouterr().err
    assert err.startswith("reclaim: ")
    assert err.count("\n") == 1
