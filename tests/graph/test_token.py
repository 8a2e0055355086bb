"""The token provider against the fake identity provider: cache, single flight, refusals, certificates,
and the CA-bundle rule reaching both msal (requests) and the Graph client (aiohttp)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path

import aiohttp
import jwt
import pytest

from bot.graph import (
    GRAPH_SCOPE,
    GraphClient,
    GraphUnreachable,
    TokenError,
    TokenProvider,
    microsoft365_status,
)
from bot.graph.fakes import CLIENT_ASSERTION_TYPE, FakeMicrosoft365, FakeRoute
from bot.settings import Command, Settings, SettingsError, load_settings

from .conftest import self_signed_pem

Providers = Callable[[Settings], TokenProvider]
MakeSettings = Callable[..., Settings]


async def test_a_token_is_cached_across_calls(m365: FakeMicrosoft365, ms_settings: MakeSettings, providers: Providers):
    provider = providers(ms_settings())

    first = await provider.access_token()
    second = await provider.access_token()

    assert first == second and first in m365.issued_tokens
    assert m365.token_requests == 1, "the second call must be served from msal's cache"
    assert m365.discovery_requests == 1
    form = m365.token_forms[0]
    assert form["grant_type"] == "client_credentials"
    assert form["scope"] == GRAPH_SCOPE
    assert form["client_id"] == m365.client_id


async def test_five_concurrent_callers_cause_one_token_request(
    m365: FakeMicrosoft365, ms_settings: MakeSettings, providers: Providers
):
    provider = providers(ms_settings())

    tokens = await asyncio.gather(*(provider.access_token() for _ in range(5)))

    assert len(set(tokens)) == 1
    assert m365.token_requests == 1
    assert m365.discovery_requests == 1


async def test_invalid_client_is_a_clear_status_and_a_typed_error(
    m365: FakeMicrosoft365, ms_settings: MakeSettings, providers: Providers, caplog: pytest.LogCaptureFixture
):
    provider = providers(ms_settings(MS_CLIENT_SECRET="not-the-secret"))
    assert provider.status().as_dict() == {
        "configured": True,
        "ok": None,
        "detail": "Microsoft 365: not checked yet",
        "checked_at": None,
    }

    with caplog.at_level(logging.WARNING, logger="bot.graph.token"):
        status = await provider.check()  # never raises

    assert status.ok is False
    assert status.detail == "Microsoft 365: not authorised — invalid_client"
    assert status.as_dict()["configured"] is True and status.as_dict()["checked_at"]
    assert any("invalid_client" in r.getMessage() and "AADSTS7000215" in r.getMessage() for r in caplog.records)
    with pytest.raises(TokenError) as raised:
        await provider.access_token()
    assert raised.value.error == "invalid_client"
    assert raised.value.detail == "Microsoft 365: not authorised — invalid_client"

    asked = m365.token_requests
    for _ in range(3):
        assert provider.status().detail == "Microsoft 365: not authorised — invalid_client"
    assert m365.token_requests == asked, "status() must not ask the identity provider"


async def test_callers_queued_behind_a_refused_request_share_its_answer(
    m365: FakeMicrosoft365, ms_settings: MakeSettings, providers: Providers
):
    provider = providers(ms_settings(MS_CLIENT_SECRET="wrong"))

    results = await asyncio.gather(*(provider.access_token() for _ in range(5)), return_exceptions=True)

    assert all(isinstance(r, TokenError) and r.error == "invalid_client" for r in results)
    assert m365.token_requests == 1


async def test_a_success_after_a_failure_turns_the_status_ok(
    m365: FakeMicrosoft365, ms_settings: MakeSettings, providers: Providers
):
    m365.fail_next(FakeRoute.OPENID_CONFIGURATION, status=404, retry_after=None)  # not cached by msal
    provider = providers(ms_settings())

    assert (await provider.check()).detail == "Microsoft 365: authority discovery failed"
    status = await provider.check()

    assert status.ok is True and status.detail == "Microsoft 365: connected"
    assert provider.expires_at is not None


async def test_an_unknown_tenant_is_reported_as_a_failed_discovery(
    m365: FakeMicrosoft365, ms_settings: MakeSettings, providers: Providers
):
    provider = providers(ms_settings(MS_TENANT_ID="no-such-tenant"))

    status = await provider.check()

    assert status.ok is False and status.detail == "Microsoft 365: authority discovery failed"
    assert m365.token_requests == 0


async def test_an_unavailable_identity_provider_is_reported_not_raised(
    m365: FakeMicrosoft365, ms_settings: MakeSettings, providers: Providers
):
    m365.fail_next(FakeRoute.TOKEN, status=503, retry_after=30)
    provider = providers(ms_settings())

    status = await provider.check()

    assert status.ok is False and status.detail == "Microsoft 365: identity provider unavailable"


async def test_certificate_credentials_sign_an_assertion_the_provider_accepts(
    m365: FakeMicrosoft365, ms_settings: MakeSettings, providers: Providers, tmp_path: Path
):
    key_pem, cert_pem = self_signed_pem()
    pem_path = tmp_path / "baton-app.pem"
    pem_path.write_bytes(cert_pem + key_pem)  # certificate first: order must not matter
    m365.add_client("cert-app", certificate_pem=cert_pem)
    settings = load_settings({**m365.settings_env(certificate_path=pem_path), "MS_CLIENT_ID": "cert-app"})
    provider = providers(settings)

    token = await provider.access_token()

    assert token in m365.issued_tokens
    form = m365.token_forms[-1]
    assert "client_secret" not in form
    assert form["client_assertion_type"] == CLIENT_ASSERTION_TYPE
    header = jwt.get_unverified_header(form["client_assertion"])
    assert header["alg"] == "PS256" and "x5t#S256" in header  # SHA-256 thumbprint, not the deprecated SHA-1


async def test_an_unregistered_certificate_is_refused(m365: FakeMicrosoft365, providers: Providers, tmp_path: Path):
    _registered_key, registered_cert = self_signed_pem("registered")
    other_key, other_cert = self_signed_pem("someone else")
    m365.add_client("cert-app", certificate_pem=registered_cert)
    pem_path = tmp_path / "other.pem"
    pem_path.write_bytes(other_key + other_cert)
    provider = providers(load_settings({**m365.settings_env(certificate_path=pem_path), "MS_CLIENT_ID": "cert-app"}))

    status = await provider.check()

    assert status.detail == "Microsoft 365: not authorised — invalid_client"


def test_a_certificate_file_without_a_key_names_the_setting(tmp_path: Path) -> None:
    _key, cert_pem = self_signed_pem()
    pem_path = tmp_path / "cert-only.pem"
    pem_path.write_bytes(cert_pem)
    settings = load_settings({"MS_TENANT_ID": "t", "MS_CLIENT_ID": "c", "MS_CLIENT_CERT_PATH": str(pem_path)})

    with pytest.raises(SettingsError, match="MS_CLIENT_CERT_PATH"):
        TokenProvider.from_settings(settings)


@pytest.mark.parametrize("bundle_variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
async def test_either_bundle_variable_is_trusted_by_msal_and_by_the_graph_client(
    m365: FakeMicrosoft365,
    ms_settings: MakeSettings,
    providers: Providers,
    monkeypatch: pytest.MonkeyPatch,
    bundle_variable: str,
):
    # Only Settings carries the bundle: neither library may find it in the process environment.
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    m365.add_site("contoso.sharepoint.com", "/sites/Finance")
    settings = ms_settings(bundle_variable=bundle_variable)
    assert settings.ca_bundles == (m365.ca_bundle,)

    provider = providers(settings)
    assert (await provider.check()).ok is True  # msal, over requests
    async with GraphClient.from_settings(settings, provider) as graph:  # aiohttp
        site = await graph.resolve_site("https://contoso.sharepoint.com/sites/Finance")

    assert site.web_url == "https://contoso.sharepoint.com/sites/Finance"


async def test_without_the_bundle_the_fake_is_not_trusted(
    m365: FakeMicrosoft365, providers: Providers, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    env = m365.settings_env()
    del env["SSL_CERT_FILE"]
    settings = load_settings(env)

    status = await providers(settings).check()
    assert status.detail == "Microsoft 365: identity provider's certificate not trusted — SSLError"

    class FixedToken:
        async def access_token(self) -> str:
            return "irrelevant"

    async with GraphClient.from_settings(settings, FixedToken()) as graph:
        with pytest.raises(GraphUnreachable) as raised:
            await graph.resolve_site("https://contoso.sharepoint.com/sites/Finance")
    assert isinstance(raised.value.__cause__, aiohttp.ClientConnectorCertificateError)


def test_both_bundle_variables_are_trusted_when_both_are_set(tmp_path: Path) -> None:
    a, b = tmp_path / "a.pem", tmp_path / "b.pem"
    a.write_text("a")
    b.write_text("b")
    assert load_settings({"SSL_CERT_FILE": str(a), "REQUESTS_CA_BUNDLE": str(b)}).ca_bundles == (b, a)
    assert load_settings({"SSL_CERT_FILE": str(a), "REQUESTS_CA_BUNDLE": str(a)}).ca_bundles == (a,)


async def test_a_system_bundle_in_one_variable_and_the_test_ca_in_the_other_both_count(
    m365: FakeMicrosoft365, providers: Providers, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    # A base image points one variable at the system bundle; the operator sets the other.
    unrelated = tmp_path / "unrelated-ca.pem"
    unrelated.write_bytes(self_signed_pem("unrelated CA")[1])
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(unrelated))
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    m365.add_site("contoso.sharepoint.com", "/sites/Finance")
    # Settings read REQUESTS_CA_BUNDLE from the process environment, SSL_CERT_FILE from the fake's.
    settings = load_settings(m365.settings_env(bundle_variable="SSL_CERT_FILE"))
    assert settings.ca_bundles == (unrelated, m365.ca_bundle)

    provider = providers(settings)
    assert (await provider.check()).ok is True
    async with GraphClient.from_settings(settings, provider) as graph:
        assert (await graph.resolve_site("https://contoso.sharepoint.com/sites/Finance")).name == "Finance"


def test_a_missing_bundle_file_stops_a_configured_start(tmp_path: Path) -> None:
    env = {
        "MS_TENANT_ID": "t",
        "MS_CLIENT_ID": "c",
        "MS_CLIENT_SECRET": "s",
        "SSL_CERT_FILE": str(tmp_path / "no"),
    }
    with pytest.raises(SettingsError, match="SSL_CERT_FILE"):
        load_settings(env).require_for(Command.DB)


async def test_instance_discovery_only_on_microsoft_hosts() -> None:
    def provider(authority: str) -> TokenProvider:
        return TokenProvider(tenant_id="t", client_id="c", credential="s", authority_url=authority)

    public = provider("https://login.microsoftonline.com")
    sovereign = provider("https://login.microsoftonline.us/")
    fake = provider("https://127.0.0.1:8443")
    for made in (public, sovereign, fake):
        await made.aclose()
    assert public.authority == "https://login.microsoftonline.com/t" and public.instance_discovery
    assert sovereign.authority == "https://login.microsoftonline.us/t" and sovereign.instance_discovery
    assert fake.authority == "https://127.0.0.1:8443/t" and not fake.instance_discovery


def test_health_status_without_microsoft_365() -> None:
    assert microsoft365_status(None).as_dict() == {
        "configured": False,
        "ok": None,
        "detail": "Microsoft 365: not configured",
        "checked_at": None,
    }
    assert json.dumps(microsoft365_status(None).as_dict())
