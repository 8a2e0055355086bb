"""Slack Connect invitations answered by the other organization, and the events Slack sends about it.

Accepting connects the guest organization to the channel (`is_ext_shared`, `connected_team_ids`) and
adds the person who accepted; the app hears `shared_channel_invite_accepted`, `…_approved` (when the
host's admins must approve), `channel_shared` and `member_joined_channel`, in that order.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .activity import Emitted, World
from .errors import EmulatorError
from .state import Channel, Invite, User

__all__ = ["accept", "decline"]


def _pending(invite: Invite) -> None:
    if invite.status != "pending":
        raise EmulatorError(f"invitation {invite.id} is {invite.status} already")


def _channel_parts(world: World, invite: Invite) -> tuple[Channel, dict[str, Any], list[dict[str, Any]]]:
    state = world.state
    channel = state.channels[invite.channel_id]
    ref = {"id": channel.id, "is_private": channel.is_private, "is_im": False, "name": channel.name}
    teams = [state.orgs[t].to_api() for t in channel.org_ids() if t in state.orgs]
    return channel, ref, teams


async def accept(world: World, invite: Invite, by: User, *, approval_required: bool = True) -> None:
    """`by`, of the invited organization, accepts; the channel is shared once approved."""
    _pending(invite)
    if by.org.is_host or (invite.recipient_org is not None and invite.recipient_org is not by.org):
        raise EmulatorError(f"{by.name} of {by.org.name} cannot accept invitation {invite.id}")
    invite.status = "accepted"
    invite.accepted_by = by.id
    invite.recipient_org = by.org
    channel, ref, teams = _channel_parts(world, invite)
    newly_connected = by.org not in channel.connected
    teams_after = [*teams, by.org.to_api()] if newly_connected else teams
    accepting = {
        "id": by.id,
        "team_id": by.team_id,
        "name": by.name,
        "updated": by.updated,
        "profile": {"real_name": by.real_name},
    }
    emitted: Emitted = []

    def emit(event: dict[str, Any]) -> None:
        future = world.emit(event, channel)
        if future is not None:
            emitted.append(future)

    emit(
        {
            "type": "shared_channel_invite_accepted",
            "approval_required": approval_required,
            "invite": invite.to_event(world.state),
            "channel": ref,
            "teams_in_channel": teams_after,
            "accepting_user": accepting,
        }
    )
    if approval_required:
        invite.status = "approved"
        emit(
            {
                "type": "shared_channel_invite_approved",
                "invite": invite.to_event(world.state),
                "channel": ref,
                "approving_team_id": world.app.host.team_id,
                "teams_in_channel": teams_after,
            }
        )
    if newly_connected:
        channel.connected.append(by.org)
        if invite.external_limited:
            channel.limited_team_ids.append(by.team_id)
        emit({"type": "channel_shared", "connected_team_id": by.team_id, "channel": channel.id})
    emitted.extend(world.join(channel, by))
    await asyncio.gather(*emitted)


async def decline(world: World, invite: Invite, by: User) -> None:
    """`by` declines the invitation: `shared_channel_invite_declined`."""
    _pending(invite)
    invite.status = "declined"
    channel, ref, teams = _channel_parts(world, invite)
    future = world.emit(
        {
            "type": "shared_channel_invite_declined",
            "invite": invite.to_event(world.state),
            "channel": ref,
            "declining_team_id": by.team_id,
            "teams_in_channel": teams,
            "declining_user": {"id": by.id, "team_id": by.team_id, "name": by.name},
        },
        channel,
    )
    if future is not None:
        await future
