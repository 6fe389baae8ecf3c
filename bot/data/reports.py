"""Where to report threats and money demands (sextortion), by country: reading ``reports.toml``.

Belongs here: turning the ``[[report]]`` tables into the engine's :class:`Helpline` values (a
reporting service is named, described and reached the way a helpline is). Does not belong here:
validating the file for reviewers (``bot/data/check.py``), choosing what to say (the engine's
``threats.py``) or wording (the catalogs).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from bot.data import AUDIENCES
from bot.engine.session import Helpline

__all__ = ["load_reports", "parse_reports"]


def parse_reports(text: str) -> tuple[Helpline, ...]:
    """Parse the ``[[report]]`` tables of ``reports.toml`` text.

    Each has ``country``, ``name``, ``about`` (a msgid), ``contact``, ``source`` and
    ``checked``, and an optional ``audience`` (``all``, ``minors`` or ``adults``).

    Raises:
        ValueError: a field is missing or the audience is unknown (``check.py`` reports every
            problem at once; this stops at the first).
    """
    places = []
    for entry in tomllib.loads(text).get("report", []):
        for field in ("country", "name", "about", "contact"):
            if not isinstance(entry.get(field), str) or not entry[field]:
                raise ValueError(f"a reporting place lacks {field!r}: {entry.get('name')!r}")
        audience = entry.get("audience", "all")
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r} for {entry['name']!r}")
        places.append(
            Helpline(
                country=entry["country"],
                name=entry["name"],
                about=entry["about"],
                contact=entry["contact"],
                audience=audience,
            )
        )
    return tuple(places)


@cache
def load_reports() -> tuple[Helpline, ...]:
    """The shipped reporting places (read once)."""
    text = resources.files(__package__).joinpath("reports.toml").read_text("utf-8")
    return parse_reports(text)
