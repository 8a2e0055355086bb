"""Document requests: filing them and moving them through their lifecycle, on the side's turn, as drafts.

What each side sees (DESIGN §2 "Drafts until sent"):
- A filing is a `DocumentRequest` row from the start, so its number is reserved under the
  collaboration's lock, but it stays unpublished (seen by the filing side only) until the pass.
- A transition made through Baton (fulfil, accept, reopen, decline, cancel) is a draft only: the row
  keeps the published state, which is what the other side, the cards and `request_summary` read.
  The acting side sees its drafts applied on top (`requests_of(…, viewer_side=…)`), and further
  actions in the same turn are checked against that view.
- Passing the turn publishes them in order (the publishers below): the row changes, the event is
  appended, and the request's card is posted or updated (REQUEST_CARD).
- A file posted in a request card's thread by a leader or contributor of the addressed side is chat:
  it fulfils the request at once (`fulfil_from_thread`, called by `record_channel_file`).

If a drafted transition no longer applies when the turn is passed (the request was fulfilled from its
thread in the meantime, say), it is dropped and the turn's summary says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.collaborations import Collaboration, Participant
from models.documents import Document, DocumentVersion
from models.drafts import Draft, PublishContext, add_draft, drafts_of, register_publisher
from models.errors import BatonError, InvalidInput, NotFound
from models.flows._context import load_situation
from models.history import append_event
from models.outbox import OutboxKind, enqueue
from models.permissions import Action, require
from models.requests import (
    FINAL,
    TRANSITIONS,
    DocumentRequest,
    FulfilmentVersion,
    FulfilVia,
    RequestAction,
    RequestCategory,
    RequestEvent,
    RequestFulfilment,
    RequestStatus,
    transition_refusal,
)
from models.sessions import Sessions
from models.sides import Actor, Side

__all__ = [
    "FILED_DRAFT",
    "TRANSITION_DRAFT",
    "FulfilmentView",
    "NewRequest",
    "RequestSummary",
    "RequestView",
    "accept_request",
    "answerable",
    "cancel_request",
    "decline_request",
    "file_requests",
    "fulfil_from_thread",
    "fulfil_request",
    "record_request_card",
    "reopen_request",
    "request_by_card",
    "request_card",
    "request_refusal",
    "request_summary",
    "requests_of",
]

FILED_DRAFT = "request_filed"  # data: request_id
TRANSITION_DRAFT = "request_transition"  # data: request_id, action, and the action's fields

MAX_REQUESTS = 20  # in one submission
MAX_REFERENCES = 20
REFERENCE_MAX = 64
TEXT_MAX = 3000  # details, notes, reasons, outcomes: a Slack section's text limit
AMOUNT_MAX = Decimal("999999999999.99")  # Numeric(14, 2)
_CURRENCY = re.compile(r"[A-Z]{3}")
_REFERENCE_SPLIT = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class NewRequest:
    """One request as a form gives it. `references` may hold "INV-1, INV-2": commas and lines split them."""

    category: RequestCategory | str
    references: Sequence[str] = ()
    amount: Decimal | str | None = None
    currency: str | None = None
    details: str = ""
    due_date: date | None = None


@dataclass(frozen=True)
class FulfilmentView:
    version_ids: tuple[int, ...]
    names: tuple[str, ...]  # the versions' document names, in the same order
    note: str
    by: str
    side: Side
    at: datetime
    via: FulfilVia
    draft: bool  # not sent yet: only the fulfilling side sees it


@dataclass(frozen=True)
class RequestView:
    """A request as one side sees it: the published state, with that side's own drafts applied."""

    id: int
    collaboration_id: int
    number: int
    label: str  # "#3", or "#2026-11/2" when carried over
    category: RequestCategory
    references: tuple[str, ...]
    amount: Decimal | None
    currency: str | None
    details: str
    due_date: date | None
    requester_side: Side
    addressed_side: Side
    status: RequestStatus
    published_status: RequestStatus | None  # what the other side sees; None while the filing is a draft
    draft: bool  # the filing itself is not sent yet
    pending: tuple[RequestAction, ...]  # the viewer side's unsent actions on it, in order
    outcome: str | None
    reason: str | None
    fulfilments: tuple[FulfilmentView, ...]
    card_ts: str | None
    filed_by: str
    filed_at: datetime
    updated_at: datetime

    @property
    def category_label(self) -> str:
        return self.category.label


