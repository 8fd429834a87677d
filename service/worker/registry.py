"""Which handler runs for which event and action."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from service.intake.events import Envelope
from service.store.deliveries import Delivery


@dataclass(frozen=True)
class Job:
    """One claimed delivery, parsed."""

    delivery: Delivery
    payload: dict[str, Any]
    envelope: Envelope


# A handler returns what it did (JSON-ready); the worker adds the GitHub cost and stores it.
Handler = Callable[[Job], dict[str, Any] | None]


class PermanentError(Exception):
    """A failure that retrying cannot fix (e.g. a payload without the fields a handler needs)."""


class HandlerRegistry:
    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str | None], Handler] = {}
        # (event, action) pairs whose queued deliveries about one subject can be run as one.
        self.foldable: frozenset[tuple[str, str | None]] = frozenset()
        # Events of deliveries the service stores itself (scheduled re-evaluations): never
        # acted on when they come in as a webhook.
        self.internal: frozenset[str] = frozenset()

    def add(
        self,
        event: str,
        handler: Handler,
        actions: Iterable[str] | None = None,
        *,
        foldable: Iterable[str] = (),
        internal: bool = False,
    ) -> None:
        """Run `handler` for `event` (only for `actions` when given). `foldable` names the
        actions whose deliveries carry nothing but "look at this subject again"; `internal`
        events are the service's own, never taken from a webhook."""
        if actions is None:
            self._handlers[(event, None)] = handler
        else:
            for action in actions:
                self._handlers[(event, action)] = handler
        self.foldable |= {(event, action) for action in foldable}
        if internal:
            self.internal |= {event}

    def on(self, event: str, *actions: str) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self.add(event, handler, actions or None)
            return handler

        return decorate

    def handler_for(self, event: str, action: str | None) -> Handler | None:
        return self._handlers.get((event, action)) or self._handlers.get((event, None))

    def handles(self, event: str, action: str | None) -> bool:
        """Whether a webhook of this event and action is acted on."""
        return event not in self.internal and self.handler_for(event, action) is not None

    @property
    def events(self) -> list[str]:
        """The webhook events acted on."""
        return sorted({event for event, _ in self._handlers} - self.internal)
