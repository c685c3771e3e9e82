"""`pakn` commands in processes of their own, forked from one that has imported the
service already (Python's forkserver, as a preloading server does), not started as new
interpreters: each start saves the interpreter's own start and about a second of CPU
importing the service, which the suite pays for every service and command it starts.

The process runs `bot.cli.main`, what `python -m bot` runs, with the test's arguments,
environment and working directory, its output to the test. The entry point as an
executable (`python -m bot`, the image's entrypoint) is tested by starting it for real:
tests/project/test_cli_ops.py, tests/e2e/test_deploy.py, tests/faults/test_backup_under_load.py."""

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from multiprocessing.connection import Connection
from pathlib import Path

import bot

_CONTEXT = multiprocessing.get_context("forkserver")
# What `pakn serve` and the commands import; the server loads it once, its children share it.
_CONTEXT.set_forkserver_preload(["tests.e2e.forked", "bot.cli", "bot.app", "bot.commands.parser",
                                 "storage.migrate"])
_MAIN = str(Path(bot.__file__).with_name("__main__.py"))
"""sys.argv[0] under `python -m bot`."""


def _pakn(args: list[str], env: dict[str, str], cwd: str, out: Connection | None,
          files: tuple[str, str] | None) -> None:
    """In the forked process: become `python -m bot ARGS` and run."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    if out is not None:  # stdout and stderr together, to the test's pipe
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        out.close()
    elif files is not None:
        for fd, path in zip((1, 2), files, strict=True):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
    # Line by line, as under PYTHONUNBUFFERED: the test reads the log while it runs.
    sys.stdout = os.fdopen(1, "w", encoding="utf-8", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", encoding="utf-8", errors="backslashreplace", buffering=1,
                           closefd=False)
    sys.argv = [_MAIN, *args]
    from bot.cli import main
    code = main(args)
    sys.stdout.flush()
    sys.stderr.flush()
    raise SystemExit(code)


class Forked:
    """What the tests use of asyncio.subprocess.Process, for a forked `pakn`."""

    def __init__(self, process: multiprocessing.process.BaseProcess,
                 stdout: asyncio.StreamReader) -> None:
        self._process = process
        self.stdout = stdout
        assert process.pid is not None
        self.pid: int = process.pid

    @property
    def returncode(self) -> int | None:
        """As asyncio's: the exit status, or minus the signal that ended it."""
        return self._process.exitcode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    async def wait(self) -> int:
        loop = asyncio.get_running_loop()
        while self.returncode is None:  # the sentinel is readable once it has ended
            ended = loop.create_future()
            loop.add_reader(self._process.sentinel, ended.set_result, None)
            try:
                if self.returncode is None:
                    await ended
            finally:
                loop.remove_reader(self._process.sentinel)
        self._process.join()
        return self._process.exitcode or 0


async def start(args: Sequence[str], env: Mapping[str, str], cwd: Path) -> Forked:
    """`python -m bot ARGS` running, its stdout and stderr as one stream."""
    reader, writer = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_pakn, args=(list(args), dict(env), str(cwd), writer,
                                                   None), daemon=True)
    # The first start in a test process starts the server, which imports the service.
    await asyncio.to_thread(process.start)
    writer.close()
    stream = asyncio.StreamReader(limit=2**20)
    pipe = os.fdopen(os.dup(reader.fileno()), "rb", buffering=0)  # the transport closes it
    reader.close()
    await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(stream), pipe)
    return Forked(process, stream)


def run(args: Sequence[str], env: Mapping[str, str], cwd: Path,
        timeout: float) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` to its end, as subprocess.run(capture_output=True, text=True)."""
    with tempfile.TemporaryDirectory() as folder:
        files = (os.path.join(folder, "out"), os.path.join(folder, "err"))
        process = _CONTEXT.Process(target=_pakn, args=(list(args), dict(env), str(cwd), None,
                                                       files), daemon=True)
        process.start()
        process.join(timeout)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired(["pakn", *args], timeout)
        out, err = (Path(path).read_text("utf-8", errors="replace") for path in files)
        return subprocess.CompletedProcess(["pakn", *args], process.exitcode, out, err)
