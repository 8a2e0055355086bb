"""Document requests: each request's own card, the modals that file and answer them, and `/turn requests`.

A request's card is a top-level channel message (its thread is where its files go), shown the same to
both organisations with the buttons its status allows (`models.requests.actions_for`): a click by the
wrong side is refused by the handler, in words that say who can act. Everything people typed —
references, details, notes, reasons, outcomes, file names — is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.documents import OPTION_TEXT_MAX, OPTIONS_MAX, file_input_block, file_problems, read_files
from bot.blocks.format import (
    FIELD_MAX,
    SECTION_MAX,
    channel_link,
    clip,
    clipped_escape,
    clipped_quote,
    day_label,
    escaped_chunks,
    name_list,
    plural,
)
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.metadata import CollaborationRef, RequestRef
from bot.blocks.modals import Errors, _text_input, _too_long, _Values
from bot.blocks.parts import (
    money,
    org,
    references_text,
    request_line,
    version_label,
)
from models.flows.documents import VersionView
from models.flows.requests import (
    AMOUNT_MAX,
    MAX_REFERENCES,
    MAX_REQUESTS,
    REFERENCE_MAX,
    TEXT_MAX,
    FulfilmentView,
    NewRequest,
    RequestView,
)
from models.flows.views import CollaborationView
from models.requests import FINAL, TRANSITIONS, RequestAction, RequestCategory, RequestStatus, actions_for
from models.sides import Side

__all__ = [
    "CURRENCIES",
    "AcceptForm",
    "FulfilForm",
    "RequestForm",
    "RequestReasonForm",
    "RequestReasonKind",
    "accept_modal",
    "fulfil_modal",
    "parse_accept",
    "parse_amount",
    "parse_fulfil",
    "parse_request",
    "parse_request_reason",
    "request_buttons",
    "request_card",
    "request_modal",
    "request_reason_modal",
    "requests_list",
    "split_references",
]

RequestReasonKind = Literal["reopen", "decline"]

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "MXN")
DEFAULT_CURRENCY = "USD"
MESSAGE_BLOCKS_MAX = 50
HEADER_MAX = 150
_QUOTE_MAX = 1500  # a reason, note or outcome on a card
_DETAILS_SECTIONS_MAX = 3  # the card shows about 9,000 characters of details (they are at most 3,000 typed)
_REFERENCES_MAX = FIELD_MAX - 100
_REFERENCE_SPLIT = re.compile(r"[,;\n]+")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")

# Plain words, so a person knows what went wrong and what to do.
CATEGORY_REQUIRED = "Choose what kind of document you need."
WHAT_REQUIRED = "Name the invoice or credit numbers, or say in the details what you need."
ANSWER_REQUIRED = "Attach a file, or choose a document your side has uploaded already."
FILE_REQUIRED = "Attach the file that answers the request."

_STATUS_ICON = {
    RequestStatus.OPEN: ":hourglass_flowing_sand:",
    RequestStatus.FULFILLED: ":inbox_tray:",
    RequestStatus.ACCEPTED: ":white_check_mark:",
    RequestStatus.REOPENED: ":arrows_counterclockwise:",
    RequestStatus.DECLINED: ":no_entry_sign:",
    RequestStatus.CANCELLED: ":heavy_multiplication_x:",
}


# --- The request's card ---------------------------------------------------------------------------


def request_card(request: RequestView, *, requester_org: str, addressed_org: str) -> tuple[str, list[Block]]:
    """The request's own card: what is asked, by whom, its status in words, and the buttons that fit.

    `request` is its published state (the shared view): the card is a channel message.
    """
    requester, addressed = org(requester_org), org(addressed_org)
    title = f"Request {request.label} · {request.category.label}"
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=clip(title, HEADER_MAX), emoji=False))]
    facts = [MarkdownTextObject(text=f"*Asked by*\n{requester}"), MarkdownTextObject(text=f"*Asked of*\n{addressed}")]
    if request.references:
        facts.append(
            MarkdownTextObject(
                text=f"*Invoice or credit numbers*\n{references_text(request.references, _REFERENCES_MAX)}"
            )
        )
    if request.amount is not None:
        facts.append(MarkdownTextObject(text=f"*Amount in dispute*\n{money(request.amount, request.currency)}"))
    if request.due_date is not None:
        facts.append(MarkdownTextObject(text=f"*Due*\n{day_label(request.due_date)}"))
    blocks.append(SectionBlock(fields=facts))
    if request.details.strip():
        chunks = escaped_chunks(request.details.strip(), SECTION_MAX - 20, line_prefix=">")
        if len(chunks) > _DETAILS_SECTIONS_MAX:
            chunks = chunks[:_DETAILS_SECTIONS_MAX]
            chunks[-1] += "…"
        chunks[0] = f"*Details*\n{chunks[0]}"
        blocks += [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in chunks]
    blocks.append(SectionBlock(text=MarkdownTextObject(text=_status_text(request, requester, addressed))))
    answer = _latest_answer(request)
    if answer is not None:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_answer_text(request, answer, requester, addressed))))
    if request.status in (RequestStatus.OPEN, RequestStatus.REOPENED):
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"Reply in this thread with the file to fulfil it ({addressed}'s leaders and "
                        "contributors), or use *Fulfill*."
                    )
                ]
            )
        )
    buttons = request_buttons(request)
    if buttons:
        blocks.append(ActionsBlock(block_id=BlockId.REQUEST_ACTIONS, elements=buttons))
    text = f"{clipped_escape(title, HEADER_MAX)}: {request.status.value}"
    if request.references:
        text += f" · {references_text(request.references, 150)}"
    return text, blocks


def _status_text(request: RequestView, requester: str, addressed: str) -> str:
    icon = _STATUS_ICON[request.status]
    status = request.status
    if status is RequestStatus.OPEN:
        line = f"{icon} *Open* · waiting for {addressed} to send it."
    elif status is RequestStatus.FULFILLED:
        line = (
            f"{icon} *Fulfilled* · {requester} can accept it, or reopen it if the answer doesn't settle the question."
        )
    elif status is RequestStatus.ACCEPTED:
        line = f"{icon} *Accepted* by {requester}."
        if request.outcome:
            line += "\n*Outcome*\n" + clipped_quote(request.outcome, _QUOTE_MAX)
    elif status is RequestStatus.REOPENED:
        line = f"{icon} *Reopened* by {requester} · waiting for {addressed} again."
        if request.reason:
            line += "\n*Why*\n" + clipped_quote(request.reason, _QUOTE_MAX)
    elif status is RequestStatus.DECLINED:
        line = f"{icon} *Declined* by {addressed}. {requester} can reopen it."
        if request.reason:
            line += "\n*Why*\n" + clipped_quote(request.reason, _QUOTE_MAX)
    else:
        line = f"{icon} *Cancelled* by {requester}."
        if request.reason:
            line += "\n*Why*\n" + clipped_quote(request.reason, _QUOTE_MAX)
    return line


def _latest_answer(request: RequestView) -> FulfilmentView | None:
    published = [f for f in request.fulfilments if not f.draft]
    return published[-1] if published else None


def _answer_text(request: RequestView, answer: FulfilmentView, requester: str, addressed: str) -> str:
    head = "Answer" if request.status in (RequestStatus.FULFILLED, RequestStatus.ACCEPTED) else "Last answer"
    by = addressed if answer.side is request.addressed_side else requester
    names = name_list(list(answer.names), 1500) if answer.names else "no files"
    text = f"*{head}* · from {by}, {day_label(answer.at.date())}\n{names}"
    if answer.note.strip():
        text += "\n" + clipped_quote(answer.note.strip(), _QUOTE_MAX)
    return text[:SECTION_MAX]


# The card's buttons, in the order people read them (not the transition table's).
_BUTTONS: tuple[tuple[RequestAction, str, ActionId], ...] = (
    (RequestAction.FULFIL, "Fulfill", ActionId.FULFILL_REQUEST),
    (RequestAction.ACCEPT, "Accept", ActionId.ACCEPT_REQUEST),
    (RequestAction.REOPEN, "Reopen", ActionId.REOPEN_REQUEST),
    (RequestAction.DECLINE, "Decline", ActionId.DECLINE_REQUEST),
    (RequestAction.CANCEL, "Cancel", ActionId.CANCEL_REQUEST),
)


def request_buttons(request: RequestView) -> list[ButtonElement]:
    """The buttons `request.status` allows, for everyone (the handler refuses the wrong side's click)."""
    allowed = set(actions_for(request.status))
    value = RequestRef(request.id, request.collaboration_id).to_json()
    buttons = []
    for action, label, action_id in _BUTTONS:
        if action not in allowed:
            continue
        buttons.append(
            ButtonElement(
                text=PlainTextObject(text=label, emoji=False),
                action_id=action_id,
                value=value,
                style="primary" if action is RequestAction.FULFIL else None,
                confirm=_cancel_confirm(request) if action is RequestAction.CANCEL else None,
            )
        )
    return buttons


def _cancel_confirm(request: RequestView) -> ConfirmObject:
    return ConfirmObject(
        title="Cancel this request?",
        text=(
            f"Request {clipped_escape(request.label, 40)} is withdrawn when your side passes the turn: the other "
            "side no longer needs to answer it. Only the side that filed it can cancel it."
        ),
        confirm="Cancel request",
        deny="Keep it",
    )


# --- Filing requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestForm:
    ref: CollaborationRef
    requests: list[NewRequest] = field(default_factory=list)  # empty when there are errors
    errors: Errors = field(default_factory=dict)


def request_modal(view: CollaborationView, *, today: date) -> View:
    """File one request, or one per reference: category, references, amount, currency, details, due date.

    Slack's date picker can't rule out past days: the hint says from when, and `parse_request` checks.
    """
    other = org(view.org_name(view.holding_side.other))
    intro = (
        f"*{clipped_escape(view.title, 200)}*\nAsk {other} for a document. Your request is staged for your next "
        f"update: only your side sees it until you pass the turn; then it gets its own card in "
        f"{channel_link(view.channel_id)}."
    )
    categories = [Option(value=c.value, text=PlainTextObject(text=c.label, emoji=False)) for c in RequestCategory]
    currencies = [Option(value=c, text=PlainTextObject(text=c, emoji=False)) for c in CURRENCIES]
    usd = currencies[CURRENCIES.index(DEFAULT_CURRENCY)]
    return View(
        type="modal",
        callback_id=CallbackId.REQUEST_DOCUMENT,
        title="Request documents",
        submit="File request",
        close="Cancel",
        private_metadata=CollaborationRef(view.id, channel_id=view.channel_id).to_json(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=intro)),
            InputBlock(
                block_id=BlockId.CATEGORY,
                label="What you need",
                element=StaticSelectElement(
                    action_id=ActionId.INPUT, placeholder="Choose a kind of document", options=categories
                ),
            ),
            _text_input(
                BlockId.REFERENCES,
                "Invoice or credit numbers",
                multiline=True,
                optional=True,
                max_length=2000,
                placeholder="INV-10442, INV-10450",
                hint="Separate them with commas or new lines.",
            ),
            InputBlock(
                block_id=BlockId.SEPARATE,
                label="Several numbers?",
                optional=True,
                element=CheckboxesElement(
                    action_id=ActionId.INPUT,
                    options=[
                        Option(
                            value="yes",
                            text=PlainTextObject(text="File a separate request for each reference"),
                            description=PlainTextObject(text="Each gets its own card, answered on its own."),
                        )
                    ],
                ),
            ),
            InputBlock(
                block_id=BlockId.AMOUNT,
                label="Amount in dispute",
                optional=True,
                hint="The sum this request is about, if any, like 1234.50.",
                element=NumberInputElement(
                    action_id=ActionId.INPUT,
                    is_decimal_allowed=True,
                    min_value="0.01",
                    max_value=str(AMOUNT_MAX),
                    placeholder="1234.50",
                ),
            ),
            InputBlock(
                block_id=BlockId.CURRENCY,
                label="Currency of the amount",
                optional=True,
                element=StaticSelectElement(action_id=ActionId.INPUT, options=currencies, initial_option=usd),
            ),
            _text_input(
                BlockId.DETAILS,
                "Details",
                multiline=True,
                optional=True,
                max_length=TEXT_MAX,
                placeholder="What you need and why: a shortage claim, a pricing difference…",
            ),
            InputBlock(
                block_id=BlockId.DUE_DATE,
                label="Due date",
                optional=True,
                hint=f"When you need it by: {day_label(today)} or later.",
                element=DatePickerElement(action_id=ActionId.INPUT, placeholder="Choose a date"),
            ),
        ],
    )


