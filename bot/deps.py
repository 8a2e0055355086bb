"""Deps: everything a handler or deliverer may use, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.blobs import BlobStore
from bot.db import Sessions
from bot.directory import Directory
from bot.keyed_locks import KeyedLocks
from bot.metrics import Metrics
from bot.outbox import OutboxWorker
from bot.settings import Settings
from bot.slack_client import BatonWebClient
from bot.tasks import BackgroundTasks

if TYPE_CHECKING:  # msal and friends load only when Microsoft 365 is configured
    from bot.graph import GraphClient, TokenProvider

__all__ = ["Deps"]


@dataclass
class Deps:
    """Handed to listeners through bolt's context (`deps` argument) and to outbox deliverers."""

    settings: Settings
    engine: AsyncEngine
    sessions: Sessions
    slack: BatonWebClient
    blobs: BlobStore
    directory: Directory
    metrics: Metrics
    outbox: OutboxWorker
    tasks: BackgroundTasks
    clock: Callable[[], datetime]
    channel_order: KeyedLocks = field(default_factory=KeyedLocks)
    # Microsoft 365, built only when Settings say it is configured (`settings.microsoft_configured`).
    microsoft_tokens: TokenProvider | None = None
    graph: GraphClient | None = None
