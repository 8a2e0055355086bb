"""The modals (start, pass, skip, add people, reason) and the parsers that read their submissions back.

Each builder returns a `View`; each `parse_*` takes the submitted `view` payload and returns a typed
form whose `errors` map block ids to plain words, ready for `ack(response_action="errors", errors=…)`.
Parsers check the shape of what a person typed; the use cases re-check everything that depends on the
record (who may act, whose turn it is), and their `InvalidInput.field` is a `BlockId` value too.
Bad metadata is not the person's mistake (a forged or corrupted payload): it raises ValueError.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    EmailInputElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.format import channel_link, clipped_escape, month_label, period_label, plural, shift_month
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.metadata import CollaborationRef, StartRef
from bot.blocks.parts import org
from bot.blocks.text import from_typed_text
from models.errors import InvalidInput
from models.flows.start import TITLE_MAX, valid_email, valid_period
from models.flows.turns import MESSAGE_MAX
from models.flows.views import CollaborationView
from models.sides import Role

__all__ = [
    "AddPeopleForm",
    "PassForm",
    "ReasonForm",
    "ReasonKind",
    "SkipForm",
    "StartDefaults",
    "StartForm",
    "Where",
    "add_people_modal",
    "parse_add_people",
    "parse_pass",
    "parse_reason",
    "parse_skip",
    "parse_start",
    "pass_modal",
    "period_options",
    "reason_modal",
    "skip_modal",
    "start_modal",
]

NOTE_MAX = 3000
MONTHS_BACK = 11  # the period select offers next month, this month and the 11 before it

Errors = dict[BlockId, str]


class Where(enum.StrEnum):
    """Where a new collaboration lives."""

    THIS_CHANNEL = "this_channel"
    NEW_CHANNEL = "new_channel"


class ReasonKind(enum.StrEnum):
    """What a reason is asked for (declining and reopening requests will join reopen)."""

    REOPEN = "reopen"


# Plain words, so a person knows what each field is for and what went wrong.
MESSAGE_REQUIRED = "Write an update for the other side: it's posted in the channel with the turn."
TITLE_REQUIRED = "Give the collaboration a title."
ACCOUNT_REQUIRED = "Name the retailer this channel is for."
PEOPLE_OR_EMAIL = "Choose the people to add, or write the email of someone to invite."
_ROLE_WORDS = {
    Role.LEADER: ("Leader", "Passes the turn, signs off, adds people"),
    Role.CONTRIBUTOR: ("Contributor", "Uploads, files and answers requests"),
    Role.FOLLOWER: ("Follower", "Reads and chats"),
}


# --- Start ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartDefaults:
    """What the start modal is pre-filled with.

    `account_name` is the channel's retailer when the channel has an account already; without one the
    modal asks for it (the account is created with the first collaboration).
    """

    title: str = ""
    period: str | None = None  # default: last month, the month a statement sent now covers
    account_name: str | None = None
    contact_user_id: str | None = None


@dataclass(frozen=True)
class StartForm:
    channel_id: str | None  # the channel it lives in; None for a new one from the global shortcut
    title: str = ""
    account_name: str | None = None  # None when the modal did not ask (the channel has an account)
    period: str | None = None
    note: str = ""
    due_date: date | None = None
    where: Where = Where.THIS_CHANNEL
    contact_user_id: str | None = None
    contact_email: str | None = None
    errors: Errors = field(default_factory=dict)


def period_options(today: date) -> list[Option]:
    """Next month, this month and the 11 before it, newest first ("November 2026" → "2026-11").

    Slack has no month picker; choosing a month from a short list is easier than typing "2026-11".
    """
    options = []
    for back in range(-1, MONTHS_BACK + 1):
        year, month = shift_month(today.year, today.month, -back)
        period = f"{year:04d}-{month:02d}"
        options.append(Option(value=period, text=PlainTextObject(text=month_label(period))))
    return options


def start_modal(channel_id: str | None, defaults: StartDefaults, *, today: date) -> View:
    """Start a collaboration: title, retailer (first time only), month, due date, note, where, contact.

    Without `channel_id` (the global shortcut, opened outside any channel) "where" is a channel picker:
    an existing channel, or none for a new one.
    """
    options = period_options(today)
    last_year, last_month = shift_month(today.year, today.month, -1)
    period = defaults.period or f"{last_year:04d}-{last_month:02d}"
    initial = next((o for o in options if o.value == period), None)
    if initial is None:  # a period outside the list (say, catching up an old month): offer it too
        initial = Option(value=period, text=PlainTextObject(text=month_label(period)))
        options.append(initial)
    title = defaults.title
    if not title and defaults.account_name:
        title = f"{defaults.account_name} — {period_label(period)}"

    blocks: list[Block] = [
        _text_input(
            BlockId.TITLE,
            "Title",
            initial=title[:TITLE_MAX] or None,
            max_length=TITLE_MAX,
            placeholder="Retail Co — November 2026 statement",
            hint="Shown on the collaboration's card, to both organisations.",
        )
    ]
    if defaults.account_name is None:
        blocks.append(
            _text_input(
                BlockId.ACCOUNT_NAME,
                "Retailer",
                max_length=200,
                placeholder="Retail Co",
                hint="The retailer this channel is for. Asked once: next month's collaboration reuses it.",
            )
        )
    blocks += [
        InputBlock(
            block_id=BlockId.PERIOD,
            label="Statement month",
            optional=True,
            hint="The month the statement covers.",
            element=StaticSelectElement(
                action_id=ActionId.INPUT,
                placeholder="Choose a month",
                options=options,
                initial_option=initial,
            ),
        ),
        InputBlock(
            block_id=BlockId.DUE_DATE,
            label="Due date",
            optional=True,
            hint="When the whole collaboration should be done, if there is a date.",
            element=DatePickerElement(action_id=ActionId.INPUT, placeholder="Choose a date"),
        ),
        _text_input(
            BlockId.NOTE,
            "Note",
            multiline=True,
            optional=True,
            max_length=NOTE_MAX,
            hint="What this is about and what you expect; shown on the card.",
        ),
        _where_block(channel_id),
        InputBlock(
            block_id=BlockId.CONTACT_USER,
            label="Retailer's contact in this channel",
            optional=True,
            hint="Someone from the retailer already in the channel. They lead for the retailer.",
            element=UserSelectElement(
                action_id=ActionId.INPUT,
                placeholder="Choose a person",
                initial_user=defaults.contact_user_id,
            ),
        ),
        InputBlock(
            block_id=BlockId.CONTACT_EMAIL,
            label="Or the contact's email, to invite them",
            optional=True,
            hint="Baton invites them to the channel (Slack Connect). Use this for a new channel.",
            element=EmailInputElement(action_id=ActionId.INPUT, placeholder="ap@retailco.example"),
        ),
    ]
    return View(
        type="modal",
        callback_id=CallbackId.START,
        title="Start a collaboration",
        submit="Start",
        close="Cancel",
        private_metadata=StartRef(channel_id).to_json(),
        blocks=blocks,
    )


def _where_block(channel_id: str | None) -> InputBlock:
    if channel_id is None:
        return InputBlock(
            block_id=BlockId.CHANNEL,
            label="Channel",
            optional=True,
            hint="The retailer's shared channel, if there is one. Leave it empty and Baton creates a new channel.",
            element=ConversationSelectElement(
                action_id=ActionId.INPUT,
                placeholder="Choose a channel",
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        )
    return InputBlock(
        block_id=BlockId.WHERE,
        label="Where it lives",
        element=RadioButtonsElement(
            action_id=ActionId.INPUT,
            options=_where_options(channel_id),
            initial_option=_where_options(channel_id)[0],
        ),
    )


def _where_options(channel_id: str) -> list[Option]:
    return [
        Option(
            value=Where.THIS_CHANNEL,
            text=MarkdownTextObject(text=f"This channel ({channel_link(channel_id)})"),
        ),
        Option(
            value=Where.NEW_CHANNEL,
            text=MarkdownTextObject(text="A new channel"),
            description=PlainTextObject(text="Baton creates it and invites the retailer's contact by email."),
        ),
    ]


def parse_start(view: Mapping[str, Any], *, today: date) -> StartForm:
    """The start modal's submission; `today` rules out a due date in the past."""
    ref = StartRef.parse(view.get("private_metadata"))
    values = _Values(view)
    errors: Errors = {}

    title = values.text(BlockId.TITLE)
    if not title:
        errors[BlockId.TITLE] = TITLE_REQUIRED
    elif len(title) > TITLE_MAX:
        errors[BlockId.TITLE] = f"Keep the title under {TITLE_MAX} characters."

    account_name: str | None = None
    if values.has(BlockId.ACCOUNT_NAME):
        account_name = values.text(BlockId.ACCOUNT_NAME)
        if not account_name:
            errors[BlockId.ACCOUNT_NAME] = ACCOUNT_REQUIRED

    period: str | None = None
    try:
        period = valid_period(values.option(BlockId.PERIOD))
    except InvalidInput as e:
        errors[BlockId.PERIOD] = e.message

    due_date = values.date(BlockId.DUE_DATE, errors)
    if due_date is not None and due_date < today:
        errors[BlockId.DUE_DATE] = "Choose a due date from today on."

    note = values.text(BlockId.NOTE)
    if len(note) > NOTE_MAX:
        errors[BlockId.NOTE] = f"Keep the note under {NOTE_MAX:,} characters."

    chosen_channel = values.conversation(BlockId.CHANNEL) if ref.channel_id is None else ref.channel_id
    default_where = Where.THIS_CHANNEL if chosen_channel else Where.NEW_CHANNEL
    where_value = values.option(BlockId.WHERE) or default_where
    where = Where.THIS_CHANNEL
    try:
        where = Where(where_value)
    except ValueError:
        errors[BlockId.WHERE] = "Choose this channel or a new one."

    contact_user_id = values.user(BlockId.CONTACT_USER)
    contact_email = values.text(BlockId.CONTACT_EMAIL) or None
    if contact_email is not None:
        try:
            contact_email = valid_email(contact_email, field=BlockId.CONTACT_EMAIL)
        except InvalidInput as e:
            errors[BlockId.CONTACT_EMAIL] = e.message
    if contact_user_id and contact_email:
        errors.setdefault(BlockId.CONTACT_EMAIL, "Choose the contact or write their email, not both.")
    if where is Where.NEW_CHANNEL:
        if contact_user_id:
            errors[BlockId.CONTACT_USER] = "A new channel starts empty: invite the retailer's contact by email instead."
        elif not contact_email:
            errors.setdefault(
                BlockId.CONTACT_EMAIL,
                "A new channel needs the retailer's contact: write their email so Baton can invite them.",
            )

    return StartForm(
        channel_id=chosen_channel,
        title=title,
        account_name=account_name,
        period=period,
        note=note,
        due_date=due_date,
        where=where,
        contact_user_id=contact_user_id,
        contact_email=contact_email,
        errors=errors,
    )


