"""Fixtures for the domain layer: a migrated database per test and its session factory."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.db import Sessions, create_engine, session_factory
from bot.migrate import upgrade


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    """Sessions on a fresh database brought to the newest migration (SQLite, or Postgres when configured)."""
    engine = create_engine(database_url)
    await upgrade(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
