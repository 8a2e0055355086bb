"""The small JSON carried by button `value`s and modal `private_metadata`: ids only, never names or secrets.

Whatever comes back is only a claim (anyone can forge a payload): handlers re-load the collaboration
and re-check who may act. Parsing only guarantees the shape, and says plainly when it is wrong.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["CollaborationRef", "RequestRef", "StartRef"]

_CHANNEL_ID = re.compile(r"[CDG][A-Z0-9]{2,31}")
_MAX_CHARS = 2000  # a button value's limit (private_metadata allows 3000); ours are far smaller


@dataclass(frozen=True)
class CollaborationRef:
    """Which collaboration a button or modal acts on.

    `turn` is the turn the person saw when they clicked or opened the modal, so a late submission of a
    stale modal (the turn was passed meanwhile) is refused rather than ending the next turn.
    `channel_id` is where the modal was opened from, to answer there.
    """

    collaboration_id: int
    turn: int | None = None
    channel_id: str | None = None

    def __post_init__(self) -> None:
        _positive(self.collaboration_id, "c")
        if self.turn is not None:
            _positive(self.turn, "t")
        if self.channel_id is not None:
            _channel(self.channel_id, "ch")

    def to_json(self) -> str:
        data: dict[str, Any] = {"c": self.collaboration_id}
        if self.turn is not None:
            data["t"] = self.turn
        if self.channel_id is not None:
            data["ch"] = self.channel_id
        return _dump(data)

    @classmethod
    def parse(cls, raw: str | None) -> CollaborationRef:
        """The reference in `raw`; ValueError saying what is wrong otherwise."""
        data = _load(raw, allowed={"c", "t", "ch"}, required={"c"})
        return cls(collaboration_id=data["c"], turn=data.get("t"), channel_id=data.get("ch"))


@dataclass(frozen=True)
class RequestRef:
    """Which document request a button or modal acts on, and the collaboration it belongs to.

    The collaboration rides along so a handler can check the pair: a request id from one collaboration
    with another's id is a forged or stale payload. `channel_id` is where a modal was opened from.
    """

    request_id: int
    collaboration_id: int
    channel_id: str | None = None

    def __post_init__(self) -> None:
        _positive(self.request_id, "r")
        _positive(self.collaboration_id, "c")
        if self.channel_id is not None:
            _channel(self.channel_id, "ch")

    def to_json(self) -> str:
        data: dict[str, Any] = {"r": self.request_id, "c": self.collaboration_id}
        if self.channel_id is not None:
            data["ch"] = self.channel_id
        return _dump(data)

    @classmethod
    def parse(cls, raw: str | None) -> RequestRef:
        """The reference in `raw`; ValueError saying what is wrong otherwise."""
        data = _load(raw, allowed={"r", "c", "ch"}, required={"r", "c"})
        return cls(request_id=data["r"], collaboration_id=data["c"], channel_id=data.get("ch"))


@dataclass(frozen=True)
class StartRef:
    """The start modal's metadata: the channel it was opened from (no collaboration exists yet), or None
    when it was opened from the global shortcut, outside any channel."""

    channel_id: str | None

    def __post_init__(self) -> None:
        if self.channel_id is not None:
            _channel(self.channel_id, "ch")

    def to_json(self) -> str:
        return _dump({"ch": self.channel_id} if self.channel_id else {})

    @classmethod
    def parse(cls, raw: str | None) -> StartRef:
        """The reference in `raw`; ValueError saying what is wrong otherwise."""
        data = _load(raw, allowed={"ch"}, required=set())
        return cls(channel_id=data.get("ch"))


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))


def _load(raw: str | None, *, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not raw:
        raise ValueError("metadata is empty")
    if len(raw) > _MAX_CHARS:
        raise ValueError(f"metadata is {len(raw)} characters long; Baton's are under {_MAX_CHARS}")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ValueError(f"metadata is not JSON: {e.msg}") from e
    if not isinstance(data, dict):
        raise ValueError(f"metadata must be a JSON object, not {type(data).__name__}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"metadata has unknown keys {unknown}; expected some of {sorted(allowed)}")
    missing = sorted(required - set(data))
    if missing:
        raise ValueError(f"metadata lacks {missing}")
    return data


def _positive(value: object, key: str) -> None:
    # bool is an int in Python; `true` is not an id.
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"metadata {key!r} must be a positive integer, got {value!r}")


def _channel(value: object, key: str) -> None:
    if not isinstance(value, str) or not _CHANNEL_ID.fullmatch(value):
        raise ValueError(f"metadata {key!r} must be a Slack channel id, got {value!r}")
