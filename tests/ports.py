"""Ports for the tests' own servers.

Asking the kernel for port 0 and binding it later races: the port is free again between
the two, and the kernel hands ports of that same range to every outgoing connection
(PostgreSQL, the services, the browsers), or to another xdist worker's probe. So ports
come from below the kernel's ephemeral range, where nothing is handed out unasked, each
xdist worker from its own slice, taken in turn from a random start (two sessions at
once rarely meet) and probed before they are handed over."""

import itertools
import os
import random
import socket
from collections.abc import Iterator
from pathlib import Path

_SPAN = 12_000  # ports below the ephemeral range shared by the workers


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _slice() -> range:
    high = _ephemeral_low()
    low = max(1024, high - _SPAN)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    count = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    size = (high - low) // count
    start = low + int(worker or 0) % count * size
    return range(start, start + size)


def _turns() -> Iterator[int]:
    ports = _slice()
    first = random.randrange(len(ports))
    return itertools.cycle([*ports[first:], *ports[:first]])


_ports: Iterator[int] | None = None


def _bindable(port: int) -> bool:
    with socket.socket() as probe:  # no SO_REUSEADDR: a port still in TIME_WAIT is passed
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port on 127.0.0.1 that no one is using and no one else will be handed."""
    global _ports
    if _ports is None:
        _ports = _turns()
    for port in itertools.islice(_ports, _SPAN):
        if _bindable(port):
            return port
    raise RuntimeError("no free port below the ephemeral range")
