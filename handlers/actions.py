"""Buttons on the card and the Home tab. A click is only a claim: who clicked, on which collaboration,
from which channel, is re-checked against the database before anything opens or changes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.blocks.ids import ActionId, CallbackId
from bot.blocks.metadata import CollaborationRef
from bot.deps import Deps
from handlers import openers
from handlers.common import Reply, actor_from_body, after_ack, tell
from handlers.errors import explain
from models.errors import Conflict, NotFound
from models.sides import Actor
from models.use_cases import Action, get_collaboration, sign_off, why_not

__all__ = ["register"]

STALE_BUTTON = "That button is from an old message and no longer works. Use the card pinned in the channel."


async def _resolve(
    deps: Deps, body: dict[str, Any], action: dict[str, Any]
) -> tuple[Actor, CollaborationRef, str | None]:
    """The clicking person, the collaboration the button names, and the channel clicked in (None on Home).

    A button of one channel's card used in another (a forged or copied payload) is refused.
    """
    try:
        ref = CollaborationRef.parse(action.get("value"))
    except ValueError as e:
        raise NotFound(STALE_BUTTON) from e
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    async with deps.sessions.read() as session:
        collaboration = await get_collaboration(session, ref.collaboration_id)
        if channel_id is not None and collaboration.channel_id != channel_id:
            raise NotFound(STALE_BUTTON)
        current_turn = collaboration.turn_number
    if ref.turn is not None and ref.turn != current_turn:
        raise Conflict(
            f"That card showed Turn {ref.turn}; it's Turn {current_turn} now. Have a look at the card again."
        )
    return actor_from_body(body), ref, channel_id


def _button(kind: ActionId) -> Callable[..., Awaitable[None]]:
    async def listener(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], deps: Deps) -> None:
        # A click's answer is empty: whatever it leads to (a modal, a refusal) comes after the ack, so
        # Slack hears back before any database read. The trigger_id stays valid for 3 s meanwhile.
        await ack()
        user_id = body["user"]["id"]
        channel_id = (body.get("channel") or {}).get("id")

        async def work() -> None:
            actor, ref, where = await _resolve(deps, body, action)
            reply = await CLICKS[kind](deps, actor, ref, body.get("trigger_id", ""), where)
            if reply.text:
                await tell(deps, where, user_id, reply.text, reply.blocks)

        # A refusal or failure raised in `work` reaches the person as an ephemeral too.
        after_ack(deps, work(), name=f"button {kind}", channel_id=channel_id, user_id=user_id)

    return listener


async def _pass(deps: Deps, actor: Actor, ref: CollaborationRef, trigger: str, channel: str | None) -> Reply:
    return await openers.open_pass(deps, actor, ref.collaboration_id, trigger, skip=False)


async def _skip(deps: Deps, actor: Actor, ref: CollaborationRef, trigger: str, channel: str | None) -> Reply:
    return await openers.open_pass(deps, actor, ref.collaboration_id, trigger, skip=True)


async def _add(deps: Deps, actor: Actor, ref: CollaborationRef, trigger: str, channel: str | None) -> Reply:
    return await openers.open_add_people(deps, actor, ref.collaboration_id, trigger)


async def _reopen(deps: Deps, actor: Actor, ref: CollaborationRef, trigger: str, channel: str | None) -> Reply:
    return await openers.open_reason(deps, actor, ref.collaboration_id, trigger)


async def _sign_off(deps: Deps, actor: Actor, ref: CollaborationRef, trigger: str, channel: str | None) -> Reply:
    # The button asks for confirmation in Slack itself, so the click is the decision.
    if (refusal := await why_not(deps.sessions, actor, Action.SIGN_OFF, ref.collaboration_id)) is not None:
        return Reply(refusal.message)

    async def work() -> None:
        async with deps.sessions.begin() as session:
            await sign_off(
                session,
                actor=actor,
                collaboration_id=ref.collaboration_id,
                expected_turn=ref.turn,
                now=deps.clock(),
            )
        deps.outbox.wake()

    after_ack(deps, work(), name="sign off", channel_id=channel, user_id=actor.user_id)
    return Reply()


CLICKS = {
    ActionId.PASS_TURN: _pass,
    ActionId.HOME_PASS_TURN: _pass,
    ActionId.SKIP_TURN: _skip,
    ActionId.ADD_PEOPLE: _add,
    ActionId.SIGN_OFF: _sign_off,
    ActionId.REOPEN: _reopen,
}


async def start_shortcut(ack: AsyncAck, body: dict[str, Any], deps: Deps) -> None:
    """The global shortcut "Start a collaboration": the start modal with a channel picker."""
    await ack()
    actor = actor_from_body(body)
    try:
        reply = await openers.open_start(deps, actor, None, body["trigger_id"])
    except Exception as e:
        reply = Reply(explain(e, where="start shortcut"))
    if reply.text:
        after_ack(
            deps,
            tell(deps, None, actor.user_id, reply.text),
            name="answer shortcut",
            channel_id=None,
            user_id=actor.user_id,
        )


async def link_opened(ack: AsyncAck) -> None:
    """A link button (Open channel): Slack opens the link and still tells the app; nothing to do."""
    await ack()


def register(app: AsyncApp) -> None:
    for action_id in CLICKS:
        app.action(action_id.value)(_button(action_id))
    app.action(ActionId.OPEN_CHANNEL.value)(link_opened)
    app.shortcut(CallbackId.START_SHORTCUT.value)(start_shortcut)
