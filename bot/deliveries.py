"""Outbox deliverers: one async function per kind, turning a recorded intent into Slack calls.

Each renders the current state from the database when it runs, so a retried or repeated delivery
shows the same thing, and a card refreshed after three changes shows all three.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.archive import archive_file_name, build_archive
from bot.blobs import BlobStore
from bot.blocks import card as card_blocks
from bot.blocks import documents as document_blocks
from bot.blocks import home as home_blocks
from bot.blocks import requests as request_blocks
from bot.blocks import updates as update_blocks
from bot.blocks.archive import archive_comment
from bot.blocks.notices import delivery_problem_text, invite_failed_text
from bot.blocks.sharepoint import archive_filing_problem_text
from bot.db import Sessions
from bot.outbox import Deliverer, DeliveryFailed
from bot.slack_client import BatonWebClient
from bot.slack_files import upload_stream
from models.base import utcnow
from models.flows.sharepoint import latest_filing
from models.outbox import OutboxEntry, OutboxKind, note_progress, queued_again
from models.sides import Side
from models.use_cases import (
    collaboration_view,
    documents_of,
    due_for,
    files_to_publish,
    home_view,
    record_card,
    record_request_card,
    record_shared_file,
    request_summary,
    requests_of,
    turn_view,
)

__all__ = ["KeepArchive", "build_deliverers"]

# Takes over an archive zip once it is shared (collaboration id, up_to_seq, path, name): True when it was
# kept to be filed elsewhere (bot.sharepoint.ArchiveFiler.keep), False to delete it as usual.
KeepArchive = Callable[[int, int, Path, str], Awaitable[bool]]

log = logging.getLogger(__name__)

# Answers from conversations.inviteShared that a person must act on: retrying will not change them.
INVITE_REFUSALS = frozenset(
    {
        "not_paid",
        "restricted_action",
        "no_external_invite_permission",
        "not_allowed_for_grid_workspace",
        "not_owner",
        "connection_limit_exceeded",
        "invalid_email",
        "cant_invite",
        "too_many_emails",
        "is_archived",
        "channel_not_found",
    }
)


def build_deliverers(
    slack: BatonWebClient,
    sessions: Sessions,
    blobs: BlobStore,
    archives_dir: Path,
    *,
    keep_archive: KeepArchive | None = None,
) -> Mapping[str, Deliverer]:
    """The deliverer for every outbox kind (`keep_archive`: when Microsoft 365 files archives)."""

    async def send_dm(user: str, text: str, blocks: Any = None) -> dict[str, Any]:
        opened = await slack.conversations_open(users=user)
        channel = opened["channel"]["id"]
        response = await slack.chat_postMessage(
            channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
        )
        return {"channel": channel, "ts": response["ts"]}

    async def post_message(entry: OutboxEntry) -> dict[str, Any]:
        p = entry.payload
        response = await slack.chat_postMessage(
            channel=p["channel"],
            text=p["text"],
            blocks=p.get("blocks"),
            thread_ts=p.get("thread_ts"),
            unfurl_links=False,
            unfurl_media=False,
        )
        return {"channel": response["channel"], "ts": response["ts"]}

    async def direct_message(entry: OutboxEntry) -> dict[str, Any]:
        p = entry.payload
        return await send_dm(p["user"], p["text"], p.get("blocks"))

    async def delivery_problem(entry: OutboxEntry) -> dict[str, Any]:
        async with sessions.read() as session:
            failed = await session.get(OutboxEntry, entry.payload["entry_id"])
        if failed is None:
            return {"skipped": "entry gone"}
        channel = str(failed.payload.get("channel") or failed.lane)
        text = delivery_problem_text(channel, failed.last_error or "unknown error")
        if failed.kind == OutboxKind.FILE_ARCHIVE:
            kept = Path(str(failed.payload.get("path") or ""))
            still_here = bool(kept.name) and await asyncio.to_thread(kept.is_file)
            text = archive_filing_problem_text(
                str(failed.payload.get("title") or ""),
                channel,
                failed.last_error or "unknown error",
                str(kept) if still_here else None,
            )
        return await send_dm(entry.payload["user_id"], text)

    async def card_refresh(entry: OutboxEntry) -> dict[str, Any]:
        collaboration_id = entry.payload["collaboration_id"]
        async with sessions.read() as session:
            view = await collaboration_view(session, collaboration_id)
            open_requests = [
                r
                for r in await requests_of(session, collaboration_id, viewer_side=None)
                if not r.draft and r.status.value not in ("accepted", "cancelled")
            ]
            summary = await request_summary(session, collaboration_id)
            documents = await documents_of(session, collaboration_id, viewer_side=None)
            filed = await latest_filing(session, collaboration_id)
        text, blocks = card_blocks.card(
            view, requests=open_requests, summary=summary, documents=documents, filed_archive=filed
        )
        if view.card_ts is not None:
            await slack.chat_update(channel=view.channel_id, ts=view.card_ts, text=text, blocks=blocks)
            if (entry.result or {}).get("pin_pending") == view.card_ts:
                await pin(view.channel_id, view.card_ts)  # this entry posted the card; its pin failed
            return {"ts": view.card_ts, "updated": True}
        posted = await slack.chat_postMessage(
            channel=view.channel_id, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
        )
        ts = posted["ts"]
        # Recorded before pinning, with the pin still owed: if pinning fails (a 429 outlasting the
        # retries, a crash), the retry updates the card instead of posting it twice, and pins it.
        async with sessions.begin() as session:
            await record_card(session, collaboration_id, ts)
            await note_progress(session, entry.id, {"pin_pending": ts})
        await pin(view.channel_id, ts)
        return {"ts": ts, "posted": True}

    async def pin(channel_id: str, ts: str) -> None:
        try:
            await slack.pins_add(channel=channel_id, timestamp=ts)
        except SlackApiError as e:
            if e.response.get("error") != "already_pinned":
                raise

    async def turn_update(entry: OutboxEntry) -> dict[str, Any]:
        collaboration_id, number = entry.payload["collaboration_id"], entry.payload["turn"]
        async with sessions.read() as session:
            view = await collaboration_view(session, collaboration_id)
            turn = await turn_view(session, collaboration_id, number)
        if turn is None:
            return {"skipped": f"turn {number} has not ended"}
        text, blocks = update_blocks.turn_update(view, turn)
        posted = await slack.chat_postMessage(
            channel=view.channel_id, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
        )
        return {"ts": posted["ts"]}

    async def read_in(entry: OutboxEntry) -> dict[str, Any]:
        collaboration_id, user_id = entry.payload["collaboration_id"], entry.payload["user_id"]
        async with sessions.read() as session:
            view = await collaboration_view(session, collaboration_id)
        text, blocks = update_blocks.read_in(view, user_id)
        try:
            await slack.chat_postEphemeral(channel=view.channel_id, user=user_id, text=text, blocks=blocks)
        except SlackApiError as e:
            # They left again before we answered: nobody to read in.
            if e.response.get("error") in ("user_not_in_channel", "not_in_channel"):
                return {"skipped": e.response.get("error")}
            raise
        return {"user": user_id}

    async def home_refresh(entry: OutboxEntry) -> dict[str, Any]:
        user_id = entry.payload["user_id"]
        async with sessions.read() as session:
            if await queued_again(session, entry):
                return {"user": user_id, "superseded": True}  # the refresh queued behind this one shows it all
            view = await home_view(session, user_id)
            due = await due_for(session, user_id=user_id, today=utcnow().date())
        await slack.views_publish(user_id=user_id, view=home_blocks.home(view, due=due))
        return {"user": user_id}

    async def invite_guest(entry: OutboxEntry) -> dict[str, Any]:
        collaboration_id, email = entry.payload["collaboration_id"], entry.payload["email"]
        async with sessions.read() as session:
            view = await collaboration_view(session, collaboration_id)
        try:
            response = await slack.conversations_inviteShared(
                channel=view.channel_id, emails=[email], external_limited=False
            )
        except SlackApiError as e:
            error = str(e.response.get("error"))
            if error not in INVITE_REFUSALS:
                raise
            # Tell whoever started the collaboration what Slack said and what to do; no retry helps.
            await send_dm(view.created_by, invite_failed_text(view.channel_id, email, error))
            return {"error": error}
        return {"invite_id": response.get("invite_id")}

    async def channel_invite(entry: OutboxEntry) -> dict[str, Any]:
        collaboration_id, user_ids = entry.payload["collaboration_id"], entry.payload["user_ids"]
        async with sessions.read() as session:
            view = await collaboration_view(session, collaboration_id)
        try:
            await slack.conversations_invite(channel=view.channel_id, users=",".join(user_ids))
        except SlackApiError as e:
            if e.response.get("error") != "already_in_channel":
                raise
        return {"invited": user_ids}

    async def request_card(entry: OutboxEntry) -> dict[str, Any]:
        collaboration_id, request_id = entry.payload["collaboration_id"], entry.payload["request_id"]
        async with sessions.read() as session:
            view = await collaboration_view(session, collaboration_id)
            request = next(
                r for r in await requests_of(session, collaboration_id, viewer_side=None) if r.id == request_id
            )
        text, blocks = request_blocks.request_card(
            request,
            requester_org=view.host_name if request.requester_side is Side.HOST else view.guest_name,
            addressed_org=view.host_name if request.addressed_side is Side.HOST else view.guest_name,
        )
        if request.card_ts is not None:
            await slack.chat_update(channel=view.channel_id, ts=request.card_ts, text=text, blocks=blocks)
            return {"ts": request.card_ts, "updated": True}
        posted = await slack.chat_postMessage(
            channel=view.channel_id, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
        )
        async with sessions.begin() as session:
            await record_request_card(session, request_id, posted["ts"])
        return {"ts": posted["ts"], "posted": True}

    async def publish_files(entry: OutboxEntry) -> dict[str, Any]:
        """Upload the documents a turn published, byte for byte, streamed from the blob store."""
        collaboration_id, turn = entry.payload["collaboration_id"], entry.payload["turn"]
        async with sessions.read() as session:
            view = await collaboration_view(session, collaboration_id)
            versions = await files_to_publish(session, collaboration_id, turn)
        shared = []
        for version in versions:  # each recorded as it goes, so a retry resumes after the last one
            if version.sha256 is None:
                continue
            org = view.host_name if version.side is Side.HOST else view.guest_name
            label = f"{version.name} (version {version.number})" if (version.number or 1) > 1 else version.name
            file_id = await upload_stream(
                slack,
                name=version.original_name or version.name,
                size=version.size,
                source=blobs.path_for(version.sha256) or blobs.open(version.sha256),
                channel_id=view.channel_id,
                title=label,
                initial_comment=document_blocks.files_comment(turn, org, [label]),
            )
            async with sessions.begin() as session:
                await record_shared_file(session, version_id=version.id, slack_file_id=file_id)
            shared.append(file_id)
        return {"files": shared}

    async def post_archive(entry: OutboxEntry) -> dict[str, Any]:
        """Build the archive of the record up to the recorded event and share it in the channel, streamed."""
        collaboration_id, up_to_seq = entry.payload["collaboration_id"], entry.payload["up_to_seq"]
        async with sessions.read() as session:
            view = await collaboration_view(session, collaboration_id)
        folder = archives_dir / str(collaboration_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"archive-{up_to_seq}.zip"
        result = await build_archive(sessions, blobs, collaboration_id, path, up_to_seq=up_to_seq, now=utcnow())
        if result.head_hash != entry.payload["head_hash"]:
            raise DeliveryFailed(
                f"archive head {result.head_hash} differs from the recorded {entry.payload['head_hash']}",
                permanent=True,
            )
        kept = False
        try:
            file_id = await upload_stream(
                slack,
                name=archive_file_name(view.title),
                size=path.stat().st_size,
                source=path,
                channel_id=view.channel_id,
                title=archive_file_name(view.title),
                initial_comment=archive_comment(view, result.counts, result.head_hash),
            )
            if keep_archive is not None:  # the very zip shared is the one filed
                kept = await keep_archive(collaboration_id, up_to_seq, path, archive_file_name(view.title))
        finally:
            if not kept:  # Slack holds the copy people download; the record stays in the database
                path.unlink(missing_ok=True)
        return {"file_id": file_id, "head_hash": result.head_hash, "size": result.size_bytes}

    return {
        OutboxKind.POST_ARCHIVE: post_archive,
        OutboxKind.REQUEST_CARD: request_card,
        OutboxKind.PUBLISH_FILES: publish_files,
        OutboxKind.POST_MESSAGE: post_message,
        OutboxKind.DIRECT_MESSAGE: direct_message,
        OutboxKind.DELIVERY_PROBLEM: delivery_problem,
        OutboxKind.CARD_REFRESH: card_refresh,
        OutboxKind.TURN_UPDATE: turn_update,
        OutboxKind.READ_IN: read_in,
        OutboxKind.HOME_REFRESH: home_refresh,
        OutboxKind.INVITE_GUEST: invite_guest,
        OutboxKind.CHANNEL_INVITE: channel_invite,
    }
