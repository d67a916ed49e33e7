"""`warroom oncall --ics`: RFC 5545 with VTIMEZONE, read back by a small parser of our own
(independent of the icalendar library that wrote it), local handoff times kept."""

from __future__ import annotations

import itertools
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import Warroom

# --- a minimal RFC 5545 reader ------------------------------------------------------------


def unfold(text: str) -> list[str]:
    assert "\r\n" in text, "RFC 5545 lines end with CRLF"
    lines: list[str] = []
    for raw in text.split("\r\n"):
        if raw.startswith((" ", "\t")):
            lines[-1] += raw[1:]
        elif raw:
            lines.append(raw)
    return lines


def components(lines: list[str]) -> list[tuple[str, dict[str, tuple[dict[str, str], str]], list]]:
    """A tree of (name, {property: (params, value)}, children); repeated properties: last."""
    stack: list[tuple[str, dict, list]] = [("ROOT", {}, [])]
    for line in lines:
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        if name == "BEGIN":
            stack.append((value, {}, []))
        elif name == "END":
            done = stack.pop()
            assert done[0] == value
            stack[-1][2].append(done)
        else:
            stack[-1][1][name] = (dict(p.split("=", 1) for p in params), value)
    assert len(stack) == 1
    return stack[0][2]


def offset(text: str) -> timedelta:
    sign = -1 if text[0] == "-" else 1
    return sign * timedelta(hours=int(text[1:3]), minutes=int(text[3:5]))