def split_references(text: str) -> list[str]:
    """ "INV-1, INV-2\\nINV-3" → ["INV-1", "INV-2", "INV-3"]: commas, semicolons and lines separate them;
    spaces inside one are kept single; repeats are dropped."""
    found: list[str] = []
    for piece in _REFERENCE_SPLIT.split(text):
        ref = " ".join(piece.split())
        if ref and ref not in found:
            found.append(ref)
    return found


def parse_amount(raw: str) -> tuple[Decimal | None, str | None]:
    """An amount in dispute as typed: (the amount, None), (None, None) when empty, or (None, what is wrong).

    "1234.50" and "1,234.50" are read; more than 2 decimals ("1.234"), 0 or less, words and amounts
    from a trillion up are refused.
    """
    text = raw.strip()
    if not text:
        return None, None
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        return None, "Write the amount as a number, like 1234.50."
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None, "Write the amount as a number, like 1234.50."
    if amount <= 0:
        return None, "The amount in dispute is more than 0."
    if amount != amount.quantize(Decimal("0.01")):
        return None, "Write the amount with at most 2 decimals."
    if amount > AMOUNT_MAX:
        return None, "That amount is too large: Baton takes amounts under 1,000,000,000,000."
    return amount.quantize(Decimal("0.01")), None