@dataclass(frozen=True)
class RequestSummary:
    """What the collaboration card shows: unresolved requests (not accepted or cancelled) and their sums."""

    open: int
    disputed: dict[str, Decimal]  # currency → the amount in dispute over the unresolved requests


# --- filing ---------------------------------------------------------------------------------------


async def file_requests(
    session: AsyncSession,
    *,
    actor: Actor,
    collaboration_id: int,
    requests: Sequence[NewRequest],
    now: datetime,
) -> list[RequestView]:
    """File requests to the other side, numbered next in the collaboration: drafts until the turn is passed.

    A leader or contributor of the side holding the turn. All or nothing: one invalid request refuses
    the submission.
    """
    if not requests:
        raise InvalidInput("Add at least one request.", field="category")
    if len(requests) > MAX_REQUESTS:
        raise InvalidInput(f"File at most {MAX_REQUESTS} requests at once.", field="category")
    many = len(requests) > 1
    cleaned = [_clean(r, f"Request {i} of {len(requests)}: " if many else "", now) for i, r in enumerate(requests, 1)]
    situation = await load_situation(session, actor, collaboration_id, Action.WORK, lock=True)
    require(Action.WORK, situation)
    me = situation.me
    assert me is not None  # require() refuses non-participants
    c = situation.collaboration
    # Under the collaboration's lock: filings queue, so max + 1 is free (the unique index backs it up).
    top = await session.scalar(select(func.max(DocumentRequest.number)).where(DocumentRequest.collaboration_id == c.id))
    filed: list[DocumentRequest] = []
    for offset, fields in enumerate(cleaned, start=1):
        request = DocumentRequest(
            collaboration_id=c.id,
            number=(top or 0) + offset,
            requester_side=me.side,
            addressed_side=me.side.other,
            status=RequestStatus.OPEN,
            published=False,
            filed_by=actor.user_id,
            filed_at=now,
            filed_turn=c.turn_number,
            updated_at=now,
            **fields,
        )
        session.add(request)
        await session.flush()
        await add_draft(
            session,
            collaboration=c,
            side=me.side,
            kind=FILED_DRAFT,
            data={"request_id": request.id},
            created_by=actor.user_id,
            now=now,
        )
        filed.append(request)
    views = {v.id: v for v in await requests_of(session, c.id, viewer_side=me.side)}
    return [views[r.id] for r in filed]


def _clean(new: NewRequest, where: str, now: datetime) -> dict[str, Any]:
    """The row's fields from a form's request, or InvalidInput saying what to fix."""
    try:
        category = RequestCategory(new.category)
    except ValueError:
        raise InvalidInput(f"{where}Choose what kind of document you need.", field="category") from None
    references: list[str] = []
    for item in new.references:
        for ref in _REFERENCE_SPLIT.split(item):
            ref = " ".join(ref.split())
            if ref and ref not in references:
                references.append(ref)
    if len(references) > MAX_REFERENCES:
        raise InvalidInput(
            f"{where}Name at most {MAX_REFERENCES} invoice or credit numbers per request.", field="references"
        )
    if any(len(ref) > REFERENCE_MAX for ref in references):
        raise InvalidInput(
            f"{where}An invoice or credit number is at most {REFERENCE_MAX} characters.", field="references"
        )
    details = (new.details or "").strip()
    if len(details) > TEXT_MAX:
        raise InvalidInput(f"{where}Keep the details under {TEXT_MAX} characters.", field="details")
    if not references and not details:
        raise InvalidInput(
            f"{where}Name the invoice or credit numbers, or say in the details what you need.",
            field="references",
        )
    amount, currency = _money(new.amount, new.currency, where)
    # A date before today everywhere on Earth (UTC-12) has passed for everyone.
    if new.due_date is not None and new.due_date < (now - timedelta(hours=12)).date():
        raise InvalidInput(f"{where}The due date has passed already; choose a later one.", field="due_date")
    return {
        "category": category,
        "references": references,
        "amount": amount,
        "currency": currency,
        "details": details,
        "due_date": new.due_date,
    }


