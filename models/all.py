"""Imports every model module, so the metadata knows every table (Alembic, tests)."""

from __future__ import annotations

from models import outbox

__all__ = ["outbox"]
