"""The load generator of the throughput benchmark, in a process of its own.

Many simulated citizens at once, each posting real-shaped updates to the bot's Telegram
webhook and waiting for the answer before the next step, as a person does. The answers
are read from the fake Bot API's call stream; in the `pakn` flow a citizen files a whole
PAKN, pressing the buttons the bot's replies offer (their callback data) and typing the
labels of its reply keyboards. The `echo` flow posts the same kinds of updates to a bot
that answers each one, with fixed button data.

With `--think` each citizen takes a random while (half to one and a half times that
many seconds) before each step, as people read and type, and they start at random
moments within the first such while; without it they answer at once, and the figures
are the bot's capacity.

What the bot's answer to the webhook asks of Telegram (answering a button press), the
generator does at the fake, as Telegram would.

Latency is measured from just before the webhook POST to the arrival of the first
message to that chat at the fake (both stamped with the same system-wide monotonic
clock). Prints one JSON object with what was measured.
"""

import argparse
import asyncio
import json
import random
import re
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.fakes import updates
from tests.fakes.telegram_api import carry_out
from tests.fakes.updates import User

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CODE = re.compile(r"PA-\d{4}-\d{6}")
# The twelve steps of a PAKN, as the benchmark's tables name them (in English, as the
# rest of its reports), and the one a citizen takes when like cases are offered.
STEPS = ("/phananh", "consent", "field", "area", "description", "photo", "location",
         "go on", "name", "contact", "address", "send")
SIMILAR = "file mine anyway"
DESCRIPTION = "Đường ấp 3 bị ngập nước hai tuần nay sau khi thi công cống thoát nước."


@dataclass
class Message:
    """A message the bot sent to a chat, as the fake received it."""

    text: str
    markup: dict[str, Any]
    at: float

    def buttons(self) -> list[dict[str, Any]]:
        rows = self.markup.get("inline_keyboard") or self.markup.get("keyboard") or []
        return [button for row in rows for button in row]

    def callbacks(self, prefix: str) -> list[str]:
        return [str(b["callback_data"]) for b in self.buttons()
                if str(b.get("callback_data", "")).startswith(prefix)]


def offers(prefix: str) -> Callable[[Message], bool]:
    return lambda message: bool(message.callbacks(prefix))


def asks_for(kind: str) -> Callable[[Message], bool]:
    return lambda message: any(b.get(kind) for b in message.buttons())


def anything(message: Message) -> bool:
    return True


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    """Webhook POST to the first message to that chat, per update."""
    steps: list[tuple[str, float, int]] = field(default_factory=list)
    """Per step: its name, its answer's latency (webhook POST to the message the next
    step needs, the last of its answer), and how many messages the answer took (the
    pacing spaces a chat's messages)."""
    updates: int = 0
    completed: int = 0
    errors: list[str] = field(default_factory=list)
    first_post: float = float("inf")
    last_answer: float = 0.0


