"""Outbox deliverers: one async function per kind, turning a recorded intent into Slack calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.outbox import Deliverer
from bot.slack_client import BatonWebClient
from models.outbox import OutboxEntry, OutboxKind

__all__ = ["build_deliverers"]


def build_deliverers(slack: BatonWebClient) -> Mapping[str, Deliverer]:
    """The deliverer for every outbox kind."""

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
        opened = await slack.conversations_open(users=p["user"])
        channel = opened["channel"]["id"]
        response = await slack.chat_postMessage(
            channel=channel, text=p["text"], blocks=p.get("blocks"), unfurl_links=False, unfurl_media=False
        )
        return {"channel": channel, "ts": response["ts"]}

    return {OutboxKind.POST_MESSAGE: post_message, OutboxKind.DIRECT_MESSAGE: direct_message}
