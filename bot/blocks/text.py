"""User text in and out of Slack's mrkdwn.

Baton keeps what people wrote as plain text. Two sources differ: a modal's text is exactly what was
typed (`<@U1>` typed into a modal is just characters), while slash-command and mention text come
escaped by Slack, with real mentions of people as `<@U…>`. Those real mentions are kept through storage
as a marker pair of private-use characters, which `escape` turns back into mentions on the way out;
typed text cannot forge one because `from_typed_text` drops those characters.
"""

from __future__ import annotations

import re

__all__ = ["escape", "from_slack_text", "from_typed_text", "mention_marker", "neutralise_broadcasts"]

_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKED = re.compile(f"{_OPEN}([UW][A-Z0-9]+){_CLOSE}")


def mention_marker(user_id: str) -> str:
    """How a real mention of a person is kept inside stored plain text."""
    return f"{_OPEN}{user_id}{_CLOSE}"


def escape(text: str) -> str:
    """Show `text` literally in mrkdwn (`&`, `<`, `>` escaped); kept mentions become mentions again."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKED.sub(r"<@\1>", escaped)


def from_typed_text(text: str) -> str:
    """Text typed into a modal, as plain text: nothing in it can become a mention."""
    return text.replace(_OPEN, "").replace(_CLOSE, "")


# Slack's escaped broadcasts and the bare words people type; `<!subteam^…>` group pings too.
_BROADCAST = re.compile(r"<!(channel|here|everyone)(\|[^>]*)?>|<!subteam\^[^>|]*(?:\|([^>]*))?>")
_BARE = re.compile(r"(?<![\w`])@(channel|here|everyone)\b")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#(C[A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
_OTHER = re.compile(r"<![^>]*>")


def neutralise_broadcasts(text: str) -> str:
    """Turn channel-wide pings (`<!channel>`, `@here`…) into plain words that notify nobody."""
    text = _BROADCAST.sub(lambda m: f"@\u200b{m.group(1) or (m.group(3) or 'group').lstrip('@')}", text)
    return _BARE.sub(lambda m: f"@\u200b{m.group(1)}", text)


def _link_words(m: re.Match[str]) -> str:
    url, label = m.group(1), m.group(2)
    shown = url.removeprefix("mailto:")
    return f"{label} ({shown})" if label and label != shown else shown


def from_slack_text(text: str) -> str:
    """Slash-command or message text (Slack-escaped) as plain text: people's mentions kept, broadcasts
    neutralised, links and channel references as their words."""
    text = from_typed_text(text)
    text = neutralise_broadcasts(text)
    text = _USER.sub(lambda m: mention_marker(m.group(1)), text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = _LINK.sub(_link_words, text)
    text = _OTHER.sub("", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
