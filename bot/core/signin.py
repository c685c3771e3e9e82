"""Signing in on the web without passwords: the bot gives a staff member or administrator
a one-time code in their chat; the browser then holds a session token. Both are random,
short-lived and stored only as hashes."""

import hashlib
import secrets
from datetime import timedelta

CODE_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=12)
"""However active, a session ends after a working day; idle ones sooner (storage/web.py)."""
SIGN_IN_PATH = "/quan-tri/dang-nhap"


def new_code() -> str:
    """Eight digits: easy to type from a phone, 10^8 guesses against a few allowed."""
    return f"{secrets.randbelow(10**8):08d}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(typed: str) -> str:
    """What people type: spaces or dashes between the groups are fine."""
    return "".join(ch for ch in typed if ch.isdigit())
