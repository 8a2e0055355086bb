"""Microsoft 365 at work: statements picked up from SharePoint, archives filed there.

Built by the composition root only when Microsoft 365 is configured (`Deps.graph` is set):

- `StatementPickup.run(now)` looks at each account's statement folder when a look is due
  (`models.flows.sharepoint.claim_pickup`: its period's collaboration just opened, or an hour has
  passed). The first look for a collaboration lists the folder (a statement saved before its period
  opened is found too); every look reads the drive's changes since the stored delta link (Graph's
  `410 Gone` starts it over, which the client does). A file whose name is the period's statement
  (the account's pattern) and whose version (item id + cTag) is new is downloaded, checked
  (bot.filecheck) and stored (the blob store), then staged as the host side's draft, once; the host
  leaders are told by direct message.
- `ArchiveFiler.keep(...)` is how `post_archive` hands over the zip it shared in the channel: when
  the archive is a wrap-up's or a roll-over's and the account has an archive folder, the zip is kept
  and a FILE_ARCHIVE outbox entry recorded; its deliverer uploads it (an upload session above 4 MB,
  conflict behaviour rename), records the link the card shows, then deletes the zip. A failure is
  retried by the outbox; one that retrying cannot fix (or that persists) is set aside, and the host
  leaders are told (the zip stays on disk: nothing is lost).
- `check_folders(...)` tells the schedule modal whether Baton can use the folder URLs typed into it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.blobs import BlobStore, BlobTooLarge, bytes_stream
from bot.blocks.ids import BlockId
from bot.blocks.sharepoint import SharePointForm, statement_pickup_text
from bot.db import Sessions
from bot.filecheck import HEAD_BYTES, check_file, safe_name
from bot.graph import (
    DriveItem,
    FolderUrlError,
    GraphClient,
    GraphError,
    GraphErrorCode,
    GraphThrottled,
    GraphUnreachable,
    Microsoft365Error,
    TokenError,
    parse_folder_url,
)
from bot.outbox import Deliverer, DeliveryFailed, OutboxWorker
from bot.settings import Settings
from bot.slack_client import BatonWebClient
from models.base import utcnow
from models.flows.sharepoint import (
    PickedFile,
    PickupPlan,
    archive_destination,
    archive_folder_of,
    claim_pickup,
    filing_of,
    pickup_accounts,
    pickup_done,
    pickup_failed,
    queue_filing,
    record_filing,
    refuse_statement,
    stage_statement,
    statement_notice,
    statement_seen,
)
from models.outbox import OutboxEntry, OutboxKind
from models.sharepoint import StatementOutcome, pattern_matches

__all__ = [
    "ArchiveFiler",
    "PickupReport",
    "StatementPickup",
    "build_sharepoint_deliverers",
    "check_folders",
    "filing_failure",
]

log = logging.getLogger(__name__)

PICKUP_INTERVAL = timedelta(hours=1)  # a look at each statement folder at most this often…
RETRY_AFTER_FAILURE = timedelta(minutes=10)  # …or sooner, after a look that failed
MAX_FILING_ATTEMPTS = 12  # transient failures of one filing, retried with the outbox's backoff (~25 min), then reported
CHECK_BUDGET = 2.0  # seconds the schedule modal may spend asking Graph about its folders (Slack waits 3)
# OAuth errors that mean the app's credentials or consent are wrong: retrying will not help.
_NOT_AUTHORISED = frozenset({"invalid_client", "unauthorized_client", "invalid_grant", "access_denied"})


# --- statement pick-up ----------------------------------------------------------------------------


@dataclass
class PickupReport:
    """What one pick-up run did."""

    looked: int = 0  # statement folders looked at
    attached: int = 0  # statements staged as drafts
    refused: int = 0  # statement files Baton would not store (the host leaders were told why)
    failed: int = 0  # looks that failed (logged; looked at again after RETRY_AFTER_FAILURE)

    def __str__(self) -> str:
        return ", ".join(f"{f.name} {getattr(self, f.name)}" for f in fields(self))


class StatementPickup:
    """Statements from each account's SharePoint folder into its period's collaboration, each once."""

    def __init__(
        self,
        *,
        sessions: Sessions,
        graph: GraphClient,
        blobs: BlobStore,
        settings: Settings,
        outbox: OutboxWorker | None = None,
        interval: timedelta = PICKUP_INTERVAL,
    ) -> None:
        self.sessions = sessions
        self.graph = graph
        self.blobs = blobs
        self.settings = settings
        self.outbox = outbox
        self.interval = interval

    async def run(self, now: datetime | None = None) -> PickupReport:
        """Look at every statement folder that is due a look; one account's failure stops no other."""
        now = now or utcnow()
        async with self.sessions.read() as session:
            account_ids = await pickup_accounts(session)
        report = PickupReport()
        for account_id in account_ids:
            try:
                await self.look(account_id, now, report)
            except Exception:
                log.exception("statement pick-up failed for account %s", account_id)
                report.failed += 1
        if report.attached or report.refused:
            log.info("statement pick-up: %s", report)
            if self.outbox is not None:
                self.outbox.wake()
        return report

    async def look(self, account_id: int, now: datetime, report: PickupReport | None = None) -> PickupReport:
        """One account: claim a look when one is due, then read the folder and attach what is new."""
        report = report if report is not None else PickupReport()
        async with self.sessions.begin() as session:
            plan = await claim_pickup(session, account_id=account_id, now=now, interval=self.interval)
        if plan is None:
            return report
        report.looked += 1
        try:
            folder = await self.graph.resolve_folder(plan.folder_url)
            found: dict[str, DriveItem] = {}
            if plan.list_folder:
                for item in await self.graph.list_children(folder.drive_id, folder.path):
                    found[item.id] = item
            link = plan.delta_link if plan.delta_drive_id == folder.drive_id else None
            changes = await self.graph.delta(folder.drive_id, "root", link)
            if changes.resynced:
                log.info("account %s: the statement folder's changes were read afresh (delta resync)", account_id)
            for item in changes.items:
                if item.parent_id == folder.item_id:
                    found[item.id] = item
            for item in found.values():
                if item.is_folder or item.deleted:
                    continue
                if not pattern_matches(
                    plan.pattern, item.name, customer_number=plan.customer_number, period=plan.period
                ):
                    continue
                await self._take(plan, folder.drive_id, item, now, report)
        except Microsoft365Error as e:
            log.warning("account %s: statement pick-up failed: %s", account_id, e)
            async with self.sessions.begin() as session:
                await pickup_failed(
                    session,
                    account_id=account_id,
                    error=str(e),
                    look_again_at=now + RETRY_AFTER_FAILURE,
                    interval=self.interval,
                )
            report.failed += 1
            return report
        async with self.sessions.begin() as session:
            await pickup_done(
                session,
                account_id=account_id,
                drive_id=folder.drive_id,
                delta_link=changes.delta_link,
                listed_collaboration_id=plan.collaboration_id if plan.list_folder else None,
            )
        return report

    async def _take(
        self, plan: PickupPlan, drive_id: str, item: DriveItem, now: datetime, report: PickupReport
    ) -> None:
        picked = PickedFile(
            drive_id=drive_id,
            item_id=item.id,
            version_tag=item.ctag or item.etag or f"modified:{item.last_modified}",
            name=item.name,
            size=item.size,
            web_url=item.web_url,
            period=plan.period,
        )
        async with self.sessions.read() as session:
            if await statement_seen(
                session,
                account_id=plan.account_id,
                drive_id=drive_id,
                item_id=item.id,
                version_tag=picked.version_tag,
            ):
                return
        settings = self.settings
        allowed, limit = settings.BATON_ALLOWED_FILE_TYPES, settings.max_file_bytes
        name = safe_name(item.name)
        if item.size > limit:
            verdict = check_file(name, item.size, b"", allowed_types=allowed, max_bytes=limit)
            await self._refuse(plan, picked, verdict.reason or f"{name} is over the size limit.", now, report)
            return
        data = await self.graph.download(drive_id, item.id)
        verdict = check_file(name, len(data), data[:HEAD_BYTES], allowed_types=allowed, max_bytes=limit)
        if not verdict.ok:
            await self._refuse(plan, picked, verdict.reason or f"{name} can't be stored.", now, report)
            return
        try:
            blob = await self.blobs.put_stream(bytes_stream(data), max_bytes=limit)
        except BlobTooLarge as e:
            await self._refuse(plan, picked, f"{name} is over the size limit ({e}).", now, report)
            return
        async with self.sessions.begin() as session:
            staged = await stage_statement(
                session,
                account_id=plan.account_id,
                collaboration_id=plan.collaboration_id,
                picked=picked,
                name=name,
                file_type=verdict.file_type,
                blob=blob,
                now=now,
            )
        if staged is not None and staged.outcome is StatementOutcome.ATTACHED:
            report.attached += 1
            log.info("account %s: %s staged in collaboration %s", plan.account_id, item.name, plan.collaboration_id)

    async def _refuse(
        self, plan: PickupPlan, picked: PickedFile, reason: str, now: datetime, report: PickupReport
    ) -> None:
        async with self.sessions.begin() as session:
            refused = await refuse_statement(
                session,
                account_id=plan.account_id,
                collaboration_id=plan.collaboration_id,
                picked=picked,
                reason=reason,
                now=now,
            )
        if refused is not None:
            report.refused += 1
            log.info("account %s: %s not attached: %s", plan.account_id, picked.name, reason)


