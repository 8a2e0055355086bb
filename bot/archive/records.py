"""The archive's records as plain data: event lines people read, JSON records, CSV rows and file paths.

Pure functions, no I/O: the builder feeds them what it loaded, `index.html` and the History modal
share `describe_event`, and the tests check them directly.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from bot.filecheck import safe_name
from models.history import is_redacted
from models.requests import RequestCategory

if TYPE_CHECKING:  # the snapshot module builds on this one
    from bot.archive.snapshot import Snapshot

__all__ = [
    "CSV_DOCUMENT_HEADER",
    "CSV_REQUEST_HEADER",
    "STORED_TYPES",
    "DescribedEvent",
    "MessageKind",
    "PathAllocator",
    "TimelineLine",
    "archive_head",
    "csv_cell",
    "describe_event",
    "document_rows",
    "event_record",
    "file_label",
    "iso",
    "money",
    "request_rows",
    "stored_uncompressed",
    "with_names",
]

ARCHIVE_FORMAT = "baton-archive"
ARCHIVE_FORMAT_VERSION = 1


class MessageKind(enum.StrEnum):
    """The chat's event kinds (recorded by the message recorder); the archive renders them as a chat."""

    POSTED = "message_posted"  # data: user, text, ts, thread_ts | None, files: [...]
    EDITED = "message_edited"  # data: ts, text, previous_text
    DELETED = "message_deleted"  # data: ts; the posted event's content is redacted, the fact stays
    HISTORY_GAP = "history_gap"  # data: from, to (ISO): Baton was not running, messages may be missing


class DescribedEvent(Protocol):
    """What `describe_event` reads of an event: an `Event` row, a row of its columns, or an archived one."""

    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor_user_id(self) -> str | None: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class TimelineLine:
    """One event as a person reads it: when, who, what (plain text: the caller escapes it)."""

    at: datetime
    actor_name: str
    text: str
    kind: str


_OPEN, _CLOSE = "\ue000", "\ue001"  # bot.blocks.text's mention markers
_MARKED = re.compile(f"{_OPEN}([^{_OPEN}{_CLOSE}]*){_CLOSE}")


def with_names(text: str, names: Mapping[str, str]) -> str:
    """Stored text with its kept mentions as "@Display Name" (the user id when the name is unknown)."""
    text = _MARKED.sub(lambda m: "@" + (names.get(m.group(1)) or m.group(1)), text)
    return text.replace(_OPEN, "").replace(_CLOSE, "")


def iso(at: datetime) -> str:
    """A time as the chain hashes it: ISO-8601 UTC with microseconds."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def money(amount: Decimal | str | None, currency: str | None) -> str:
    """ "USD 1,234.50"; "" without an amount."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except ArithmeticError:
        return f"{currency or ''} {amount}".strip()
    return f"{currency or ''} {value:,.2f}".strip()


def file_label(item: Any) -> tuple[str, str | None]:
    """A message's file as (name, Slack file id): the recorder gives dicts, or bare ids."""
    if isinstance(item, Mapping):
        file_id = item.get("id") or item.get("slack_file_id")
        name = item.get("name") or item.get("title") or file_id or "file"
        return str(name), str(file_id) if file_id else None
    return str(item), str(item)


# --- events as lines ------------------------------------------------------------------------------


def describe_event(event: DescribedEvent, names: Mapping[str, str], *, tz: tzinfo = UTC) -> TimelineLine:
    """An event as a plain-text line: the time, who acted (Baton when nobody did), and what happened.

    Unknown kinds are named by their kind, so an event added later never breaks a page; `tz` is the
    zone times inside the text are shown in (a gap's "between 09:12 and 09:40").
    """
    actor = event.actor_user_id
    actor_name = "Baton" if actor is None else (names.get(actor) or actor)
    data = event.data
    kind = str(event.kind)
    if is_redacted(data):
        text = f"{_kind_words(kind)} (content removed)"
        if kind == MessageKind.POSTED:
            text = "Posted a message, since deleted"
        elif kind == MessageKind.EDITED:
            text = "Edited a message, since deleted"
    else:
        describe = _DESCRIBERS.get(kind)
        try:
            text = describe(data, names, tz) if describe is not None else _kind_words(kind)
        except (KeyError, TypeError, ValueError, ArithmeticError):
            text = _kind_words(kind)  # a malformed or older shape: say what it was, not what it held
    return TimelineLine(at=event.at, actor_name=actor_name, text=text, kind=kind)


