"""The conversation's states and its transition table, as data.

Theory of operation
-------------------
A conversation is a small state machine. Each state either waits for a *choice* (a button
press, or its label typed as text) or for *free text* (a pasted hash code, a case number, a
PIN). :func:`bot.engine.machine.step` turns each incoming event into an *input symbol*:

* a choice id offered in this state (``"me"``, ``"under18"``, ``"open"`` ...);
* ``"text:ok"`` / ``"text:bad"`` for free text that did or did not validate;
* ``"result:..."`` for the outcome of an effect the runtime performed (``"result:opened"``);
* ``"/command"`` for a command, which is legal in *every* state (``COMMANDS``).

``TRANSITIONS[(state, symbol)]`` is the next state; a pair missing from the table is an illegal
move and raises :class:`IllegalTransitionError` (a bug, never user input: the machine checks
offered choices before looking them up). ``RESUME`` is a pseudo-state: side trips (picking a
language, looking at helplines) return to the state the person was in.

Some events never move the machine: ``/help`` reassures and re-asks; media is refused and the
question is asked again; edits are declined; floods are slowed. So whatever someone sends,
nothing they gave before is lost.

The engine's messages for each transition live in ``machine.py``; this module is pure data so
that tests can walk it (every state reachable, every state can reach the start) and a
diagram can be generated from it (``reclaim diagram``).
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """Where a conversation is."""

    NEW = "new"
    ASK_ROLE = "ask_role"
    DANGER = "danger"
    ASK_THREAT = "ask_threat"
    ASK_AGE = "ask_age"
    ASK_FILE = "ask_file"
    ASK_WHERE = "ask_where"
    ROUTED = "routed"
    AWAIT_HASHES = "await_hashes"
    CONFIRM_CASE = "confirm_case"
    MENU = "menu"
    CONFIRM_WITHDRAW = "confirm_withdraw"
    ASK_CASE_NUMBER = "ask_case_number"
    ASK_PIN = "ask_pin"
    ASK_COUNTRY = "ask_country"
    ASK_REPORT_COUNTRY = "ask_report_country"
    """The country to show places to report threats for (a side trip, like ``ASK_COUNTRY``)."""
    ASK_LANGUAGE = "ask_language"
    RESUME = "resume"
    """Pseudo-state: go back to where the side trip started."""


class IllegalTransitionError(Exception):
    """A (state, symbol) pair the table does not allow."""


# States that wait for free text rather than a button.
TEXT_STATES: frozenset[State] = frozenset(
    {State.AWAIT_HASHES, State.ASK_CASE_NUMBER, State.ASK_PIN}
)

# Commands are legal in every state and go to the same place from anywhere.
COMMANDS: dict[str, State] = {
    "/start": State.ASK_ROLE,
    "/cancel": State.ASK_ROLE,
    "/forget": State.NEW,
    "/status": State.ASK_CASE_NUMBER,
    "/withdraw": State.CONFIRM_WITHDRAW,
    "/hash": State.AWAIT_HASHES,
    "/helplines": State.ASK_COUNTRY,
    "/language": State.ASK_LANGUAGE,
}
"""``/help`` is absent on purpose: it never moves the conversation."""

S = State
TRANSITIONS: dict[tuple[State, str], State] = {
    (S.ASK_ROLE, "me"): S.ASK_THREAT,
    (S.ASK_ROLE, "helping"): S.ASK_THREAT,
    (S.ASK_ROLE, "danger"): S.ASK_COUNTRY,
    (S.DANGER, "go"): S.ASK_ROLE,
    (S.DANGER, "talk"): S.ASK_COUNTRY,
    (S.ASK_THREAT, "yes"): S.ASK_AGE,
    (S.ASK_THREAT, "no"): S.ASK_AGE,
    (S.ASK_AGE, "report_country"): S.ASK_REPORT_COUNTRY,
    (S.ASK_REPORT_COUNTRY, "country"): S.RESUME,
    (S.ASK_AGE, "under18"): S.ASK_FILE,
    (S.ASK_AGE, "adult"): S.ASK_FILE,
    (S.ASK_AGE, "unsure"): S.ASK_FILE,
    (S.ASK_FILE, "yes"): S.ROUTED,
    (S.ASK_FILE, "no"): S.ASK_WHERE,
    (S.ASK_WHERE, "where"): S.MENU,
    (S.ASK_WHERE, "where+file"): S.ROUTED,
    (S.ROUTED, "hash"): S.AWAIT_HASHES,
    (S.ROUTED, "posted"): S.ASK_WHERE,
    (S.ROUTED, "talk"): S.ASK_COUNTRY,
    (S.ROUTED, "later"): S.MENU,
    (S.AWAIT_HASHES, "text:ok"): S.CONFIRM_CASE,
    (S.AWAIT_HASHES, "text:bad"): S.AWAIT_HASHES,
    (S.CONFIRM_CASE, "open"): S.CONFIRM_CASE,
    (S.CONFIRM_CASE, "cancel"): S.MENU,
    (S.CONFIRM_CASE, "result:opened"): S.MENU,
    (S.CONFIRM_CASE, "result:failed"): S.CONFIRM_CASE,
    (S.CONFIRM_CASE, "result:limited"): S.CONFIRM_CASE,
    (S.MENU, "hash"): S.AWAIT_HASHES,
    (S.MENU, "status"): S.ASK_CASE_NUMBER,
    (S.MENU, "talk"): S.ASK_COUNTRY,
    (S.MENU, "restart"): S.ASK_ROLE,
    (S.CONFIRM_WITHDRAW, "withdraw"): S.ASK_CASE_NUMBER,
    (S.CONFIRM_WITHDRAW, "keep"): S.MENU,
    (S.ASK_CASE_NUMBER, "text:ok"): S.ASK_PIN,
    (S.ASK_CASE_NUMBER, "text:bad"): S.ASK_CASE_NUMBER,
    (S.ASK_PIN, "text:ok"): S.ASK_PIN,
    (S.ASK_PIN, "text:bad"): S.ASK_PIN,
    (S.ASK_PIN, "result:found"): S.MENU,
    (S.ASK_PIN, "result:withdrawn"): S.MENU,
    (S.ASK_PIN, "result:missing"): S.ASK_PIN,
    (S.ASK_PIN, "result:wait"): S.MENU,
    (S.ASK_COUNTRY, "country"): S.RESUME,
    (S.ASK_LANGUAGE, "lang"): S.RESUME,
    (S.ASK_LANGUAGE, "langpage"): S.ASK_LANGUAGE,
}
"""Choices such as ``lang:fr``, ``country:GB`` or ``where:tiktok`` are looked up by their prefix.

``where+file`` is any answer to "where were they posted?" from someone who has the file (they
came from the hashing route): it leads back there rather than to the menu."""


def advance(state: State, symbol: str) -> State:
    """Return the next state for ``symbol`` in ``state``.

    Raises:
        IllegalTransitionError: the table has no such move.
    """
    if symbol in COMMANDS:
        return COMMANDS[symbol]
    key = (
        symbol.split(":", 1)[0]
        if symbol.startswith(("lang:", "langpage:", "country:", "where:"))
        else symbol
    )
    try:
        return TRANSITIONS[(state, key)]
    except KeyError:
        raise IllegalTransitionError(f"{state.value} does not accept {symbol!r}") from None


def diagram() -> str:
    """The transition table as a Graphviz ``dot`` digraph."""
    lines = ["digraph reclaim {", "  rankdir=LR;"]
    for (src, symbol), dst in TRANSITIONS.items():
        lines.append(f'  {src.value} -> {dst.value} [label="{symbol}"];')
    for symbol, dst in COMMANDS.items():
        lines.append(f'  any -> {dst.value} [label="{symbol}", style=dashed];')
    lines.append("}")
    return "\n".join(lines)
