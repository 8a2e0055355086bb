"""A small typed Microsoft Graph client for SharePoint document libraries, over aiohttp.

Baton needs a handful of calls: resolve a SharePoint folder URL, list or watch (delta) a folder, download
a statement, upload an archive. Every request carries a fresh bearer token from the token provider (which
caches), except the pre-authenticated URLs Graph hands out for downloads and upload sessions: those must
not see the token. `429`/`503` answers are retried after their `Retry-After`, a capped number of times.

    async with GraphClient(tokens, base_url=settings.MS_GRAPH_URL, ca_bundles=settings.ca_bundles) as graph:
        folder = await graph.resolve_folder(account.statement_folder_url)
        for item in await graph.list_children(folder.drive_id, folder.path):
            ...
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol
from urllib.parse import parse_qs, quote, unquote, urlsplit

import aiohttp
from yarl import URL

from bot import __version__
from bot.settings import Settings

from .errors import (
    FolderUrlError,
    GraphError,
    GraphErrorCode,
    GraphThrottled,
    GraphUnreachable,
    Microsoft365Error,
)
from .tls import ssl_context

__all__ = [
    "CHUNK_UNIT",
    "DEFAULT_CHUNK_SIZE",
    "SMALL_UPLOAD_LIMIT",
    "AccessTokenSource",
    "DeltaResult",
    "Drive",
    "DriveItem",
    "FolderRef",
    "GraphClient",
    "Site",
    "parse_folder_url",
]

log = logging.getLogger(__name__)

SMALL_UPLOAD_LIMIT = 4 * 1024 * 1024  # Graph's limit for a single PUT of the content
CHUNK_UNIT = 320 * 1024  # upload-session chunks are multiples of this (327,680 bytes)…
MAX_CHUNK_SIZE = 60 * 1024 * 1024  # …and under 60 MiB
DEFAULT_CHUNK_SIZE = 10 * CHUNK_UNIT  # 3.125 MiB: Microsoft suggests 5 to 10 MiB; smaller survives bad links
RETRY_STATUSES = frozenset({429, 503})
# Microsoft asks SharePoint callers to identify themselves (fewer throttles for decorated traffic).
USER_AGENT = f"ISV|Baton|Baton/{__version__}"

Sleep = Callable[[float], Awaitable[None]]


class AccessTokenSource(Protocol):
    """Anything that hands out bearer tokens (TokenProvider, or a stub in a test)."""

    async def access_token(self) -> str: ...


# --- what Graph returns, typed --------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A SharePoint site: `id` is Graph's composite id ("host,site-guid,web-guid")."""

    id: str
    web_url: str
    name: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Site:
        return cls(
            id=str(data["id"]),
            web_url=str(data.get("webUrl", "")),
            name=str(data.get("displayName") or data.get("name") or ""),
        )


@dataclass(frozen=True)
class Drive:
    """A document library ("Documents", URL name "Shared Documents")."""

    id: str
    name: str
    web_url: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Drive:
        return cls(id=str(data["id"]), name=str(data.get("name", "")), web_url=str(data.get("webUrl", "")))


@dataclass(frozen=True)
class DriveItem:
    """A file or folder. In delta answers a removed item has `deleted` set and little else."""

    id: str
    name: str
    size: int
    is_folder: bool
    deleted: bool
    parent_id: str | None
    # The parent's path inside the drive ("Statements/Retail Co", "" for the root); Graph leaves it out
    # of delta answers, so follow `parent_id` there.
    parent_path: str | None
    web_url: str | None
    etag: str | None
    ctag: str | None
    mime_type: str | None
    last_modified: datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DriveItem:
        parent = data.get("parentReference") or {}
        raw_path = parent.get("path")
        parent_path = None
        if isinstance(raw_path, str):
            # "/drive/root:" or "/drives/{id}/root:/Statements/Retail Co"
            parent_path = raw_path.partition("root:")[2].strip("/")
        modified = data.get("lastModifiedDateTime")
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", "")),
            size=int(data.get("size") or 0),
            is_folder="folder" in data or "root" in data,
            deleted="deleted" in data,
            parent_id=parent.get("id"),
            parent_path=parent_path,
            web_url=data.get("webUrl"),
            etag=data.get("eTag"),
            ctag=data.get("cTag"),
            mime_type=(data.get("file") or {}).get("mimeType"),
            last_modified=_parse_time(modified) if isinstance(modified, str) else None,
        )

    @property
    def path(self) -> str | None:
        """The item's path inside the drive, when Graph said where its parent is."""
        if self.parent_path is None:
            return None
        return f"{self.parent_path}/{self.name}" if self.parent_path else self.name


