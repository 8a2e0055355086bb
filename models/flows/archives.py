"""Asking for the archive: any participant, at any time; it covers the record as it stands now."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models import notices
from models.collaborations import get_collaboration, participants_of
from models.errors import NotAParticipant
from models.history import events_page
from models.sides import Actor

__all__ = ["request_archive"]


async def request_archive(session: AsyncSession, *, actor: Actor, collaboration_id: int) -> bool:
    """Queue the archive up to the newest event; False when that very archive was queued already.

    Only participants (of either side, followers too) may ask: the record is theirs. Drafts are not
    part of the record, so an archive never shows them.
    """
    c = await get_collaboration(session, collaboration_id)
    people = await participants_of(session, collaboration_id)
    if not any(p.user_id == actor.user_id for p in people):
        raise NotAParticipant(f"You're not part of “{c.title}”: ask one of its leaders to add you.")
    newest, _ = await events_page(session, collaboration_id, offset=0, limit=1)
    (head,) = newest
    return await notices.post_archive_once(session, c, up_to_seq=head.seq, head_hash=head.hash)
