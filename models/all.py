"""Imports every model module, so the metadata knows every table (Alembic, tests)."""

from __future__ import annotations

from models import (
    collaborations,
    documents,
    drafts,
    heartbeat,
    history,
    outbox,
    requests,
    schedules,
    sharepoint,
    slack_events,
)

__all__ = [
    "collaborations",
    "documents",
    "drafts",
    "heartbeat",
    "history",
    "outbox",
    "requests",
    "schedules",
    "sharepoint",
    "slack_events",
]
