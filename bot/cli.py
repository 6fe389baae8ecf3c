"""The ``reclaim`` command: run the bot, chat in the console, hash files, manage catalogs.

Subcommands:
    run        start every transport whose settings are present (the console when none)
    console    chat with the bot in this terminal (scripted when stdin is not a TTY)
    hash       make hash codes of pictures and videos on this device (the companion)
    web        serve only the companion page on http://HOST:PORT/ (default 127.0.0.1:8080)
    relay      run the relay alone (push partners, the partner API); ``status`` prints its
               counts, ``retry-dead [SINK]`` queues dead letters again
    helplines  list the helplines the bot knows, by country
    helpline   ``add NAME`` makes a referral link for a helpline; ``list``; ``stats`` (weekly)
    i18n       ``extract`` regenerates locales/messages.pot; ``check`` verifies the catalogs;
               ``web`` exports the companion page's words (bot/companion/web/i18n/)
    diagram    print the conversation's state diagram (Graphviz dot)
    partner    ``add NAME --base-url URL``, ``list``, ``revoke NAME``: partners who fetch the feed

``run``, ``console`` and ``web`` either start or refuse with one line on stderr,
``reclaim: <why>``, and exit code 2: bad settings, an unknown default language, an unusable
data directory, database or secret, a secret that is not the database's own, an address that
can't be listened on. They never show a traceback for these.
SIGTERM and SIGINT (Ctrl-C) stop them cleanly with exit code 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Coroutine, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from pathlib import Path

from bot import helpline_cli
from bot.cases.pinwork import pin_workers
from bot.cases.store import CaseLimits, Store
from bot.config import (
    ConfigError,
    Settings,
    derive_key,
    load_settings,
    mini_app_problem,
    reason,
)
from bot.data import load_helplines
from bot.i18n import Catalogs
from bot.runtime import Runtime
from bot.secretfile import load_secret

log = logging.getLogger("bot")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@asynccontextmanager
async def open_runtime(
    settings: Settings, env: Mapping[str, str] | None = None, *, relay: bool = False
) -> AsyncIterator[Runtime]:
    """Open the store and build the runtime for ``settings``; closes the store on exit.

    The secret is the one beside the database (or ``RECLAIM_SECRET``), checked against the
    database's key check before the store opens (``bot/secretfile.py``). With ``relay``, the
    relay runs on the same store while the block runs (``bot/relay/runner.py``).

    Raises:
        ConfigError: the bot cannot start with these settings; the message is one line.
    """
    catalogs = _catalogs(settings.default_language)
    database = settings.database_path
    try:
        secret = await load_secret(database, os.environ if env is None else env)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        raise ConfigError(f"cannot open the database {database}: {reason(exc)}") from exc
    workers = pin_workers()
    limits = CaseLimits(settings.cases_per_chat_per_day, settings.cases_per_hour)
    try:
        store = await Store.open(
            database, pepper=derive_key(secret, "pin"), pin_executor=workers, limits=limits
        )
    except BaseException:
        workers.shutdown(cancel_futures=True)
        raise
    try:
        runtime = Runtime(
            store, catalogs, secret=secret, settings=settings, helplines=load_helplines()
        )
        await runtime.purge()
        if relay:
            from bot.relay.runner import relay_running

            async with relay_running(store, secret, settings, env=env):
                yield runtime
        else:
            yield runtime
    finally:
        await store.close()
        workers.shutdown(cancel_futures=True)


def _catalogs(default_language: str) -> Catalogs:
    """The catalogs, refusing a default language none of them is for."""
    try:
        return Catalogs.load(default=default_language)
    except ValueError as exc:
        known = ", ".join(Catalogs.load().languages)
        raise ConfigError(
            f"there are no messages in the default language {default_language!r} "
            f"(RECLAIM_LANGUAGE); available: {known}"
        ) from exc


@contextmanager
def stop_on_signals() -> Iterator[asyncio.Event]:
    """An event set by SIGTERM or SIGINT while the block runs (in the running event loop).

    Catching both lets the bot stop the way it stops at the end of input: conversations
    finish their step, the store closes, and the PIN worker processes are shut down instead of
    being left behind.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    try:
        yield stop
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


async def _console(settings: Settings, lang: str | None, *, relay: bool = False) -> int:
    from bot.transports.console import run_console
    from bot.web import page_for

    with stop_on_signals() as stop:
        async with page_for(settings), open_runtime(settings, relay=relay) as runtime:
            await run_console(runtime, lang=lang, stop=stop)
    return 0


async def _run(settings: Settings) -> int:
    matrix = bool(settings.matrix_homeserver)
    if settings.telegram_token or matrix:
        from bot.web import page_for

        problem = mini_app_problem(settings) if settings.telegram_token else None
        if problem is not None:
            raise ConfigError(problem)
        with stop_on_signals() as stop:
            async with page_for(settings), open_runtime(settings, relay=True) as runtime:
                await _together(_platforms(runtime, settings, stop), stop)
        return 0
    log.info("no platform configured: starting the console")
    return await _console(settings, None, relay=True)


def _platforms(
    runtime: Runtime, settings: Settings, stop: asyncio.Event
) -> list[Coroutine[None, None, None]]:
    """One coroutine per configured platform, each running until ``stop`` is set."""
    running: list[Coroutine[None, None, None]] = []
    if settings.telegram_token:
        from bot.transports.telegram import run_telegram

        running.append(run_telegram(runtime, settings, stop))
    if settings.matrix_homeserver:
        from bot.transports.matrix import run_matrix

        running.append(run_matrix(runtime, settings, stop))
        if not settings.telegram_token:  # Telegram's runner purges expired sessions itself
            running.append(_purging(runtime, stop))
    return running


