"""Static reference data shipped with the bot (helplines), and its loader.

The data files are TOML so non-programmers can review them; each entry names its public
source and the date it was checked (``docs/facts.md`` says how they were checked).
"""

from __future__ import annotations

import tomllib
from importlib import resources

from bot.engine.session import Helpline

AUDIENCES = frozenset({"all", "minors", "adults"})
KINDS = frozenset({"emergency", "crisis", "support"})


def load_helplines() -> tuple[Helpline, ...]:
    """Read ``helplines.toml``.

    Raises:
        ValueError: an entry is missing a field or names an unknown audience or kind.
    """
    text = resources.files(__package__).joinpath("helplines.toml").read_text("utf-8")
    entries = tomllib.loads(text).get("helpline", [])
    helplines = []
    for entry in entries:
        audience = entry.get("audience", "all")
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r} for {entry.get('name')!r}")
        kind = entry.get("kind", "support")
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} for {entry.get('name')!r}")
        helplines.append(
            Helpline(
                country=str(entry["country"]),
                name=str(entry["name"]),
                about=str(entry["about"]),
                contact=str(entry["contact"]),
                audience=audience,
                kind=kind,
            )
        )
    return tuple(helplines)
