"""Microsoft 365 for an account: its SharePoint folders, statements Baton stages from them, archives it files.

Statement pick-up (driven by bot/sharepoint.py, which talks to Graph):
- `claim_pickup` decides whether an account's statement folder is due a look — its period's
  collaboration changed (a period just opened), or an hour has passed — and claims the look in the
  database, so two replicas look once.
- `stage_statement` attaches a picked-up file to the period's collaboration as a draft document of the
  host side, made by Baton itself (`stage_upload` wants a participant; Baton is none). The file's row in
  `statement_files` is inserted first, in a savepoint: a file version (drive item + cTag) is attached
  once, whatever runs race. The host leaders are told by direct message; the guest sees nothing until
  the host passes the turn, which publishes the draft like any upload.
- `refuse_statement` records a file that Baton would not store, and tells the host leaders why.

Archive filing: `archive_destination` says whether an archive (a wrap-up's or a roll-over's) goes to the
account's archive folder; `queue_filing` records the FILE_ARCHIVE outbox entry; `record_filing` keeps
the link the card shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import notices
from models.collaborations import (
    Account,
    Collaboration,
    CollaborationStatus,
    lock_collaboration,
    participants_of,
)
from models.documents import (
    ORIGINAL_NAME_MAX,
    BlobRef,
    DocumentSource,
    DocumentVersion,
    VersionStatus,
    checked_name,
    printable,
)
from models.drafts import add_draft
from models.errors import InvalidInput, NotFound
from models.flows.accounts import _editable
from models.flows.documents import UPLOAD_DRAFT, _document_for
from models.flows.rollover import RolloverEvent, statement_title
from models.history import Event, EventKind
from models.notices import dm_lane
from models.outbox import OutboxKind, enqueue, enqueue_once
from models.permissions import leaders_of
from models.sharepoint import (
    URL_MAX,
    AccountSharePoint,
    ArchiveFiling,
    StatementFile,
    StatementOutcome,
    check_pattern,
    pattern_uses_customer_number,
)
from models.sides import Actor, Side

__all__ = [
    "BATON",
    "FiledArchive",
    "FilingTarget",
    "PickedFile",
    "PickedUp",
    "PickupPlan",
    "SharePointView",
    "StatementNotice",
    "archive_destination",
    "claim_pickup",
    "filing_of",
    "latest_filing",
    "pickup_accounts",
    "pickup_done",
    "pickup_failed",
    "queue_filing",
    "record_filing",
    "refuse_statement",
    "set_sharepoint",
    "sharepoint_of",
    "stage_statement",
    "statement_notice",
    "statement_seen",
]

# Who staged a statement picked up from SharePoint: Baton itself (the archive names it so).
BATON = "Baton"
# The archives that are filed: the record as it stood when the collaboration wrapped up or rolled over.
_FILED_AT = frozenset({EventKind.WRAPPED_UP.value, RolloverEvent.ROLLED_OVER.value})


# --- settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SharePointView:
    account_id: int
    statement_folder_url: str | None
    file_pattern: str  # the one in force (the default when none was set)
    archive_folder_url: str | None
    checked_at: datetime | None
    last_error: str | None


def _view(account_id: int, row: AccountSharePoint | None) -> SharePointView:
    if row is None:
        return SharePointView(account_id, None, check_pattern(None), None, None, None)
    return SharePointView(
        account_id=account_id,
        statement_folder_url=row.statement_folder_url,
        file_pattern=row.pattern,
        archive_folder_url=row.archive_folder_url,
        checked_at=row.checked_at,
        last_error=row.last_error,
    )


async def sharepoint_of(session: AsyncSession, account_id: int) -> SharePointView:
    """The account's SharePoint folders and file-name pattern (the defaults when none were set)."""
    return _view(account_id, await session.get(AccountSharePoint, account_id))


def _url(value: str | None, field: str) -> str | None:
    url = (value or "").strip() or None
    if url is not None and len(url) > URL_MAX:
        raise InvalidInput(f"Keep the address under {URL_MAX} characters.", field=field)
    return url


