"""Work through Baton on the side's turn: stored as drafts until the turn is passed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.drafts import Draft, add_draft
from models.flows._context import load_situation
from models.permissions import Action, require
from models.sides import Actor

__all__ = ["stage_draft"]


async def stage_draft(
    session: AsyncSession,
    *,
    actor: Actor,
    collaboration_id: int,
    kind: str,
    data: dict[str, Any],
    now: datetime,
) -> Draft:
    """Record a draft of `kind` for the actor's side: a leader or contributor of the side holding the turn.

    The draft stays visible to that side only until its update publishes it (see models.drafts).
    """
    situation = await load_situation(session, actor, collaboration_id, Action.WORK, lock=True)
    require(Action.WORK, situation)
    me = situation.me
    assert me is not None  # require() refuses non-participants
    return await add_draft(
        session,
        collaboration=situation.collaboration,
        side=me.side,
        kind=kind,
        data=data,
        created_by=actor.user_id,
        now=now,
    )
