"""The session factory: `sessions.begin()` to change the record, `sessions.read()` only to look at it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

__all__ = ["ReadOnlySession", "ReadOnlySessionError", "Sessions"]


class ReadOnlySessionError(RuntimeError):
    """Something tried to change the record in a session opened with `sessions.read()`."""


class ReadOnlySession(Session):
    """The session behind `sessions.read()`: it refuses to flush or to run INSERT, UPDATE or DELETE."""


class Sessions(async_sessionmaker[AsyncSession]):
    """Sessions that keep loaded objects usable after commit (no lazy reloads in async code).

    `async with sessions.begin() as session:` changes the record and commits; `async with
    sessions.read() as session:` only looks, and on SQLite takes no write lock (see bot.db).
    """

    def __init__(
        self, engine: AsyncEngine, *, read_engine: AsyncEngine | None = None, writers: int | None = None
    ) -> None:
        """`read_engine`: where read sessions run (an option engine of `engine`, sharing its pool).

        `writers`: how many write transactions of this process may hold a connection at once; `begin()`
        waits its turn before taking one. On SQLite (one write lock per database) it is 1: writers queue
        in order on the event loop instead of each holding a pooled connection while SQLite's busy
        handler sleeps and polls for the lock, which left readers without connections and writers waking
        up to 100 ms late. On PostgreSQL a few: writers waiting on a row lock must not take every pooled
        connection from the reads that answer Slack within its 3 s.
        """
        super().__init__(engine, expire_on_commit=False)
        self._reads = async_sessionmaker(
            read_engine or engine, sync_session_class=ReadOnlySession, expire_on_commit=False
        )
        self._writers = writers
        self._writer_turn: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:  # type: ignore[override]
        """A session in a transaction, committed at the end of the block (rolled back on an error)."""
        if self._writers is None:
            async with super().begin() as session:
                yield session
            return
        async with self._writer_slots(self._writers), super().begin() as session:
            yield session

    def _writer_slots(self, writers: int) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._writer_turn is None or self._writer_turn[0] is not loop:
            self._writer_turn = (loop, asyncio.Semaphore(writers))
        return self._writer_turn[1]

    def read(self) -> AsyncSession:
        """A session that only reads; a change in it raises ReadOnlySessionError before reaching the database."""
        return self._reads()


# Refused in the session rather than with SQLite's `PRAGMA query_only`: readers and writers share the
# pooled connections, so the pragma would have to be set and reset around every transaction (a statement
# more on every write, and one missed reset breaks a writer), and its "attempt to write a readonly
# database" reads like a file-permission problem. These hooks hold no connection state, work the same on
# Postgres, and name the fix. They see every ORM change and every INSERT/UPDATE/DELETE construct run
# through the session, which is how models/ writes; raw SQL text is not looked at.
@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    _refuse(f"{len(session.new)} new, {len(session.dirty)} changed, {len(session.deleted)} deleted objects")


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _refuse(f"{type(state.statement).__name__.upper()} on {state.statement.table}")  # type: ignore[attr-defined]


def _refuse(what: str) -> None:
    raise ReadOnlySessionError(
        f"a session from sessions.read() only reads ({what}); change the record in sessions.begin()"
    )
