"""Hypothesis strategies for hashes and items, shared by the hash tests."""

from __future__ import annotations

from hypothesis import strategies as st

from bot.hashes.items import HashItem, ItemKind

HEX = "0123456789abcdef"


def hex_text(length: int) -> st.SearchStrategy[str]:
    """Lowercase hex strings of exactly ``length`` digits."""
    return st.text(alphabet=HEX, min_size=length, max_size=length)


def _not_flat(value: str) -> bool:
    return value.strip("0") != "" and value.strip("f") != ""


def image_items() -> st.SearchStrategy[HashItem]:
    """Picture items: a PDQ hash, any subset of MD5, pHash and dHash, maybe the PDQ quality."""
    return st.builds(
        lambda pdq, md5, phash, dhash, quality: HashItem(
            kind=ItemKind.IMAGE,
            hashes=tuple(
                (name, value)
                for name, value in (("pdq", pdq), ("md5", md5), ("phash", phash), ("dhash", dhash))
                if value is not None
            ),
            pdq_quality=quality,
        ),
        hex_text(64).filter(_not_flat),
        st.none() | hex_text(32),
        st.none() | hex_text(16),
        st.none() | hex_text(16),
        st.none() | st.integers(min_value=0, max_value=100),
    )


def file_items() -> st.SearchStrategy[HashItem]:
    """File (video) items: an MD5 hash only."""
    return st.builds(lambda md5: HashItem(kind=ItemKind.FILE, hashes=(("md5", md5),)), hex_text(32))


def item_lists(max_size: int = 8) -> st.SearchStrategy[list[HashItem]]:
    """Lists of distinct items of both kinds."""
    return st.lists(image_items() | file_items(), max_size=max_size, unique=True)
