"""Errors of the Microsoft 365 layer: one tree, each carrying what a caller branches on.

Microsoft365Error                 anything this package raises; str() is a sentence for a log or an admin
├── TokenError                    no access token: the identity provider refused, or could not be reached
├── GraphError                    Graph answered with an error: `status`, `code` (branch on it), `message`,
│   │                             `request_id` (quote it to Microsoft support)
│   └── GraphThrottled            still 429/503 after the capped retries, or told to wait too long
├── GraphUnreachable              no answer from Graph (connection, TLS, timeout); the cause is chained
└── FolderUrlError                a SharePoint URL that does not name a folder Baton can resolve (also a
                                  ValueError: it is bad input, typically from a settings modal)
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "FolderUrlError",
    "GraphError",
    "GraphErrorCode",
    "GraphThrottled",
    "GraphUnreachable",
    "Microsoft365Error",
    "TokenError",
]


class Microsoft365Error(Exception):
    """Anything the Microsoft 365 layer raises."""


class TokenError(Microsoft365Error):
    """No access token. `error` is the OAuth error code (`invalid_client`…) or the failure's kind.

    `detail` is the one-line status shown on /healthz ("Microsoft 365: not authorised — invalid_client");
    `description` is the identity provider's own text (AADSTS… and trace ids), for the log only.
    """

    def __init__(self, *, error: str, detail: str, description: str = "") -> None:
        super().__init__(f"{detail}: {description}" if description else detail)
        self.error = error
        self.detail = detail
        self.description = description


class GraphErrorCode(StrEnum):
    """Graph `error.code` values Baton branches on (Graph sends others; `GraphError.code` is a plain str)."""

    ITEM_NOT_FOUND = "itemNotFound"
    ACCESS_DENIED = "accessDenied"
    NAME_ALREADY_EXISTS = "nameAlreadyExists"
    RESYNC_REQUIRED = "resyncRequired"
    ACTIVITY_LIMIT_REACHED = "activityLimitReached"
    SERVICE_NOT_AVAILABLE = "serviceNotAvailable"
    QUOTA_LIMIT_REACHED = "quotaLimitReached"
    INVALID_REQUEST = "invalidRequest"
    INVALID_RANGE = "invalidRange"
    UNAUTHENTICATED = "unauthenticated"
    INVALID_AUTHENTICATION_TOKEN = "InvalidAuthenticationToken"
    # Baton's own, for an answer that carries no Graph error body (a proxy's 502, say).
    UNKNOWN = "unknown"


class GraphError(Microsoft365Error):
    """Graph answered `status` with `{"error": {"code", "message", "innerError": {"request-id"}}}`.

    Branch on `code` (or `inner_codes`, Graph's more specific ones), never on `message`.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str | None = None,
        *,
        inner_codes: tuple[str, ...] = (),
    ) -> None:
        where = f" (request-id {request_id})" if request_id else ""
        super().__init__(f"Graph {status} {code}: {message}{where}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.inner_codes = inner_codes

    def has_code(self, code: str) -> bool:
        """Whether `code` is this error's code or one of its inner (more specific) codes."""
        return code == self.code or code in self.inner_codes


class GraphThrottled(GraphError):
    """Graph kept answering 429/503; `retry_after` is its last word on how long to wait (seconds)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str | None = None,
        *,
        retry_after: float | None = None,
        inner_codes: tuple[str, ...] = (),
    ) -> None:
        super().__init__(status, code, message, request_id, inner_codes=inner_codes)
        self.retry_after = retry_after


class GraphUnreachable(Microsoft365Error):
    """No answer from Graph: the connection, TLS or a timeout failed (`__cause__` says which)."""


class FolderUrlError(Microsoft365Error, ValueError):
    """A SharePoint URL that Baton cannot resolve to a folder; the message says what is wrong with it."""
