"""The demo's people and organisations, set up in the Slack emulator.

Northwind Distribution installed Baton (the host); Retail Co is one of its retailers, reached through
Slack Connect (the guest). Alice and Bob already share the retailer's channel; Marcus is brought in by
Alice through Baton, Priya joins through Slack herself.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.emulator import Channel, Person, SlackEmulator

__all__ = ["CHANNEL", "DISTRIBUTOR", "RETAILER", "TIMEZONE", "Cast", "assemble"]

DISTRIBUTOR = "Northwind Distribution"
RETAILER = "Retail Co"
CHANNEL = "northwind-retail-co"
TIMEZONE = "America/Chicago"  # Northwind's, and so the account's: statements are due at 09:00 there


@dataclass(frozen=True)
class Cast:
    alice: Person  # Alice Moreau, AR accountant at Northwind: starts the month, leads for the distributor
    marcus: Person  # Marcus Webb, shipping clerk at Northwind: added through Baton to answer the POD
    bob: Person  # Bob Tran, AP clerk at Retail Co: the retailer's contact, leads for the retailer
    priya: Person  # Priya Shah, receiving lead at Retail Co: joins the channel through Slack
    channel: Channel  # the Slack Connect channel the two companies share

    @property
    def everyone(self) -> tuple[Person, ...]:
        return (self.alice, self.marcus, self.bob, self.priya)

    def title(self, person: Person) -> str:
        """ "Alice Moreau (Northwind Distribution)"."""
        return f"{person.user.real_name} ({person.org.name})"


def emulator() -> SlackEmulator:
    """Slack, with Baton installed in Northwind's workspace (not started)."""
    return SlackEmulator(
        host_name=DISTRIBUTOR, host_domain="northwind", host_email_domain="northwind-distribution.example"
    )


def assemble(emu: SlackEmulator) -> Cast:
    """Add Retail Co, the four people and the shared channel to a started emulator."""
    retail = emu.add_org(RETAILER, domain="retailco", email_domain="retailco.example")
    alice = emu.add_user(emu.host, "alice.moreau", real_name="Alice Moreau", tz=TIMEZONE)
    marcus = emu.add_user(emu.host, "marcus.webb", real_name="Marcus Webb", tz=TIMEZONE)
    bob = emu.add_user(retail, "bob.tran", real_name="Bob Tran", tz="America/New_York")
    priya = emu.add_user(retail, "priya.shah", real_name="Priya Shah", tz="America/New_York")
    channel = emu.create_channel(
        CHANNEL, members=[alice, bob], shared_with=[retail], topic="Statements, claims and payments"
    )
    return Cast(alice=alice, marcus=marcus, bob=bob, priya=priya, channel=channel)
