"""Where an audience's status updates go: apprise URLs from the policy or the environment.

``WARROOM_STATUS_<AUDIENCE>`` (space-separated apprise URLs; the audience id upper-cased,
``-`` as ``_``) replaces the policy's list, so tokens need not sit in the policy files;
set to an empty string it turns delivery off for that audience.

The URLs carry tokens and passwords, so the delivery outbox never stores them: a queued
update names its destination by where it is configured, ``customers#2`` (the second URL
of the audience in communications.yaml) or ``WARROOM_STATUS_CUSTOMERS#2`` (the second of
that variable), with a label of scheme and host, and the sender resolves the URL from
its own configuration when it sends (:func:`delivery_url`). A destination that is no
longer configured there, or whose place now holds a URL of another scheme or host, is
not sent to.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from warroom.policy.communications import Audience

if TYPE_CHECKING:
    from warroom.models import Delivery
    from warroom.policy import Policies


@dataclass(frozen=True)
class Destination:
    url: str
    title: str  # the notification's title, rendered when the update is queued
    key: str = ""  # which one: ``AUDIENCE#N`` or ``WARROOM_STATUS_AUDIENCE#N`` (stored)

    @property
    def method(self) -> str:
        """The apprise scheme (``slack``, ``mailto`` ...): what the timeline shows."""
        return scheme(self.url)

    @property
    def label(self) -> str:
        """Scheme and host name only: URLs carry tokens and passwords, never shown whole
        (a "host" without a dot is most likely a token, as in ``slack://T0/B0/XX``)."""
        return label_of(self.url)

    @property
    def shown(self) -> str:
        """What a person reads: which destination and where, never a secret."""
        return f"{self.key} ({self.label})" if self.key else self.label


def scheme(url: str) -> str:
    return url.split("://", 1)[0].lower()[:16] or "apprise"


def label_of(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return f"{scheme(url)}://{host}" if "." in host else f"{scheme(url)}://…"


ENV_PREFIX = "WARROOM_STATUS_"


def env_name(audience_id: str) -> str:
    return ENV_PREFIX + audience_id.upper().replace("-", "_")


def urls_for(audience_id: str, audience: Audience, environ: Mapping[str, str]) -> list[str]:
    value = environ.get(env_name(audience_id))
    if value is None:
        return list(audience.destinations)
    return value.split()


def destinations_for(
    audience_id: str, audience: Audience, environ: Mapping[str, str], title: str
) -> list[Destination]:
    """The audience's destinations now, each named by where it is configured and its
    place there (from 1)."""
    urls = urls_for(audience_id, audience, environ)
    source = env_name(audience_id) if env_name(audience_id) in environ else audience_id
    return [Destination(u, title, f"{source}#{n}") for n, u in enumerate(urls, 1)]


def resolve(
    key: str, label: str | None, policies: Policies, environ: Mapping[str, str] | None = None
) -> str | None:
    """The URL of destination ``key`` in this configuration (``AUDIENCE#N``: the policy's;
    ``WARROOM_STATUS_AUDIENCE#N``: the environment's), or None when it is not configured
    here. When ``label`` is given, the URL found must still have that scheme and host (a
    reordered list never sends to another service)."""
    source, _, number = key.rpartition("#")
    if not number.isdigit():
        return None
    if source.startswith(ENV_PREFIX):
        urls = (os.environ if environ is None else environ).get(source, "").split()
    else:
        audience = policies.communications.audiences.get(source)
        urls = list(audience.destinations) if audience is not None else []
    n = int(number)
    if not 1 <= n <= len(urls):
        return None
    url = urls[n - 1]
    return url if label is None or label_of(url) == label else None


def delivery_url(
    d: Delivery, policies: Policies | None, environ: Mapping[str, str] | None = None
) -> str | None:
    """Where a queued status delivery goes: resolved from the configuration for rows that
    name their destination; the stored URL for rows queued before they did."""
    if d.destination is None:
        return d.url
    if policies is None:
        return None
    return resolve(d.destination, d.destination_label, policies, environ)


def delivery_shown(d: Delivery) -> str:
    """A delivery's destination for people: ``customers#2 (slack://…)``."""
    if d.destination is not None:
        return f"{d.destination} ({d.destination_label or '?'})"
    return label_of(d.url) if d.url else "?"
