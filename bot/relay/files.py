"""The names of the files the relay keeps beside the database.

Belongs here: where the sender lock and the relay state file live (``<database>.relay-lock``,
``<database>.relay-state.json``), as suffixes and as paths, so the relay that writes them and
the data directory's checks (``bot/secretfile.py``) that count them as Reclaim's own read one
definition. Nothing is imported here, so naming a file costs no HTTP library. Does not belong
here: taking the lock or reading and writing the state (``runner.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

LOCK_SUFFIX: Final = ".relay-lock"
"""The sender lock's file, after the database's name."""
STATE_SUFFIX: Final = ".relay-state.json"
"""The relay state file, after the database's name."""
RELAY_SUFFIXES: Final = (LOCK_SUFFIX, STATE_SUFFIX)
"""Every file the relay makes beside the database, as suffixes of the database's name."""


def lock_path(database: Path) -> Path:
    """The sender lock's file for ``database``."""
    return database.with_name(database.name + LOCK_SUFFIX)


def state_path(database: Path) -> Path:
    """The relay state file for ``database``."""
    return database.with_name(database.name + STATE_SUFFIX)
