"""A router per feature: commands, button payload types and dialog states to handlers."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.spine.callbacks import Payload
from bot.spine.context import Context
from bot.spine.states import DialogState

Handler = Callable[[Context], Awaitable[None]]
ButtonHandler = Callable[[Context, Payload], Awaitable[None]]
H = TypeVar("H", bound=Callable[..., Awaitable[None]])


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, Handler] = {}
        self.buttons: dict[type[Payload], ButtonHandler] = {}
        self.states: dict[str, Handler] = {}

    def command(self, *names: str) -> Callable[[H], H]:
        def register(handler: H) -> H:
            for name in names:
                self._add(self.commands, name, handler)
            return handler
        return register

    def button(self, payload_type: type[Payload]) -> Callable[[H], H]:
        def register(handler: H) -> H:
            self._add(self.buttons, payload_type, handler)
            return handler
        return register

    def state(self, *states: DialogState | type[DialogState]) -> Callable[[H], H]:
        """Handle free input (text, photo, location, contact) while the dialog is in one
        of these states; a feature's vocabulary (bot.spine.states) stands for all its states."""
        def register(handler: H) -> H:
            for each in states:
                for state in each if isinstance(each, type) else (each,):
                    self._add(self.states, state, handler)
            return handler
        return register

    def include(self, other: "Router") -> None:
        for table, items in ((self.commands, other.commands), (self.buttons, other.buttons),
                             (self.states, other.states)):
            for key, handler in items.items():
                self._add(table, key, handler)

    def state_handler(self, state: str) -> Handler | None:
        """The handler of a state as stored; None for one no handler takes (left over
        from an older version, or one that waits for a button only)."""
        return self.states.get(state)

    @staticmethod
    def _add(table: dict[Any, Any], key: object, handler: object) -> None:
        if key in table:
            raise ValueError(f"{key!r} is handled twice")
        table[key] = handler
