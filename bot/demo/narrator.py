"""Printing the demo: who does what, and what each person then sees in Slack, readable in a terminal.

`Observer` compares the emulator's state before and after an action — new and changed messages in
every channel and direct message, new ephemeral messages — and `Narrator` prints it, rendering Block
Kit and Slack's mrkdwn as plain lines (`<@U…>` as the person's name, `*bold*` in bold when colour is
on). Colour is only ever asked for by the caller (a terminal, and NO_COLOR unset).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from bot.emulator import Ephemeral, Message, SlackEmulator

__all__ = ["Narrator", "Observer", "Seen", "render_blocks", "render_mrkdwn"]

_RESET = "\033[0m"
_STYLES = {
    "bold": "\033[1m",
    "dim": "\033[2m",
    "italic": "\033[3m",
    "red": "\033[31m",
    "green": "\033[32m",
    "yellow": "\033[33m",
    "blue": "\033[34m",
    "magenta": "\033[35m",
    "cyan": "\033[36m",
}
_EMOJI = {
    "warning": "⚠",
    "white_check_mark": "✔",
    "heavy_check_mark": "✔",
    "x": "✖",
    "arrows_counterclockwise": "↻",
    "hourglass_flowing_sand": "⏳",
    "hourglass": "⌛",
    "paperclip": "📎",
    "page_facing_up": "📄",
    "inbox_tray": "📥",
    "outbox_tray": "📤",
    "lock": "🔒",
    "calendar": "📅",
    "date": "📅",
    "bell": "🔔",
    "memo": "📝",
    "package": "📦",
    "no_entry_sign": "🚫",
    "leftwards_arrow_with_hook": "↩",
    "rotating_light": "🚨",
    "bust_in_silhouette": "👤",
    "busts_in_silhouette": "👥",
    "speech_balloon": "💬",
    "pushpin": "📌",
    "file_folder": "📁",
}

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(\w+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")


class Style:
    """ANSI styling, or none."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *styles: str) -> str:
        if not self.color or not styles or not text:
            return text
        return "".join(_STYLES[s] for s in styles) + text + _RESET


def render_mrkdwn(text: str, *, names: Callable[[str], str], channels: Callable[[str], str], style: Style) -> str:
    """Slack's mrkdwn as a person reads it: mentions as names, links as their text, emphasis as styles."""
    text = _USER.sub(lambda m: style("@" + names(m.group(1)), "bold"), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or channels(m.group(1))), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _EMOJI_CODE.sub(lambda m: _EMOJI.get(m.group(1), m.group(0)), text)
    text = _BOLD.sub(lambda m: style(m.group(1), "bold"), text)
    text = _ITALIC.sub(lambda m: style(m.group(1), "italic"), text)
    text = _STRIKE.sub(lambda m: m.group(1), text)
    return html.unescape(text)  # Slack escapes &, < and > in text; a terminal shows them as they are


def _text_of(node: Any) -> str:
    if isinstance(node, dict):
        text = node.get("text")
        return text if isinstance(text, str) else ""
    return ""


def render_blocks(blocks: Sequence[Mapping[str, Any]], render: Callable[[str], str], style: Style) -> list[str]:
    """Block Kit as lines of text: headers, sections and their fields, context, buttons in brackets."""
    lines: list[str] = []

    def add(text: str, *styles: str) -> None:
        for line in render(text).splitlines():
            if line.startswith(">"):
                line = "│ " + line[1:].lstrip()
            lines.append(style(line, *styles) if styles else line)

    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            add(_text_of(block.get("text")), "bold")
        elif kind == "section":
            if block.get("text"):
                add(_text_of(block["text"]))
            fields = [render(_text_of(f)).replace("\n", ": ", 1).replace("\n", ", ") for f in block.get("fields", [])]
            if fields:
                lines.append("   ".join(fields))
            accessory = block.get("accessory")
            if isinstance(accessory, dict) and accessory.get("type") == "button":
                lines.append(style(f"[{_text_of(accessory.get('text'))}]", "cyan"))
        elif kind == "context":
            parts = [_text_of(e) for e in block.get("elements", []) if isinstance(e, dict)]
            add(" ".join(p for p in parts if p), "dim")
        elif kind == "actions":
            labels = [_text_of(e.get("text")) for e in block.get("elements", []) if e.get("type") == "button"]
            if labels:
                lines.append(style(" ".join(f"[{label}]" for label in labels), "cyan"))
        elif kind == "rich_text":
            add(_rich_text(block))
        elif kind == "markdown":
            add(str(block.get("text", "")))
        elif kind == "input":
            add(_text_of(block.get("label")), "bold")
    return lines