class FolderRef(NamedTuple):
    """A folder resolved from its URL: the drive, the folder's item id, and its path in the drive."""

    drive_id: str
    item_id: str
    path: str


class DeltaResult(NamedTuple):
    """Changes since the last delta link: items (each once, latest state), the link to store, and
    whether Graph made Baton start over (`410 Gone`): then `items` is the whole drive, not a change set."""

    items: list[DriveItem]
    delta_link: str
    resynced: bool


# --- folder URLs ----------------------------------------------------------------------------------------


class _FolderUrl(NamedTuple):
    hostname: str
    site_path: str  # "/sites/Finance", or "" for the root site
    library: str  # the library's URL name, "Shared Documents"
    folder: str  # the path inside the library, "Statements/Retail Co" ("" for the library's root)


def parse_folder_url(url: str) -> _FolderUrl:
    """Split a SharePoint folder URL into host, site, library and folder; FolderUrlError says why not.

    Accepted forms (spaces literal or %20-encoded, a trailing slash or not):
    - `https://contoso.sharepoint.com/sites/Finance/Shared Documents/Statements/Retail Co` (also `/teams/…`)
    - `https://contoso.sharepoint.com/Shared Documents/Statements` (a library of the root site)
    - the address bar of a library view, `…/Shared Documents/Forms/AllItems.aspx?id=/sites/Finance/Shared
      Documents/Statements&viewid=…`, whose `id` (or `RootFolder`) is the folder's server-relative path.
    Not accepted: sharing links (`/:f:/s/…`), which need Graph's shares API, and folders of subsites.
    """
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise FolderUrlError(f"not an https SharePoint address: {url!r}")
    path = unquote(parts.path)
    if path.lower().endswith(".aspx"):
        query = parse_qs(parts.query)
        server_relative = (query.get("id") or query.get("RootFolder") or [""])[0]
        if not server_relative:
            raise FolderUrlError(f"this page's address does not say which folder it shows: {url!r}")
        path = server_relative
    if path.startswith("/:"):
        raise FolderUrlError("a sharing link is not a folder's address: open the folder, copy the address bar")
    segments = [s for s in path.split("/") if s]
    if segments and segments[0].lower() in ("sites", "teams"):
        if len(segments) < 2:
            raise FolderUrlError(f"no site in {url!r}")
        site_path, rest = "/" + "/".join(segments[:2]), segments[2:]
    else:
        site_path, rest = "", segments
    if not rest:
        raise FolderUrlError(f"{url!r} is a site, not a folder in one of its document libraries")
    if rest[0].startswith("_") or rest[0].lower() in ("sitepages", "lists"):
        raise FolderUrlError(f"{url!r} is not in a document library")
    return _FolderUrl(parts.hostname.lower(), site_path, rest[0], "/".join(rest[1:]))


# --- the client -----------------------------------------------------------------------------------------


def _name(segment: str) -> str:
    """One path segment (a file or folder name), percent-encoded."""
    return quote(segment, safe="")


def _id(value: str) -> str:
    """An id in a path; Graph's ids carry `!` and `,` (drive and site ids), which may stay as they are."""
    return quote(value, safe="!,")


def _drive_path(path: str) -> str:
    return "/".join(_name(s) for s in path.strip("/").split("/") if s)


def _parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _retry_after(headers: Mapping[str, str], attempt: int) -> float:
    """Seconds to wait: `Retry-After` (seconds or an HTTP date), else an exponential backoff."""
    value = headers.get("Retry-After")
    if value:
        with suppress(ValueError):
            return max(0.0, float(value))
        with suppress(TypeError, ValueError):
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return float(min(2**attempt, 30))


def _inner_codes(error: Mapping[str, Any]) -> tuple[str, ...]:
    codes: list[str] = []
    inner = error.get("innerError") or error.get("innererror")
    while isinstance(inner, Mapping):
        if isinstance(inner.get("code"), str):
            codes.append(inner["code"])
        inner = inner.get("innerError") or inner.get("innererror")
    return tuple(codes)


