"""Deliverers for the scheduler's outbox kinds: statement due, request reminders and escalations, turn
nudges, and unpinning a rolled-over card. Merged into bot/deliveries.py's mapping by the composition root.

Like every deliverer, each renders the current state when it runs: a request fulfilled between the run
that recorded its reminder and the delivery is not reminded of, and a turn passed meanwhile is not
nudged — fulfilling or closing a request stops its reminders even for entries already queued.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.blocks import reminders as blocks
from bot.db import Sessions
from bot.outbox import Deliverer
from bot.slack_client import BatonWebClient
from models.collaborations import Account, CollaborationStatus
from models.flows.reminders import AWAITING
from models.outbox import OutboxEntry, OutboxKind
from models.requests import FINAL, DocumentRequest
from models.use_cases import CollaborationView, RequestView, collaboration_view, requests_of

__all__ = ["build_scheduled_deliverers"]

log = logging.getLogger(__name__)


def build_scheduled_deliverers(slack: BatonWebClient, sessions: Sessions) -> Mapping[str, Deliverer]:
    """The deliverer for each of the scheduler's outbox kinds."""

    async def send_dm(user: str, text: str, content: list[Block]) -> dict[str, Any]:
        opened = await slack.conversations_open(users=user)
        channel = opened["channel"]["id"]
        response = await slack.chat_postMessage(
            channel=channel, text=text, blocks=content, unfurl_links=False, unfurl_media=False
        )
        return {"channel": channel, "ts": response["ts"]}

    async def post(channel: str, text: str, content: list[Block]) -> dict[str, Any]:
        response = await slack.chat_postMessage(
            channel=channel, text=text, blocks=content, unfurl_links=False, unfurl_media=False
        )
        return {"channel": channel, "ts": response["ts"]}

    async def published_request(request_id: int) -> tuple[RequestView, CollaborationView] | None:
        """The request as both sides see it, and its collaboration (wherever a roll-over moved it)."""
        async with sessions.read() as session:
            row = await session.get(DocumentRequest, request_id)
            if row is None or not row.published:
                return None
            shared = await requests_of(session, row.collaboration_id, viewer_side=None)
            request = next((r for r in shared if r.id == request_id), None)
            if request is None:
                return None
            return request, await collaboration_view(session, row.collaboration_id)

    async def statement_due(entry: OutboxEntry) -> dict[str, Any]:
        p = entry.payload
        collaboration_id = p.get("collaboration_id")
        async with sessions.read() as session:
            account = await session.get(Account, p["account_id"])
            if account is None:
                return {"skipped": "account gone"}
            view = await collaboration_view(session, collaboration_id) if collaboration_id else None
            open_requests = []
            if view is not None:
                shared = await requests_of(session, view.id, viewer_side=None)
                # Carried over from an earlier period: their labels are qualified ("#2026-11/2").
                open_requests = [r for r in shared if r.status not in FINAL and "/" in r.label]
        text, content = blocks.statement_due(
            account_name=account.name,
            period=p["period"],
            channel_id=account.channel_id,
            collaboration=view,
            opened=bool(p.get("opened")),
            skipped=p.get("skipped") or (),
            open_requests=open_requests,
        )
        return await send_dm(p["user_id"], text, content)

    async def request_reminder(entry: OutboxEntry) -> dict[str, Any]:
        p = entry.payload
        found = await published_request(p["request_id"])
        if found is None:
            return {"skipped": "request gone"}
        request, view = found
        if request.status not in AWAITING or view.status is not CollaborationStatus.ACTIVE:
            return {"skipped": f"request is {request.status.value}"}
        text, content = blocks.request_reminder(
            request=request,
            collaboration=view,
            stage=p["stage"],
            days=int(p["days"]),
            reminder_key=p["reminder_key"],
            mention=p.get("mentions") or (),
        )
        if p.get("user_id"):
            return await send_dm(p["user_id"], text, content)
        return await post(view.channel_id, text, content)

    async def request_escalation(entry: OutboxEntry) -> dict[str, Any]:
        p = entry.payload
        found = await published_request(p["request_id"])
        if found is None:
            return {"skipped": "request gone"}
        request, view = found
        if request.status not in AWAITING or view.status is not CollaborationStatus.ACTIVE:
            return {"skipped": f"request is {request.status.value}"}
        text, content = blocks.request_escalation(request=request, collaboration=view, days=int(p["days"]))
        return await send_dm(p["user_id"], text, content)

    async def turn_nudge(entry: OutboxEntry) -> dict[str, Any]:
        p = entry.payload
        async with sessions.read() as session:
            view = await collaboration_view(session, p["collaboration_id"])
        if view.status is not CollaborationStatus.ACTIVE or view.turn_number != p["turn"]:
            return {"skipped": "the turn has moved on"}
        text, content = blocks.turn_nudge(
            collaboration=view,
            days=int(p["days"]),
            reminder_key=p["reminder_key"],
            mention=p.get("mentions") or (),
        )
        if p.get("user_id"):
            return await send_dm(p["user_id"], text, content)
        return await post(view.channel_id, text, content)

    async def card_unpin(entry: OutboxEntry) -> dict[str, Any]:
        async with sessions.read() as session:
            view = await collaboration_view(session, entry.payload["collaboration_id"])
        if view.card_ts is None:
            return {"skipped": "no card"}
        try:
            await slack.pins_remove(channel=view.channel_id, timestamp=view.card_ts)
        except SlackApiError as e:
            # Someone unpinned it already, or the card was deleted: it is not pinned, as wanted.
            if e.response.get("error") not in ("no_pin", "not_pinned", "message_not_found"):
                raise
            return {"skipped": e.response.get("error")}
        return {"unpinned": view.card_ts}

    return {
        OutboxKind.STATEMENT_DUE: statement_due,
        OutboxKind.REQUEST_REMINDER: request_reminder,
        OutboxKind.REQUEST_ESCALATION: request_escalation,
        OutboxKind.TURN_NUDGE: turn_nudge,
        OutboxKind.CARD_UNPIN: card_unpin,
    }
