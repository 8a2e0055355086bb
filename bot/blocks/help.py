"""The `/turn help` and unknown-subcommand answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.blocks.text import escape

__all__ = ["SubcommandHelp", "help_text", "unknown_subcommand_text"]


@dataclass(frozen=True)
class SubcommandHelp:
    usage: str  # e.g. "pass [message]"
    summary: str


def help_text(subcommands: Sequence[SubcommandHelp]) -> str:
    """One line per subcommand, plus how people without `/turn` reach the same actions."""
    lines = ["*Baton: `/turn` commands*"]
    lines += [f"• `/turn {s.usage}` — {s.summary}" for s in subcommands]
    lines.append(
        "People from the other organization can't run `/turn`: they use the buttons on the "
        "collaboration's card, or mention @Baton (for example `@Baton status`)."
    )
    return "\n".join(lines)


def unknown_subcommand_text(word: str, subcommands: Sequence[SubcommandHelp]) -> str:
    """Says the subcommand is unknown and lists the valid ones."""
    names = ", ".join(f"`{s.usage.split()[0]}`" for s in subcommands)
    return f"I don't know `/turn {escape(word)}`. Valid subcommands: {names}. Try `/turn help` for details."