def _error_fields(status: int, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    request_id = headers.get("request-id") or headers.get("client-request-id")
    fields: dict[str, Any] = {
        "status": status,
        "code": GraphErrorCode.UNKNOWN.value,
        "message": body[:200].decode("utf-8", "replace") or f"HTTP {status}",
        "request_id": request_id,
        "inner_codes": (),
    }
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return fields
    if isinstance(error, Mapping):
        inner = error.get("innerError") or error.get("innererror") or {}
        fields.update(
            code=str(error.get("code") or fields["code"]),
            message=str(error.get("message") or ""),
            request_id=(inner.get("request-id") if isinstance(inner, Mapping) else None) or request_id,
            inner_codes=_inner_codes(error),
        )
    return fields


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    body = await response.read()
    if not body:
        return {}
    data = json.loads(body)
    if not isinstance(data, dict):
        raise GraphError(response.status, GraphErrorCode.UNKNOWN, "Graph answered JSON that is not an object")
    return data


Source = Path | bytes | IO[bytes]


class GraphClient:
    """Typed calls to Microsoft Graph for SharePoint files. Use `async with`, or `aclose()` when done.

    `sleep` is what waits out a `Retry-After` (tests inject one); a request is retried up to
    `max_retries` times, and not at all when Graph asks for more than `max_retry_after` seconds.
    """

    def __init__(
        self,
        tokens: AccessTokenSource,
        *,
        base_url: str = "https://graph.microsoft.com/v1.0",
        ca_bundles: Sequence[Path] = (),
        sleep: Sleep = asyncio.sleep,
        max_retries: int = 4,
        max_retry_after: float = 120.0,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        timeout: aiohttp.ClientTimeout | None = None,
    ) -> None:
        if chunk_size % CHUNK_UNIT or not 0 < chunk_size < MAX_CHUNK_SIZE:
            raise ValueError(f"chunk_size must be a multiple of {CHUNK_UNIT} bytes and under 60 MiB")
        self.base_url = base_url.rstrip("/")
        self._origin = URL(self.base_url).origin()
        self._tokens = tokens
        self._ssl = ssl_context(ca_bundles)
        self._sleep = sleep
        self._max_retries = max_retries
        self._max_retry_after = max_retry_after
        self.chunk_size = chunk_size
        # No total limit: a large download or upload may take long; a stalled socket may not.
        self._timeout = timeout or aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=120)
        self._http: aiohttp.ClientSession | None = None

    @classmethod
    def from_settings(cls, settings: Settings, tokens: AccessTokenSource, **options: Any) -> GraphClient:
        """The client for MS_GRAPH_URL, trusting Settings' CA bundle."""
        return cls(tokens, base_url=settings.MS_GRAPH_URL, ca_bundles=settings.ca_bundles, **options)

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session."""
        if self._http is not None:
            await self._http.close()
            self._http = None

    # --- sites, libraries, folders ------------------------------------------------------------------

    async def resolve_site(self, site_url: str) -> Site:
        """The site at `site_url` ("https://contoso.sharepoint.com/sites/Finance"; the bare host is the
        root site), via `GET /sites/{hostname}:/{server-relative-path}`."""
        parts = urlsplit(site_url.strip())
        if parts.scheme != "https" or not parts.hostname:
            raise FolderUrlError(f"not an https SharePoint address: {site_url!r}")
        return await self._site(parts.hostname.lower(), unquote(parts.path).rstrip("/"))

    async def site_drive(self, site_id: str) -> Drive:
        """The site's default document library."""
        return Drive.from_json(await self._get_json(self._url(f"sites/{_id(site_id)}/drive")))

    async def site_drives(self, site_id: str) -> list[Drive]:
        """All the site's document libraries."""
        values = await self._collect(self._url(f"sites/{_id(site_id)}/drives"))
        return [Drive.from_json(v) for v in values]

    async def resolve_folder(self, folder_url: str) -> FolderRef:
        """The drive, item id and drive path of the folder at `folder_url` (forms: `parse_folder_url`).

        FolderUrlError when the URL is not a folder of a document library, or there is no such folder.
        """
        parsed = parse_folder_url(folder_url)
        site = await self._site(parsed.hostname, parsed.site_path)
        library_path = f"{parsed.site_path}/{parsed.library}".lower()
        drives = await self.site_drives(site.id)
        drive = next((d for d in drives if unquote(urlsplit(d.web_url).path).lower() == library_path), None)
        if drive is None:
            where = site.web_url or parsed.site_path
            raise FolderUrlError(f"no document library {parsed.library!r} on the site {where}")
        try:
            item = await self.item_by_path(drive.id, parsed.folder)
        except GraphError as e:
            if e.has_code(GraphErrorCode.ITEM_NOT_FOUND):
                where = drive.web_url or parsed.library
                raise FolderUrlError(f"no folder {parsed.folder!r} in {where}") from e
            raise
        if not item.is_folder:
            raise FolderUrlError(f"{folder_url!r} is a file, not a folder")
        return FolderRef(drive.id, item.id, parsed.folder)

    async def item_by_path(self, drive_id: str, path: str) -> DriveItem:
        """The file or folder at `path` inside the drive ("" is the root)."""
        return DriveItem.from_json(await self._get_json(self._url(self._by_path(drive_id, path))))

    async def item(self, drive_id: str, item_id: str) -> DriveItem:
        """The file or folder with this id."""
        url = self._url(f"drives/{_id(drive_id)}/items/{_id(item_id)}")
        return DriveItem.from_json(await self._get_json(url))

    async def list_children(self, drive_id: str, path: str) -> list[DriveItem]:
        """The files and folders in the folder at `path` ("" for the root), every page of them."""
        base = self._by_path(drive_id, path)
        url = self._url(f"{base}:/children" if path.strip("/") else f"{base}/children")
        return [DriveItem.from_json(v) for v in await self._collect(url)]

    # --- changes --------------------------------------------------------------------------------------

    async def delta(self, drive_id: str, item_or_root: str = "root", delta_link: str | None = None) -> DeltaResult:
        """Changes under `item_or_root` since `delta_link` (everything when None), and the link to store.

        Follows `@odata.nextLink` to the `@odata.deltaLink`. When Graph answers `410 Gone` (the link has
        expired) it starts over from scratch and says so (`resynced`). On SharePoint and OneDrive for
        Business delta works on the drive's root only: watch the root and keep the items whose
        `parent_id` is the folder's.
        """
        scope = "root" if item_or_root == "root" else f"items/{_id(item_or_root)}"
        start = self._url(f"drives/{_id(drive_id)}/{scope}/delta")
        resynced = False
        url = self._next_url(delta_link) if delta_link else start
        while True:
            try:
                items, link = await self._delta_pages(url)
            except GraphError as e:
                if e.status != 410 or resynced or url == start:
                    raise
                log.info("Graph delta link expired (%s); starting over", e.code)
                resynced, url = True, start
                continue
            return DeltaResult(items, link, resynced)

    async def _delta_pages(self, url: URL) -> tuple[list[DriveItem], str]:
        latest: dict[str, DriveItem] = {}
        next_url: URL | None = url
        while next_url is not None:
            page = await self._get_json(next_url)
            for value in page.get("value", []):
                item = DriveItem.from_json(value)
                latest.pop(item.id, None)  # an item may come twice: its last state wins, in its last place
                latest[item.id] = item
            if link := page.get("@odata.nextLink"):
                next_url = self._next_url(link)
            elif link := page.get("@odata.deltaLink"):
                return list(latest.values()), str(link)
            else:
                raise GraphError(200, GraphErrorCode.UNKNOWN, "delta page has neither nextLink nor deltaLink")
        raise AssertionError("unreachable")

    # --- downloads ------------------------------------------------------------------------------------

    async def download(self, drive_id: str, item_id: str) -> bytes:
        """The file's bytes (in memory: for statements and other small files; see `download_to`)."""
        async with self._content(drive_id, item_id) as response:
            return await response.read()

    async def download_to(self, drive_id: str, item_id: str, destination: Path) -> int:
        """Stream the file into `destination` (replaced only when complete); returns the byte count."""
        partial = destination.with_name(destination.name + ".part")
        written = 0
        out = await asyncio.to_thread(partial.open, "wb")
        try:
            async with self._content(drive_id, item_id) as response:
                async for chunk in response.content.iter_chunked(1 << 20):
                    await asyncio.to_thread(out.write, chunk)
                    written += len(chunk)
            await asyncio.to_thread(out.close)
            await asyncio.to_thread(partial.replace, destination)
        except BaseException:
            out.close()
            partial.unlink(missing_ok=True)
            raise
        return written

    @asynccontextmanager
    async def _content(self, drive_id: str, item_id: str) -> AsyncIterator[aiohttp.ClientResponse]:
        url = self._url(f"drives/{_id(drive_id)}/items/{_id(item_id)}/content")
        async with self._request("GET", url) as first:
            if first.status not in (301, 302, 303, 307, 308):
                yield first
                return
            location = first.headers.get("Location")
        if not location:
            raise GraphError(first.status, GraphErrorCode.UNKNOWN, "download redirect without a Location")
        # A pre-authenticated URL: the token must not travel there (it may be another host, and Graph
        # refuses it anyway).
        async with self._request("GET", URL(location, encoded=True), auth=False) as content:
            yield content

    # --- uploads --------------------------------------------------------------------------------------

    async def upload(
        self, drive_id: str, parent_id: str, name: str, source: Source, size: int | None = None
    ) -> DriveItem:
        """Upload into the folder `parent_id` as `name` (renamed on a clash), small or large as fits."""
        size = await _size_of(source, size)
        if size <= SMALL_UPLOAD_LIMIT:
            data = source if isinstance(source, bytes) else await _read_all(source, size)
            return await self.upload_small(drive_id, parent_id, name, data)
        return await self.upload_large(drive_id, parent_id, name, source, size)

    async def upload_small(self, drive_id: str, parent_id: str, name: str, data: bytes) -> DriveItem:
        """One PUT of up to 4 MiB; a clash with an existing name gets a new name ("name 1.pdf")."""
        if len(data) > SMALL_UPLOAD_LIMIT:
            raise ValueError(f"upload_small takes at most {SMALL_UPLOAD_LIMIT} bytes; use upload_large")
        url = self._url(
            f"drives/{_id(drive_id)}/items/{_id(parent_id)}:/{_name(name)}:/content",
            "@microsoft.graph.conflictBehavior=rename",
        )
        headers = {"Content-Type": "application/octet-stream"}
        async with self._request("PUT", url, data=data, headers=headers) as response:
            return DriveItem.from_json(await _json(response))

    async def upload_large(
        self, drive_id: str, parent_id: str, name: str, source: Source, size: int | None = None
    ) -> DriveItem:
        """Upload through an upload session: sequential chunks of `chunk_size`, renamed on a name clash.

        `source` is a path, bytes, or a binary file object positioned at the start of `size` bytes.
        The session's URL is pre-authenticated, so the chunks go without the token. A failure cancels
        the session.
        """
        size = await _size_of(source, size)
        if size == 0:
            return await self.upload_small(drive_id, parent_id, name, b"")
        parent = f"drives/{_id(drive_id)}/items/{_id(parent_id)}"
        create = self._url(f"{parent}:/{_name(name)}:/createUploadSession")
        body = {"item": {"@microsoft.graph.conflictBehavior": "rename"}}
        async with self._request("POST", create, json_body=body) as response:
            upload_url = URL(str((await _json(response))["uploadUrl"]), encoded=True)
        try:
            async with _opened(source) as stream:
                return await self._send_chunks(upload_url, stream, size)
        except Exception:
            await self._cancel_session(upload_url)
            raise

    async def _send_chunks(self, upload_url: URL, stream: IO[bytes], size: int) -> DriveItem:
        offset = 0
        while offset < size:
            wanted = min(self.chunk_size, size - offset)
            chunk = await asyncio.to_thread(_read_exactly, stream, wanted)
            if len(chunk) != wanted:
                raise ValueError(f"the source ended before byte {offset + wanted} of the {size} announced")
            end = offset + len(chunk) - 1
            headers = {
                "Content-Range": f"bytes {offset}-{end}/{size}",
                "Content-Type": "application/octet-stream",
            }
            async with self._request("PUT", upload_url, auth=False, data=chunk, headers=headers) as response:
                status, answer = response.status, await _json(response)
            offset = end + 1
            if status in (200, 201):
                if offset != size:
                    why = f"upload completed at byte {offset} of {size}"
                    raise GraphError(status, GraphErrorCode.INVALID_RANGE, why)
                return DriveItem.from_json(answer)
            expected = [str(r) for r in answer.get("nextExpectedRanges", [])]
            if status != 202 or not expected or not expected[0].startswith(f"{offset}-"):
                why = f"upload session expects {expected} after byte {offset}"
                raise GraphError(status, GraphErrorCode.INVALID_RANGE, why)
        raise GraphError(202, GraphErrorCode.INVALID_RANGE, "upload session incomplete after the last byte")

    async def _cancel_session(self, upload_url: URL) -> None:
        with suppress(Microsoft365Error):
            async with self._request("DELETE", upload_url, auth=False):
                pass

    # --- plumbing -------------------------------------------------------------------------------------

    def _url(self, path: str, query: str = "") -> URL:
        """`path` (already percent-encoded) under the base URL, as given."""
        return URL(f"{self.base_url}/{path}" + (f"?{query}" if query else ""), encoded=True)

    def _next_url(self, link: str) -> URL:
        """A `@odata.nextLink`/`deltaLink`, kept byte for byte, and only to Graph's own origin (it will
        carry the token)."""
        url = URL(link, encoded=True)
        if url.origin() != self._origin:
            raise Microsoft365Error(f"Graph sent a link to another origin: {url.origin()}")
        return url

    @staticmethod
    def _by_path(drive_id: str, path: str) -> str:
        encoded = _drive_path(path)
        return f"drives/{_id(drive_id)}/root:/{encoded}" if encoded else f"drives/{_id(drive_id)}/root"

    async def _site(self, hostname: str, site_path: str) -> Site:
        encoded = "/".join(_name(s) for s in site_path.split("/") if s)
        path = f"sites/{_name(hostname)}:/{encoded}" if encoded else f"sites/{_name(hostname)}"
        return Site.from_json(await self._get_json(self._url(path)))

    async def _get_json(self, url: URL) -> dict[str, Any]:
        async with self._request("GET", url) as response:
            return await _json(response)

    async def _collect(self, url: URL) -> list[dict[str, Any]]:
        """Every `value` of a collection, following `@odata.nextLink` (absolute) page after page."""
        values: list[dict[str, Any]] = []
        next_url: URL | None = url
        while next_url is not None:
            page = await self._get_json(next_url)
            values.extend(page.get("value", []))
            link = page.get("@odata.nextLink")
            next_url = self._next_url(link) if link else None
        return values

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=self._ssl),
                timeout=self._timeout,
                headers={"User-Agent": USER_AGENT},
            )
        return self._http

    @asynccontextmanager
    async def _request(
        self,
        method: str,
        url: URL,
        *,
        auth: bool = True,
        data: bytes | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send, retrying 429/503 after `Retry-After`; an error status raises GraphError, no answer at all
        GraphUnreachable. Redirects are not followed (a download's redirect must drop the token)."""
        attempt = 0
        while True:
            sent = dict(headers or {})
            if auth:
                sent["Authorization"] = f"Bearer {await self._tokens.access_token()}"
            if json_body is not None:
                sent["Content-Type"] = "application/json"
            body = json.dumps(json_body).encode() if json_body is not None else data
            # A fresh reader per attempt (a retry resends it); aiohttp would stream raw bytes over 1 MiB
            # in one go, holding the loop.
            payload = BytesIO(body) if body is not None else None
            try:
                response = await self._session().request(method, url, data=payload, headers=sent, allow_redirects=False)
            except (aiohttp.ClientError, TimeoutError) as e:
                raise GraphUnreachable(f"{method} {url.host}: {type(e).__name__}: {e}") from e
            try:
                if response.status in RETRY_STATUSES:
                    fields = _error_fields(response.status, await response.read(), response.headers)
                    delay = _retry_after(response.headers, attempt)
                    if attempt >= self._max_retries or delay > self._max_retry_after:
                        raise GraphThrottled(retry_after=delay, **fields)
                    attempt += 1
                    log.info("Graph %s %s: %d, retrying in %.1fs", method, url.path, response.status, delay)
                elif response.status >= 400:
                    answer = await response.read()
                    raise GraphError(**_error_fields(response.status, answer, response.headers))
                else:
                    try:
                        yield response
                    except (aiohttp.ClientError, TimeoutError) as e:  # reading the body broke off
                        raise GraphUnreachable(f"{method} {url.host}: {type(e).__name__}: {e}") from e
                    return
            finally:
                response.release()
            await self._sleep(delay)


async def _size_of(source: Source, size: int | None) -> int:
    if size is not None:
        return size
    if isinstance(source, bytes):
        return len(source)
    if isinstance(source, Path):
        return (await asyncio.to_thread(source.stat)).st_size
    raise ValueError("give the size of a stream")


async def _read_all(source: Path | IO[bytes], size: int) -> bytes:
    if isinstance(source, Path):
        return await asyncio.to_thread(source.read_bytes)
    data: bytes = await asyncio.to_thread(source.read, size)
    return data


def _read_exactly(stream: IO[bytes], n: int) -> bytes:
    """Up to `n` bytes, fewer only at the end (a pipe may hand them over in pieces; chunks must be whole)."""
    parts: list[bytes] = []
    missing = n
    while missing:
        part = stream.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


@asynccontextmanager
async def _opened(source: Source) -> AsyncIterator[IO[bytes]]:
    if isinstance(source, bytes):
        yield BytesIO(source)
    elif isinstance(source, Path):
        handle = await asyncio.to_thread(source.open, "rb")
        try:
            yield handle
        finally:
            handle.close()
    else:
        yield source
