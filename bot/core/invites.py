"""Invite tokens: random, shown once, stored only as a hash, single-use, expiring."""

import hashlib
import secrets
from datetime import datetime, timedelta

from bot.core.ports import InviteRepository
from complaints.people import Role

PREFIX = "inv_"


def new_token() -> str:
    # 24 bytes -> 32 URL-safe characters: fits Telegram's 64-character start parameter.
    return PREFIX + secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def telegram_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


async def create_invite(invites: InviteRepository, role: Role, unit: str | None,
                        created_by: int | None, now: datetime, days: int) -> str:
    """Store a new invite and return its token (the only time it exists in clear)."""
    token = new_token()
    await invites.create(token_hash(token), role, unit, created_by, now,
                         now + timedelta(days=days))
    return token
