"""Console transport: the whole conversation in a terminal, for local use and tests.

Each input line is one message. Buttons are printed as numbered options (``[1] Under 18``);
typing the number or the label picks it. The companion page, when offered, is a link line
(``Make the fingerprints here: https://…/companion/?lang=en``) to open in a browser; the
person pastes the code it makes back here. A hash code block (``#reclaim1`` ... ``#end ...``)
spans several lines and is collected into one message, and so is the whole readable output of
``reclaim hash`` pasted at once (file lines, summary and instructions, then the code): the lines
before the code are recognised by their shape, so none of them is answered on its own. A line
that fits neither ends the collection and is read as the next message. On a TTY the transport
shows a prompt; otherwise it runs scripted and prints plain text only, flushing after every
reply so another program can drive it line by line.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from typing import TextIO

from bot.engine.events import Choice, Command, Event, Reopen, Start, Text
from bot.i18n import Rendered
from bot.runtime import Runtime

CHAT_ID = "local"
"""The console has one conversation; its id is hashed like any other."""
BLOCK_START = "#reclaim"
BLOCK_END = "#end"
MAX_BLOCK_LINES = 400
BLOCK_PAUSE = 1.0
"""Seconds without a new line that end a pasted block."""
REPORT_LINE = re.compile(
    r"(?:ok {4}|note {2}|skip {2})\S"
    r"|Done: |No fingerprints could be made|No files were found"
    r"|\d+ folders? inside (?:was|were) skipped"
    r"|Copy (?:the code|each part) below|(?:It holds|They hold) only fingerprints"
    r"|There are many files[,.] |Send (?:all )?the parts |Part \d+ of \d+:"
    r"|Case \d+ of \d+(?:, part \d+ of \d+)?:"
)
"""The lines ``reclaim hash`` prints before its code (see ``bot.companion.report``)."""


def starts_paste(line: str) -> bool:
    """Whether a line begins a multi-line paste: a hash code, or the companion's output."""
    stripped = line.strip()
    return stripped.lower().startswith(BLOCK_START) or REPORT_LINE.match(stripped) is not None


class ConsoleTransport:
    """Prints replies to a text stream and remembers the last buttons shown."""

    name = "console"

    def __init__(self, out: TextIO, interactive: bool = False) -> None:
        self.out = out
        self.interactive = interactive
        self.buttons: tuple[tuple[str, str], ...] = ()
        self._shown: tuple[tuple[str, str], ...] = ()

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        """Print a message and its numbered options."""
        lines = [message.text]
        if message.page is not None:
            lines.append(f"{message.page_label}: {message.page.entry()}")
        lines.extend(f"[{n}] {label}" for n, (_, label) in enumerate(message.buttons, 1))
        self.out.write("\n".join(lines) + "\n\n")
        self.out.flush()
        if message.buttons:
            self._shown = message.buttons
        return None

    def begin_reply(self) -> None:
        """Start collecting the options shown in answer to the next line."""
        self._shown = ()

    def end_reply(self) -> None:
        """Numbers typed next refer to the options of the last reply (none if it had none)."""
        self.buttons = self._shown

    async def delete(self, chat_id: str, ref: str) -> bool:
        """A terminal can't unprint; nothing to delete."""
        return False

    async def leave(self, chat_id: str) -> None:
        """There are no groups in a terminal."""

    def event_for(self, line: str, lang: str | None = None) -> Event:
        """Turn one typed line into an engine event."""
        stripped = line.strip()
        if stripped.startswith("/") and len(stripped) > 1 and not stripped.startswith("//"):
            name, _, args = stripped[1:].partition(" ")
            name = name.split("@", 1)[0].lower()
            if name == "start":
                return Start(args.strip(), locale_hint=lang)
            return Command(name, args.strip())
        if stripped.isdigit() and 1 <= int(stripped) <= len(self.buttons):
            return Choice(self.buttons[int(stripped) - 1][0])
        return Text(line.rstrip("\r\n"))


class _LineReader:
    """Reads lines from a blocking stream in a thread, so reads can time out."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.held: str | None = None
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        while True:
            line = self.stream.readline()
            self.loop.call_soon_threadsafe(self.queue.put_nowait, line)
            if not line:
                return

    async def readline(self, timeout: float | None = None) -> str | None:
        """The next line ("" at end of input), or None if ``timeout`` passed first."""
        if self.held is not None:
            line, self.held = self.held, None
            return line
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


async def run_console(
    runtime: Runtime,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    lang: str | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run one conversation until end of input, ``/quit`` (or ``/exit``), or ``stop`` is set.

    ``stop`` (set by SIGTERM or SIGINT in ``reclaim console``) ends the conversation between
    messages: a reply being worked out is finished and saved first.
    """
    stop = stop or asyncio.Event()
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    transport = ConsoleTransport(stdout, interactive)
    reader = _LineReader(stdin)
    key = await runtime.session_key(transport.name, CHAT_ID)
    existing = await runtime.load(key, runtime.clock())
    opening: Event = Reopen() if existing.state.value != "new" else Start("", locale_hint=lang)
    await _reply(runtime, transport, opening)
    while not stop.is_set():
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await _next_line(reader, stop)
        if not line:
            if interactive:
                stdout.write("\n")  # leave the terminal on a fresh line after "> "
            return
        if line.strip() in ("/quit", "/exit"):
            return
        if starts_paste(line):
            line = await _read_block(reader, line)
        if not line.strip():
            continue
        await _reply(runtime, transport, transport.event_for(line, lang))


async def _next_line(reader: _LineReader, stop: asyncio.Event) -> str | None:
    """The next line, or None once ``stop`` is set (whichever comes first)."""
    reading = asyncio.ensure_future(reader.readline())
    stopping = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait((reading, stopping), return_when=asyncio.FIRST_COMPLETED)
    if reading in done:
        stopping.cancel()
        return reading.result()
    reading.cancel()
    return None


async def _reply(runtime: Runtime, transport: ConsoleTransport, event: Event) -> None:
    transport.begin_reply()
    await runtime.handle(transport, CHAT_ID, event)
    transport.end_reply()


async def _read_block(reader: _LineReader, first: str) -> str:
    """Collect a pasted hash code block up to its ``#end`` line.

    The companion's lines before the code (and blank lines) belong to the paste too; before the
    code starts, any other line ends the paste and is kept for the main loop. A paste arrives
    all at once, so a pause in the lines also ends it: a code pasted without its last line is
    then read as it is (and the bot says it is cut off).
    """
    lines = [first.rstrip("\r\n")]
    in_code = first.strip().lower().startswith(BLOCK_START)
    if in_code and BLOCK_END in first.lower():
        return lines[0]
    while len(lines) < MAX_BLOCK_LINES:
        line = await reader.readline(timeout=BLOCK_PAUSE)
        if not line:
            if line == "":
                reader.queue.put_nowait("")  # keep end of input for the main loop
            break
        stripped = line.strip()
        if not in_code:
            if stripped.lower().startswith(BLOCK_START):
                in_code = True
            elif stripped and not REPORT_LINE.match(stripped):
                reader.held = line  # not part of the paste: the next message
                break
        lines.append(line.rstrip("\r\n"))
        if in_code and stripped.lower().startswith(BLOCK_END):
            break
    return "\n".join(lines)
