"""Block Kit as Slack treats it: validation, filled-in ids, and what a person can click or fill.

Validation uses `slack_sdk.models` (Slack's SDK checks Slack's published limits); lookups find buttons and
inputs by the label a person reads, so tests read like what people do.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from .errors import ApiError, NotFound

if TYPE_CHECKING:  # state imports this module for visible_text
    from .state import IdMaker

__all__ = [
    "MAX_MESSAGE_BLOCKS",
    "MAX_VIEW_BLOCKS",
    "blank_value",
    "button_labels",
    "buttons",
    "check_blocks",
    "check_view",
    "client_side_errors",
    "fill_ids",
    "find_button",
    "find_input",
    "find_option",
    "initial_values",
    "input_blocks",
    "label_of",
    "parse_json_arg",
    "value_for",
    "visible_text",
]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

# Elements that carry an action_id (Slack generates one when the app leaves it out).
_INTERACTIVE = {
    "button",
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "email_text_input",
    "file_input",
    "number_input",
    "overflow",
    "plain_text_input",
    "radio_buttons",
    "rich_text_input",
    "timepicker",
    "url_text_input",
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "multi_static_select",
    "multi_external_select",
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
}


def parse_json_arg(value: Any, *, error: str, name: str) -> Any:
    """Return a JSON argument as data: form posts send it as a string, JSON bodies as a list or object."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ApiError(error, violation=f"`{name}` is not valid JSON ({exc.msg})") from exc
    return value


def check_blocks(value: Any, *, limit: int = MAX_MESSAGE_BLOCKS, where: str = "blocks") -> list[dict[str, Any]]:
    """Validate message blocks as Slack does; raise `invalid_blocks` (a violation) when Slack would refuse."""
    blocks = parse_json_arg(value, error="invalid_blocks_format", name=where)
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise ApiError("invalid_blocks_format", violation=f"`{where}` must be a JSON array of block objects")
    if len(blocks) > limit:
        raise ApiError("invalid_blocks", violation=f"{len(blocks)} blocks in `{where}`; Slack allows {limit}")
    _validate_each(blocks, where=where, error="invalid_blocks")
    return blocks


def _validate_each(blocks: list[dict[str, Any]], *, where: str, error: str) -> None:
    seen: set[str] = set()
    for index, raw in enumerate(blocks):
        try:
            parsed = Block.parse(raw)
            if parsed is None:
                raise ValueError(f"unknown block type {raw.get('type')!r}")
            parsed.validate_json()
        except Exception as exc:  # slack_sdk raises several types for malformed dicts
            raise ApiError(error, violation=f"{where}[{index}] ({raw.get('type')}): {exc}") from exc
        block_id = raw.get("block_id")
        if block_id is not None:
            if block_id in seen:
                raise ApiError(error, violation=f"{where}[{index}]: duplicate block_id {block_id!r}")
            seen.add(block_id)


def check_view(value: Any, *, kind: str) -> dict[str, Any]:
    """Validate a view (`kind` "modal" or "home") as Slack does; raise `invalid_arguments` (a violation)."""
    view = parse_json_arg(value, error="invalid_arguments", name="view")
    if not isinstance(view, dict):
        raise ApiError("invalid_arguments", violation="`view` must be a JSON object")
    if view.get("type") != kind:
        raise ApiError("invalid_arguments", violation=f"view type must be {kind!r}, got {view.get('type')!r}")
    blocks = view.get("blocks") or []
    if len(blocks) > MAX_VIEW_BLOCKS:
        raise ApiError("invalid_arguments", violation=f"{len(blocks)} blocks in a view; Slack allows 100")
    try:
        View(**view).validate_json()
    except Exception as exc:
        raise ApiError("invalid_arguments", violation=f"view: {exc}") from exc
    _validate_each(blocks, where="view.blocks", error="invalid_arguments")
    if kind == "modal" and not view.get("submit") and any(b.get("type") == "input" for b in blocks):
        raise ApiError("invalid_arguments", violation="a modal with input blocks must have `submit`")
    return view


def fill_ids(blocks: list[dict[str, Any]], ids: IdMaker) -> list[dict[str, Any]]:
    """Return a copy with every block_id and action_id set, generating the missing ones as Slack does."""
    result = copy.deepcopy(blocks)
    for block in result:
        block.setdefault("block_id", ids.token(5))
        for element in _block_elements(block):
            if element.get("type") in _INTERACTIVE:
                element.setdefault("action_id", ids.token(5))
    return result


