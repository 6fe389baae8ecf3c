"""Settings from environment and TOML; the server secret and derived keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, derive_key, load_settings


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
