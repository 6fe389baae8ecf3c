"""Push sinks: one module per kind of partner, each a pure request builder and a thin sender.

Belongs here: what every sink shares (the ``Sink`` protocol, a delivery's ``Outcome``, the HTTP
timeouts) and ``build_sinks``, which turns the ``[[partners]]`` settings into sinks, reading
each sink's secret from the environment variable its settings name. Does not belong here: the
SQL (``jobs.py``), when to try again (``backoff.py``) and the loop (``worker.py``).

An ``Outcome`` says what a try did without any hash value or case in it: whether the sink took
the job, a short reason when not (for the logs), and the references the sink gave back or took
back so far, so a try that fails half-way is not repeated for the hashes already done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.config import ConfigError, Settings, SinkSettings
from bot.relay.jobs import Job, RefKey

__all__ = ["HttpTimeouts", "Outcome", "Sink", "build_sinks", "sink_secret"]


@dataclass(frozen=True, slots=True)
class HttpTimeouts:
    """How long an HTTP sink waits, in seconds: to connect, and for the whole exchange."""

    connect: float = 5.0
    total: float = 30.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one try of a job did.

    Attributes:
        ok: the sink took the job (it is done).
        reason: why not, in a few words fit for a log (a status code, an error's type).
        added: references the sink gave back, by hash (HMA content ids).
        removed: references the sink took back (a withdrawal's deletions done so far).
    """

    ok: bool
    reason: str = ""
    added: Mapping[RefKey, str] = field(default_factory=dict)
    removed: tuple[RefKey, ...] = ()


class Sink(Protocol):
    """A push partner's delivery channel."""

    @property
    def name(self) -> str:
        """The partner's public name (the ``sink`` of its jobs)."""
        ...

    async def deliver(self, job: Job) -> Outcome:
        """Try to deliver ``job`` once; never raises for the sink's own failures."""
        ...

    async def close(self) -> None:
        """Release connections and files."""
        ...


def sink_secret(settings: SinkSettings, env: Mapping[str, str]) -> bytes | None:
    """The secret in the environment variable ``settings.secret_env`` names (None if unnamed).

    Raises:
        ConfigError: the variable is named but not set.
    """
    if not settings.secret_env:
        return None
    value = env.get(settings.secret_env, "")
    if not value:
        raise ConfigError(
            f"partner {settings.name!r}: the environment variable {settings.secret_env} "
            "(its secret_env) is not set"
        )
    return value.encode()


def build_sinks(
    settings: Settings,
    secret: bytes,
    env: Mapping[str, str],
    *,
    timeouts: HttpTimeouts | None = None,
) -> list[Sink]:
    """A sink for every ``[[partners]]`` table.

    Args:
        settings: the bot's settings.
        secret: the server secret (partner references are derived from it).
        env: where the sinks' own secrets are read from.
        timeouts: the HTTP sinks' timeouts (the defaults unless a test shortens them).

    Raises:
        ConfigError: a sink's secret is missing.
    """
    from bot.relay.sinks.hma import HmaSink
    from bot.relay.sinks.jsonl import JsonlSink
    from bot.relay.sinks.webhook import WebhookSink

    timeouts = timeouts or HttpTimeouts()
    sinks: list[Sink] = []
    for sink in settings.sinks:
        if sink.kind == "hma":
            sinks.append(HmaSink(sink, api_key=sink_secret(sink, env), timeouts=timeouts))
        elif sink.kind == "webhook":
            signing = sink_secret(sink, env)
            assert signing is not None  # settings refuse a webhook without secret_env
            sinks.append(WebhookSink(sink, secret, signing, timeouts=timeouts))
        else:
            folder = sink.path or export_folder(settings.data_dir, sink.name)
            sinks.append(JsonlSink(sink.name, folder, secret))
    return sinks


def export_folder(data_dir: Path, name: str) -> Path:
    """Where a file partner's exports go unless its settings name a folder."""
    return data_dir / "exports" / name
