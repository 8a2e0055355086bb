"""The statement schedule modal: when Baton opens the next period and who it reminds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    TimePickerElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.format import clipped_escape
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.sharepoint import SharePointForm, parse_sharepoint, sharepoint_inputs
from bot.blocks.text import from_typed_text
from models.flows.sharepoint import SharePointView
from models.schedules import DayRule, Schedule

__all__ = ["ScheduleForm", "parse_schedule", "schedule_modal"]

_RULES = {DayRule.BUSINESS_DAY: "Business day of the month", DayRule.DAY_OF_MONTH: "Calendar day of the month"}


@dataclass(frozen=True)
class ScheduleForm:
    account_id: int
    day_rule: str
    day: int
    at: str
    timezone: str
    country: str | None
    auto_open: bool
    remind_user_ids: tuple[str, ...]
    remind_days_before: int
    escalate_after_days: int
    nudge_after_days: int
    customer_number: str | None
    errors: dict[str, str] = field(default_factory=dict)
    sharepoint: SharePointForm | None = None  # only when the modal had the Microsoft 365 fields


def _option(value: str, text: str) -> Option:
    return Option(value=value, text=PlainTextObject(text=text))


def _number(block: BlockId, label: str, value: int, *, hint: str, maximum: int) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=label,
        hint=hint,
        element=NumberInputElement(
            action_id=ActionId.INPUT,
            is_decimal_allowed=False,
            initial_value=str(value),
            min_value="0",
            max_value=str(maximum),
        ),
    )


def schedule_modal(
    account_id: int,
    account_name: str,
    schedule: Schedule,
    customer_number: str | None,
    sharepoint: SharePointView | None = None,
) -> View:
    """The account's schedule, pre-filled with what is set (or the defaults); with `sharepoint` (only
    when Microsoft 365 is configured) also its statement folder, file-name pattern and archive folder."""
    rules = [_option(rule.value, text) for rule, text in _RULES.items()]
    auto = _option("yes", "Open the next period's collaboration automatically")
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{clipped_escape(account_name, 200)}* · the statement for a month is due early the next "
                "month: on that day Baton opens the month's collaboration here and reminds your side by "
                "direct message (never in the shared channel)."
            )
        ),
        InputBlock(
            block_id=BlockId.DAY_RULE,
            label="Which day",
            element=RadioButtonsElement(
                action_id=ActionId.INPUT,
                options=rules,
                initial_option=next(o for o in rules if o.value == schedule.day_rule.value),
            ),
        ),
        _number(
            BlockId.DAY, "Day number", schedule.day, hint="1 is the first (business) day of the month.", maximum=28
        ),
        InputBlock(
            block_id=BlockId.TIME,
            label="Time",
            element=TimePickerElement(action_id=ActionId.INPUT, initial_time=schedule.at.strftime("%H:%M")),
        ),
        InputBlock(
            block_id=BlockId.TIMEZONE,
            label="Time zone",
            hint="A name like Europe/Berlin or America/Chicago.",
            element=PlainTextInputElement(action_id=ActionId.INPUT, initial_value=schedule.timezone, max_length=64),
        ),
        InputBlock(
            block_id=BlockId.COUNTRY,
            label="Public holidays of",
            optional=True,
            hint="A two-letter country code (US, DE, GB…): its public holidays are not business days.",
            element=PlainTextInputElement(
                action_id=ActionId.INPUT, initial_value=schedule.country or None, max_length=2
            ),
        ),
        InputBlock(
            block_id=BlockId.WHERE,
            label="Opening",
            optional=True,
            element=CheckboxesElement(
                action_id=ActionId.INPUT, options=[auto], initial_options=[auto] if schedule.auto_open else None
            ),
        ),
        InputBlock(
            block_id=BlockId.REMIND,
            label="Who is reminded",
            optional=True,
            hint="Leave empty to remind your side's leaders of the collaboration.",
            element=UserMultiSelectElement(
                action_id=ActionId.INPUT, initial_users=list(schedule.remind_user_ids) or None
            ),
        ),
        _number(
            BlockId.REMIND_DAYS_BEFORE,
            "Remind about a request, days before it is due",
            schedule.remind_days_before,
            hint="Then daily while it is overdue.",
            maximum=30,
        ),
        _number(
            BlockId.ESCALATE_AFTER_DAYS,
            "Tell your leaders when a request is overdue by (days)",
            schedule.escalate_after_days,
            hint="0 never escalates.",
            maximum=60,
        ),
        _number(
            BlockId.NUDGE_AFTER_DAYS,
            "Nudge a side holding the turn after (business days)",
            schedule.nudge_after_days,
            hint="0 never nudges.",
            maximum=60,
        ),
        InputBlock(
            block_id=BlockId.CUSTOMER_NUMBER,
            label="Customer number",
            optional=True,
            element=PlainTextInputElement(
                action_id=ActionId.INPUT, initial_value=customer_number or None, max_length=64
            ),
        ),
    ]
    if sharepoint is not None:
        blocks += sharepoint_inputs(sharepoint)
    return View(
        type="modal",
        callback_id=CallbackId.SCHEDULE,
        title="Statement schedule",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"a": account_id}),
        blocks=blocks,
    )


def _element(values: Mapping[str, Any], block: BlockId) -> Mapping[str, Any]:
    found = (values.get(block.value) or {}).get(ActionId.INPUT.value)
    return found if isinstance(found, Mapping) else {}


def _int(values: Mapping[str, Any], block: BlockId, errors: dict[str, str], default: int) -> int:
    raw = _element(values, block).get("value")
    try:
        return int(str(raw)) if raw not in (None, "") else default
    except ValueError:
        errors[block.value] = "Write a whole number."
        return default


def parse_schedule(view: Mapping[str, Any]) -> ScheduleForm:
    """The submission as a form; ValueError for metadata that is not ours."""
    meta = json.loads(view.get("private_metadata") or "")
    account_id = meta.get("a") if isinstance(meta, dict) else None
    if not isinstance(account_id, int) or account_id < 1:
        raise ValueError("not a schedule modal")
    values = (view.get("state") or {}).get("values") or {}
    errors: dict[str, str] = {}
    rule = (_element(values, BlockId.DAY_RULE).get("selected_option") or {}).get("value") or DayRule.BUSINESS_DAY.value

    def text(block: BlockId) -> str:
        return from_typed_text(str(_element(values, block).get("value") or "")).strip()

    return ScheduleForm(
        account_id=account_id,
        day_rule=str(rule),
        day=_int(values, BlockId.DAY, errors, 1),
        at=str(_element(values, BlockId.TIME).get("selected_time") or "09:00"),
        timezone=text(BlockId.TIMEZONE),
        country=text(BlockId.COUNTRY).upper() or None,
        auto_open=bool(_element(values, BlockId.WHERE).get("selected_options")),
        remind_user_ids=tuple(_element(values, BlockId.REMIND).get("selected_users") or ()),
        remind_days_before=_int(values, BlockId.REMIND_DAYS_BEFORE, errors, 1),
        escalate_after_days=_int(values, BlockId.ESCALATE_AFTER_DAYS, errors, 3),
        nudge_after_days=_int(values, BlockId.NUDGE_AFTER_DAYS, errors, 3),
        customer_number=text(BlockId.CUSTOMER_NUMBER) or None,
        errors=errors,
        sharepoint=parse_sharepoint(values),
    )