# --- archive filing -------------------------------------------------------------------------------


class ArchiveFiler:
    """Keeps the zip `post_archive` shared when it is to be filed, and queues its filing."""

    def __init__(self, sessions: Sessions, archives_dir: Path) -> None:
        self.sessions = sessions
        self.folder = archives_dir / "filing"

    async def keep(self, collaboration_id: int, up_to_seq: int, path: Path, name: str) -> bool:
        """Take over the zip at `path` (True) when it goes to the account's archive folder; False leaves it
        to the caller (to delete). The FILE_ARCHIVE entry and the move are one step: both or neither."""
        async with self.sessions.begin() as session:
            target = await archive_destination(session, collaboration_id, up_to_seq)
            if target is None:
                return False
            kept = self.folder / f"{collaboration_id}-{up_to_seq}.zip"
            if not await queue_filing(session, target, path=str(kept), name=name):
                return False  # queued before (this delivery is a repeat): that zip is the one filed
            await asyncio.to_thread(self.folder.mkdir, parents=True, exist_ok=True)
            await asyncio.to_thread(os.replace, path, kept)
        return True


def filing_failure(error: Exception, *, attempts: int) -> DeliveryFailed:
    """A Microsoft 365 failure as the outbox sees it: retried when it may pass, set aside when it won't."""
    last_try = attempts + 1 >= MAX_FILING_ATTEMPTS
    if isinstance(error, GraphThrottled):
        return DeliveryFailed(str(error), permanent=last_try, retry_after=error.retry_after)
    if isinstance(error, GraphUnreachable):
        return DeliveryFailed(str(error), permanent=last_try)
    if isinstance(error, TokenError):
        return DeliveryFailed(error.detail, permanent=last_try or error.error in _NOT_AUTHORISED)
    if isinstance(error, FolderUrlError):
        return DeliveryFailed(f"the archive folder's address: {error}", permanent=True)
    if isinstance(error, GraphError):
        passing = error.status >= 500 or error.status in (408, 409, 423) or error.code == GraphErrorCode.UNKNOWN
        return DeliveryFailed(str(error), permanent=last_try or not passing)
    return DeliveryFailed(f"{type(error).__name__}: {error}", permanent=last_try)


