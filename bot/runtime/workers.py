"""`pakn serve --workers N`: N service processes on one port, watched by this one.

Each worker is a whole service (`pakn serve --worker I`) binding the port with
SO_REUSEPORT: the kernel spreads the connections among them. They share the
PostgreSQL database as separate machines would: the scheduler's rounds are elected by
an advisory lock, outbox messages are leased to one worker, and a web chat tab open on
one worker gets what another delivered through a notice (storage.notices). This
process only starts them, starts again one that died, and on SIGTERM or SIGINT passes
the signal on and waits for them to finish what they are doing.
"""

import logging
import signal
import subprocess
import sys
import time
from types import FrameType

log = logging.getLogger(__name__)

WORKER_HEADER = "X-PAKN-Worker"
"""Which worker answered (a number from 1 to N): for the operator and the tests."""
STOP_SECONDS = 30.0
"""How long a worker has to finish after SIGTERM before it is killed."""
POLL_SECONDS = 0.2
MAX_BACKOFF = 30.0


class Pool:
    module = "bot"
    """What each worker runs (`python -m MODULE serve --worker I`); a benchmark runs the
    service with its pacing lifted."""

    def __init__(self, count: int, language: str | None) -> None:
        self.count = count
        self.language = language
        self.stopping = False

    def command(self, number: int) -> list[str]:
        language = ["--lang", self.language] if self.language else []
        return [sys.executable, "-m", self.module, *language, "serve", "--worker", str(number),
                "--workers", str(self.count)]

    def start(self, number: int) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(self.command(number))  # noqa: S603 (this program)
        log.info("worker %d started (pid %d)", number, process.pid)
        return process

    def run(self) -> int:
        """Serve until SIGTERM or SIGINT; 0 once every worker has stopped."""
        def stop(signum: int, _frame: FrameType | None) -> None:
            self.stopping = True
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        workers = {number: self.start(number) for number in range(1, self.count + 1)}
        started = {number: time.monotonic() for number in workers}
        backoff = {number: 1.0 for number in workers}
        restart_at: dict[int, float] = {}
        while not self.stopping:
            now = time.monotonic()
            for number, process in workers.items():
                if number in restart_at or process.poll() is None:
                    continue
                # One that dies at once (a bad setting, the database away) is started
                # again less and less often; one that served a while, at once.
                quick = now - started[number] < MAX_BACKOFF
                backoff[number] = min(backoff[number] * 2, MAX_BACKOFF) if quick else 1.0
                log.warning("worker %d exited with code %d; starting it again in %.0f s",
                            number, process.returncode, backoff[number])
                restart_at[number] = now + backoff[number]
            for number, when in list(restart_at.items()):
                if now >= when:
                    del restart_at[number]
                    workers[number], started[number] = self.start(number), now
            time.sleep(POLL_SECONDS)
        return self.stop(list(workers.values()))

    def stop(self, workers: list[subprocess.Popen[bytes]]) -> int:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in workers:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker pid %d did not stop in %.0f s; killed", process.pid,
                            STOP_SECONDS)
                process.kill()
                process.wait()
        log.info("all workers stopped")
        return 0