def _money(raw: Decimal | str | None, currency: str | None, where: str) -> tuple[Decimal | None, str | None]:
    text = str(raw).strip().replace(",", "") if raw is not None else ""
    code = (currency or "").strip().upper()
    if not text:
        if code:
            raise InvalidInput(f"{where}Give the amount in dispute, or leave the currency out.", field="amount")
        return None, None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"{where}Write the amount as a number, like 1234.50.", field="amount") from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput(f"{where}The amount in dispute is more than 0.", field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"{where}Write the amount with at most 2 decimals.", field="amount")
    if amount > AMOUNT_MAX:
        raise InvalidInput(f"{where}That amount is too large.", field="amount")
    if not code:
        raise InvalidInput(f"{where}Give the currency of the amount, like USD.", field="currency")
    if not _CURRENCY.fullmatch(code):
        raise InvalidInput(f"{where}Write the currency as its 3-letter code, like USD or EUR.", field="currency")
    return amount.quantize(Decimal("0.01")), code


# --- transitions ----------------------------------------------------------------------------------


async def fulfil_request(
    session: AsyncSession,
    *,
    actor: Actor,
    request_id: int,
    version_ids: Sequence[int],
    note: str = "",
    channel_id: str | None = None,
    now: datetime,
) -> RequestView:
    """Answer a request with document versions (usually just staged with `stage_upload`) and a note."""
    text = _text(note, required=False, field="note", what="note")
    if not version_ids:
        raise InvalidInput("Attach at least one file.", field="file")
    return await _act(
        session,
        actor=actor,
        request_id=request_id,
        action=RequestAction.FULFIL,
        data={"version_ids": list(dict.fromkeys(version_ids)), "note": text or ""},
        channel_id=channel_id,
        now=now,
    )


async def accept_request(
    session: AsyncSession,
    *,
    actor: Actor,
    request_id: int,
    outcome: str | None = None,
    channel_id: str | None = None,
    now: datetime,
) -> RequestView:
    """Accept a fulfilled request, optionally recording the outcome ("credit memo CM-2231 issued")."""
    text = _text(outcome, required=False, field="outcome", what="outcome")
    return await _act(
        session,
        actor=actor,
        request_id=request_id,
        action=RequestAction.ACCEPT,
        data={"outcome": text},
        channel_id=channel_id,
        now=now,
    )


async def reopen_request(
    session: AsyncSession,
    *,
    actor: Actor,
    request_id: int,
    reason: str,
    channel_id: str | None = None,
    now: datetime,
) -> RequestView:
    """Reopen a fulfilled or declined request, saying why."""
    text = _text(reason, required=True, field="reason", what="why you reopen it")
    return await _act(
        session,
        actor=actor,
        request_id=request_id,
        action=RequestAction.REOPEN,
        data={"reason": text},
        channel_id=channel_id,
        now=now,
    )


async def decline_request(
    session: AsyncSession,
    *,
    actor: Actor,
    request_id: int,
    reason: str,
    channel_id: str | None = None,
    now: datetime,
) -> RequestView:
    """Decline an open or reopened request addressed to the actor's side, saying why."""
    text = _text(reason, required=True, field="reason", what="why you decline it")
    return await _act(
        session,
        actor=actor,
        request_id=request_id,
        action=RequestAction.DECLINE,
        data={"reason": text},
        channel_id=channel_id,
        now=now,
    )


