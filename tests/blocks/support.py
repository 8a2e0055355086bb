"""Views to render, built directly (no database), and checks of what Slack would accept and show."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.blocks.ids import ActionId, BlockId
from models.collaborations import CollaborationStatus, InviteStatus, TurnEnd
from models.documents import DocumentSource, VersionStatus
from models.flows.documents import DocumentView, VersionView
from models.flows.requests import FulfilmentView, RequestView
from models.flows.views import CollaborationView, HomeItem, PersonView, TurnView
from models.requests import FulfilVia, RequestCategory, RequestStatus
from models.sides import Role, Side

HOSTILE = "Hi <!channel> & <@U0SPOOF> see <https://evil.example|your bank>"
HOSTILE_ESCAPED = "Hi &lt;!channel&gt; &amp; &lt;@U0SPOOF&gt; see &lt;https://evil.example|your bank&gt;"
CHANNEL = "C0RETAIL"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

ALEX = PersonView("U0ALEX", "Alex Kim", Side.HOST, Role.LEADER)
JO = PersonView("U0JO", "Jo Park", Side.HOST, Role.CONTRIBUTOR)
PAT = PersonView("U0PAT", "Pat Lee", Side.GUEST, Role.LEADER)
SAM = PersonView("U0SAM", "Sam Ortiz", Side.GUEST, Role.CONTRIBUTOR)
RAE = PersonView("U0RAE", "Rae Follow", Side.GUEST, Role.FOLLOWER)


def turn(
    number: int = 1,
    side: Side = Side.HOST,
    *,
    end: TurnEnd = TurnEnd.PASSED,
    message: str | None = "Statement attached; please review.",
    summary: Sequence[str] = ("Uploaded statement-2026-11.pdf",),
    by: PersonView = ALEX,
) -> TurnView:
    return TurnView(
        number=number,
        side=side,
        org_name="Acme" if side is Side.HOST else "Retail Co",
        ended_at=T0,
        ended_by=by.user_id,
        ended_by_name=by.display_name,
        end_kind=end,
        message=message,
        summary=tuple(summary),
    )


def collab(**changes: Any) -> CollaborationView:
    """An active collaboration in Turn 2, the retailer's, after Acme passed Turn 1."""
    base = CollaborationView(
        id=7,
        account_id=1,
        account_name="Retail Co",
        channel_id=CHANNEL,
        card_ts="1700000000.000100",
        title="Retail Co — November 2026 statement",
        note="Please reconcile by the 10th.",
        period="2026-11",
        status=CollaborationStatus.ACTIVE,
        turn_number=2,
        holding_side=Side.GUEST,
        holder_name="Retail Co",
        turn_started_at=T0,
        host_name="Acme",
        guest_name="Retail Co",
        due_date=date(2026, 12, 4),
        invite_status=InviteStatus.NONE,
        guest_contact_email=None,
        signed_off={},
        participants={Side.HOST: (ALEX, JO), Side.GUEST: (PAT, SAM, RAE)},
        last_update=turn(),
        drafts=None,
        rolled_into_id=None,
        created_by=ALEX.user_id,
        created_at=T0,
        wrapped_up_at=None,
    )
    return dataclasses.replace(base, **changes)


def crowd(n: int, side: Side, *, name: str = "Person") -> tuple[PersonView, ...]:
    """`n` participants, a leader first; long names to press on Slack's limits."""
    prefix = "UH" if side is Side.HOST else "UG"
    return tuple(
        PersonView(
            f"{prefix}{i:05d}",
            f"{name} {i} " + "x" * 60,
            side,
            Role.LEADER if i == 0 else (Role.FOLLOWER if i % 5 == 0 else Role.CONTRIBUTOR),
        )
        for i in range(n)
    )


def home_item(i: int, *, role: Role = Role.LEADER, holder: str = "Acme", title: str | None = None) -> HomeItem:
    return HomeItem(
        collaboration_id=100 + i,
        channel_id=f"C0CHAN{i:04d}",
        title=title or f"Retailer {i} — November 2026 statement",
        period="2026-11",
        turn_number=2,
        holder_name=holder,
        due_date=date(2026, 12, 4),
        turn_started_at=T0,
        role=role,
    )


