"""Run as a script: a read cancelled half-way (a screen closing under its worker), then
the store closed and the event loop shut down, as the console does on exit."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from sqlalchemy import text

from warroom.clock import SystemClock
from warroom.store import Store

# About a second of SQLite work: long enough to be cancelled half-way.
SLOW = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
    "SELECT count(*) FROM c"
)


async def reader(store: Store) -> None:
    async with store.read() as session:
        await session.execute(text(SLOW))


async def main(db: Path) -> None:
    store = await Store.open(db, SystemClock())
    task = asyncio.create_task(reader(store))
    await asyncio.sleep(0.2)
    task.cancel()
    await asyncio.sleep(0)
    await store.close()


if __name__ == "__main__":
    runner = asyncio.Runner()
    runner.run(main(Path(sys.argv[1])))
    runner.close()  # cancels whatever is left; hung forever before the fix
    print("closed")
