"""Who acts: the two sides of a collaboration, participant roles, and the acting person."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["Actor", "Member", "NewPerson", "Role", "Side", "team_key_of"]


class Side(enum.StrEnum):
    """The two sides: the host installed Baton (the distributor), the guest is the retailer."""

    HOST = "host"
    GUEST = "guest"

    @property
    def other(self) -> Side:
        return Side.GUEST if self is Side.HOST else Side.HOST


class Role(enum.StrEnum):
    """What a participant may do through Baton; chat is always free for everyone."""

    LEADER = "leader"  # passes and skips the turn, adds/removes people, signs off, reopens
    CONTRIBUTOR = "contributor"  # uploads, files and fulfils requests on its side's turn
    FOLLOWER = "follower"  # reads and chats


def team_key_of(team_id: str, enterprise_id: str | None = None) -> str:
    """The key of a person's organisation: the Enterprise Grid id when there is one, else the team id."""
    return enterprise_id or team_id


@dataclass(frozen=True)
class Actor:
    """The person doing something, as Slack identified them; `display_name` only words messages."""

    user_id: str
    team_key: str
    display_name: str = field(default="", compare=False)

    @classmethod
    def of(cls, user_id: str, *, team_id: str, enterprise_id: str | None = None, display_name: str = "") -> Actor:
        """An actor from the ids a Slack payload carries (`user.team_id`, `enterprise.id`)."""
        return cls(user_id=user_id, team_key=team_key_of(team_id, enterprise_id), display_name=display_name)


class Member(NamedTuple):
    """A person in the channel, as the caller knows them (`conversations.members` + `users.info`)."""

    user_id: str
    team_key: str
    display_name: str = ""


class NewPerson(NamedTuple):
    """A person a leader adds: `role` None keeps their role (contributor when new); `side` None means the
    leader's own side, and must be given for someone of a third organisation."""

    user_id: str
    team_key: str
    role: Role | None = None
    side: Side | None = None
    display_name: str = ""