async def cancel_request(
    session: AsyncSession,
    *,
    actor: Actor,
    request_id: int,
    reason: str | None = None,
    channel_id: str | None = None,
    now: datetime,
) -> RequestView:
    """Withdraw a request the actor's side filed (open, reopened or fulfilled)."""
    text = _text(reason, required=False, field="reason", what="reason")
    return await _act(
        session,
        actor=actor,
        request_id=request_id,
        action=RequestAction.CANCEL,
        data={"reason": text},
        channel_id=channel_id,
        now=now,
    )


def _text(value: str | None, *, required: bool, field: str, what: str) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"Say {what}.", field=field)
        return None
    if len(text) > TEXT_MAX:
        raise InvalidInput(f"Keep the {field} under {TEXT_MAX} characters.", field=field)
    return text


async def _act(
    session: AsyncSession,
    *,
    actor: Actor,
    request_id: int,
    action: RequestAction,
    data: dict[str, Any],
    channel_id: str | None,
    now: datetime,
) -> RequestView:
    """Check the turn, the role and the transition table, then store the transition as a draft."""
    c, me, request = await _checked(session, actor, request_id, action, channel_id=channel_id, lock=True)
    if action is RequestAction.FULFIL:
        await _check_versions(session, c, me.side, data["version_ids"])
    await add_draft(
        session,
        collaboration=c,
        side=me.side,
        kind=TRANSITION_DRAFT,
        data={"request_id": request.id, "action": action.value, **data},
        created_by=actor.user_id,
        now=now,
    )
    views = await requests_of(session, c.id, viewer_side=me.side)
    return next(v for v in views if v.id == request.id)


async def request_refusal(
    session: AsyncSession | Sessions,
    actor: Actor,
    request_id: int,
    action: RequestAction,
    *,
    channel_id: str | None = None,
) -> BatonError | None:
    """The refusal `action` on the request would meet now (turn, role, transition table), or None.

    Reads only, so a handler can answer a button or a modal before acking it; the use case checks again.
    Takes a session, or the session factory (then reads in a session of its own).
    """
    if isinstance(session, Sessions):
        async with session.read() as own:
            return await request_refusal(own, actor, request_id, action, channel_id=channel_id)
    try:
        await _checked(session, actor, request_id, action, channel_id=channel_id, lock=False)
    except BatonError as e:
        return e
    return None


async def _checked(
    session: AsyncSession,
    actor: Actor,
    request_id: int,
    action: RequestAction,
    *,
    channel_id: str | None,
    lock: bool,
) -> tuple[Collaboration, Participant, DocumentRequest]:
    """The collaboration, the actor and the request, once the turn, the role and the table allow `action`."""
    found = await session.get(DocumentRequest, request_id)
    if found is None:
        raise NotFound("That request doesn't exist (any more).")
    situation = await load_situation(session, actor, found.collaboration_id, Action.WORK, lock=lock)
    c = situation.collaboration
    if channel_id is not None and c.channel_id != channel_id:
        raise NotFound("That request isn't part of this channel's collaboration.")
    require(Action.WORK, situation)
    me = situation.me
    assert me is not None  # require() refuses non-participants
    request = await _reload(session, request_id) if lock else found
    if not request.published and request.requester_side is not me.side:
        raise NotFound("That request doesn't exist (any more).")  # the other side's unsent draft
    mine = [d for d in await drafts_of(session, c.id, me.side) if _is_transition_of(d, request.id)]
    refusal = transition_refusal(
        label=request.label,
        status=_status_after(request.status, mine),
        action=action,
        actor_side=me.side,
        requester_side=request.requester_side,
        org_name=c.org_name,
    )
    if refusal is not None:
        raise refusal
    return c, me, request


async def _reload(session: AsyncSession, request_id: int) -> DocumentRequest:
    request = await session.scalar(
        select(DocumentRequest).where(DocumentRequest.id == request_id).execution_options(populate_existing=True)
    )
    if request is None:
        raise NotFound("That request doesn't exist (any more).")
    return request