# --- Pass and skip --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PassForm:
    ref: CollaborationRef  # with the turn the modal was opened on
    message: str = ""
    errors: Errors = field(default_factory=dict)


@dataclass(frozen=True)
class SkipForm:
    ref: CollaborationRef  # with the turn the modal was opened on
    message: str | None = None
    errors: Errors = field(default_factory=dict)


def pass_modal(view: CollaborationView, turn_number: int) -> View:
    """Pass the turn: the update message (required), posted in the channel as the turn goes over."""
    other = org(view.org_name(view.holding_side.other))
    lines = [
        f"*{clipped_escape(view.title, 200)}* · Turn {turn_number}",
        f"Your update is posted in {channel_link(view.channel_id)} and the turn passes to {other}; "
        "their people are mentioned.",
    ]
    if view.drafts:
        lines.append(f"Sending it publishes your side's {plural(view.drafts, 'draft')}.")
    return View(
        type="modal",
        callback_id=CallbackId.PASS,
        title="Pass the turn",
        submit="Send update",
        close="Cancel",
        private_metadata=CollaborationRef(view.id, turn=turn_number, channel_id=view.channel_id).to_json(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text="\n".join(lines))),
            _text_input(
                BlockId.MESSAGE,
                f"Update for {_plain_org(view, other=True)}",
                multiline=True,
                max_length=MESSAGE_MAX,
                placeholder="What you did, and what you need from them",
                hint="Shown as you write it, in the channel and in the archive.",
            ),
        ],
    )


