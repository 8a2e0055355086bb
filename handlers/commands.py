"""The `/turn` slash command: ack with what the person should see; the change runs after the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.deps import Deps
from handlers import turn_commands
from handlers.common import actor_from_command
from handlers.errors import explain

__all__ = ["register"]


async def on_turn(ack: AsyncAck, command: dict[str, Any], deps: Deps) -> None:
    try:
        reply = await turn_commands.run(
            deps,
            actor_from_command(command),
            command["channel_id"],
            command.get("text", ""),
            trigger_id=command.get("trigger_id"),
            via="/turn",
        )
    except Exception as e:
        await ack(text=explain(e, where=f"/turn {command.get('text', '')[:20]}"))
        return
    if reply.text:
        await ack(text=reply.text, blocks=reply.blocks)
    else:
        await ack()


def register(app: AsyncApp) -> None:
    app.command("/turn")(on_turn)