def _is_transition_of(draft: Draft, request_id: int) -> bool:
    return draft.kind == TRANSITION_DRAFT and draft.data.get("request_id") == request_id


def _status_after(status: RequestStatus, drafts: Sequence[Draft]) -> RequestStatus:
    for draft in drafts:
        status = TRANSITIONS[RequestAction(draft.data["action"])].to
    return status


async def _check_versions(session: AsyncSession, c: Collaboration, side: Side, version_ids: Sequence[int]) -> None:
    versions = {
        v.id: v for v in await session.scalars(select(DocumentVersion).where(DocumentVersion.id.in_(version_ids)))
    }
    for version_id in version_ids:
        v = versions.get(version_id)
        if v is None or v.collaboration_id != c.id or not (v.published or v.side is side):
            raise InvalidInput("One of the files isn't part of this collaboration.", field="file")
        if not v.stored:
            raise InvalidInput(
                f"{v.original_name} was not stored by Baton, so it can't answer a request.", field="file"
            )


# --- publishing -----------------------------------------------------------------------------------


async def request_card(session: AsyncSession, c: Collaboration, request: DocumentRequest, *, turn: int | None) -> None:
    """Post the request's own card, or update it. Once per request per pass (`turn`); always otherwise."""
    await enqueue(
        session,
        kind=OutboxKind.REQUEST_CARD,
        lane=c.channel_id,
        payload={"collaboration_id": c.id, "request_id": request.id},
        collaboration_id=c.id,
        dedupe_key=None if turn is None else f"request-card:{request.id}:turn:{turn}",
    )


def _request_data(request: DocumentRequest) -> dict[str, Any]:
    return {
        "request_id": request.id,
        "number": request.number,
        "label": request.label,
        "category": request.category.value,
        "references": list(request.references),
        "amount": None if request.amount is None else f"{request.amount:.2f}",
        "currency": request.currency,
        "details": request.details,
        "due_date": request.due_date.isoformat() if request.due_date else None,
        "requester_side": request.requester_side.value,
        "addressed_side": request.addressed_side.value,
        "origin": None
        if request.origin_number is None
        else {
            "collaboration_id": request.origin_collaboration_id,
            "number": request.origin_number,
            "period": request.origin_period,
        },
    }


def _money_text(amount: Decimal | None, currency: str | None) -> str:
    return "" if amount is None else f"{currency} {amount:,.2f}"


async def _publish_filing(session: AsyncSession, draft: Draft, context: PublishContext) -> str:
    request = await _reload(session, int(draft.data["request_id"]))
    request.published = True
    request.published_at = context.now
    request.updated_at = context.now
    await session.flush()
    await append_event(
        session,
        request.collaboration_id,
        RequestEvent.FILED,
        actor=draft.created_by,
        side=draft.side,
        data={**_request_data(request), "turn": context.turn_number},
        at=context.now,
    )
    await request_card(session, context.collaboration, request, turn=context.turn_number)
    what = request.category.label
    if request.references:
        what += f" for {', '.join(request.references)}"
    if request.amount is not None:
        what += f" ({_money_text(request.amount, request.currency)})"
    return f"Filed request {request.label}: {what}"