def request(number: int = 3, **changes: Any) -> RequestView:
    """A published request of collaboration 7, filed by the retailer to Acme: open, with one invoice."""
    base = RequestView(
        id=100 + number,
        collaboration_id=7,
        number=number,
        label=f"#{number}",
        category=RequestCategory.PROOF_OF_DELIVERY,
        references=("INV-10442",),
        amount=Decimal("1234.50"),
        currency="USD",
        details="The store says 2 cases were short.",
        due_date=date(2026, 12, 10),
        requester_side=Side.GUEST,
        addressed_side=Side.HOST,
        status=RequestStatus.OPEN,
        published_status=RequestStatus.OPEN,
        draft=False,
        pending=(),
        outcome=None,
        reason=None,
        fulfilments=(),
        card_ts="1700000000.000200",
        filed_by=PAT.user_id,
        filed_at=T0,
        updated_at=T0,
    )
    if "status" in changes and "published_status" not in changes and not changes.get("draft"):
        changes["published_status"] = changes["status"]
    return dataclasses.replace(base, **changes)


def fulfilment(*names: str, note: str = "", draft: bool = False, side: Side = Side.HOST) -> FulfilmentView:
    return FulfilmentView(
        version_ids=tuple(range(1, len(names) + 1)),
        names=names,
        note=note,
        by=JO.user_id,
        side=side,
        at=T0 + timedelta(days=1),
        via=FulfilVia.BATON,
        draft=draft,
    )


def version(
    number: int | None = 1,
    *,
    document_id: int = 1,
    name: str = "Statement-2026-11.pdf",
    side: Side | None = Side.HOST,
    size: int = 1_234_567,
    published: bool = True,
    at: datetime = T0,
    stored: bool = True,
    vid: int | None = None,
) -> VersionView:
    return VersionView(
        id=vid if vid is not None else document_id * 100 + (number or 99),
        document_id=document_id,
        number=number if published else None,
        name=name,
        original_name=name,
        size=size,
        file_type=name.rsplit(".", 1)[-1],
        sha256="ab" * 32 if stored else None,
        status=VersionStatus.STORED if stored else VersionStatus.NOT_STORED,
        reason=None if stored else "It is 31 MB; Baton stores files up to 25 MB.",
        uploaded_by=ALEX.user_id,
        side=side,
        uploaded_at=at,
        turn_number=1,
        source=DocumentSource.UPLOAD,
        slack_file_id=None,
        thread_ts=None,
        published=published,
        published_turn=1 if published else None,
    )


def document(
    document_id: int = 1,
    *,
    name: str = "Statement-2026-11.pdf",
    side: Side | None = Side.HOST,
    versions: Sequence[VersionView] | None = None,
) -> DocumentView:
    return DocumentView(
        id=document_id,
        collaboration_id=7,
        name=name,
        side=side,
        created_by=ALEX.user_id,
        created_at=T0,
        versions=tuple(versions) if versions is not None else (version(document_id=document_id, name=name, side=side),),
    )


def slack_file(file_id: str = "F0STATEMENT", name: str = "Statement.pdf", size: int = 52_000) -> dict[str, Any]:
    """A file object as a file_input's submission carries it."""
    return {
        "id": file_id,
        "name": name,
        "title": name,
        "mimetype": "application/pdf",
        "filetype": name.rsplit(".", 1)[-1],
        "size": size,
        "url_private_download": f"https://files.slack.com/files-pri/T0-{file_id}/download/{name}",
        "user": PAT.user_id,
        "user_team": "T0RETAIL",
    }


# --- What Slack would accept ---------------------------------------------------------------------


def message_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Validate a message's blocks as Slack would and return them as dicts."""
    assert 1 <= len(blocks) <= 50
    dicts = []
    for block in blocks:
        block.validate_json()
        dicts.append(block.to_dict())
    check_limits(dicts)
    return dicts


def view_dict(view: View) -> dict[str, Any]:
    """Validate a modal or Home view as Slack would and return it as a dict."""
    view.validate_json()
    data = view.to_dict()
    assert 1 <= len(data["blocks"]) <= 100
    for block in view.blocks or []:
        assert isinstance(block, Block)
        block.validate_json()
    check_limits(data["blocks"])
    if data["type"] == "modal":
        assert 1 <= len(data["title"]["text"]) <= 24
        assert len(data.get("submit", {}).get("text", "")) <= 24
        assert len(data.get("close", {}).get("text", "")) <= 24
        assert len(data.get("private_metadata", "")) <= 3000
        if any(b["type"] == "input" for b in data["blocks"]):
            assert data.get("submit"), "a modal with inputs needs a submit button"
    json.dumps(data)
    return data


