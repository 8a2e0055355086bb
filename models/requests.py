"""Document requests: the tables, and the lifecycle rules as pure functions.

A request is filed by one side (on its turn) and addressed to the other. Its transitions (DESIGN §2),
each by a leader or contributor of the named side on its turn:

    from                        action    to          by
    open, reopened              fulfil    fulfilled   addressed side
    open, reopened              decline   declined    addressed side (with a reason)
    fulfilled                   accept    accepted    requester side (an outcome, optionally)
    fulfilled, declined         reopen    reopened    requester side (with a reason)
    open, reopened, fulfilled   cancel    cancelled   requester side

`accepted` and `cancelled` are final. The row holds the published state; a filing is a row from the
start (so its number is reserved) but stays unpublished until the turn is passed, and transitions made
through Baton wait as drafts (see models.flows.requests).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, enum_type
from models.errors import InvalidTransition
from models.sides import Side

__all__ = [
    "FINAL",
    "TRANSITIONS",
    "DocumentRequest",
    "FulfilVia",
    "FulfilmentVersion",
    "RequestAction",
    "RequestCategory",
    "RequestEvent",
    "RequestFulfilment",
    "RequestStatus",
    "Rule",
    "actions_for",
    "request_label",
    "transition_refusal",
]


class RequestCategory(enum.StrEnum):
    INVOICE_COPY = "invoice_copy"
    CREDIT_MEMO = "credit_memo"
    DEBIT_MEMO = "debit_memo"
    PROOF_OF_DELIVERY = "proof_of_delivery"
    BILL_OF_LADING = "bill_of_lading"
    TRACKING = "tracking"
    PROOF_OF_RETURN = "proof_of_return"
    REMITTANCE_ADVICE = "remittance_advice"
    DEDUCTION_BACKUP = "deduction_backup"
    PRICING_AGREEMENT = "pricing_agreement"
    STATEMENT = "statement"
    OTHER = "other"

    @property
    def label(self) -> str:
        """How people name it: "Proof of delivery (POD)"."""
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    RequestCategory.INVOICE_COPY: "Invoice copy",
    RequestCategory.CREDIT_MEMO: "Credit memo",
    RequestCategory.DEBIT_MEMO: "Debit memo",
    RequestCategory.PROOF_OF_DELIVERY: "Proof of delivery (POD)",
    RequestCategory.BILL_OF_LADING: "Bill of lading (BOL)",
    RequestCategory.TRACKING: "Tracking information",
    RequestCategory.PROOF_OF_RETURN: "Proof of return",
    RequestCategory.REMITTANCE_ADVICE: "Remittance advice",
    RequestCategory.DEDUCTION_BACKUP: "Deduction backup",
    RequestCategory.PRICING_AGREEMENT: "Pricing agreement",
    RequestCategory.STATEMENT: "Statement",
    RequestCategory.OTHER: "Other",
}


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    ACCEPTED = "accepted"
    REOPENED = "reopened"
    DECLINED = "declined"
    CANCELLED = "cancelled"


FINAL = frozenset({RequestStatus.ACCEPTED, RequestStatus.CANCELLED})


class RequestAction(enum.StrEnum):
    FULFIL = "fulfil"
    DECLINE = "decline"
    ACCEPT = "accept"
    REOPEN = "reopen"
    CANCEL = "cancel"


class RequestEvent(enum.StrEnum):
    """The event-chain kinds of requests."""

    FILED = "request_filed"
    FULFILLED = "request_fulfilled"
    FILE_ADDED = "request_file_added"  # another file in the thread of a request already fulfilled
    ACCEPTED = "request_accepted"
    REOPENED = "request_reopened"
    DECLINED = "request_declined"
    CANCELLED = "request_cancelled"


class FulfilVia(enum.StrEnum):
    BATON = "baton"  # the Fulfil button: a draft until the turn is passed
    THREAD = "thread"  # a file posted in the request card's thread: chat, public at once


@dataclass(frozen=True)
class Rule:
    sources: frozenset[RequestStatus]
    by_requester: bool  # True: the requester side acts; False: the addressed side
    to: RequestStatus
    event: RequestEvent
    verb: str  # "fulfil"
    done: str  # "fulfilled"


_O, _F, _R, _D = RequestStatus.OPEN, RequestStatus.FULFILLED, RequestStatus.REOPENED, RequestStatus.DECLINED

TRANSITIONS: dict[RequestAction, Rule] = {
    RequestAction.FULFIL: Rule(
        frozenset({_O, _R}), False, RequestStatus.FULFILLED, RequestEvent.FULFILLED, "fulfil", "fulfilled"
    ),
    RequestAction.DECLINE: Rule(
        frozenset({_O, _R}), False, RequestStatus.DECLINED, RequestEvent.DECLINED, "decline", "declined"
    ),
    RequestAction.ACCEPT: Rule(
        frozenset({_F}), True, RequestStatus.ACCEPTED, RequestEvent.ACCEPTED, "accept", "accepted"
    ),
    RequestAction.REOPEN: Rule(
        frozenset({_F, _D}), True, RequestStatus.REOPENED, RequestEvent.REOPENED, "reopen", "reopened"
    ),
    RequestAction.CANCEL: Rule(
        frozenset({_O, _R, _F}), True, RequestStatus.CANCELLED, RequestEvent.CANCELLED, "cancel", "cancelled"
    ),
}


def actions_for(status: RequestStatus) -> list[RequestAction]:
    """The actions the table allows from `status`, whoever may take them (the buttons a request card shows)."""
    return [action for action, rule in TRANSITIONS.items() if status in rule.sources]


def request_label(
    number: int,
    *,
    origin_number: int | None = None,
    origin_period: str | None = None,
    origin_collaboration_id: int | None = None,
) -> str:
    """ "#3"; a request carried over from an earlier period keeps its number, qualified: "#2026-11/2"."""
    if origin_number is None:
        return f"#{number}"
    where = origin_period or (f"c{origin_collaboration_id}" if origin_collaboration_id else "earlier")
    return f"#{where}/{origin_number}"


def transition_refusal(
    *,
    label: str,
    status: RequestStatus,
    action: RequestAction,
    actor_side: Side,
    requester_side: Side,
    org_name: Callable[[Side], str],
) -> InvalidTransition | None:
    """Why the transition table refuses `action` on a request in `status` by `actor_side`; None when allowed.

    `status` is the one the actor sees: the published one, with their side's drafts applied.
    """
    rule = TRANSITIONS[action]
    if status not in rule.sources:
        if status is rule.to:
            return InvalidTransition(f"Request {label} is {status.value} already.")
        return InvalidTransition(f"Request {label} is {status.value}: it can't be {rule.done}.")
    acting_side = requester_side if rule.by_requester else requester_side.other
    if actor_side is not acting_side:
        if rule.by_requester:
            requester = org_name(requester_side)
            return InvalidTransition(f"Only {requester}, which filed request {label}, can {rule.verb} it.")
        addressed = org_name(requester_side.other)
        return InvalidTransition(f"Request {label} is addressed to {addressed}: only {addressed} can {rule.verb} it.")
    return None


class DocumentRequest(Base):
    """A request for documents, numbered per collaboration. Holds the published state."""

    __tablename__ = "document_requests"
    __table_args__ = (
        UniqueConstraint("collaboration_id", "number", name="uq_document_requests_collaboration_number"),
        Index("ix_document_requests_card_ts", "card_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    collaboration_id: Mapped[int] = mapped_column(ForeignKey("collaborations.id"))
    number: Mapped[int]
    # Carried over from an earlier period: where it was first filed, and its number there.
    origin_collaboration_id: Mapped[int | None] = mapped_column(ForeignKey("collaborations.id"), default=None)
    origin_number: Mapped[int | None] = mapped_column(default=None)
    origin_period: Mapped[str | None] = mapped_column(String(7), default=None)
    category: Mapped[RequestCategory] = mapped_column(enum_type(RequestCategory))
    references: Mapped[list[str]] = mapped_column("reference_numbers", JSON, default=list)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    details: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date | None] = mapped_column(default=None)
    requester_side: Mapped[Side] = mapped_column(enum_type(Side))
    addressed_side: Mapped[Side] = mapped_column(enum_type(Side))
    status: Mapped[RequestStatus] = mapped_column(enum_type(RequestStatus), default=RequestStatus.OPEN)
    published: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str | None] = mapped_column(Text, default=None)  # recorded on accept
    reason: Mapped[str | None] = mapped_column(Text, default=None)  # the latest reopen or decline reason
    card_ts: Mapped[str | None] = mapped_column(String(32), default=None)  # its own card, once posted
    filed_by: Mapped[str] = mapped_column(String(32))
    filed_at: Mapped[datetime]
    filed_turn: Mapped[int]
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)  # accepted or cancelled

    @property
    def label(self) -> str:
        return request_label(
            self.number,
            origin_number=self.origin_number,
            origin_period=self.origin_period,
            origin_collaboration_id=self.origin_collaboration_id,
        )


class RequestFulfilment(Base):
    """One answer to a request: the document versions given, and a note."""

    __tablename__ = "request_fulfilments"
    __table_args__ = (Index("ix_request_fulfilments_request", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("document_requests.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    fulfilled_by: Mapped[str] = mapped_column(String(32))
    side: Mapped[Side] = mapped_column(enum_type(Side))
    at: Mapped[datetime]
    turn_number: Mapped[int]
    via: Mapped[FulfilVia] = mapped_column(enum_type(FulfilVia))


class FulfilmentVersion(Base):
    """A document version given in a fulfilment."""

    __tablename__ = "fulfilment_versions"

    fulfilment_id: Mapped[int] = mapped_column(ForeignKey("request_fulfilments.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)  # the order they were given in