def parse_request(view: Mapping[str, Any], *, today: date) -> RequestForm:
    """The request modal's submission: one request, or one per reference when asked for."""
    ref = CollaborationRef.parse(view.get("private_metadata"))
    values = _Values(view)
    errors: Errors = {}

    category: RequestCategory | None = None
    try:
        category = RequestCategory(values.option(BlockId.CATEGORY) or "")
    except ValueError:
        errors[BlockId.CATEGORY] = CATEGORY_REQUIRED

    references = split_references(values.text(BlockId.REFERENCES))
    separate = "yes" in values.options(BlockId.SEPARATE) and len(references) > 1
    if any(len(r) > REFERENCE_MAX for r in references):
        errors[BlockId.REFERENCES] = f"An invoice or credit number is at most {REFERENCE_MAX} characters."
    elif separate and len(references) > MAX_REQUESTS:
        errors[BlockId.REFERENCES] = (
            f"File at most {MAX_REQUESTS} separate requests at once (you named {len(references)} numbers)."
        )
    elif not separate and len(references) > MAX_REFERENCES:
        errors[BlockId.REFERENCES] = (
            f"Name at most {MAX_REFERENCES} numbers per request, or file a separate request for each."
        )

    amount, wrong = parse_amount(values.text(BlockId.AMOUNT))
    if wrong:
        errors[BlockId.AMOUNT] = wrong
    elif amount is not None and separate:
        errors[BlockId.AMOUNT] = (
            "One amount can't be split across separate requests: leave it out, or file the numbers as one request."
        )
    currency: str | None = None
    if amount is not None:
        currency = values.option(BlockId.CURRENCY) or DEFAULT_CURRENCY
        if currency not in CURRENCIES:
            errors[BlockId.CURRENCY] = "Choose a currency from the list."

    details = values.text(BlockId.DETAILS)
    if len(details) > TEXT_MAX:
        errors[BlockId.DETAILS] = _too_long("details", TEXT_MAX, len(details))
    if not references and not details:
        errors.setdefault(BlockId.REFERENCES, WHAT_REQUIRED)

    due_date = values.date(BlockId.DUE_DATE, errors)
    if due_date is not None and due_date < today:
        errors[BlockId.DUE_DATE] = "Choose a due date from today on."

    if errors or category is None:
        return RequestForm(ref=ref, errors=errors)
    groups = [[r] for r in references] if separate else [references]
    requests = [
        NewRequest(
            category=category,
            references=tuple(group),
            amount=amount,
            currency=currency,
            details=details,
            due_date=due_date,
        )
        for group in groups
    ]
    return RequestForm(ref=ref, requests=requests, errors=errors)


