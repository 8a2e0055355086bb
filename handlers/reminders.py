"""Snooze 1 day on a reminder or nudge: suppresses exactly one cycle, for the side that was reminded."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.blocks.ids import ActionId
from bot.blocks.reminders import parse_snooze_value
from bot.deps import Deps
from handlers.common import actor_from_body, after_ack, tell
from handlers.errors import explain
from models.use_cases import snooze

__all__ = ["register"]


async def on_snooze(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], deps: Deps) -> None:
    await ack()
    actor = actor_from_body(body)
    channel_id = (body.get("channel") or {}).get("id")

    async def work() -> None:
        try:
            key = parse_snooze_value(action.get("value"))
            async with deps.sessions.begin() as session:
                result = await snooze(session, actor=actor, reminder_key=key, now=deps.clock())
            text = result.message
        except ValueError:
            text = "That reminder is no longer current: there is nothing to snooze."
        except Exception as e:
            text = explain(e, where="snooze")
        await tell(deps, channel_id, actor.user_id, text)

    after_ack(deps, work(), name="snooze", channel_id=channel_id, user_id=actor.user_id)


def register(app: AsyncApp) -> None:
    app.action(ActionId.SNOOZE_REMINDER.value)(on_snooze)
