"""Citizens filing whole PAKN over the webhook, as people do: each answer is sent once
the bot's question has arrived."""

from collections.abc import Callable
from typing import Any

from bot.present.i18n import _, use_locale
from bot.runtime.settings import Settings
from bot.spine.callbacks import Choose, Consent
from tests.e2e.flows import CODE
from tests.fakes import updates
from tests.fakes.updates import User
from tests.faults.bot_api import FaultyBotApi
from tests.faults.office import DESKS
from tests.faults.webhook import Webhook

REPLY_TIMEOUT = 300.0
"""How long a citizen waits for the bot's question: outages and restarts included."""

Step = tuple[Callable[[], dict[str, Any]], int]


def pakn_steps(user: User, field: str = "dat_dai", area: str = "26428") -> list[Step]:
    """The updates of a first-time citizen's PAKN, each with how many messages the bot
    answers it with."""
    with use_locale("vi"):
        go_on = _("Continue")
    return [
        (lambda: updates.text(user, "/phananh"), 1),
        (lambda: updates.callback(user, Consent(Settings().notice_version).pack()), 2),
        (lambda: updates.callback(user, Choose("field", field).pack()), 1),
        (lambda: updates.callback(user, Choose("area", area).pack()), 1),
        (lambda: updates.text(user, "Đường ấp 3 bị ngập nước hai tuần nay sau khi thi công "
                                    f"cống (người gửi {user.id})."), 1),
        (lambda: updates.photo(user, f"AgACAgUAAxkBAAIB-{user.id}"), 1),
        (lambda: updates.location(user, 10.9312, 107.4125), 1),
        (lambda: updates.text(user, go_on), 1),
        (lambda: updates.text(user, f"{user.first_name} {user.last_name}"), 1),
        (lambda: updates.contact(user, f"8491{user.id % 10_000_000:07d}"), 1),
        (lambda: updates.text(user, "Số 12, ấp 3, xã Xuân Bắc"), 1),
        (lambda: updates.callback(user, Choose("confirm", "send").pack()), 1),
    ]


def citizens(count: int, first_id: int) -> list[User]:
    return [User(first_id + n, f"Dân {n}", "Nguyễn") for n in range(count)]


def field_of(user: User) -> str:
    """Citizens spread over the desks."""
    return list(DESKS)[user.id % len(DESKS)]


async def file_pakn(webhook: Webhook, api: FaultyBotApi, user: User) -> str:
    """File a PAKN; returns the tracking code the bot sent."""
    expected = len(api.received[user.id])
    for make, replies in pakn_steps(user, field_of(user)):
        await webhook.deliver(make())
        expected += replies
        await api.wait_for(lambda calls, want=expected: len(api.received[user.id]) >= want,
                           timeout=REPLY_TIMEOUT)
    # A message sent twice (at least once delivery) may have made up the count.
    await api.wait_for(lambda calls: receipt_codes(api, user), timeout=REPLY_TIMEOUT)
    codes = receipt_codes(api, user)
    assert len(codes) == 1, f"citizen {user.id} got codes {codes}"
    return codes.pop()


def receipt_codes(api: FaultyBotApi, user: User) -> set[str]:
    """The codes of the receipts the bot sent the citizen: not the codes of the similar
    cases it offered them before (the citizens here all report the same flooded road)."""
    return {match.group(0) for text in api.received[user.id] if RECEIPT in text
            for match in [CODE.search(text)] if match}


# The receipt's first line, in the citizens' language.
with use_locale("vi"):
    RECEIPT = _("Your PAKN was received.\nTracking code: {code}\nSent to: {unit}\nDue by: {due}\n"
                "I will tell you here when it is taken up and answered. To follow it, send "
                "/tracuu {code}").split("\n", 1)[0]
