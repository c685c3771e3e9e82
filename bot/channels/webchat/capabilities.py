"""What the web chat can do: buttons, the browser's geolocation behind the "share my
location" control, and a history the tabs read (delivered means stored for the chat)."""

from bot.spine.capabilities import Capabilities

CHANNEL = "webchat"
CAPABILITIES = Capabilities(
    CHANNEL, buttons=True, share_location=True,
    # A sensitive message is emptied once a tab has read it from the history
    # (storage.conversation.transcript), not on delivery.
    shown_later=True)
