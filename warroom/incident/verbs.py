"""The registry of named verbs: what the scribe line, the CLI, the demo and the drills
may do to an incident, each verb written once.

A :class:`Verb` is one entry: its name and aliases, how its argument is written and
what it does (for the scribe's help and completion), whether it may be backdated,
which fields a demo or drill event gives it, and the function that calls the command
layer and says what happened (an :class:`Outcome`). :func:`perform` is the one
dispatcher::

    outcome = await perform(commands, "INC-3", Command("ack"))
    outcome.message   # "INC-3 acknowledged."   (outcome.result: the Incident)

Adding a verb is one entry in :data:`VERBS` plus its command in :mod:`.commands`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlmodel import col

from warroom.errors import BadInput
from warroom.incident.actions import item_ref
from warroom.incident.refs import parse_ref
from warroom.incident.roles import ROLE_NAMES, role_id
from warroom.models import ChecklistItem
from warroom.text import printable

if TYPE_CHECKING:
    from warroom.incident.commands import Commands

# How a verb's argument is written on the scribe line (the scribe parses it so):
#   none: nothing; text: free text kept exactly; word: one word (a phase id);
#   severity: 1-4 or SEV1-SEV4; role_person: ROLE NAME.
Takes = Literal["none", "text", "word", "severity", "role_person"]


@dataclass(frozen=True)
class Note:
    """A timeline entry: ``role`` is a role id (ic, comms, tech, scribe) or None."""

    text: str
    role: str | None = None
    at: datetime | None = None
    kind: str = "note"


@dataclass(frozen=True)
class Command:
    """One use of a verb. ``argument`` is what follows the verb (exactly as typed);
    for ``assign`` the role is in ``role`` and the person in ``argument``; the other
    fields are given apart by demo and drill events (the scribe writes them into the
    argument: ``/status customers investigating TEXT``)."""

    name: str
    argument: str = ""
    role: str | None = None
    at: datetime | None = None
    kind: str | None = None
    audience: str | None = None
    stage: str | None = None
    owner: str | None = None
    priority: str | None = None
    due_days: int | None = None
    take: bool = False  # assign: the actor takes command (IC) from the current IC
    refuse_open: bool = False  # resolved: refused while checklist lines are open (CLI)


@dataclass(frozen=True)
class Outcome:
    """What a verb did: the message for the user and what the command returned."""

    message: str
    result: Any = None


Environ = Mapping[str, str] | None  # where status updates find their destinations
Run = Callable[["Commands", str, Command, Environ], Awaitable[Outcome]]


@dataclass(frozen=True)
class Verb:
    name: str
    run: Run
    help: str
    usage: str = ""
    takes: Takes = "none"
    aliases: tuple[str, ...] = ()
    backdate: bool = True  # may be given an earlier time (@14:02, --at)
    noun: str = ""  # for the refusal when it may not: "an action item"
    scribe: bool = True  # a /command of the scribe line
    note_kind: str | None = None  # the scribe records it as an entry of this kind
    # Demo and drill events: the field that is the argument, and the others it takes.
    arg_field: str | None = None
    fields: tuple[str, ...] = ()
    required: tuple[str, ...] = ()

    def refuse_backdate(self) -> BadInput:
        return BadInput(
            f"{self.noun or '/' + self.name} cannot be backdated; "
            f"type /{self.name} {self.usage}.".replace(" .", ".")
        )


# --- what each verb does -------------------------------------------------------------


def _note(kind: str | None) -> Run:
    async def run(c: Commands, ref: str, call: Command, _env: Environ) -> Outcome:
        entry = await c.log(
            ref, call.argument, role=call.role, kind=kind or call.kind or "note", at=call.at
        )
        when = entry.at.astimezone(c.tz)
        late = " (backdated)" if call.at else ""
        return Outcome(f"Saved #{entry.seq} at {when:%H:%M:%S}{late}", entry)

    return run


async def _phase_before(c: Commands, ref: str) -> str:
    from warroom.incident.queries import get_incident

    return (await get_incident(c.store, ref)).phase


def _lifecycle(method: str, done: str) -> Run:
    """A move of the incident's life; the message names what the phases it left
    behind still had open (``warroom.incident.checklist``)."""

    async def run(c: Commands, ref: str, call: Command, _env: Environ) -> Outcome:
        from warroom.incident.checklist import said_left_open

        before = await _phase_before(c, ref)
        options = {"refuse_open": True} if method == "resolve" and call.refuse_open else {}
        inc = await getattr(c, method)(ref, at=call.at, **options)
        left = await said_left_open(c.store, c.policies, inc, before)
        return Outcome(f"{inc.ref or ref} {done}.{left}", inc)

    return run


async def _severity(c: Commands, ref: str, call: Command, _env: Environ) -> Outcome:
    inc = await c.set_severity(ref, call.argument, at=call.at)
    return Outcome(f"{inc.ref or ref} is now SEV{inc.severity}.", inc)


async def _assign(c: Commands, ref: str, call: Command, _env: Environ) -> Outcome:
    role = role_id(call.role or "ic")
    shown = c.now().astimezone(c.tz)
    inc = await c.assign(ref, role, call.argument, at=call.at, take=call.take)
    message = f"{ROLE_NAMES[role]}: {printable(call.argument.strip())} (recorded {shown:%H:%M:%S})."
    return Outcome(message, inc)


async def _take(c: Commands, ref: str, call: Command, _env: Environ) -> Outcome:
    shown = c.now().astimezone(c.tz)
    inc = await c.take_command(ref, at=call.at)
    who = printable(c.actor)
    return Outcome(f"{who} is now the IC of {inc.ref or ref} (recorded {shown:%H:%M:%S}).", inc)


async def _phase(c: Commands, ref: str, call: Command, _env: Environ) -> Outcome:
    from warroom.incident.checklist import said_left_open

    before = await _phase_before(c, ref)
    inc = await c.set_phase(ref, call.argument, at=call.at)
    left = await said_left_open(c.store, c.policies, inc, before)
    return Outcome(f"Phase changed to {printable(call.argument.strip())}.{left}", inc)


async def _status(c: Commands, ref: str, call: Command, env: Environ) -> Outcome:
    from warroom.comms.updates import split_console_argument, summary  # the outbox: on use

    if call.audience is None and call.stage is None:
        audience, stage, text = split_console_argument(c.policies, call.argument)
    else:
        audience, stage = call.audience or "internal", call.stage
        text = call.argument if call.argument.strip() else None
    posted = await c.post_update(
        ref, audience=audience, stage=stage, text=text, at=call.at, environ=env
    )
    return Outcome(printable(summary(posted)), posted)


async def _action(c: Commands, ref: str, call: Command, _env: Environ) -> Outcome:
    """``/action TEXT @owner +7d P1 kind:detection`` (the tokens after the text, read by
    ``action_parse.split_action_text``), or the fields a demo or drill event gives."""
    from warroom.incident.action_parse import split_action_text
    from warroom.incident.actions import describe

    today = c.now().astimezone(c.tz).date()
    due: str | date | None = (
        today + timedelta(days=call.due_days) if call.due_days is not None else None
    )
    title, owner, kind, priority = call.argument, call.owner, call.kind, call.priority
    if owner is None and due is None and kind is None and priority is None:
        line = split_action_text(call.argument)
        title, owner, due, kind, priority = (
            line.title,
            line.owner,
            line.due,
            line.kind,
            line.priority,
        )
    item = await c.add_action(
        ref,
        title,
        kind=kind or "preventive",
        owner=owner,
        priority=priority or "P2",
        due=due,
    )
    return Outcome(f"Action item {item_ref(item.id)} added: {describe(item)}.", item)


def _checklist(done: bool) -> Run:
    """Tick (``done``) or untick the checklist item whose text starts with the argument
    (case aside; an exact text first). The person means that state: when it already
    is, nothing changes and the answer says who made it so."""

    async def run(c: Commands, ref: str, call: Command, _env: Environ) -> Outcome:
        from warroom.incident.lifecycle import ChecklistChanged  # commands imports this

        start = call.argument.strip()
        async with c.store.read() as s:
            q = select(ChecklistItem).where(col(ChecklistItem.incident_id) == parse_ref(ref))
            items = list((await s.execute(q.order_by(col(ChecklistItem.id)))).scalars())
        key = start.casefold()
        item = next((i for i in items if key and i.text.casefold() == key), None) or next(
            (i for i in items if key and i.text.casefold().startswith(key)), None
        )
        if item is None or item.id is None:
            raise BadInput(f"no checklist item of {ref} starts with {printable(start)[:60]!r}.")
        try:
            item = await c.toggle_checklist(ref, item.id, seen=not done, at=call.at)
        except ChecklistChanged as changed:
            said = printable(changed.message)
            return Outcome(said[0].upper() + said[1:], changed.item)
        return Outcome(f"{'Done' if done else 'Undone'}: {printable(item.text)}", item)

    return run


async def _correct(c: Commands, ref: str, call: Command, _env: Environ) -> Outcome:
    seq, _, text = call.argument.strip().partition(" ")
    if not text.strip():
        raise BadInput("say which entry and what it should say: /correct 12 TEXT.")
    entry = await c.correct(ref, seq, text.lstrip(" \t"), role=call.role)
    return Outcome(f"Corrected #{seq.lstrip('#')} (correction #{entry.seq}).", entry)


def _pin(pinned: bool) -> Run:
    async def run(c: Commands, ref: str, call: Command, _env: Environ) -> Outcome:
        entry = await c.pin(ref, call.argument, pinned=pinned)
        target = call.argument.strip().lstrip("#")
        what = "Pinned" if pinned else "Unpinned"
        return Outcome(f"{what} #{target} (entry #{entry.seq}).", entry)

    return run


async def _milestone(c: Commands, ref: str, call: Command, _env: Environ) -> Outcome:
    if call.at is None:
        raise BadInput(f"say when the incident {call.argument.strip() or 'started'} (a time).")
    inc = await c.set_milestone(ref, call.argument, call.at)
    name = call.argument.strip().lower()
    return Outcome(f"{inc.ref or ref} {name} at {c.show(call.at)}.", inc)


# --- the registry --------------------------------------------------------------------

_TEXT_ENTRY = ("text", "role", "when_min")

VERBS: dict[str, Verb] = {
    v.name: v
    for v in (
        Verb("ack", _lifecycle("ack", "acknowledged"), "acknowledge the incident",
             aliases=("acknowledge",)),
        Verb("sev", _severity, "change the severity (1 is the worst)",
             usage="N", takes="severity", aliases=("severity",),
             arg_field="to", fields=("to", "when_min"), required=("to",)),
        Verb("assign", _assign, "give a role (ic, comms, tech, scribe) to someone",
             usage="ROLE NAME", takes="role_person",
             arg_field="person", fields=("role", "person", "when_min"),
             required=("role", "person")),
        Verb("take", _take, "take command: become the IC (recorded as a takeover)",
             aliases=("take_command",), fields=("when_min",)),
        Verb("mitigated", _lifecycle("mitigate", "marked mitigated"),
             "customer impact has stopped", aliases=("mitigate",)),
        Verb("resolved", _lifecycle("resolve", "resolved"), "resolve the incident",
             aliases=("resolve",)),
        Verb("close", _lifecycle("close", "closed"),
             "close the incident once it is resolved", aliases=("closed",)),
        Verb("action", _action, "record a follow-up action item (@owner +7d P1 at the end)",
             usage="TEXT [@OWNER] [+7d] [P1]", takes="text", backdate=False, noun="an action item",
             arg_field="text", fields=("text", "kind", "owner", "priority", "due_days"),
             required=("text",)),
        Verb("status", _status, "status update (internal by default; no TEXT: template)",
             usage="[AUDIENCE STAGE] TEXT", takes="text",
             arg_field="text", fields=("text", "audience", "stage", "when_min")),
        Verb("phase", _phase, "move to a workflow phase", usage="ID", takes="word",
             arg_field="to", fields=("to", "when_min"), required=("to",)),
        Verb("decision", _note("decision"), "record a decision",
             usage="TEXT", takes="text", aliases=("decide",), note_kind="decision",
             arg_field="text", fields=_TEXT_ENTRY, required=("text",)),
        Verb("note", _note(None), "add an entry to the timeline",
             usage="TEXT", takes="text", aliases=("log",), scribe=False,
             arg_field="text", fields=(*_TEXT_ENTRY, "kind"), required=("text",)),
        Verb("check", _checklist(True), "tick the checklist item that starts with TEXT",
             usage="TEXT", takes="text", aliases=("checklist", "tick"),
             arg_field="item", fields=("item",), required=("item",)),
        Verb("uncheck", _checklist(False), "untick the checklist item that starts with TEXT",
             usage="TEXT", takes="text", aliases=("untick",),
             arg_field="item", fields=("item",), required=("item",)),
        Verb("correct", _correct, "correct entry #SEQ: what it should have said",
             usage="SEQ TEXT", takes="text", backdate=False, noun="a correction",
             arg_field="text", fields=("text", "role"), required=("text",)),
        Verb("pin", _pin(True), "pin entry #SEQ as a key event for the post-mortem",
             usage="SEQ", takes="word", backdate=False, noun="a pin",
             arg_field="text", fields=("text",), required=("text",)),
        Verb("unpin", _pin(False), "unpin entry #SEQ (no longer a key event)",
             usage="SEQ", takes="word", backdate=False, noun="an unpin",
             arg_field="text", fields=("text",), required=("text",)),
        Verb("milestone", _milestone, "when the problem started or was detected",
             usage="started|detected", takes="word", scribe=False,
             arg_field="text", fields=("text", "when_min"), required=("text", "when_min")),
    )
}  # fmt: skip
ALIASES: dict[str, str] = {a: v.name for v in VERBS.values() for a in v.aliases}


def lookup(name: str) -> Verb | None:
    """The verb called ``name`` (or one of its aliases), case-insensitive."""
    key = name.strip().lower()
    return VERBS.get(ALIASES.get(key, key))


def verb(name: str) -> Verb:
    found = lookup(name)
    if found is None:
        known = ", ".join(VERBS)
        raise BadInput(f"unknown verb {printable(name)[:40]!r}; the verbs are {known}.")
    return found


async def perform(
    commands: Commands,
    ref: str,
    call: Note | Command,
    *,
    environ: Mapping[str, str] | None = None,
) -> Outcome:
    """Run one verb on incident ``ref`` through the command layer, as ``commands``'s
    actor. ``environ``: where status updates find their destinations (default: the
    process environment; scripted runs pass ``{}`` so they never reach real people)."""
    if isinstance(call, Note):
        call = Command("note", call.text, role=call.role, at=call.at, kind=call.kind)
    v = verb(call.name)
    if call.at is not None and not v.backdate:
        raise v.refuse_backdate()
    return await v.run(commands, ref, call, environ)