def _rich_text(node: Any) -> str:
    if isinstance(node, dict):
        if node.get("type") == "text":
            return str(node.get("text", ""))
        if node.get("type") == "user":
            return f"<@{node.get('user_id', '')}>"
        return "".join(_rich_text(child) for child in node.get("elements", []))
    if isinstance(node, list):
        return "".join(_rich_text(child) for child in node)
    return ""


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


# --- what changed in Slack -----------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """Something a person can now see: a new or changed message, or an ephemeral one."""

    kind: str  # "posted", "updated", "ephemeral"
    channel: str  # channel id
    message: Message | None = None
    ephemeral: Ephemeral | None = None


def _signature(m: Message) -> tuple[Any, ...]:
    return (m.content, m.pinned, m.deleted, tuple(f.id for f in m.files))


class Observer:
    """Remembers what Slack showed; `changes()` returns what is new since the last call, in order."""

    def __init__(self, emu: SlackEmulator) -> None:
        self.emu = emu
        self._messages: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._ephemerals = 0
        self.changes()

    def changes(self) -> list[Seen]:
        seen: list[Seen] = []
        for channel in self.emu.state.channels.values():
            for m in channel.messages:
                key = (channel.id, m.ts)
                now = _signature(m)
                before = self._messages.get(key)
                if before == now:
                    continue
                self._messages[key] = now
                if m.deleted or m.is_system:
                    continue
                seen.append(Seen("posted" if before is None else "updated", channel.id, message=m))
        for e in self.emu.state.ephemerals[self._ephemerals :]:
            if not e.deleted:
                seen.append(Seen("ephemeral", e.channel, ephemeral=e))
        self._ephemerals = len(self.emu.state.ephemerals)
        # New posts and ephemerals in the order Slack stamped them; updated messages (the card) last, as
        # they now stand.
        return sorted(seen, key=_order)


def _order(seen: Seen) -> tuple[int, float]:
    shown = seen.message or seen.ephemeral
    return (1 if seen.kind == "updated" else 0, float(shown.ts) if shown is not None else 0.0)


# --- printing --------------------------------------------------------------------------------------


