"""Short-lived signed links to files the bot keeps (a photo, an apology's PDF, an export),
for channels that take a file only by URL (Zalo). Anyone holding the link may fetch the
file until it expires; nothing else is needed, so the links are kept short-lived."""

import hashlib
import hmac
from datetime import datetime, timedelta

DEFAULT_TTL = timedelta(hours=24)


class FileLinks:
    def __init__(self, key: bytes, base_url: str, ttl: timedelta = DEFAULT_TTL) -> None:
        self.key = key
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl

    def _signature(self, attachment_id: int, expires: int) -> str:
        message = f"{attachment_id}.{expires}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:40]

    def url(self, attachment_id: int, now: datetime) -> str:
        expires = int((now + self.ttl).timestamp())
        signature = self._signature(attachment_id, expires)
        return f"{self.base_url}/files/{attachment_id}?exp={expires}&sig={signature}"

    def valid(self, attachment_id: int, expires: str, signature: str, now: datetime) -> bool:
        if not expires.isdigit() or int(expires) < now.timestamp():
            return False
        expected = self._signature(attachment_id, int(expires))
        return hmac.compare_digest(expected.encode(), signature.encode())
