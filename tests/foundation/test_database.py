"""The database layer: migrations match the models, timestamps stay aware UTC, SQLite writers wait."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

import models.all  # noqa: F401
from bot.db import create_engine, session_factory
from bot.migrate import head_revision, upgrade
from models.base import Base
from models.outbox import OutboxEntry, OutboxKind, enqueue


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
