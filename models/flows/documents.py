"""Documents: uploads through Baton (drafts until the turn is passed) and files shared in the channel (chat).

The caller (a handler) has downloaded the file, checked it (`bot.filecheck.check_file`), made its name
safe (`bot.filecheck.safe_name`) and stored its bytes (`bot.blobs`); these use cases record it.
- `stage_upload`: a leader or contributor of the side holding the turn adds a version as a draft
  ("upload"). Passing the turn publishes it: it is numbered, `document_version_published` enters the
  chain, the turn's summary says "Uploaded Statement.pdf (version 2)", and PUBLISH_FILES asks Slack
  delivery to upload the turn's files into the channel with the update.
- `record_channel_file`: a file someone shared in the channel is public already, so it is a published
  version at once, whatever the turn (`file_shared` in the chain); the same Slack file is recorded
  once. In a request card's thread, from a leader or contributor of the addressed side, it fulfils
  the request (see `flows.requests.fulfil_from_thread`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import notices
from models.collaborations import (
    Collaboration,
    CollaborationStatus,
    latest_in_channel,
    lock_collaboration,
    participants_of,
)
from models.documents import (
    ORIGINAL_NAME_MAX,
    BlobRef,
    Document,
    DocumentEvent,
    DocumentSource,
    DocumentVersion,
    VersionStatus,
    checked_name,
    name_key,
    printable,
)
from models.drafts import Draft, PublishContext, add_draft, register_publisher
from models.errors import InvalidInput, NotFound
from models.flows._context import clear_sign_offs, load_situation
from models.flows.requests import answerable, fulfil_from_thread
from models.history import append_event
from models.outbox import OutboxKind, enqueue
from models.permissions import Action, require
from models.requests import DocumentRequest
from models.sides import Actor, Role, Side

__all__ = [
    "UPLOAD_DRAFT",
    "ChannelFile",
    "DocumentView",
    "VersionView",
    "documents_of",
    "files_to_publish",
    "record_channel_file",
    "record_shared_file",
    "stage_upload",
]

UPLOAD_DRAFT = "upload"  # data: version_id


@dataclass(frozen=True)
class VersionView:
    id: int
    document_id: int
    number: int | None  # None while a draft: numbered when published
    name: str  # the document's (safe) name
    original_name: str  # as the person gave it
    size: int
    file_type: str
    sha256: str | None  # the blob; None when not stored
    status: VersionStatus
    reason: str | None  # why it was not stored
    uploaded_by: str
    side: Side | None
    uploaded_at: datetime
    turn_number: int
    source: DocumentSource
    slack_file_id: str | None
    thread_ts: str | None
    published: bool
    published_turn: int | None

    @property
    def stored(self) -> bool:
        return self.status is VersionStatus.STORED

    @property
    def draft(self) -> bool:
        return not self.published


@dataclass(frozen=True)
class DocumentView:
    """A document as one side sees it: published versions by number, then that side's drafts."""

    id: int
    collaboration_id: int
    name: str
    side: Side | None  # None: shared by someone of neither side
    created_by: str
    created_at: datetime
    versions: tuple[VersionView, ...]

    @property
    def latest(self) -> VersionView:
        """The newest version the viewer sees."""
        return self.versions[-1]


@dataclass(frozen=True)
class ChannelFile:
    """What `record_channel_file` did with a file."""

    version: VersionView
    request_id: int | None  # the request whose card's thread it was posted in
    fulfilled: bool  # it fulfilled that request (or joined its answer)
    duplicate: bool  # the Slack file was recorded already: nothing changed


# --- uploads through Baton ------------------------------------------------------------------------


