"""What every surface shares: who acted, which collaboration, and answering a person privately."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps
from handlers.errors import explain
from models.errors import BatonError, NotFound
from models.sides import Actor
from models.use_cases import active_in_channel, latest_in_channel

__all__ = [
    "STALE_FORM",
    "Check",
    "Reply",
    "accept_submission",
    "actor_from_body",
    "actor_from_command",
    "after_ack",
    "channel_collaboration",
    "tell",
]

log = logging.getLogger(__name__)


def actor_from_command(command: dict[str, Any]) -> Actor:
    """The person who ran a slash command (the command's team is theirs: only members of an
    installed workspace can run it)."""
    return Actor.of(command["user_id"], team_id=command["team_id"], enterprise_id=command.get("enterprise_id"))


def actor_from_body(body: dict[str, Any]) -> Actor:
    """The person behind a block_actions or view_submission payload: `user.team_id` is their organisation."""
    user = body.get("user") or {}
    team_id = user.get("team_id") or (body.get("team") or {}).get("id") or ""
    return Actor.of(user["id"], team_id=team_id, display_name=user.get("name") or "")


async def channel_collaboration(deps: Deps, channel_id: str, *, include_closed: bool = False) -> int:
    """The collaboration of a channel: the active one, or (for status and reopen) the latest."""
    async with deps.sessions.read() as session:
        return await collaboration_in(session, channel_id, include_closed=include_closed)


async def collaboration_in(session: AsyncSession, channel_id: str, *, include_closed: bool = False) -> int:
    """`channel_collaboration` inside a session the caller goes on using."""
    found = await active_in_channel(session, channel_id)
    if found is None and include_closed:
        found = await latest_in_channel(session, channel_id)
    if found is None:
        raise NotFound(
            "There's no collaboration in this channel yet. The distributor's team starts one with `/turn new`."
        )
    return found.id


async def tell(deps: Deps, channel_id: str | None, user_id: str, text: str, blocks: Any = None) -> None:
    """An ephemeral message to one person in a channel (in their DM with Baton when there is no channel)."""
    try:
        if channel_id:
            await deps.slack.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
            return
    except SlackApiError as e:
        log.warning("could not answer %s in %s: %s", user_id, channel_id, e.response.get("error"))
    opened = await deps.slack.conversations_open(users=user_id)
    await deps.slack.chat_postMessage(channel=opened["channel"]["id"], text=text, blocks=blocks)


def after_ack(deps: Deps, work: Awaitable[None], *, name: str, channel_id: str | None, user_id: str) -> None:
    """Run `work` after the HTTP answer; a refusal or failure reaches the person as an ephemeral."""

    async def report(error: BaseException) -> None:
        await tell(deps, channel_id, user_id, explain(error, where=name))

    deps.tasks.spawn(_as_coroutine(work), name=name, on_error=report)


async def _as_coroutine(work: Awaitable[None]) -> None:
    await work


STALE_FORM = "This form is out of date. Close it and start again from the card."

Check = Callable[[Actor, Any], Awaitable[BatonError | None]]


async def accept_submission(
    ack: AsyncAck, body: dict[str, Any], parse: Callable[[], Any], block: str, check: Check
) -> tuple[Any, Actor] | None:
    """Parse a modal submission; show its form errors, or `check`'s refusal on `block`; else ack.

    Returns the form and the actor when the work may go ahead after the ack (the use case checks
    again in its transaction, so a lost race still changes nothing).
    """
    try:
        form = parse()
    except ValueError:
        await ack(response_action="errors", errors={block: STALE_FORM})
        return None
    if form.errors:
        await ack(response_action="errors", errors={str(getattr(k, "value", k)): v for k, v in form.errors.items()})
        return None
    actor = actor_from_body(body)
    refusal = await check(actor, form)
    if refusal is not None:
        await ack(response_action="errors", errors={block: refusal.message})
        return None
    await ack()
    return form, actor


@dataclass(frozen=True)
class Reply:
    """What the person sees at once (ephemeral); nothing when empty."""

    text: str = ""
    blocks: list[Any] | None = None
