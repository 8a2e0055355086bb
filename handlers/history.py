"""The record for people: History (a paged modal) and Download archive (shared in the channel)."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.archive import describe_event
from bot.blocks.archive import archive_requested_text
from bot.blocks.history import PAGE_SIZE, history_modal, parse_page_value
from bot.blocks.ids import ActionId
from bot.blocks.metadata import CollaborationRef
from bot.deps import Deps
from handlers.common import Reply, actor_from_body, after_ack, channel_collaboration, tell
from handlers.errors import explain
from models.errors import NotAParticipant, NotFound
from models.flows.archives import request_archive
from models.history import events_page
from models.sides import Actor
from models.use_cases import collaboration_view, get_collaboration, participants_of

__all__ = ["archive_reply", "history_reply", "register"]

STALE = "That button is from an old message and no longer works."


async def _history_view(deps: Deps, actor: Actor, collaboration_id: int, page: int) -> Any:
    async with deps.sessions.read() as session:
        people = await participants_of(session, collaboration_id, include_inactive=True)
        if not any(p.user_id == actor.user_id for p in people):
            c = await get_collaboration(session, collaboration_id)
            raise NotAParticipant(f"You're not part of “{c.title}”: ask one of its leaders to add you.")
        view = await collaboration_view(session, collaboration_id)
        events, total = await events_page(session, collaboration_id, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    names = {p.user_id: p.display_name for p in people if p.display_name}
    tz = ZoneInfo(deps.settings.BATON_TIMEZONE)
    lines = [(e.seq, describe_event(e, names, tz=tz)) for e in events]
    return history_modal(view, lines, page=page, total=total, tz=tz)


async def history_reply(deps: Deps, actor: Actor, channel_id: str, trigger_id: str | None) -> Reply:
    collaboration_id = await channel_collaboration(deps, channel_id, include_closed=True)
    if trigger_id is None:
        return Reply("Use *History* on the card to read the record.")
    modal = await _history_view(deps, actor, collaboration_id, 0)

    async def work() -> None:
        await deps.slack.views_open(trigger_id=trigger_id, view=modal)

    after_ack(deps, work(), name="open history", channel_id=channel_id, user_id=actor.user_id)
    return Reply()


async def archive_reply(deps: Deps, actor: Actor, channel_id: str) -> Reply:
    collaboration_id = await channel_collaboration(deps, channel_id, include_closed=True)
    return await _queue_archive(deps, actor, collaboration_id)


async def _queue_archive(deps: Deps, actor: Actor, collaboration_id: int) -> Reply:
    async with deps.sessions.begin() as session:
        await request_archive(session, actor=actor, collaboration_id=collaboration_id)
    deps.outbox.wake()
    return Reply(archive_requested_text())


async def _card_ref(deps: Deps, body: dict[str, Any], action: dict[str, Any]) -> CollaborationRef:
    try:
        ref = CollaborationRef.parse(action.get("value"))
    except ValueError as e:
        raise NotFound(STALE) from e
    channel_id = (body.get("channel") or {}).get("id")
    async with deps.sessions.read() as session:
        if (await get_collaboration(session, ref.collaboration_id)).channel_id != channel_id:
            raise NotFound(STALE)
    return ref


async def on_history(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], deps: Deps) -> None:
    await ack()
    actor, channel_id = actor_from_body(body), (body.get("channel") or {}).get("id")
    try:
        ref = await _card_ref(deps, body, action)
        modal = await _history_view(deps, actor, ref.collaboration_id, 0)
    except Exception as e:
        text = explain(e, where="history")
        after_ack(
            deps,
            tell(deps, channel_id, actor.user_id, text),
            name="answer history",
            channel_id=channel_id,
            user_id=actor.user_id,
        )
        return
    trigger_id = body["trigger_id"]

    async def work() -> None:
        await deps.slack.views_open(trigger_id=trigger_id, view=modal)

    after_ack(deps, work(), name="open history", channel_id=channel_id, user_id=actor.user_id)


async def on_history_page(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], deps: Deps) -> None:
    await ack()
    actor, view = actor_from_body(body), body.get("view") or {}
    try:
        collaboration_id, page = parse_page_value(action.get("value"))
        modal = await _history_view(deps, actor, collaboration_id, page)
    except (ValueError, NotFound, NotAParticipant):
        return  # a forged or stale page button: the modal stays as it is
    await deps.slack.views_update(view_id=view["id"], hash=view.get("hash"), view=modal)


async def on_download(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], deps: Deps) -> None:
    await ack()
    actor, channel_id = actor_from_body(body), (body.get("channel") or {}).get("id")
    try:
        ref = await _card_ref(deps, body, action)
        reply = await _queue_archive(deps, actor, ref.collaboration_id)
    except Exception as e:
        reply = Reply(explain(e, where="download archive"))
    after_ack(
        deps,
        tell(deps, channel_id, actor.user_id, reply.text),
        name="answer download",
        channel_id=channel_id,
        user_id=actor.user_id,
    )


def register(app: AsyncApp) -> None:
    app.action(ActionId.HISTORY.value)(on_history)
    app.action(re.compile(f"^{ActionId.HISTORY_PAGE}:"))(on_history_page)
    app.action(ActionId.DOWNLOAD_ARCHIVE.value)(on_download)