async def set_sharepoint(
    session: AsyncSession,
    *,
    actor: Actor,
    account_id: int,
    statement_folder_url: str | None,
    file_pattern: str | None,
    archive_folder_url: str | None,
    now: datetime,
) -> SharePointView:
    """Set the account's statement folder, file-name pattern and archive folder; a host leader only.

    The caller has checked that Baton can use the URLs (bot.sharepoint.check_folders). An empty URL
    turns that part off. Pointing the statement folder elsewhere, or changing the pattern, starts the
    pick-up afresh: the folder is listed again at the next look.
    """
    account = await _editable(session, actor, account_id)
    pattern = check_pattern(file_pattern)
    statements = _url(statement_folder_url, "statement_folder")
    archives = _url(archive_folder_url, "archive_folder")
    if statements is not None and pattern_uses_customer_number(pattern) and not account.customer_number:
        raise InvalidInput(
            "The file-name pattern uses {customer_number}: enter the retailer's customer number.",
            field="customer_number",
        )
    row = await session.get(AccountSharePoint, account.id)
    if row is None and statements is None and archives is None and not (file_pattern or "").strip():
        return _view(account.id, None)  # nothing to keep
    if row is None:
        row = AccountSharePoint(account_id=account.id, updated_at=now)
        session.add(row)
    if row.statement_folder_url != statements:
        row.delta_drive_id = None
        row.delta_link = None
    if row.statement_folder_url != statements or row.pattern != pattern:
        row.listed_collaboration_id = None
        row.checked_collaboration_id = None
        row.checked_at = None
        row.last_error = None
    row.statement_folder_url = statements
    row.file_pattern = pattern
    row.archive_folder_url = archives
    row.updated_by = actor.user_id
    row.updated_at = now
    await session.flush()
    return _view(account.id, row)


# --- statement pick-up ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PickupPlan:
    """One claimed look at an account's statement folder."""

    account_id: int
    account_name: str
    customer_number: str | None
    folder_url: str
    pattern: str
    collaboration_id: int  # the period's collaboration, active
    period: str
    delta_drive_id: str | None
    delta_link: str | None
    list_folder: bool  # the first look for this collaboration: read the folder, not only the changes


async def pickup_accounts(session: AsyncSession) -> list[int]:
    """The accounts with a statement folder."""
    rows = await session.scalars(
        select(AccountSharePoint.account_id)
        .where(AccountSharePoint.statement_folder_url.is_not(None))
        .order_by(AccountSharePoint.account_id)
    )
    return list(rows.all())


