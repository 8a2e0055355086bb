"""Words and text shapes the builders share: periods, dates, names, quotes, fitting Slack's limits.

Month and day names are spelled out here rather than taken from `strftime`, whose names follow the
process's locale.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from bot.blocks.text import escape
from models.sides import Role

__all__ = [
    "FIELD_MAX",
    "SECTION_MAX",
    "channel_link",
    "channel_url",
    "clip",
    "clipped_escape",
    "clipped_quote",
    "day_label",
    "escaped_chunks",
    "mentions",
    "month_label",
    "name_list",
    "period_label",
    "plural",
    "role_label",
    "shift_month",
]

SECTION_MAX = 3000  # a section's text
FIELD_MAX = 2000  # one of a section's fields

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
_CHANNEL_ID = re.compile(r"[CDG][A-Z0-9]{2,31}")

_ROLES = {Role.LEADER: "leader", Role.CONTRIBUTOR: "contributor", Role.FOLLOWER: "follower"}


def month_label(period: str) -> str:
    """ "2026-11" → "November 2026"; anything else is returned as given (callers escape it)."""
    m = _PERIOD.fullmatch(period)
    if m is None:
        return period
    return f"{MONTHS[int(m.group(2)) - 1]} {m.group(1)}"


def period_label(period: str) -> str:
    """ "2026-11" → "November 2026 statement"."""
    return f"{month_label(period)} statement"


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    """The month `by` months after (or before) year-month."""
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def day_label(d: date) -> str:
    """ "Fri 4 Dec 2026"."""
    return f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1][:3]} {d.year}"


def role_label(role: Role) -> str:
    return _ROLES[role]


def plural(n: int, word: str, words: str | None = None) -> str:
    """ "1 draft", "3 drafts"."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut (for plain text)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def escaped_chunks(text: str, limit: int, *, line_prefix: str = "") -> list[str]:
    """`text` escaped for mrkdwn, each line after `line_prefix`, in pieces of at most `limit` characters.

    Pieces break at line ends when they can. Escaping can make text five times longer (`&` → `&amp;`),
    so text is cut after escaping, never inside an entity.
    """
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        piece = line_prefix + escape(line)
        candidate = piece if not current else f"{current}\n{piece}"
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        if len(piece) <= limit:
            current = piece
            continue
        # A line too long on its own: cut it character by character, keeping entities whole.
        current = line_prefix
        for ch in line:
            e = escape(ch)
            if len(current) + len(e) > limit:
                chunks.append(current)
                current = line_prefix
            current += e
    if current or not chunks:
        chunks.append(current)
    return chunks


def clipped_quote(text: str, limit: int) -> str:
    """`text` escaped as a mrkdwn block quote of at most `limit` characters, with "…" when cut.

    User text can't start or end a quote itself: its `>` is escaped.
    """
    chunks = escaped_chunks(text, limit - 1, line_prefix=">")
    return chunks[0] + ("…" if len(chunks) > 1 else "")


def clipped_escape(text: str, limit: int) -> str:
    """`text` escaped for mrkdwn and cut to at most `limit` characters (never inside an entity)."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    out = ""
    for ch in text:
        e = escape(ch)
        if len(out) + len(e) > limit - 1:
            break
        out += e
    return out.rstrip() + "…"


def name_list(names: Sequence[str], limit: int) -> str:
    """ "Pat Lee, Sam Ortiz and 3 others", escaped, at most `limit` characters; nameless people count."""
    named = [escape(n) for n in names if n.strip()]
    nameless = len(names) - len(named)
    shown: list[str] = []
    for i, name in enumerate(named):
        rest = len(named) - i - 1 + nameless
        tail = f" and {plural(rest, 'other')}" if rest else ""
        # +3: the last two names are joined by " and " rather than ", ".
        if len(", ".join([*shown, name])) + len(tail) + 3 > limit:
            break
        shown.append(name)
    others = len(names) - len(shown)
    if not shown:
        return plural(others, "person", "people")
    if others:
        return f"{', '.join(shown)} and {plural(others, 'other')}"
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def mentions(user_ids: Sequence[str]) -> str:
    """`<@U…>` for each id that looks like a Slack user id (others are dropped, never echoed)."""
    return " ".join(f"<@{u}>" for u in dict.fromkeys(user_ids) if _USER_ID.fullmatch(u))


def channel_link(channel_id: str) -> str:
    """`<#C…>` when `channel_id` looks like one; "the channel" otherwise."""
    return f"<#{channel_id}>" if _CHANNEL_ID.fullmatch(channel_id) else "the channel"


def channel_url(channel_id: str) -> str:
    """A https link that opens the channel in Slack (a link button needs a URL; `slack://` is not one)."""
    return f"https://slack.com/app_redirect?channel={channel_id if _CHANNEL_ID.fullmatch(channel_id) else ''}"
