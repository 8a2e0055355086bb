"""The `/turn` slash command: parse the subcommand, run it, answer the person ephemerally."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.blocks.help import SubcommandHelp, help_text, unknown_subcommand_text
from bot.deps import Deps
from handlers.errors import explain

__all__ = ["SUBCOMMANDS", "Subcommand", "register"]

Run = Callable[[AsyncAck, dict[str, Any], str, Deps], Awaitable[None]]


@dataclass(frozen=True)
class Subcommand:
    help: SubcommandHelp
    run: Run


def split_subcommand(text: str) -> tuple[str, str]:
    """('pass', 'the rest') from 'pass the rest'; an empty text is the default subcommand."""
    word, _, rest = (text or "").strip().partition(" ")
    return word.lower(), rest.strip()


async def _help(ack: AsyncAck, command: dict[str, Any], rest: str, deps: Deps) -> None:
    await ack(text=help_text([s.help for s in SUBCOMMANDS.values()]))


# Registered in the order `/turn help` lists them; later features add their subcommands here.
SUBCOMMANDS: dict[str, Subcommand] = {
    "help": Subcommand(SubcommandHelp("help", "what each command does"), _help),
}
DEFAULT_SUBCOMMAND = "help"


async def on_turn(ack: AsyncAck, command: dict[str, Any], deps: Deps) -> None:
    word, rest = split_subcommand(command.get("text", ""))
    subcommand = SUBCOMMANDS.get(word or DEFAULT_SUBCOMMAND)
    if subcommand is None:
        await ack(text=unknown_subcommand_text(word, [s.help for s in SUBCOMMANDS.values()]))
        return
    try:
        await subcommand.run(ack, command, rest, deps)
    except Exception as e:
        await ack(text=explain(e, where=f"/turn {word}"))


def register(app: AsyncApp) -> None:
    app.command("/turn")(on_turn)
