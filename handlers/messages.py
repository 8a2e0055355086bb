"""The channel's conversation into the record: messages, replies, edits, deletions and shared files.

Files people share straight into the channel are chat (public at once), so they are recorded as
document versions whatever the turn; in a request card's thread, from the addressed side, they fulfil
the request. Each file is fetched once, whichever event names it first.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.blocks.text import from_slack_text
from bot.deps import Deps
from bot.filecheck import human_size
from bot.slack_files import fetch_file, file_info
from handlers.common import tell
from models.flows.messages import record_deletion, record_edit, record_message
from models.slack_events import first_time
from models.use_cases import record_channel_file

__all__ = ["on_file_shared", "on_message"]

log = logging.getLogger(__name__)

# Message subtypes that are conversation; the rest (joins, topic changes, pins…) are recorded elsewhere or not at all.
CONVERSATION = {None, "thread_broadcast", "file_share", "me_message"}


async def on_message(deps: Deps, event: dict[str, Any]) -> None:
    subtype = event.get("subtype")
    channel_id = event.get("channel")
    if not channel_id or event.get("channel_type") == "im":
        return
    bot_user, _ = await deps.directory.host()
    if subtype == "message_changed":
        await _edited(deps, channel_id, event, bot_user)
    elif subtype == "message_deleted":
        await _deleted(deps, channel_id, event, bot_user)
    elif subtype in CONVERSATION and event.get("user") and event["user"] != bot_user and not _is_ours(event, deps):
        await _posted(deps, channel_id, event)


def _is_ours(event: dict[str, Any], deps: Deps) -> bool:
    return bool(event.get("bot_id")) and event.get("app_id") is not None and event.get("user") is None


async def _team_key(deps: Deps, event: dict[str, Any]) -> str | None:
    team = event.get("user_team") or event.get("team")
    if event.get("user"):
        try:
            return (await deps.directory.person(event["user"])).team_key
        except Exception:
            log.warning("could not look up %s", event["user"])
    return str(team) if team else None


async def _posted(deps: Deps, channel_id: str, event: dict[str, Any]) -> None:
    ts = event["ts"]
    files = event.get("files") or []
    async with deps.sessions.begin() as session:
        if not await first_time(session, f"msg:{channel_id}:{ts}", now=deps.clock()):
            return
        await record_message(
            session,
            channel_id=channel_id,
            user_id=event["user"],
            team_key=await _team_key(deps, event),
            text=from_slack_text(event.get("text") or ""),
            ts=ts,
            thread_ts=event.get("thread_ts"),
            files=files,
            now=deps.clock(),
        )
    for file in files:
        await take_file(
            deps, file["id"], channel_id=channel_id, user_id=event["user"], thread_ts=event.get("thread_ts"), info=file
        )


async def _edited(deps: Deps, channel_id: str, event: dict[str, Any], bot_user: str) -> None:
    message, previous = event.get("message") or {}, event.get("previous_message") or {}
    user = message.get("user")
    if not user or user == bot_user or message.get("text") == previous.get("text"):
        return  # Baton's own card updates, and unfurls or reactions that change nothing people wrote
    edited_at = (message.get("edited") or {}).get("ts") or event.get("event_ts")
    async with deps.sessions.begin() as session:
        if not await first_time(session, f"edit:{channel_id}:{message['ts']}:{edited_at}", now=deps.clock()):
            return
        await record_edit(
            session,
            channel_id=channel_id,
            user_id=user,
            team_key=await _team_key(deps, message),
            ts=message["ts"],
            text=from_slack_text(message.get("text") or ""),
            previous_text=from_slack_text(previous.get("text") or ""),
            now=deps.clock(),
        )


async def _deleted(deps: Deps, channel_id: str, event: dict[str, Any], bot_user: str) -> None:
    previous = event.get("previous_message") or {}
    if previous.get("user") == bot_user:
        return
    ts = event.get("deleted_ts") or previous.get("ts")
    if not ts:
        return
    async with deps.sessions.begin() as session:
        if not await first_time(session, f"delete:{channel_id}:{ts}", now=deps.clock()):
            return
        await record_deletion(session, channel_id=channel_id, user_id=previous.get("user"), ts=ts, now=deps.clock())


async def on_file_shared(deps: Deps, event: dict[str, Any]) -> None:
    """`file_shared` names only the file: its thread, if any, comes from files.info's shares."""
    bot_user, _ = await deps.directory.host()
    if event.get("user_id") == bot_user:
        return
    info = await file_info(deps.slack, event["file_id"])
    channel_id = event.get("channel_id")
    shares = [
        s
        for kind in ("public", "private")
        for s in ((info.get("shares") or {}).get(kind) or {}).get(channel_id or "", [])
    ]
    thread_ts = next((s.get("thread_ts") for s in shares if s.get("thread_ts")), None)
    if channel_id:
        await take_file(
            deps,
            event["file_id"],
            channel_id=channel_id,
            user_id=event.get("user_id") or info.get("user"),
            thread_ts=thread_ts,
            info=info,
        )


async def take_file(
    deps: Deps, file_id: str, *, channel_id: str, user_id: str | None, thread_ts: str | None, info: dict[str, Any]
) -> None:
    """Fetch and record one shared file, once; tell its sender when Baton does not store it."""
    bot_user, _ = await deps.directory.host()
    if not user_id or user_id == bot_user:
        return
    async with deps.sessions.begin() as session:
        if not await first_time(session, f"file:{file_id}", now=deps.clock()):
            return
    fetched = await fetch_file(deps.slack, deps.blobs, deps.settings, file_id, info=info)
    person = await deps.directory.person(user_id)
    async with deps.sessions.begin() as session:
        recorded = await record_channel_file(
            session,
            channel_id=channel_id,
            user_id=user_id,
            team_key=person.team_key,
            name=fetched.name,
            size=fetched.size,
            file_type=fetched.file_type,
            blob=fetched.blob,
            slack_file_id=file_id,
            thread_ts=thread_ts,
            original_name=fetched.original_name,
            reason=fetched.reason,
            now=deps.clock(),
        )
    deps.outbox.wake()
    if recorded is not None and fetched.blob is None:
        await tell(
            deps,
            channel_id,
            user_id,
            f"Baton did not keep {fetched.name} ({human_size(fetched.size)}) in the record: {fetched.reason} "
            "It's still in the channel; the record notes it was shared.",
        )
