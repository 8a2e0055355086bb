"""Domain errors: the one tree a single handler turns into an ephemeral message or a modal error.

BatonError                    anything the user can be told in plain words
├── NotFound                  the collaboration, request or document does not exist (any more)
├── Refused                   the action is not allowed for this person now; nothing changed
│   ├── NotAParticipant       the actor is not part of the collaboration
│   ├── NotYourTurn           the other side holds the turn
│   ├── RoleRequired          the actor's role is too low (e.g. only leaders pass the turn)
│   ├── InvalidTransition     the thing is not in a state that allows this (e.g. accept an open request)
│   │   └── DraftsPending     the side has unsent drafts (skip and sign-off need none)
│   └── ChannelBusy           another collaboration is active in the channel (one at a time)
├── InvalidInput              a form field is wrong; `field` names the block to show it on
└── Conflict                  someone else changed the record first (a lost race); try again
"""

from __future__ import annotations

__all__ = [
    "BatonError",
    "ChannelBusy",
    "Conflict",
    "DraftsPending",
    "InvalidInput",
    "InvalidTransition",
    "NotAParticipant",
    "NotFound",
    "NotYourTurn",
    "Refused",
    "RoleRequired",
]


class BatonError(Exception):
    """An error whose message is meant for the person who caused it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(BatonError):
    """The thing acted on does not exist, or not in this channel."""


class Refused(BatonError):
    """The action is not allowed for this person now.

    `can_act` holds the user ids of the people who can do it now, so a handler may mention them.
    """

    def __init__(self, message: str, *, field: str | None = None, can_act: tuple[str, ...] = ()) -> None:
        super().__init__(message, field=field)
        self.can_act = can_act


class NotAParticipant(Refused):
    """The actor is not a participant of the collaboration."""


class NotYourTurn(Refused):
    """The actor's side does not hold the turn."""


class RoleRequired(Refused):
    """The actor's role does not allow the action."""


class InvalidTransition(Refused):
    """The request, document or collaboration is not in a state that allows the action."""


class DraftsPending(InvalidTransition):
    """The side still has drafts; only sending an update (passing the turn) publishes them."""


class ChannelBusy(Refused):
    """The channel already has an active collaboration; a channel holds one at a time."""


class InvalidInput(BatonError):
    """A form value is invalid; `field` is the input it belongs to."""


class Conflict(BatonError):
    """The record changed underneath the action (a lost race)."""