def local_dt(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%S")


def zone_reader(vtz: tuple) -> list[tuple[datetime, timedelta]]:
    """(local onset, UTC offset from then) of every observance, sorted."""
    onsets = []
    for _kind, props, _ in vtz[2]:
        to = offset(props["TZOFFSETTO"][1])
        dates = [props["DTSTART"][1]]
        if "RDATE" in props:
            dates += props["RDATE"][1].split(",")
        assert "RRULE" not in props  # not needed by this reader for bounded zones
        onsets += [(local_dt(d), to) for d in dates]
    return sorted(onsets)


def to_utc(local: datetime, onsets: list[tuple[datetime, timedelta]]) -> datetime:
    current = [off for at, off in onsets if at <= local]
    assert current, f"{local} is before the VTIMEZONE covers"
    return (local - current[-1]).replace(tzinfo=UTC)


def read_calendar(path: Path) -> tuple[dict, list[dict]]:
    (cal,) = components(unfold(path.read_bytes().decode("utf-8")))
    assert cal[0] == "VCALENDAR"
    assert cal[1]["VERSION"][1] == "2.0" and "PRODID" in cal[1]
    zones = {c[1]["TZID"][1]: zone_reader(c) for c in cal[2] if c[0] == "VTIMEZONE"}
    events = []
    for name, props, _ in cal[2]:
        if name != "VEVENT":
            continue
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert required in props, required
        assert props["DTSTAMP"][1].endswith("Z")
        tzid = props["DTSTART"][0]["TZID"]
        assert props["DTEND"][0]["TZID"] == tzid
        start_local = local_dt(props["DTSTART"][1])
        end_local = local_dt(props["DTEND"][1])
        events.append(
            {
                "uid": props["UID"][1],
                "summary": props["SUMMARY"][1],
                "tzid": tzid,
                "start_local": start_local,
                "end_local": end_local,
                "start": to_utc(start_local, zones[tzid]),
                "end": to_utc(end_local, zones[tzid]),
            }
        )
    return zones, events


# --- tests ---------------------------------------------------------------------------------


def _zone_roster(pol_dir: Path, zone: str) -> None:
    path = pol_dir / "roster.yaml"
    data = yaml.safe_load(path.read_text())
    for r in data["rotations"]:
        r["zone"] = zone
    path.write_text(yaml.safe_dump(data))


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Sydney"])
def test_calendar_reads_back_with_local_handoffs_across_dst(
    tmp_path: Path, db_path: Path, pol_dir: Path, zone: str
) -> None:
    _zone_roster(pol_dir, zone)
    wr = Warroom(db_path, actor="frank", tz="UTC", policies=pol_dir)
    out = tmp_path / "oncall.ics"
    r = wr("oncall", "--ics", str(out), "--weeks", "52", "--at", "2026-01-07T12:00Z")
    assert r.exit_code == 0, r.output
    zones, events = read_calendar(out)
    assert set(zones) == {zone}
    for kind in ("primary", "secondary"):
        mine = sorted((e for e in events if f"({kind})" in e["summary"]), key=lambda e: e["start"])
        assert len(mine) >= 52
        for e in mine:  # every handoff at 10:00 local, on a Monday
            assert e["start_local"].strftime("%a %H:%M") == "Mon 10:00"
            assert e["end_local"].strftime("%a %H:%M") == "Mon 10:00"
        for a, b in itertools.pairwise(mine):
            assert a["end"] == b["start"]  # no gaps, no overlaps
        lengths = {(e["end"] - e["start"]) / timedelta(hours=1) for e in mine}
        assert lengths == {167, 168, 169}  # two daylight-saving weeks a year
    # Our reading of the VTIMEZONE agrees with the real rules at each handoff.
    oncall = wr.json("oncall", "--at", "2026-07-01T12:00Z")
    july = next(e for e in events if e["start"] <= datetime(2026, 7, 1, 12, tzinfo=UTC) < e["end"])
    assert july["start"].isoformat().replace("+00:00", "Z") == oncall["rotations"][0]["since"]


def test_calendar_shows_overrides_and_replaces_the_file_atomically(
    tmp_path: Path, db_path: Path, pol_dir: Path
) -> None:
    wr = Warroom(db_path, actor="frank", tz="Europe/London", policies=pol_dir)
    assert wr("oncall", "override", "frank", "--shift", "2026-03-18").exit_code == 0
    out = tmp_path / "cal" / "oncall.ics"
    out.parent.mkdir()
    out.write_text("old calendar")
    r = wr("oncall", "--ics", str(out), "--weeks", "4", "--at", "2026-03-04T12:00")
    assert r.exit_code == 0, r.output
    _, events = read_calendar(out)
    frank = [e for e in events if "frank" in e["summary"]]
    assert [(e["start_local"], e["end_local"]) for e in frank] == [
        (datetime(2026, 3, 16, 10), datetime(2026, 3, 23, 10))
    ]
    assert os.listdir(out.parent) == ["oncall.ics"]  # no temporary file left behind
    uids = [e["uid"] for e in events]
    assert len(uids) == len(set(uids))


def test_unwritable_calendar_path_is_bad_input(
    tmp_path: Path, db_path: Path, pol_dir: Path
) -> None:
    wr = Warroom(db_path, actor="frank", tz="UTC", policies=pol_dir)
    for target in (tmp_path / "missing" / "x.ics", tmp_path, Path("/proc/warroom-oncall.ics")):
        r = wr("oncall", "--ics", str(target))
        assert r.exit_code == 2, r.output
        assert "cannot write the calendar" in r.stderr and "Traceback" not in r.output
    if os.geteuid() != 0:  # root ignores directory permissions
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        r = wr("oncall", "--ics", str(ro / "x.ics"))
        assert r.exit_code == 2 and os.listdir(ro) == []
        shutil.rmtree(ro, ignore_errors=True)


def test_a_fresh_install_says_how_to_create_the_roster(db_path: Path, policies_dir: Path) -> None:
    wr = Warroom(db_path, policies=policies_dir)
    for args in (("oncall",), ("handoff",), ("oncall", "--ics", "x.ics")):
        r = wr(*args)
        assert r.exit_code == 2
        assert "there is no roster yet" in r.stderr and "data/roster.yaml" in r.stderr