# --- Answering a request --------------------------------------------------------------------------


@dataclass(frozen=True)
class FulfilForm:
    ref: RequestRef
    files: list[dict[str, Any]] = field(default_factory=list)  # new files, as Slack sends them
    version_ids: list[int] = field(default_factory=list)  # documents the side uploaded already
    note: str = ""
    errors: Errors = field(default_factory=dict)


def _request_intro(request: RequestView, what: str) -> SectionBlock:
    lines = [f"*Request {clipped_escape(request.label, 40)} · {request.category.label}*"]
    facts = []
    if request.references:
        facts.append(references_text(request.references, 600))
    if request.amount is not None:
        facts.append(money(request.amount, request.currency))
    if request.due_date is not None:
        facts.append(f"due {day_label(request.due_date)}")
    if facts:
        lines.append(" · ".join(facts))
    if request.details.strip():
        lines.append(clipped_quote(request.details.strip(), 600))
    lines.append(what)
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:SECTION_MAX]))


def fulfil_modal(
    request: RequestView,
    own_versions: Sequence[VersionView],
    *,
    channel_id: str | None = None,
    max_mb: float = 10,
    filetypes: Collection[str] = (),
) -> View:
    """Answer a request with new files and/or documents the side uploaded already, and a note.

    `own_versions` are the answering side's versions (stored ones are offered, the latest 100).
    """
    usable = [v for v in own_versions if v.stored][-OPTIONS_MAX:]
    blocks: list[Block] = [
        _request_intro(
            request,
            "Your answer is staged for your next update: only your side sees it until you pass the turn.",
        ),
        file_input_block(label="Files", optional=bool(usable), max_mb=max_mb, filetypes=filetypes),
    ]
    if usable:
        blocks.append(
            InputBlock(
                block_id=BlockId.DOCUMENTS,
                label="Documents already uploaded",
                optional=True,
                hint="Your side's documents in this collaboration. Choose files above, documents here, or both.",
                element=StaticMultiSelectElement(
                    action_id=ActionId.INPUT,
                    placeholder="Choose documents",
                    options=[
                        Option(
                            value=str(v.id),
                            text=PlainTextObject(text=clip(f"{v.name} · {version_label(v)}", OPTION_TEXT_MAX)),
                        )
                        for v in usable
                    ],
                ),
            )
        )
    blocks.append(
        _text_input(
            BlockId.NOTE,
            "Note",
            multiline=True,
            optional=True,
            max_length=TEXT_MAX,
            placeholder="Signed by the store's receiver on 14 Nov",
            hint="Shown with the answer on the request's card.",
        )
    )
    return View(
        type="modal",
        callback_id=CallbackId.FULFILL_REQUEST,
        title="Fulfill request",
        submit="Fulfill",
        close="Cancel",
        private_metadata=RequestRef(request.id, request.collaboration_id, channel_id).to_json(),
        blocks=blocks,
    )


