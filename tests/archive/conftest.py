"""Fixtures for the archive tests: a migrated database and a blob store under the test's data folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.blobs import LocalBlobStore
from bot.db import Sessions, create_engine, session_factory
from bot.migrate import upgrade


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(database_url)
    await upgrade(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    """Where `baton archive` finds blobs when BATON_DATA_DIR is the test's `data` folder."""
    return LocalBlobStore(tmp_path / "data" / "blobs")