def skip_modal(view: CollaborationView, turn_number: int) -> View:
    """Skip the turn: nothing to send; an optional note goes with it."""
    other = org(view.org_name(view.holding_side.other))
    lines = [
        f"*{clipped_escape(view.title, 200)}* · Turn {turn_number}",
        f"Skipping ends the turn with nothing to send, and the turn passes to {other}.",
    ]
    if view.drafts:
        lines.append(
            f":warning: Your side has {plural(view.drafts, 'draft')}: a turn with drafts can't be skipped. "
            "Pass the turn with an update to send them."
        )
    return View(
        type="modal",
        callback_id=CallbackId.SKIP,
        title="Skip the turn",
        submit="Skip turn",
        close="Cancel",
        private_metadata=CollaborationRef(view.id, turn=turn_number, channel_id=view.channel_id).to_json(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text="\n".join(lines))),
            _text_input(
                BlockId.MESSAGE,
                f"Note for {_plain_org(view, other=True)}",
                multiline=True,
                optional=True,
                max_length=MESSAGE_MAX,
                placeholder="Why there's nothing to send this time (optional)",
            ),
        ],
    )


def parse_pass(view: Mapping[str, Any]) -> PassForm:
    """The pass modal's submission: a message is required."""
    ref = _turn_ref(view)
    message = _Values(view).text(BlockId.MESSAGE)
    errors: Errors = {}
    if not message:
        errors[BlockId.MESSAGE] = MESSAGE_REQUIRED
    elif len(message) > MESSAGE_MAX:
        errors[BlockId.MESSAGE] = _too_long("update", MESSAGE_MAX, len(message))
    return PassForm(ref=ref, message=message, errors=errors)


