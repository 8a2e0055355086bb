"""The async engine and session factory for SQLite (aiosqlite) and Postgres (asyncpg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from models.sessions import Sessions

__all__ = ["Sessions", "create_engine", "database_reachable", "session_factory"]

# The execution option that marks the connections of `sessions.read()`: on SQLite they begin deferred.
READ_ONLY_OPTION = "baton_read_only"

# Write transactions of one process holding PostgreSQL connections at once: a third of the pool (10 +
# 20 overflow), so the reads that answer Slack always find a connection.
POSTGRES_WRITERS = 10

# How long a SQLite writer waits for another one before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An engine for `url`; on SQLite: WAL, a busy timeout, foreign keys, and writer-safe transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _make_sqlite_transactional(engine)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _make_sqlite_transactional(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (it skips BEGIN before SELECT and
        # breaks SAVEPOINT), then set the pragmas every connection needs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY_OPTION):
            # A read needs no lock: in WAL mode a deferred transaction reads a snapshot while a writer
            # works, so `/turn status` or a button's permission check never queues behind the writers.
            conn.exec_driver_sql("BEGIN")
        else:
            # IMMEDIATE takes the write lock up front, so a transaction that reads and then writes
            # waits on busy_timeout instead of failing with "database is locked" when another wrote first.
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> Sessions:
    """Sessions on `engine`; `sessions.read()` runs on an option engine that shares its pool."""
    return Sessions(
        engine,
        read_engine=engine.execution_options(**{READ_ONLY_OPTION: True}),
        writers=1 if engine.dialect.name == "sqlite" else POSTGRES_WRITERS,
    )


async def database_reachable(engine: AsyncEngine) -> tuple[bool, str]:
    """(True, "ok") when a trivial query answers; else (False, a short reason without credentials)."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as e:
        return False, f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else 'unreachable'}"
    return True, "ok"