def build_sharepoint_deliverers(
    slack: BatonWebClient, sessions: Sessions, graph: GraphClient
) -> Mapping[str, Deliverer]:
    """The deliverers of the Microsoft 365 outbox kinds."""

    async def statement_pickup(entry: OutboxEntry) -> dict[str, Any]:
        p = entry.payload
        async with sessions.read() as session:
            notice = await statement_notice(session, int(p["statement_file_id"]))
        opened = await slack.conversations_open(users=p["user_id"])
        channel = opened["channel"]["id"]
        text = statement_pickup_text(notice)
        response = await slack.chat_postMessage(channel=channel, text=text, unfurl_links=False, unfurl_media=False)
        return {"channel": channel, "ts": response["ts"]}

    async def file_archive(entry: OutboxEntry) -> dict[str, Any]:
        p = entry.payload
        collaboration_id, up_to_seq, path = int(p["collaboration_id"]), int(p["up_to_seq"]), Path(p["path"])
        async with sessions.read() as session:
            done = await filing_of(session, collaboration_id, up_to_seq)
            folder_url = await archive_folder_of(session, collaboration_id)
        if done is not None:  # filed by an earlier attempt that did not get to say so
            await asyncio.to_thread(path.unlink, missing_ok=True)
            return {"web_url": done.web_url, "already": True}
        if not await asyncio.to_thread(path.is_file):
            raise DeliveryFailed(f"the archive zip is no longer at {path}", permanent=True)
        if not folder_url:
            raise DeliveryFailed("the account no longer has an archive folder", permanent=True)
        try:
            folder = await graph.resolve_folder(folder_url)
            size = (await asyncio.to_thread(path.stat)).st_size
            item = await graph.upload(folder.drive_id, folder.item_id, str(p["name"]), path, size)
        except Microsoft365Error as e:
            raise filing_failure(e, attempts=entry.attempts) from e
        async with sessions.begin() as session:
            filed = await record_filing(
                session,
                collaboration_id=collaboration_id,
                up_to_seq=up_to_seq,
                name=item.name,
                web_url=item.web_url or "",
                drive_id=folder.drive_id,
                item_id=item.id,
                size=item.size or size,
                now=utcnow(),
            )
        await asyncio.to_thread(path.unlink, missing_ok=True)
        return {"web_url": filed.web_url, "name": filed.name, "size": size}

    return {OutboxKind.STATEMENT_PICKUP: statement_pickup, OutboxKind.FILE_ARCHIVE: file_archive}


