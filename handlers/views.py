"""Modal submissions: validate, re-check who may act (so the modal shows a refusal), ack, then change.

The use case checks again in its transaction; a submission that loses a race after the ack gets an
ephemeral message instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.blocks import modals
from bot.blocks.ids import BlockId, CallbackId
from bot.deps import Deps
from handlers.common import accept_submission, actor_from_body, after_ack
from handlers.openers import start_refusal, today
from models.errors import BatonError, InvalidInput
from models.sides import Actor, NewPerson
from models.use_cases import (
    Action,
    add_participants,
    get_collaboration,
    invite_sent,
    pass_turn,
    reopen,
    skip_turn,
    start_collaboration,
    why_not,
)

__all__ = ["register"]

BAD_FORM = "This form is out of date. Close it and start again from the card."


async def _refuse(ack: AsyncAck, block: BlockId, message: str) -> None:
    await ack(response_action="errors", errors={block.value: message})


async def _channel_of(deps: Deps, collaboration_id: int) -> str:
    async with deps.sessions.read() as session:
        return (await get_collaboration(session, collaboration_id)).channel_id


async def _accepted(
    ack: AsyncAck, deps: Deps, body: dict[str, Any], parse: Callable[[], Any], action: Action, block: BlockId
) -> tuple[Any, Actor] | None:
    async def check(actor: Actor, form: Any) -> BatonError | None:
        return await why_not(deps.sessions, actor, action, form.ref.collaboration_id)

    return await accept_submission(ack, body, parse, block.value, check)


async def on_pass(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps) -> None:
    await _submit_turn_end(ack, body, view, deps, skip=False)


async def on_skip(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps) -> None:
    await _submit_turn_end(ack, body, view, deps, skip=True)


async def _submit_turn_end(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps, *, skip: bool
) -> None:
    parse = (lambda: modals.parse_skip(view)) if skip else (lambda: modals.parse_pass(view))
    accepted = await _accepted(ack, deps, body, parse, Action.SKIP if skip else Action.PASS, BlockId.MESSAGE)
    if accepted is None:
        return None
    form, actor = accepted
    change: Any = skip_turn if skip else pass_turn

    async def work() -> None:
        async with deps.sessions.begin() as session:
            await change(
                session,
                actor=actor,
                collaboration_id=form.ref.collaboration_id,
                message=form.message,
                expected_turn=form.ref.turn,
                now=deps.clock(),
            )
        deps.outbox.wake()

    channel = form.ref.channel_id or await _channel_of(deps, form.ref.collaboration_id)
    after_ack(deps, work(), name="skip turn" if skip else "pass turn", channel_id=channel, user_id=actor.user_id)
    return None


async def on_reopen(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps) -> None:
    accepted = await _accepted(ack, deps, body, lambda: modals.parse_reason(view), Action.REOPEN, BlockId.REASON)
    if accepted is None:
        return None
    form, actor = accepted

    async def work() -> None:
        async with deps.sessions.begin() as session:
            await reopen(
                session,
                actor=actor,
                collaboration_id=form.ref.collaboration_id,
                reason=form.reason,
                now=deps.clock(),
            )
        deps.outbox.wake()

    channel = await _channel_of(deps, form.ref.collaboration_id)
    after_ack(deps, work(), name="reopen", channel_id=channel, user_id=actor.user_id)
    return None


async def on_add_people(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps) -> None:
    accepted = await _accepted(
        ack, deps, body, lambda: modals.parse_add_people(view), Action.ADD_PEOPLE, BlockId.PEOPLE
    )
    if accepted is None:
        return None
    form, actor = accepted
    collaboration_id = form.ref.collaboration_id

    async def work() -> None:
        people = []
        me = await deps.directory.person(actor.user_id)
        actor_with_key = Actor(actor.user_id, me.team_key, me.display_name)
        for user_id in form.user_ids:
            person = await deps.directory.person(user_id)
            side = None
            if form.other_org:
                from models.use_cases import participants_of

                async with deps.sessions.read() as session:
                    mine = next(
                        p for p in await participants_of(session, collaboration_id) if p.user_id == actor.user_id
                    )
                side = mine.side
            people.append(NewPerson(user_id, person.team_key, form.role, side, person.display_name))
        async with deps.sessions.begin() as session:
            if people:
                await add_participants(
                    session,
                    actor=actor_with_key,
                    collaboration_id=collaboration_id,
                    people=people,
                    now=deps.clock(),
                )
            if form.email:
                await invite_sent(
                    session,
                    actor=actor_with_key,
                    collaboration_id=collaboration_id,
                    email=form.email,
                    now=deps.clock(),
                )
        deps.outbox.wake()

    channel = await _channel_of(deps, collaboration_id)
    after_ack(deps, work(), name="add people", channel_id=channel, user_id=actor.user_id)
    return None


def channel_name_for(title: str) -> str:
    """A valid Slack channel name from a title: lowercase letters, digits, hyphens; 80 characters at most."""
    name = re.sub(r"[^a-z0-9_-]+", "-", title.lower()).strip("-_")
    return (name or "statement")[:72].strip("-")


async def on_start(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps) -> None:
    try:
        form = modals.parse_start(view, today=today(deps))
    except ValueError:
        await _refuse(ack, BlockId.TITLE, BAD_FORM)
        return
    if form.errors:
        await ack(response_action="errors", errors={k.value: v for k, v in form.errors.items()})
        return
    actor = actor_from_body(body)
    new_channel = form.where is modals.Where.NEW_CHANNEL
    if not new_channel and form.channel_id and (refusal := await start_refusal(deps, actor, form.channel_id)):
        await _refuse(ack, BlockId.TITLE, refusal.message)
        return
    contact = None
    if form.contact_user_id:
        contact = await deps.directory.person(form.contact_user_id)
        _, host_team = await deps.directory.host()
        if contact.team_id == host_team:
            await _refuse(
                ack,
                BlockId.CONTACT_USER,
                "Pick the retailer's contact: someone from their organisation, not yours.",
            )
            return
    await ack()

    async def work() -> None:
        channel_id = await _new_channel(deps, form.title, actor.user_id) if new_channel else form.channel_id
        assert channel_id is not None  # parse_start gives a channel unless a new one is asked for
        await _ensure_bot_in(deps, channel_id)
        _, host_team = await deps.directory.host()
        me = await deps.directory.person(actor.user_id)
        members = await deps.directory.channel_members(channel_id)
        guest_team_key = contact.team_key if contact else None
        guest_name = await deps.directory.org_name(contact.team_id) if contact else None
        if contact is None:
            info = (await deps.slack.conversations_info(channel=channel_id))["channel"]
            connected = [t for t in info.get("connected_team_ids") or [] if t != host_team]
            if connected:
                guest_team_key, guest_name = connected[0], await deps.directory.org_name(connected[0])
        async with deps.sessions.begin() as session:
            await start_collaboration(
                session,
                actor=Actor(actor.user_id, me.team_key, me.display_name),
                channel_id=channel_id,
                host_team_key=me.team_key,
                host_name=await deps.directory.org_name(host_team),
                title=form.title,
                period=form.period,
                note=form.note,
                due_date=form.due_date,
                account_name=form.account_name,
                guest_name=guest_name,
                guest_team_key=guest_team_key,
                guest_contact_user_id=contact.user_id if contact else None,
                guest_contact_email=form.contact_email,
                channel_members=members,
                timezone=deps.settings.BATON_TIMEZONE,
                now=deps.clock(),
            )
        deps.outbox.wake()

    after_ack(deps, work(), name="start collaboration", channel_id=form.channel_id, user_id=actor.user_id)
    return None


async def _new_channel(deps: Deps, title: str, creator: str) -> str:
    """Create the collaboration's channel (a free name derived from the title) with its creator in it."""
    base = channel_name_for(title)
    for attempt in range(1, 20):
        name = base if attempt == 1 else f"{base}-{attempt}"
        try:
            created = await deps.slack.conversations_create(name=name, is_private=False)
        except SlackApiError as e:
            if e.response.get("error") == "name_taken":
                continue
            raise InvalidInput(f"Slack would not create #{name}: {e.response.get('error')}.") from e
        channel_id: str = created["channel"]["id"]
        await deps.slack.conversations_invite(channel=channel_id, users=creator)
        return channel_id
    raise InvalidInput(f"Every channel name like #{base} is taken: choose another title.")


async def _ensure_bot_in(deps: Deps, channel_id: str) -> None:
    """Baton must be in the channel to post its card; it joins a public one, and asks for a private one."""
    try:
        await deps.slack.conversations_join(channel=channel_id)
    except SlackApiError as e:
        if e.response.get("error") in (
            "method_not_supported_for_channel_type",
            "is_private",
            "channel_not_found",
        ):
            raise BatonError(
                "Baton isn't in this private channel: add it with `/invite @Baton`, then try again."
            ) from e
        raise


def register(app: AsyncApp) -> None:
    app.view(CallbackId.START.value)(on_start)
    app.view(CallbackId.PASS.value)(on_pass)
    app.view(CallbackId.SKIP.value)(on_skip)
    app.view(CallbackId.ADD_PEOPLE.value)(on_add_people)
    app.view(CallbackId.REOPEN.value)(on_reopen)