async def claim_pickup(
    session: AsyncSession, *, account_id: int, now: datetime, interval: timedelta
) -> PickupPlan | None:
    """Claim a look at the account's statement folder when one is due; None when none is.

    Due: the account has a statement folder and an active collaboration for a period, and either that
    collaboration is not the one looked for last (its period just opened) or `interval` has passed.
    The claim is a conditional update of the last look, so of two runs at once one gets the plan.
    """
    row = await session.get(AccountSharePoint, account_id, populate_existing=True)
    account = await session.get(Account, account_id)
    if row is None or account is None or not row.statement_folder_url:
        return None
    target = await session.scalar(
        select(Collaboration).where(
            Collaboration.channel_id == account.channel_id,
            Collaboration.status == CollaborationStatus.ACTIVE,
            Collaboration.period.is_not(None),
        )
    )
    if target is None or target.account_id != account.id or target.period is None:
        return None
    if row.checked_collaboration_id == target.id and row.checked_at is not None and row.checked_at > now - interval:
        return None
    same_as_read = (
        AccountSharePoint.checked_at.is_(None)
        if row.checked_at is None
        else AccountSharePoint.checked_at == row.checked_at
    )
    result = await session.execute(
        update(AccountSharePoint)
        .where(AccountSharePoint.account_id == account.id, same_as_read)
        .values(checked_at=now, checked_collaboration_id=target.id)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None  # another run claimed it first
    return PickupPlan(
        account_id=account.id,
        account_name=account.name,
        customer_number=account.customer_number,
        folder_url=row.statement_folder_url,
        pattern=row.pattern,
        collaboration_id=target.id,
        period=target.period,
        delta_drive_id=row.delta_drive_id,
        delta_link=row.delta_link,
        list_folder=row.listed_collaboration_id != target.id,
    )


async def pickup_done(
    session: AsyncSession, *, account_id: int, drive_id: str, delta_link: str, listed_collaboration_id: int | None
) -> None:
    """Keep the delta link for the next look (and which collaboration's listing was read)."""
    values: dict[str, Any] = {"delta_drive_id": drive_id, "delta_link": delta_link, "last_error": None}
    if listed_collaboration_id is not None:
        values["listed_collaboration_id"] = listed_collaboration_id
    await session.execute(
        update(AccountSharePoint)
        .where(AccountSharePoint.account_id == account_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def pickup_failed(
    session: AsyncSession, *, account_id: int, error: str, look_again_at: datetime, interval: timedelta
) -> None:
    """Note what went wrong, and make the next look due at `look_again_at` (sooner than `interval`)."""
    await session.execute(
        update(AccountSharePoint)
        .where(AccountSharePoint.account_id == account_id)
        .values(last_error=error[:2000], checked_at=look_again_at - interval)
        .execution_options(synchronize_session=False)
    )


async def statement_seen(
    session: AsyncSession, *, account_id: int, drive_id: str, item_id: str, version_tag: str
) -> bool:
    """Whether this version of the file was decided on already (attached, a duplicate, or refused)."""
    found = await session.scalar(
        select(StatementFile.id).where(
            StatementFile.account_id == account_id,
            StatementFile.drive_id == drive_id,
            StatementFile.item_id == item_id,
            StatementFile.version_tag == version_tag,
        )
    )
    return found is not None


@dataclass(frozen=True)
class PickedFile:
    """A file found in the statement folder: which version of which drive item, and what it is."""

    drive_id: str
    item_id: str
    version_tag: str  # its cTag, else its eTag
    name: str  # as SharePoint names it
    size: int
    web_url: str | None
    period: str


@dataclass(frozen=True)
class PickedUp:
    """What became of a picked-up file."""

    file_id: int  # its statement_files row
    outcome: StatementOutcome
    version_id: int | None
    told: tuple[str, ...]  # the host leaders told by direct message


async def _claim_file(
    session: AsyncSession,
    *,
    account_id: int,
    collaboration_id: int,
    picked: PickedFile,
    outcome: StatementOutcome,
    reason: str | None,
    now: datetime,
) -> StatementFile | None:
    row = StatementFile(
        account_id=account_id,
        drive_id=picked.drive_id,
        item_id=picked.item_id,
        version_tag=picked.version_tag,
        name=printable(picked.name, limit=255),
        period=picked.period,
        collaboration_id=collaboration_id,
        outcome=outcome,
        reason=reason,
        size=max(picked.size, 0),
        web_url=picked.web_url,
        seen_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


async def _tell_host_leaders(session: AsyncSession, c: Collaboration, row: StatementFile) -> tuple[str, ...]:
    told: list[str] = []
    for leader in leaders_of(await participants_of(session, c.id), Side.HOST):
        entry = await enqueue_once(
            session,
            kind=OutboxKind.STATEMENT_PICKUP,
            lane=dm_lane(leader.user_id),
            payload={"user_id": leader.user_id, "statement_file_id": row.id},
            collaboration_id=c.id,
            dedupe_key=f"statement-file:{row.id}:{leader.user_id}",
        )
        if entry is not None:
            told.append(leader.user_id)
    return tuple(told)


async def _target(session: AsyncSession, account_id: int, collaboration_id: int) -> Collaboration | None:
    c = await lock_collaboration(session, collaboration_id)
    if c.account_id != account_id or c.status is not CollaborationStatus.ACTIVE:
        return None
    return c


async def stage_statement(
    session: AsyncSession,
    *,
    account_id: int,
    collaboration_id: int,
    picked: PickedFile,
    name: str,
    file_type: str,
    blob: BlobRef,
    now: datetime,
) -> PickedUp | None:
    """Attach a statement picked up from SharePoint to the period's collaboration, as a host draft.

    `name` is the safe name (bot.filecheck.safe_name), the bytes are checked and stored (`blob`). The
    version joins the host side's document of that name, staged by Baton; passing the turn publishes
    it (and uploads it into the channel) like any upload. None when this version of the file was
    decided on already, or the collaboration is no longer active (the next look decides again).
    Bytes already attached under that name are not attached twice (outcome `duplicate`, nobody told).
    """
    name = checked_name(name)
    c = await _target(session, account_id, collaboration_id)
    if c is None:
        return None
    row = await _claim_file(
        session,
        account_id=account_id,
        collaboration_id=c.id,
        picked=picked,
        outcome=StatementOutcome.ATTACHED,
        reason=None,
        now=now,
    )
    if row is None:
        return None
    document = await _document_for(session, c, Side.HOST, name, BATON, now)
    same = await session.scalar(
        select(DocumentVersion.id).where(
            DocumentVersion.document_id == document.id, DocumentVersion.blob_sha256 == blob.sha256
        )
    )
    if same is not None:
        row.outcome, row.version_id = StatementOutcome.DUPLICATE, same
        await session.flush()
        return PickedUp(row.id, row.outcome, same, ())
    version = DocumentVersion(
        document_id=document.id,
        collaboration_id=c.id,
        number=None,
        status=VersionStatus.STORED,
        blob_sha256=blob.sha256,
        size=blob.size,
        file_type=file_type.lower().lstrip(".")[:16],
        original_name=printable(picked.name, limit=ORIGINAL_NAME_MAX),
        uploaded_by=BATON,
        side=Side.HOST,
        uploaded_at=now,
        turn_number=c.turn_number,
        source=DocumentSource.SHAREPOINT,
        published=False,
    )
    session.add(version)
    await session.flush()
    await add_draft(
        session,
        collaboration=c,
        side=Side.HOST,
        kind=UPLOAD_DRAFT,
        data={"version_id": version.id},
        created_by=BATON,
        now=now,
    )
    row.version_id = version.id
    await session.flush()
    return PickedUp(row.id, row.outcome, version.id, await _tell_host_leaders(session, c, row))


async def refuse_statement(
    session: AsyncSession,
    *,
    account_id: int,
    collaboration_id: int,
    picked: PickedFile,
    reason: str,
    now: datetime,
) -> PickedUp | None:
    """Record a statement file Baton would not store (`reason`, in plain words) and tell the host leaders.

    Once per version of the file: a corrected file (new content) is looked at again.
    """
    c = await _target(session, account_id, collaboration_id)
    if c is None:
        return None
    row = await _claim_file(
        session,
        account_id=account_id,
        collaboration_id=c.id,
        picked=picked,
        outcome=StatementOutcome.REFUSED,
        reason=reason,
        now=now,
    )
    if row is None:
        return None
    return PickedUp(row.id, row.outcome, None, await _tell_host_leaders(session, c, row))


@dataclass(frozen=True)
class StatementNotice:
    """What the direct message about a picked-up statement says."""

    account_name: str
    period: str | None
    statement: str  # "Retail Co — November 2026 statement"'s kind of title, for the period
    file_name: str
    outcome: StatementOutcome
    reason: str | None
    channel_id: str
    collaboration_title: str
    collaboration_active: bool
    still_draft: bool  # the staged version is still unsent
    host_holds_turn: bool  # whether the host side can send it now (or with its next turn)


async def statement_notice(session: AsyncSession, statement_file_id: int) -> StatementNotice:
    row = await session.get(StatementFile, statement_file_id)
    if row is None:
        raise NotFound("That statement file isn't known (any more).")
    account = await session.get(Account, row.account_id)
    c = await session.get(Collaboration, row.collaboration_id) if row.collaboration_id is not None else None
    if account is None or c is None:
        raise NotFound("That statement's collaboration doesn't exist (any more).")
    version = await session.get(DocumentVersion, row.version_id) if row.version_id is not None else None
    return StatementNotice(
        account_name=account.name,
        period=row.period,
        statement=statement_title(account.name, row.period) if row.period else c.title,
        file_name=row.name,
        outcome=row.outcome,
        reason=row.reason,
        channel_id=c.channel_id,
        collaboration_title=c.title,
        collaboration_active=c.status is CollaborationStatus.ACTIVE,
        still_draft=version is not None and not version.published,
        host_holds_turn=c.holding_side is Side.HOST,
    )


# --- archive filing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingTarget:
    """Where an archive goes: the account's archive folder."""

    collaboration_id: int
    up_to_seq: int
    folder_url: str
    channel_id: str
    title: str


@dataclass(frozen=True)
class FiledArchive:
    collaboration_id: int
    up_to_seq: int
    name: str
    web_url: str
    filed_at: datetime


def _filed(row: ArchiveFiling) -> FiledArchive:
    return FiledArchive(row.collaboration_id, row.up_to_seq, row.name, row.web_url, row.filed_at)


async def archive_destination(session: AsyncSession, collaboration_id: int, up_to_seq: int) -> FilingTarget | None:
    """The account's archive folder, when the archive up to `up_to_seq` is one that is filed (the record
    at its wrap-up or roll-over; a mid-month download is not) and the account has a folder."""
    c = await session.get(Collaboration, collaboration_id)
    if c is None:
        return None
    kind = await session.scalar(
        select(Event.kind).where(Event.collaboration_id == collaboration_id, Event.seq == up_to_seq)
    )
    if kind not in _FILED_AT:
        return None
    row = await session.get(AccountSharePoint, c.account_id)
    if row is None or not row.archive_folder_url:
        return None
    return FilingTarget(c.id, up_to_seq, row.archive_folder_url, c.channel_id, c.title)


async def queue_filing(session: AsyncSession, target: FilingTarget, *, path: str, name: str) -> bool:
    """Record the FILE_ARCHIVE entry for the zip at `path`; False when that archive was queued already."""
    entry = await enqueue(
        session,
        kind=OutboxKind.FILE_ARCHIVE,
        lane=f"sharepoint:{target.channel_id}",
        payload={
            "collaboration_id": target.collaboration_id,
            "up_to_seq": target.up_to_seq,
            "path": path,
            "name": name,
            "title": target.title,
            "channel": target.channel_id,
        },
        collaboration_id=target.collaboration_id,
        dedupe_key=f"file-archive:{target.collaboration_id}:{target.up_to_seq}",
    )
    return entry is not None


async def archive_folder_of(session: AsyncSession, collaboration_id: int) -> str | None:
    c = await session.get(Collaboration, collaboration_id)
    row = await session.get(AccountSharePoint, c.account_id) if c is not None else None
    return row.archive_folder_url if row is not None else None


async def filing_of(session: AsyncSession, collaboration_id: int, up_to_seq: int) -> FiledArchive | None:
    row = await session.scalar(
        select(ArchiveFiling).where(
            ArchiveFiling.collaboration_id == collaboration_id, ArchiveFiling.up_to_seq == up_to_seq
        )
    )
    return _filed(row) if row is not None else None


async def latest_filing(session: AsyncSession, collaboration_id: int) -> FiledArchive | None:
    """The collaboration's newest filed archive (what its card links to), if any."""
    row = await session.scalar(
        select(ArchiveFiling)
        .where(ArchiveFiling.collaboration_id == collaboration_id)
        .order_by(ArchiveFiling.up_to_seq.desc())
        .limit(1)
    )
    return _filed(row) if row is not None else None


async def record_filing(
    session: AsyncSession,
    *,
    collaboration_id: int,
    up_to_seq: int,
    name: str,
    web_url: str,
    drive_id: str,
    item_id: str,
    size: int,
    now: datetime,
) -> FiledArchive:
    """Keep where the archive was filed, and refresh the card (it links to the newest filing)."""
    known = await filing_of(session, collaboration_id, up_to_seq)
    if known is not None:
        return known
    c = await session.get(Collaboration, collaboration_id)
    if c is None:
        raise NotFound("That collaboration doesn't exist (any more).")
    row = ArchiveFiling(
        collaboration_id=collaboration_id,
        up_to_seq=up_to_seq,
        name=printable(name, limit=255),
        web_url=web_url,
        drive_id=drive_id,
        item_id=item_id,
        size=size,
        filed_at=now,
    )
    session.add(row)
    await session.flush()
    await notices.refresh_card(session, c)
    return _filed(row)
