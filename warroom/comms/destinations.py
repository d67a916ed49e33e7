"""Where an audience's status updates go: apprise URLs from the policy or the environment.

``WARROOM_STATUS_<AUDIENCE>`` (space-separated apprise URLs; the audience id upper-cased,
``-`` as ``_``) replaces the policy's list, so tokens need not sit in the policy files;
set to an empty string it turns delivery off for that audience.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from warroom.policy.communications import Audience


@dataclass(frozen=True)
class Destination:
    url: str
    title: str  # the notification's title, rendered when the update is queued

    @property
    def method(self) -> str:
        """The apprise scheme (``slack``, ``mailto`` ...): what the timeline shows."""
        return self.url.split("://", 1)[0].lower()[:16] or "apprise"

    @property
    def label(self) -> str:
        """Scheme and host name only: URLs carry tokens and passwords, never shown whole
        (a "host" without a dot is most likely a token, as in ``slack://T0/B0/XX``)."""
        try:
            host = urlsplit(self.url).hostname or ""
        except ValueError:
            host = ""
        return f"{self.method}://{host}" if "." in host else f"{self.method}://…"


def env_name(audience_id: str) -> str:
    return "WARROOM_STATUS_" + audience_id.upper().replace("-", "_")


def urls_for(audience_id: str, audience: Audience, environ: Mapping[str, str]) -> list[str]:
    value = environ.get(env_name(audience_id))
    if value is None:
        return list(audience.destinations)
    return value.split()
