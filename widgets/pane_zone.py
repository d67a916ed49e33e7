"""Which zone a war-room pane shows its times in, said in the pane's border title.

Every pane of the war room shows its clock times in one zone (the console's, or UTC
after ctrl+g), and says which in its title: ``Roles · America/New_York``. A title too
wide for a narrow pane drops its details first, then names the zone by its city, and
never loses the zone to an ellipsis when a shorter form fits.
"""

from __future__ import annotations

from datetime import tzinfo

from textual.widget import Widget

from warroom.timeparse import zone_name


def zone_city(tz: tzinfo) -> str:
    """The last part of the zone's name, readable: ``New York``, ``UTC``."""
    return zone_name(tz).rsplit("/", 1)[-1].replace("_", " ")


def fitting(width: int, *titles: str) -> str:
    """The first title that fits a border of ``width`` cells (the last one when none
    does, or when the pane is not laid out yet: the first)."""
    room = width - 2  # the border's first and last cells
    if width <= 0:
        return titles[0]
    for title in titles:
        if len(title) <= room:
            return title
    return titles[-1]


def title_with_zone(widget: Widget, tz: tzinfo, *names: str) -> None:
    """Set ``widget``'s border title to the first of ``NAME · ZONE`` (for each of
    ``names``, longest first) that fits, then ``NAME · CITY`` with the shortest name."""
    zone = zone_name(tz)
    titles = [f"{name} · {zone}" for name in names] + [f"{names[-1]} · {zone_city(tz)}"]
    title = fitting(widget.size.width, *titles)
    if widget.border_title != title:
        widget.border_title = title
