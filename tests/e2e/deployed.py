"""The service started as its container image starts it: deploy/entrypoint.sh, in a
process of its own (no container engine runs on the test machine), and Caddy in front
of it as deploy/compose.yaml puts it."""

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

import aiohttp

from bot.runtime.workers import WORKER_HEADER
from tests.e2e.service import ROOT
from tests.ports import free_port

DEPLOY = ROOT / "deploy"
ENTRYPOINT = DEPLOY / "entrypoint.sh"
STOP_SECONDS = 45.0


class Deployed:
    def __init__(self, workdir: Path, database_url: str, workers: int = 1,
                 **env: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PAKN_")}
        self.env.update(PAKN_DATABASE_URL=database_url, PAKN_HOST="127.0.0.1",
                        PAKN_PORT=str(self.port), PAKN_WORKERS=str(workers),
                        PAKN_COMMAND=f"{sys.executable} -m bot", PAKN_PYTHON=sys.executable,
                        PAKN_WAIT_SECONDS="60", PYTHONUNBUFFERED="1", **env)
        self.output: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def run(self, *args: str) -> int:
        """`entrypoint.sh ARGS` to its end (health, a pakn command); its exit code."""
        process = await asyncio.create_subprocess_exec(
            "sh", str(ENTRYPOINT), *args, cwd=self.workdir, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        return await asyncio.wait_for(process.wait(), 60)

    async def start(self, timeout: float = 120.0) -> "Deployed":
        self.process = await asyncio.create_subprocess_exec(
            "sh", str(ENTRYPOINT), cwd=self.workdir, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True)
        self._reader = asyncio.create_task(self._read())
        deadline = asyncio.get_running_loop().time() + timeout
        while await self.run("health") != 0:
            if self.process.returncode is not None:
                raise RuntimeError("the entrypoint exited:\n" + self.log())
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("the service did not become healthy:\n" + self.log())
            await asyncio.sleep(0.2)
        await self._every_worker_listening(deadline)
        return self

    async def _every_worker_listening(self, deadline: float) -> None:
        """Healthy is one worker answering: the kernel hands a new connection to the
        workers listening on the port, so a worker still starting gets none of those
        made meanwhile. New connections until each worker has answered one."""
        workers = int(self.env["PAKN_WORKERS"])
        seen: set[str] = set()
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http:
            while len(seen) < workers:
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"only workers {sorted(seen)} answered:\n" + self.log())
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.url}/healthz") as answer:
                        seen.add(answer.headers.get(WORKER_HEADER, "1"))
                await asyncio.sleep(0.05)

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for line in self.process.stdout:
            self.output.append(line.decode(errors="replace").rstrip())

    def log(self) -> str:
        return "\n".join(self.output[-60:])

    async def stop(self) -> int:
        """SIGTERM, as a container engine or systemd stops it; the exit code."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                await self.process.wait()
                raise AssertionError("did not stop on SIGTERM:\n" + self.log()) from None
        if self._reader is not None:
            await self._reader
        return self.process.returncode

    async def kill(self) -> None:
        """After a failed test: nothing of it is left running."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()


class Caddy:
    """Caddy with deploy/Caddyfile: TLS (its own authority, `tls internal`) in front of
    the service, whose address it finds in DNS as in the compose set-up."""

    def __init__(self, workdir: Path, upstream_port: int) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.port = free_port()
        self.url = f"https://localhost:{self.port}"
        self.config = workdir / "Caddyfile"
        # Options for a test only; the site block is the repository's file.
        self.config.write_text(
            "{\n\tadmin off\n\tauto_https disable_redirects\n\tskip_install_trust\n"
            f"\tstorage file_system {workdir / 'data'}\n}}\n"
            f"import {DEPLOY / 'Caddyfile'}\n", encoding="utf-8")
        self.env = {"PATH": os.environ.get("PATH", ""), "HOME": str(workdir),
                    "XDG_DATA_HOME": str(workdir / "data"),
                    "XDG_CONFIG_HOME": str(workdir / "config"),
                    "PAKN_DOMAIN": f"localhost:{self.port}", "PAKN_TLS": "tls internal",
                    "PAKN_UPSTREAM": "localhost", "PAKN_UPSTREAM_PORT": str(upstream_port)}
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> "Caddy":
        self.process = await asyncio.create_subprocess_exec(
            "caddy", "run", "--config", str(self.config), "--adapter", "caddyfile",
            cwd=self.workdir, env=self.env, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
        return self

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
