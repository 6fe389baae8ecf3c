"""The one impure loop: load session -> ``engine.step`` -> perform effects -> save session.

Transports call :meth:`Runtime.handle` with a chat id and an engine event. The chat id is
turned into a chat key at once (a slow, memory-hard derivation: ``chatkeys.py`` says why and at
what cost) and never stored or logged; the session lives in the store under that key and
expires when idle. Effects are performed here, in order: messages
are rendered by ``bot/i18n.py`` and handed to the transport; case effects go to the store and
their outcome is fed back to the engine as a result event.

A failing database never means silence: if the store cannot be read or written, the person
is told, in words that need no database, that something went wrong on our side and that what
they sent before is kept; the bot keeps running and logs the error's type only (a database
error's text can quote the data).

Nothing here knows a platform, and nothing here logs message text, hashes, case numbers or
PINs: logs name event types and states only.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import secrets
import sqlite3
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Protocol

from bot import understand
from bot.cases import caseinfo, referrals
from bot.cases import store as case_store
from bot.chatkeys import ChatKeys
from bot.config import Settings, derive_key
from bot.data import platforms, reports
from bot.engine import where
from bot.engine.effects import (
    Button,
    DeleteIncoming,
    Effect,
    Forget,
    LeaveChat,
    LookupCase,
    OpenCase,
    Referred,
    Say,
    Shown,
    WithdrawCase,
)
from bot.engine.events import (
    CaseFound,
    CaseMissing,
    CaseOpened,
    CaseOpenFailed,
    CaseOpenRefused,
    CaseShown,
    CaseView,
    CaseWithdrawn,
    Event,
    GroupChat,
    LinkGiven,
    LookupPaused,
    PartnerView,
    Text,
)
from bot.engine.machine import step
from bot.engine.session import (
    Context,
    Helpline,
    Referral,
    Session,
    session_from_json,
    session_to_json,
)
from bot.engine.states import TEXT_STATES, State
from bot.i18n import Catalogs, Rendered

log = logging.getLogger(__name__)

VISIBLE_LIMIT = 200
"""How many recent message references a session keeps for a visible /forget."""
CACHED_SESSIONS = 10_000
"""Sessions kept in memory besides the store (the least recently used are dropped)."""
DELETABLE_FOR = 48 * 3600.0
"""Platforms let bots delete messages in private chats for this long."""
REF_MINUTE = 60
"""Stored times (message references, expiry) keep the minute, no finer: enough for both."""
STORE_FAILED = "error.store"
"""Said when the database fails; it must need nothing but the catalogs."""
PARTNERS_EVERY = 60.0
"""Seconds between two reads of the partners and referral codes in the database: a partner or
helpline added while the bot runs is known within this time, and no message pays for a read."""


class Transport(Protocol):
    """What the runtime needs from a platform adapter."""

    name: str

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        """Send a message; return a reference to it if the platform can delete it later."""

    async def delete(self, chat_id: str, ref: str) -> bool:
        """Delete a message; return whether it worked."""

    async def leave(self, chat_id: str) -> None:
        """Leave a group or channel."""


class Runtime:
    """Joins store, engine, catalogs and transports."""

    def __init__(
        self,
        store: case_store.Store,
        catalogs: Catalogs,
        *,
        secret: bytes,
        settings: Settings,
        helplines: tuple[Helpline, ...] = (),
        clock: Callable[[], float] = time.time,
        partners_every: float = PARTNERS_EVERY,
    ) -> None:
        self.store = store
        self.catalogs = catalogs
        if len(catalogs.languages) > 1:
            understand.preload_identifier()  # in the background: nothing waits for it
        self.settings = settings
        self.clock = clock
        self.chat_keys = ChatKeys(secret)
        # Keys for the per-chat limits, kept apart from the session (so /forget keeps them)
        # and from each other (so the two tables cannot be joined).
        self._case_limit_key = derive_key(secret, "case-limits")
        self._lookup_limit_key = derive_key(secret, "lookup-limits")
        self._helplines = helplines
        self._platforms = platforms.platform_forms()
        self._reports = reports.load_reports()
        # Who cases go to and which referral codes exist, read from the database at most every
        # ``partners_every`` seconds; until the first read, the push partners in the settings.
        self._partners_every = partners_every
        self._partners_read: float | None = None
        self._partners: tuple[str, ...] = tuple(sink.name for sink in settings.sinks)
        self._referral_links: tuple[Referral, ...] = ()
        # Per-chat locks and waiting counts are indexed by a fast keyed hash of the chat, so
        # a chat's events are serialised even while its slow key is still being derived.
        self._locks: dict[bytes, asyncio.Lock] = {}
        # Write-through copy of recent sessions, so a message costs one database write and no
        # read. Only valid while this process is the database's only writer (as SQLite here).
        self._cache: OrderedDict[str, tuple[Session, float]] = OrderedDict()
        self._waiting: dict[bytes, int] = {}

    def key_for(self, transport: str, chat_id: str) -> str:
        """The key a conversation is stored under (blocks for one derivation if not cached)."""
        return self.chat_keys.key_now(transport, chat_id)

    async def session_key(self, transport: str, chat_id: str) -> str:
        """The key a conversation is stored under, derived off the event loop if not cached."""
        return await self.chat_keys.key(transport, chat_id)

    def context(self, now: float) -> Context:
        """The engine context at ``now``."""
        return Context(
            now=now,
            languages=self.catalogs.languages,
            default_language=self.settings.default_language,
            helplines=self._helplines,
            partners=self._partners,
            platforms=self._platforms,
            reports=self._reports,
            referral_links=self._referral_links,
            max_items=self.settings.max_items,
            flood_limit=self.settings.flood_limit,
            flood_window=self.settings.flood_window,
            token=secrets.token_hex(16),
            page_url=self.settings.page_url,
        )

    async def refresh(self, now: float) -> None:
        """Read the partners and referral codes again if the last read is old enough.

        Partners are the push sinks of the settings plus the feed partners not revoked (see
        ``caseinfo.connected_partners``); the words about passing codes on name them.
        """
        last = self._partners_read
        if last is not None and 0 <= now - last < self._partners_every:
            return
        self._partners_read = now
        sinks = [sink.name for sink in self.settings.sinks]
        async with self.store.transaction() as db:
            partners = await caseinfo.connected_partners(db, sinks)
            links = await referrals.links(db)
        self._partners = partners
        self._referral_links = tuple(
            Referral(link.code, link.name, link.lang, link.country) for link in links
        )
        log.debug("partners: %d, referral codes: %d", len(partners), len(links))

    async def load(self, key: str, now: float) -> Session:
        """The stored session, or a fresh one."""
        cached = self._cache.get(key)
        if cached is not None and cached[1] > now:
            self._cache.move_to_end(key)
            return cached[0]
        self._cache.pop(key, None)
        raw = await self.store.load_session(key, now)
        return session_from_json(raw) if raw else Session()

    async def language(self, transport: str, chat_id: str) -> str | None:
        """The language a chat's conversation is in, for a transport's own lines.

        Read from the session (from memory when it is recent). None, meaning the default
        language, for a chat with no conversation or when the database fails.
        """
        key = await self.session_key(transport, chat_id)
        try:
            session = await self.load(key, self.clock())
        except sqlite3.Error as error:
            log.error("the database failed: %s", type(error).__name__)
            return None
        return session.lang

    async def _save(self, key: str, session: Session, expires_at: float) -> None:
        await self.store.save_session(key, session_to_json(session), expires_at)
        self._cache[key] = (session, expires_at)
        self._cache.move_to_end(key)
        if len(self._cache) > CACHED_SESSIONS:
            self._cache.popitem(last=False)

    async def _erase(self, key: str) -> None:
        self._cache.pop(key, None)
        await self.store.delete_session(key)

    async def handle(
        self, transport: Transport, chat_id: str, event: Event, incoming_ref: str | None = None
    ) -> None:
        """Handle one event from one chat, serialised with the chat's other events.

        A database failure is answered with a kind message and logged by type; the bot goes
        on. Failures of the transport itself propagate to the transport.
        """
        index = self.chat_keys.index(transport.name, chat_id)
        self._waiting[index] = self._waiting.get(index, 0) + 1
        lock = self._locks.setdefault(index, asyncio.Lock())
        try:
            async with lock:
                key = await self.session_key(transport.name, chat_id)
                try:
                    await self._handle_locked(transport, chat_id, key, event, incoming_ref)
                except sqlite3.Error as error:
                    log.error("the database failed: %s", type(error).__name__)
                    await self._say_store_failed(transport, chat_id, key)
        finally:
            self._waiting[index] -= 1
            if not self._waiting[index]:
                del self._waiting[index]
                self._locks.pop(index, None)

    async def _say_store_failed(self, transport: Transport, chat_id: str, key: str) -> None:
        """Tell the person the database failed, in their language if it is still in memory."""
        cached = self._cache.get(key)
        lang = cached[0].lang if cached is not None else None
        await transport.send(chat_id, self.catalogs.render(lang, Say(STORE_FAILED)))

    def _understood(self, session: Session, event: Text) -> Event:
        """What typed words mean for the waiting question (see ``bot.understand``)."""
        if session.state is State.AWAIT_HASHES:
            return understand.feeling_in(self.catalogs, session.lang, event.text) or event
        if not session.options or session.state in TEXT_STATES:
            return event
        # Only the site of a link is looked at, here, in memory; the engine gets its key.
        linked, site = platforms.find_link(event.text)
        if linked:
            return LinkGiven(site.key if site is not None else None)
        options = session.options
        if session.state is State.ASK_LANGUAGE:  # every language, not only this page's
            everyone = tuple(Button(f"lang:{c}", f"language:{c}") for c in self.catalogs.languages)
            options = (*options, *everyone)
        if session.state is State.ASK_WHERE:  # every platform, not only those with a button
            options = where.every_option(self._platforms)
        found = understand.understand(self.catalogs, session.lang, options, event.text)
        return found if found is not None else event

    async def _handle_locked(
        self,
        transport: Transport,
        chat_id: str,
        key: str,
        event: Event,
        incoming_ref: str | None,
    ) -> None:
        now = self.clock()
        session = await self.load(key, now)
        if isinstance(event, Text):
            event = self._understood(session, event)
        if incoming_ref is not None:
            session = _remember(session, [incoming_ref], now)
        await self.refresh(now)
        ctx = self.context(now)
        log.debug("event %s in state %s", type(event).__name__, session.state.value)
        # The step may replace the session (``/forget``); keep what is visible in the chat.
        visible_before = session.visible
        session, first = step(session, event, ctx)
        # Nothing is kept for a group: the bot only says it talks in private, and leaves.
        keep = not isinstance(event, GroupChat) and not any(isinstance(e, Forget) for e in first)
        # Whole minutes: the expiry needs no finer time, and a finer one tells when they wrote.
        expires_at = math.ceil((now + self.settings.session_ttl) / REF_MINUTE) * REF_MINUTE
        # Write ahead: the new state is stored before anything is sent, so a crash after a
        # reply can never leave the person one question ahead of what the bot remembers.
        saved: Session | None = None
        if keep:
            await self._save(key, session, expires_at)
            saved = session
        pending: deque[Effect] = deque(first)
        sent: list[str] = []  # references of replies, recorded in the session in one copy
        while pending:
            effect = pending.popleft()
            if isinstance(effect, Say):
                ref = await transport.send(chat_id, self.catalogs.render(session.lang, effect))
                if ref is not None and keep:
                    sent.append(ref)
                continue
            session, sent = _remember(session, sent, now), []
            if isinstance(effect, DeleteIncoming):
                if incoming_ref is not None and await transport.delete(chat_id, incoming_ref):
                    session = session.with_(visible=_without(session.visible, incoming_ref))
            elif isinstance(effect, LeaveChat):
                await transport.leave(chat_id)
            elif isinstance(effect, Referred):
                async with self.store.transaction() as db:
                    await referrals.bump(db, effect.code, "started", now)
            elif isinstance(effect, Forget):
                shown = tuple(dict.fromkeys((*visible_before, *session.visible)))
                await self._forget(transport, chat_id, key, shown, now)
            else:
                result = await self._perform_case_effect(effect, key, now)
                session, more = step(session, result, ctx)
                if keep:
                    await self._save(key, session, expires_at)
                    saved = session
                pending.extendleft(reversed(more))
        session = _remember(session, sent, now)
        if keep and session is not saved:  # message references recorded while sending
            await self._save(key, session, expires_at)

    async def drop(self, transport: str, chat_id: str) -> None:
        """Erase a conversation quietly (the person blocked the bot or left the platform)."""
        await self._erase(await self.session_key(transport, chat_id))
        self.chat_keys.forget(transport, chat_id)

    async def _forget(
        self, transport: Transport, chat_id: str, key: str, visible: tuple[str, ...], now: float
    ) -> None:
        for entry in reversed(visible):
            ref, _, minute = entry.rpartition("@")
            if ref and now - float(minute or 0) * REF_MINUTE < DELETABLE_FOR:
                await transport.delete(chat_id, ref)
        await self._erase(key)
        self.chat_keys.forget(transport.name, chat_id)

    async def _perform_case_effect(self, effect: Effect, key: str, now: float) -> Event:
        if isinstance(effect, Shown):
            return CaseShown()  # everything before it was sent: the opening is complete
        if isinstance(effect, OpenCase):
            chat = _chat_tag(self._case_limit_key, key)
            try:
                opened = await self.store.open_case(
                    effect.items,
                    effect.route,
                    now,
                    token=effect.token or None,
                    chat=chat,
                    referral=effect.referral,
                )
            except Exception:
                log.exception("opening a case failed")
                return CaseOpenFailed()
            if isinstance(opened, case_store.CaseLimitReached):
                log.info("case limit reached: %s", opened.scope)
                return CaseOpenRefused(opened.scope)
            return CaseOpened(opened.number, opened.pin)
        if isinstance(effect, LookupCase | WithdrawCase):
            action = (
                self.store.withdraw_case
                if isinstance(effect, WithdrawCase)
                else self.store.lookup_case
            )
            chat = _chat_tag(self._lookup_limit_key, key)
            found = await action(effect.number, effect.pin, now, chat=chat)
            if isinstance(found, case_store.CaseNotFound):
                return CaseMissing(_minutes_until(found.wait_until, now))
            if isinstance(found, case_store.TryLater):
                return LookupPaused(max(1, _minutes_until(found.until, now)))
            view = case_view(found)
            return CaseWithdrawn(view) if isinstance(effect, WithdrawCase) else CaseFound(view)
        raise TypeError(f"not a case effect: {type(effect).__name__}")

    async def purge(self) -> int:
        """Delete expired sessions now; returns how many."""
        now = self.clock()
        for key in [k for k, (_, expires_at) in self._cache.items() if expires_at <= now]:
            del self._cache[key]
        return await self.store.purge_expired_sessions(now)

    async def purge_forever(self, every: float = 900.0) -> None:
        """Purge expired sessions periodically (run as a background task)."""
        while True:
            removed = await self.purge()
            if removed:
                log.info("expired sessions removed: %d", removed)
            await asyncio.sleep(every)


def case_view(info: case_store.CaseInfo) -> CaseView:
    """What the engine may show of a stored case."""
    return CaseView(
        number=info.number,
        state=str(info.state),
        route=info.route,
        images=info.image_count,
        files=info.file_count,
        created_on=info.created_on.isoformat(),
        queued=info.relay_queued,
        delivered=info.relay_delivered,
        signals=info.signal_counts,
        partners=tuple(
            PartnerView(p.name, p.state or "", p.pending_review, p.blocked, p.not_blocked)
            for p in info.partners
        ),
    )


def _chat_tag(purpose_key: bytes, session_key: str) -> bytes:
    """The chat's key for one kind of limit: a keyed hash of its session key."""
    return hmac.new(purpose_key, session_key.encode(), hashlib.sha256).digest()


def _minutes_until(until: float, now: float) -> int:
    """Whole minutes from ``now`` to ``until``, rounded up; 0 if it has passed."""
    return max(0, int((until - now + 59) // 60))


def _remember(session: Session, refs: list[str], now: float) -> Session:
    """Record message references with the minute they were sent in (``ref@minutes``)."""
    if not refs:
        return session
    minute = int(now // REF_MINUTE)
    visible = (*session.visible, *(f"{ref}@{minute}" for ref in refs))[-VISIBLE_LIMIT:]
    return session.with_(visible=visible)


def _without(visible: tuple[str, ...], ref: str) -> tuple[str, ...]:
    return tuple(v for v in visible if v.rpartition("@")[0] != ref)