def check_limits(blocks: Sequence[Mapping[str, Any]]) -> None:
    """Limits Slack enforces that slack_sdk's validators leave out, and unique block ids."""
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids)), f"duplicate block ids: {ids}"
    for block in blocks:
        for f in block.get("fields", []):
            assert len(f["text"]) <= 2000
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
            for e in block["elements"]:
                assert len(e.get("text", "")) <= 3000
        if block["type"] == "input":
            assert block["label"]["text"].strip(), "every input has a label"
            assert block["element"]["action_id"] == ActionId.INPUT
            assert block["block_id"] in set(BlockId)
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["type"] == "button":
                assert len(element["text"]["text"]) <= 75
                assert len(element.get("value", "")) <= 2000
                if "url" in element:
                    assert element["url"].startswith("https://")


def texts(node: Any, kind: str = "mrkdwn") -> list[str]:
    """Every text of `kind` ("mrkdwn" or "plain_text") in a block tree."""
    found: list[str] = []
    if isinstance(node, Mapping):
        if node.get("type") == kind and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found += texts(value, kind)
    elif isinstance(node, list):
        for value in node:
            found += texts(value, kind)
    return found


def shown(node: Any) -> str:
    """All the text a person reads, mrkdwn and plain."""
    return "\n".join(texts(node, "mrkdwn") + texts(node, "plain_text"))


_TOKEN = re.compile(r"<([^>]*)>")


def special_tokens(mrkdwn: Iterable[str]) -> list[str]:
    """The `<…>` tokens Slack gives meaning to (mentions, broadcasts, links) in these texts."""
    return [m for text in mrkdwn for m in _TOKEN.findall(text)]


def assert_only_tokens(node: Any, *, users: Iterable[str] = (), channels: Iterable[str] = ()) -> None:
    """No `<…>` in the mrkdwn except the given mentions and channel links: no broadcast, no link."""
    allowed = {f"@{u}" for u in users} | {f"#{c}" for c in channels}
    for token in special_tokens(texts(node)):
        assert token in allowed, f"unexpected <{token}>"


def buttons(blocks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for block in blocks:
        if block["type"] == "actions":
            found += [e for e in block["elements"] if e["type"] == "button"]
        elif block["type"] == "section" and block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def labels(blocks: Sequence[Mapping[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in buttons(blocks)]


# --- Submitting a modal, as Slack reports it -----------------------------------------------------

_EMPTY: dict[str, tuple[str, Any]] = {
    "plain_text_input": ("value", None),
    "email_text_input": ("value", None),
    "static_select": ("selected_option", None),
    "radio_buttons": ("selected_option", None),
    "checkboxes": ("selected_options", []),
    "datepicker": ("selected_date", None),
    "users_select": ("selected_user", None),
    "multi_users_select": ("selected_users", []),
    "multi_static_select": ("selected_options", []),
    "number_input": ("value", None),
    "file_input": ("files", []),
}
_INITIAL = {
    "plain_text_input": "initial_value",
    "email_text_input": "initial_value",
    "static_select": "initial_option",
    "radio_buttons": "initial_option",
    "checkboxes": "initial_options",
    "datepicker": "initial_date",
    "users_select": "initial_user",
    "multi_users_select": "initial_users",
    "multi_static_select": "initial_options",
    "number_input": "initial_value",
    "file_input": "initial_files",  # there are none: a file input starts empty
}


def submit(view: View, **entered: Any) -> dict[str, Any]:
    """The `view` payload of a submission: initial values, overridden by `entered` per block id.

    Options are given by value ("2026-11", "new_channel"), texts and numbers as strings, people as user
    ids, files as the file objects Slack sends (see `slack_file`).
    """
    data = view.to_dict()
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block in data["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind = element["type"]
        key, empty = _EMPTY[kind]
        value: Any = element.get(_INITIAL[kind], empty)
        if block["block_id"] in entered:
            given = entered[block["block_id"]]
            if kind in ("static_select", "radio_buttons"):
                value = None if given is None else _option(element, given)
            elif kind in ("checkboxes", "multi_static_select"):
                value = [_option(element, g) for g in given]
            else:
                value = given
        values[block["block_id"]] = {element["action_id"]: {"type": kind, key: value}}
    unknown = set(entered) - set(values)
    assert not unknown, f"no such inputs: {unknown}"
    return {
        "type": "modal",
        "callback_id": data.get("callback_id"),
        "private_metadata": data.get("private_metadata", ""),
        "state": {"values": values},
    }


def _option(element: Mapping[str, Any], value: str) -> dict[str, Any]:
    for option in element.get("options", []):
        if option["value"] == value:
            return dict(option)
    # A forged submission: an option the modal never offered.
    return {"text": {"type": "plain_text", "text": value}, "value": value}
