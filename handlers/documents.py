"""Uploads and document requests: the card's Upload and Request document, the request cards' buttons,
their modals, and `/turn upload|request|requests|docs`.

What a side does here during its turn is a draft: confirmed to the person ephemerally, published
with the side's next update. Files are checked on the modal (size, type) before the ack, then
downloaded and checked again (content) after it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.models.views import View

from bot.blocks import documents as document_blocks
from bot.blocks import requests as request_blocks
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.metadata import CollaborationRef, RequestRef
from bot.blocks.updates import draft_confirmation
from bot.deps import Deps
from bot.slack_files import fetch_file
from handlers.common import Check, Reply, accept_submission, actor_from_body, after_ack, channel_collaboration, tell
from handlers.errors import explain
from handlers.openers import today
from models.errors import BatonError, NotFound
from models.requests import RequestAction
from models.sides import Actor, Side
from models.use_cases import (
    Action,
    accept_request,
    cancel_request,
    collaboration_view,
    decline_request,
    documents_of,
    file_requests,
    fulfil_request,
    get_collaboration,
    participants_of,
    reopen_request,
    request_refusal,
    requests_of,
    stage_upload,
    why_not,
)

__all__ = ["list_documents", "list_requests", "open_request", "open_upload", "register"]

STALE = "That button is from an old message and no longer works."


def _limits(deps: Deps) -> dict[str, Any]:
    return {
        "max_mb": min(deps.settings.BATON_MAX_FILE_MB, 10),
        "filetypes": sorted(deps.settings.BATON_ALLOWED_FILE_TYPES),
    }


async def _side(deps: Deps, collaboration_id: int, user_id: str) -> Side | None:
    async with deps.sessions.read() as session:
        me = next((p for p in await participants_of(session, collaboration_id) if p.user_id == user_id), None)
    return me.side if me is not None else None


def _open_later(deps: Deps, trigger_id: str, view: View, *, channel_id: str | None, user_id: str) -> None:
    async def work() -> None:
        await deps.slack.views_open(trigger_id=trigger_id, view=view)

    after_ack(deps, work(), name=f"open {view.callback_id}", channel_id=channel_id, user_id=user_id)


# --- opening the modals --------------------------------------------------------------------------


async def open_upload(deps: Deps, actor: Actor, collaboration_id: int, trigger_id: str | None) -> Reply:
    if (refusal := await why_not(deps.sessions, actor, Action.WORK, collaboration_id)) is not None:
        return Reply(refusal.message)
    if trigger_id is None:
        return Reply("Use *Upload* on the card, or drop the file in the channel (it is recorded at once).")
    side = await _side(deps, collaboration_id, actor.user_id)
    async with deps.sessions.read() as session:
        view = await collaboration_view(session, collaboration_id)
        own = [d for d in await documents_of(session, collaboration_id, viewer_side=side) if d.side is side]
    _open_later(
        deps,
        trigger_id,
        document_blocks.upload_modal(view, own, **_limits(deps)),
        channel_id=view.channel_id,
        user_id=actor.user_id,
    )
    return Reply()


async def open_request(deps: Deps, actor: Actor, collaboration_id: int, trigger_id: str | None) -> Reply:
    if (refusal := await why_not(deps.sessions, actor, Action.WORK, collaboration_id)) is not None:
        return Reply(refusal.message)
    if trigger_id is None:
        return Reply("Use *Request document* on the card to file a request.")
    async with deps.sessions.read() as session:
        view = await collaboration_view(session, collaboration_id)
    _open_later(
        deps,
        trigger_id,
        request_blocks.request_modal(view, today=today(deps)),
        channel_id=view.channel_id,
        user_id=actor.user_id,
    )
    return Reply()


async def list_requests(deps: Deps, actor: Actor, channel_id: str) -> Reply:
    collaboration_id = await channel_collaboration(deps, channel_id, include_closed=True)
    side = await _side(deps, collaboration_id, actor.user_id)
    async with deps.sessions.read() as session:
        view = await collaboration_view(session, collaboration_id)
        requests = await requests_of(session, collaboration_id, viewer_side=side)
    text, blocks = request_blocks.requests_list(
        requests, today=today(deps), viewer_side=side, orgs={Side.HOST: view.host_name, Side.GUEST: view.guest_name}
    )
    return Reply(text, blocks)


async def list_documents(deps: Deps, actor: Actor, channel_id: str) -> Reply:
    collaboration_id = await channel_collaboration(deps, channel_id, include_closed=True)
    side = await _side(deps, collaboration_id, actor.user_id)
    async with deps.sessions.read() as session:
        view = await collaboration_view(session, collaboration_id)
        documents = await documents_of(session, collaboration_id, viewer_side=side)
    text, blocks = document_blocks.documents_list(
        documents, viewer_side=side, orgs={Side.HOST: view.host_name, Side.GUEST: view.guest_name}
    )
    return Reply(text, blocks)


# --- buttons -------------------------------------------------------------------------------------


def _card_button(
    open_modal: Callable[[Deps, Actor, int, str | None], Awaitable[Reply]],
) -> Callable[..., Awaitable[None]]:
    async def listener(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], deps: Deps) -> None:
        await ack()
        actor, channel_id = actor_from_body(body), (body.get("channel") or {}).get("id")
        try:
            ref = CollaborationRef.parse(action.get("value"))
            async with deps.sessions.read() as session:
                if (await get_collaboration(session, ref.collaboration_id)).channel_id != channel_id:
                    raise NotFound(STALE)
            reply = await open_modal(deps, actor, ref.collaboration_id, body.get("trigger_id"))
        except ValueError:
            reply = Reply(STALE)
        except Exception as e:
            reply = Reply(explain(e, where="card button"))
        if reply.text:
            after_ack(
                deps,
                tell(deps, channel_id, actor.user_id, reply.text),
                name="answer click",
                channel_id=channel_id,
                user_id=actor.user_id,
            )

    return listener


RequestClick = Callable[[Deps, Actor, RequestRef, str, str], Awaitable[Reply]]


def _request_button(action_kind: RequestAction, then: RequestClick) -> Callable[..., Awaitable[None]]:
    async def listener(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], deps: Deps) -> None:
        await ack()
        actor, channel_id = actor_from_body(body), (body.get("channel") or {}).get("id") or ""
        try:
            ref = RequestRef.parse(action.get("value"))
            refusal = await request_refusal(deps.sessions, actor, ref.request_id, action_kind, channel_id=channel_id)
            reply = (
                Reply(refusal.message)
                if refusal
                else await then(deps, actor, ref, body.get("trigger_id", ""), channel_id)
            )
        except ValueError:
            reply = Reply(STALE)
        except Exception as e:
            reply = Reply(explain(e, where=f"request {action_kind}"))
        if reply.text:
            after_ack(
                deps,
                tell(deps, channel_id, actor.user_id, reply.text),
                name="answer click",
                channel_id=channel_id,
                user_id=actor.user_id,
            )

    return listener


async def _request_view(deps: Deps, ref: RequestRef, side: Side | None) -> Any:
    async with deps.sessions.read() as session:
        found = [
            r for r in await requests_of(session, ref.collaboration_id, viewer_side=side) if r.id == ref.request_id
        ]
    if not found:
        raise NotFound(STALE)
    return found[0]


async def _open_fulfil(deps: Deps, actor: Actor, ref: RequestRef, trigger: str, channel_id: str) -> Reply:
    side = await _side(deps, ref.collaboration_id, actor.user_id)
    request = await _request_view(deps, ref, side)
    async with deps.sessions.read() as session:
        docs = await documents_of(session, ref.collaboration_id, viewer_side=side)
    own = [v for d in docs if d.side is side for v in d.versions if v.stored]
    _open_later(
        deps,
        trigger,
        request_blocks.fulfil_modal(request, own, channel_id=channel_id, **_limits(deps)),
        channel_id=channel_id,
        user_id=actor.user_id,
    )
    return Reply()


async def _open_accept(deps: Deps, actor: Actor, ref: RequestRef, trigger: str, channel_id: str) -> Reply:
    request = await _request_view(deps, ref, await _side(deps, ref.collaboration_id, actor.user_id))
    _open_later(
        deps,
        trigger,
        request_blocks.accept_modal(request, channel_id=channel_id),
        channel_id=channel_id,
        user_id=actor.user_id,
    )
    return Reply()


def _open_reason(kind: str) -> RequestClick:
    async def open_it(deps: Deps, actor: Actor, ref: RequestRef, trigger: str, channel_id: str) -> Reply:
        request = await _request_view(deps, ref, await _side(deps, ref.collaboration_id, actor.user_id))
        modal = request_blocks.request_reason_modal(kind, request, channel_id=channel_id)  # type: ignore[arg-type]
        _open_later(deps, trigger, modal, channel_id=channel_id, user_id=actor.user_id)
        return Reply()

    return open_it


async def _cancel(deps: Deps, actor: Actor, ref: RequestRef, trigger: str, channel_id: str) -> Reply:
    # The button asks for confirmation in Slack itself.
    await _staged(
        deps,
        actor,
        channel_id,
        "cancel request",
        lambda session: cancel_request(
            session, actor=actor, request_id=ref.request_id, channel_id=channel_id, now=deps.clock()
        ),
    )
    return Reply()


# --- submissions ---------------------------------------------------------------------------------


def _errors(form_errors: dict[Any, str]) -> dict[str, str]:
    return {str(getattr(k, "value", k)): v for k, v in form_errors.items()}


async def _staged(
    deps: Deps,
    actor: Actor,
    channel_id: str | None,
    name: str,
    change: Callable[[Any], Awaitable[Any]],
    *,
    lines: list[str] | None = None,
) -> None:
    """Run a draft-making change after the ack and confirm it to the person only."""

    async def work() -> None:
        async with deps.sessions.begin() as session:
            await change(session)
        deps.outbox.wake()
        if channel_id:
            text = draft_confirmation(lines or [name[0].upper() + name[1:]], other_org="the other side")
            await tell(deps, channel_id, actor.user_id, text)

    after_ack(deps, work(), name=name, channel_id=channel_id, user_id=actor.user_id)


async def _stage_files(
    deps: Deps,
    actor: Actor,
    collaboration_id: int,
    channel_id: str | None,
    files: list[dict[str, Any]],
    new_version_of: int | None,
) -> tuple[list[int], list[str]]:
    """Download, check and stage each file; (the staged version ids, lines for the confirmation)."""
    version_ids, lines = [], []
    for file in files:
        fetched = await fetch_file(deps.slack, deps.blobs, deps.settings, file["id"])
        if fetched.blob is None:
            await tell(
                deps,
                channel_id,
                actor.user_id,
                document_blocks.file_refused_text(fetched.name, fetched.reason or "not stored"),
            )
            continue
        async with deps.sessions.begin() as session:
            version = await stage_upload(
                session,
                actor=actor,
                collaboration_id=collaboration_id,
                name=fetched.name,
                size=fetched.size,
                file_type=fetched.file_type,
                blob=fetched.blob,
                slack_file_id=None,
                new_version_of=new_version_of,
                original_name=fetched.original_name,
                now=deps.clock(),
            )
        version_ids.append(version.id)
        lines.append(f"Upload {fetched.name}")
    return version_ids, lines


def _may_work(deps: Deps) -> Check:
    async def check(actor: Actor, form: Any) -> BatonError | None:
        return await why_not(deps.sessions, actor, Action.WORK, form.ref.collaboration_id)

    return check


def _may_act_on_request(deps: Deps, action: RequestAction) -> Check:
    async def check(actor: Actor, form: Any) -> BatonError | None:
        channel_id = form.ref.channel_id or await _channel_of(deps, form.ref.collaboration_id)
        return await request_refusal(deps.sessions, actor, form.ref.request_id, action, channel_id=channel_id)

    return check


async def on_upload(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps) -> None:
    accepted = await accept_submission(
        ack, body, lambda: document_blocks.parse_upload(view, **_limits(deps)), BlockId.FILE.value, _may_work(deps)
    )
    if accepted is None:
        return
    form, actor = accepted
    channel_id = form.ref.channel_id or await _channel_of(deps, form.ref.collaboration_id)

    async def work() -> None:
        _, lines = await _stage_files(
            deps, actor, form.ref.collaboration_id, channel_id, form.files, form.new_version_of
        )
        deps.outbox.wake()
        if lines:
            await tell(
                deps,
                channel_id,
                actor.user_id,
                draft_confirmation(lines, other_org=await _other_org(deps, form.ref.collaboration_id, actor)),
            )

    # The files are downloaded after the ack: a 10 MB upload must not hold up the modal.
    after_ack(deps, work(), name="upload", channel_id=channel_id, user_id=actor.user_id)


async def _channel_of(deps: Deps, collaboration_id: int) -> str:
    async with deps.sessions.read() as session:
        return (await get_collaboration(session, collaboration_id)).channel_id


async def _other_org(deps: Deps, collaboration_id: int, actor: Actor) -> str:
    side = await _side(deps, collaboration_id, actor.user_id)
    async with deps.sessions.read() as session:
        view = await collaboration_view(session, collaboration_id)
    return view.guest_name if side is Side.HOST else view.host_name


async def on_request(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps) -> None:
    accepted = await accept_submission(
        ack,
        body,
        lambda: request_blocks.parse_request(view, today=today(deps)),
        BlockId.CATEGORY.value,
        _may_work(deps),
    )
    if accepted is None:
        return
    form, actor = accepted
    channel_id = form.ref.channel_id or await _channel_of(deps, form.ref.collaboration_id)

    async def work() -> None:
        async with deps.sessions.begin() as session:
            filed = await file_requests(
                session,
                actor=actor,
                collaboration_id=form.ref.collaboration_id,
                requests=form.requests,
                now=deps.clock(),
            )
        lines = [f"File request {r.label}: {r.category_label}" for r in filed]
        await tell(
            deps,
            channel_id,
            actor.user_id,
            draft_confirmation(lines, other_org=await _other_org(deps, form.ref.collaboration_id, actor)),
        )

    after_ack(deps, work(), name="file requests", channel_id=channel_id, user_id=actor.user_id)


async def on_fulfil(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps) -> None:
    accepted = await accept_submission(
        ack,
        body,
        lambda: request_blocks.parse_fulfil(view, **_limits(deps)),
        BlockId.FILE.value,
        _may_act_on_request(deps, RequestAction.FULFIL),
    )
    if accepted is None:
        return
    form, actor = accepted
    channel_id = form.ref.channel_id or await _channel_of(deps, form.ref.collaboration_id)

    async def work() -> None:
        staged, _ = await _stage_files(deps, actor, form.ref.collaboration_id, channel_id, form.files, None)
        version_ids = [*staged, *form.version_ids]
        if not version_ids:
            return  # every file was refused; the person was told why
        async with deps.sessions.begin() as session:
            request = await fulfil_request(
                session,
                actor=actor,
                request_id=form.ref.request_id,
                version_ids=version_ids,
                note=form.note or "",
                channel_id=channel_id,
                now=deps.clock(),
            )
        deps.outbox.wake()
        await tell(
            deps,
            channel_id,
            actor.user_id,
            draft_confirmation(
                [f"Fulfil request {request.label}"], other_org=await _other_org(deps, form.ref.collaboration_id, actor)
            ),
        )

    after_ack(deps, work(), name="fulfil request", channel_id=channel_id, user_id=actor.user_id)


def _transition_submitted(kind: RequestAction) -> Callable[..., Awaitable[None]]:
    async def listener(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], deps: Deps) -> None:
        parse = request_blocks.parse_accept if kind is RequestAction.ACCEPT else request_blocks.parse_request_reason
        block = BlockId.OUTCOME if kind is RequestAction.ACCEPT else BlockId.REASON
        accepted = await accept_submission(ack, body, lambda: parse(view), block.value, _may_act_on_request(deps, kind))
        if accepted is None:
            return
        form, actor = accepted
        channel_id = form.ref.channel_id or await _channel_of(deps, form.ref.collaboration_id)
        request_id = form.ref.request_id
        changes = {
            RequestAction.ACCEPT: lambda s: accept_request(
                s, actor=actor, request_id=request_id, outcome=form.outcome, channel_id=channel_id, now=deps.clock()
            ),
            RequestAction.REOPEN: lambda s: reopen_request(
                s, actor=actor, request_id=request_id, reason=form.reason, channel_id=channel_id, now=deps.clock()
            ),
            RequestAction.DECLINE: lambda s: decline_request(
                s, actor=actor, request_id=request_id, reason=form.reason, channel_id=channel_id, now=deps.clock()
            ),
        }
        await _staged(deps, actor, channel_id, f"{kind.value} request", changes[kind])

    return listener


def register(app: AsyncApp) -> None:
    app.action(ActionId.UPLOAD.value)(_card_button(open_upload))
    app.action(ActionId.REQUEST_DOCUMENT.value)(_card_button(open_request))
    app.action(ActionId.FULFILL_REQUEST.value)(_request_button(RequestAction.FULFIL, _open_fulfil))
    app.action(ActionId.ACCEPT_REQUEST.value)(_request_button(RequestAction.ACCEPT, _open_accept))
    app.action(ActionId.REOPEN_REQUEST.value)(_request_button(RequestAction.REOPEN, _open_reason("reopen")))
    app.action(ActionId.DECLINE_REQUEST.value)(_request_button(RequestAction.DECLINE, _open_reason("decline")))
    app.action(ActionId.CANCEL_REQUEST.value)(_request_button(RequestAction.CANCEL, _cancel))
    app.view(CallbackId.UPLOAD.value)(on_upload)
    app.view(CallbackId.REQUEST_DOCUMENT.value)(on_request)
    app.view(CallbackId.FULFILL_REQUEST.value)(on_fulfil)
    app.view(CallbackId.ACCEPT_REQUEST.value)(_transition_submitted(RequestAction.ACCEPT))
    app.view(CallbackId.REOPEN_REQUEST.value)(_transition_submitted(RequestAction.REOPEN))
    app.view(CallbackId.DECLINE_REQUEST.value)(_transition_submitted(RequestAction.DECLINE))
