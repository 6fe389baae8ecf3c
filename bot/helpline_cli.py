"""``reclaim helpline``: referral links for helplines that send people to the bot, and their counts.

Belongs here: the ``helpline`` subcommand's arguments, opening the database for it, and
printing: the Telegram deep link and the words for other platforms (``add``), the codes
(``list``) and the weekly counts with small counts hidden (``stats``). Does not belong here:
the SQL (``bot/cases/referrals.py``), what a link may carry (``bot/engine/startlink.py``), and
the bundled helplines list (``reclaim helplines``).

Nothing printed identifies a person: the counts are per helpline and ISO week, and any count
from 1 to 4 is printed as ``<5``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiosqlite

from bot.cases import referrals, schema
from bot.config import ConfigError, Settings, reason
from bot.data import load_helplines
from bot.i18n import Catalogs
from bot.secretfile import load_secret

__all__ = ["add_parser", "deep_link", "main", "start_payload"]

_COUNTRY = re.compile(r"[A-Za-z]{2}")
_T = TypeVar("_T")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``helpline add|list|stats`` on the ``reclaim`` command's subparsers."""
    helpline = sub.add_parser("helpline", help="referral links for helplines, and their counts")
    actions = helpline.add_subparsers(dest="helpline_action", required=True)
    add = actions.add_parser("add", help="make a referral link for a helpline")
    add.add_argument("name", help="the helpline's name (the bot may greet people with it)")
    add.add_argument("--lang", help="greet referred people in this language, e.g. en")
    add.add_argument("--country", help="the helpline's country, two letters, e.g. GB")
    actions.add_parser("list", help="list the helplines' referral codes and links")
    actions.add_parser("stats", help="weekly counts per helpline (counts under 5 show as <5)")


def start_payload(code: str, lang: str | None) -> str:
    """What the link carries after ``/start``: ``<lang>-r_<code>``, or ``r_<code>``."""
    return f"{lang}-r_{code}" if lang else f"r_{code}"


def deep_link(username: str, payload: str) -> str:
    """The Telegram deep link that starts the bot with ``payload``."""
    return f"https://t.me/{username.lstrip('@')}?start={payload}"


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``reclaim helpline <action>``; a refusal is one line on stderr and exit code 2."""
    try:
        if args.helpline_action == "add":
            return _add(args.name, args.lang, args.country, settings)
        if args.helpline_action == "list":
            return _list(settings)
        return _stats(settings)
    except ConfigError as exc:
        print(f"reclaim: {exc}", file=sys.stderr)
        return 2


def _add(name: str, lang: str | None, country: str | None, settings: Settings) -> int:
    languages = Catalogs.load().languages
    if lang is not None and lang not in languages:
        raise ConfigError(f"there are no messages in {lang!r}; available: {', '.join(languages)}")
    if country is not None and not _COUNTRY.fullmatch(country):
        raise ConfigError("a country is two letters, for example GB")
    if not name.strip():
        raise ConfigError("a helpline needs a name")
    today = dt.datetime.now(dt.UTC).date()

    async def add(db: aiosqlite.Connection) -> str | referrals.NameTaken:
        await db.execute("BEGIN IMMEDIATE")
        made = await referrals.add(db, name, lang, country and country.upper(), today)
        await db.execute("COMMIT")
        return made

    code = _with_database(settings, add)
    if isinstance(code, referrals.NameTaken):
        raise ConfigError(f"the helpline {name!r} already has a code (see: reclaim helpline list)")
    payload = start_payload(code, lang)
    print(f"Referral code for {name}: {code}")
    _print_link(settings, payload)
    return 0


def _print_link(settings: Settings, payload: str) -> None:
    """The Telegram link, or how to build it, and the words for other platforms."""
    if settings.telegram_bot_username:
        print(f"Telegram link: {deep_link(settings.telegram_bot_username, payload)}")
    else:
        print(f"Start payload: {payload}")
        print(
            "Telegram link: set TELEGRAM_BOT_USERNAME to print it; it is "
            f"https://t.me/<the bot's username>?start={payload}"
        )
    print(f"On other platforms, ask people to send the bot this message: /start {payload}")


def _list(settings: Settings) -> int:
    async def read(db: aiosqlite.Connection) -> list[referrals.Link]:
        return await referrals.links(db)

    found = _with_database(settings, read)
    if not found:
        print("No helpline has a referral code yet (reclaim helpline add NAME).")
    for link in found:
        where = ", ".join(x for x in (link.lang, link.country) if x) or "-"
        payload = start_payload(link.code, link.lang)
        print(f"{link.name}: code {link.code} ({where}), made {link.created_on}")
        if settings.telegram_bot_username:
            print(f"  {deep_link(settings.telegram_bot_username, payload)}")
        print(f"  /start {payload}")
    return 0


def _stats(settings: Settings) -> int:
    async def read(db: aiosqlite.Connection) -> list[referrals.WeekCounts]:
        return await referrals.stats(db)

    weeks = _with_database(settings, read)
    if not weeks:
        print("Nothing counted yet.")
        return 0
    bundled = {h.referral: h.name for h in load_helplines() if h.referral}
    rows: list[tuple[str, ...]] = [
        ("helpline", "week", "started", "opened", "withdrawn", "feedback")
    ]
    for week in weeks:
        name = week.name or bundled.get(week.code, f"code {week.code}")
        counts = (week.started, week.opened, week.withdrawn, week.feedback)
        rows.append((name, week.week, *(referrals.shown(c) for c in counts)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(f"Counts from 1 to {referrals.SMALL - 1} are shown as <{referrals.SMALL}.")
    return 0


def _with_database(settings: Settings, work: Callable[[aiosqlite.Connection], Awaitable[_T]]) -> _T:
    """Open the bot's database (as the bot does, checking its secret), run ``work``, close."""
    database = settings.database_path

    async def run() -> _T:
        try:
            await load_secret(database, os.environ)
            db = await schema.open_database(database)
        except (OSError, sqlite3.Error, RuntimeError) as exc:
            raise ConfigError(f"cannot open the database {database}: {reason(exc)}") from exc
        try:
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(run())
