"""SQLite storage for anonymous cases, their hashes and the relay outbox, and the way in to
conversation sessions.

Belongs here: the one ``Store`` class and its typed results.
Does not belong here: opening the database file, connection settings and migrations
(``schema.py``), what a case's holder may see of it and the SQL that reads it
(``caseinfo.py``), helplines' referral codes and counts (``referrals.py``), the rules for
case numbers and PINs (``ids.py``), checking a number and PIN and the guards against guessing
(``lockout.py``), the limits on opening cases (``quotas.py``), the sessions file, which lives
beside the database and is written without the database thread (``sessions.py``; the store
opens it with the database, except for the relay and the other commands that hold no
conversation), outbox entries and their
payloads (``outbox.py``), delivering them to sinks (the relay), and anything about who a
person is: the database holds no chat or user ids, usernames, phone
numbers, message text, or precise times on cases.

Domain failures come back as values (``CaseNotFound``, ``TryLater``, ``CaseLimitReached``);
exceptions mean a bug or a broken database. Every database operation runs under one
``asyncio.Lock``, so concurrent callers sharing the connection never see each other's
unfinished transactions; the slow PIN hashing runs outside that lock, on the PIN executor
(``pinwork.py``).

Hash values are kept only as long as they are needed: in ``case_hashes`` while a case is open,
and in an outbox payload until that entry is delivered. Withdrawing a case clears the values in
``case_hashes`` and cancels any open-entry not yet delivered; the values travel once more in the
withdrawal's payload (a sink that keeps only hash lists needs them to remove the hashes), and
delivering that entry clears them for good. Entries are delivered at least once: the relay hands
an entry to all its sinks before calling ``mark_delivered``, and sinks must tolerate repeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
import sqlite3
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Final, Self

import aiosqlite

from bot.cases import ids, lockout, outbox, quotas, referrals, schema, sessions

# Re-exported: callers keep importing these from the store; the alias form marks them as such.
from bot.cases.caseinfo import CaseInfo as CaseInfo  # noqa: PLC0414
from bot.cases.caseinfo import CaseState as CaseState  # noqa: PLC0414
from bot.cases.caseinfo import PartnerStatus as PartnerStatus  # noqa: PLC0414
from bot.cases.caseinfo import read_case_info
from bot.cases.lockout import CaseNotFound as CaseNotFound  # noqa: PLC0414
from bot.cases.lockout import TryLater as TryLater  # noqa: PLC0414
from bot.cases.lockout import fetch_one
from bot.cases.outbox import OutboxEntry as OutboxEntry  # noqa: PLC0414
from bot.cases.outbox import OutboxKind as OutboxKind  # noqa: PLC0414
from bot.cases.pinwork import run_pin_work
from bot.cases.quotas import CaseLimitReached as CaseLimitReached  # noqa: PLC0414
from bot.cases.quotas import CaseLimits as CaseLimits  # noqa: PLC0414
from bot.cases.schema import MIN_SQLITE_VERSION as MIN_SQLITE_VERSION  # noqa: PLC0414
from bot.cases.schema import SchemaTooNewError as SchemaTooNewError  # noqa: PLC0414
from bot.hashes.items import HashItem

# aiosqlite logs every statement with its parameters at DEBUG level, which would put session
# data and hash values in the logs; only its warnings and errors are let through.
logging.getLogger("aiosqlite").setLevel(logging.WARNING)
log = logging.getLogger(__name__)

MIN_PEPPER_BYTES: Final = 16

_SESSION_KEY: Final = re.compile(r"[0-9a-f]{32,128}")


@dataclass(frozen=True, slots=True)
class CaseCredentials:
    """What the person must keep to find their case again. Hidden from ``repr`` (logs)."""

    number: str = field(repr=False)
    pin: str = field(repr=False)


class Store:
    """The bot's database. Create with :meth:`open`; use as an async context manager."""

    def __init__(
        self,
        db: aiosqlite.Connection,
        pepper: bytes,
        scrypt_n: int,
        pin_executor: Executor | None = None,
        limits: CaseLimits = quotas.DEFAULT_LIMITS,
        sessions_at: str = ":memory:",
    ) -> None:
        self._db = db
        self._sessions_at = sessions_at
        self._sessions: sessions.SessionFile | None = None
        self._pepper = pepper
        self._scrypt_n = scrypt_n
        self._pin_executor = pin_executor
        self._limits = limits
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        *,
        pepper: bytes,
        scrypt_n: int = ids.SCRYPT_N,
        pin_executor: Executor | None = None,
        limits: CaseLimits = quotas.DEFAULT_LIMITS,
        open_sessions: bool = True,
    ) -> Store:
        """Open (creating if needed) and migrate the database at ``path``.

        Args:
            path: database file; created readable by its owner only.
            pepper: server secret mixed into every PIN hash, at least 16 bytes.
            scrypt_n: PIN hashing cost for new cases and for unknown numbers; lower only in tests.
            pin_executor: where PIN hashing runs (``pinwork.pin_workers()`` in the bot); None
                for the event loop's default threads. The caller shuts it down.
            limits: how many cases may be opened per chat per day and in total per hour.
            open_sessions: open the sessions file beside it too (the bot); False for processes
                that never hold a conversation (the relay, the partner and helpline commands).

        Returns:
            The open store.

        Raises:
            ValueError: if the pepper is too short or ``scrypt_n`` is invalid.
            SchemaTooNewError: if the database comes from a newer Reclaim.
        """
        if len(pepper) < MIN_PEPPER_BYTES:
            raise ValueError(f"pepper must be at least {MIN_PEPPER_BYTES} bytes")
        ids.check_scrypt_n(scrypt_n)
        db = await schema.open_database(path)
        store = cls(db, pepper, scrypt_n, pin_executor, limits, sessions.sessions_path(path))
        if open_sessions:
            try:
                await store._session_file()
            except BaseException:
                await store.close()
                raise
        return store

    async def close(self) -> None:
        """Close the connections (SQLite checkpoints each WAL into its file)."""
        async with self._lock:
            await self._db.close()
        if self._sessions is not None:
            self._sessions.close()
            self._sessions = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # Sessions -------------------------------------------------------------------------------

    async def load_session(self, key: str, now: float) -> str | None:
        """Return the session data under ``key``, or None if absent or expired (then erased)."""
        _check_session_key(key)
        return (await self._session_file()).load(key, now)

    async def save_session(self, key: str, data: str, expires_at: float) -> None:
        """Create or replace the session under ``key`` (a chat key, never a raw id)."""
        _check_session_key(key)
        (await self._session_file()).save(key, data, expires_at)

    async def delete_session(self, key: str) -> None:
        """Forget the session under ``key``, if any, leaving no copy in any database file."""
        _check_session_key(key)
        (await self._session_file()).delete(key)

    async def purge_expired_sessions(self, now: float) -> int:
        """Delete every session expired at ``now`` (erased as by :meth:`delete_session`).

        Returns:
            How many sessions were deleted.
        """
        return (await self._session_file()).purge(now)

    async def _session_file(self) -> sessions.SessionFile:
        """The sessions file, opened on first use; sessions an older Reclaim kept in the main
        database are moved into it then, and erased from the main database."""
        if self._sessions is not None:
            return self._sessions
        opened = sessions.SessionFile.open(self._sessions_at)
        try:
            async with self._lock:
                rows = [
                    (str(k), str(d), float(e))
                    for k, d, e in await self._db.execute_fetchall(
                        "SELECT key, data, expires_at FROM sessions"
                    )
                ]
                if rows:
                    opened.save_many(rows)
                    await self._db.execute("DELETE FROM sessions")
                    await self._scrub()
                    log.info("sessions moved to their own file: %d", len(rows))
        except BaseException:
            opened.close()
            raise
        if self._sessions is None:
            self._sessions = opened
        else:  # another caller opened it while this one waited for the lock
            opened.close()
        return self._sessions

    # Cases ----------------------------------------------------------------------------------

    async def open_case(
        self,
        items: Sequence[HashItem],
        route: str,
        now: float,
        *,
        token: str | None = None,
        chat: bytes | None = None,
        referral: str | None = None,
    ) -> CaseCredentials | CaseLimitReached:
        """Open a case for these hashes and queue them for the relay, all or nothing.

        Opening is idempotent by ``token``: the number and PIN are derived from a keyed hash
        of it (``ids.credentials_from_token``), so asking again with the same token, after a
        crash at any moment, gives back the same case and credentials and opens nothing new.

        Args:
            items: one entry per file, at least one, each with at least one hash.
            route: the service the hashes are meant for (for example ``"stopncii"``).
            now: Unix time; only its UTC date is stored with the case.
            token: names this request to open a case; None for a fresh random one.
            chat: the asking chat's key for the per-chat limit (see ``quotas.py``), or None.
            referral: the code of the helpline that sent the person, if any: kept with the
                case (so its withdrawal and feedback count for the helpline) and counted as
                a case opened that week.

        Returns:
            The case number and PIN (they exist nowhere else in clear: show them), or
            ``CaseLimitReached`` if a limit stopped a new case.

        Raises:
            ValueError: if the items or route are empty or an item repeats a signal.
        """
        rows = outbox.hash_rows(items)
        if not route:
            raise ValueError("route must not be empty")
        number, pin = ids.credentials_from_token(token or secrets.token_hex(16), self._pepper)
        async with self._transaction() as db:
            existing = await _case_pin(db, number)
        if existing is not None:
            return await self._same_case(number, pin, existing)
        salt = ids.new_salt()
        pin_hash = await run_pin_work(
            self._pin_executor, ids.hash_pin, pin, salt, self._pepper, n=self._scrypt_n
        )
        today = outbox.utc_date(now)
        async with self._transaction(durable=True) as db:
            existing = await _case_pin(db, number)
            if existing is None:
                limited = await quotas.take(db, self._limits, chat, now)
                if limited is not None:
                    return limited
                cursor = await db.execute(
                    "INSERT INTO cases (number, pin_salt, pin_hash, pin_scrypt_n, route, state, "
                    "created_on, referral) VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
                    (number, salt, pin_hash, self._scrypt_n, route, today, referral),
                )
                if referral is not None:
                    await referrals.bump(db, referral, "opened", now)
                case_id = cursor.lastrowid
                assert case_id is not None
                await db.executemany(
                    "INSERT INTO case_hashes (case_id, item_index, item_kind, signal, value, "
                    "quality) VALUES (?, ?, ?, ?, ?, ?)",
                    [(case_id, *row) for row in rows],
                )
                await outbox.queue(
                    db, case_id, today, kind="open", number=number, route=route, rows=rows
                )
        if existing is not None:  # a repeat of this token won the race
            return await self._same_case(number, pin, existing)
        return CaseCredentials(number, pin)

    async def _same_case(
        self, number: str, pin: str, stored: tuple[bytes, bytes, int]
    ) -> CaseCredentials:
        """The credentials of the case a token already opened, checked against its PIN hash.

        A different case holding the derived number (odds about one in 10**18) would not match
        the derived PIN; that is refused rather than handing someone another person's case.
        """
        salt, expected, cost = stored
        same = await run_pin_work(
            self._pin_executor, ids.verify_pin, pin, salt, self._pepper, expected, n=cost
        )
        if not same:
            raise RuntimeError("the case number derived for this request is taken")
        return CaseCredentials(number, pin)

    async def lookup_case(
        self, number: str, pin: str, now: float, *, chat: bytes | None = None
    ) -> CaseInfo | CaseNotFound | TryLater:
        """Return what the holder of this case number and PIN may know about the case.

        Args:
            number: the case number as typed (normalised here).
            pin: the PIN as typed (normalised here).
            now: Unix time, for the guards against guessing (only its hour is kept).
            chat: the asking chat's guard key (see ``lockout.py``), or None.

        Returns:
            ``CaseInfo``; ``CaseNotFound`` for a wrong number or a wrong PIN alike;
            ``TryLater`` while too many wrong tries make this number or chat wait.
        """
        case_id = await self._authenticate(number, pin, now, chat)
        if not isinstance(case_id, int):
            return case_id
        async with self._transaction() as db:
            return await read_case_info(db, case_id)

    async def withdraw_case(
        self, number: str, pin: str, now: float, *, chat: bytes | None = None
    ) -> CaseInfo | CaseNotFound | TryLater:
        """Withdraw a case: its hashes are no longer relayed and a withdrawal is queued.

        Withdrawing an already withdrawn case changes nothing and queues nothing. Arguments and
        results are as for :meth:`lookup_case`; ``now`` also gives the withdrawal date.
        """
        case_id = await self._authenticate(number, pin, now, chat)
        if not isinstance(case_id, int):
            return case_id
        async with self._transaction(durable=True) as db:
            row = await fetch_one(
                db, "SELECT number, route, state, referral FROM cases WHERE id = ?", (case_id,)
            )
            assert row is not None  # cases are never deleted
            if row[2] == "open":
                stored = await db.execute_fetchall(
                    "SELECT item_index, item_kind, signal, value, quality FROM case_hashes "
                    "WHERE case_id = ? ORDER BY item_index, rowid",
                    (case_id,),
                )
                rows = [
                    (
                        int(r[0]),
                        str(r[1]),
                        str(r[2]),
                        str(r[3]),
                        None if r[4] is None else int(r[4]),
                    )
                    for r in stored
                ]
                today = outbox.utc_date(now)
                for sql in (
                    "UPDATE cases SET state = 'withdrawn', withdrawn_on = ?1 WHERE id = ?2",
                    "UPDATE case_hashes SET withdrawn = 1, value = NULL, quality = NULL "
                    "WHERE case_id = ?2",
                    # An open entry not relayed yet never will be.
                    "UPDATE outbox SET state = 'cancelled', payload = NULL "
                    "WHERE case_id = ?2 AND kind = 'open' AND state = 'queued'",
                ):
                    await db.execute(sql, (today, case_id))
                await outbox.queue(
                    db, case_id, today, kind="withdraw", number=row[0], route=row[1], rows=rows
                )
                if row[3] is not None:
                    await referrals.bump(db, str(row[3]), "withdrawn", now)
            return await read_case_info(db, case_id)

    # Outbox ---------------------------------------------------------------------------------

    async def pending_outbox(self, limit: int = 100) -> list[OutboxEntry]:
        """Return up to ``limit`` queued entries, oldest first."""
        if limit < 1:
            raise ValueError("limit must be positive")
        async with self._transaction() as db:
            return await outbox.pending(db, limit)

    async def mark_delivered(self, outbox_id: int, sink: str, now: float) -> None:
        """Record that ``sink`` took entry ``outbox_id``, and drop its payload.

        Marking an entry again does nothing. A cancelled entry the relay had already picked up
        is recorded as delivered, which is what happened.
        """
        async with self._transaction() as db:
            await outbox.mark_delivered(db, outbox_id, sink, outbox.utc_date(now))

    def transaction(
        self, *, durable: bool = False
    ) -> contextlib.AbstractAsyncContextManager[aiosqlite.Connection]:
        """One immediate transaction under the store's lock, for the relay's own tables.

        The relay (``bot/relay/``) keeps its SQL in its own modules and runs it here, so that
        every user of the connection is serialised by the same lock. ``durable`` commits with
        an fsync, as case writes do.
        """
        return self._transaction(durable=durable)

    # Internals ------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _transaction(self, *, durable: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """Hold the lock and run one immediate transaction, rolled back on any exception.

        ``durable`` commits with ``synchronous=FULL``. In WAL mode ``NORMAL`` never corrupts the
        database but may lose the last commits on power loss; for sessions and outbox marks
        that costs a repeated message at worst, but a lost case would leave someone holding a
        case number and PIN that lead nowhere, so case writes pay for an fsync.
        """
        async with self._lock:
            db = self._db
            if durable:
                await db.execute("PRAGMA synchronous = FULL")
            try:
                await db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        await db.execute("ROLLBACK")
                    raise
                await db.execute("COMMIT")
            finally:
                if durable:
                    await db.execute("PRAGMA synchronous = NORMAL")

    async def _scrub(self) -> None:
        """Copy the write-ahead log into the database and empty it; call holding the lock.

        Used after sessions an older Reclaim kept here were moved to the sessions file: the
        WAL holds earlier copies of their pages until it is checkpointed and truncated. With
        ``secure_delete`` on, the deleted rows are zeroed in the pages the checkpoint writes
        back; truncating removes the older copies.
        """
        rows = list(await self._db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)"))
        if rows and rows[0][0]:
            log.warning("the write-ahead log could not be emptied (a reader held it)")

    async def _authenticate(
        self, number: str, pin: str, now: float, chat: bytes | None
    ) -> int | CaseNotFound | TryLater:
        """Check a number and PIN; return the case id, or why not (see ``lockout.py``)."""
        return await lockout.authenticate(
            self._transaction,
            number,
            pin,
            now,
            pepper=self._pepper,
            scrypt_n=self._scrypt_n,
            chat=chat,
            executor=self._pin_executor,
        )


async def _case_pin(db: aiosqlite.Connection, number: str) -> tuple[bytes, bytes, int] | None:
    """``(pin_salt, pin_hash, pin_scrypt_n)`` of the case with this number, if there is one."""
    row = await fetch_one(
        db, "SELECT pin_salt, pin_hash, pin_scrypt_n FROM cases WHERE number = ?", (number,)
    )
    return None if row is None else (bytes(row[0]), bytes(row[1]), int(row[2]))


def _check_session_key(key: str) -> None:
    # Guards against a raw chat or user id ever being used as a key.
    if _SESSION_KEY.fullmatch(key) is None:
        raise ValueError("session keys must be lower-case hex digests")