def parse_fulfil(
    view: Mapping[str, Any], *, max_mb: float | None = None, filetypes: Collection[str] = ()
) -> FulfilForm:
    """The Fulfill modal's submission: at least one file or one document, and an optional note."""
    ref = RequestRef.parse(view.get("private_metadata"))
    values = _Values(view)
    errors: Errors = {}
    files = read_files(view)
    if files and (problem := file_problems(files, max_mb=max_mb, filetypes=filetypes)):
        errors[BlockId.FILE] = problem
    version_ids: list[int] = []
    for chosen in values.options(BlockId.DOCUMENTS):
        if not (chosen.isascii() and chosen.isdigit() and int(chosen) > 0):
            errors[BlockId.DOCUMENTS] = "Choose documents from the list."
            break
        if int(chosen) not in version_ids:
            version_ids.append(int(chosen))
    if not files and not version_ids and BlockId.DOCUMENTS not in errors:
        errors[BlockId.FILE] = ANSWER_REQUIRED if values.has(BlockId.DOCUMENTS) else FILE_REQUIRED
    note = values.text(BlockId.NOTE)
    if len(note) > TEXT_MAX:
        errors[BlockId.NOTE] = _too_long("note", TEXT_MAX, len(note))
    return FulfilForm(ref=ref, files=files, version_ids=version_ids, note=note, errors=errors)


