"""`POST /api/dossiers`: the one-stop system pushes dossier records (a JSON array, the
CSV's columns as keys) with a key of scope `dossiers:write` in `Authorization: Bearer`.
Each record is answered in order: created, updated, unchanged or refused with the
reason; taken records carry the dossier's follow-and-rate link for the receipt."""

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.core.apikeys import DOSSIERS_SCOPE, key_hash
from bot.core.dossiers import Outcome, link_token, record_dossiers
from bot.core.errors import StorageError
from bot.core.keys import BOT_USERNAME_KEY
from bot.core.survey_links import telegram_link, web_link
from bot.core.work import DoorWork, Runner
from bot.present.dossier_view import refusal_text
from bot.present.i18n import _, use_locale
from bot.runtime.settings import Settings
from bot.spine.jsonguard import JsonRefused, loads_bounded
from bot.web.outage import noted
from bot.web.published import reader_language
from complaints.dossiers import Record, RecordRefused, read_record
from storage.uow import Store

MAX_RECORDS = 1000
MAX_BODY = 4 << 20
log = logging.getLogger(__name__)


class DossiersApi:
    def __init__(self, store: Store, runner: Runner, settings: Settings,
                 clock: Callable[[], datetime]) -> None:
        self.store = store
        self.runner = runner
        self.settings = settings
        self.clock = clock

    def install(self, app: web.Application) -> None:
        app.router.add_post("/api/dossiers", self.push)

    async def push(self, request: web.Request) -> web.Response:
        language = reader_language(request, self.settings.default_language)
        with use_locale(language):
            try:
                return await self._push(request)
            except StorageError as exc:
                noted(request, exc)
                return _error(503, _("The service is unavailable for a moment; please try "
                                     "again."), {"Retry-After": "30"})

    async def _push(self, request: web.Request) -> web.Response:
        scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
        key_id = None
        if scheme.lower() == "bearer" and key.strip():
            async with self.store.unit_of_work() as uow:
                found = await uow.web.api_key(key_hash(key.strip()))
            if found is not None and DOSSIERS_SCOPE not in found.scopes:
                return _error(403, _("This key may not push dossiers: it needs the scope "
                                     "dossiers:write."))
            key_id = found.id if found is not None else None
        if key_id is None:
            return _error(401, _("Send a key of scope dossiers:write as \"Authorization: "
                                 "Bearer KEY\"."), {"WWW-Authenticate": "Bearer"})
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _error(413, _("At most {count} records per request.").format(
                count=MAX_RECORDS))
        try:
            body = loads_bounded(await request.read(), MAX_BODY)
        except JsonRefused:
            return _error(400, _("The body must be a JSON array of dossier records."))
        if not isinstance(body, list):
            return _error(400, _("The body must be a JSON array of dossier records."))
        if len(body) > MAX_RECORDS:
            return _error(413, _("At most {count} records per request.").format(
                count=MAX_RECORDS))

        async def record(work: DoorWork) -> list[dict[str, Any]]:
            return await self._record(work, body, f"api:{key_id}")
        return web.json_response({"results": await self.runner.run(record, "api")},
                                 dumps=_dumps)

    async def _record(self, work: DoorWork, body: list[Any], source: str) -> list[dict[str, Any]]:
        read: list[Record | RecordRefused] = []
        for item in body:
            try:
                if not isinstance(item, dict):
                    raise RecordRefused("not_an_object")
                read.append(read_record(item, work.directory, self.settings.tz,
                                        self.settings.end_of_day))
            except RecordRefused as refused:
                read.append(refused)
        outcomes = iter(await record_dossiers(work, [r for r in read if isinstance(r, Record)],
                                              source))
        username = await work.uow.meta.get(BOT_USERNAME_KEY)
        results = []
        for item, entry in zip(body, read, strict=True):
            if isinstance(entry, RecordRefused):
                results.append(_refused(item, entry))
                continue
            outcome = next(outcomes)
            results.append(await self._result(work, outcome, username))
        return results

    async def _result(self, work: DoorWork, outcome: Outcome,
                      username: str | None) -> dict[str, Any]:
        if outcome.refusal is not None or outcome.dossier is None:
            assert outcome.refusal is not None
            return {"code": outcome.code, "result": "refused",
                    "reason": refusal_text(outcome.refusal),
                    "reason_code": outcome.refusal.reason}
        token = await link_token(work.uow, outcome.dossier)
        result = {"code": outcome.code, "result": outcome.result, "reason": None,
                  "link": web_link(self.settings.site_url, token)}
        if username:
            result["telegram_link"] = telegram_link(username, token)
        return result


def _refused(item: Any, refusal: RecordRefused) -> dict[str, Any]:
    code = item.get("code") if isinstance(item, dict) else None
    return {"code": code if isinstance(code, str) else None, "result": "refused",
            "reason": refusal_text(refusal), "reason_code": refusal.reason}


def _error(status: int, description: str,
           headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": description}, status=status, headers=headers,
                             dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
