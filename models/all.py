"""Imports every model module, so the metadata knows every table (Alembic, tests)."""

from __future__ import annotations

from models import collaborations, drafts, history, outbox

__all__ = ["collaborations", "drafts", "history", "outbox"]
