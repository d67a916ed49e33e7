"""Messages the App sends down to screens."""

from __future__ import annotations

from textual.message import Message


class DataChanged(Message):
    """The change feed moved: these incidents (None = not incident-specific) changed."""

    def __init__(self, incident_ids: frozenset[int | None], mark: int) -> None:
        super().__init__()
        self.incident_ids = incident_ids
        self.mark = mark

    def touches(self, incident_id: int) -> bool:
        return incident_id in self.incident_ids or None in self.incident_ids
