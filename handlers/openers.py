"""Opening modals: check first (reads only), answer at once, open the modal right after the ack.

A `trigger_id` is good for 3 seconds; the modal is opened by a task that starts as soon as the
request is answered, so the check and the open both fit well inside it.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from slack_sdk.models.views import View
from sqlalchemy import select

from bot.blocks import modals
from bot.deps import Deps
from handlers.common import Reply, after_ack
from models.collaborations import Account
from models.errors import BatonError, NotAParticipant
from models.sides import Actor
from models.use_cases import Action, active_in_channel, collaboration_view, why_not

__all__ = ["open_add_people", "open_pass", "open_reason", "open_start", "today"]


def today(deps: Deps) -> date:
    """The date where Baton's users are (BATON_TIMEZONE), for modal defaults and due dates."""
    return deps.clock().astimezone(ZoneInfo(deps.settings.BATON_TIMEZONE)).date()


def _open_later(deps: Deps, trigger_id: str, view: View, *, name: str, channel_id: str | None, user_id: str) -> None:
    async def work() -> None:
        await deps.slack.views_open(trigger_id=trigger_id, view=view)

    after_ack(deps, work(), name=name, channel_id=channel_id, user_id=user_id)


async def start_refusal(deps: Deps, actor: Actor, channel_id: str) -> BatonError | None:
    """Why `actor` cannot start a collaboration in `channel_id` now, if they cannot."""
    _, host_team = await deps.directory.host()
    person = await deps.directory.person(actor.user_id)
    if person.team_id != host_team:
        return NotAParticipant("Only the distributor's team starts a collaboration here: ask them to run `/turn new`.")
    async with deps.sessions.read() as session:
        busy = await active_in_channel(session, channel_id)
    if busy is not None:
        return BatonError(
            f"“{busy.title}” is still open in this channel (Turn {busy.turn_number}, "
            f"{busy.org_name(busy.holding_side)}'s turn). A channel holds one collaboration at a time: "
            "wrap it up first."
        )
    return None


async def open_start(deps: Deps, actor: Actor, channel_id: str | None, trigger_id: str) -> Reply:
    """The start modal for `channel_id`, or (from the global shortcut, `channel_id` None) with a channel picker."""
    if channel_id is not None and (refusal := await start_refusal(deps, actor, channel_id)) is not None:
        return Reply(refusal.message)
    async with deps.sessions.read() as session:
        account = await session.scalar(select(Account).where(Account.channel_id == channel_id))
    defaults = modals.StartDefaults(account_name=account.name if account is not None else None)
    view = modals.start_modal(channel_id, defaults, today=today(deps))
    _open_later(deps, trigger_id, view, name="open start modal", channel_id=channel_id, user_id=actor.user_id)
    return Reply()


async def open_pass(deps: Deps, actor: Actor, collaboration_id: int, trigger_id: str, *, skip: bool) -> Reply:
    if refusal := await why_not(deps.sessions, actor, Action.SKIP if skip else Action.PASS, collaboration_id):
        return Reply(refusal.message)
    async with deps.sessions.read() as session:
        view = await collaboration_view(session, collaboration_id)
    modal = (modals.skip_modal if skip else modals.pass_modal)(view, view.turn_number)
    _open_later(deps, trigger_id, modal, name="open pass modal", channel_id=view.channel_id, user_id=actor.user_id)
    return Reply()


async def open_add_people(deps: Deps, actor: Actor, collaboration_id: int, trigger_id: str) -> Reply:
    if (refusal := await why_not(deps.sessions, actor, Action.ADD_PEOPLE, collaboration_id)) is not None:
        return Reply(refusal.message)
    async with deps.sessions.read() as session:
        view = await collaboration_view(session, collaboration_id)
    _open_later(
        deps,
        trigger_id,
        modals.add_people_modal(view),
        name="open add people",
        channel_id=view.channel_id,
        user_id=actor.user_id,
    )
    return Reply()


async def open_reason(deps: Deps, actor: Actor, collaboration_id: int, trigger_id: str) -> Reply:
    if (refusal := await why_not(deps.sessions, actor, Action.REOPEN, collaboration_id)) is not None:
        return Reply(refusal.message)
    async with deps.sessions.read() as session:
        view = await collaboration_view(session, collaboration_id)
    _open_later(
        deps,
        trigger_id,
        modals.reason_modal(modals.ReasonKind.REOPEN, view),
        name="open reopen",
        channel_id=view.channel_id,
        user_id=actor.user_id,
    )
    return Reply()
