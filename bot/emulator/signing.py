"""Slack's request signing: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret."""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = ["sign", "signed_headers"]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the `X-Slack-Signature` value for this body sent at `timestamp`."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: bytes, *, timestamp: str | int | None = None, signature: str | None = None
) -> dict[str, str]:
    """Headers Slack puts on a request; pass `timestamp`/`signature` to forge stale or bad ones.

    The timestamp is real wall-clock time, not the emulator clock: the bot checks it against its own
    clock (bolt uses time.time()), so an advanced emulator clock must not make requests look stale.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature if signature is not None else sign(secret, ts, body),
    }