def parse_skip(view: Mapping[str, Any]) -> SkipForm:
    """The skip modal's submission: the message is optional."""
    ref = _turn_ref(view)
    message = _Values(view).text(BlockId.MESSAGE)
    errors: Errors = {}
    if len(message) > MESSAGE_MAX:
        errors[BlockId.MESSAGE] = _too_long("note", MESSAGE_MAX, len(message))
    return SkipForm(ref=ref, message=message or None, errors=errors)


def _turn_ref(view: Mapping[str, Any]) -> CollaborationRef:
    ref = CollaborationRef.parse(view.get("private_metadata"))
    if ref.turn is None:
        raise ValueError("metadata lacks the turn the modal was opened on ('t')")
    return ref


# --- Add people -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddPeopleForm:
    ref: CollaborationRef
    user_ids: tuple[str, ...] = ()
    role: Role = Role.CONTRIBUTOR
    other_org: bool = False  # the people are from a third organisation and work with the leader's side
    email: str | None = None  # someone to invite into the channel by email (Slack Connect)
    errors: Errors = field(default_factory=dict)


def add_people_modal(view: CollaborationView) -> View:
    """Add people to your organisation's side (or change their role), or invite someone by email."""
    roles = [
        Option(value=role, text=PlainTextObject(text=label), description=PlainTextObject(text=what))
        for role, (label, what) in _ROLE_WORDS.items()
    ]
    contributor = roles[list(_ROLE_WORDS).index(Role.CONTRIBUTOR)]
    return View(
        type="modal",
        callback_id=CallbackId.ADD_PEOPLE,
        title="Add people",
        submit="Add",
        close="Cancel",
        private_metadata=CollaborationRef(view.id, channel_id=view.channel_id).to_json(),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=(
                        f"*{clipped_escape(view.title, 200)}*\nPeople you add join your organisation's "
                        "side and are invited to the channel; the other organisation's leaders manage "
                        "their own people. Choosing someone already in it changes their role."
                    )
                )
            ),
            InputBlock(
                block_id=BlockId.PEOPLE,
                label="People",
                optional=True,
                element=UserMultiSelectElement(action_id=ActionId.INPUT, placeholder="Choose people"),
            ),
            InputBlock(
                block_id=BlockId.ROLE,
                label="Their role",
                element=StaticSelectElement(action_id=ActionId.INPUT, options=roles, initial_option=contributor),
            ),
            InputBlock(
                block_id=BlockId.OTHER_ORG,
                label="From another organisation?",
                optional=True,
                element=CheckboxesElement(
                    action_id=ActionId.INPUT,
                    options=[
                        Option(
                            value="yes",
                            text=PlainTextObject(text="Yes, and they work with us"),
                            description=PlainTextObject(text="For a carrier or an agent: they join your side."),
                        )
                    ],
                ),
            ),
            InputBlock(
                block_id=BlockId.CONTACT_EMAIL,
                label="Or invite someone by email",
                optional=True,
                hint="For someone not in Slack with you yet: Baton invites them to the channel.",
                element=EmailInputElement(action_id=ActionId.INPUT, placeholder="name@company.example"),
            ),
        ],
    )


