"""App-only access tokens for Microsoft Graph: msal's confidential client, run off the event loop.

msal is synchronous and does network I/O in its constructor (the tenant's OpenID configuration) and in
`acquire_token_for_client`, so both run in a thread, behind one `asyncio.Lock`: one request in flight,
and callers that queued behind it share its answer (five concurrent cache misses make one token request).
msal's in-memory cache serves later calls until the token has under five minutes left.

A refusal (`{"error": "invalid_client", …}`) or an unreachable identity provider becomes a `TokenError`,
is logged, and is kept as the provider's status, which /healthz shows without asking again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from bot.settings import Settings, SettingsError

from .errors import TokenError
from .tls import DEFAULT_TOKEN_TIMEOUT, TimeoutSession, requests_session

__all__ = [
    "GRAPH_SCOPE",
    "MICROSOFT_AUTHORITY_HOSTS",
    "NOT_CONFIGURED",
    "CertificateCredential",
    "Microsoft365Status",
    "TokenProvider",
    "microsoft365_status",
]

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"

# Microsoft's own sign-in hosts (public and sovereign clouds), where msal's instance discovery applies.
# Any other host (a test fake, a proxy) is used as given, with instance discovery off.
MICROSOFT_AUTHORITY_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
        "login.microsoftonline.de",
    }
)

# OAuth error codes that mean "these credentials may not have a token" rather than a passing fault.
_NOT_AUTHORISED = frozenset({"invalid_client", "unauthorized_client", "invalid_grant", "access_denied"})


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Microsoft365Status:
    """What /healthz shows for Microsoft 365: the outcome of the last token request, never a new one."""

    configured: bool
    ok: bool | None  # None: configured but not tried yet
    detail: str
    checked_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape: {"configured", "ok", "detail", "checked_at" (ISO 8601 UTC or null)}."""
        return {
            "configured": self.configured,
            "ok": self.ok,
            "detail": self.detail,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
        }


NOT_CONFIGURED = Microsoft365Status(configured=False, ok=None, detail="Microsoft 365: not configured")


def microsoft365_status(provider: TokenProvider | None) -> Microsoft365Status:
    """The status for /healthz: the provider's last outcome, or "not configured" without one."""
    return NOT_CONFIGURED if provider is None else provider.status()


def _rsa_numbers(certificate: x509.Certificate) -> rsa.RSAPublicNumbers | None:
    key = certificate.public_key()
    return key.public_numbers() if isinstance(key, rsa.RSAPublicKey) else None


@dataclass(frozen=True)
class CertificateCredential:
    """A client certificate: an unencrypted RSA private key and its X.509 certificate, both PEM."""

    private_key_pem: str
    certificate_pem: str
    sha1_thumbprint: str
    sha256_thumbprint: str

    @classmethod
    def from_pem(cls, data: bytes, *, source: str = "MS_CLIENT_CERT_PATH") -> CertificateCredential:
        """Read a PEM holding the private key and its certificate (a chain may follow, in any order).

        SettingsError names `source` when the key is missing, encrypted, not RSA (Entra signs client
        assertions with RSA) or matches none of the certificates.
        """
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except TypeError:
            raise SettingsError(f"{source}: the private key is encrypted; Baton needs it unencrypted") from None
        except ValueError:
            raise SettingsError(f"{source}: no readable private key in the PEM file") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SettingsError(f"{source}: the private key must be RSA")
        try:
            certificates = x509.load_pem_x509_certificates(data)
        except ValueError:
            raise SettingsError(f"{source}: no readable certificate in the PEM file") from None
        public = key.public_key().public_numbers()
        leaf = next((c for c in certificates if _rsa_numbers(c) == public), None)
        if leaf is None:
            raise SettingsError(f"{source}: no certificate in the PEM file matches its private key")
        return cls(
            private_key_pem=key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode("ascii"),
            certificate_pem=leaf.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            sha1_thumbprint=leaf.fingerprint(hashes.SHA1()).hex().upper(),  # x5t, for ADFS-era tooling
            sha256_thumbprint=leaf.fingerprint(hashes.SHA256()).hex().upper(),
        )

    @classmethod
    def from_pem_file(cls, path: Path) -> CertificateCredential:
        """`from_pem` on a file; SettingsError names MS_CLIENT_CERT_PATH when it cannot be read."""
        try:
            data = path.read_bytes()
        except OSError as e:
            raise SettingsError(f"MS_CLIENT_CERT_PATH: cannot read {path} ({e.strerror})") from None
        return cls.from_pem(data)

    def for_msal(self) -> dict[str, str]:
        """msal's `client_credential`.

        With `public_certificate` and no `thumbprint`, msal (≥ 1.35) signs the assertion PS256 with the
        certificate's SHA-256 thumbprint (`x5t#S256`) and sends the certificate as `x5c`; a `thumbprint`
        would select the SHA-1 form (RS256, `x5t`) that msal documents as deprecated except for ADFS.
        """
        return {"private_key": self.private_key_pem, "public_certificate": self.certificate_pem}


