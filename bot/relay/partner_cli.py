"""``reclaim partner add|list|revoke``: the operator's commands for partners who fetch the feed.

Belongs here: the subcommand's arguments, opening the store the way the bot does (the same
secret checks), and printing. Does not belong here: the SQL and the keys (``partners.py``).

A refusal to start (bad settings, an unusable database or secret) is one line on stderr,
``reclaim: <why>``, and exit code 2, as for ``reclaim run``; a refused change (a taken name,
an unknown partner, a bad URL) is one such line and exit code 1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from bot.cases import outbox
from bot.cases.store import Store
from bot.config import ConfigError, Settings, derive_key, reason
from bot.relay import partners
from bot.secretfile import load_secret

__all__ = ["configure", "main", "open_store"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``partner`` subcommands to its parser."""
    actions = parser.add_subparsers(dest="partner_action", required=True)
    add = actions.add_parser("add", help="register a partner and print its credentials once")
    add.add_argument("name", help="the partner's public name (people are told it)")
    add.add_argument(
        "--base-url", required=True, help="the address its client calls, e.g. https://host/v1"
    )
    actions.add_parser("list", help="list partners: name, added, revoked, active")
    revoke = actions.add_parser("revoke", help="stop a partner's keys working")
    revoke.add_argument("name")


@asynccontextmanager
async def open_store(
    settings: Settings, env: Mapping[str, str] | None = None
) -> AsyncIterator[tuple[Store, bytes]]:
    """The store and the server secret, checked as ``reclaim run`` checks them.

    Raises:
        ConfigError: the database or its secret cannot be used; the message is one line.
    """
    database = settings.database_path
    try:
        secret = await load_secret(database, os.environ if env is None else env)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        raise ConfigError(f"cannot open the database {database}: {reason(exc)}") from exc
    try:
        store = await Store.open(database, pepper=derive_key(secret, "pin"), open_sessions=False)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        raise ConfigError(f"cannot open the database {database}: {reason(exc)}") from exc
    try:
        yield store, secret
    finally:
        await store.close()


async def _run(args: argparse.Namespace, settings: Settings, now: float) -> int:
    today = outbox.utc_date(now)
    async with open_store(settings) as (store, secret):
        key = derive_key(secret, partners.KEY_PURPOSE)
        if args.partner_action == "add":
            async with store.transaction(durable=True) as db:
                made = await partners.add(
                    db,
                    args.name,
                    args.base_url,
                    key,
                    today,
                    reserved=[sink.name for sink in settings.sinks],
                )
            print(f"Partner {made.name!r} added. Its credentials (TX_STOPNCII_KEYS):")
            print(made.credentials_line())
            print("They are shown this once: Reclaim keeps only a keyed hash of each key.")
            return 0
        if args.partner_action == "revoke":
            async with store.transaction(durable=True) as db:
                changed = await partners.revoke(db, args.name, today)
            print(f"{args.name}: " + ("revoked" if changed else "was revoked already"))
            return 0
        async with store.transaction() as db:
            found = await partners.list_(db)
        if not found:
            print("No partners yet: reclaim partner add NAME --base-url URL")
        for partner in found:
            state = "active" if partner.active else "revoked"
            print(
                f"{partner.name}\tadded {partner.created_on}\t"
                f"revoked {partner.revoked_on or '-'}\t{state}"
            )
        return 0


def main(args: argparse.Namespace, settings: Settings, now: float) -> int:
    """Run ``reclaim partner ...``; returns the exit code."""
    try:
        return asyncio.run(_run(args, settings, now))
    except partners.PartnerError as exc:
        print(f"reclaim: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"reclaim: {exc}", file=sys.stderr)
        return 2