def _block_elements(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    kind = block.get("type")
    if kind in ("actions", "context_actions"):
        yield from (e for e in block.get("elements", []) if isinstance(e, dict))
    elif kind == "section" and isinstance(block.get("accessory"), dict):
        yield block["accessory"]
    elif kind == "input" and isinstance(block.get("element"), dict):
        yield block["element"]


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


def _norm(label: str) -> str:
    return re.sub(r"\s+", " ", label).strip().casefold()


def _pick(candidates: list[Any], labels: list[str], wanted: str, what: str) -> Any:
    """Choose the one candidate whose label is `wanted`: exact first, then ignoring case and spacing."""
    exact = [c for c, lbl in zip(candidates, labels, strict=True) if lbl == wanted]
    loose = [c for c, lbl in zip(candidates, labels, strict=True) if _norm(lbl) == _norm(wanted)]
    found = exact or loose
    if not found:
        raise NotFound(f"no {what} labelled {wanted!r}; there are: {sorted(set(labels)) or 'none'}")
    if len(found) > 1:
        raise NotFound(f"{len(found)} {what}s are labelled {wanted!r}: ambiguous")
    return found[0]


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every button in these blocks, as (block, element)."""
    return [
        (block, element) for block in blocks for element in _block_elements(block) if element.get("type") == "button"
    ]


def button_labels(blocks: list[dict[str, Any]]) -> list[str]:
    """The visible labels of every button in these blocks, in order."""
    return [_text(e.get("text")) for _, e in buttons(blocks)]


def find_button(blocks: list[dict[str, Any]], label: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Find the button a person would click by its visible text; NotFound if absent or ambiguous."""
    found = buttons(blocks)
    pair: tuple[dict[str, Any], dict[str, Any]] = _pick(
        found, [_text(e.get("text")) for _, e in found], label, "button"
    )
    return pair


def input_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The input blocks of a view."""
    return [b for b in blocks if b.get("type") == "input" and isinstance(b.get("element"), dict)]


def label_of(block: dict[str, Any]) -> str:
    """The label a person reads above an input."""
    return _text(block.get("label"))


def find_input(blocks: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """Find an input block by its label (or, failing that, its block_id or action_id)."""
    inputs = input_blocks(blocks)
    for block in inputs:
        if label in (block.get("block_id"), block["element"].get("action_id")):
            return block
    found: dict[str, Any] = _pick(inputs, [label_of(b) for b in inputs], label, "input")
    return found


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def find_option(element: dict[str, Any], wanted: str) -> dict[str, Any]:
    """Find an option of a select, radio or checkbox element by its text (or, failing that, its value)."""
    options = _options(element)
    try:
        found: dict[str, Any] = _pick(options, [_text(o.get("text")) for o in options], wanted, "option")
    except NotFound:
        by_value = [o for o in options if o.get("value") == wanted]
        if len(by_value) != 1:
            raise
        found = by_value[0]
    return found


def blank_value(element: dict[str, Any]) -> dict[str, Any]:
    """The state Slack reports for an input nobody touched and that has no initial value."""
    kind = str(element.get("type"))
    empty: dict[str, Any] = {"type": kind}
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        empty["value"] = None
    elif kind in ("static_select", "external_select", "radio_buttons"):
        empty["selected_option"] = None
    elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        empty["selected_options"] = []
    elif kind == "datepicker":
        empty["selected_date"] = None
    elif kind == "timepicker":
        empty["selected_time"] = None
    elif kind == "datetimepicker":
        empty["selected_date_time"] = None
    elif kind == "users_select":
        empty["selected_user"] = None
    elif kind == "multi_users_select":
        empty["selected_users"] = []
    elif kind == "conversations_select":
        empty["selected_conversation"] = None
    elif kind == "multi_conversations_select":
        empty["selected_conversations"] = []
    elif kind == "channels_select":
        empty["selected_channel"] = None
    elif kind == "multi_channels_select":
        empty["selected_channels"] = []
    elif kind == "file_input":
        empty["files"] = []
    elif kind == "rich_text_input":
        empty["rich_text_value"] = None
    return empty


_INITIAL = {
    "plain_text_input": ("initial_value", "value"),
    "email_text_input": ("initial_value", "value"),
    "url_text_input": ("initial_value", "value"),
    "number_input": ("initial_value", "value"),
    "static_select": ("initial_option", "selected_option"),
    "radio_buttons": ("initial_option", "selected_option"),
    "multi_static_select": ("initial_options", "selected_options"),
    "checkboxes": ("initial_options", "selected_options"),
    "datepicker": ("initial_date", "selected_date"),
    "timepicker": ("initial_time", "selected_time"),
    "datetimepicker": ("initial_date_time", "selected_date_time"),
    "users_select": ("initial_user", "selected_user"),
    "multi_users_select": ("initial_users", "selected_users"),
    "conversations_select": ("initial_conversation", "selected_conversation"),
    "multi_conversations_select": ("initial_conversations", "selected_conversations"),
    "channels_select": ("initial_channel", "selected_channel"),
    "multi_channels_select": ("initial_channels", "selected_channels"),
    "rich_text_input": ("initial_value", "rich_text_value"),
}


def initial_values(blocks: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """The `state.values` of a freshly opened view: every input, at its initial value or empty."""
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block in input_blocks(blocks):
        element = block["element"]
        value = blank_value(element)
        source = _INITIAL.get(str(element.get("type")))
        if source is not None and element.get(source[0]) is not None:
            value[source[1]] = copy.deepcopy(element[source[0]])
        values[block["block_id"]] = {element["action_id"]: value}
    return values


def _ident(given: Any) -> str:
    """An id from a Person, User, Channel (anything with `.id`) or a plain string."""
    return str(getattr(given, "id", given))


def _as_list(given: Any) -> list[Any]:
    return list(given) if isinstance(given, list | tuple | set | frozenset) else [given]


def value_for(element: dict[str, Any], given: Any, file_json: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """The state value of `element` after a person enters `given` (text, option text, person, date, files)."""
    kind = str(element.get("type"))
    value = blank_value(element)
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        value["value"] = None if given is None else str(given)
    elif kind in ("static_select", "radio_buttons"):
        value["selected_option"] = find_option(element, str(given))
    elif kind in ("multi_static_select", "checkboxes"):
        value["selected_options"] = [find_option(element, str(g)) for g in _as_list(given)]
    elif kind == "datepicker":
        value["selected_date"] = given.isoformat() if isinstance(given, date) else str(given)
    elif kind == "timepicker":
        value["selected_time"] = given.strftime("%H:%M") if isinstance(given, time) else str(given)
    elif kind == "datetimepicker":
        value["selected_date_time"] = int(given.timestamp()) if isinstance(given, datetime) else int(given)
    elif kind == "users_select":
        value["selected_user"] = _ident(given)
    elif kind == "multi_users_select":
        value["selected_users"] = [_ident(g) for g in _as_list(given)]
    elif kind == "conversations_select":
        value["selected_conversation"] = _ident(given)
    elif kind == "multi_conversations_select":
        value["selected_conversations"] = [_ident(g) for g in _as_list(given)]
    elif kind == "channels_select":
        value["selected_channel"] = _ident(given)
    elif kind == "multi_channels_select":
        value["selected_channels"] = [_ident(g) for g in _as_list(given)]
    elif kind == "file_input":
        value["files"] = [file_json(f) for f in _as_list(given)]
    elif kind == "rich_text_input":
        text = {"type": "text", "text": str(given)}
        section = {"type": "rich_text_section", "elements": [text]}
        value["rich_text_value"] = {"type": "rich_text", "elements": [section]}
    else:
        raise NotFound(f"the emulator cannot fill a {kind} element")
    return value


def _is_empty(value: dict[str, Any]) -> bool:
    return all(v in (None, [], "") for k, v in value.items() if k != "type")


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def client_side_errors(blocks: list[dict[str, Any]], values: dict[str, dict[str, dict[str, Any]]]) -> dict[str, str]:
    """What Slack's client refuses before the app sees the submission (required fields, formats, lengths)."""
    errors: dict[str, str] = {}
    for block in input_blocks(blocks):
        element = block["element"]
        value = values.get(block["block_id"], {}).get(element["action_id"], blank_value(element))
        if _is_empty(value):
            if not block.get("optional", False):
                errors[block["block_id"]] = "Please complete this required field."
            continue
        text = value.get("value")
        kind = element.get("type")
        if kind == "email_text_input" and text is not None and not _EMAIL.match(text):
            errors[block["block_id"]] = "Please enter a valid email address."
        elif kind == "number_input" and text is not None:
            try:
                number = float(text)
            except ValueError:
                errors[block["block_id"]] = "Please enter a number."
                continue
            if not element.get("is_decimal_allowed") and not number.is_integer():
                errors[block["block_id"]] = "Please enter a whole number."
            elif element.get("min_value") is not None and number < float(element["min_value"]):
                errors[block["block_id"]] = f"Please enter a number at least {element['min_value']}."
            elif element.get("max_value") is not None and number > float(element["max_value"]):
                errors[block["block_id"]] = f"Please enter a number at most {element['max_value']}."
        elif kind == "plain_text_input" and text is not None:
            if element.get("min_length") is not None and len(text) < int(element["min_length"]):
                errors[block["block_id"]] = f"Please enter at least {element['min_length']} characters."
            elif element.get("max_length") is not None and len(text) > int(element["max_length"]):
                errors[block["block_id"]] = f"Please enter at most {element['max_length']} characters."
        elif kind == "file_input" and len(value.get("files") or []) > int(element.get("max_files") or 10):
            errors[block["block_id"]] = f"Please select at most {element.get('max_files') or 10} files."
    return errors


def visible_text(blocks: list[dict[str, Any]]) -> str:
    """All the text a person reads in these blocks, one line per piece (for assertions)."""
    lines: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn", "text") and isinstance(node.get("text"), str):
                lines.append(node["text"])
                return
            if node.get("type") == "markdown" and isinstance(node.get("text"), str):
                lines.append(node["text"])
                return
            for key, child in node.items():
                if key not in ("action_id", "block_id", "value", "url", "image_url", "alt_text"):
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(blocks)
    return "\n".join(lines)
