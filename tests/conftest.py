"""Fixtures: a fresh database per test (SQLite, or Postgres with BATON_TEST_DATABASE_URL), the Slack
emulator, and a running Baton wired to both over real HTTP on loopback."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db import Sessions, create_engine, session_factory
from bot.migrate import upgrade
from bot.settings import Settings, load_settings

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SLACK_REFERENCE = SHARED / "slack-reference"


def slack_reference() -> Path:
    """The reference data in ../shared, or skip: a user's clone does not have it."""
    if not SLACK_REFERENCE.is_dir():
        pytest.skip("../shared/slack-reference is not beside this checkout (only in the project's workspace)")
    return SLACK_REFERENCE


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database for one test."""
    server = os.environ.get("BATON_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite+aiosqlite:///{tmp_path / 'baton.db'}"
        return
    name = f"baton_t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    """Sessions on that database brought to the newest migration."""
    engine = create_engine(database_url)
    await upgrade(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def settings_for(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Build Settings as `baton` would from an environment, on this test's database and data folder."""

    def make(**env: str) -> Settings:
        base = {"DATABASE_URL": database_url, "BATON_DATA_DIR": str(tmp_path / "data")}
        return load_settings({**base, **env})

    return make


@pytest.fixture
async def harness(settings_for, request):  # type: ignore[no-untyped-def]
    """Baton running against the Slack emulator; fails the test if Baton broke one of Slack's rules.

    `@pytest.mark.baton_env(NAME="value")` gives the test's Baton extra settings.
    """
    from tests.harness import start_harness, stop_harness

    marker = request.node.get_closest_marker("baton_env")
    h = await start_harness(settings_for, **(marker.kwargs if marker else {}))
    try:
        yield h
        await h.settle()
        h.emu.assert_no_violations()
    finally:
        await stop_harness(h)