async def stage_upload(
    session: AsyncSession,
    *,
    actor: Actor,
    collaboration_id: int,
    name: str,
    size: int,
    file_type: str,
    blob: BlobRef,
    slack_file_id: str | None,
    new_version_of: int | None = None,
    original_name: str | None = None,
    source: DocumentSource = DocumentSource.UPLOAD,
    now: datetime,
) -> VersionView:
    """Stage a version of a document of the actor's side, as a draft until the turn is passed.

    `name` is the safe name; `original_name` the one the person gave (defaults to `name`). The file
    joins the side's document of the same name (compared without case), or `new_version_of` (a
    document id of the same side), or starts a new document. `slack_file_id` is the file a modal's
    `file_input` received: staging it again (a repeated submission) returns the first version.
    The size recorded is the blob's.
    """
    name = checked_name(name)
    if source is DocumentSource.CHANNEL:
        raise ValueError("channel files are recorded with record_channel_file")
    situation = await load_situation(session, actor, collaboration_id, Action.WORK, lock=True)
    require(Action.WORK, situation)
    me = situation.me
    assert me is not None  # require() refuses non-participants
    c = situation.collaboration

    if slack_file_id:
        again = await session.scalar(
            select(DocumentVersion).where(
                DocumentVersion.collaboration_id == c.id,
                or_(
                    DocumentVersion.source_file_id == slack_file_id,
                    DocumentVersion.slack_file_id == slack_file_id,
                ),
            )
        )
        if again is not None:
            return await _view_of(session, again)

    if new_version_of is not None:
        document = await session.get(Document, new_version_of)
        if document is None or document.collaboration_id != c.id:
            raise NotFound("That document isn't part of this collaboration.")
        if document.side is not me.side:
            owner = c.org_name(document.side) if document.side else "someone outside both sides"
            mine = c.org_name(me.side)
            raise InvalidInput(
                f"{document.name} is {owner}'s document: upload yours as a document of {mine}.",
                field="file",
            )
    else:
        document = await _document_for(session, c, me.side, name, actor.user_id, now)

    version = DocumentVersion(
        document_id=document.id,
        collaboration_id=c.id,
        number=None,
        status=VersionStatus.STORED,
        blob_sha256=blob.sha256,
        size=blob.size,
        file_type=file_type.lower().lstrip(".")[:16],
        original_name=printable(original_name or name, limit=ORIGINAL_NAME_MAX),
        uploaded_by=actor.user_id,
        side=me.side,
        uploaded_at=now,
        turn_number=c.turn_number,
        source=source,
        source_file_id=slack_file_id,
        published=False,
    )
    session.add(version)
    await session.flush()
    await add_draft(
        session,
        collaboration=c,
        side=me.side,
        kind=UPLOAD_DRAFT,
        data={"version_id": version.id},
        created_by=actor.user_id,
        now=now,
    )
    return _view(version, document)


async def _publish_upload(session: AsyncSession, draft: Draft, context: PublishContext) -> str:
    version = await session.get(DocumentVersion, int(draft.data["version_id"]))
    if version is None:
        raise LookupError(f"draft {draft.id} refers to a missing document version")
    document = await session.get(Document, version.document_id)
    assert document is not None  # a foreign key
    if not version.published:
        version.number = await _next_number(session, document.id)
        version.published = True
        version.published_turn = context.turn_number
        version.published_at = context.now
        await session.flush()
        await append_event(
            session,
            version.collaboration_id,
            DocumentEvent.VERSION_PUBLISHED,
            actor=draft.created_by,
            side=draft.side,
            data={**_version_data(version, document), "turn": context.turn_number},
            at=context.now,
        )
        await _publish_files(session, context.collaboration, context.turn_number)
    suffix = f" (version {version.number})" if version.number and version.number > 1 else ""
    return f"Uploaded {document.name}{suffix}"


register_publisher(UPLOAD_DRAFT, _publish_upload)


async def _publish_files(session: AsyncSession, c: Collaboration, turn: int) -> None:
    await enqueue(
        session,
        kind=OutboxKind.PUBLISH_FILES,
        lane=c.channel_id,
        payload={"collaboration_id": c.id, "turn": turn},
        collaboration_id=c.id,
        dedupe_key=f"publish-files:{c.id}:{turn}",
    )


# --- files shared in the channel ------------------------------------------------------------------


