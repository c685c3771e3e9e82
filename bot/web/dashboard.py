"""What every dashboard page shares: who is signed in, their language, the menu, and
headers that keep personal data out of caches."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.runtime.settings import Settings
from bot.web.render import page
from bot.web.session import Sessions, Viewer
from storage.uow import Store


class DashboardPages:
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime],
                 sessions: Sessions) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.sessions = sessions

    def language(self, viewer: Viewer) -> str:
        return viewer.account.language or self.settings.default_language

    def render(self, request: web.Request, viewer: Viewer, template: str, section: str,
               status: int = 200, **context: Any) -> web.Response:
        response = page(request, template, self.language(viewer), status=status,
                        viewer=viewer, section=section, **context)
        response.headers["Cache-Control"] = "no-store"
        return response

    def refusal(self, request: web.Request, viewer: Viewer, status: int,
                message: str) -> web.HTTPException:
        """A page saying why not, to raise (403 or 404)."""
        rendered = self.render(request, viewer, "admin/problem.html", "", message=message)
        kind = web.HTTPForbidden if status == 403 else web.HTTPNotFound
        return kind(text=rendered.text, content_type="text/html",
                    headers={"Cache-Control": "no-store"})
