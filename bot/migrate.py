"""Applies Alembic migrations, once, even when several replicas start together."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["current_revision", "head_revision", "upgrade"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "models" / "migrations"
# Any fixed 64-bit number: the Postgres advisory lock replicas queue on while one migrates.
_MIGRATION_LOCK_ID = 0x626174_6F6E


def _config(connection: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest migration's revision id."""
    return ScriptDirectory.from_config(_config()).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


async def upgrade(engine: AsyncEngine) -> str | None:
    """Bring the database to the newest revision and return it.

    On Postgres a transaction-level advisory lock serialises replicas: the first migrates, the others
    wait and then find nothing to do. On SQLite, BEGIN IMMEDIATE (see bot/db.py) serialises writers.
    """
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        await conn.run_sync(lambda c: command.upgrade(_config(c), "head"))
    revision = await current_revision(engine)
    log.info("database at revision %s", revision)
    return revision