class Narrator:
    """Prints the demo to `out`: steps, actions, what people see, checks and the summary."""

    def __init__(
        self, out: TextIO, emu: SlackEmulator, *, color: bool, people: Mapping[str, str] | None = None
    ) -> None:
        self.out = out
        self.emu = emu
        self.style = Style(color)
        self.people = dict(people or {})  # user id -> "Alice Moreau (Northwind Distribution)"
        self.cards: set[str] = set()  # ts of collaboration cards, to call them so
        self._shown: dict[str, set[str]] = {}  # ts -> the blocks of the message as last printed

    # names

    def name(self, user_id: str) -> str:
        if user_id == self.emu.bot.id:
            return "Baton"
        user = self.emu.state.users.get(user_id)
        return user.real_name if user is not None else user_id

    def who(self, user_id: str) -> str:
        return self.people.get(user_id) or self.name(user_id)

    def channel_name(self, channel_id: str) -> str:
        channel = self.emu.state.channels.get(channel_id)
        if channel is None:
            return channel_id
        if channel.is_im and channel.im_user:
            return f"direct message to {self.name(channel.im_user)}"
        return channel.name

    def mrkdwn(self, text: str) -> str:
        return render_mrkdwn(text, names=self.name, channels=self.channel_name, style=self.style)

    # lines

    def print(self, text: str = "", indent: int = 0) -> None:
        pad = " " * indent
        for line in text.splitlines() or [""]:
            self.out.write(pad + line + "\n")
        self.out.flush()

    def title(self, text: str, sub: Iterable[str] = ()) -> None:
        self.print(self.style(text, "bold"))
        for line in sub:
            self.print(self.style(line, "dim"))

    def step(self, number: int, text: str) -> None:
        self.print()
        self.print(self.style(f"━━ Step {number} · {text} ", "bold", "blue") + self.style("━" * 8, "blue"))

    def act(self, person_id: str, what: str) -> None:
        """ "Alice Moreau (Northwind Distribution) clicks Pass turn"."""
        self.print(self.style("▶ ", "magenta") + self.style(self.who(person_id), "bold") + " " + what)

    def happens(self, what: str) -> None:
        self.print(self.style("▶ ", "magenta") + what)

    def check(self, what: str) -> None:
        self.print(self.style("  ✔ " + what, "green"))

    def failed(self, what: str) -> None:
        self.print(self.style(f"  ✖ {what}", "bold", "red"))

    def note(self, what: str, indent: int = 2) -> None:
        self.print(self.style(what, "dim"), indent)

    def modal(self, person_id: str, title: str, fields: Mapping[str, str], submit: str) -> None:
        """What a person typed into a modal, and the button pressed."""
        self.act(person_id, f"fills in “{title}”:")
        for label, value in fields.items():
            self.print(f"{self.style(label, 'dim')}  {value}", 6)
        self.print(self.style(f"clicks {submit}", "dim"), 6)

    def modal_errors(self, person_id: str, errors: Mapping[str, str]) -> None:
        self.print(self.style(f"  The modal shows {self.name(person_id)} errors:", "red"))
        for field, message in errors.items():
            self.print(self.style(f"{field}: {message}", "red"), 6)

    # what people see

    def show(self, changes: Sequence[Seen], *, actor: str | None = None) -> None:
        for seen in changes:
            if seen.ephemeral is not None:
                e = seen.ephemeral
                where = self.channel_name(e.channel)
                self.print(self.style(f"  Only {self.name(e.user)} sees, in #{where}:", "yellow"))
                self._body(e.text, e.blocks)
                continue
            m = seen.message
            assert m is not None
            channel = self.emu.state.channels.get(m.channel)
            if m.bot_id is None and m.user == actor:
                continue  # what the actor wrote was narrated with the action
            if channel is not None and channel.is_im:
                head = f"  Baton → {self.name(channel.im_user or '')} (direct message):"
                self.print(self.style(head, "yellow"))
                self._body(m.text, m.blocks)
                continue
            place = f"#{self.channel_name(m.channel)}"
            author = "Baton" if m.bot_id else self.who(m.user or "")
            is_card = m.ts in self.cards
            if m.pinned and m.bot_id and seen.kind == "posted":
                self.cards.add(m.ts)
                is_card = True
            if seen.kind == "posted":
                what = "posts the card (pinned)" if is_card else "posts"
                if m.is_reply:
                    what = "replies in a thread"
            else:
                what = "updates the card" if is_card else "updates its message"
                if is_card and not m.pinned:
                    what = "updates the card (unpinned)"
            if m.bot_id and m.text.startswith("Request #") and not is_card:
                what = what.replace("its message", "the request's card")
            if seen.kind == "updated" and m.ts in self._shown:
                what += " (what changed)"
            self.print(self.style(f"  {place} · {author} {what}:", "cyan"))
            self._message(m)
            for f in m.files:
                self.print(f"📎 {f.name} · {_size(f.size)}", 6)

    def _message(self, m: Message) -> None:
        """A message's blocks; for one shown before, its first block and the blocks that changed since."""
        if not m.blocks:
            self._body(m.text, [])
            return
        rendered = ["\n".join(render_blocks([b], self.mrkdwn, self.style)) for b in m.blocks]
        before = self._shown.get(m.ts)
        self._shown[m.ts] = set(rendered)
        lines: list[str] = []
        skipped = 0
        for i, text in enumerate(rendered):
            if before is None or i == 0 or text not in before:
                lines += text.splitlines()
            else:
                skipped += 1
        if skipped:
            lines.append(self.style(f"(and {skipped} unchanged part{'s' if skipped != 1 else ''})", "dim"))
        self._lines(lines)

    def _body(self, text: str, blocks: Sequence[Mapping[str, Any]]) -> None:
        self._lines(render_blocks(blocks, self.mrkdwn, self.style) if blocks else self.mrkdwn(text).splitlines())

    def _lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.print(self.style("│ ", "dim") + line, 4)
