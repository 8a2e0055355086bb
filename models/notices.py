"""What the use cases ask Slack delivery to show: one outbox row per intent, in the change's transaction.

Lanes keep order where it matters: a channel's things go in the channel's lane (the card, the turn
update, a newcomer's ephemeral read-in after their channel invite), a person's Home tab in "dm:<user>".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from models.collaborations import Collaboration, Participant
from models.outbox import OutboxKind, enqueue
from models.sides import Side

__all__ = [
    "dm_lane",
    "invite_guest",
    "invite_to_channel",
    "post_archive",
    "post_archive_once",
    "read_in",
    "refresh_card",
    "refresh_homes",
    "turn_update",
]


def dm_lane(user_id: str) -> str:
    return f"dm:{user_id}"


async def refresh_card(session: AsyncSession, collaboration: Collaboration) -> None:
    await enqueue(
        session,
        kind=OutboxKind.CARD_REFRESH,
        lane=collaboration.channel_id,
        payload={"collaboration_id": collaboration.id},
        collaboration_id=collaboration.id,
    )


async def turn_update(session: AsyncSession, collaboration: Collaboration, turn: int) -> None:
    """Post how `turn` ended. A turn ends once, so its update is recorded once."""
    await enqueue(
        session,
        kind=OutboxKind.TURN_UPDATE,
        lane=collaboration.channel_id,
        payload={"collaboration_id": collaboration.id, "turn": turn},
        collaboration_id=collaboration.id,
        dedupe_key=f"turn-update:{collaboration.id}:{turn}",
    )


async def refresh_homes(session: AsyncSession, collaboration: Collaboration, people: Iterable[Participant]) -> None:
    """Republish the Home tab of each host person given (only the host side has Baton's Home tab).

    Pass the active participants after a turn change, or the one person who joined or left.
    """
    for person in people:
        if person.side is Side.HOST:
            await enqueue(
                session,
                kind=OutboxKind.HOME_REFRESH,
                lane=dm_lane(person.user_id),
                payload={"user_id": person.user_id},
                collaboration_id=collaboration.id,
            )


async def read_in(session: AsyncSession, collaboration: Collaboration, user_id: str) -> None:
    await enqueue(
        session,
        kind=OutboxKind.READ_IN,
        lane=collaboration.channel_id,
        payload={"collaboration_id": collaboration.id, "user_id": user_id},
        collaboration_id=collaboration.id,
    )


async def invite_guest(session: AsyncSession, collaboration: Collaboration, email: str) -> None:
    await enqueue(
        session,
        kind=OutboxKind.INVITE_GUEST,
        lane=collaboration.channel_id,
        payload={"collaboration_id": collaboration.id, "email": email},
        collaboration_id=collaboration.id,
    )


async def invite_to_channel(session: AsyncSession, collaboration: Collaboration, user_ids: Sequence[str]) -> None:
    if user_ids:
        await enqueue(
            session,
            kind=OutboxKind.CHANNEL_INVITE,
            lane=collaboration.channel_id,
            payload={"collaboration_id": collaboration.id, "user_ids": list(user_ids)},
            collaboration_id=collaboration.id,
        )


async def post_archive_once(
    session: AsyncSession, collaboration: Collaboration, *, up_to_seq: int, head_hash: str
) -> bool:
    """Like `post_archive`; False when the archive up to that event was queued already."""
    entry = await enqueue(
        session,
        kind=OutboxKind.POST_ARCHIVE,
        lane=collaboration.channel_id,
        payload={"collaboration_id": collaboration.id, "up_to_seq": up_to_seq, "head_hash": head_hash},
        collaboration_id=collaboration.id,
        dedupe_key=f"archive:{collaboration.id}:{up_to_seq}",
    )
    return entry is not None


async def post_archive(session: AsyncSession, collaboration: Collaboration, *, up_to_seq: int, head_hash: str) -> None:
    """Build and share the archive of the chain up to `up_to_seq` (the wrap-up), naming its head hash."""
    await enqueue(
        session,
        kind=OutboxKind.POST_ARCHIVE,
        lane=collaboration.channel_id,
        payload={"collaboration_id": collaboration.id, "up_to_seq": up_to_seq, "head_hash": head_hash},
        collaboration_id=collaboration.id,
        dedupe_key=f"archive:{collaboration.id}:{up_to_seq}",
    )