def parse_add_people(view: Mapping[str, Any]) -> AddPeopleForm:
    """The add-people modal's submission: people, an email, or both."""
    ref = CollaborationRef.parse(view.get("private_metadata"))
    values = _Values(view)
    errors: Errors = {}
    user_ids = values.users(BlockId.PEOPLE)
    role = Role.CONTRIBUTOR
    chosen = values.option(BlockId.ROLE)
    if chosen is not None:
        try:
            role = Role(chosen)
        except ValueError:
            errors[BlockId.ROLE] = "Choose a role: leader, contributor or follower."
    other_org = "yes" in values.options(BlockId.OTHER_ORG)
    email = values.text(BlockId.CONTACT_EMAIL) or None
    if email is not None:
        try:
            email = valid_email(email, field=BlockId.CONTACT_EMAIL)
        except InvalidInput as e:
            errors[BlockId.CONTACT_EMAIL] = e.message
    if not user_ids and email is None and BlockId.CONTACT_EMAIL not in errors:
        errors[BlockId.PEOPLE] = PEOPLE_OR_EMAIL
    return AddPeopleForm(ref=ref, user_ids=user_ids, role=role, other_org=other_org, email=email, errors=errors)


# --- Reasons --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonForm:
    ref: CollaborationRef
    kind: ReasonKind
    reason: str | None = None
    errors: Errors = field(default_factory=dict)


_REASONS = {
    # kind: (callback id, title, submit, what it does, label)
    ReasonKind.REOPEN: (
        CallbackId.REOPEN,
        "Reopen",
        "Reopen",
        "Reopening makes it active again: the turn goes to your organisation and both sign-offs are cleared.",
        "Why reopen it?",
    ),
}
_KIND_OF_CALLBACK: dict[str, ReasonKind] = {str(callback): kind for kind, (callback, *_) in _REASONS.items()}


def reason_modal(kind: ReasonKind, view: CollaborationView) -> View:
    """Ask for an optional reason before doing `kind` (reopen)."""
    callback_id, title, submit, explain, label = _REASONS[kind]
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        submit=submit,
        close="Cancel",
        private_metadata=CollaborationRef(view.id, channel_id=view.channel_id).to_json(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"*{clipped_escape(view.title, 200)}*\n{explain}")),
            _text_input(
                BlockId.REASON,
                label,
                multiline=True,
                optional=True,
                max_length=MESSAGE_MAX,
                hint="Recorded in the history, and shown to both organisations.",
            ),
        ],
    )


