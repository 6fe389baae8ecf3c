"""Sample hashes and patterns shared by conversation-level tests (runtime, console, Telegram)."""

from __future__ import annotations

import re

from bot.hashes import hashcode
from bot.hashes.items import HashItem, ItemKind

PDQ = "f" * 32 + "0" * 31 + "1"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
CODE = hashcode.encode(
    [
        HashItem(ItemKind.IMAGE, (("pdq", PDQ), ("md5", MD5))),
        HashItem(ItemKind.FILE, (("md5", "2" * 32),)),
    ]
)
"""A hash code for one picture and one video."""
CREDENTIALS = re.compile(r"Case number: (\S+)\nPIN: (\d{6})")
"""Finds the case number and PIN in the bot's (English) case-opened message."""
