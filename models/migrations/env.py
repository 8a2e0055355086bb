"""Alembic environment: runs on the connection Baton hands it (see bot/migrate.py)."""

from __future__ import annotations

from alembic import context

import models.all  # noqa: F401  (registers every table on the metadata)
from models.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `baton db upgrade`, which provides the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
