"""Whole conversations written as transcripts (tests/conversation/transcripts/*.yaml) and
played against the real dispatcher on each channel.

A transcript names its people and lists steps. A step is one thing a person does, then
what each person is shown because of it:

    - An: /phananh                   # An types (a command or any text)
      An sees: [Which field]         # each text appears, in this order, in what An got
    - An taps: Land                  # the button labelled "Land" (typed where there are none)
      An sees buttons: [Xuan Loc]
    - An sends a photo: scan-1       # a photo (its channel file id)
    - An shares location: [10.93, 107.41]
    - An gives phone: "0912345678"   # Telegram's share-contact button, typed elsewhere
    - time: 2026-03-13 09:00         # the clock moves to this local time
    - scheduler runs: true           # one round of reminders and deadlines
      Bình sees: [due]
      Bình does not see: [0912]      # none of these texts is in what Bình got
    - Bình sees nothing: true        # (as an expectation) nobody wrote to Bình

People are `citizen`, or `{staff|head|admin|focal: UNIT}` (joined by an invite first).
On channels without buttons a tap types the label, as the people there do; a phone is
typed where it cannot be shared. Unknown keys are errors, so a typo cannot pass.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.spine.capabilities import capabilities
from bot.spine.messages import Kind
from complaints.people import Role
from tests.conversation.harness import Harness, Out

FOLDER = Path(__file__).parent / "transcripts"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
ACTIONS = {"": "types", "taps": "taps", "sends a photo": "photo",
           "shares location": "location", "gives phone": "phone"}
EXPECTATIONS = {"sees", "does not see", "sees buttons", "sees nothing"}


@dataclass(frozen=True)
class Transcript:
    path: Path
    title: str
    language: str
    people: dict[str, Any]
    steps: list[dict[str, Any]]

    @classmethod
    def load(cls, path: Path) -> "Transcript":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        unknown = set(data) - {"title", "language", "people", "steps"}
        assert not unknown, f"{path.name}: unknown keys {unknown}"
        return cls(path, data["title"], data.get("language", "en"), data["people"],
                   data["steps"])


def all_transcripts() -> list[Transcript]:
    return [Transcript.load(p) for p in sorted(FOLDER.glob("*.yaml"))]


class Player:
    """Plays one transcript on the harness's channel; fails at the first step whose
    outcome differs, naming the step."""

    def __init__(self, bot: Harness, transcript: Transcript) -> None:
        self.bot = bot
        self.transcript = transcript
        self.chats = {name: str(1001 + n) for n, name in enumerate(transcript.people)}
        self.screen: dict[str, dict[int, Out]] = {name: {} for name in self.chats}
        """What each person's chat shows: every message, as last edited."""

    async def play(self) -> int:
        """Play every step; the number of expectations that held."""
        self.checked = 0
        self.bot.language_code = self.transcript.language
        for name, who in self.transcript.people.items():
            if who != "citizen":
                ((role, unit),) = who.items()
                await self.bot.join(self.chats[name], Role(role), unit)
        for number, step in enumerate(self.transcript.steps, 1):
            where = f"{self.transcript.path.name} step {number} on {self.bot.channel}"
            messages = await self.act(step, where)
            self.check(step, messages, where)
        return self.checked

    async def act(self, step: dict[str, Any], where: str) -> list[Out]:
        actions = [k for k in step if self.action(k) is not None or k in ("time",
                                                                           "scheduler runs")]
        assert len(actions) == 1, f"{where}: one action per step, got {actions}"
        (key,) = actions
        value = step[key]
        if key == "time":
            self.bot.clock.now = datetime.strptime(str(value), "%Y-%m-%d %H:%M").replace(
                tzinfo=LOCAL)
            return await self.bot.new_messages()
        if key == "scheduler runs":
            return await self.bot.tick()
        name, verb = self.action(key) or ("", "")
        chat = self.chats[name]
        if verb == "types":
            return await self.bot.text(chat, str(value))
        if verb == "taps":
            return await self.tap(name, str(value), where)
        if verb == "photo":
            return await self.bot.photo(chat, str(value))
        if verb == "location":
            return await self.bot.location(chat, *value)
        if capabilities(self.bot.channel).share_contact:
            return await self.bot.contact(chat, str(value))
        return await self.bot.text(chat, str(value))

    def action(self, key: str) -> tuple[str, str] | None:
        for name in self.chats:
            if key == name:
                return name, "types"
            rest = key.removeprefix(name + " ")
            if rest != key and rest in ACTIONS:
                return name, ACTIONS[rest]
        return None

    async def tap(self, name: str, label: str, where: str) -> list[Out]:
        chat = self.chats[name]
        shown = list(self.screen[name].values())
        buttons = [b for m in shown for b in m.buttons if b["label"] == label]
        assert buttons, f"{where}: no button {label!r} in {[m.labels() for m in shown]}"
        button = buttons[-1]  # the newest one, as a person would press
        callback = button.get("kind", "callback") == "callback" and button.get("payload")
        if callback and not capabilities(self.bot.channel).numbered_options:
            return await self.bot.press(chat, str(button["payload"]))
        return await self.bot.send(chat, Kind.TEXT, text=label)

    def check(self, step: dict[str, Any], messages: list[Out], where: str) -> None:
        for name, chat in self.chats.items():
            mine = [m for m in messages if m.chat == chat]
            for message in mine:
                self.screen[name][message.edit_of or message.id] = message
            for key, value in step.items():
                expectation = key.removeprefix(name + " ")
                if expectation == key or expectation in ACTIONS:
                    continue
                assert expectation in EXPECTATIONS, f"{where}: unknown expectation {key!r}"
                self.expect(name, expectation, value, mine, where)
                self.checked += 1
        for key in step:
            assert self.action(key) or key in ("time", "scheduler runs") or any(
                key.startswith(n + " ") for n in self.chats), f"{where}: unknown key {key!r}"

    @staticmethod
    def expect(name: str, expectation: str, value: Any, mine: list[Out], where: str) -> None:
        shown = "\n".join(m.text for m in mine)
        if expectation == "sees nothing":
            assert not mine, f"{where}: {name} was sent {shown!r}"
        elif expectation == "does not see":
            seen = [str(part) for part in value if str(part) in shown]
            assert not seen, f"{where}: {name} saw {seen} in:\n{shown}"
        elif expectation == "sees":
            at = 0
            for part in value:
                found = shown.find(str(part), at)
                assert found >= 0, f"{where}: {name} did not see {part!r} (after {at}) in:\n{shown}"
                at = found + len(str(part))
        else:
            labels = [b["label"] for m in mine for b in m.buttons]
            missing = [label for label in value if label not in labels]
            assert not missing, f"{where}: {name} has no buttons {missing} in {labels}"

