"""Sending one message to one apprise URL.

apprise is a blocking library: :class:`AppriseSender` runs it in a thread
(``asyncio.to_thread``) so the event loop of a console never waits on a network.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Protocol


class DeliveryFailed(Exception):
    """A notification did not go out; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Message:
    title: str
    body: str


class Sender(Protocol):
    async def send(self, url: str, message: Message) -> None:
        """Deliver ``message`` to ``url`` or raise :class:`DeliveryFailed`."""
        ...


def check_url(url: str) -> str | None:
    """None when apprise understands ``url``; otherwise what is wrong with it."""
    import apprise

    if not isinstance(url, str) or not url.strip():
        return "the contact is empty"
    if "://" not in url:
        return "not an apprise URL (expected scheme://...)"
    if apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
        scheme = url.split("://", 1)[0]
        return f"apprise does not accept this {scheme}:// URL (unknown service or bad form)"
    return None


def _send_blocking(url: str, message: Message) -> None:
    import apprise

    problem = check_url(url)
    if problem:
        raise DeliveryFailed(problem, permanent=True)
    a = apprise.Apprise()
    a.add(url)
    logs: list[Any] = []
    try:
        result = a.notify(
            body=message.body,
            title=message.title,
            log_callback=lambda entry, _plugin: logs.append(entry),
            log_level=logging.WARNING,
        )
    except TypeError:  # older apprise without log_callback
        result = a.notify(body=message.body, title=message.title)
    if not result:
        reasons = [str(getattr(e, "message", e)) for e in logs]
        raise DeliveryFailed("; ".join(reasons) or "the service did not accept the notification")


class AppriseSender:
    """The real thing: apprise in a worker thread."""

    async def send(self, url: str, message: Message) -> None:
        await asyncio.to_thread(_send_blocking, url, message)


class DrillSender:
    """For drills without --notify: records what would have gone out, sends nothing."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Message]] = []

    async def send(self, url: str, message: Message) -> None:
        self.sent.append((url, message))
