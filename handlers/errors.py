"""The one error path: domain errors become plain words for the actor; anything else gets an error id."""

from __future__ import annotations

import logging
import uuid

from models.errors import BatonError

__all__ = ["explain", "new_error_id"]

log = logging.getLogger("baton.errors")


def new_error_id() -> str:
    """A short id a person can quote to an admin, who finds it in the logs."""
    return uuid.uuid4().hex[:10]


def explain(error: BaseException, *, where: str) -> str:
    """What to tell the person whose action raised `error`; unexpected errors are logged with an id."""
    if isinstance(error, BatonError):
        return error.message
    error_id = new_error_id()
    log.error("unexpected error in %s (error id %s)", where, error_id, exc_info=error, extra={"error_id": error_id})
    return (
        "Something went wrong on Baton's side and nothing was changed. "
        f"If it happens again, give your Slack admin this error id: `{error_id}`."
    )
