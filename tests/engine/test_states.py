"""The transition table as data: every state reachable, every state can get back to the start."""

from __future__ import annotations

from collections import deque

import pytest

from bot.engine.states import (
    COMMANDS,
    TEXT_STATES,
    TRANSITIONS,
    IllegalTransitionError,
    State,
    advance,
    diagram,
)

REAL_STATES = [s for s in State if s is not State.RESUME]


def _edges() -> dict[State, set[State]]:
    edges: dict[State, set[State]] = {s: set() for s in State}
    for (src, _), dst in TRANSITIONS.items():
        edges[src].add(dst)
    for src in REAL_STATES:
        edges[src].update(COMMANDS.values())
    # RESUME returns to where a side trip started: any state that can start one.
    edges[State.RESUME] = {s for s in REAL_STATES if s is not State.NEW}
    return edges


def _reachable(start: State) -> set[State]:
    edges = _edges()
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def test_every_state_is_reachable_from_a_new_conversation() -> None:
    assert _reachable(State.NEW) | {State.NEW} >= set(REAL_STATES)


@pytest.mark.parametrize("state", REAL_STATES)
def test_every_state_can_get_back_to_the_start(state: State) -> None:
    assert State.ASK_ROLE in _reachable(state)


def test_every_table_state_has_a_way_forward_besides_commands() -> None:
    sources = {src for src, _ in TRANSITIONS}
    waiting = set(REAL_STATES) - {State.NEW}
    assert waiting <= sources


def test_text_states_accept_good_and_bad_text() -> None:
    for state in TEXT_STATES:
        assert (state, "text:ok") in TRANSITIONS
        assert (state, "text:bad") in TRANSITIONS


def test_illegal_moves_raise() -> None:
    with pytest.raises(IllegalTransitionError):
        advance(State.ASK_ROLE, "under18")
    with pytest.raises(IllegalTransitionError):
        advance(State.MENU, "text:ok")


def test_prefixed_choices_use_their_family() -> None:
    assert advance(State.ASK_LANGUAGE, "lang:fr") is State.RESUME
    assert advance(State.ASK_COUNTRY, "country:GB") is State.RESUME


def test_commands_work_from_every_state() -> None:
    for state in REAL_STATES:
        assert advance(state, "/cancel") is State.ASK_ROLE


def test_diagram_lists_every_transition() -> None:
    dot = diagram()
    assert dot.startswith("digraph")
    assert dot.count("->") == len(TRANSITIONS) + len(COMMANDS)