async def record_channel_file(
    session: AsyncSession,
    *,
    channel_id: str,
    user_id: str,
    team_key: str,
    name: str,
    size: int,
    file_type: str,
    blob: BlobRef | None,
    slack_file_id: str,
    thread_ts: str | None = None,
    original_name: str | None = None,
    reason: str | None = None,
    now: datetime,
) -> ChannelFile | None:
    """Record a file shared in the channel as a published version of the sender's side's document.

    `blob` None: the file was not stored (over the size limit, of a type not allowed); `reason` says
    why, in the words the person was told. Recorded in the channel's newest collaboration, whatever
    its turn or status (None when the channel has none); the same Slack file is recorded once. In a
    request card's thread, from a leader or contributor of the addressed side, a stored file fulfils
    an open or reopened request (or joins the answer of a fulfilled one); anyone else's is only recorded.
    A stored file in an active collaboration is a change to the record: it clears sign-offs.
    """
    name = checked_name(name)
    newest = await latest_in_channel(session, channel_id)
    if newest is None:
        return None
    c = await lock_collaboration(session, newest.id)
    known = await session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.collaboration_id == c.id, DocumentVersion.slack_file_id == slack_file_id
        )
    )
    if known is not None:
        return ChannelFile(await _view_of(session, known), request_id=None, fulfilled=False, duplicate=True)

    people = await participants_of(session, c.id, include_inactive=True)
    person = next((p for p in people if p.user_id == user_id), None)
    side = person.side if person is not None else c.side_of_team(team_key)
    request = await _request_of_thread(session, c, thread_ts)
    answers = (
        request is not None
        and blob is not None
        and c.status is CollaborationStatus.ACTIVE
        and person is not None
        and person.active
        and person.role in (Role.LEADER, Role.CONTRIBUTOR)
        and person.side is request.addressed_side
        and answerable(request)
    )

    document = await _document_for(session, c, side, name, user_id, now)
    version = DocumentVersion(
        document_id=document.id,
        collaboration_id=c.id,
        number=await _next_number(session, document.id),
        status=VersionStatus.STORED if blob is not None else VersionStatus.NOT_STORED,
        reason=None if blob is not None else (reason or "Baton did not store this file."),
        blob_sha256=blob.sha256 if blob is not None else None,
        size=blob.size if blob is not None else max(size, 0),
        file_type=file_type.lower().lstrip(".")[:16],
        original_name=printable(original_name or name, limit=ORIGINAL_NAME_MAX),
        uploaded_by=user_id,
        side=side,
        uploaded_at=now,
        turn_number=c.turn_number,
        source=DocumentSource.FULFILMENT if answers else DocumentSource.CHANNEL,
        slack_file_id=slack_file_id,
        thread_ts=thread_ts,
        published=True,
        published_turn=c.turn_number,
        published_at=now,
    )
    session.add(version)
    await session.flush()
    await append_event(
        session,
        c.id,
        DocumentEvent.FILE_SHARED,
        actor=user_id,
        side=side,
        data={
            **_version_data(version, document),
            "stored": version.stored,
            "reason": version.reason,
            "slack_file_id": slack_file_id,
            "thread_ts": thread_ts,
            "request_id": request.id if request is not None else None,
            "turn": c.turn_number,
        },
        at=now,
    )
    fulfilled = False
    if answers:
        assert request is not None and person is not None
        fulfilled = await fulfil_from_thread(session, c, request, version, person, now=now)
    if version.stored and c.status is CollaborationStatus.ACTIVE:
        await clear_sign_offs(
            session, c, actor=Actor(user_id, team_key), because="a file was shared in the channel", now=now
        )
    await notices.refresh_card(session, c)
    return ChannelFile(
        _view(version, document),
        request_id=request.id if request is not None else None,
        fulfilled=fulfilled,
        duplicate=False,
    )


async def _request_of_thread(session: AsyncSession, c: Collaboration, thread_ts: str | None) -> DocumentRequest | None:
    if not thread_ts:
        return None
    return await session.scalar(
        select(DocumentRequest)
        .where(
            DocumentRequest.collaboration_id == c.id,
            DocumentRequest.card_ts == thread_ts,
            DocumentRequest.published.is_(True),
        )
        .execution_options(populate_existing=True)
    )


# --- for Slack delivery ---------------------------------------------------------------------------


async def files_to_publish(session: AsyncSession, collaboration_id: int, turn: int) -> list[VersionView]:
    """The stored versions the pass of `turn` published through Baton and not yet shared in the channel,
    in the order they were staged (PUBLISH_FILES). Shared ones drop out, so a retried delivery resumes."""
    rows = (
        await session.execute(
            select(DocumentVersion, Document)
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(
                DocumentVersion.collaboration_id == collaboration_id,
                DocumentVersion.published_turn == turn,
                DocumentVersion.published.is_(True),
                DocumentVersion.status == VersionStatus.STORED,
                DocumentVersion.source != DocumentSource.CHANNEL,
                DocumentVersion.slack_file_id.is_(None),
            )
            .order_by(DocumentVersion.id)
        )
    ).all()
    return [_view(v, d) for v, d in rows]


