"""Fixtures: a fake Microsoft 365 over TLS on loopback, and Baton's token provider and Graph client
pointed at it through Settings, exactly as `baton serve` would build them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from bot.graph import GraphClient, TokenProvider
from bot.graph.fakes import FakeMicrosoft365
from bot.settings import Settings, load_settings


class RecordedSleeps:
    """The injected sleep: remembers each wait instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
async def m365(tmp_path: Path) -> AsyncIterator[FakeMicrosoft365]:
    async with FakeMicrosoft365(tmp_path / "m365") as fake:
        yield fake


@pytest.fixture
def ms_settings(m365: FakeMicrosoft365) -> Callable[..., Settings]:
    """Settings from the fake's environment (SSL_CERT_FILE unless told otherwise), plus overrides."""

    def make(bundle_variable: str = "SSL_CERT_FILE", **env: str) -> Settings:
        return load_settings({**m365.settings_env(bundle_variable=bundle_variable), **env})

    return make


@pytest.fixture
async def providers() -> AsyncIterator[Callable[[Settings], TokenProvider]]:
    """A fresh TokenProvider per call (msal replays failures per application object), closed at the end."""
    made: list[TokenProvider] = []

    def make(settings: Settings) -> TokenProvider:
        provider = TokenProvider.from_settings(settings)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest.fixture
async def graph(
    ms_settings: Callable[..., Settings],
    providers: Callable[[Settings], TokenProvider],
    sleeps: RecordedSleeps,
) -> AsyncIterator[GraphClient]:
    settings = ms_settings()
    async with GraphClient.from_settings(settings, providers(settings), sleep=sleeps) as client:
        yield client


def self_signed_pem(common_name: str = "Baton test app") -> tuple[bytes, bytes]:
    """An RSA key and a self-signed certificate for it, as (key PEM, certificate PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)
