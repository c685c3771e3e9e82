"""What a channel can show and take, as the channel declares it, and the registry of the
channels the service speaks (filled by bot.channels, one line a channel).

Code outside bot.channels asks `capabilities(chat.channel)` what a chat's channel can do:
it never keeps tables of channel names."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Capabilities:
    """One channel's controls, limits and pacing."""

    channel: str
    """The channel's name, as chats, accounts and outbox rows carry it."""
    buttons: bool = False
    """Buttons under a message, answered by a press (the payload comes back)."""
    reply_keyboard: bool = False
    """Buttons in place of the keyboard, which may ask for the person's phone number or
    place (Telegram's reply keyboard)."""
    numbered_options: bool = False
    """Options may come as a numbered list, answered by the number or the label: the
    list is kept in the chat's state to read the answer against."""
    share_contact: bool = False
    """A control that sends the person's own phone number."""
    share_location: bool = False
    """A control that sends where the person is."""
    sends_files: bool = False
    """A file goes itself, not as a link to it (an export goes only to these)."""
    links_files: bool = False
    """Files go as links the person opens later: a sensitive message's file is kept when
    it is delivered."""
    shown_later: bool = False
    """What is delivered is read later from the chat's history: a sensitive message is
    emptied once read, not on delivery."""
    keeps_file_ids: bool = False
    """Files are named by this channel's own ids, kept with the attachment to send it
    again without uploading it (one channel at most: the attachment keeps one id)."""
    text_limit: int | None = None
    """Characters in one message; longer replies go in parts."""
    caption_limit: int | None = None
    """Characters of the text under a photo or document."""
    reply_window: bool = False
    """The channel lets the service write only for a while after the person last wrote
    (Zalo OA's free-reply window): other messages are recorded undeliverable."""
    rate_per_second: float | None = None
    """Overall sending rate the channel allows, or None for no limit."""
    per_chat_interval: float = 0.0
    """Seconds to leave between two messages to the same chat."""


_REGISTERED: dict[str, Capabilities] = {}


def register(declared: Capabilities, *, replacing: bool = False) -> None:
    """A channel the service speaks. Registering the same declaration again is a no-op;
    a second, different declaration under the same name is a mistake, unless it is
    `replacing` the first (the benchmarks lift Telegram's pacing)."""
    known = _REGISTERED.get(declared.channel)
    if known == declared:
        return
    if known is not None and not replacing:
        raise ValueError(f"channel {declared.channel!r} is already registered")
    if declared.keeps_file_ids and file_ids_channel() not in (None, declared.channel):
        raise ValueError("only one channel may keep its file ids with the attachments")
    _REGISTERED[declared.channel] = declared


def capabilities(channel: str) -> Capabilities:
    """The channel's declaration; a channel that declared none (staff's paper records,
    imports) has no controls and no limits."""
    return _REGISTERED.get(channel) or Capabilities(channel)


def file_ids_channel() -> str | None:
    """The channel whose file ids the attachments keep, if one is registered."""
    return next((c.channel for c in _REGISTERED.values() if c.keeps_file_ids), None)
