"""The pre-check handlers run before acking a modal: would this action be refused, and why."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import BatonError
from models.flows._context import load_situation
from models.permissions import Action, refusal
from models.sessions import Sessions
from models.sides import Actor

__all__ = ["why_not"]


async def why_not(
    session: AsyncSession | Sessions,
    actor: Actor,
    action: Action,
    collaboration_id: int,
) -> BatonError | None:
    """The refusal `action` would meet now (NotFound included), or None. Reads only; changes nothing.

    Takes a session, or the session factory (then reads in a session of its own). The use case
    checks again in its transaction: this answer can be overtaken by someone else's click.
    """
    if isinstance(session, Sessions):
        async with session.read() as own:
            return await why_not(own, actor, action, collaboration_id)
    try:
        situation = await load_situation(session, actor, collaboration_id, action, lock=False)
    except BatonError as e:
        return e
    return refusal(action, situation)