async def _publish_transition(session: AsyncSession, draft: Draft, context: PublishContext) -> str:
    request = await _reload(session, int(draft.data["request_id"]))
    action = RequestAction(draft.data["action"])
    rule = TRANSITIONS[action]
    c = context.collaboration
    refusal = transition_refusal(
        label=request.label,
        status=request.status,
        action=action,
        actor_side=draft.side,
        requester_side=request.requester_side,
        org_name=c.org_name,
    )
    if refusal is not None:
        return f"Request {request.label} was not {rule.done}: it is {request.status.value} now."
    request.status = rule.to
    request.updated_at = context.now
    if rule.to in FINAL:
        request.closed_at = context.now
    data: dict[str, Any] = {"request_id": request.id, "label": request.label, "turn": context.turn_number}
    line = f"{rule.done.capitalize()} request {request.label}"
    if action is RequestAction.FULFIL:
        version_ids = [int(v) for v in draft.data["version_ids"]]
        note = str(draft.data.get("note") or "")
        await _add_fulfilment(
            session,
            request,
            version_ids,
            note=note,
            by=draft.created_by,
            side=draft.side,
            at=context.now,
            turn=context.turn_number,
            via=FulfilVia.BATON,
        )
        names = [n for n, _ in (await _version_names(session, version_ids)).values()]
        data.update(version_ids=version_ids, names=names, note=note, via=FulfilVia.BATON.value)
        line += f" with {', '.join(names)}"
    elif action is RequestAction.ACCEPT:
        request.outcome = draft.data.get("outcome")
        data["outcome"] = request.outcome
        if request.outcome:
            line += f": {request.outcome}"
    else:
        reason = draft.data.get("reason")
        if action is not RequestAction.CANCEL or reason:
            request.reason = reason
        data["reason"] = reason
        if reason:
            line += f": {reason}"
    await session.flush()
    await append_event(session, c.id, rule.event, actor=draft.created_by, side=draft.side, data=data, at=context.now)
    await request_card(session, c, request, turn=context.turn_number)
    return line


async def _add_fulfilment(
    session: AsyncSession,
    request: DocumentRequest,
    version_ids: Sequence[int],
    *,
    note: str,
    by: str,
    side: Side,
    at: datetime,
    turn: int,
    via: FulfilVia,
) -> RequestFulfilment:
    fulfilment = RequestFulfilment(
        request_id=request.id, note=note, fulfilled_by=by, side=side, at=at, turn_number=turn, via=via
    )
    session.add(fulfilment)
    await session.flush()
    session.add_all(
        FulfilmentVersion(fulfilment_id=fulfilment.id, version_id=v, position=i) for i, v in enumerate(version_ids)
    )
    await session.flush()
    return fulfilment


register_publisher(FILED_DRAFT, _publish_filing)
register_publisher(TRANSITION_DRAFT, _publish_transition)


def answerable(request: DocumentRequest) -> bool:
    """Whether a file in the request's thread answers it: it is open or reopened, or fulfilled already."""
    return request.status in TRANSITIONS[RequestAction.FULFIL].sources | {RequestStatus.FULFILLED}


async def fulfil_from_thread(
    session: AsyncSession,
    c: Collaboration,
    request: DocumentRequest,
    version: DocumentVersion,
    person: Participant,
    *,
    now: datetime,
) -> bool:
    """A file in the request card's thread from a leader or contributor of the addressed side: chat,
    so public at once. It fulfils an open or reopened request, and joins the latest answer of a
    fulfilled one; True when it did either. The caller has checked the person and locked `c`."""
    data: dict[str, Any] = {
        "request_id": request.id,
        "label": request.label,
        "version_ids": [version.id],
        "names": [name for name, _ in (await _version_names(session, [version.id])).values()],
        "via": FulfilVia.THREAD.value,
        "turn": c.turn_number,
    }
    if request.status in TRANSITIONS[RequestAction.FULFIL].sources:
        await _add_fulfilment(
            session,
            request,
            [version.id],
            note="",
            by=person.user_id,
            side=person.side,
            at=now,
            turn=c.turn_number,
            via=FulfilVia.THREAD,
        )
        request.status = RequestStatus.FULFILLED
        kind = RequestEvent.FULFILLED
    elif request.status is RequestStatus.FULFILLED:
        latest = await session.scalar(
            select(RequestFulfilment)
            .where(RequestFulfilment.request_id == request.id)
            .order_by(RequestFulfilment.id.desc())
            .limit(1)
        )
        if latest is None:  # fulfilled without a fulfilment cannot happen; answer anew all the same
            latest = await _add_fulfilment(
                session,
                request,
                [],
                note="",
                by=person.user_id,
                side=person.side,
                at=now,
                turn=c.turn_number,
                via=FulfilVia.THREAD,
            )
        position = await session.scalar(
            select(func.count()).select_from(FulfilmentVersion).where(FulfilmentVersion.fulfilment_id == latest.id)
        )
        session.add(FulfilmentVersion(fulfilment_id=latest.id, version_id=version.id, position=position or 0))
        kind = RequestEvent.FILE_ADDED
    else:
        return False
    request.updated_at = now
    await session.flush()
    await append_event(session, c.id, kind, actor=person.user_id, side=person.side, data=data, at=now)
    await request_card(session, c, request, turn=None)
    return True


