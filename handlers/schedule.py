"""`/turn schedule`: the account's statement schedule, for the distributor's leaders."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.metadata import CollaborationRef
from bot.blocks.schedule import parse_schedule, schedule_modal
from bot.deps import Deps
from handlers.common import Reply, actor_from_body, after_ack, tell
from models.errors import BatonError, InvalidInput, NotFound
from models.sides import Actor
from models.use_cases import (
    account_of_channel,
    account_view,
    get_collaboration,
    set_schedule,
    set_sharepoint,
    sharepoint_of,
    update_account,
)

__all__ = ["open_schedule", "register"]

NO_ACCOUNT = "This channel has no retailer account yet: it is created with the first collaboration (`/turn new`)."


async def open_schedule(deps: Deps, actor: Actor, channel_id: str, trigger_id: str | None) -> Reply:
    if trigger_id is None:
        return Reply("Run `/turn schedule` to set when Baton opens each month's collaboration.")
    _, host_team = await deps.directory.host()
    if (await deps.directory.person(actor.user_id)).team_id != host_team:
        return Reply("Only the distributor's leaders set the statement schedule.")
    async with deps.sessions.read() as session:
        account = await account_of_channel(session, channel_id)
        if account is None:
            return Reply(NO_ACCOUNT)
        view = await account_view(session, account.id, default_timezone=deps.settings.BATON_TIMEZONE)
        # The SharePoint folders only when Microsoft 365 is configured.
        sharepoint = await sharepoint_of(session, account.id) if deps.graph is not None else None
    modal = schedule_modal(view.id, view.name, view.schedule, view.customer_number, sharepoint)

    async def work() -> None:
        await deps.slack.views_open(trigger_id=trigger_id, view=modal)

    after_ack(deps, work(), name="open schedule", channel_id=channel_id, user_id=actor.user_id)
    return Reply()


async def on_schedule(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps) -> None:
    try:
        form = parse_schedule(view)
    except ValueError:
        await ack(response_action="errors", errors={BlockId.DAY.value: "This form is out of date: open it again."})
        return
    if form.errors:
        await ack(response_action="errors", errors=form.errors)
        return
    sharepoint = form.sharepoint if deps.graph is not None else None
    if sharepoint is not None and deps.graph is not None:
        from bot.sharepoint import check_folders  # Microsoft 365's modules load only when it is configured

        if errors := await check_folders(deps.graph, sharepoint):
            await ack(response_action="errors", errors=errors)
            return
    actor = actor_from_body(body)
    # Saved before the answer, so a refusal or a wrong value shows on the form itself.
    try:
        async with deps.sessions.begin() as session:
            await set_schedule(
                session,
                actor=actor,
                account_id=form.account_id,
                day_rule=form.day_rule,
                day=form.day,
                at=form.at,
                timezone=form.timezone,
                country=form.country,
                auto_open=form.auto_open,
                remind_user_ids=form.remind_user_ids,
                remind_days_before=form.remind_days_before,
                escalate_after_days=form.escalate_after_days,
                nudge_after_days=form.nudge_after_days,
                default_timezone=deps.settings.BATON_TIMEZONE,
                now=deps.clock(),
            )
            await update_account(
                session,
                actor=actor,
                account_id=form.account_id,
                customer_number=form.customer_number or "",
                default_timezone=deps.settings.BATON_TIMEZONE,
            )
            if sharepoint is not None:
                await set_sharepoint(
                    session,
                    actor=actor,
                    account_id=form.account_id,
                    statement_folder_url=sharepoint.statement_folder_url,
                    file_pattern=sharepoint.file_pattern,
                    archive_folder_url=sharepoint.archive_folder_url,
                    now=deps.clock(),
                )
    except InvalidInput as e:
        await ack(response_action="errors", errors={e.field or BlockId.DAY.value: e.message})
        return
    except BatonError as e:
        await ack(response_action="errors", errors={BlockId.DAY.value: e.message})
        return
    await ack()
    after_ack(
        deps,
        tell(deps, None, actor.user_id, "Statement schedule saved."),
        name="schedule saved",
        channel_id=None,
        user_id=actor.user_id,
    )


async def on_home_schedule(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], deps: Deps) -> None:
    """The Home tab's Statement schedule button: the schedule of that collaboration's account."""
    await ack()
    actor = actor_from_body(body)
    try:
        ref = CollaborationRef.parse(action.get("value"))
        async with deps.sessions.read() as session:
            channel_id = (await get_collaboration(session, ref.collaboration_id)).channel_id
        reply = await open_schedule(deps, actor, channel_id, body.get("trigger_id"))
    except (ValueError, NotFound):
        reply = Reply("That button is from an old Home tab: open Home again.")
    if reply.text:
        after_ack(
            deps,
            tell(deps, None, actor.user_id, reply.text),
            name="answer schedule",
            channel_id=None,
            user_id=actor.user_id,
        )


def register(app: AsyncApp) -> None:
    app.view(CallbackId.SCHEDULE.value)(on_schedule)
    app.action(ActionId.HOME_SCHEDULE.value)(on_home_schedule)