def parse_reason(view: Mapping[str, Any]) -> ReasonForm:
    """A reason modal's submission; its kind comes from the callback id."""
    callback_id = view.get("callback_id")
    kind = _KIND_OF_CALLBACK.get(callback_id) if isinstance(callback_id, str) else None
    if kind is None:
        raise ValueError(f"not a reason modal: callback_id {callback_id!r}")
    ref = CollaborationRef.parse(view.get("private_metadata"))
    reason = _Values(view).text(BlockId.REASON)
    errors: Errors = {}
    if len(reason) > MESSAGE_MAX:
        errors[BlockId.REASON] = _too_long("reason", MESSAGE_MAX, len(reason))
    return ReasonForm(ref=ref, kind=kind, reason=reason or None, errors=errors)


# --- Shared ---------------------------------------------------------------------------------------


def _text_input(
    block_id: BlockId,
    label: str,
    *,
    initial: str | None = None,
    multiline: bool = False,
    optional: bool = False,
    max_length: int | None = None,
    placeholder: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional or None,
        hint=hint,
        element=PlainTextInputElement(
            action_id=ActionId.INPUT,
            initial_value=initial,
            multiline=multiline or None,
            max_length=max_length,
            placeholder=placeholder,
        ),
    )


def _plain_org(view: CollaborationView, *, other: bool) -> str:
    """The other side's name for a plain-text label (no escaping: plain text shows it as is)."""
    side = view.holding_side.other if other else view.holding_side
    name = view.org_name(side)
    return name if len(name) <= 60 else name[:59] + "…"


def _too_long(what: str, limit: int, length: int) -> str:
    return f"Keep the {what} under {limit:,} characters (it's {length:,})."


class _Values:
    """`view.state.values`, read defensively: a forged or odd payload reads as an empty field."""

    def __init__(self, view: Mapping[str, Any]) -> None:
        state = view.get("state")
        values = state.get("values") if isinstance(state, Mapping) else None
        self._values: Mapping[str, Any] = values if isinstance(values, Mapping) else {}

    def has(self, block: BlockId) -> bool:
        return block in self._values

    def _element(self, block: BlockId) -> Mapping[str, Any]:
        actions = self._values.get(block)
        element = actions.get(ActionId.INPUT) if isinstance(actions, Mapping) else None
        return element if isinstance(element, Mapping) else {}

    def text(self, block: BlockId) -> str:
        value = self._element(block).get("value")
        return from_typed_text(value).strip() if isinstance(value, str) else ""

    def option(self, block: BlockId) -> str | None:
        selected = self._element(block).get("selected_option")
        value = selected.get("value") if isinstance(selected, Mapping) else None
        return value if isinstance(value, str) else None

    def options(self, block: BlockId) -> list[str]:
        selected = self._element(block).get("selected_options")
        if not isinstance(selected, Sequence):
            return []
        return [o["value"] for o in selected if isinstance(o, Mapping) and isinstance(o.get("value"), str)]

    def conversation(self, block: BlockId) -> str | None:
        chosen = self._element(block).get("selected_conversation")
        return chosen if isinstance(chosen, str) and chosen else None

    def user(self, block: BlockId) -> str | None:
        user = self._element(block).get("selected_user")
        return user if isinstance(user, str) and user else None

    def users(self, block: BlockId) -> tuple[str, ...]:
        users = self._element(block).get("selected_users")
        if not isinstance(users, Sequence) or isinstance(users, str):
            return ()
        return tuple(dict.fromkeys(u for u in users if isinstance(u, str) and u))

    def date(self, block: BlockId, errors: Errors) -> date | None:
        raw = self._element(block).get("selected_date")
        if not raw:
            return None
        try:
            return date.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            errors[block] = "Choose a date from the calendar."
            return None
