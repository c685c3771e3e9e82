"""The service's web: health, webhooks, the web chat, public results and open data,
Open311, and the dashboard for staff and administrators."""

from bot.web.routes import MAX_REQUEST, Handler, Routes

__all__ = ["MAX_REQUEST", "Handler", "Routes"]