# --- the schedule modal's folders -----------------------------------------------------------------


async def check_folders(graph: GraphClient, form: SharePointForm, *, budget: float = CHECK_BUDGET) -> dict[str, str]:
    """Errors for the folder URLs Baton cannot use, by the modal's block id (empty: all fine).

    An address that is not a SharePoint folder's is refused offline; then Graph is asked whether the
    folder exists and Baton may see it, for at most `budget` seconds (Slack wants the answer within 3):
    when Graph is slow or unreachable, the address is accepted on its form alone.
    """
    errors: dict[str, str] = {}
    urls = {
        BlockId.STATEMENT_FOLDER.value: form.statement_folder_url,
        BlockId.ARCHIVE_FOLDER.value: form.archive_folder_url,
    }
    wanted = {block: url for block, url in urls.items() if url}
    for block, url in list(wanted.items()):
        try:
            parse_folder_url(url)
        except FolderUrlError as e:
            errors[block] = f"Baton can't use this address: {e}."
            del wanted[block]

    async def resolve(block: str, url: str) -> None:
        try:
            await graph.resolve_folder(url)
        except FolderUrlError as e:
            errors[block] = f"Baton can't use this address: {e}."
        except GraphError as e:
            if e.status in (401, 403) or e.has_code(GraphErrorCode.ACCESS_DENIED):
                errors[block] = (
                    "Baton may not open this folder: ask your Microsoft 365 admin to give Baton's app access "
                    "to the site."
                )
            else:
                log.info("could not check the folder %s: %s", url, e)
        except Microsoft365Error as e:  # not authorised, unreachable: the address itself may be fine
            log.info("could not check the folder %s: %s", url, e)

    if wanted:
        try:
            async with asyncio.timeout(budget):
                await asyncio.gather(*(resolve(block, url) for block, url in wanted.items()))
        except TimeoutError:
            log.info("Graph did not answer within %.1fs; the folder addresses were checked by their form", budget)
    return errors
