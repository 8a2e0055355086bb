"""Helpers for the documents and requests tests: a blob store, uploads, and a snapshot of every table."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import models.all
from bot.blobs import LocalBlobStore
from bot.db import Sessions
from bot.filecheck import safe_name
from models.base import Base
from models.collaborations import Collaboration
from models.errors import BatonError
from models.sides import Actor
from models.use_cases import VersionView, pass_turn, record_channel_file, stage_upload
from tests.models.support import CHANNEL

E = TypeVar("E", bound=BatonError)

_file_ids = itertools.count(1)


def new_file_id() -> str:
    return f"F{next(_file_ids):08d}"


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "data" / "blobs")


def pdf(text: str) -> bytes:
    return f"%PDF-1.7\n% {text}\n".encode()


async def upload(
    sessions: Sessions,
    store: LocalBlobStore,
    actor: Actor,
    c: Collaboration,
    name: str,
    data: bytes,
    *,
    now: datetime,
    new_version_of: int | None = None,
    slack_file_id: str | None = None,
) -> VersionView:
    """Upload through Baton as the Upload modal's handler does: store the bytes, then stage the version."""
    blob = await store.put_bytes(data, max_bytes=10**7)
    async with sessions.begin() as session:
        return await stage_upload(
            session,
            actor=actor,
            collaboration_id=c.id,
            name=safe_name(name),
            original_name=name,
            size=len(data),
            file_type=name.rsplit(".", 1)[-1],
            blob=blob,
            slack_file_id=slack_file_id or new_file_id(),
            new_version_of=new_version_of,
            now=now,
        )


async def share(
    sessions: Sessions,
    store: LocalBlobStore,
    actor: Actor,
    name: str,
    data: bytes | None,
    *,
    now: datetime,
    thread_ts: str | None = None,
    slack_file_id: str | None = None,
    size: int | None = None,
    reason: str | None = None,
) -> Any:
    """A file dropped into the channel (or a thread) by `actor`; `data` None: it was not stored."""
    blob = await store.put_bytes(data, max_bytes=10**7) if data is not None else None
    async with sessions.begin() as session:
        return await record_channel_file(
            session,
            channel_id=CHANNEL,
            user_id=actor.user_id,
            team_key=actor.team_key,
            name=safe_name(name),
            size=size if size is not None else len(data or b""),
            file_type=name.rsplit(".", 1)[-1],
            blob=blob,
            slack_file_id=slack_file_id or new_file_id(),
            thread_ts=thread_ts,
            reason=reason,
            now=now,
        )


async def send(sessions: Sessions, actor: Actor, c: Collaboration, message: str, *, now: datetime) -> Any:
    async with sessions.begin() as session:
        return await pass_turn(session, actor=actor, collaboration_id=c.id, message=message, now=now)


async def snapshot_all(sessions: Sessions) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare before and after a refusal."""
    assert models.all  # every table is on the metadata
    result: dict[str, list[tuple[Any, ...]]] = {}
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = list(table.columns)
            rows = (await session.execute(select(*columns).order_by(*table.primary_key.columns))).all()
            result[table.name] = [tuple(repr(v) for v in row) for row in rows]
    return result


async def refused_all(sessions: Sessions, error: type[E], act: Callable[[AsyncSession], Awaitable[Any]]) -> E:
    """Run `act`, expect `error`, commit whatever it left, and check that no table changed."""
    before = await snapshot_all(sessions)
    async with sessions.begin() as session:
        with pytest.raises(error) as caught:
            await act(session)
    assert await snapshot_all(sessions) == before, "a refusal changed the database"
    return caught.value
