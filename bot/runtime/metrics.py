"""What the service counts for Prometheus (prometheus-client).

Counters and the latency histogram are updated where things happen (the dispatcher, the
outbox dispatcher, the webhooks): a labelled increment, cheap on the hot path. The
gauges (messages owed, cases open and overdue, the scheduler's lag, the database pool)
are computed when /metrics is scraped, from a few grouped counts (storage/health.py).

Several worker processes: set PROMETHEUS_MULTIPROC_DIR to an empty folder shared by the
workers (cleared at each start); the counters then add up over the workers, whichever
answers the scrape. The database figures are the same from any worker; the pool's is
the answering worker's own."""

import os
from collections.abc import Iterable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.core.records import HealthFigures

REGISTRY = CollectorRegistry()
UPDATES = Counter("pakn_updates", "Incoming messages by channel and outcome: processed, "
                  "duplicate (a redelivery), throttled (flood control), dropped (fits no "
                  "chat), failed (the database could not take it)", ["channel", "outcome"],
                  registry=REGISTRY)
WEBHOOK_SECONDS = Histogram("pakn_webhook_seconds", "Time to handle a webhook request, "
                            "until its answer", ["channel"], registry=REGISTRY,
                            buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
DELIVERIES = Counter("pakn_outbox_deliveries", "Delivery attempts by channel and outcome: "
                     "sent, retry, undeliverable", ["channel", "outcome"], registry=REGISTRY)
UNDELIVERABLE = Counter("pakn_messages_undeliverable", "Messages given up, by channel and "
                        "reason", ["channel", "reason"], registry=REGISTRY)
RATE_LIMITED = Counter("pakn_rate_limited", "429 answers (slow down) from a channel's API",
                       ["channel"], registry=REGISTRY)
UNAVAILABLE = Counter("pakn_unavailable", "Requests answered 503 because the database could "
                      "not take them: pool_exhausted, database_unavailable", ["cause"],
                      registry=REGISTRY)

REASONS = (("gave up", "gave_up"), ("refused", "refused"), ("rejected", "rejected"),
           ("window", "reply_window"), ("quota", "quota"), ("follow", "not_following"),
           ("written", "not_following"), ("no longer stored", "file_gone"),
           ("never delivered", "never_delivered"))
"""A few kinds of reason, so that the label stays bounded: the full reason is on the
message's row (outbox.last_error)."""


def reason_kind(reason: str) -> str:
    text = reason.lower()
    return next((kind for words, kind in REASONS if words in text), "other")


class Snapshot(Collector):
    """The gauges of one scrape, read from the database just before."""

    def __init__(self, figures: HealthFigures, now: datetime, pool: tuple[int, int] | None,
                 scheduler_interval: float) -> None:
        self.figures, self.now, self.pool = figures, now, pool
        self.scheduler_interval = scheduler_interval

    def collect(self) -> Iterator[Metric]:
        figures = self.figures
        depth = GaugeMetricFamily("pakn_outbox_depth", "Messages owed, by channel",
                                  labels=["channel"])
        oldest = GaugeMetricFamily("pakn_outbox_oldest_seconds", "Age of the oldest message "
                                   "owed, by channel", labels=["channel"])
        for channel, count in sorted(figures.outbox_depth.items()):
            depth.add_metric([channel], count)
            oldest.add_metric([channel], max(0.0, (
                self.now - figures.outbox_oldest[channel]).total_seconds()))
        opened = GaugeMetricFamily("pakn_cases_open", "Open cases by unit", labels=["unit"])
        overdue = GaugeMetricFamily("pakn_cases_overdue", "Open cases past their due date, "
                                    "by unit", labels=["unit"])
        for unit, count in sorted(figures.cases_open.items()):
            opened.add_metric([unit], count)
            overdue.add_metric([unit], figures.cases_overdue.get(unit, 0))
        yield from (depth, oldest, opened, overdue)
        if figures.scheduler_round_at is not None:
            yield GaugeMetricFamily(
                "pakn_scheduler_lag_seconds", "How late the scheduler's round is: time since "
                "its last round beyond its interval (0: on time)",
                value=max(0.0, (self.now - figures.scheduler_round_at).total_seconds()
                          - self.scheduler_interval))
        if self.pool is not None:
            yield GaugeMetricFamily("pakn_db_pool_checked_out", "Database connections in use "
                                    "(this process)", value=self.pool[0])
            yield GaugeMetricFamily("pakn_db_pool_size", "Database connections the pool keeps "
                                    "(this process)", value=self.pool[1])


def exposition(snapshot: Snapshot) -> bytes:
    """The Prometheus text of this process's counters (of all workers' in multiprocess
    mode) and the snapshot's gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Counters())
    registry.register(snapshot)
    return generate_latest(registry)


class _Counters(Collector):
    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()
