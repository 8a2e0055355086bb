"""Outbox deliverers: one async function per kind, turning a recorded intent into Slack calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.blocks.notices import delivery_problem_text
from bot.db import Sessions
from bot.outbox import Deliverer
from bot.slack_client import BatonWebClient
from models.outbox import OutboxEntry, OutboxKind

__all__ = ["build_deliverers"]


def build_deliverers(slack: BatonWebClient, sessions: Sessions) -> Mapping[str, Deliverer]:
    """The deliverer for every outbox kind."""

    async def send_dm(user: str, text: str, blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
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
        async with sessions() as session:
            failed = await session.get(OutboxEntry, entry.payload["entry_id"])
        if failed is None:
            return {"skipped": "entry gone"}
        channel = str(failed.payload.get("channel") or failed.lane)
        text = delivery_problem_text(channel, failed.last_error or "unknown error")
        return await send_dm(entry.payload["user_id"], text)

    return {
        OutboxKind.POST_MESSAGE: post_message,
        OutboxKind.DIRECT_MESSAGE: direct_message,
        OutboxKind.DELIVERY_PROBLEM: delivery_problem,
    }
