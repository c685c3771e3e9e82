"""The Zalo Official Account's access token, refreshed with its single-use refresh token.

The pair lives in the database (bot.core.ports.ChannelStore). A refresh happens inside a
transaction that locks the row: a second worker wanting to refresh waits, then finds the
new pair and uses it, so the refresh token is never spent twice (which would lock the OA
out)."""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp

from bot.channels.zalo.official_account import ZaloAuthError
from bot.spine.channel_ports import ChannelStore, ZaloTokens

log = logging.getLogger(__name__)
EARLY = timedelta(minutes=5)
"""Refresh this long before the access token expires."""


class ZaloOAuth:
    """`POST {oauth}/v4/oa/access_token` with grant_type=refresh_token."""

    def __init__(self, oauth_url: str, app_id: str, app_secret: str) -> None:
        self.url = f"{oauth_url.rstrip('/')}/v4/oa/access_token"
        self.app_id, self.app_secret = app_id, app_secret

    async def refresh(self, refresh_token: str) -> tuple[str, str, int]:
        """(access token, new refresh token, seconds the access token lives)."""
        form = {"refresh_token": refresh_token, "app_id": self.app_id,
                "grant_type": "refresh_token"}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session, \
                session.post(self.url, data=form, headers={"secret_key": self.app_secret}
                             ) as response:
            body = await response.json(content_type=None)
        if not isinstance(body, dict) or not body.get("access_token"):
            detail = body.get("error_description") or body.get("error_name") if isinstance(
                body, dict) else body
            raise ZaloAuthError(f"Zalo refused the refresh token: {detail}")
        return (str(body["access_token"]), str(body["refresh_token"]),
                int(body.get("expires_in") or 3600))


class ZaloTokenKeeper:
    def __init__(self, store: ChannelStore, oauth: ZaloOAuth,
                 clock: Callable[[], datetime]) -> None:
        self.store = store
        self.oauth = oauth
        self.clock = clock
        self._lock = asyncio.Lock()

    async def access_token(self, refused: str | None = None) -> str:
        """A valid access token; `refused` is one Zalo just rejected, to be replaced."""
        async with self.store.unit_of_work() as uow:
            tokens = await uow.zalo_tokens.get()
        if tokens is None:
            raise ZaloAuthError("no Zalo OA token: set one with `pakn zalo-oa set-token`")
        if self._usable(tokens, refused):
            assert tokens.access_token is not None
            return tokens.access_token
        async with self._lock:  # one refresh at a time in this process
            return await self._refresh(refused)

    def _usable(self, tokens: ZaloTokens, refused: str | None) -> bool:
        if not tokens.access_token or tokens.access_token == refused:
            return False
        return tokens.expires_at is None or tokens.expires_at - EARLY > self.clock()

    async def _refresh(self, refused: str | None) -> str:
        async with self.store.unit_of_work() as uow:
            tokens = await uow.zalo_tokens.get(for_update=True)
            if tokens is None:
                raise ZaloAuthError("no Zalo OA token: set one with `pakn zalo-oa set-token`")
            if self._usable(tokens, refused):
                assert tokens.access_token is not None
                return tokens.access_token  # another worker refreshed while we waited
            access, refresh, lifetime = await self.oauth.refresh(tokens.refresh_token)
            now = self.clock()
            await uow.zalo_tokens.save(ZaloTokens(access, refresh,
                                                  now + timedelta(seconds=lifetime), now))
        log.info("Zalo OA access token refreshed")
        return access

    async def set_refresh_token(self, refresh_token: str) -> None:
        """An administrator's initial (or replacement) refresh token."""
        async with self.store.unit_of_work() as uow:
            await uow.zalo_tokens.save(ZaloTokens(None, refresh_token, None, self.clock()))
