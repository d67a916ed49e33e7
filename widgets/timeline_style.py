"""The timeline's keys and looks (``widgets.timeline_view.TimelineView``).

Every key here acts only while the timeline has focus (never while a text field does).
Colours are Textual's text colours, which keep their contrast in the dark and light
themes; every state also reads in words or in reverse video, so it shows under NO_COLOR:
the highlighted row is reversed, a pin says ``[pin]``, a fold says ``… N more lines``.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

COMPONENT_CLASSES = {
    "timeline--time",
    "timeline--role",
    "timeline--author",
    "timeline--note",
    "timeline--milestone",
    "timeline--severity",
    "timeline--decision",
    "timeline--status",
    "timeline--page",
    "timeline--system",
    "timeline--new",
    "timeline--pending",
    "timeline--failed",
    "timeline--pin",
    "timeline--mark",
    "timeline--fold",
    "timeline--cursor",
}

TIMELINE_CSS = """
TimelineView {
    scrollbar-gutter: stable;
    & > .timeline--time { color: $text-muted; }
    & > .timeline--role { color: $secondary; text-style: bold; }
    & > .timeline--author { color: $text-primary; }
    & > .timeline--note { }
    & > .timeline--milestone { color: $text-success; text-style: bold; }
    & > .timeline--severity { color: $text-warning; text-style: bold; }
    & > .timeline--decision { color: $text-accent; text-style: bold; }
    & > .timeline--status { color: $text-primary; text-style: bold; }
    & > .timeline--page { color: $text-error; text-style: bold; }
    & > .timeline--system { color: $text-muted; }
    & > .timeline--new { background: $warning; color: $text; text-style: bold; }
    & > .timeline--pending { color: $text-muted; text-style: italic; }
    & > .timeline--failed { color: $text-error; text-style: bold; }
    & > .timeline--pin { color: $text-warning; text-style: bold; }
    & > .timeline--mark { color: $text-muted; text-style: italic; }
    & > .timeline--fold { color: $text-muted; text-style: italic; }
    & > .timeline--cursor { text-style: reverse; }
}
"""

BINDINGS: list[BindingType] = [
    Binding("end", "scroll_end", "Newest", id="timeline.newest"),
    Binding("home", "scroll_home", "Oldest", id="timeline.oldest", show=False),
    Binding("enter", "select", "Select", id="timeline.select", tooltip="Work on one entry"),
    Binding("up", "cursor(-1)", "Up", id="timeline.up", show=False),
    Binding("down", "cursor(1)", "Down", id="timeline.down", show=False),
    Binding("c", "correct", "Correct", id="timeline.correct", tooltip="/correct this entry"),
    Binding("p", "pin", "Pin/unpin", id="timeline.pin", tooltip="A key event for the post-mortem"),
    Binding("y", "copy", "Copy", id="timeline.copy", tooltip="Copy the entry's text"),
    Binding("f", "fold", "Fold", id="timeline.fold", tooltip="Fold or unfold a long entry"),
    Binding("escape", "leave", "Done", id="timeline.leave", tooltip="Leave cursor mode or filter"),
    Binding("slash", "filter", "Filter", id="timeline.filter", key_display="/"),
    Binding(
        "o",
        "toggle_order",
        "Order",
        id="timeline.order",
        tooltip="Event-time order or recorded order",
    ),
]
