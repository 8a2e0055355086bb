"""A stage for the request cases (ack latency, throughput): the emulator, a database with collaborations,
`baton serve` and the bare bolt reference running, and the three requests built as Slack sends them.

- `/turn status` by Alice in the probe channel (a read: the reply is the ack's body);
- a click on **Pass turn** on the probe channel's card by Alice, whose turn it is (the ack is sent when
  the listener returns; it checked the turn and who may pass, and the modal opens after the ack);
- the pass modal submitted: each one ends a turn for real. Submissions go round the pool's
  collaborations, each by the side holding the turn with that turn's number, so each is valid when it
  arrives — unless the previous pass of that collaboration has not committed yet, when Baton computes a
  refusal ("it isn't your turn") and answers with the modal's errors. Both outcomes are counted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.bench.common import Run, Server, bare_bolt, baton_serve, fresh_database
from tests.bench.world import World, make_world, pass_modal_specs, start_collaborations, triggers_issued_ahead


@dataclass
class Stage:
    run: Run
    world: World
    database_url: str
    folder: Path
    baton: Server
    bare: Server | None
    specs: dict[int, dict[str, Any]]
    pool: list[int]  # indexes into world.channels/collaborations used for submissions
    warm: list[int]  # indexes used for warm-up submissions
    turns: dict[int, tuple[int, str]] = field(default_factory=dict)  # cid -> (turn, holding side)

    @property
    def probe(self) -> Any:
        return self.world.channels[0]

    def url(self, target: str) -> str:
        return self.baton.url if target == "baton" else self._bare().url

    def _bare(self) -> Server:
        assert self.bare is not None
        return self.bare

    def status(self, n: int, target: str) -> list[dict[str, Any]]:
        return [
            {**self.world.status_command(self.world.alice, self.probe, self.url(target)), "tag": str(i)}
            for i in range(n)
        ]

    def clicks(self, n: int, target: str) -> list[dict[str, Any]]:
        return [
            {**self.world.pass_click(self.world.alice, self.probe, self.url(target)), "tag": str(i)} for i in range(n)
        ]

    def submissions(self, n: int, target: str, *, pool: list[int] | None = None) -> list[dict[str, Any]]:
        """`n` pass submissions round the pool, each by the side that will hold the turn when it arrives
        (if the passes before it on the same collaboration have committed by then)."""
        pool = pool if pool is not None else self.pool
        planned = {i: self.turns[self.world.collaborations[i]] for i in pool}
        out = []
        for k in range(n):
            index = pool[k % len(pool)]
            cid = self.world.collaborations[index]
            turn, side = planned[index]
            person = self.world.alice if side == "host" else self.world.bob
            request = self.world.pass_submission(
                person, self.specs[cid], cid, self.world.channels[index], turn, self.url(target)
            )
            out.append({**request, "tag": f"{cid}:{turn}"})
            planned[index] = (turn + 1, "guest" if side == "host" else "host")
        if target == "baton":
            self.turns.update({self.world.collaborations[i]: planned[i] for i in pool})
        return out

    async def sync_turns(self) -> None:
        """Read where each collaboration's turn is (after a load, before planning the next)."""
        rows = await query(self.database_url, "SELECT id, turn_number, holding_side FROM collaborations")
        self.turns = {int(r[0]): (int(r[1]), str(r[2])) for r in rows}

    async def settle(self, timeout: float) -> float | None:
        """Wait until Baton has delivered everything it recorded; the seconds it took, None on timeout."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while loop.time() - started < timeout:
            pending = await query(
                self.database_url, "SELECT count(*) FROM outbox WHERE status = 'pending'", scalar=True
            )
            if not pending:
                await self.world.emu.idle(quiet=0.2, timeout=30)
                return loop.time() - started
            await asyncio.sleep(0.25)
        return None


async def query(url: str, sql: str, *, scalar: bool = False, **params: Any) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(sql), params)
            return result.scalar() if scalar else result.all()
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def stage(
    run: Run, database: str, *, pool: int, warm: int = 10, bare: bool = True, name: str = "stage"
) -> AsyncIterator[Stage]:
    """Everything a request case needs, started; stopped and removed afterwards."""
    folder = run.dir(f"{name}-{database}")
    world = await make_world(1 + warm + pool)
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(world.emu.stop)
        url = await stack.enter_async_context(fresh_database(database, folder))
        settings = world.settings(url, folder / "data")
        run.say(f"  setting up {len(world.channels)} collaborations on {database}")
        await start_collaborations(world, settings)
        specs = await pass_modal_specs(settings, world.collaborations)
        baton_server = baton_serve(world.emu, url, folder / "data", folder / "baton.log")
        stack.push_async_callback(baton_server.stop)
        await baton_server.start()
        bare_server: Server | None = None
        if bare:
            bare_server = bare_bolt(world.emu, folder / "bare.log")
            stack.push_async_callback(bare_server.stop)
            await bare_server.start()
        s = Stage(
            run=run,
            world=world,
            database_url=url,
            folder=folder,
            baton=baton_server,
            bare=bare_server,
            specs=specs,
            warm=list(range(1, 1 + warm)),
            pool=list(range(1 + warm, 1 + warm + pool)),
        )
        await s.sync_turns()
        stack.enter_context(triggers_issued_ahead())
        yield s
