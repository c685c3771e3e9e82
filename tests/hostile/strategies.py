"""Hypothesis strategies for what arrives at the service: real-shaped updates of each
channel, the same with parts replaced by junk, unknown kinds, and raw bytes."""

import itertools
import time
from typing import Any

from hypothesis import strategies as st

from tests.conversation.harness import MONDAY_MORNING

_serial = itertools.count(1)

# Text as people (and attackers) type it: any code point, lone surrogates and NUL
# included, which JSON can carry even though no database column takes them.
WILD_TEXT = st.text(st.characters(exclude_categories=()), max_size=60)
TRICKY = st.sampled_from([
    "", " ", "\x00", "a\x00b", "\ud800", "\udfff tail", "/", "/ ", "/@", "/start",
    "/start inv_", "/start sv_x", "/start " + "x" * 300, "/phananh@other_bot", "/xoadulieu",
    "/forget", "/hopthu", "/thongke 2026-Q9", "/xuat ../../etc", "/moi admin",
    "PA-2026-000001", "PA-9999-999999", "#pakn ca:claim:1", "#pakn " + "9" * 80,
    "‮reversed", "🙂" * 30, "<script>alert(1)</script>", "'; DROP TABLE cases; --",
    "%s%s%n", "{code}", "{0.__class__}", "1", "99999999999999999999999",
])
TEXT = st.one_of(WILD_TEXT, TRICKY)
OVERSIZED = st.sampled_from([3001, 4096, 4097, 20_000, 400_000]).map(lambda n: "ạ" * n)
ANY_TEXT = st.one_of(TEXT, TEXT, TEXT, OVERSIZED)

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    TEXT)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=15)
IDS = st.one_of(st.integers(1, 10**6), st.sampled_from([0, -1, 2**31, 2**53, 2**63, 10**40]))
BUTTON_DATA = st.one_of(
    TEXT,
    st.builds(lambda prefix, rest: f"{prefix}:{rest}",
              st.sampled_from(["ch", "mn", "cs", "lg", "ca", "tt", "ac", "ss", "rt", "rs", "sc",
                               "an", "xd", "zz"]),
              st.text(st.sampled_from("0123456789:abcxyz_-"), max_size=40)),
)


def unique_id() -> int:
    return 10**7 + next(_serial)


def fresh_stamp() -> str:
    """A Zalo OA timestamp (milliseconds) within the window of the stage's clock."""
    return str(int(MONDAY_MORNING.timestamp() * 1000) + next(_serial))


# --- Telegram --------------------------------------------------------------------------

def _tg_user(user_id: Any, name: Any, language: Any) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": name, "language_code": language}


@st.composite
def telegram_updates(draw: st.DrawFn) -> dict[str, Any]:
    """A Telegram update of any kind, shaped as Telegram sends it, often with some part of
    it replaced by junk or removed."""
    user_id = draw(IDS)
    user = _tg_user(user_id, draw(st.one_of(TEXT, st.just("An"))),
                    draw(st.sampled_from(["vi", "en", "fr", None, "x" * 40])))
    chat = {"id": user_id, "type": draw(st.sampled_from(
        ["private", "private", "private", "group", "supergroup", "channel"]))}
    content = draw(st.sampled_from(["text", "photo", "location", "contact", "sticker",
                                    "document", "voice", "caption"]))
    message: dict[str, Any] = {"message_id": draw(IDS), "date": int(time.time()),
                               "from": user, "chat": chat}
    if content == "text":
        message["text"] = draw(ANY_TEXT)
    elif content == "photo":
        message["photo"] = [{"file_id": draw(TEXT), "file_unique_id": "u", "width": 1,
                             "height": 1, "file_size": draw(IDS)}]
    elif content == "location":
        message["location"] = {"latitude": draw(st.floats()), "longitude": draw(st.floats())}
    elif content == "contact":
        message["contact"] = {"phone_number": draw(TEXT), "first_name": draw(TEXT),
                              "user_id": draw(st.one_of(st.just(user_id), IDS))}
    elif content == "sticker":
        message["sticker"] = {"file_id": "s", "file_unique_id": "s", "type": "regular",
                              "width": 1, "height": 1, "is_animated": False,
                              "is_video": False}
    elif content == "document":
        message["document"] = {"file_id": draw(TEXT), "file_unique_id": "d",
                               "mime_type": draw(st.sampled_from(["image/png", "text/plain",
                                                                  None]))}
    elif content == "voice":
        message["voice"] = {"file_id": "v", "file_unique_id": "v", "duration": 1}
    else:
        message["caption"] = draw(ANY_TEXT)
    kind = draw(st.sampled_from(["message", "message", "message", "callback_query",
                                 "callback_query", "edited_message", "channel_post",
                                 "my_chat_member", "poll", "inline_query", "unknown_kind"]))
    update: dict[str, Any] = {"update_id": draw(st.one_of(st.just(unique_id()), IDS))}
    if kind == "callback_query":
        update[kind] = {"id": str(unique_id()), "from": user, "chat_instance": "ci",
                        "data": draw(BUTTON_DATA), "message": message}
    elif kind in ("poll", "inline_query", "unknown_kind"):
        update[kind] = draw(JSON)
    else:
        update[kind] = message
    return draw(_mutated(update))