class TokenProvider:
    """App-only tokens for Graph from one long-lived `msal.ConfidentialClientApplication`.

    `await access_token()` returns a bearer token or raises TokenError; `status()` reports the last
    outcome without a request; `await check()` makes sure of a token (usually from msal's cache) and
    returns the status. Close it with `aclose()`.
    """

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        credential: SecretStr | str | CertificateCredential,
        authority_url: str = "https://login.microsoftonline.com",
        ca_bundles: Sequence[Path] = (),
        scopes: Sequence[str] = (GRAPH_SCOPE,),
        timeout: tuple[float, float] = DEFAULT_TOKEN_TIMEOUT,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.authority = f"{authority_url.rstrip('/')}/{tenant_id}"
        host = (urlsplit(self.authority).hostname or "").lower()
        self.instance_discovery = host in MICROSOFT_AUTHORITY_HOSTS
        self.client_id = client_id
        self._credential = credential
        self._scopes = list(scopes)
        self._http: TimeoutSession = requests_session(ca_bundles, timeout=timeout)
        self._clock = clock
        self._lock = asyncio.Lock()
        self._app: Any = None  # msal.ConfidentialClientApplication, built on first use (it does I/O)
        self._finished = 0  # requests answered so far: a waiter that sees it move shares that answer
        self._failure: TokenError | None = None
        self._status = Microsoft365Status(configured=True, ok=None, detail="Microsoft 365: not checked yet")
        self.expires_at: datetime | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenProvider:
        """The provider for configured settings; SettingsError names a setting it cannot use."""
        if not (settings.microsoft_configured and settings.MS_TENANT_ID and settings.MS_CLIENT_ID):
            raise SettingsError("MS_TENANT_ID: Microsoft 365 is not configured")
        if not settings.MS_AUTHORITY_URL.startswith("https://"):
            raise SettingsError("MS_AUTHORITY_URL: msal accepts only an https authority")
        credential: SecretStr | CertificateCredential
        if settings.MS_CLIENT_CERT_PATH is not None:
            credential = CertificateCredential.from_pem_file(settings.MS_CLIENT_CERT_PATH)
        elif settings.MS_CLIENT_SECRET is not None:
            credential = settings.MS_CLIENT_SECRET
        else:  # Settings' all-or-none rule makes this unreachable; say so if it ever is not.
            raise SettingsError("MS_CLIENT_SECRET or MS_CLIENT_CERT_PATH is required")
        return cls(
            tenant_id=settings.MS_TENANT_ID,
            client_id=settings.MS_CLIENT_ID,
            credential=credential,
            authority_url=settings.MS_AUTHORITY_URL,
            ca_bundles=settings.ca_bundles,
        )

    def status(self) -> Microsoft365Status:
        """The last outcome; makes no request (health checks must not hammer the identity provider)."""
        return self._status

    async def check(self) -> Microsoft365Status:
        """Get a token if there is none in the cache, then report the status; never raises TokenError."""
        with suppress(TokenError):  # already logged and recorded in the status
            await self.access_token()
        return self._status

    async def access_token(self) -> str:
        """A bearer token for the scopes, from msal's cache or the identity provider; TokenError if none."""
        seen = self._finished
        async with self._lock:
            if self._finished != seen and self._failure is not None:
                # The request this caller queued behind has just failed: share its answer, not a retry.
                failure = self._failure
                raise TokenError(error=failure.error, detail=failure.detail, description=failure.description)
            try:
                result = await asyncio.to_thread(self._acquire_blocking)
                token = self._read(result)
            except TokenError as e:
                self._finished += 1
                self._failure = e
                self._status = Microsoft365Status(True, False, e.detail, self._clock())
                log.warning("Microsoft 365 token request failed: %s", e, extra={"ms_error": e.error})
                raise
            self._finished += 1
            self._failure = None
            if result.get("token_source") != "cache" or not self._status.ok:
                self.expires_at = self._clock() + timedelta(seconds=int(result.get("expires_in", 0)))
                self._status = Microsoft365Status(True, True, "Microsoft 365: connected", self._clock())
                log.info("Microsoft 365 token acquired, valid until %s", self.expires_at.isoformat())
            return token

    async def aclose(self) -> None:
        """Release the HTTP session msal uses."""
        self._http.close()

    # --- in a worker thread -------------------------------------------------------------------------

    def _build_app(self) -> Any:
        credential: str | dict[str, str]
        if isinstance(self._credential, CertificateCredential):
            credential = self._credential.for_msal()
        elif isinstance(self._credential, SecretStr):
            credential = self._credential.get_secret_value()
        else:
            credential = self._credential
        return msal.ConfidentialClientApplication(
            self.client_id,
            client_credential=credential,
            authority=self.authority,
            http_client=self._http,
            # Off outside Microsoft's hosts: discovery would ask login.microsoftonline.com about them.
            instance_discovery=self.instance_discovery,
            # False, not None: None lets the MSAL_FORCE_REGION and REGION_NAME variables switch msal to a
            # regional host behind Settings' back; Baton uses the authority exactly as configured.
            azure_region=False,
        )

    def _acquire_blocking(self) -> dict[str, Any]:
        stage = "authority"
        try:
            if self._app is None:
                self._app = self._build_app()
            stage = "token"
            result: dict[str, Any] = self._app.acquire_token_for_client(scopes=self._scopes)
            return result
        except requests.exceptions.SSLError as e:
            raise TokenError(
                error="tls_untrusted",
                detail="Microsoft 365: identity provider's certificate not trusted — SSLError",
                description=f"{e} (is the right CA bundle in SSL_CERT_FILE or REQUESTS_CA_BUNDLE?)",
            ) from e
        except requests.exceptions.Timeout as e:
            raise TokenError(
                error="timeout", detail="Microsoft 365: identity provider timed out", description=str(e)
            ) from e
        except OSError as e:  # requests' ConnectionError and friends are OSErrors too
            raise TokenError(
                error="unreachable",
                detail=f"Microsoft 365: identity provider unreachable — {type(e).__name__}",
                description=str(e),
            ) from e
        except msal.exceptions.MsalServiceError as e:  # msal raises only for a 5xx answer
            raise TokenError(
                error="server_error",
                detail="Microsoft 365: identity provider unavailable",
                description=str(e),
            ) from e
        except ValueError as e:  # msal's refusal of the authority, or an answer that is not JSON
            if stage == "authority":
                raise TokenError(
                    error="authority_discovery_failed",
                    detail="Microsoft 365: authority discovery failed",
                    description=str(e),
                ) from e
            raise TokenError(
                error="bad_response", detail="Microsoft 365: unreadable token response", description=str(e)
            ) from e

    # --- back on the loop ---------------------------------------------------------------------------

    @staticmethod
    def _read(result: dict[str, Any]) -> str:
        token = result.get("access_token")
        if isinstance(token, str) and token:
            return token
        error = str(result.get("error") or "no_token")
        reason = "not authorised" if error in _NOT_AUTHORISED else "token refused"
        raise TokenError(
            error=error,
            detail=f"Microsoft 365: {reason} — {error}",
            description=str(result.get("error_description") or ""),
        )
