"""Real-shaped Telegram Update JSON, as Telegram posts it to a webhook."""

import itertools
import time
from dataclasses import dataclass
from typing import Any

_update_ids = itertools.count(100000)
_message_ids = itertools.count(5000)


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    last_name: str = ""
    language_code: str | None = "vi"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.language_code:
            data["language_code"] = self.language_code
        return data


def _message(user: User, **content: Any) -> dict[str, Any]:
    return {"message_id": next(_message_ids), "date": int(time.time()), "from": user.as_json(),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            **content}


def text(user: User, body: str, update_id: int | None = None,
         reply_to: int | None = None) -> dict[str, Any]:
    """A text message; `reply_to`: the id of the bot's message it replies to."""
    content: dict[str, Any] = {"text": body}
    if reply_to is not None:
        content["reply_to_message"] = {
            "message_id": reply_to, "date": int(time.time()), "text": "…",
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name}}
    if body.startswith("/"):
        command = body.split(" ", 1)[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id or next(_update_ids), "message": _message(user, **content)}


def photo(user: User, file_id: str, caption: str | None = None) -> dict[str, Any]:
    sizes = [{"file_id": f"{file_id}-small", "file_unique_id": f"{file_id}-s", "width": 90,
              "height": 67, "file_size": 1200},
             {"file_id": file_id, "file_unique_id": f"{file_id}-l", "width": 1280,
              "height": 960, "file_size": 98000}]
    content: dict[str, Any] = {"photo": sizes}
    if caption:
        content["caption"] = caption
    return {"update_id": next(_update_ids), "message": _message(user, **content)}


def location(user: User, latitude: float, longitude: float) -> dict[str, Any]:
    return {"update_id": next(_update_ids),
            "message": _message(user, location={"latitude": latitude, "longitude": longitude})}


def contact(user: User, phone: str, own: bool = True) -> dict[str, Any]:
    shared = {"phone_number": phone, "first_name": user.first_name}
    if own:
        shared["user_id"] = user.id
    return {"update_id": next(_update_ids), "message": _message(user, contact=shared)}


def sticker(user: User) -> dict[str, Any]:
    return {"update_id": next(_update_ids), "message": _message(user, sticker={
        "file_id": "sticker-1", "file_unique_id": "st-1", "type": "regular", "width": 512,
        "height": 512, "is_animated": False, "is_video": False})}


def callback(user: User, data: str, message_id: int = 1,
             update_id: int | None = None) -> dict[str, Any]:
    message = _message(User(7000000001, "PAKN Xuân Lộc"), text="(card)")
    message["message_id"] = message_id
    message["chat"] = {"id": user.id, "type": "private", "first_name": user.first_name}
    return {"update_id": update_id or next(_update_ids),
            "callback_query": {"id": str(next(_update_ids)), "from": user.as_json(),
                               "chat_instance": f"ci-{user.id}", "data": data,
                               "message": message}}
