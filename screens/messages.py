"""What the App tells the screens: the change feed moved (``app.data_changed``, a
``textual.signal.Signal[Changes]`` screens subscribe to when they mount)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Changes:
    """The change feed moved: these incidents (None = not incident-specific) changed."""

    incident_ids: frozenset[int | None]
    mark: int

    def touches(self, incident_id: int) -> bool:
        return incident_id in self.incident_ids or None in self.incident_ids
