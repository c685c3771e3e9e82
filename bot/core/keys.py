"""Secrets of the deployment kept in the database, made once for every worker."""

import secrets
from typing import Protocol

from bot.core.ports import HasLocks, HasMeta

BOT_USERNAME_KEY = "telegram_username"
"""Where the Telegram bot's username is kept once the bot is started, for the links that
open a chat with it (invites, survey and dossier links)."""


class Needs(HasLocks, HasMeta, Protocol):
    """The repositories these use cases use."""


async def deployment_secret(uow: Needs, name: str) -> str:
    """The secret called `name`, made at its first use (under a lock, so two workers that
    need it at once agree on one)."""
    secret = await uow.meta.get(name)
    if secret is None:
        await uow.lock(name)
        secret = await uow.meta.get(name)
        if secret is None:
            secret = secrets.token_hex(32)
            await uow.meta.set(name, secret)
    return secret


async def deployment_key(uow: Needs, name: str) -> bytes:
    """The key called `name`, made at its first use."""
    return bytes.fromhex(await deployment_secret(uow, name))
