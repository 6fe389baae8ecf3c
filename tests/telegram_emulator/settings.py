"""Bot settings methods: commands per scope and language, descriptions, name, menu button.

What belongs here: `SettingsMethods`, the `api_*` functions for setMyCommands, getMyCommands,
deleteMyCommands, setMyDescription, getMyDescription, setMyShortDescription,
getMyShortDescription, setMyName, getMyName, setChatMenuButton and getChatMenuButton, keeping
what was set so tests can assert on it. The other methods are in `methods.py`.
"""

from __future__ import annotations

from typing import Any

from .model import JSON, ApiError
from .params import check_commands, json_param, language_code, scope_key
from .state import EmulatorState


class SettingsMethods(EmulatorState):
    """Answers the bot settings methods."""

    def api_set_my_commands(self, params: JSON) -> Any:
        commands = check_commands(params)
        key = (scope_key(params), language_code(params))
        with self._lock:
            self.commands[key] = commands
            self._notify()
        return True

    def api_get_my_commands(self, params: JSON) -> Any:
        key = (scope_key(params), language_code(params))
        with self._lock:
            return list(self.commands.get(key, []))

    def api_delete_my_commands(self, params: JSON) -> Any:
        key = (scope_key(params), language_code(params))
        with self._lock:
            self.commands.pop(key, None)
            self._notify()
        return True

    def _set_text_setting(self, params: JSON, field: str, limit: int) -> Any:
        value = params.get(field) or ""
        if not isinstance(value, str) or len(value) > limit:
            raise ApiError(f"Bad Request: {field.replace('_', ' ')} is too long")
        with self._lock:
            self.descriptions[(field, language_code(params))] = value
            self._notify()
        return True

    def _get_text_setting(self, params: JSON, field: str, default: str = "") -> Any:
        with self._lock:
            return {field: self.descriptions.get((field, language_code(params)), default)}

    def api_set_my_description(self, params: JSON) -> Any:
        return self._set_text_setting(params, "description", 512)

    def api_get_my_description(self, params: JSON) -> Any:
        return self._get_text_setting(params, "description")

    def api_set_my_short_description(self, params: JSON) -> Any:
        return self._set_text_setting(params, "short_description", 120)

    def api_get_my_short_description(self, params: JSON) -> Any:
        return self._get_text_setting(params, "short_description")

    def api_set_my_name(self, params: JSON) -> Any:
        return self._set_text_setting(params, "name", 64)

    def api_get_my_name(self, params: JSON) -> Any:
        return self._get_text_setting(params, "name", self.bot.first_name)

    def api_set_chat_menu_button(self, params: JSON) -> Any:
        button = json_param(params, "menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in {
            "default",
            "commands",
            "web_app",
        }:
            raise ApiError("Bad Request: unsupported menu button type specified")
        with self._lock:
            if params.get("chat_id") not in (None, ""):
                self.resolve_chat(params["chat_id"]).menu_button = button
            else:
                self.default_menu_button = button
            self._notify()
        return True

    def api_get_chat_menu_button(self, params: JSON) -> Any:
        with self._lock:
            if params.get("chat_id") not in (None, ""):
                chat = self.resolve_chat(params["chat_id"])
                return chat.menu_button or self.default_menu_button
            return self.default_menu_button
