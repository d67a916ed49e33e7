"""Several processes appending to one SQLite file: nothing lost, nothing doubled, chain intact."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from warroom.clock import SystemClock
from warroom.incident.commands import Commands
from warroom.incident.timeline import verify_chain
from warroom.models import TimelineEntry
from warroom.policy import Policies
from warroom.store import Store

WRITER = Path(__file__).with_name("writer_proc.py")


@pytest.mark.parametrize("processes", [2, 8])
async def test_processes_append_concurrently(
    tmp_path: Path, policies: Policies, processes: int
) -> None:
    db = tmp_path / "shared.db"
    store = await Store.open(db, SystemClock())
    inc = await Commands(store, policies, "ic", SystemClock().now().tzinfo).declare("load", 2)  # type: ignore[arg-type]
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), str(db), inc.ref or "", f"w{i}", "500"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(processes)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        assert "locked" not in err
    async with store.read() as s:
        q = (
            select(TimelineEntry)
            .where(TimelineEntry.incident_id == inc.id)
            .order_by(TimelineEntry.seq)
        )
        entries = list((await s.execute(q)).scalars())
    await store.close()
    texts = Counter(e.text for e in entries if e.text.startswith("w"))
    assert len(texts) == processes * 500
    assert set(texts.values()) == {1}
    assert verify_chain(inc.ref or "", entries).ok