@dataclass(frozen=True)
class RequestReasonForm:
    ref: RequestRef
    kind: RequestReasonKind
    reason: str = ""
    errors: Errors = field(default_factory=dict)


_REASONS: dict[RequestReasonKind, tuple[CallbackId, str, str, str, str]] = {
    # kind: (callback id, title, submit, what it does, label)
    "reopen": (
        CallbackId.REOPEN_REQUEST,
        "Reopen request",
        "Reopen",
        "Reopening sends the request back to the side it was asked of, with your reason, when you pass the turn.",
        "Why reopen it?",
    ),
    "decline": (
        CallbackId.DECLINE_REQUEST,
        "Decline request",
        "Decline",
        "Declining tells the side that asked why you won't send it, when you pass the turn. They can reopen it.",
        "Why decline it?",
    ),
}
_REASON_OF_CALLBACK: dict[str, RequestReasonKind] = {str(callback): kind for kind, (callback, *_) in _REASONS.items()}


def request_reason_modal(kind: RequestReasonKind, request: RequestView, *, channel_id: str | None = None) -> View:
    """Ask why before reopening or declining a request (a reason is required)."""
    callback_id, title, submit, explain, label = _REASONS[kind]
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=submit,
        close="Cancel",
        private_metadata=RequestRef(request.id, request.collaboration_id, channel_id).to_json(),
        blocks=[
            _request_intro(request, explain),
            _text_input(
                BlockId.REASON,
                label,
                multiline=True,
                max_length=TEXT_MAX,
                hint="Shown on the request's card, to both organisations.",
            ),
        ],
    )


def parse_request_reason(view: Mapping[str, Any]) -> RequestReasonForm:
    """A reopen or decline modal's submission; its kind comes from the callback id."""
    callback_id = view.get("callback_id")
    kind = _REASON_OF_CALLBACK.get(callback_id) if isinstance(callback_id, str) else None
    if kind is None:
        raise ValueError(f"not a request reason modal: callback_id {callback_id!r}")
    ref = RequestRef.parse(view.get("private_metadata"))
    reason = _Values(view).text(BlockId.REASON)
    errors: Errors = {}
    if not reason:
        errors[BlockId.REASON] = f"Say why you {kind} it: the other side reads it on the request's card."
    elif len(reason) > TEXT_MAX:
        errors[BlockId.REASON] = _too_long("reason", TEXT_MAX, len(reason))
    return RequestReasonForm(ref=ref, kind=kind, reason=reason, errors=errors)


@dataclass(frozen=True)
class AcceptForm:
    ref: RequestRef
    outcome: str | None = None
    errors: Errors = field(default_factory=dict)


def accept_modal(request: RequestView, *, channel_id: str | None = None) -> View:
    """Accept a fulfilled request, optionally recording what settled it."""
    return View(
        type="modal",
        callback_id=CallbackId.ACCEPT_REQUEST,
        title="Accept request",
        submit="Accept",
        close="Cancel",
        private_metadata=RequestRef(request.id, request.collaboration_id, channel_id).to_json(),
        blocks=[
            _request_intro(request, "Accepting closes the request when you pass the turn."),
            _text_input(
                BlockId.OUTCOME,
                "Outcome",
                multiline=True,
                optional=True,
                max_length=TEXT_MAX,
                placeholder="Credit memo CM-2231 issued",
                hint="What settled it, for the record. Shown on the request's card.",
            ),
        ],
    )


