"""A fake Microsoft 365 on 127.0.0.1 over TLS: the identity provider msal talks to, and Graph's files API.

msal refuses plain http, so the fake serves https with a certificate from a throwaway CA (trustme, a test
dependency imported only when a fake starts) and writes that CA to `ca_bundle` for SSL_CERT_FILE /
REQUESTS_CA_BUNDLE. It keeps state — sites, libraries, folders and files with their bytes, upload sessions,
issued tokens — so tests and the demo assert what a person would find in SharePoint, and records every
request (`requests`) and every way a client breaks Graph's contract (`violations`).

    async with FakeMicrosoft365(tmp_path) as m365:
        finance = m365.add_site("contoso.sharepoint.com", "/sites/Finance")
        m365.add_file(finance.drive, "Statements/Retail Co/RC-001_2026-11.pdf", b"%PDF-1.7 ...")
        settings = load_settings({**m365.settings_env(), "DATABASE_URL": ...})
        # TokenProvider.from_settings(settings) and GraphClient.from_settings(...) now talk to the fake.

Identity provider: `GET /{tenant}/v2.0/.well-known/openid-configuration` (what msal reads with instance
discovery off: `authorization_endpoint`, `token_endpoint`, `issuer`) and `POST /{tenant}/oauth2/v2.0/token`
(client credentials with a secret, or a `client_assertion` JWT whose signature is checked against the
registered certificate). Graph under `/v1.0`. Pre-authenticated download and upload URLs under `/_download`
and `/_upload`, which refuse a request that carries an Authorization header, as SharePoint's do.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import shutil
import ssl
import tempfile
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import web

__all__ = [
    "CLIENT_ASSERTION_TYPE",
    "FakeDrive",
    "FakeItem",
    "FakeMicrosoft365",
    "FakeRequest",
    "FakeRoute",
    "FakeSite",
    "FakeUploadSession",
]

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default"
CHUNK_UNIT = 320 * 1024
MAX_CHUNK = 60 * 1024 * 1024
SMALL_UPLOAD_LIMIT = 4 * 1024 * 1024


class FakeRoute(StrEnum):
    """The fake's routes, by name: what `fail_next` targets and `FakeRequest.route` records."""

    OPENID_CONFIGURATION = "openid_configuration"
    TOKEN = "token"
    SITE = "site"
    SITE_DRIVE = "site_drive"
    SITE_DRIVES = "site_drives"
    ITEM = "item"
    CHILDREN = "children"
    DELTA = "delta"
    CONTENT = "content"
    DOWNLOAD = "download"  # the pre-authenticated URL a content request redirects to
    UPLOAD_SMALL = "upload_small"
    CREATE_UPLOAD_SESSION = "create_upload_session"
    UPLOAD_CHUNK = "upload_chunk"  # PUT/GET/DELETE on an upload session's URL
    UNKNOWN = "unknown"


@dataclass
class FakeRequest:
    """One request as the fake saw it (headers as sent; the body only by size)."""

    route: FakeRoute
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body_size: int
    status: int = 0

    @property
    def authorization(self) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == "authorization"), None)


@dataclass
class FakeItem:
    """A file (`data` holds its bytes) or a folder in a fake library. Deleted items stay, flagged."""

    id: str
    name: str
    parent_id: str | None
    is_folder: bool
    data: bytes = b""
    seq: int = 0  # the change sequence number of its last change, for delta
    version: int = 1
    deleted: bool = False
    modified: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class FakeDrive:
    """A document library: `url_name` is its URL segment ("Shared Documents"), `name` its title."""

    id: str
    name: str
    url_name: str
    web_url: str
    root_id: str
    items: dict[str, FakeItem] = field(default_factory=dict)

    def live(self, item_id: str) -> FakeItem | None:
        item = self.items.get(item_id)
        return item if item is not None and not item.deleted else None

    def children(self, folder_id: str) -> list[FakeItem]:
        return sorted(
            (i for i in self.items.values() if i.parent_id == folder_id and not i.deleted),
            key=lambda i: i.name.lower(),
        )

    def child(self, folder_id: str, name: str) -> FakeItem | None:
        # SharePoint names are case-insensitive.
        return next((i for i in self.children(folder_id) if i.name.lower() == name.lower()), None)

    def find(self, path: str) -> FakeItem | None:
        """The live item at `path` ("" is the root)."""
        item = self.items[self.root_id]
        for name in (s for s in path.split("/") if s):
            found = self.child(item.id, name)
            if found is None:
                return None
            item = found
        return item

    def path_of(self, item: FakeItem) -> str:
        names: list[str] = []
        while item.parent_id is not None:
            names.append(item.name)
            item = self.items[item.parent_id]
        return "/".join(reversed(names))

    def file(self, path: str) -> bytes:
        """The bytes of the file at `path`; KeyError when there is none."""
        item = self.find(path)
        if item is None or item.is_folder:
            raise KeyError(path)
        return item.data

    def names(self, folder_path: str = "") -> list[str]:
        """The names in the folder at `folder_path`, sorted."""
        folder = self.find(folder_path)
        if folder is None:
            raise KeyError(folder_path)
        return [i.name for i in self.children(folder.id)]


