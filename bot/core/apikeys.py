"""Keys for apps using the API: filing PAKN through Open311 (scope `open311`), pushing
dossiers from the one-stop system (scope `dossiers:write`). A key is shown once when
issued and kept only as its SHA-256; each key has its own account and chat on the Open311
channel, so what the bot owes the sender of such a PAKN has somewhere to go."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.spine.messages import OPEN311

if TYPE_CHECKING:  # the command line reads SCOPES without loading the domain and storage
    from bot.core.ports import ApiKey, HasAccounts, HasSignIns

    class Needs(HasAccounts, HasSignIns, Protocol):
        """What issuing and checking keys use."""

PREFIX = "pakn_"
OPEN311_SCOPE, DOSSIERS_SCOPE = "open311", "dossiers:write"
SCOPES = (OPEN311_SCOPE, DOSSIERS_SCOPE)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Client:
    """The app behind a key, as the dispatcher sees it."""

    key: ApiKey
    chat_id: str


async def issue_key(uow: Needs, name: str, now: datetime,
                    scopes: frozenset[str] = frozenset({OPEN311_SCOPE})) -> tuple[str, int]:
    """A new key for the app `name`: the key itself (to show once) and its number."""
    chat = f"app-{secrets.token_hex(8)}"
    account = await uow.accounts.identify(OPEN311, chat, chat, name, None, now)
    key = PREFIX + secrets.token_urlsafe(32)
    return key, await uow.web.create_api_key(key_hash(key), name, account.id, now, scopes)


async def client_of(uow: Needs, key: str) -> Client | None:
    """The app a key belongs to, unless the key is unknown or revoked."""
    found = await uow.web.api_key(key_hash(key))
    if found is None:
        return None
    chats = [c for c in await uow.accounts.chats(found.account_id) if c.channel == OPEN311]
    return Client(found, chats[0].chat_id) if chats else None
