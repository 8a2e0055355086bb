"""Keeps a heartbeat in the database while Baton runs, and records downtime as a gap in the history.

Slack does not replay what it sent while nobody answered (after its retries), so messages from that
time may be missing from the record: the record says so instead of silently skipping them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime

from bot.db import Sessions
from models.flows.messages import record_gap
from models.heartbeat import GAP_THRESHOLD, beat, last_beat

__all__ = ["Heartbeat"]

log = logging.getLogger(__name__)


class Heartbeat:
    """Beats every `interval` seconds; on start, a silence longer than GAP_THRESHOLD becomes a gap."""

    def __init__(self, sessions: Sessions, clock: Callable[[], datetime], *, interval: float = 30.0) -> None:
        self._sessions = sessions
        self._clock = clock
        self._interval = interval
        self.process = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        now = self._clock()
        async with self._sessions.begin() as session:
            last = await last_beat(session, excluding=self.process)
            if last is not None and now - last > GAP_THRESHOLD:
                recorded = await record_gap(session, since=last, until=now, now=now)
                log.warning(
                    "Baton was not running from %s to %s: gap recorded in %d collaboration(s)",
                    last.isoformat(),
                    now.isoformat(),
                    recorded,
                )
            await beat(session, process=self.process, now=now)
        self._task = asyncio.create_task(self._run(), name="heartbeat")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                async with self._sessions.begin() as session:
                    await beat(session, process=self.process, now=self._clock())
            except Exception:
                log.exception("heartbeat failed; retrying")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            async with self._sessions.begin() as session:
                await beat(session, process=self.process, now=self._clock())