async def record_shared_file(session: AsyncSession, *, version_id: int, slack_file_id: str) -> None:
    """Note the Slack file Baton uploaded for a version, so its `file_shared` event is not recorded again."""
    version = await session.get(DocumentVersion, version_id)
    if version is None:
        raise NotFound("That document version doesn't exist.")
    if version.slack_file_id is not None:
        return
    taken = await session.scalar(
        select(DocumentVersion.id).where(
            DocumentVersion.collaboration_id == version.collaboration_id,
            DocumentVersion.slack_file_id == slack_file_id,
        )
    )
    if taken is None:
        version.slack_file_id = slack_file_id
        await session.flush()


# --- reading --------------------------------------------------------------------------------------


async def documents_of(session: AsyncSession, collaboration_id: int, *, viewer_side: Side | None) -> list[DocumentView]:
    """The collaboration's documents as `viewer_side` sees them: published versions, plus that side's own
    drafts; a document with nothing visible is left out. `viewer_side=None`: the shared view (the card)."""
    documents = (
        await session.scalars(
            select(Document).where(Document.collaboration_id == collaboration_id).order_by(Document.id)
        )
    ).all()
    versions = (
        await session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.collaboration_id == collaboration_id)
            .order_by(DocumentVersion.id)
        )
    ).all()
    by_document: dict[int, list[DocumentVersion]] = {}
    for v in versions:
        if v.published or (viewer_side is not None and v.side is viewer_side):
            by_document.setdefault(v.document_id, []).append(v)
    views = []
    for d in documents:
        visible = by_document.get(d.id)
        if not visible:
            continue
        visible.sort(key=lambda v: (not v.published, v.number or 0, v.id))
        views.append(
            DocumentView(
                id=d.id,
                collaboration_id=d.collaboration_id,
                name=d.name,
                side=d.side,
                created_by=d.created_by,
                created_at=d.created_at,
                versions=tuple(_view(v, d) for v in visible),
            )
        )
    return views


# --- helpers --------------------------------------------------------------------------------------


async def _document_for(
    session: AsyncSession, c: Collaboration, side: Side | None, name: str, user_id: str, now: datetime
) -> Document:
    """The side's document of that name, or a new one."""
    key = name_key(name)
    side_is = Document.side.is_(None) if side is None else Document.side == side
    document = await session.scalar(
        select(Document).where(Document.collaboration_id == c.id, side_is, Document.name_key == key)
    )
    if document is None:
        document = Document(
            collaboration_id=c.id, side=side, name=name, name_key=key, created_by=user_id, created_at=now
        )
        session.add(document)
        await session.flush()
    return document


async def _next_number(session: AsyncSession, document_id: int) -> int:
    top = await session.scalar(
        select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == document_id)
    )
    return (top or 0) + 1


async def _view_of(session: AsyncSession, version: DocumentVersion) -> VersionView:
    document = await session.get(Document, version.document_id)
    assert document is not None  # a foreign key
    return _view(version, document)


def _view(v: DocumentVersion, d: Document) -> VersionView:
    return VersionView(
        id=v.id,
        document_id=v.document_id,
        number=v.number,
        name=d.name,
        original_name=v.original_name,
        size=v.size,
        file_type=v.file_type,
        sha256=v.blob_sha256,
        status=v.status,
        reason=v.reason,
        uploaded_by=v.uploaded_by,
        side=v.side,
        uploaded_at=v.uploaded_at,
        turn_number=v.turn_number,
        source=v.source,
        slack_file_id=v.slack_file_id,
        thread_ts=v.thread_ts,
        published=v.published,
        published_turn=v.published_turn,
    )


def _version_data(v: DocumentVersion, d: Document) -> dict[str, Any]:
    return {
        "document_id": d.id,
        "version_id": v.id,
        "name": d.name,
        "original_name": v.original_name,
        "version": v.number,
        "size": v.size,
        "sha256": v.blob_sha256,
        "file_type": v.file_type,
        "source": v.source.value,
        "uploaded_by": v.uploaded_by,
    }