@dataclass
class FakeSite:
    id: str
    hostname: str
    path: str  # "/sites/Finance", "" for the root site
    name: str
    web_url: str
    drives: list[FakeDrive] = field(default_factory=list)

    @property
    def drive(self) -> FakeDrive:
        """The default library ("Documents" at "Shared Documents")."""
        return self.drives[0]


@dataclass
class FakeUploadSession:
    """An upload session: what arrived so far, and each chunk's (start, end, total, length)."""

    id: str
    drive: FakeDrive
    parent_id: str
    name: str
    conflict_behavior: str
    total: int | None = None
    received: bytearray = field(default_factory=bytearray)
    chunks: list[tuple[int, int, int, int]] = field(default_factory=list)
    expires: datetime = field(default_factory=lambda: datetime.now(UTC) + timedelta(hours=1))


@dataclass(frozen=True)
class _Fault:
    status: int
    retry_after: float | None
    code: str | None


# Typed request storage; aiohttp before 3.13-ish has no RequestKey (and no warning for a plain str).
_RECORD: Any = web.RequestKey("record", FakeRequest) if hasattr(web, "RequestKey") else "record"


def _new_id() -> str:
    return "01" + secrets.token_hex(16).upper()


def _graph_error(status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> web.Response:
    request_id = secrets.token_hex(8)
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"request-id": request_id, "date": datetime.now(UTC).isoformat(timespec="seconds")},
        }
    }
    return web.json_response(body, status=status, headers={"request-id": request_id, **(headers or {})})


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