class Citizen:
    def __init__(self, load: "Load", user: User, rng: random.Random) -> None:
        self.load, self.user, self.rng = load, user, rng
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()

    async def step(self, name: str, update: dict[str, Any],
                   expect: Callable[[Message], bool] = anything) -> Message:
        if self.load.think:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.load.think)
        results = self.load.results
        started = time.monotonic()
        results.first_post = min(results.first_post, started)
        async with self.load.http.post(self.load.webhook, json=update,
                                       headers={SECRET_HEADER: self.load.secret}) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"webhook answered {response.status}")
            await carry_out(self.load.http, response, self.load.api, self.load.token)
        results.updates += 1
        received = 0
        while True:
            message = await asyncio.wait_for(self.inbox.get(), self.load.timeout)
            received += 1
            if received == 1:
                results.latencies.append(message.at - started)
            if expect(message):
                results.steps.append((name, message.at - started, received))
                results.last_answer = max(results.last_answer, message.at)
                return message

    async def say(self, name: str, text: str,
                  expect: Callable[[Message], bool] = anything) -> Message:
        return await self.step(name, updates.text(self.user, text), expect)

    async def press(self, name: str, data: str,
                    expect: Callable[[Message], bool] = anything) -> Message:
        return await self.step(name, updates.callback(self.user, data), expect)

    async def file_pakn(self) -> None:
        """The whole PAKN, as tests/e2e/flows.py files it, taking the buttons offered."""
        consent = await self.say(STEPS[0], "/phananh", offers("cs:"))
        fields = await self.press(STEPS[1], consent.callbacks("cs:")[0], offers("ch:field:"))
        areas = await self.press(STEPS[2], self.rng.choice(fields.callbacks("ch:field:")),
                                 offers("ch:area:"))
        await self.press(STEPS[3], self.rng.choice(areas.callbacks("ch:area:")))
        attach = await self.say(STEPS[4], DESCRIPTION,
                                lambda m: asks_for("request_location")(m)
                                or bool(m.callbacks("ch:similar:file")))
        if attach.callbacks("ch:similar:file"):
            # Like PAKN filed before are offered to be followed: these citizens file theirs.
            attach = await self.press(SIMILAR, attach.callbacks("ch:similar:file")[0],
                                      asks_for("request_location"))
        go_on = next(b["text"] for b in attach.buttons() if not b.get("request_location"))
        await self.step(STEPS[5], updates.photo(self.user, f"AgACAgUAAxkBAAI-{self.user.id}"))
        await self.step(STEPS[6], updates.location(self.user, 10.9312, 107.4125))
        await self.say(STEPS[7], go_on)
        await self.say(STEPS[8], "Nguyễn Văn An", asks_for("request_contact"))
        await self.step(STEPS[9],
                        updates.contact(self.user, f"849{self.user.id % 100_000_000:08d}"))
        summary = await self.say(STEPS[10], "Số 12, ấp 3, xã Xuân Bắc",
                                 offers("ch:confirm:send"))
        receipt = await self.press(STEPS[11], summary.callbacks("ch:confirm:send")[0],
                                   lambda m: bool(CODE.search(m.text)))
        assert CODE.search(receipt.text)

    async def echo(self) -> None:
        """The same twelve kinds of update, to a bot that answers each."""
        await self.say(STEPS[0], "/phananh")
        await self.press(STEPS[1], "cs:1")
        await self.press(STEPS[2], "ch:field:dat_dai")
        await self.press(STEPS[3], "ch:area:26428")
        await self.say(STEPS[4], DESCRIPTION)
        await self.step(STEPS[5], updates.photo(self.user, f"AgACAgUAAxkBAAI-{self.user.id}"))
        await self.step(STEPS[6], updates.location(self.user, 10.9312, 107.4125))
        await self.say(STEPS[7], "Tiếp tục")
        await self.say(STEPS[8], "Nguyễn Văn An")
        await self.step(STEPS[9],
                        updates.contact(self.user, f"849{self.user.id % 100_000_000:08d}"))
        await self.say(STEPS[10], "Số 12, ấp 3, xã Xuân Bắc")
        await self.press(STEPS[11], "ch:confirm:send")

    async def run(self, flow: str, rounds: int) -> None:
        # At a human pace, people start at different moments.
        await asyncio.sleep(self.rng.uniform(0, self.load.think))
        for _ in range(rounds):
            try:
                await (self.file_pakn() if flow == "pakn" else self.echo())
                self.load.results.completed += 1
            except (TimeoutError, RuntimeError, AssertionError, IndexError,
                    StopIteration, aiohttp.ClientError) as exc:
                self.load.results.errors.append(f"{self.user.id}: {exc!r}")
                return


class Load:
    def __init__(self, args: argparse.Namespace, http: aiohttp.ClientSession) -> None:
        self.webhook, self.secret, self.timeout = args.webhook, args.secret, args.timeout
        self.api, self.token = args.fake, args.token
        self.think = args.think
        self.http = http
        self.results = Results()
        rng = random.Random(args.seed)
        self.citizens = {
            user_id: Citizen(self, User(user_id, f"Dân {n}", "Nguyễn"),
                             random.Random(rng.random()))
            for n in range(args.citizens) for user_id in [args.first_user + n]}

    async def listen(self, stream: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in stream:
            for event in json.loads(frame.data):
                citizen = self.citizens.get(event["chat_id"] or 0)
                if citizen is not None and event["method"] == "sendMessage" \
                        and not event["failed"]:
                    citizen.inbox.put_nowait(Message(event["text"], event["markup"] or {},
                                                     event["at"]))


async def generate(args: argparse.Namespace) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http, \
            http.ws_connect(f"{args.fake}/_stream", max_msg_size=0) as stream:
        load = Load(args, http)
        listener = asyncio.create_task(load.listen(stream))
        await asyncio.gather(*(c.run(args.flow, args.rounds) for c in load.citizens.values()))
        listener.cancel()
    r = load.results
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"updates": r.updates, "completed": r.completed, "failed": len(r.errors),
            "errors": r.errors[:20], "seconds": max(r.last_answer - r.first_post, 1e-9),
            "latencies": r.latencies, "steps": r.steps,
            "cpu_seconds": usage.ru_utime + usage.ru_stime}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--webhook", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--fake", required=True, help="the fake Bot API's base URL")
    parser.add_argument("--token", required=True, help="the bot's token at the fake")
    parser.add_argument("--flow", choices=["pakn", "echo"], default="pakn")
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1, help="PAKN per citizen")
    parser.add_argument("--first-user", type=int, default=500_000_001)
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a citizen takes before each step (0: none)")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    json.dump(asyncio.run(generate(parser.parse_args())), sys.stdout)


if __name__ == "__main__":
    main()
