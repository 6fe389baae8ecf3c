"""Faults injected into one chat's calls only.

What belongs here: `ChatFaults`, which makes the next calls to a method *for one chat* fail or
lose their connection, so a test's fault can't be taken by another chat's late reply while one
bot process serves many tests; and `injected_error`, the error answer both kinds of fault use.
Faults for any chat are in `state.py` (`fail_next`, `drop_next`, `delay_next`).
"""

from __future__ import annotations

from collections import deque

from .model import JSON, ApiError, FakeChat, FakeUser
from .params import decode_chat_id
from .state import EmulatorState, Fault


def injected_error(retry_after: int | None, error_code: int, description: str | None) -> ApiError:
    """A 429 with ``retry_after`` when given, else ``error_code`` with ``description``."""
    if retry_after is not None:
        return ApiError(
            f"Too Many Requests: retry after {retry_after}", 429, {"retry_after": retry_after}
        )
    return ApiError(description or "Bad Request: injected failure", error_code)


class ChatFaults(EmulatorState):
    """Faults for the calls that name one chat (``chat_id``)."""

    def fail_next_in(
        self,
        chat: int | FakeChat | FakeUser,
        method: str,
        retry_after: int | None = None,
        *,
        error_code: int = 400,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Like `fail_next`, for the next `times` calls to `method` in `chat` only."""
        error = injected_error(retry_after, error_code, description)
        self._add_chat_fault(chat, method, Fault("error", error=error), times)

    def drop_next_in(self, chat: int | FakeChat | FakeUser, method: str, *, times: int = 1) -> None:
        """Like `drop_next`, for the next `times` calls to `method` in `chat` only."""
        self._add_chat_fault(chat, method, Fault("drop"), times)

    def _add_chat_fault(
        self, chat: int | FakeChat | FakeUser, method: str, fault: Fault, times: int
    ) -> None:
        key = (method.lower(), self.chat(chat).id)
        with self._lock:
            faults = self.__dict__.setdefault("_chat_faults", {})
            faults.setdefault(key, deque()).extend([fault] * times)

    def take_chat_fault(self, method: str, params: JSON) -> Fault | None:
        """The next fault for this call's chat, if one was injected."""
        try:
            chat_id = decode_chat_id(params.get("chat_id"))
        except (ApiError, TypeError, ValueError):
            return None
        with self._lock:
            queue = self.__dict__.get("_chat_faults", {}).get((method.lower(), chat_id))
            return queue.popleft() if queue else None
