"""Short-lived signed links to files the bot keeps (a photo, an apology's PDF), for
channels that take a file only by URL (Zalo). Anyone holding the link may fetch the file
until it expires; nothing else is needed, so the links are kept short-lived.

A link names one file forever: the signature binds the file's id and its random key,
which is kept with the file and never shown. Ids are never given twice (AUTOINCREMENT,
sequences), and should one be (a database restored from an older backup), the file that
gets it has another key, so a link issued for the first never serves it. Exports are
never served by these links (only to administrators signed in on the dashboard)."""

import hashlib
import hmac
import re
from datetime import datetime, timedelta

from bot.core.records import MAX_ID

DEFAULT_TTL = timedelta(hours=24)
EXPORT_PAGE = "/quan-tri/xuat/tep/{attachment_id}"
"""Where an export made in chat is downloaded: by administrators signed in, only."""
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(text: str) -> int | None:
    """An id from a path: digits only, and small enough for the database; else None
    (the route answers 404 rather than fail on it)."""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class FileLinks:
    def __init__(self, key: bytes, base_url: str, ttl: timedelta = DEFAULT_TTL) -> None:
        self.key = key
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl

    def _signature(self, attachment_id: int, file_key: str, expires: int) -> str:
        message = f"{attachment_id}.{file_key}.{expires}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:40]

    def url(self, attachment_id: int, file_key: str, now: datetime) -> str:
        expires = int((now + self.ttl).timestamp())
        signature = self._signature(attachment_id, file_key, expires)
        return f"{self.base_url}/files/{attachment_id}?exp={expires}&sig={signature}"

    def valid(self, attachment_id: int, file_key: str, expires: str, signature: str,
              now: datetime) -> bool:
        if not file_key or not expires.isascii() or not expires.isdigit() or len(expires) > 12:
            return False
        if int(expires) < now.timestamp():
            return False
        expected = self._signature(attachment_id, file_key, int(expires))
        return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))
