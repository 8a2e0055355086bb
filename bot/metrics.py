"""Prometheus metrics for one Baton process: requests, ack latency, Slack calls, outbox deliveries."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

# Buckets around Slack's 3-second deadline, fine-grained where acks should land.
_ACK_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)


class Metrics:
    """A registry of its own, so that several apps in one process (tests, benchmarks) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "baton_slack_requests",
            "Requests from Slack by kind (command, action, view, event, …) and outcome.",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.ack_latency = Histogram(
            "baton_ack_latency_seconds",
            "Time from a Slack request's arrival to its HTTP response.",
            ["kind"],
            buckets=_ACK_BUCKETS,
            registry=self.registry,
        )
        self.slack_calls = Counter(
            "baton_slack_api_calls",
            "Web API calls made by Baton, by method and outcome (ok or the Slack error).",
            ["method", "outcome"],
            registry=self.registry,
        )
        self.outbox = Counter(
            "baton_outbox_deliveries",
            "Outbox entries by kind and outcome (delivered, retried, set_aside).",
            ["kind", "outcome"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