# --- reading --------------------------------------------------------------------------------------


async def requests_of(session: AsyncSession, collaboration_id: int, *, viewer_side: Side | None) -> list[RequestView]:
    """The collaboration's requests by number, as `viewer_side` sees them: published ones, plus that side's
    own unsent filings, with its unsent actions applied. `viewer_side=None`: the shared view (the card)."""
    stmt = select(DocumentRequest).where(DocumentRequest.collaboration_id == collaboration_id)
    rows = list((await session.scalars(stmt.order_by(DocumentRequest.number))).all())
    rows = [r for r in rows if r.published or (viewer_side is not None and r.requester_side is viewer_side)]
    if not rows:
        return []
    drafts: list[Draft] = []
    if viewer_side is not None:
        drafts = [d for d in await drafts_of(session, collaboration_id, viewer_side) if d.kind == TRANSITION_DRAFT]
    fulfilments = await _fulfilments_of(session, [r.id for r in rows])
    draft_versions = [int(v) for d in drafts if d.data["action"] == RequestAction.FULFIL for v in d.data["version_ids"]]
    names = await _version_names(session, draft_versions)
    views = []
    for row in rows:
        view = _view(row, fulfilments.get(row.id, ()))
        for draft in (d for d in drafts if d.data.get("request_id") == row.id):
            view = _apply(view, draft, names)
        views.append(view)
    return views


async def request_summary(session: AsyncSession, collaboration_id: int) -> RequestSummary:
    """The published requests not resolved yet (not accepted or cancelled), and their sums per currency."""
    rows = (
        await session.execute(
            select(DocumentRequest.amount, DocumentRequest.currency).where(
                DocumentRequest.collaboration_id == collaboration_id,
                DocumentRequest.published.is_(True),
                DocumentRequest.status.not_in(FINAL),
            )
        )
    ).all()
    disputed: dict[str, Decimal] = {}
    for amount, currency in rows:
        if amount is not None and currency:
            # Summed here, in Decimal: SQLite would sum floats.
            disputed[currency] = disputed.get(currency, Decimal("0.00")) + Decimal(amount).quantize(Decimal("0.01"))
    return RequestSummary(open=len(rows), disputed=dict(sorted(disputed.items())))


