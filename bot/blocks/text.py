"""Making user text safe for mrkdwn."""

from __future__ import annotations

import re

__all__ = ["escape", "neutralise_broadcasts"]


def escape(text: str) -> str:
    """Show `text` literally in mrkdwn: escape the three characters Slack gives meaning to."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Slack's escaped broadcasts and the bare words people type; `<!subteam^…>` group pings too.
_BROADCAST = re.compile(r"<!(channel|here|everyone)(\|[^>]*)?>|<!subteam\^[^>]*>")
_BARE = re.compile(r"(?<![\w`])@(channel|here|everyone)\b")


def neutralise_broadcasts(text: str) -> str:
    """Keep people's `<@U…>` mentions but turn channel-wide pings into plain words."""
    text = _BROADCAST.sub(lambda m: f"@\u200b{m.group(1) or 'group'}", text)
    return _BARE.sub(lambda m: f"@\u200b{m.group(1)}", text)