def _kind_words(kind: str) -> str:
    words = kind.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Event"


def _text(value: Any, names: Mapping[str, str]) -> str:
    return with_names(str(value), names) if value is not None else ""


def _person(data: Mapping[str, Any], names: Mapping[str, str], key: str = "user_id") -> str:
    user = data.get(key)
    if not user:
        return "someone"
    return names.get(str(user)) or str(data.get("display_name") or "") or str(user)


def _quote(text: str) -> str:
    return f": {text}" if text else ""


def _started(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    period = f" (period {data['period']})" if data.get("period") else ""
    return f"Started “{_text(data.get('title'), names)}”{period}"


def _participant_added(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    who, role, side = _person(data, names), data.get("role", ""), data.get("side", "")
    how = data.get("how")
    if how in ("joined", "rejoined", "accepted"):
        return f"{who} joined as {role} ({side})"
    if how == "started":
        return f"{who} is in it as {role} ({side})"
    return f"Added {who} as {role} ({side})"


def _role_changed(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    return f"{_person(data, names)}'s role changed from {data.get('from')} to {data.get('to')}"


def _participant_removed(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    who = _person(data, names)
    return f"{who} left" if data.get("how") == "left" else f"Removed {who}"


_Describe = Callable[[Mapping[str, Any], Mapping[str, str], tzinfo], str]


def _turn_ended(verb: str) -> _Describe:
    def describe(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
        line = f"{verb} turn {data['turn']}{_quote(_text(data.get('message'), names))}"
        summary = [str(s) for s in data.get("summary") or []]
        return line + (f" [{'; '.join(summary)}]" if summary else "")

    return describe


def _signed_off(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    return f"Signed off, which ends turn {data['turn']}"


def _cleared(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    because = f": {data['because']}" if data.get("because") else ""
    return f"Sign-offs cleared{because}"


def _wrapped_up(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    return "Wrapped up: both sides signed off"


def _reopened(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    return f"Reopened{_quote(_text(data.get('reason'), names))}"


def _invite_sent(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    return f"Invited {data.get('email') or 'the retailer contact'} to the channel"


def _invite_accepted(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    org = f" ({data['guest_name']})" if data.get("guest_name") else ""
    return f"{_person(data, names)} accepted the invitation{org}"


def _invite_declined(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    return f"The invitation to {data.get('email') or 'the retailer contact'} was declined"


def _version(data: Mapping[str, Any]) -> str:
    number = data.get("version")
    return f" (version {number})" if isinstance(number, int) and number > 1 else ""


def _published(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    return f"Published {data['name']}{_version(data)}"


def _shared(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    line = f"Shared {data['name']}{_version(data)}"
    if data.get("stored") is False:
        line += f" (not stored: {data.get('reason') or 'not allowed'})"
    return line


def _filed(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    try:
        what = RequestCategory(data["category"]).label
    except ValueError:
        what = str(data["category"])
    references = [str(r) for r in data.get("references") or []]
    if references:
        what += f" for {', '.join(references)}"
    amount = money(data.get("amount"), data.get("currency"))
    if amount:
        what += f" ({amount})"
    return f"Filed request {data['label']}: {what}"


def _fulfilled(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    files = ", ".join(str(n) for n in data.get("names") or [])
    line = f"Fulfilled request {data['label']}" + (f" with {files}" if files else "")
    return line + _quote(_text(data.get("note"), names))


def _file_added(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    files = ", ".join(str(n) for n in data.get("names") or []) or "a file"
    return f"Added {files} to request {data['label']}"


def _request_step(verb: str, key: str) -> _Describe:
    def describe(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
        return f"{verb} request {data['label']}{_quote(_text(data.get(key), names))}"

    return describe


def _message_posted(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    reply = data.get("thread_ts") and data.get("thread_ts") != data.get("ts")
    line = ("Replied in a thread" if reply else "Posted") + _quote(_text(data.get("text"), names))
    files = [file_label(f)[0] for f in data.get("files") or []]
    return line + (f" [files: {', '.join(files)}]" if files else "")


def _message_edited(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    return "Edited a message" + _quote(_text(data.get("text"), names))


def _message_deleted(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    return "Deleted a message"


def _gap(data: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> str:
    start = datetime.fromisoformat(str(data["from"])).astimezone(tz)
    end = datetime.fromisoformat(str(data["to"])).astimezone(tz)
    if start.date() == end.date():
        between = f"{start:%H:%M} and {end:%H:%M}"
    else:
        between = f"{start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M}"
    return f"Baton was not running: messages between {between} may be missing"


_DESCRIBERS: dict[str, _Describe] = {
    "collaboration_started": _started,
    "participant_added": _participant_added,
    "participant_role_changed": _role_changed,
    "participant_removed": _participant_removed,
    "turn_passed": _turn_ended("Passed"),
    "turn_skipped": _turn_ended("Skipped"),
    "signed_off": _signed_off,
    "sign_offs_cleared": _cleared,
    "wrapped_up": _wrapped_up,
    "reopened": _reopened,
    "invite_sent": _invite_sent,
    "invite_accepted": _invite_accepted,
    "invite_declined": _invite_declined,
    "document_version_published": _published,
    "file_shared": _shared,
    "request_filed": _filed,
    "request_fulfilled": _fulfilled,
    "request_file_added": _file_added,
    "request_accepted": _request_step("Accepted", "outcome"),
    "request_reopened": _request_step("Reopened", "reason"),
    "request_declined": _request_step("Declined", "reason"),
    "request_cancelled": _request_step("Cancelled", "reason"),
    MessageKind.POSTED: _message_posted,
    MessageKind.EDITED: _message_edited,
    MessageKind.DELETED: _message_deleted,
    MessageKind.HISTORY_GAP: _gap,
}


# --- files in the zip -----------------------------------------------------------------------------

# Already compressed: deflating them again costs time and saves nothing.
STORED_TYPES = frozenset(
    {"pdf", "png", "jpg", "jpeg", "gif", "webp", "heic", "zip", "gz", "7z", "xlsx", "docx", "pptx", "mp4", "mov"}
)


def stored_uncompressed(file_type: str) -> bool:
    return file_type.lower().lstrip(".") in STORED_TYPES


_PART_MAX_BYTES = 120  # per path part, so a whole path stays well inside what unzip tools accept


def _part(name: str) -> str:
    text = safe_name(name)
    if len(text.encode()) <= _PART_MAX_BYTES:
        return text
    stem, dot, ext = text.rpartition(".")
    if not dot or len(ext) > 16:
        stem, ext = text, ""
    suffix = f".{ext}" if ext else ""
    room = _PART_MAX_BYTES - len(suffix.encode())
    return safe_name(stem.encode()[:room].decode(errors="ignore") + suffix)


class PathAllocator:
    """Unique, safe paths for document versions: `documents/<side>/<document>/v<N>-<original name>`.

    Every part goes through `safe_name` (no separators, no "..", no control characters); paths are
    compared without case, so an archive unpacks whole on case-insensitive file systems too.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def allocate(self, *, side: str | None, document: str, number: int | None, original: str, fallback: int) -> str:
        version = f"v{number}" if number is not None else f"id{fallback}"
        folder = f"documents/{side or 'outside'}/{_part(document)}"
        leaf = _part(f"{version}-{safe_name(original)}")
        path = f"{folder}/{leaf}"
        n = 2
        while path.casefold() in self._taken:
            stem, dot, ext = leaf.rpartition(".")
            path = f"{folder}/{stem} ({n}).{ext}" if dot else f"{folder}/{leaf} ({n})"
            n += 1
        self._taken.add(path.casefold())
        return path


# --- CSV ------------------------------------------------------------------------------------------

CSV_REQUEST_HEADER = (
    "Request",
    "Category",
    "References",
    "Amount",
    "Currency",
    "Status",
    "Due date",
    "Requested by",
    "Addressed to",
    "Details",
    "Outcome",
    "Reason",
    "Filed by",
    "Filed at (UTC)",
    "Fulfilled with",
)

CSV_DOCUMENT_HEADER = (
    "Document",
    "Side",
    "Version",
    "Original name",
    "Size (bytes)",
    "Type",
    "SHA-256",
    "Uploaded by",
    "Uploaded at (UTC)",
    "Turn",
    "Source",
    "Stored",
    "Not stored because",
    "File in archive",
)

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a leading `'`.

    A plain number ("-12.50") is left alone: it cannot be a formula, and a quote would make it text.
    """
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_row(values: Iterable[Any]) -> list[str]:
    return [csv_cell(v) for v in values]


def joined(values: Sequence[Any]) -> str:
    return ", ".join(str(v) for v in values)


def request_rows(s: Snapshot) -> Iterable[list[str]]:
    """requests.csv, after its header: one row per request."""
    for r in s.requests:
        fulfilled = [s.paths.get(v) or f"version {v}" for f in r.fulfilments for v in f.version_ids]
        yield csv_row(
            (
                r.label,
                r.category.label,
                joined(r.references),
                "" if r.amount is None else f"{r.amount:.2f}",
                r.currency or "",
                r.status.value,
                r.due_date.isoformat() if r.due_date else "",
                s.org_name(r.requester_side),
                s.org_name(r.addressed_side),
                with_names(r.details, s.names),
                r.outcome or "",
                r.reason or "",
                s.name(r.filed_by),
                f"{r.filed_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
                joined(fulfilled),
            )
        )


def document_rows(s: Snapshot) -> Iterable[list[str]]:
    """documents.csv, after its header: one row per published version."""
    for d in s.documents:
        for v in d.versions:
            yield csv_row(
                (
                    d.name,
                    s.org_name(v.side),
                    "" if v.number is None else v.number,
                    v.original_name,
                    v.size,
                    v.file_type,
                    v.sha256 or "",
                    s.name(v.uploaded_by),
                    f"{v.uploaded_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
                    v.published_turn or v.turn_number,
                    v.source.value,
                    "yes" if v.stored else "no",
                    v.reason or s.missing.get(v.id, ""),
                    s.paths.get(v.id, ""),
                )
            )


# --- collaboration.json ---------------------------------------------------------------------------


def _when(at: datetime | None) -> str | None:
    return None if at is None else iso(at)


def archive_head(s: Snapshot, *, generated_at: datetime) -> dict[str, Any]:
    """Everything collaboration.json holds before its `events` (which the builder streams after it)."""
    c = s.collaboration
    versions = {v.id: (d.name, v.number) for d in s.documents for v in d.versions}
    return {
        "format": ARCHIVE_FORMAT,
        "format_version": ARCHIVE_FORMAT_VERSION,
        "generated_at": iso(generated_at),
        "collaboration": {
            "id": c.id,
            "title": c.title,
            "note": c.note,
            "period": c.period,
            "status": c.status.value,
            "turn_number": c.turn_number,
            "holding_side": c.holding_side.value,
            "due_date": c.due_date.isoformat() if c.due_date else None,
            "channel_id": c.channel_id,
            "account": {"id": c.account_id, "name": s.account_name, "timezone": s.timezone_name},
            "host": {"name": c.host_name, "team_key": c.host_team_key},
            "guest": {"name": c.guest_name, "team_key": c.guest_team_key},
            "signed_off_by": {"host": c.host_signed_off_by, "guest": c.guest_signed_off_by},
            "created_by": c.created_by,
            "created_at": iso(c.created_at),
            "wrapped_up_at": _when(c.wrapped_up_at),
            "rolled_into_id": c.rolled_into_id,
        },
        "participants": [
            {
                "user_id": p.user_id,
                "display_name": p.name,
                "side": p.side.value,
                "role": p.role.value,
                "team_key": p.team_key,
                "active": p.active,
                "joined_at": iso(p.joined_at),
            }
            for p in s.people
        ],
        "turns": [
            {
                "number": t.number,
                "side": t.side.value,
                "started_at": iso(t.started_at),
                "ended_at": _when(t.ended_at),
                "ended_by": t.ended_by,
                "end_kind": t.end_kind.value if t.end_kind else None,
                "message": t.message,
                "summary": list(t.summary),
            }
            for t in s.turns
        ],
        "requests": [
            {
                "id": r.id,
                "number": r.number,
                "label": r.label,
                "category": r.category.value,
                "category_label": r.category.label,
                "references": list(r.references),
                "amount": None if r.amount is None else f"{r.amount:.2f}",
                "currency": r.currency,
                "details": r.details,
                "due_date": r.due_date.isoformat() if r.due_date else None,
                "requester_side": r.requester_side.value,
                "addressed_side": r.addressed_side.value,
                "status": r.status.value,
                "outcome": r.outcome,
                "reason": r.reason,
                "filed_by": r.filed_by,
                "filed_at": iso(r.filed_at),
                "fulfilments": [
                    {
                        "versions": [
                            {
                                "version_id": v,
                                "document": versions.get(v, (None, None))[0],
                                "version": versions.get(v, (None, None))[1],
                                "path": s.paths.get(v),
                            }
                            for v in f.version_ids
                        ],
                        "note": f.note,
                        "by": f.by,
                        "side": f.side.value,
                        "at": iso(f.at),
                        "via": f.via.value,
                    }
                    for f in r.fulfilments
                ],
            }
            for r in s.requests
        ],
        "documents": [
            {
                "id": d.id,
                "name": d.name,
                "side": d.side.value if d.side else None,
                "created_by": d.created_by,
                "created_at": iso(d.created_at),
                "versions": [
                    {
                        "id": v.id,
                        "number": v.number,
                        "original_name": v.original_name,
                        "size": v.size,
                        "file_type": v.file_type,
                        "sha256": v.sha256,
                        "stored": v.stored,
                        "reason": v.reason or s.missing.get(v.id),
                        "uploaded_by": v.uploaded_by,
                        "uploaded_at": iso(v.uploaded_at),
                        "turn_number": v.turn_number,
                        "published_turn": v.published_turn,
                        "source": v.source.value,
                        "slack_file_id": v.slack_file_id,
                        "path": s.paths.get(v.id),
                    }
                    for v in d.versions
                ],
            }
            for d in s.documents
        ],
        "up_to_seq": s.up_to_seq,
        "head_hash": s.head_hash,
    }


def event_record(
    collaboration_id: int,
    *,
    seq: int,
    kind: str,
    at: datetime,
    actor_user_id: str | None,
    side: str | None,
    data: Mapping[str, Any],
    content_hash: str,
    prev_hash: str,
    hash: str,
) -> dict[str, Any]:
    """One event exactly as the chain hashed it, so `verify` can recompute every link."""
    return {
        "collaboration_id": collaboration_id,
        "seq": seq,
        "kind": str(kind),
        "at": iso(at),
        "actor_user_id": actor_user_id,
        "side": None if side is None else str(side),
        "data": dict(data),
        "content_hash": content_hash,
        "prev_hash": prev_hash,
        "hash": hash,
    }
