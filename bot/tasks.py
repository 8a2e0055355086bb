"""Work the app owns after an ack: tracked, so shutdown can finish it and failures are never silent."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

__all__ = ["BackgroundTasks"]

log = logging.getLogger(__name__)

ErrorCallback = Callable[[BaseException], Awaitable[None]]


class BackgroundTasks:
    """A set of running tasks with a strong reference to each (asyncio keeps only weak ones)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(
        self, coro: Coroutine[Any, Any, Any], *, name: str, on_error: ErrorCallback | None = None
    ) -> asyncio.Task[Any]:
        """Run `coro` after the current request; `on_error` tells the person when it fails."""
        task = asyncio.create_task(self._guard(coro, name, on_error), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guard(self, coro: Coroutine[Any, Any, Any], name: str, on_error: ErrorCallback | None) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as e:
            if on_error is None:
                log.exception("background task %s failed", name)
                return
            try:
                await on_error(e)
            except Exception:
                log.exception("background task %s failed, and telling the user failed too", name)

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for the running tasks (those they start too); cancel what is left after `timeout`."""
        try:
            async with asyncio.timeout(timeout):
                while self._tasks:
                    await asyncio.gather(*list(self._tasks), return_exceptions=True)
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
            log.warning("shutdown cancelled %d unfinished background task(s)", len(self._tasks))