def parse_accept(view: Mapping[str, Any]) -> AcceptForm:
    """The accept modal's submission: the outcome is optional."""
    ref = RequestRef.parse(view.get("private_metadata"))
    outcome = _Values(view).text(BlockId.OUTCOME)
    errors: Errors = {}
    if len(outcome) > TEXT_MAX:
        errors[BlockId.OUTCOME] = _too_long("outcome", TEXT_MAX, len(outcome))
    return AcceptForm(ref=ref, outcome=outcome or None, errors=errors)


# --- `/turn requests` -----------------------------------------------------------------------------


def requests_list(
    requests: Sequence[RequestView],
    *,
    today: date,
    viewer_side: Side | None,
    orgs: Mapping[Side, str] | None = None,
) -> tuple[str, list[Block]]:
    """The collaboration's requests for one person (ephemeral): unresolved first, each with its status,
    due date, age in days and who asked; the viewer's side's unsent filings and actions marked "to be sent".

    `requests` as the viewer's side sees them; `orgs` names the sides ("from Retail Co"), else the
    words are "you asked" and "asked of you".
    """
    if not requests:
        return "No document requests yet.", [
            SectionBlock(
                text=MarkdownTextObject(
                    text="*Requests* · none yet. Ask the other side for a document with the card's "
                    "*Request document* button."
                )
            )
        ]
    unresolved = [r for r in requests if r.status not in FINAL]
    resolved = [r for r in requests if r.status in FINAL]
    ordered = unresolved + resolved
    head = f"*Requests* · {len(requests)} in all, {len(unresolved)} unresolved"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head))]
    room = MESSAGE_BLOCKS_MAX - 1
    shown = ordered if len(ordered) <= room else ordered[: room - 1]
    blocks += [
        SectionBlock(text=MarkdownTextObject(text=_list_entry(r, today, viewer_side, orgs)[:SECTION_MAX]))
        for r in shown
    ]
    if len(shown) < len(ordered):
        rest = ordered[len(shown) :]
        open_rest = sum(1 for r in rest if r.status not in FINAL)
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"…and {plural(len(rest), 'more request')} ({open_rest} unresolved): each has its "
                        "own card in the channel."
                    )
                ]
            )
        )
    return f"Requests: {len(requests)} in all, {len(unresolved)} unresolved", blocks


def _list_entry(r: RequestView, today: date, viewer_side: Side | None, orgs: Mapping[Side, str] | None) -> str:
    to_be_sent = r.draft or bool(r.pending)
    lines = [request_line(r, to_be_sent=to_be_sent, due=False)]
    facts = []
    if r.due_date is not None and r.status not in FINAL:
        facts.append(_due_words(r.due_date, today))
    age = (today - r.filed_at.date()).days
    filed = "filed today" if age <= 0 else f"filed {plural(age, 'day')} ago"
    facts.append(f"{filed} {_asked_words(r, viewer_side, orgs)}")
    lines.append(" · ".join(facts))
    if r.pending:
        done = ", then ".join(TRANSITIONS[a].done for a in r.pending)
        lines.append(f"_Your side {done} it: to be sent with your next update._")
    elif r.draft:
        lines.append("_Filed by your side: to be sent with your next update._")
    return "\n".join(lines)


def _due_words(due: date, today: date) -> str:
    days = (due - today).days
    if days < 0:
        return f":warning: due {day_label(due)}, overdue by {plural(-days, 'day')}"
    if days == 0:
        return f"due today, {day_label(due)}"
    return f"due {day_label(due)}, in {plural(days, 'day')}"


def _asked_words(r: RequestView, viewer_side: Side | None, orgs: Mapping[Side, str] | None) -> str:
    if orgs and r.requester_side in orgs and r.addressed_side in orgs:
        return f"by {org(orgs[r.requester_side])} for {org(orgs[r.addressed_side])}"
    if viewer_side is None:
        return f"by the {r.requester_side.value} side"
    return "by your side" if r.requester_side is viewer_side else "by the other side, for yours"
