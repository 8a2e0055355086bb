"""Web API methods about the workspace and its people: auth.test, team.info, users.*."""

from __future__ import annotations

from typing import Any

from .calls import ApiCall, Handler
from .errors import ApiError

__all__ = ["HANDLERS"]


def auth_test(call: ApiCall) -> dict[str, Any]:
    """Identify the bot token's installation (bolt reads bot_id, user_id, team_id on its first request)."""
    app = call.world.app
    host = app.host
    result: dict[str, Any] = {
        "url": f"https://{host.domain}.slack.com/",
        "team": host.name,
        "user": app.bot.name,
        "team_id": host.team_id,
        "user_id": app.bot.id,
        "bot_id": app.bot_id,
        "app_id": app.app_id,
        "is_enterprise_install": False,
    }
    if host.enterprise_id:
        result["enterprise_id"] = host.enterprise_id
    return result


def team_info(call: ApiCall) -> dict[str, Any]:
    """Describe the host workspace, or a connected organization by its team id."""
    state = call.world.state
    wanted = call.text("team") or call.world.app.host.team_id
    org = state.orgs.get(wanted) or next((o for o in state.orgs.values() if o.enterprise_id == wanted), None)
    if org is None:
        raise ApiError("team_not_found")
    if not org.is_host and not _connected(call, org.team_id):
        # Slack describes other organizations only to apps that share a channel with them.
        raise ApiError("team_not_found")
    return {"team": org.to_api()}


def _connected(call: ApiCall, team_id: str) -> bool:
    return any(team_id in channel.org_ids() for channel in call.world.state.channels.values() if channel.is_ext_shared)


def users_info(call: ApiCall) -> dict[str, Any]:
    """Describe a user of the host workspace or of a connected organization."""
    user = call.user("user")
    if not user.org.is_host and not _connected(call, user.team_id):
        raise ApiError("user_not_found")
    return {"user": user.to_api(call.world.state.now())}


def users_lookup_by_email(call: ApiCall) -> dict[str, Any]:
    """Find a user by email: host users, and people of organizations connected through a channel."""
    user = call.world.state.user_by_email(call.need("email"))
    if user is None or user.is_bot or (not user.org.is_host and not _connected(call, user.team_id)):
        raise ApiError("users_not_found")
    return {"user": user.to_api(call.world.state.now())}


HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "team.info": team_info,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
}
