"""Text typed and not saved, kept by the App while its screen is closed: the scribe
line of a war room and the edited sections of a post-mortem (lost if the console
quits, which is why quitting asks first)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Drafts:
    scribe: dict[int, str] = field(default_factory=dict)  # incident id -> unsaved line
    postmortem: dict[int, dict[str, str]] = field(default_factory=dict)  # id -> section -> text

    def described(self) -> list[str]:
        """What quitting now would lose, in words."""
        lines = [f"an unsaved line for INC-{i}" for i, text in self.scribe.items() if text]
        lines += [
            f"unsaved post-mortem sections of INC-{i}" for i, d in self.postmortem.items() if d
        ]
        return lines
