"""Microsoft 365 for Baton: app-only tokens (msal) and a small typed Graph client for SharePoint files.

The composition root builds one `TokenProvider` and one `GraphClient` per process when Settings say
Microsoft 365 is configured, and closes both on shutdown:

    tokens = TokenProvider.from_settings(settings)
    graph = GraphClient.from_settings(settings, tokens)
    ...
    microsoft365_status(tokens).as_dict()  # for /healthz: the last outcome, no request
    await graph.aclose(); await tokens.aclose()

`bot.graph.fakes.FakeMicrosoft365` plays the identity provider and Graph for tests and the demo; it is
not imported here (it needs trustme).
"""

from __future__ import annotations

from .client import (
    CHUNK_UNIT,
    DEFAULT_CHUNK_SIZE,
    SMALL_UPLOAD_LIMIT,
    AccessTokenSource,
    DeltaResult,
    Drive,
    DriveItem,
    FolderRef,
    GraphClient,
    Site,
    parse_folder_url,
)
from .errors import (
    FolderUrlError,
    GraphError,
    GraphErrorCode,
    GraphThrottled,
    GraphUnreachable,
    Microsoft365Error,
    TokenError,
)
from .tls import requests_session, ssl_context
from .token import (
    GRAPH_SCOPE,
    NOT_CONFIGURED,
    CertificateCredential,
    Microsoft365Status,
    TokenProvider,
    microsoft365_status,
)

__all__ = [
    "CHUNK_UNIT",
    "DEFAULT_CHUNK_SIZE",
    "GRAPH_SCOPE",
    "NOT_CONFIGURED",
    "SMALL_UPLOAD_LIMIT",
    "AccessTokenSource",
    "CertificateCredential",
    "DeltaResult",
    "Drive",
    "DriveItem",
    "FolderRef",
    "FolderUrlError",
    "GraphClient",
    "GraphError",
    "GraphErrorCode",
    "GraphThrottled",
    "GraphUnreachable",
    "Microsoft365Error",
    "Microsoft365Status",
    "Site",
    "TokenError",
    "TokenProvider",
    "microsoft365_status",
    "parse_folder_url",
    "requests_session",
    "ssl_context",
]
