"""The database layer: migrations match the models, timestamps stay aware UTC, SQLite writers wait and
readers do not, and a read session cannot change the record."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

import models.all  # noqa: F401
from bot.db import Sessions, create_engine, session_factory
from bot.migrate import head_revision, upgrade
from models.base import Base
from models.outbox import OutboxEntry, OutboxKind, enqueue
from models.sessions import ReadOnlySessionError


async def test_migrations_create_exactly_the_models_schema(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert await upgrade(engine) == head_revision()
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata)
            )
        assert diff == [], f"models and migrations differ: {diff}"
        assert await upgrade(engine) == head_revision(), "a second upgrade is a no-op"
    finally:
        await engine.dispose()


async def test_timestamps_round_trip_as_aware_utc(database_url: str) -> None:
    engine = create_engine(database_url)
    await upgrade(engine)
    sessions = session_factory(engine)
    berlin_noon = datetime(2026, 3, 29, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    try:
        async with sessions.begin() as session:
            entry = await enqueue(session, kind=OutboxKind.POST_MESSAGE, lane="C1", payload={"text": "x"})
            assert entry is not None
            entry.next_attempt_at = berlin_noon
        async with sessions() as session:
            stored = await session.scalar(select(OutboxEntry))
            assert stored is not None
            assert stored.next_attempt_at == berlin_noon
            assert stored.next_attempt_at.utcoffset() == timedelta(0)
            assert stored.next_attempt_at.hour == 10
        with pytest.raises(Exception, match="naive"):
            async with sessions.begin() as session:
                e = await enqueue(session, kind=OutboxKind.POST_MESSAGE, lane="C1")
                assert e is not None
                e.next_attempt_at = datetime(2026, 1, 1)
                await session.flush()
    finally:
        await engine.dispose()


async def test_dedupe_key_is_claimed_once_even_by_concurrent_transactions(database_url: str) -> None:
    engine = create_engine(database_url)
    await upgrade(engine)
    sessions = session_factory(engine)

    async def claim() -> bool:
        try:
            async with sessions.begin() as session:
                return (
                    await enqueue(
                        session,
                        kind=OutboxKind.POST_MESSAGE,
                        lane="C1",
                        dedupe_key="statement:acct-1:2026-11",
                    )
                    is not None
                )
        except Exception:
            return False  # lost the race on the unique constraint: nothing was recorded

    try:
        results = await asyncio.gather(*(claim() for _ in range(10)))
        assert results.count(True) == 1
        async with sessions() as session:
            assert len((await session.scalars(select(OutboxEntry))).all()) == 1
    finally:
        await engine.dispose()


def test_utc_helper_is_aware() -> None:
    from models.base import utcnow

    assert utcnow().tzinfo is UTC


async def _lanes(sessions: Sessions) -> list[str]:
    async with sessions.read() as session:
        return list((await session.scalars(select(OutboxEntry.lane).order_by(OutboxEntry.id))).all())


def _write_lock_free(db: Path) -> bool:
    """Whether another connection could take SQLite's write lock right now (it does not wait)."""
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as e:
        assert "locked" in str(e)
        return False
    finally:
        probe.close()


async def test_a_read_session_reads_at_once_while_a_writer_holds_the_lock(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await enqueue(session, kind=OutboxKind.POST_MESSAGE, lane="C1")
    async with sessions.begin() as writer:
        await enqueue(writer, kind=OutboxKind.POST_MESSAGE, lane="C2")  # flushed, not committed
        # Far inside SQLite's 30 s busy timeout: a reader queued behind the writer would time out here.
        async with asyncio.timeout(2):
            assert await _lanes(sessions) == ["C1"], "the reader sees what was committed, not the writer's work"
    assert await _lanes(sessions) == ["C1", "C2"]


async def test_a_session_that_changes_takes_the_write_lock_up_front_and_a_read_session_none(
    sessions: Sessions, database_url: str
) -> None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        pytest.skip("SQLite's file locks; on Postgres readers and writers never share one")
    db = Path(url.database)
    async with sessions.begin() as session:
        await session.scalar(select(func.count(OutboxEntry.id)))  # only read so far
        assert not _write_lock_free(db), "a second writer waits: a read-then-write cannot be overtaken"
    async with sessions.read() as session:
        await session.scalar(select(func.count(OutboxEntry.id)))  # its snapshot is open
        assert _write_lock_free(db)


async def test_a_change_in_a_read_session_is_refused_and_nothing_is_recorded(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await enqueue(session, kind=OutboxKind.POST_MESSAGE, lane="C1")
    refused = pytest.raises(ReadOnlySessionError, match=r"only reads .*sessions\.begin\(\)")
    async with sessions.read() as session:
        with refused:
            await enqueue(session, kind=OutboxKind.POST_MESSAGE, lane="C2")
    async with sessions.read() as session:
        with refused:
            await session.execute(update(OutboxEntry).values(lane="C3"))
    async with sessions.read() as session:
        entry = await session.scalar(select(OutboxEntry))
        assert entry is not None
        entry.lane = "C4"
        with refused:
            await session.commit()
    assert await _lanes(sessions) == ["C1"]


async def test_writers_queue_in_order_and_leave_the_connections_to_readers(
    sessions: Sessions, database_url: str
) -> None:
    order: list[int] = []

    async def writer(n: int) -> None:
        async with sessions.begin() as session:
            await enqueue(session, kind=OutboxKind.POST_MESSAGE, lane=f"W{n}")
            order.append(n)
            await asyncio.sleep(0.03)  # a transaction that takes a while (Slack-bound work happens outside)

    writers = []
    for n in range(30):  # more writers than the pool has connections (5 + 10 overflow)
        writers.append(asyncio.create_task(writer(n)))
        await asyncio.sleep(0)  # each starts, in order
    # 30 writers take about a second one after another; a reader does not wait for them.
    async with asyncio.timeout(0.5):
        await _lanes(sessions)
    await asyncio.gather(*writers)
    assert len(await _lanes(sessions)) == 30
    if make_url(database_url).get_backend_name() == "sqlite":
        assert order == list(range(30)), "SQLite's writers take the lock in the order they asked for it"
