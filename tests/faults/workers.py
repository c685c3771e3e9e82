"""Service processes for the fault tests: the real `pakn serve`, by webhook, against the
fake Bot API; one can be killed outright."""

import signal
from pathlib import Path

from bot.runtime.settings import Settings
from tests.e2e.service import SECRET, TOKEN, ServiceProcess


class Worker(ServiceProcess):
    def __init__(self, workdir: Path, database_url: str, api_url: str, **env: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        # The service as shipped: Telegram's pacing per chat and flood control on.
        shipped = {"PAKN_TELEGRAM_CHAT_INTERVAL_MS": str(Settings.telegram_chat_interval_ms),
                   "PAKN_ZALO_CHAT_INTERVAL_MS": str(Settings.zalo_chat_interval_ms),
                   "PAKN_FLOOD_PER_MINUTE": str(Settings.flood_per_minute)}
        super().__init__(workdir, database_url, PAKN_TELEGRAM_TOKEN=TOKEN,
                         PAKN_TELEGRAM_API_URL=api_url, PAKN_TELEGRAM_WEBHOOK_SECRET=SECRET,
                         **{**shipped, **env})
        self.env["PAKN_PUBLIC_URL"] = self.url

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, whatever was under way stops where it was."""
        process = self._process
        assert process is not None and process.returncode is None, "not running"
        process.send_signal(signal.SIGKILL)
        await process.wait()
        if self._reader is not None:
            await self._reader

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None
