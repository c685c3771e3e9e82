"""HTTP routes: health, the channels' webhooks, the web chat page and its endpoints."""

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.channels.webchat import WebChatChannel, embed_script, frame_ancestors
from bot.core.limits import Door
from bot.present.i18n import resolve_language, use_locale
from bot.web.limits import WebLimits
from bot.web.render import SECURITY_HEADERS, templates
from storage.db import Database

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STATIC = Path(__file__).resolve().parent.parent / "static"
MAX_REQUEST = 6 << 20


class Routes:
    def __init__(self, database: Database, webchat: WebChatChannel, default_language: str,
                 limits: WebLimits, webhooks: dict[str, Handler] | None = None,
                 files: Handler | None = None, embed_origins: tuple[str, ...] = ()) -> None:
        self.database = database
        self.embed_origins = embed_origins
        self.webchat = webchat
        self.limits = limits
        self.default_language = default_language
        self.webhooks = webhooks or {}
        self.files = files

    def install(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self.health)
        for name, handler in self.webhooks.items():
            app.router.add_post(f"/webhook/{name}", handler)
        if self.files is not None:
            app.router.add_get("/files/{attachment_id}", self.files)
        app.router.add_get("/", self.chat_page)
        app.router.add_get("/chat/ws", self.webchat.websocket)
        app.router.add_get("/chat/embed.js", embed_script)
        app.router.add_post("/chat/upload", self.webchat.upload)
        app.router.add_get("/chat/media/{attachment_id}", self.webchat.media)
        app.router.add_static("/static/", STATIC, append_version=True, name="static")

    async def health(self, request: web.Request) -> web.Response:
        database = await self.database.ping()
        return web.json_response({"status": "ok" if database else "degraded",
                                  "database": "ok" if database else "unavailable"},
                                 status=200 if database else 503)

    async def chat_page(self, request: web.Request) -> web.Response:
        """The chat; a new visitor (no cookie of ours) gets one, within the limit of new
        sessions per address (PAKN_LIMIT_CHAT_SESSIONS)."""
        new = self.webchat.visitor(request) is None
        if new and (over := await self.limits.check(request, Door.CHAT_SESSION)) is not None:
            return self.limits.refusal(request, over)
        language = resolve_language(request.query.get("lang"),
                                    request.headers.get("Accept-Language", "").split(",")[0],
                                    self.default_language)
        with use_locale(language):
            html = templates().get_template("chat.html").render(
                language=language, embedded=request.query.get("embed") == "1",
                static=lambda name: request.app.router["static"].url_for(filename=name))
        response = web.Response(text=html, content_type="text/html")
        if new:
            self.webchat.issue(request, response)
        response.headers.update(SECURITY_HEADERS)
        response.headers["Content-Security-Policy"] = frame_ancestors(
            SECURITY_HEADERS["Content-Security-Policy"], self.embed_origins)
        return response
