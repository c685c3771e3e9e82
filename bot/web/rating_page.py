"""The page an SMS's or an email's rating link opens: the five levels as buttons, the
rating recorded once, as the sender's (the link is the case's own, signed)."""

from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from bot.core.case_rating import LINK_PATH, case_of_token, rate, score_label
from bot.core.work import DoorWork, Runner
from bot.present.i18n import _, use_locale
from bot.present.names import unit_name
from bot.runtime.settings import Settings
from bot.web.published import reader_language
from bot.web.render import page
from complaints.rating import Score
from storage.uow import Store

MAX_FORM = 1024


class RatingPage:
    def __init__(self, store: Store, runner: Runner, settings: Settings,
                 clock: Callable[[], datetime]) -> None:
        self.store = store
        self.runner = runner
        self.settings = settings
        self.clock = clock

    def install(self, app: web.Application) -> None:
        path = LINK_PATH  # its {token} is the route's variable
        app.router.add_get(path, self.show)
        app.router.add_post(path, self.record)

    async def show(self, request: web.Request, refused: bool = False) -> web.Response:
        language = reader_language(request, self.settings.default_language)
        async with self.store.unit_of_work() as uow:
            case = await case_of_token(uow, request.match_info["token"])
            record = await uow.ratings.get(case.id) if case and case.id else None
            directory = await uow.directory.load()
        if case is None:
            return self._missing(request, language)
        options: list[tuple[int, str]] = []
        with use_locale(language):
            if record is None:
                note = _("This PAKN is not answered yet: it can be rated once it is.")
            elif record.score is not None:
                note = _("This PAKN was rated already. Thank you!")
            else:
                note = _("Please choose one of the five levels.") if refused else ""
                options = [(int(v), score_label(v)) for v in reversed(Score)]
            unit = unit_name(directory, case.unit)
        return page(request, "public/rate.html", language, status=400 if refused else 200,
                    code=case.code, unit=unit, note=note, options=options)

    async def record(self, request: web.Request) -> web.Response:
        language = reader_language(request, self.settings.default_language)
        token = request.match_info["token"]
        form = await request.post() if (request.content_length or 0) <= MAX_FORM else {}
        raw = form.get("score")
        value = int(raw) if isinstance(raw, str) and raw in ("1", "2", "3", "4", "5") else None

        async def rating(work: DoorWork) -> tuple[str, str]:
            case = await case_of_token(work.uow, token)
            if case is None or case.id is None:
                return "missing", ""
            if value is None or await work.uow.ratings.get(case.id) is None:
                return "refused", case.code  # not a level, or not to be rated yet
            citizen = await work.uow.accounts.get(case.citizen_id)
            if citizen is None:
                return "refused", case.code
            done = await rate(work, case, citizen.as_actor(), Score(value))
            return ("rated" if done else "already"), case.code
        result, code = await self.runner.run(rating, "rating-link")
        if result == "missing":
            return self._missing(request, language)
        if result == "refused":
            return await self.show(request, refused=True)
        with use_locale(language):
            note = (_("Thank you for your rating!") if result == "rated"
                    else _("This PAKN was rated already. Thank you!"))
        return page(request, "public/rate.html", language, code=code, unit="", note=note,
                    options=[])

    @staticmethod
    def _missing(request: web.Request, language: str) -> web.Response:
        return page(request, "public/missing.html", language, status=404)
