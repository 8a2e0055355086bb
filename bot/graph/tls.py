"""The CA-bundle rule: msal's token client and the Graph client trust exactly the same certificates.

requests (msal) reads only `REQUESTS_CA_BUNDLE`, aiohttp (Graph) only `SSL_CERT_FILE`. Baton reads both
through Settings (`Settings.ca_bundles`) and builds one kind of `ssl.SSLContext` from them for both
clients: every bundle named by either variable is trusted, and when at least one is named it replaces the
system's trust store, as each variable does for its own library. With neither, both use the system store.

Trusting both (rather than letting one variable win) keeps a deployment working when a base image sets
one variable to the system bundle and the operator sets the other to a proxy's or a test CA's bundle.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

__all__ = ["DEFAULT_TOKEN_TIMEOUT", "TimeoutSession", "requests_session", "ssl_context"]

# (connect, read) seconds for the identity provider; msal's default client waits forever.
DEFAULT_TOKEN_TIMEOUT: tuple[float, float] = (10.0, 30.0)


def ssl_context(ca_bundles: Sequence[Path] = ()) -> ssl.SSLContext:
    """A verifying client context: the given bundles, else the system's trust store."""
    if not ca_bundles:
        return ssl.create_default_context()
    context = ssl.create_default_context(cafile=str(ca_bundles[0]))
    for bundle in ca_bundles[1:]:
        context.load_verify_locations(cafile=str(bundle))
    return context


class _ContextAdapter(HTTPAdapter):
    """An adapter whose connections verify with Baton's SSLContext, and nothing requests adds to it."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__(max_retries=1)  # msal's own default: one retry on a dropped connection

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs.setdefault("ssl_context", self._context)
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)
        # requests points each connection at certifi's bundle, which urllib3 would load into the context.
        conn.ca_certs = None
        conn.ca_cert_dir = None


class TimeoutSession(requests.Session):
    """The `http_client` for msal: a requests session with a default timeout and Baton's TLS trust.

    msal calls `post(url, params=, data=, headers=)`, `get(url, params=, headers=)` and `close()`.
    """

    def __init__(self, context: ssl.SSLContext, *, timeout: tuple[float, float] = DEFAULT_TOKEN_TIMEOUT) -> None:
        super().__init__()
        self.default_timeout = timeout
        self.mount("https://", _ContextAdapter(context))

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)

    def merge_environment_settings(
        self, url: str, proxies: dict[str, str] | None, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        merged: dict[str, Any] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        # requests would swap in REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE from the process environment here;
        # Settings has already decided, and the adapter's context carries the decision. Proxies from the
        # environment still apply, as they do for every requests user.
        merged["verify"] = True
        return merged


def requests_session(
    ca_bundles: Sequence[Path] = (), *, timeout: tuple[float, float] = DEFAULT_TOKEN_TIMEOUT
) -> TimeoutSession:
    """The session msal uses, trusting what `ssl_context(ca_bundles)` trusts."""
    return TimeoutSession(ssl_context(ca_bundles), timeout=timeout)
