"""Benchmark: the reports managers and auditors run, over a year of incidents.

Run with ``make bench`` (not collected by pytest). It builds a database with a year of
history ending at a fixed moment (run.py's ``T0``): N incidents (default 4,000) of
mixed severities with realistic milestones (some missing, the latest still open),
about 20 timeline entries each forming a valid hash chain, an IC and other roles,
severity changes, status updates, escalation firings with their deliveries (pages),
post-mortems and action items. It is written with plain SQL in one transaction after
warroom's Store has created the schema (a few seconds).

Then each report runs in a fresh process (as a CLI verb would; the memory figure is
its own), with a ManualClock at that fixed moment, and the script prints the wall
time and peak RSS of each:

- ``load_metrics`` for the last 30 days (budget: under 2 s) and the whole year
  (budget: under 10 s), with the demo roster (data/roster.yaml) for the on-call load;
- the compliance core, ``warroom.compliance.evaluate``, over every incident (budget:
  under 30 s);
- the audit export of every timeline to CSV, as ``warroom export --all --format csv
  -o FILE`` does it;
- the hash chain of every incident, as ``warroom verify`` does it (one streamed pass
  over all timelines).

Budgets are printed, never enforced. The figures are checked against what was built
(incidents in the window, per severity, MTTR, action items, pages, compliance
failures, exported records, chains): a wrong figure makes the exit status 1.

Usage: python tests/bench/reports.py [--incidents N] [--keep DIR]
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from run import AUTHORS, ROLES, T0, WORDS, _rss_mb, _sqlite_time, bench_parser

END = T0  # the fixed "now" of every report
DAYS = 365
SINCE = END - timedelta(days=DAYS)
PEOPLE = AUTHORS  # the people of the demo roster (data/roster.yaml)
MEMBERS = PEOPLE[:5]  # its weekly primary/secondary rotation
ROTATION_START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
FIXED_TARGETS = {
    "team_lead": ("carol",),
    "engineering_manager": ("frank",),
    "executive_oncall": ("frank",),
    "all_hands": PEOPLE,
}
SEVERITY_WEIGHTS = (5, 15, 40, 40)  # SEV1..SEV4
# Typical minutes: started->detected, detected->ack, ack->mitigated, mitigated->resolved.
PACE = {1: (4, 4, 25, 30), 2: (10, 12, 90, 120), 3: (45, 50, 400, 600), 4: (600, 900, 2000, 3000)}
IC_SHARE = {1: 0.97, 2: 0.95, 3: 0.6, 4: 0.25}
UPDATES_SHARE = {1: 1.0, 2: 1.0, 3: 0.3, 4: 0.05}
POSTMORTEM_SHARE = {1: 0.92, 2: 0.9, 3: 0.25, 4: 0.03}
SERVICES = (
    "checkout", "payments", "search", "login", "api gateway", "billing", "notifications",
    "cdn", "orders db", "job queue", "reports", "mobile api", "webhooks", "inventory", "email",
)  # fmt: skip
SYMPTOMS = (
    "errors rising", "latency high", "down", "timeouts", "degraded", "500s", "replica lag",
    "disk full", "certificate expired", "memory leak", "failed deploy", "stale cache",
)  # fmt: skip
_DETAIL_WORDS = (
    "frankfurt virginia mumbai canary rollout kafka redis postgres nginx envoy kubelet "
    "dns tls oauth stripe apns firmware cron backfill migration terraform helm quota "
    "throttling retries deadlock vacuum index shard rebalance partition consumer producer "
    "webhook signature token session cookie upload thumbnail export import ledger refund "
    "invoice coupon cart wishlist recommendation geoip captcha sso scim ldap saml"
)
DETAILS = tuple(_DETAIL_WORDS.split())  # what makes one incident's title differ from another's
BUDGETS = {"metrics_30d": 2.0, "metrics_year": 10.0, "compliance": 30.0}
LABELS = {
    "metrics_30d": "metrics, last 30 days",
    "metrics_year": "metrics, the whole year",
    "compliance": "compliance, every incident",
    "export_csv": "audit export, all to CSV",
    "verify": "verify, every chain",
}


class Event(NamedTuple):
    at: datetime
    kind: str
    text: str
    author: str
    role: str | None = None
    late_minutes: float = 0.0  # recorded this long after ``at`` (the scribe catching up)
    corrects: int | None = None  # position of the corrected entry in the incident's list


@dataclass
class Made:
    """What was built for one incident: the facts the reports' figures are checked on."""

    id: int
    severity: int  # the one it has now
    held: set[int]
    drill: bool
    declared: datetime
    detected: datetime | None
    resolved: datetime | None
    has_ic: bool
    entries: int = 0
    actions: int = 0
    unowned_action: bool = False
    pages: list[datetime] = field(default_factory=list)


