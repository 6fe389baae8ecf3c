"""Settings from environment and TOML; the server secret and derived keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, derive_key, load_secret, load_settings


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
    ],
)
def test_bad_files_are_refused_clearly(tmp_path: Path, body: str, message: str) -> None:
    config = tmp_path / "reclaim.toml"
    config.write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_settings({}, config)


def test_tokens_never_show_in_repr() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123:very-secret"}, Path("/nonexistent"))
    assert "very-secret" not in repr(settings)


def test_the_secret_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    first = load_secret(tmp_path / "data", {})
    assert len(first) == 64
    assert (tmp_path / "data" / "secret.key").stat().st_mode & 0o777 == 0o600
    assert load_secret(tmp_path / "data", {}) == first


def test_the_environment_secret_wins_and_must_be_long(tmp_path: Path) -> None:
    assert load_secret(tmp_path, {"RECLAIM_SECRET": "x" * 40}) == b"x" * 40
    assert not (tmp_path / "secret.key").exists()
    with pytest.raises(ConfigError):
        load_secret(tmp_path, {"RECLAIM_SECRET": "short"})


def test_derived_keys_differ_by_purpose() -> None:
    assert derive_key(b"s", "pin") != derive_key(b"s", "session")
    assert derive_key(b"s", "pin") == derive_key(b"s", "pin")
    assert len(derive_key(b"s", "pin")) == 32