async def request_by_card(session: AsyncSession, channel_id: str, card_ts: str) -> RequestView | None:
    """The request whose own card is the message `card_ts` in the channel (its published state)."""
    row = await session.scalar(
        select(DocumentRequest)
        .join(Collaboration, Collaboration.id == DocumentRequest.collaboration_id)
        .where(
            Collaboration.channel_id == channel_id,
            DocumentRequest.card_ts == card_ts,
            DocumentRequest.published.is_(True),
        )
        .order_by(DocumentRequest.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    fulfilments = await _fulfilments_of(session, [row.id])
    return _view(row, fulfilments.get(row.id, ()))


async def record_request_card(session: AsyncSession, request_id: int, ts: str) -> None:
    """Remember the `ts` of the request's own card, once Slack delivery has posted it."""
    request = await session.get(DocumentRequest, request_id)
    if request is None:
        raise NotFound("That request doesn't exist (any more).")
    request.card_ts = ts
    await session.flush()


async def _fulfilments_of(session: AsyncSession, request_ids: Sequence[int]) -> dict[int, tuple[FulfilmentView, ...]]:
    if not request_ids:
        return {}
    fulfilments = (
        await session.scalars(
            select(RequestFulfilment)
            .where(RequestFulfilment.request_id.in_(request_ids))
            .order_by(RequestFulfilment.id)
        )
    ).all()
    links = (
        await session.execute(
            select(FulfilmentVersion.fulfilment_id, FulfilmentVersion.version_id)
            .where(FulfilmentVersion.fulfilment_id.in_([f.id for f in fulfilments]))
            .order_by(FulfilmentVersion.fulfilment_id, FulfilmentVersion.position)
        )
    ).all()
    names = await _version_names(session, [v for _, v in links])
    by_fulfilment: dict[int, list[int]] = {}
    for fulfilment_id, version_id in links:
        by_fulfilment.setdefault(fulfilment_id, []).append(version_id)
    result: dict[int, list[FulfilmentView]] = {}
    for f in fulfilments:
        ids = tuple(by_fulfilment.get(f.id, []))
        result.setdefault(f.request_id, []).append(
            FulfilmentView(
                version_ids=ids,
                names=tuple(names[i][0] for i in ids if i in names),
                note=f.note,
                by=f.fulfilled_by,
                side=f.side,
                at=f.at,
                via=f.via,
                draft=False,
            )
        )
    return {k: tuple(v) for k, v in result.items()}


async def _version_names(session: AsyncSession, version_ids: Sequence[int]) -> dict[int, tuple[str, int | None]]:
    """version id → (its document's name, its number)."""
    if not version_ids:
        return {}
    rows = (
        await session.execute(
            select(DocumentVersion.id, Document.name, DocumentVersion.number)
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(DocumentVersion.id.in_(set(version_ids)))
        )
    ).all()
    found = {vid: (name, number) for vid, name, number in rows}
    return {v: found[v] for v in version_ids if v in found}


def _view(row: DocumentRequest, fulfilments: tuple[FulfilmentView, ...]) -> RequestView:
    return RequestView(
        id=row.id,
        collaboration_id=row.collaboration_id,
        number=row.number,
        label=row.label,
        category=row.category,
        references=tuple(row.references),
        amount=row.amount if row.amount is None else Decimal(row.amount).quantize(Decimal("0.01")),
        currency=row.currency,
        details=row.details,
        due_date=row.due_date,
        requester_side=row.requester_side,
        addressed_side=row.addressed_side,
        status=row.status,
        published_status=row.status if row.published else None,
        draft=not row.published,
        pending=(),
        outcome=row.outcome,
        reason=row.reason,
        fulfilments=fulfilments,
        card_ts=row.card_ts,
        filed_by=row.filed_by,
        filed_at=row.filed_at,
        updated_at=row.updated_at,
    )


def _apply(view: RequestView, draft: Draft, names: dict[int, tuple[str, int | None]]) -> RequestView:
    """`view` with one unsent transition applied, as its own side sees it."""
    action = RequestAction(draft.data["action"])
    changes: dict[str, Any] = {
        "status": TRANSITIONS[action].to,
        "pending": (*view.pending, action),
        "updated_at": draft.created_at,
    }
    if action is RequestAction.FULFIL:
        ids = tuple(int(v) for v in draft.data["version_ids"])
        changes["fulfilments"] = (
            *view.fulfilments,
            FulfilmentView(
                version_ids=ids,
                names=tuple(names[i][0] for i in ids if i in names),
                note=str(draft.data.get("note") or ""),
                by=draft.created_by,
                side=draft.side,
                at=draft.created_at,
                via=FulfilVia.BATON,
                draft=True,
            ),
        )
    elif action is RequestAction.ACCEPT:
        changes["outcome"] = draft.data.get("outcome")
    elif draft.data.get("reason") or action is not RequestAction.CANCEL:
        changes["reason"] = draft.data.get("reason")
    return replace(view, **changes)