class FakeMicrosoft365:
    """Entra ID's token endpoint and Graph's SharePoint files API, in one TLS server on 127.0.0.1.

    `directory` receives the CA bundle (a temporary folder, removed on close, when None). Register more
    apps with `add_client`. State is plain attributes: `sites`, `drives`, `upload_sessions`,
    `token_requests`, `issued_tokens`, `requests`, `violations`.
    """

    def __init__(
        self,
        directory: Path | None = None,
        *,
        tenant_id: str = "contoso-tenant",
        client_id: str = "baton-app-id",
        client_secret: str | None = "fake-client-secret",
        page_size: int = 100,
        token_lifetime: int = 3599,
    ) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.page_size = page_size
        self.token_lifetime = token_lifetime
        self.secrets: dict[str, str] = {}
        self.certificates: dict[str, bytes] = {}  # client id -> certificate PEM
        if client_secret is not None:
            self.secrets[client_id] = client_secret
        self.sites: list[FakeSite] = []
        self.drives: dict[str, FakeDrive] = {}
        self.upload_sessions: dict[str, FakeUploadSession] = {}
        self.completed_uploads: list[FakeUploadSession] = []
        self.downloads: dict[str, tuple[str, str]] = {}  # pre-authenticated token -> (drive id, item id)
        self.token_requests = 0
        self.discovery_requests = 0
        self.issued_tokens: set[str] = set()
        self.token_forms: list[dict[str, str]] = []  # each token request's form fields, as sent
        self.requests: list[FakeRequest] = []
        self.violations: list[str] = []
        self._faults: dict[FakeRoute, deque[_Fault]] = {}
        self._seq = 0
        self._delta_epoch = 0
        self._own_directory = directory is None
        self.directory = directory or Path(tempfile.mkdtemp(prefix="fake-m365-"))
        self.ca_bundle = self.directory / "fake-m365-ca.pem"
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ------------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeMicrosoft365:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1 (any free port unless given) with a certificate from a fresh test CA."""
        import trustme  # a test dependency: only a running fake needs it

        ca = trustme.CA()
        server_cert = ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_cert.configure_cert(context)
        self.directory.mkdir(parents=True, exist_ok=True)
        ca.cert_pem.write_to_path(str(self.ca_bundle))

        app = web.Application(middlewares=[self._record], client_max_size=MAX_CHUNK + 1024)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._openid_configuration)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_route("*", "/v1.0/{tail:.*}", self._graph)
        app.router.add_get("/_download/{token}", self._download)
        app.router.add_route("*", "/_upload/{session}", self._upload_chunk)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, ssl_context=context)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def authority_url(self) -> str:
        """For MS_AUTHORITY_URL (msal appends the tenant)."""
        return self.base_url

    @property
    def graph_url(self) -> str:
        """For MS_GRAPH_URL."""
        return f"{self.base_url}/v1.0"

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}/{self.tenant_id}/oauth2/v2.0/token"

    def settings_env(
        self,
        *,
        client_secret: str | None = None,
        certificate_path: Path | None = None,
        bundle_variable: str = "SSL_CERT_FILE",
    ) -> dict[str, str]:
        """The MS_* variables (and the CA bundle under `bundle_variable`) that point Baton at this fake."""
        env = {
            "MS_TENANT_ID": self.tenant_id,
            "MS_CLIENT_ID": self.client_id,
            "MS_AUTHORITY_URL": self.authority_url,
            "MS_GRAPH_URL": self.graph_url,
            bundle_variable: str(self.ca_bundle),
        }
        if certificate_path is not None:
            env["MS_CLIENT_CERT_PATH"] = str(certificate_path)
        else:
            env["MS_CLIENT_SECRET"] = client_secret if client_secret is not None else (self.client_secret or "")
        return env

    # --- building content -----------------------------------------------------------------------------

    def add_client(self, client_id: str, *, secret: str | None = None, certificate_pem: bytes | None = None) -> None:
        """Register an app that may get tokens, by secret or by certificate (PEM)."""
        if secret is not None:
            self.secrets[client_id] = secret
        if certificate_pem is not None:
            self.certificates[client_id] = certificate_pem

    def add_site(self, hostname: str, path: str, name: str | None = None) -> FakeSite:
        """A site ("/sites/Finance"; "" for the root site) with its default library, "Documents"."""
        path = "/" + path.strip("/") if path.strip("/") else ""
        site = FakeSite(
            id=f"{hostname},{secrets.token_hex(4)}-site,{secrets.token_hex(4)}-web",
            hostname=hostname.lower(),
            path=path,
            name=name or (path.rsplit("/", 1)[-1] or hostname),
            web_url=f"https://{hostname}{path}",
        )
        self.sites.append(site)
        self.add_library(site, "Documents", "Shared Documents")
        return site

    def add_library(self, site: FakeSite, name: str, url_name: str) -> FakeDrive:
        root = FakeItem(id=_new_id(), name="root", parent_id=None, is_folder=True, seq=self._next_seq())
        drive = FakeDrive(
            id="b!" + secrets.token_urlsafe(24),
            name=name,
            url_name=url_name,
            web_url=f"{site.web_url}/{quote(url_name)}",
            root_id=root.id,
            items={root.id: root},
        )
        site.drives.append(drive)
        self.drives[drive.id] = drive
        return drive

    def add_folder(self, drive: FakeDrive, path: str) -> FakeItem:
        """The folder at `path`, made with any missing parents."""
        item = drive.items[drive.root_id]
        for name in (s for s in path.split("/") if s):
            found = drive.child(item.id, name)
            if found is None:
                found = FakeItem(id=_new_id(), name=name, parent_id=item.id, is_folder=True, seq=self._next_seq())
                drive.items[found.id] = found
            item = found
        return item

    def add_file(self, drive: FakeDrive, path: str, data: bytes) -> FakeItem:
        """Put a file at `path` (replacing one of the same name), as the ERP's drop would."""
        folder_path, _, name = path.strip("/").rpartition("/")
        folder = self.add_folder(drive, folder_path)
        return self._store(drive, folder.id, name, data, behavior="replace")

    def delete(self, drive: FakeDrive, path: str) -> None:
        item = drive.find(path)
        if item is None:
            raise KeyError(path)
        item.deleted = True
        item.seq = self._next_seq()

    # --- faults ---------------------------------------------------------------------------------------

    def fail_next(
        self,
        route: FakeRoute,
        n: int = 1,
        *,
        status: int = 429,
        retry_after: float | None = 1,
        code: str | None = None,
    ) -> None:
        """Answer the next `n` requests of `route` with `status` (429 by default) and `Retry-After`."""
        queue = self._faults.setdefault(route, deque())
        queue.extend(_Fault(status, retry_after, code) for _ in range(n))

    def expire_delta_links(self) -> None:
        """Make every delta link handed out so far answer `410 Gone` (resyncRequired)."""
        self._delta_epoch += 1

    def requests_to(self, route: FakeRoute) -> list[FakeRequest]:
        return [r for r in self.requests if r.route is route]

    # --- plumbing -------------------------------------------------------------------------------------

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        body = await request.read()
        entry = FakeRequest(
            route=FakeRoute.UNKNOWN,
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            body_size=len(body),
        )
        self.requests.append(entry)
        request[_RECORD] = entry
        try:
            response = await handler(request)
        except web.HTTPException as e:  # the 404s and the download's 302, raised by handlers
            entry.status = e.status
            raise
        entry.status = response.status
        return response

    def _route(self, request: web.Request, route: FakeRoute) -> web.Response | None:
        """Name the request's route; answer an injected fault when one is queued for it."""
        request[_RECORD].route = route
        queue = self._faults.get(route)
        if not queue:
            return None
        fault = queue.popleft()
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        if route in (FakeRoute.TOKEN, FakeRoute.OPENID_CONFIGURATION):
            response = _oauth_error(fault.status, fault.code or "temporarily_unavailable", "injected fault")
            response.headers.update(headers)
            return response
        default = "activityLimitReached" if fault.status == 429 else "serviceNotAvailable"
        return _graph_error(fault.status, fault.code or default, "injected fault", headers=headers)

    # --- identity provider ----------------------------------------------------------------------------

    async def _openid_configuration(self, request: web.Request) -> web.Response:
        if fault := self._route(request, FakeRoute.OPENID_CONFIGURATION):
            return fault
        self.discovery_requests += 1
        tenant = request.match_info["tenant"]
        if tenant != self.tenant_id:
            return _oauth_error(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
        base = f"{self.base_url}/{tenant}"
        return web.json_response(
            {
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "issuer": f"{base}/v2.0",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
                "response_types_supported": ["code", "id_token", "token"],
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        if fault := self._route(request, FakeRoute.TOKEN):
            self.token_requests += 1
            return fault
        self.token_requests += 1
        if request.match_info["tenant"] != self.tenant_id:
            return _oauth_error(400, "invalid_tenant", "AADSTS90002: Tenant not found.")
        form = await request.post()
        fields = {k: str(v) for k, v in form.items()}
        self.token_forms.append(fields)
        if fields.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials here")
        if set(fields.get("scope", "").split()) != {GRAPH_DEFAULT_SCOPE}:
            return _oauth_error(400, "invalid_scope", f"AADSTS1002012: scope {fields.get('scope')!r} is not valid.")
        client_id = fields.get("client_id", "")
        if client_id not in self.secrets and client_id not in self.certificates:
            return _oauth_error(400, "unauthorized_client", f"AADSTS700016: Application '{client_id}' not found.")
        if "client_assertion" in fields:
            problem = self._assertion_problem(client_id, fields)
        else:
            problem = self._secret_problem(client_id, fields, request.headers.get("Authorization"))
        if problem:
            return _oauth_error(401, "invalid_client", problem)
        token = f"fake-access-{self.token_requests}-{secrets.token_urlsafe(16)}"
        self.issued_tokens.add(token)
        return web.json_response({"token_type": "Bearer", "expires_in": self.token_lifetime, "access_token": token})

    def _secret_problem(self, client_id: str, fields: dict[str, str], authorization: str | None) -> str | None:
        secret = fields.get("client_secret")
        if secret is None and authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode()
            secret = unquote(decoded.partition(":")[2])
        if client_id not in self.secrets:
            return "AADSTS7000218: a client_assertion or client_secret is required."
        if not secret or not secrets.compare_digest(secret, self.secrets[client_id]):
            return "AADSTS7000215: Invalid client secret provided."
        return None

    def _assertion_problem(self, client_id: str, fields: dict[str, str]) -> str | None:
        """Check a client assertion as Entra does: type, thumbprint, signature, audience, issuer, subject."""
        import jwt  # PyJWT comes with msal
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes

        if fields.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            return "AADSTS7000219: client_assertion_type must be jwt-bearer."
        pem = self.certificates.get(client_id)
        if pem is None:
            return "AADSTS700027: no certificate is registered for the application."
        certificate = x509.load_pem_x509_certificate(pem)
        assertion = fields["client_assertion"]
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as e:
            return f"AADSTS50027: invalid JWT ({e})."

        def thumbprint(algorithm: hashes.HashAlgorithm) -> str:
            return base64.urlsafe_b64encode(certificate.fingerprint(algorithm)).decode()

        if "x5t#S256" in header:
            if header["x5t#S256"].rstrip("=") != thumbprint(hashes.SHA256()).rstrip("="):
                return "AADSTS700027: the certificate (x5t#S256) is not registered on the application."
        elif "x5t" in header:
            if header["x5t"].rstrip("=") != thumbprint(hashes.SHA1()).rstrip("="):
                return "AADSTS700027: the certificate (x5t) is not registered on the application."
        else:
            return "AADSTS700027: the assertion names no certificate (x5t or x5t#S256)."
        if header.get("alg") not in ("RS256", "PS256"):
            return f"AADSTS5002730: algorithm {header.get('alg')!r} is not supported."
        try:
            claims = jwt.decode(
                assertion,
                key=certificate.public_key(),  # type: ignore[arg-type]
                algorithms=[str(header["alg"])],
                audience=self.token_endpoint,
                options={"require": ["aud", "exp", "iss", "sub", "jti"]},
            )
        except jwt.PyJWTError as e:
            return f"AADSTS700027: client assertion failed signature validation ({e})."
        if claims["iss"] != client_id or claims["sub"] != client_id:
            return "AADSTS700023: the assertion's issuer and subject must be the client id."
        return None

    # --- Graph ----------------------------------------------------------------------------------------

    _GRAPH_ROUTES: tuple[tuple[str, re.Pattern[str], FakeRoute], ...] = (
        ("GET", re.compile(r"sites/(?P<host>[^/:]+):(?P<path>/[^:]*?):?"), FakeRoute.SITE),
        ("GET", re.compile(r"sites/(?P<host>[^/:]+)"), FakeRoute.SITE),
        ("GET", re.compile(r"sites/(?P<site>[^/:]+)/drive"), FakeRoute.SITE_DRIVE),
        ("GET", re.compile(r"sites/(?P<site>[^/:]+)/drives"), FakeRoute.SITE_DRIVES),
        ("GET", re.compile(r"drives/(?P<drive>[^/]+)/root"), FakeRoute.ITEM),
        ("GET", re.compile(r"drives/(?P<drive>[^/]+)/root/children"), FakeRoute.CHILDREN),
        ("GET", re.compile(r"drives/(?P<drive>[^/]+)/root:/(?P<path>[^:]+):/children"), FakeRoute.CHILDREN),
        ("GET", re.compile(r"drives/(?P<drive>[^/]+)/root:/(?P<path>[^:]+?):?"), FakeRoute.ITEM),
        ("GET", re.compile(r"drives/(?P<drive>[^/]+)/items/(?P<item>[^/:]+)"), FakeRoute.ITEM),
        ("GET", re.compile(r"drives/(?P<drive>[^/]+)/items/(?P<item>[^/:]+)/children"), FakeRoute.CHILDREN),
        (
            "GET",
            re.compile(r"drives/(?P<drive>[^/]+)/(?:root|items/(?P<item>[^/:]+))/delta"),
            FakeRoute.DELTA,
        ),
        ("GET", re.compile(r"drives/(?P<drive>[^/]+)/items/(?P<item>[^/:]+)/content"), FakeRoute.CONTENT),
        (
            "PUT",
            re.compile(r"drives/(?P<drive>[^/]+)/items/(?P<item>[^/:]+):/(?P<name>[^/:]+):/content"),
            FakeRoute.UPLOAD_SMALL,
        ),
        (
            "POST",
            re.compile(r"drives/(?P<drive>[^/]+)/items/(?P<item>[^/:]+):/(?P<name>[^/:]+):/createUploadSession"),
            FakeRoute.CREATE_UPLOAD_SESSION,
        ),
    )

    async def _graph(self, request: web.Request) -> web.Response:
        raw = request.rel_url.raw_path.removeprefix("/v1.0/")
        for method, pattern, route in self._GRAPH_ROUTES:  # noqa: B007 - `route` is used after the loop
            match = pattern.fullmatch(raw)
            if match and request.method == method:
                break
        else:
            request[_RECORD].route = FakeRoute.UNKNOWN
            return _graph_error(400, "invalidRequest", f"Unsupported request: {request.method} {request.path}")
        if fault := self._route(request, route):
            return fault
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ")
        if not authorization.startswith("Bearer ") or token not in self.issued_tokens:
            return _graph_error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
        args = {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
        handler = getattr(self, f"_graph_{route.value}")
        response: web.Response = await handler(request, **args)
        return response

    def _drive_or_404(self, drive_id: str) -> FakeDrive:
        drive = self.drives.get(drive_id)
        if drive is None:
            raise web.HTTPNotFound(
                text=json.dumps({"error": {"code": "itemNotFound", "message": "The drive cannot be found."}}),
                content_type="application/json",
            )
        return drive

    def _item_or_404(self, drive: FakeDrive, item_id: str | None = None, path: str | None = None) -> FakeItem:
        item = drive.find(path) if path is not None else drive.live(item_id or drive.root_id)
        if item is None:
            raise web.HTTPNotFound(
                text=json.dumps({"error": {"code": "itemNotFound", "message": "The resource could not be found."}}),
                content_type="application/json",
            )
        return item

    def _item_json(self, drive: FakeDrive, item: FakeItem, *, with_path: bool = True) -> dict[str, Any]:
        if item.deleted:
            return {
                "id": item.id,
                "name": item.name,
                "deleted": {"state": "deleted"},
                "parentReference": {"driveId": drive.id, "id": item.parent_id},
            }
        data: dict[str, Any] = {
            "id": item.id,
            "name": item.name,
            "eTag": f'"{{{item.id}}},{item.version}"',
            "cTag": f'"c:{{{item.id}}},{item.version}"',
            "size": len(item.data) if not item.is_folder else sum(len(i.data) for i in drive.children(item.id)),
            "lastModifiedDateTime": item.modified.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "webUrl": drive.web_url + ("/" + quote(drive.path_of(item)) if item.parent_id else ""),
        }
        if item.parent_id is None:
            data["root"] = {}
        else:
            parent_path = drive.path_of(drive.items[item.parent_id])
            reference: dict[str, Any] = {
                "driveId": drive.id,
                "driveType": "documentLibrary",
                "id": item.parent_id,
            }
            if with_path:  # Graph leaves the path out of delta answers
                reference["path"] = f"/drives/{drive.id}/root:" + (f"/{parent_path}" if parent_path else "")
            data["parentReference"] = reference
        if item.is_folder:
            data["folder"] = {"childCount": len(drive.children(item.id))}
        else:
            data["file"] = {
                "mimeType": "application/pdf" if item.name.lower().endswith(".pdf") else "application/octet-stream",
                "hashes": {"sha256Hash": hashlib.sha256(item.data).hexdigest().upper()},
            }
        return data

    def _find_site(self, host: str, path: str = "") -> FakeSite:
        wanted = "/" + path.strip("/") if path.strip("/") else ""
        for site in self.sites:
            if site.id == host or (site.hostname == host.lower() and site.path.lower() == wanted.lower()):
                return site
        raise web.HTTPNotFound(
            text=json.dumps({"error": {"code": "itemNotFound", "message": "Requested site could not be found"}}),
            content_type="application/json",
        )

    async def _graph_site(self, request: web.Request, host: str, path: str = "") -> web.Response:
        site = self._find_site(host, path)
        return web.json_response({"id": site.id, "name": site.name, "displayName": site.name, "webUrl": site.web_url})

    def _drive_json(self, drive: FakeDrive) -> dict[str, Any]:
        return {"id": drive.id, "name": drive.name, "driveType": "documentLibrary", "webUrl": drive.web_url}

    async def _graph_site_drive(self, request: web.Request, site: str) -> web.Response:
        return web.json_response(self._drive_json(self._find_site(site).drive))

    async def _graph_site_drives(self, request: web.Request, site: str) -> web.Response:
        return web.json_response({"value": [self._drive_json(d) for d in self._find_site(site).drives]})

    async def _graph_item(
        self, request: web.Request, drive: str, path: str | None = None, item: str | None = None
    ) -> web.Response:
        found = self._drive_or_404(drive)
        return web.json_response(self._item_json(found, self._item_or_404(found, item, path)))

    async def _graph_children(
        self, request: web.Request, drive: str, path: str | None = None, item: str | None = None
    ) -> web.Response:
        found = self._drive_or_404(drive)
        folder = self._item_or_404(found, item, path)
        children = found.children(folder.id)
        skip = int(request.query.get("$skiptoken", "0"))
        page = children[skip : skip + self.page_size]
        body: dict[str, Any] = {"value": [self._item_json(found, c) for c in page]}
        if skip + self.page_size < len(children):
            body["@odata.nextLink"] = f"{self.base_url}{request.rel_url.raw_path}?$skiptoken={skip + self.page_size}"
        return web.json_response(body)

    async def _graph_delta(self, request: web.Request, drive: str, item: str | None = None) -> web.Response:
        found = self._drive_or_404(drive)
        query = request.query
        if ("token" in query or "since" in query) and int(query.get("epoch", "-1")) != self._delta_epoch:
            return _graph_error(410, "resyncRequired", "The delta token has expired; resync from scratch.")
        since = int(query.get("since") or query.get("token") or 0)
        upto = int(query.get("upto") or self._seq)
        skip = int(query.get("skip", "0"))
        scope = self._item_or_404(found, item)
        changed = sorted(
            (
                i
                for i in found.items.values()
                if since < i.seq <= upto and self._under(found, i, scope) and (since or not i.deleted)
            ),
            key=lambda i: i.seq,
        )
        page = changed[skip : skip + self.page_size]
        path = request.rel_url.raw_path
        epoch = self._delta_epoch
        body: dict[str, Any] = {"value": [self._item_json(found, i, with_path=False) for i in page]}
        if skip + self.page_size < len(changed):
            body["@odata.nextLink"] = (
                f"{self.base_url}{path}?since={since}&upto={upto}&skip={skip + self.page_size}&epoch={epoch}"
            )
        else:
            body["@odata.deltaLink"] = f"{self.base_url}{path}?token={upto}&epoch={epoch}"
        return web.json_response(body)

    @staticmethod
    def _under(drive: FakeDrive, item: FakeItem, scope: FakeItem) -> bool:
        current: FakeItem | None = item
        while current is not None:
            if current.id == scope.id:
                return True
            current = drive.items.get(current.parent_id) if current.parent_id else None
        return False

    async def _graph_content(self, request: web.Request, drive: str, item: str) -> web.Response:
        found = self._drive_or_404(drive)
        file = self._item_or_404(found, item)
        if file.is_folder:
            return _graph_error(400, "invalidRequest", "A folder has no content.")
        token = secrets.token_urlsafe(24)
        self.downloads[token] = (found.id, file.id)
        raise web.HTTPFound(location=f"{self.base_url}/_download/{token}")

    async def _download(self, request: web.Request) -> web.Response:
        if fault := self._route(request, FakeRoute.DOWNLOAD):
            return fault
        if "Authorization" in request.headers:
            self.violations.append("download: Authorization header sent to a pre-authenticated URL")
            return _graph_error(401, "unauthenticated", "A pre-authenticated URL takes no Authorization header.")
        target = self.downloads.get(request.match_info["token"])
        if target is None:
            return _graph_error(404, "itemNotFound", "The download link is not valid.")
        drive = self.drives[target[0]]
        item = self._item_or_404(drive, target[1])
        return web.Response(body=item.data, content_type="application/octet-stream")

    def _store(self, drive: FakeDrive, parent_id: str, name: str, data: bytes, *, behavior: str) -> FakeItem:
        existing = drive.child(parent_id, name)
        if existing is not None and behavior == "replace" and not existing.is_folder:
            existing.data, existing.version = data, existing.version + 1
            existing.seq, existing.modified = self._next_seq(), datetime.now(UTC)
            return existing
        if existing is not None and behavior == "fail":
            raise web.HTTPConflict(
                text=json.dumps({"error": {"code": "nameAlreadyExists", "message": "The name is already in use."}}),
                content_type="application/json",
            )
        if existing is not None:  # rename, as SharePoint does: "name 1.pdf", "name 2.pdf"…
            stem, dot, suffix = name.rpartition(".")
            stem, suffix = (stem, dot + suffix) if stem else (name, "")
            n = 1
            while drive.child(parent_id, f"{stem} {n}{suffix}") is not None:
                n += 1
            name = f"{stem} {n}{suffix}"
        item = FakeItem(id=_new_id(), name=name, parent_id=parent_id, is_folder=False, data=data, seq=self._next_seq())
        drive.items[item.id] = item
        return item

    async def _graph_upload_small(self, request: web.Request, drive: str, item: str, name: str) -> web.Response:
        found = self._drive_or_404(drive)
        parent = self._item_or_404(found, item)
        data = await request.read()
        if len(data) > SMALL_UPLOAD_LIMIT:
            return _graph_error(413, "requestTooLarge", "Use an upload session for files over 4 MB.")
        behavior = request.query.get("@microsoft.graph.conflictBehavior", "replace")
        new = found.child(parent.id, name) is None or behavior == "rename"
        stored = self._store(found, parent.id, name, data, behavior=behavior)
        return web.json_response(self._item_json(found, stored), status=201 if new else 200)

    async def _graph_create_upload_session(
        self, request: web.Request, drive: str, item: str, name: str
    ) -> web.Response:
        found = self._drive_or_404(drive)
        parent = self._item_or_404(found, item)
        body = await request.json() if await request.read() else {}
        behavior = str((body.get("item") or {}).get("@microsoft.graph.conflictBehavior", "replace"))
        session = FakeUploadSession(
            id=secrets.token_urlsafe(18),
            drive=found,
            parent_id=parent.id,
            name=name,
            conflict_behavior=behavior,
        )
        self.upload_sessions[session.id] = session
        return web.json_response(
            {
                "uploadUrl": f"{self.base_url}/_upload/{session.id}",
                "expirationDateTime": session.expires.isoformat(),
                "nextExpectedRanges": ["0-"],
            }
        )

    async def _upload_chunk(self, request: web.Request) -> web.Response:
        if fault := self._route(request, FakeRoute.UPLOAD_CHUNK):
            return fault
        session = self.upload_sessions.get(request.match_info["session"])
        if session is None:
            return _graph_error(404, "itemNotFound", "The upload session does not exist or has expired.")
        if "Authorization" in request.headers:
            self.violations.append("upload: Authorization header sent to an upload session URL")
            return _graph_error(401, "unauthenticated", "An upload URL takes no Authorization header.")
        if request.method == "DELETE":
            del self.upload_sessions[session.id]
            return web.Response(status=204)
        if request.method == "GET":
            return web.json_response(
                {
                    "expirationDateTime": session.expires.isoformat(),
                    "nextExpectedRanges": [f"{len(session.received)}-"],
                }
            )
        if request.method != "PUT":
            return _graph_error(405, "invalidRequest", "PUT chunks to an upload session.")
        return self._take_chunk(session, request.headers.get("Content-Range", ""), await request.read())

    def _take_chunk(self, session: FakeUploadSession, content_range: str, data: bytes) -> web.Response:
        def refuse(status: int, code: str, why: str) -> web.Response:
            self.violations.append(f"upload: {why}")
            return _graph_error(status, code, why)

        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
        if match is None:
            return refuse(400, "invalidRequest", f"malformed Content-Range {content_range!r}")
        start, end, total = (int(g) for g in match.groups())
        if session.total is not None and total != session.total:
            return refuse(400, "invalidRequest", f"total changed from {session.total} to {total}")
        if start != len(session.received):
            return refuse(416, "invalidRange", f"chunk starts at {start}, expected {len(session.received)}")
        if end < start or end >= total or len(data) != end - start + 1:
            return refuse(400, "invalidRange", f"Content-Range {content_range!r} does not match {len(data)} bytes")
        if len(data) >= MAX_CHUNK:
            return refuse(400, "invalidRequest", f"chunk of {len(data)} bytes is not under 60 MiB")
        if end != total - 1 and len(data) % CHUNK_UNIT:
            return refuse(400, "invalidRequest", f"chunk of {len(data)} bytes is not a multiple of 320 KiB")
        session.total = total
        session.received.extend(data)
        session.chunks.append((start, end, total, len(data)))
        if len(session.received) < total:
            return web.json_response(
                {
                    "expirationDateTime": session.expires.isoformat(),
                    "nextExpectedRanges": [f"{len(session.received)}-"],
                },
                status=202,
            )
        del self.upload_sessions[session.id]
        self.completed_uploads.append(session)
        stored = self._store(
            session.drive,
            session.parent_id,
            session.name,
            bytes(session.received),
            behavior=session.conflict_behavior,
        )
        return web.json_response(self._item_json(session.drive, stored), status=201)
