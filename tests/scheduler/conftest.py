"""Fixtures for the scheduler tests: a migrated database per test (SQLite, or Postgres when configured)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.db import Sessions, create_engine, session_factory
from bot.migrate import upgrade
from tests.models.doc_support import store

__all__ = ["sessions", "store"]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    """Sessions on a fresh database brought to the newest migration."""
    engine = create_engine(database_url)
    await upgrade(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