def _minutes(rnd: random.Random, typical: float) -> timedelta:
    """A log-normal duration whose mean is ``typical`` minutes."""
    return timedelta(minutes=rnd.lognormvariate(math.log(typical) - 0.32, 0.8))


def _seen(at: datetime | None) -> datetime | None:
    """A milestone after the fixed end has not happened yet."""
    return at if at is not None and at <= END else None


def _value(v: Any) -> Any:
    if isinstance(v, datetime):
        return _sqlite_time(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, dict | list):
        return json.dumps(v)
    return v


class Year:
    """Rows of every table for a year of incidents, made from one seeded generator."""

    def __init__(self, incidents: int, seed: int = 11) -> None:
        from warroom.policy import load_policies
        from warroom.policy.loader import bundled_dir

        self.policies = load_policies(bundled_dir("policies"))
        self.rnd = random.Random(seed)
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.made: list[Made] = []
        self.ids = {"entry": 0, "firing": 0, "update": 0}
        for n in range(1, incidents + 1):
            self.incident(n)
        for _ in range(40):  # action items of no incident (a review's follow-ups)
            self.action(None, END - timedelta(days=self.rnd.uniform(1, DAYS)), None)

    def next_id(self, what: str) -> int:
        self.ids[what] += 1
        return self.ids[what]

    def words(self, low: int, high: int) -> str:
        return " ".join(self.rnd.choices(WORDS, k=self.rnd.randint(low, high)))

    def incident(self, n: int) -> None:
        rnd, pol = self.rnd, self.policies
        sev = rnd.choices((1, 2, 3, 4), weights=SEVERITY_WEIGHTS)[0]
        drill = rnd.random() < 0.02
        declared = SINCE + timedelta(seconds=rnd.randrange(DAYS * 86400 - 60))
        title = f"{rnd.choice(SERVICES)} {rnd.choice(SYMPTOMS)}"
        if rnd.random() < 0.85:  # most titles say more than the service and the symptom
            title += f": {' '.join(rnd.sample(DETAILS, 3))}"
        title = f"Drill: {title}" if drill else title.capitalize()
        detect, to_ack, to_mitigate, to_resolve = PACE[sev]
        lag = timedelta(minutes=rnd.uniform(0, 5 if sev <= 2 else 30))
        detected = None if rnd.random() < 0.03 else declared - lag
        base = detected or declared
        started = None if rnd.random() < 0.2 else base - _minutes(rnd, detect)
        ack: datetime | None = max(
            base + _minutes(rnd, to_ack), declared + timedelta(minutes=rnd.uniform(0.5, 3))
        )
        ack = None if rnd.random() < 0.06 else ack
        mitigated = None if rnd.random() < 0.15 else (ack or declared) + _minutes(rnd, to_mitigate)
        resolves = max(
            (mitigated or ack or declared) + _minutes(rnd, to_resolve),
            declared + timedelta(minutes=1),
        )
        closed = None if rnd.random() < 0.1 else resolves + timedelta(days=rnd.uniform(1, 14))
        ack, mitigated, resolved, closed = (_seen(t) for t in (ack, mitigated, resolves, closed))
        stop = resolved or END
        creator = rnd.choice(PEOPLE)
        events = [Event(declared, "declared", "", creator, "IC")]  # text set below

        # Severity: declared at one, sometimes changed once.
        history = [(declared, sev)]
        if rnd.random() < 0.12:
            at = declared + timedelta(minutes=rnd.uniform(5, 90))
            new = min(4, max(1, sev + rnd.choice((-1, 1))))
            if at < stop and new != sev:
                history.append((at, new))
                events.append(Event(at, "severity", f"Severity SEV{sev} -> SEV{new}", creator))
        final = history[-1][1]
        for i, (at, to) in enumerate(history):
            self.rows["severity_change"].append(
                {
                    "incident_id": n,
                    "at": at,
                    "from_severity": history[i - 1][1] if i else None,
                    "to_severity": to,
                    "by": creator,
                }
            )
        level = pol.level(sev)
        events[0] = events[0]._replace(text=f"Declared SEV{sev} ({level.name}): {title}")
        war_room = sev == 1 or (sev == 2 and rnd.random() < 0.5)
        channel = f"#inc-{declared:%Y-%m-%d}-{n}" if war_room else None
        if war_room:
            events.append(Event(declared, "decision", f"War room opened: {channel}", creator))

        # Roles: an IC (sometimes handed over), and the other roles for SEV1/SEV2.
        ic: str | None = None
        if rnd.random() < IC_SHARE[sev]:
            at = (
                declared if rnd.random() < 0.7 else declared + timedelta(minutes=rnd.uniform(1, 20))
            )
            if at <= stop:
                ic = rnd.choice(PEOPLE)
                handover = at + timedelta(minutes=rnd.uniform(30, 180))
                ended = handover if rnd.random() < 0.06 and handover < stop else None
                self.role(n, "ic", ic, at, ended, creator, events)
                if ended is not None:
                    ic = rnd.choice([p for p in PEOPLE if p != ic])
                    self.role(n, "ic", ic, ended, None, creator, events)
        lead = ic or creator
        if sev <= 2:
            for role in ("comms", "tech", "scribe"):
                at = declared + timedelta(minutes=rnd.uniform(2, 15))
                if rnd.random() < 0.8 and at <= stop:
                    self.role(n, role, rnd.choice(PEOPLE), at, None, lead, events)

        # Milestones as the scribe records them.
        if ack is not None:
            events.append(Event(ack, "ack", f"Acknowledged by {lead}", lead, "IC"))
        if started is not None:
            at = min(stop, declared + timedelta(minutes=rnd.uniform(1, 30)))
            events.append(Event(at, "milestone", f"Started at {started:%H:%M} UTC", lead, "IC"))
        for milestone, kind in (
            (mitigated, "mitigated"),
            (resolved, "resolved"),
            (closed, "closed"),
        ):
            if milestone is not None:
                text = f"{kind.capitalize()}: {self.words(3, 10)}"
                events.append(Event(milestone, kind, text, lead))

        made = Made(
            n, final, {s for _, s in history}, drill, declared, detected, resolved, bool(ic)
        )
        self.escalations(made, history, ack, lead, ic, events)
        self.updates(n, sev, declared, ack, mitigated, resolved, lead, events)
        self.follow_up(made, resolved, lead, events)
        if rnd.random() < 0.03:  # a manual page
            at = declared + timedelta(minutes=rnd.uniform(5, 40))
            if at <= stop:
                who = rnd.choice(PEOPLE)
                self.delivery(None, n, who, "phone", at)
                events.append(Event(at, "page", f"Paged {who} by phone", lead, "IC"))
                made.pages.append(at)

        # Notes fill the timeline up to about 20 entries, spread over the incident.
        span_end = min(END, resolved + timedelta(hours=2)) if resolved else END
        span = (span_end - declared).total_seconds()
        for _ in range(max(0, rnd.randint(14, 26) - len(events))):
            at = declared + timedelta(seconds=span * rnd.random() ** 1.5)
            late = rnd.uniform(1, 15) if rnd.random() < 0.15 else 0.0
            kind = "decision" if rnd.random() < 0.1 else "note"
            events.append(
                Event(at, kind, self.words(3, 30), rnd.choice(PEOPLE), rnd.choice(ROLES), late)
            )
        ordered = [events[0], *sorted(events[1:], key=lambda e: e.at)]
        if rnd.random() < 0.05 and len(ordered) > 2:  # a correction of an earlier entry
            pos = rnd.randrange(1, len(ordered))
            at = min(END, ordered[-1].at + timedelta(minutes=1))
            text = "Correction: " + self.words(3, 12)
            ordered.append(Event(at, "correction", text, lead, "SCRIBE", corrects=pos))
        made.entries = self.timeline(n, ordered)

        status = "closed" if closed else "resolved" if resolved else "open"
        status = "mitigated" if status == "open" and mitigated else status
        phase = {"closed": "follow_up", "resolved": "follow_up", "mitigated": "mitigate"}.get(
            status, "assess" if ack else "declare"
        )
        self.rows["incident"].append(
            {
                "id": n,
                "ref": f"INC-{n}",
                "title": title,
                "severity": final,
                "status": status,
                "phase": phase,
                "channel": channel,
                "bridge": None,
                "war_room": war_room,
                "drill": drill,
                "created_by": creator,
                "started_at": started,
                "detected_at": detected,
                "declared_at": declared,
                "acknowledged_at": ack,
                "mitigated_at": mitigated,
                "resolved_at": resolved,
                "closed_at": closed,
                "acknowledged_by": lead if ack else None,
            }
        )
        self.made.append(made)

    def role(
        self,
        n: int,
        role: str,
        person: str,
        at: datetime,
        ended: datetime | None,
        by: str,
        events: list[Event],
    ) -> None:
        self.rows["role_assignment"].append(
            {
                "incident_id": n,
                "role": role,
                "person": person,
                "at": at,
                "ended_at": ended,
                "by": by,
            }
        )
        events.append(Event(at, "assign", f"{role.upper()}: {person}", by, "IC"))

    def escalations(
        self,
        made: Made,
        history: list[tuple[datetime, int]],
        ack: datetime | None,
        lead: str,
        ic: str | None,
        events: list[Event],
    ) -> None:
        """The steps the engine would have fired, as it decides (see escalation/engine.py)."""
        fired: set[str] = set()
        for i, (start, sev) in enumerate(history):
            end = history[i + 1][0] if i + 1 < len(history) else None
            for step in self.policies.escalation_steps(sev):
                due = max(made.declared + timedelta(minutes=step.after_minutes), start)
                cancelled = (made.resolved is not None and made.resolved <= due) or (
                    step.condition == "no_ack" and ack is not None and ack <= due
                )
                at = due + timedelta(seconds=self.rnd.uniform(0.5, 20))
                if step.id in fired or cancelled or (end and due >= end) or at > END:
                    continue
                fired.add(step.id)
                people = self.recipients(step.targets, at, ic)
                firing = self.next_id("firing")
                detail = {
                    "step_id": step.id,
                    "severity": sev,
                    "condition": step.condition,
                    "after_minutes": step.after_minutes,
                    "action": step.action,
                    "urgency": step.urgency,
                    "recipients": [{"person": p} for p in people],
                }
                self.rows["escalation_firing"].append(
                    {
                        "id": firing,
                        "incident_id": made.id,
                        "step_key": step.id,
                        "due_at": due,
                        "fired_at": at,
                        "fired_by": "bench",
                        "detail": detail,
                    }
                )
                for person in people:
                    methods = ["push"] + ["phone"] * (self.rnd.random() < 0.5)
                    methods += ["sms"] * (self.rnd.random() < 0.3)
                    for k, method in enumerate(methods):
                        self.delivery(firing, made.id, person, method, at, offset=k * 2)
                    made.pages.append(at)
                text = f"Escalation {step.id}: {step.action}; paging {', '.join(people)}."
                events.append(Event(at, "page", text, "warroom"))

    def recipients(self, targets: Sequence[str], at: datetime, ic: str | None) -> list[str]:
        week = (at - ROTATION_START) // timedelta(days=7)
        out: list[str] = []
        for t in targets:
            if t == "primary_oncall":
                out.append(MEMBERS[week % 5])
            elif t == "secondary_oncall":
                out.append(MEMBERS[(week + 1) % 5])
            elif t == "incident_commander":
                out.append(ic or MEMBERS[week % 5])
            else:
                out.extend(FIXED_TARGETS[t])
        return list(dict.fromkeys(out))

    def delivery(
        self,
        firing: int | None,
        n: int,
        person: str,
        method: str,
        at: datetime,
        *,
        offset: float = 0,
        update: int | None = None,
    ) -> None:
        failed = self.rnd.random() < 0.03
        attempt = at + timedelta(minutes=offset)
        self.rows["delivery"].append(
            {
                "firing_id": firing,
                "incident_id": n,
                "person": person,
                "method": method,
                "status": "failed" if failed else "sent",
                "attempts": 3 if failed else 1,
                "last_error": "gateway timeout" if failed else None,
                "next_attempt_at": attempt,
                "sent_at": None if failed else attempt + timedelta(seconds=2),
                "created_at": at,
                "claimed_by": None,
                "status_update_id": update,
                "url": "mailtos://status@example.com" if update else None,
                "title": f"INC-{n} update" if update else None,
            }
        )

    def updates(
        self,
        n: int,
        sev: int,
        declared: datetime,
        ack: datetime | None,
        mitigated: datetime | None,
        resolved: datetime | None,
        lead: str,
        events: list[Event],
    ) -> None:
        """Status updates at about the severity's cadence; now and then one comes late."""
        rnd = self.rnd
        if rnd.random() >= UPDATES_SHARE[sev]:
            return
        every = self.policies.level(sev).update_every_minutes
        stop = resolved or END
        moments: list[datetime] = []
        t = declared + timedelta(minutes=rnd.uniform(5, every / 2))
        while t < stop and len(moments) < 12:
            moments.append(t)
            late = rnd.random() < 0.08
            t += timedelta(minutes=every * (rnd.uniform(1.1, 1.8) if late else rnd.uniform(0.5, 1)))
        if resolved is not None and resolved + timedelta(minutes=10) <= END:
            moments.append(resolved + timedelta(minutes=rnd.uniform(1, 10)))
        for at in moments:
            stage = (
                "resolved"
                if resolved and at >= resolved
                else "monitoring"
                if mitigated and at >= mitigated
                else "identified"
                if ack and at >= ack
                else "investigating"
            )
            audiences = ["internal"] + ["customers"] * (sev <= 2 and rnd.random() < 0.4)
            for audience in audiences:
                uid = self.next_id("update")
                text = f"{stage.capitalize()}: {self.words(8, 25)}"
                self.rows["status_update"].append(
                    {
                        "id": uid,
                        "incident_id": n,
                        "at": at,
                        "audience": audience,
                        "stage": stage,
                        "text": text,
                        "author": lead,
                    }
                )
                if audience == "customers":
                    self.delivery(None, n, audience, "mailtos", at, update=uid)
                events.append(Event(at, "status", f"Status to {audience}: {text}", lead, "COMMS"))

    def follow_up(
        self, made: Made, resolved: datetime | None, lead: str, events: list[Event]
    ) -> None:
        """A post-mortem (mostly for SEV1/SEV2) and its action items."""
        rnd, pm = self.rnd, self.policies.postmortem
        if resolved is None:
            return
        created = resolved + timedelta(hours=rnd.uniform(1, 24))
        has_pm = rnd.random() < POSTMORTEM_SHARE[made.severity] and created <= END
        if has_pm:
            hours = pm.deadline_hours.get(f"SEV{made.severity}") or 336
            final_at = _seen(resolved + timedelta(hours=hours * rnd.uniform(0.2, 1.1)))
            roll = rnd.random()
            status = "final" if roll < 0.8 and final_at else "in_review" if roll < 0.9 else "draft"
            final_at = final_at if status == "final" else None
            names = [str(s) for s in pm.required_sections]
            kept = names if status == "final" else names[: rnd.randint(1, len(names))]
            self.rows["postmortem"].append(
                {
                    "incident_id": made.id,
                    "status": status,
                    "author": lead,
                    "sections": {s: self.words(10, 40) for s in kept},
                    "created_at": created,
                    "updated_at": final_at or created,
                    "final_at": final_at,
                }
            )
            events.append(Event(created, "postmortem", "Post-mortem started", lead, "IC"))
            if final_at:
                events.append(Event(final_at, "postmortem", "Post-mortem is final", lead, "IC"))
        count = rnd.randint(1, 4) if has_pm else rnd.choice((0, 0, 1)) if made.severity <= 2 else 0
        for _ in range(count):
            at = created if has_pm else resolved + timedelta(hours=2)
            if at <= END:
                self.action(made, at, lead)
                events.append(Event(at, "action", "Action item added", lead, "IC"))

    def action(self, made: Made | None, created: datetime, by: str | None) -> None:
        rnd = self.rnd
        due = created.date() + timedelta(days=rnd.randint(7, 60))
        due_or_none = None if rnd.random() < 0.08 else due
        owner = None if rnd.random() < 0.04 else rnd.choice(PEOPLE)
        roll = rnd.random()
        completed: datetime | None = None
        if roll < 0.05:
            status = "wont_do"
        elif roll < (0.85 if due < END.date() else 0.3):
            status = "done"
            completed = _seen(created + timedelta(days=rnd.uniform(1, (due - created.date()).days)))
            status = "done" if completed else "in_progress"
        else:
            status = rnd.choice(("open", "in_progress"))
        self.rows["action_item"].append(
            {
                "incident_id": made.id if made else None,
                "title": f"{rnd.choice(('Add', 'Fix', 'Alert on', 'Document'))} "
                + self.words(3, 8),
                "kind": rnd.choice(("preventive", "detection", "process", "runbook")),
                "owner": owner,
                "priority": rnd.choice(("P1", "P2", "P2", "P3")),
                "due": due_or_none,
                "status": status,
                "reason": "superseded by a redesign" if status == "wont_do" else None,
                "created_by": by or "alice",
                "created_at": created,
                "completed_at": completed,
            }
        )
        if made is not None:
            made.actions += 1
            if status != "wont_do" and (owner is None or due_or_none is None):
                made.unowned_action = True

    def timeline(self, n: int, events: list[Event]) -> int:
        """The entries with their hash chain, computed as warroom/timeline.py does."""
        from warroom.incident.timeline import GENESIS, KEY_KINDS, entry_fields, entry_hash

        prev = GENESIS
        first = self.ids["entry"] + 1
        for seq, e in enumerate(events, start=1):
            eid = self.next_id("entry")
            recorded = max(e.at, min(END, e.at + timedelta(minutes=e.late_minutes)))
            key = e.kind in KEY_KINDS
            corrects = None if e.corrects is None else first + e.corrects
            fields = entry_fields(
                n, seq, e.at, recorded, e.author, e.role, e.kind, e.text, key, corrects
            )
            digest = entry_hash(fields, prev)
            self.rows["timeline_entry"].append(
                {
                    "id": eid,
                    "incident_id": n,
                    "seq": seq,
                    "at": e.at,
                    "recorded_at": recorded,
                    "author": e.author,
                    "role": e.role,
                    "kind": e.kind,
                    "text": e.text,
                    "key_event": key,
                    "corrects_id": corrects,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        return len(events)


async def _create_schema(db: Path) -> None:
    from warroom.clock import ManualClock
    from warroom.store import Store

    async with await Store.open(db, ManualClock(END)):
        pass  # the migrations have run


def build(db: Path, incidents: int) -> Year:
    """Write a year of history into ``db`` in one transaction (tables in foreign-key order)."""
    asyncio.run(_create_schema(db))
    year = Year(incidents)
    order = (
        "incident", "severity_change", "role_assignment", "timeline_entry", "status_update",
        "escalation_firing", "delivery", "postmortem", "action_item",
    )  # fmt: skip
    con = sqlite3.connect(db)
    with con:
        for table in order:
            rows = year.rows[table]
            cols = list(dict.fromkeys(c for r in rows[:1] for c in r))
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            con.executemany(sql, ([_value(r[c]) for c in cols] for r in rows))
    con.close()
    from warroom.audit.backfill import link_file  # the database chain, signed

    link_file(db)
    return year


# --- the figures a correct report must show ----------------------------------------------


def expected(year: Year) -> dict[str, dict[str, Any]]:
    real = [m for m in year.made if not m.drill]

    def metrics(days: int) -> dict[str, Any]:
        since = END - timedelta(days=days)
        inside = [m for m in real if since <= m.declared < END]
        mttr = [
            round((m.resolved - m.detected).total_seconds() / 60, 2)
            for m in inside
            if m.resolved and m.detected
        ]
        return {
            "count": len(inside),
            "by_severity": {f"SEV{s}": sum(m.severity == s for m in inside) for s in (1, 2, 3, 4)},
            "mttr_known": len(mttr),
            "mttr_mean": round(statistics.fmean(mttr), 2) if mttr else None,
            "action_items": sum(m.actions for m in inside),
            "pages": sum(since <= at < END for m in inside for at in m.pages),
        }

    total = sum(m.entries for m in year.made)
    return {
        "metrics_30d": metrics(30),
        "metrics_year": metrics(DAYS),
        "compliance": {
            "incidents": len(real),
            "timeline_intact_passed": len(real),
            "severity_set_failed": 0,
            "ic_assigned_failed": sum(bool(m.held & {1, 2}) and not m.has_ic for m in real),
            "action_items_owned_failed": sum(m.unowned_action for m in real),
            "every_check_judges_every_incident": True,
        },
        "export_csv": {"records": total, "incidents": len(year.made), "chains_ok": True},
        "verify": {"incidents": len(year.made), "entries": total, "all_ok": True},
    }


def wrong_figures(want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    out = []
    for key, value in want.items():
        have = got.get(key)
        close = (
            isinstance(value, float)
            and isinstance(have, float)
            and math.isclose(value, have, abs_tol=0.02)
        )
        if have != value and not close:
            out.append(f"{key}: expected {value!r}, got {have!r}")
    return out


# --- measuring, in a fresh process per report ----------------------------------------------


class Stopwatch:
    """Wall seconds of the block, and the process's peak RSS at its end."""

    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
        self.peak_mb = _rss_mb()


async def _metrics(days: int, env: dict[str, Any], watch: Stopwatch) -> dict[str, Any]:
    from warroom.metrics import load_metrics, window

    span = window(END, days=days)
    with watch:
        r = await load_metrics(env["store"], env["policies"], span, tz=UTC, roster=env["roster"])
    mttr = r.overall.figures["mttr"]
    return {
        "count": r.count,
        "by_severity": {sev: f.count for sev, f in r.by_severity.items()},
        "mttr_known": mttr.known,
        "mttr_mean": mttr.mean,
        "action_items": r.actions.stats.total,
        "pages": r.load.pages,
        "repeats": len(r.recurrence.pairs),
    }


async def _compliance(env: dict[str, Any], watch: Stopwatch) -> dict[str, Any]:
    from warroom.compliance import evaluate

    with watch:
        report = await evaluate(env["store"], env["policies"], tz=UTC)
    n = len(report.incidents)
    checks = {c.id: c for c in report.checks}
    return {
        "incidents": n,
        "timeline_intact_passed": len(checks["timeline-intact"].passed),
        "severity_set_failed": len(checks["severity-set"].failed),
        "ic_assigned_failed": len(checks["ic-assigned"].failed),
        "action_items_owned_failed": len(checks["action-items-owned"].failed),
        "every_check_judges_every_incident": all(
            len(c.passed) + len(c.failed) + len(c.not_applicable) == n for c in report.checks
        ),
        "failed": {c.id: len(c.failed) for c in report.checks},
    }


async def _export_csv(env: dict[str, Any], watch: Stopwatch) -> dict[str, Any]:
    from warroom.audit.export import export_chunks, read_csv, verify_records
    from warroom.files import write_text_atomic

    out = env["folder"] / "audit.csv"
    with watch:  # what `warroom export --all --format csv -o FILE` does
        parts = [chunk async for chunk in export_chunks(env["store"], None, "csv")]
        write_text_atomic(out, "".join(parts), "the export")
    del parts
    records = read_csv(out.read_text(encoding="utf-8"))  # as an auditor would, untimed
    chains = verify_records(records)
    return {
        "records": len(records),
        "incidents": len(chains),
        "chains_ok": all(c.ok for c in chains),
        "megabytes": round(out.stat().st_size / 1e6, 1),
    }


async def _verify(env: dict[str, Any], watch: Stopwatch) -> dict[str, Any]:
    from warroom.audit.verify import verify_database

    with watch:  # what `warroom verify` does (warroom/cli/verify_cmd.py)
        async with env["store"].read() as s:
            audit = await verify_database(s)
    return {
        "incidents": len(audit.incidents),
        "entries": sum(i.entries for i in audit.incidents),
        "all_ok": audit.ok,
    }


Report = Callable[[dict[str, Any], Stopwatch], Awaitable[dict[str, Any]]]
REPORTS: dict[str, Report] = {
    "metrics_30d": lambda env, w: _metrics(30, env, w),
    "metrics_year": lambda env, w: _metrics(DAYS, env, w),
    "compliance": _compliance,
    "export_csv": _export_csv,
    "verify": _verify,
}


async def measure(which: str, db: Path) -> dict[str, Any]:
    """Run in a fresh process: one report against ``db`` at the fixed end moment."""
    from warroom.clock import ManualClock
    from warroom.policy import load_policies
    from warroom.policy.loader import bundled_dir
    from warroom.policy.roster import load_roster
    from warroom.store import Store

    policies = load_policies(bundled_dir("policies"))
    roster = load_roster(bundled_dir("data"))
    async with await Store.open(db, ManualClock(END)) as store:
        env = {"store": store, "policies": policies, "roster": roster, "folder": db.parent}
        before = _rss_mb()
        watch = Stopwatch()
        figures = await REPORTS[which](env, watch)
    return {
        "seconds": watch.seconds,
        "peak_rss_mb": watch.peak_mb,
        "rss_before_mb": before,
        "figures": figures,
    }


def main() -> int:
    parser = bench_parser(__doc__, "incidents", 4_000, ("REPORT", "DB"))
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.measure[0], Path(args.measure[1])))))
        return 0
    if args.incidents < 1:
        parser.error("--incidents must be at least 1")
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "reports.db"
        os.environ.setdefault("WARROOM_AUDIT_DIR", str(folder / "audit"))  # its own key
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        t = time.perf_counter()
        year = build(db, args.incidents)
        want = expected(year)
        rows = {table: len(r) for table, r in year.rows.items()}
        print(
            f"built {args.incidents:,} incidents over {DAYS} days to {END:%Y-%m-%d %H:%MZ} in "
            f"{time.perf_counter() - t:.1f} s ({db}):\n  "
            + ", ".join(f"{n:,} {table}" for table, n in rows.items() if table != "incident")
        )
        for which in REPORTS:
            out = subprocess.run(
                [sys.executable, __file__, "--measure", which, str(db)],
                check=True,
                capture_output=True,
                text=True,
            )
            results[which] = json.loads(out.stdout.strip().splitlines()[-1])
    problems: list[str] = []
    print(f"\n{'report':<28}{'wall s':>9}{'peak RSS':>11}{'budget':>9}")
    for which, r in results.items():
        budget = BUDGETS.get(which)
        verdict = ""
        if budget is not None:
            verdict = f"{budget:>7.0f} s " + ("ok" if r["seconds"] < budget else "OVER BUDGET")
        print(
            f"{LABELS[which]:<28}{r['seconds']:>9.2f}{r['peak_rss_mb']:>8.0f} MB {verdict}".rstrip()
        )
        problems += [f"{LABELS[which]}: {p}" for p in wrong_figures(want[which], r["figures"])]
    base = min(r["rss_before_mb"] for r in results.values())
    m30, m365 = results["metrics_30d"]["figures"], results["metrics_year"]["figures"]
    comp, exp = results["compliance"]["figures"], results["export_csv"]["figures"]
    print(
        f"(peak RSS is the whole process; about {base:.0f} MB before each report ran)\n"
        f"figures: 30 days {m30['count']:,} incidents, {m30['pages']:,} pages, "
        f"{m30['repeats']:,} repeats; the year {m365['count']:,} incidents, "
        f"{m365['pages']:,} pages; compliance failures "
        + ", ".join(f"{k} {v}" for k, v in comp["failed"].items() if v)
        + f"; export {exp['records']:,} records, {exp['megabytes']} MB"
    )
    if problems:
        print("WRONG FIGURES:\n  " + "\n  ".join(problems))
        return 1
    print("every figure matches what was built")
    return 0


if __name__ == "__main__":
    sys.exit(main())
