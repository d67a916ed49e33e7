"""A separate process that appends N timeline entries to one incident (concurrency tests)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC

from warroom.clock import SystemClock
from warroom.incident.commands import Commands
from warroom.policy import load_policies
from warroom.store import Store


async def main(db: str, ref: str, who: str, count: int) -> None:
    store = await Store.open(db, SystemClock())
    cmds = Commands(store, load_policies(), who, UTC)
    for i in range(count):
        await cmds.log(ref, f"{who} entry {i}")
    await store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