async def _purging(runtime: Runtime, stop: asyncio.Event) -> None:
    purge = asyncio.create_task(runtime.purge_forever())
    try:
        await stop.wait()
    finally:
        purge.cancel()


async def _together(running: list[Coroutine[None, None, None]], stop: asyncio.Event) -> None:
    """Run the platforms together; when one stops for good (an error), the others stop too."""
    tasks = [asyncio.create_task(coroutine) for coroutine in running]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()  # a refusal to start (ConfigError) is reported as such
    finally:
        for task in tasks:
            task.cancel()


def _serve(command: Coroutine[None, None, int]) -> int:
    """Run ``run`` or ``console``: a refusal to start is one line on stderr and exit 2."""
    try:
        return asyncio.run(command)
    except ConfigError as exc:
        print(f"reclaim: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were in place
        return 0


async def _web(host: str, port: int, root: Path | None) -> int:
    from bot.web import WEB_ROOT, serving

    with stop_on_signals() as stop:
        try:
            async with serving(host, port, root or WEB_ROOT) as address:
                print(f"Serving the companion page on {address.url} (Ctrl-C stops it)", flush=True)
                await stop.wait()
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {reason(exc)}") from exc
    return 0


def _helplines(country: str | None, check: bool = False) -> int:
    catalogs = Catalogs.load()
    if check:
        import datetime as dt

        from bot.data.check import check_directory, default_directory

        today = dt.datetime.now(dt.UTC).date()
        report = check_directory(default_directory(), catalogs.msgids(catalogs.default), today)
        for problem in report.problems:
            print(problem)
        if report.problems:
            return 1
        print(report.summary())
        return 0
    for helpline in load_helplines():
        if country and helpline.country not in (country.upper(), "global"):
            continue
        about = catalogs.text(None, helpline.about)
        print(f"{helpline.country:6} {helpline.name}: {about} ({helpline.contact})")
    return 0


def _i18n(action: str, lang: str | None = None) -> int:
    from bot import i18n_catalogs

    if action == "extract":
        print(i18n_catalogs.write_template())
        return 0
    if action == "update":
        for path in i18n_catalogs.update_catalogs():
            print(path)
        return 0
    if action == "init":
        if not lang:
            print("reclaim i18n init needs a language code, for example: reclaim i18n init sw")
            return 2
        print(i18n_catalogs.init_catalog(lang))
        return 0
    if action == "web":
        from bot.companion.webtext import export

        for path in export():
            print(path)
        return 0
    from bot.i18n_check import NOT_STARTED, check

    status = 0
    for name, problems in check().items():
        if problems is NOT_STARTED:
            print(f"{name}: {problems[0]}")
        elif problems:
            status = 1
            print(f"{name}: {len(problems)} problems")
            for problem in problems[:20]:
                print(f"  {problem}")
        else:
            print(f"{name}: complete")
    return status


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``reclaim``."""
    parser = argparse.ArgumentParser(
        prog="reclaim", description="Reclaim: get intimate images taken down, by hash only."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the configured transports (console when none)")
    console = sub.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument(
        "--db", type=Path, help="SQLite file (default: <data dir>/reclaim.sqlite3)"
    )
    console.add_argument("--lang", help="language code, e.g. en")
    sub.add_parser("hash", help="hash pictures and videos on this device", add_help=False)
    web = sub.add_parser("web", help="serve only the companion page (for testing or your own use)")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    web.add_argument("--port", type=int, default=8080, help="port to listen on (8080)")
    web.add_argument("--root", type=Path, help="serve this folder instead of the shipped page")
    helplines = sub.add_parser("helplines", help="list known helplines")
    helplines.add_argument("country", nargs="?", help="ISO country code, e.g. GB")
    helplines.add_argument(
        "--check", action="store_true", help="validate the helpline, platform and service data"
    )
    helpline_cli.add_parser(sub)
    i18n = sub.add_parser("i18n", help="message catalogs")
    i18n.add_argument("action", choices=["extract", "update", "init", "check", "web"])
    i18n.add_argument("lang", nargs="?", help="for init: the new language's code")
    sub.add_parser("diagram", help="print the conversation state diagram (dot)")
    from bot.relay.partner_cli import configure as configure_partner

    configure_partner(sub.add_parser("partner", help="partners who fetch the hash feed"))
    relay = sub.add_parser("relay", help="run the relay alone, or show or retry its deliveries")
    relay.add_argument("action", nargs="?", choices=["status", "retry-dead"])
    relay.add_argument("sink", nargs="?", help="retry-dead: only this push partner's")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``reclaim`` command."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["hash"]:
        from bot.companion.cli import main as hash_main

        status: int = hash_main(argv[1:])
        return status
    args = build_parser().parse_args(argv)
    if args.command == "web":
        # Needs no settings: it serves the package's own files and nothing else.
        return _serve(_web(args.host, args.port, args.root))
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"reclaim: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "console":
        if args.db:
            settings = replace(settings, database=args.db)
        return _serve(_console(settings, args.lang))
    if args.command == "run":
        return _serve(_run(settings))
    if args.command == "helplines":
        return _helplines(args.country, args.check)
    if args.command == "helpline":
        return helpline_cli.main(args, settings)
    if args.command == "i18n":
        return _i18n(args.action, args.lang)
    if args.command == "partner":
        import time

        from bot.relay.partner_cli import main as partner_main

        return partner_main(args, settings, time.time())
    if args.command == "relay":
        from bot.relay.relay_cli import main as relay_main

        return _serve(relay_main(settings, args.action, args.sink))
    if args.command == "diagram":
        from bot.engine.states import diagram

        print(diagram())
        return 0
    return 2  # pragma: no cover - argparse rejects unknown commands
