"""Who people and organisations are, from Slack (`users.info`, `team.info`, `conversations.members`).

Cached per process: names change rarely, and a stale display name on a card is harmless, while a
`users.info` call per channel member on every click would not be.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot.slack_client import BatonWebClient
from models.sides import Member, team_key_of

__all__ = ["Directory", "Person"]


@dataclass(frozen=True)
class Person:
    user_id: str
    display_name: str
    team_id: str
    team_key: str  # the enterprise id when the person's organisation is on Enterprise Grid
    email: str | None
    is_bot: bool


class Directory:
    """Slack lookups Baton needs to name people and sides, with a per-process cache."""

    def __init__(self, slack: BatonWebClient) -> None:
        self._slack = slack
        self._people: dict[str, Person] = {}
        self._orgs: dict[str, str] = {}
        self._bot_user_id: str | None = None
        self._host_team_id: str | None = None

    async def person(self, user_id: str) -> Person:
        if user_id not in self._people:
            user = (await self._slack.users_info(user=user_id))["user"]
            profile = user.get("profile") or {}
            enterprise = (user.get("enterprise_user") or {}).get("enterprise_id")
            team_id = user.get("team_id", "")
            self._people[user_id] = Person(
                user_id=user_id,
                display_name=profile.get("real_name") or user.get("real_name") or user.get("name") or user_id,
                team_id=team_id,
                team_key=team_key_of(team_id, enterprise),
                email=profile.get("email"),
                is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
            )
        return self._people[user_id]

    async def org_name(self, team_id: str) -> str:
        """An organisation's name as `team.info` gives it ("Retail Co"); the id if Slack won't say."""
        if team_id not in self._orgs:
            try:
                self._orgs[team_id] = (await self._slack.team_info(team=team_id))["team"]["name"]
            except SlackApiError:
                return team_id
        return self._orgs[team_id]

    async def host(self) -> tuple[str, str]:
        """(the bot's user id, the host team id): the installation Baton runs for."""
        if self._bot_user_id is None or self._host_team_id is None:
            auth = await self._slack.auth_test()
            self._bot_user_id, self._host_team_id = auth["user_id"], auth["team_id"]
        return self._bot_user_id, self._host_team_id

    async def channel_members(self, channel_id: str) -> list[Member]:
        """The people in a channel (bots excluded), with their sides' keys and names."""
        bot_user, _ = await self.host()
        ids: list[str] = []
        cursor = None
        while True:
            page = await self._slack.conversations_members(channel=channel_id, cursor=cursor, limit=200)
            ids += page["members"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        members = []
        for user_id in ids:
            if user_id == bot_user:
                continue
            person = await self.person(user_id)
            if not person.is_bot:
                members.append(Member(user_id, person.team_key, person.display_name))
        return members
