"""The unit a case is made of: one file's hashes, as the companion computed them.

Only the value types live here, so that the engine, the store and the companion can share them
without importing each other. Parsing and encoding belong in ``hashcode.py`` (the code block)
and ``barelines.py`` (hashes pasted one per line); hash rules (validation, distance) in
``signals.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ItemKind(StrEnum):
    """What kind of file an item was hashed from."""

    IMAGE = "image"
    """A picture: has a PDQ hash (and usually MD5 and supplementary perceptual hashes)."""
    FILE = "file"
    """A video or any other file: MD5 of the bytes only."""


@dataclass(frozen=True, slots=True)
class HashItem:
    """The hashes of one file.

    Attributes:
        kind: whether the file was an image or another file (video).
        hashes: ``(signal name, normalised value)`` pairs, PDQ first when present.
        pdq_quality: the PDQ quality score (0-100) the companion computed with a picture's PDQ,
            or None (a video, or a code from a companion that did not write it). It describes
            the PDQ rather than naming the file, so two items with the same hashes are the same
            item whatever their quality says.
    """

    kind: ItemKind
    hashes: tuple[tuple[str, str], ...]
    pdq_quality: int | None = field(default=None, compare=False)

    def get(self, signal: str) -> str | None:
        """Return the value of ``signal`` in this item, or None."""
        for name, value in self.hashes:
            if name == signal:
                return value
        return None
