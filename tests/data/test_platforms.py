"""The platform directory and participant lists load, and a link's host finds its platform."""

from __future__ import annotations

import pytest

from bot.data.platforms import (
    FORM_KINDS,
    Form,
    Platform,
    find_link,
    host_of,
    load_participants,
    load_platforms,
    parse_participants,
    parse_platforms,
    platform_for_domain,
    services_for,
)

REQUIRED = {
    "instagram",
    "threads",
    "onlyfans",
    "facebook",
    "tiktok",
    "x",
    "discord",
    "snapchat",
    "tumblr",
    "pornhub",
    "google_search",
    "youtube",
    "reddit",
    "telegram",
    "whatsapp",
    "bing",
}


def test_the_shipped_directory_loads_with_a_form_for_every_platform() -> None:
    platforms = load_platforms()
    keys = [p.key for p in platforms]
    assert len(keys) == len(set(keys))
    assert keys
    assert set(keys) >= REQUIRED
    for platform in platforms:
        assert platform.domains, platform.key
        assert platform.forms, platform.key
        assert {form.kind for form in platform.forms} <= FORM_KINDS
    with_form = {p.key for p in platforms if p.form("intimate") is not None}
    assert {"instagram", "facebook", "tiktok", "x", "snapchat", "google_search"} <= with_form


def test_the_shipped_participant_lists_name_known_platforms() -> None:
    keys = {p.key for p in load_platforms()}
    services = {s.key: s for s in load_participants()}
    assert set(services) == {"take_it_down", "stopncii"}
    for service in services.values():
        assert service.participants
        assert service.note
        for participant in service.participants:
            assert participant.platform is None or participant.platform in keys


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("it is here https://www.threads.com/@someone/post/abc", "threads"),
        ("threads.net/@someone", "threads"),
        ("look onlyfans.com/someone", "onlyfans"),
    ],
)
def test_links_to_threads_and_onlyfans_find_them(text: str, key: str) -> None:
    linked, platform = find_link(text)
    assert linked
    assert platform is not None
    assert platform.key == key


def test_threads_and_onlyfans_take_part_in_both_services() -> None:
    for host in ("threads.net", "onlyfans.com"):
        platform = platform_for_domain(host)
        assert platform is not None
        assert {s.key for s in services_for(platform)} == {"take_it_down", "stopncii"}
    threads = platform_for_domain("threads.com")
    assert threads is not None
    assert threads.form("copyright") is not None
    onlyfans = platform_for_domain("onlyfans.com")
    assert onlyfans is not None
    assert onlyfans.form("intimate") is not None


def test_a_platform_knows_the_services_it_takes_part_in() -> None:
    instagram = platform_for_domain("instagram.com")
    assert instagram is not None
    assert {s.key for s in services_for(instagram)} == {"take_it_down", "stopncii"}
    tumblr = platform_for_domain("tumblr.com")
    assert tumblr is not None
    assert services_for(tumblr) == ()


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("instagram.com", "instagram"),
        ("www.instagram.com", "instagram"),
        ("WWW.Instagram.COM", "instagram"),
        ("instagram.com.", "instagram"),
        ("instagram.com:443", "instagram"),
        ("m.facebook.com", "facebook"),
        ("vm.tiktok.com", "tiktok"),
        ("x.com", "x"),
        ("someone.tumblr.com", "tumblr"),
        ("support.google.com", "google_search"),
        ("t.me", "telegram"),
        ("www.twitter.com", "x"),
        ("old.reddit.com", "reddit"),
        ("www.youtube.com", "youtube"),
        ("www.threads.net", "threads"),
        ("threads.com", "threads"),
        ("onlyfans.com", "onlyfans"),
    ],
)
def test_a_host_and_its_subdomains_find_the_platform(host: str, key: str) -> None:
    platform = platform_for_domain(host)
    assert platform is not None
    assert platform.key == key


@pytest.mark.parametrize(
    "host",
    [
        "instagram.com.evil.example",
        "notinstagram.com",
        "instagram-com.example",
        "xinstagram.com",
        "facebook.co",
        "evil.example",
        "com",
        "",
        "   ",
    ],
)
def test_look_alike_and_unknown_hosts_find_nothing(host: str) -> None:
    assert platform_for_domain(host) is None


def _platform(key: str, *domains: str) -> Platform:
    form = Form("intimate", f"https://{domains[0]}/report", f"https://{domains[0]}", "2026-01-01")
    return Platform(key, key, domains, (form,), f"https://{domains[0]}", "2026-01-01")


def test_the_longest_matching_domain_wins() -> None:
    directory = (_platform("search", "example.com"), _platform("video", "video.example.com"))
    found = platform_for_domain("www.video.example.com", directory)
    assert found is not None
    assert found.key == "video"
    other = platform_for_domain("mail.example.com", directory)
    assert other is not None
    assert other.key == "search"


@pytest.mark.parametrize(
    ("link", "host"),
    [
        ("https://www.instagram.com/p/abc?igsh=1", "www.instagram.com"),
        ("instagram.com/p/abc", "instagram.com"),
        ("HTTP://X.com:8080/a/b#c", "x.com"),
        ("https://user:pw@m.facebook.com/x", "m.facebook.com"),
        ("http://[::1]/x", None),
        ("not a link", None),
        ("localhost", None),
        ("", None),
        ("https://", None),
    ],
)
def test_only_the_host_is_taken_from_a_link(link: str, host: str | None) -> None:
    assert host_of(link) == host


def test_a_pasted_look_alike_link_finds_nothing() -> None:
    host = host_of("https://instagram.com.evil.example/instagram.com/p/1")
    assert host == "instagram.com.evil.example"
    assert platform_for_domain(host) is None


PLATFORM = """
[[platform]]
key = "one"
name = "One"
domains = ["One.Example"]
source = "https://one.example/help"
checked = "2026-01-01"

[[platform.form]]
kind = "intimate"
url = "https://one.example/report"
source = "https://one.example/help"
checked = "2026-01-01"
"""


def test_a_platform_entry_is_read_with_its_forms() -> None:
    (platform,) = parse_platforms(PLATFORM)
    assert platform.domains == ("one.example",)
    assert platform.form("intimate") == Form(
        "intimate", "https://one.example/report", "https://one.example/help", "2026-01-01"
    )
    assert platform.form("copyright") is None


def test_a_form_of_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown form kind"):
        parse_platforms(PLATFORM.replace('kind = "intimate"', 'kind = "other"'))


def test_a_platform_without_a_name_is_refused() -> None:
    with pytest.raises(ValueError, match="name"):
        parse_platforms(PLATFORM.replace('name = "One"\n', ""))


def test_a_service_entry_is_read_with_its_participants() -> None:
    text = """
[[service]]
key = "svc"
name = "Service"
url = "https://svc.example"
note = "what taking part means"
note_source = "docs/facts.md"
source = "https://svc.example/partners"
checked = "2026-01-01"

[[service.participant]]
name = "One"
platform = "one"

[[service.participant]]
name = "Elsewhere"
source = "https://news.example/a"
"""
    (service,) = parse_participants(text)
    assert service.includes("one")
    assert not service.includes("two")
    assert service.participants[1].source == "https://news.example/a"
    with pytest.raises(ValueError, match="note"):
        parse_participants(text.replace('note = "what taking part means"\n', ""))