@st.composite
def _mutated(draw: st.DrawFn, value: dict[str, Any]) -> dict[str, Any]:
    """The value with up to three of its parts removed or replaced by any JSON."""
    for _ in range(draw(st.integers(0, 3))):
        paths = list(_paths(value))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = value
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON)
    return value


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for key, item in items:
        found.append((*prefix, key))
        found += _paths(item, (*prefix, key))
    return found


# --- Zalo ------------------------------------------------------------------------------

@st.composite
def zalo_bot_updates(draw: st.DrawFn) -> Any:
    chat = draw(st.one_of(st.just("zc-1"), TEXT, IDS))
    event = draw(st.sampled_from(["message.text.received", "message.image.received",
                                  "message.sticker.received", "message.unsupported.received",
                                  "message.location.received", "unknown"]))
    message = {"message_id": draw(st.one_of(st.just(f"m{unique_id()}"), TEXT, IDS)),
               "date": int(time.time() * 1000), "text": draw(ANY_TEXT),
               "photo": draw(st.one_of(st.just("http://127.0.0.1:9/p.png"), TEXT)),
               "from": {"id": chat, "display_name": draw(TEXT)},
               "chat": {"id": chat, "chat_type": draw(st.sampled_from(["PRIVATE", "GROUP"]))}}
    update: dict[str, Any] = {"event_name": event, "message": message}
    if draw(st.booleans()):
        update = {"ok": True, "result": update}
    return draw(st.one_of(_mutated(update), JSON))


@st.composite
def oa_events(draw: st.DrawFn) -> dict[str, Any]:
    """A Zalo OA event, signed by the test as Zalo signs it, so the fuzz reaches what
    comes after the signature check."""
    from tests.hostile.stage import OA_APP_ID

    user = draw(st.one_of(st.just("8801"), TEXT, IDS))
    name = draw(st.sampled_from(["user_send_text", "user_send_image", "user_send_location",
                                 "user_send_file", "user_send_sticker", "follow", "unfollow",
                                 "user_received_message", "anything"]))
    message = {"msg_id": draw(st.one_of(st.just(f"m{unique_id()}"), TEXT)),
               "text": draw(ANY_TEXT),
               "attachments": draw(st.one_of(
                   st.just([{"payload": {"url": "http://127.0.0.1:9/p.png",
                                         "coordinates": {"latitude": "10.9",
                                                         "longitude": "107.4"}}}]),
                   JSON))}
    event = {"app_id": OA_APP_ID, "event_name": name, "timestamp": fresh_stamp(),
             "sender": {"id": user}, "recipient": {"id": "oa"}, "follower": {"id": user},
             "message": message}
    mutated = draw(_mutated(event))
    mutated.setdefault("app_id", OA_APP_ID)
    mutated.setdefault("timestamp", fresh_stamp())
    return mutated


# --- the web chat ------------------------------------------------------------------------

@st.composite
def webchat_frames(draw: st.DrawFn) -> Any:
    """What a tab (or a script pretending to be one) sends on the chat's websocket."""
    frame = {"client_id": draw(st.one_of(st.just(f"c{unique_id():012d}"), TEXT)),
             "type": draw(st.sampled_from(["text", "button", "photo", "location", "other"])),
             "text": draw(ANY_TEXT), "payload": draw(BUTTON_DATA),
             "attachment_id": draw(st.one_of(IDS, TEXT)),
             "latitude": draw(st.one_of(st.floats(), TEXT)),
             "longitude": draw(st.one_of(st.floats(), TEXT))}
    return draw(st.one_of(_mutated(frame), _mutated(frame), JSON))
