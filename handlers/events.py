"""Events API: people joining and leaving, Slack Connect invitations, @Baton mentions, the Home tab.

Every subscribed event is acknowledged (bolt answers 404 to an unhandled one, and Slack retries it).
The work runs after the ack; each event is handled once, whatever Slack's retries (`event_id`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.blocks import home as home_blocks
from bot.deps import Deps
from handlers import turn_commands
from handlers.common import tell
from handlers.messages import on_file_shared, on_message
from models.sides import Actor
from models.slack_events import first_time
from models.use_cases import due_for, home_view, invite_accepted, invite_declined, member_joined, member_left

__all__ = ["SUBSCRIBED_EVENTS", "register"]

log = logging.getLogger(__name__)

# The manifest's bot_events, by the event type bolt matches on (message.channels → "message").
SUBSCRIBED_EVENTS = (
    "message",
    "app_mention",
    "file_shared",
    "member_joined_channel",
    "member_left_channel",
    "shared_channel_invite_accepted",
    "shared_channel_invite_approved",
    "shared_channel_invite_declined",
    "channel_shared",
    "app_home_opened",
)

_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s:,]*")

EventWork = Callable[[Deps, dict[str, Any]], Awaitable[None]]


def _channel_of(event: dict[str, Any]) -> str:
    channel = event.get("channel") or event.get("channel_id") or ""
    return channel["id"] if isinstance(channel, dict) else str(channel)


def once(work: EventWork, *, name: str) -> Callable[..., Awaitable[None]]:
    """A listener that runs `work` after the ack, at most once per event_id, in order per channel."""

    async def listener(body: dict[str, Any], event: dict[str, Any], deps: Deps) -> None:
        async def run() -> None:
            # A channel's events are handled one at a time, in arrival order: a deletion must not
            # overtake the message it deletes.
            async with deps.channel_order.hold(_channel_of(event)):
                key = f"event:{body.get('event_id') or event.get('event_ts')}"
                async with deps.sessions.begin() as session:
                    if not await first_time(session, key, now=deps.clock()):
                        return
                await work(deps, event)
            deps.outbox.wake()

        deps.tasks.spawn(run(), name=name)

    return listener


async def on_member_joined(deps: Deps, event: dict[str, Any]) -> None:
    bot_user, _ = await deps.directory.host()
    if event["user"] == bot_user:
        return
    person = await deps.directory.person(event["user"])
    if person.is_bot:
        return
    async with deps.sessions.begin() as session:
        await member_joined(
            session,
            channel_id=event["channel"],
            user_id=person.user_id,
            team_key=person.team_key,
            display_name=person.display_name,
            now=deps.clock(),
        )


async def on_member_left(deps: Deps, event: dict[str, Any]) -> None:
    async with deps.sessions.begin() as session:
        await member_left(session, channel_id=event["channel"], user_id=event["user"], now=deps.clock())


async def on_invite_accepted(deps: Deps, event: dict[str, Any]) -> None:
    channel_id = event["channel"]["id"]
    accepting = await deps.directory.person(event["accepting_user"]["id"])
    guest_name = await deps.directory.org_name(accepting.team_id)
    members = [m for m in await deps.directory.channel_members(channel_id) if m.team_key == accepting.team_key]
    async with deps.sessions.begin() as session:
        await invite_accepted(
            session,
            channel_id=channel_id,
            guest_team_key=accepting.team_key,
            accepting_user_id=accepting.user_id,
            display_name=accepting.display_name,
            guest_name=guest_name,
            channel_members=members,
            now=deps.clock(),
        )


async def on_invite_declined(deps: Deps, event: dict[str, Any]) -> None:
    async with deps.sessions.begin() as session:
        await invite_declined(session, channel_id=event["channel"]["id"], now=deps.clock())


async def on_mention(deps: Deps, event: dict[str, Any]) -> None:
    """`@Baton pass …`: the subcommands for people who cannot run `/turn` (the other organisation)."""
    if event.get("bot_id"):
        return
    person = await deps.directory.person(event["user"])
    actor = Actor(person.user_id, person.team_key, person.display_name)
    text = _LEADING_MENTION.sub("", event.get("text", ""), count=1)
    channel_id = event["channel"]
    try:
        reply = await turn_commands.run(deps, actor, channel_id, text, trigger_id=None, via="@Baton")
    except Exception as e:
        from handlers.errors import explain

        await tell(deps, channel_id, actor.user_id, explain(e, where="@Baton"))
        return
    if reply.text:
        await tell(deps, channel_id, actor.user_id, reply.text, reply.blocks)


async def on_home_opened(deps: Deps, event: dict[str, Any]) -> None:
    if event.get("tab", "home") != "home":
        return
    async with deps.sessions.read() as session:
        view = await home_view(session, event["user"])
        due = await due_for(session, user_id=event["user"], today=deps.clock().date())
    await deps.slack.views_publish(user_id=event["user"], view=home_blocks.home(view, due=due))


async def acknowledge_only() -> None:
    """Bolt acks events itself; a listener must exist or bolt answers 404 and Slack retries."""


HANDLED: dict[str, EventWork] = {
    "member_joined_channel": on_member_joined,
    "member_left_channel": on_member_left,
    "shared_channel_invite_accepted": on_invite_accepted,
    "shared_channel_invite_declined": on_invite_declined,
    "app_mention": on_mention,
    "app_home_opened": on_home_opened,
    "message": on_message,
    "file_shared": on_file_shared,
}


def register(app: AsyncApp) -> None:
    for event_type in SUBSCRIBED_EVENTS:
        work = HANDLED.get(event_type)
        if work is None:
            app.event(event_type)(acknowledge_only)
        else:
            app.event(event_type)(once(work, name=event_type))
