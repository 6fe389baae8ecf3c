"""Settings from environment and TOML; the server secret and derived keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, derive_key, load_settings, mini_app_problem


def test_defaults_run_the_console_on_a_local_data_dir(tmp_path: Path) -> None:
    settings = load_settings({}, tmp_path / "absent.toml")
    assert settings == Settings()
    assert settings.database_path == Path("data/reclaim.sqlite3")
    assert settings.telegram_token is None


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    config = tmp_path / "reclaim.toml"
    config.write_text('default_language = "fr"\nmax_items = 10\n')
    settings = load_settings({"RECLAIM_MAX_ITEMS": "12", "RECLAIM_DATA_DIR": "/srv/x"}, config)
    assert (settings.default_language, settings.max_items) == ("fr", 12)
    assert settings.database_path == Path("/srv/x/reclaim.sqlite3")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('telegram_token = "123:abc"\n', "must come from the environment"),
        ("colour = 3\n", "unknown setting"),
        ('max_items = "many"\n', "not a valid int"),
        ("max_items = \n", "is not valid TOML"),
        ('default_language = "en\n', "is not valid TOML"),
        ("log_level = 'LOUD'\n", "log level 'LOUD' is not one of DEBUG, INFO"),
        (b"max_items = 3 # \xff\n", "is not valid TOML"),
    ],
)
def test_bad_files_are_refused_clearly(tmp_path: Path, body: str | bytes, message: str) -> None:
    config = tmp_path / "reclaim.toml"
    config.write_bytes(body if isinstance(body, bytes) else body.encode())
    with pytest.raises(ConfigError, match=message) as refused:
        load_settings({}, config)
    assert "\n" not in str(refused.value)


def test_an_unreadable_file_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "reclaim.toml").mkdir()
    with pytest.raises(ConfigError, match=r"cannot read .*reclaim.toml: Is a directory"):
        load_settings({"RECLAIM_CONFIG": str(tmp_path / "reclaim.toml")})


def test_a_bad_log_level_from_the_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="log level 'chatty'"):
        load_settings({"RECLAIM_LOG_LEVEL": "chatty"}, Path("/nonexistent"))
    assert load_settings({"RECLAIM_LOG_LEVEL": "debug"}, Path("/nonexistent")).log_level == "debug"


def test_tokens_never_show_in_repr() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123:very-secret"}, Path("/nonexistent"))
    assert "very-secret" not in repr(settings)


def test_derived_keys_differ_by_purpose() -> None:
    assert derive_key(b"s", "pin") != derive_key(b"s", "session")
    assert derive_key(b"s", "pin") == derive_key(b"s", "pin")
    assert len(derive_key(b"s", "pin")) == 32


def test_the_page_address_follows_the_public_url() -> None:
    assert Settings().page_url == ""
    for given in ("https://reclaim.example.org", "https://reclaim.example.org/"):
        settings = load_settings({"RECLAIM_PUBLIC_URL": given}, Path("/nonexistent"))
        assert settings.page_url == "https://reclaim.example.org/companion/"
    under = load_settings({"RECLAIM_PUBLIC_URL": "https://x.org/bot/"}, Path("/nonexistent"))
    assert under.page_url == "https://x.org/bot/companion/"
    assert (under.web_listen, under.web_port) == ("127.0.0.1", 8080)


@pytest.mark.parametrize(
    "url",
    [
        "reclaim.example.org",
        "ftp://reclaim.example.org/",
        "https://",
        "https://x.org/?a=b",
        "https://x.org/#top",
        "https://user@x.org/",
        "https://x.org:port/",
    ],
)
def test_a_malformed_public_url_is_refused_in_one_line(url: str) -> None:
    with pytest.raises(ConfigError, match="RECLAIM_PUBLIC_URL") as refused:
        load_settings({"RECLAIM_PUBLIC_URL": url}, Path("/nonexistent"))
    assert "\n" not in str(refused.value)


def test_the_mini_app_needs_https() -> None:
    plain = load_settings({"RECLAIM_PUBLIC_URL": "http://x.org/"}, Path("/nonexistent"))
    problem = mini_app_problem(plain)
    assert problem is not None
    assert "https://" in problem
    assert "\n" not in problem
    secure = load_settings({"RECLAIM_PUBLIC_URL": "https://x.org/"}, Path("/nonexistent"))
    assert mini_app_problem(secure) is None
    assert mini_app_problem(Settings()) is None


def webhook_at(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "reclaim.toml"
    config.write_text(
        f'[[partners]]\nname = "Hotline"\nkind = "webhook"\nurl = "{url}"\nsecret_env = "S"\n'
    )
    return config


@pytest.mark.parametrize(
    "url",
    [
        "https://hotline.example.org/reclaim",
        "https://203.0.113.7:8443/hook",
        "http://127.0.0.1:8080/hook",
        "http://127.8.9.10/hook",
        "http://localhost:8080/hook",
        "http://[::1]:8080/hook",
    ],
)
def test_a_webhook_is_https_or_on_this_machine(tmp_path: Path, url: str) -> None:
    (sink,) = load_settings({}, webhook_at(tmp_path, url)).sinks
    assert sink.url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://hotline.example.org/reclaim",
        "http://203.0.113.7/hook",
        "http://10.0.0.5/hook",
        "http://[::ffff:10.0.0.5]/hook",
        "http://localhost.example.org/hook",
    ],
)
def test_a_webhook_over_plain_http_to_another_machine_is_refused_in_one_line(
    tmp_path: Path, url: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({}, webhook_at(tmp_path, url))
    message = str(refused.value)
    assert "\n" not in message
    assert "partner 'Hotline'" in message
    assert "must be an https:// address" in message


def test_an_hma_bank_may_still_be_reached_over_http(tmp_path: Path) -> None:
    config = tmp_path / "reclaim.toml"
    config.write_text(
        '[[partners]]\nname = "Bank"\nkind = "hma"\nurl = "http://hma:5000"\nbank = "B"\n'
    )
    (sink,) = load_settings({}, config).sinks
    assert sink.url == "http://hma:5000"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https:///hook", "url must be an http:// or https:// address with a host"),
        ("ftp://hotline.example.org/", "url must be an http:// or https:// address with a host"),
        ("http://[::1/hook", "url 'http://[::1/hook' is not a web address"),
        ("https://hotline.example.org:port/", "is not a web address"),
    ],
)
def test_a_malformed_partner_url_is_refused_in_one_line(
    tmp_path: Path, url: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as refused:
        load_settings({}, webhook_at(tmp_path, url))
    assert "\n" not in str(refused.value)
