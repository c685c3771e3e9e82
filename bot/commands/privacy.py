"""`pakn privacy erase (--case CODE | --account N) [--request ID]`: erase a person's
data on their request (a letter, at the desk); `pakn privacy record --kind KIND ...`:
record a request received outside the chat; `pakn privacy done ID --outcome TEXT`: mark
one met; `pakn privacy requests [--open] [--json]`: the requests with their deadlines
(Nghị định 356/2025/NĐ-CP), those past them marked."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from bot.commands.base import fail, migrate, open_store
from bot.present.i18n import _, format_datetime

if TYPE_CHECKING:
    from bot.core.work import DoorWork, Runner
    from bot.runtime.settings import Settings
    from complaints.errors import NotAllowed
    from complaints.requests import RequestKind


def register(commands: Any) -> None:
    from complaints.requests import RequestKind
    group = commands.add_parser("privacy", help=_("people's requests about their personal data"))
    sub = group.add_subparsers(title=_("privacy commands"), required=True)
    erase = sub.add_parser("erase", help=_("erase a person's data on their request"))
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--case", help=_("the tracking code of one of their PAKN"))
    who.add_argument("--account", type=int, help=_("their account number"))
    erase.add_argument("--request", type=int, help=_("the request it meets (pakn privacy "
                                                   "requests); recorded now if not given"))
    erase.set_defaults(run=erase_person)
    record = sub.add_parser("record", help=_("record a request received outside the chat"))
    record.add_argument("--kind", required=True, choices=[k.value for k in RequestKind])
    who = record.add_mutually_exclusive_group(required=True)
    who.add_argument("--case", help=_("the tracking code of one of their PAKN"))
    who.add_argument("--account", type=int, help=_("their account number"))
    record.set_defaults(run=record_request)
    done = sub.add_parser("done", help=_("mark a request met"))
    done.add_argument("number", type=int)
    done.add_argument("--outcome", required=True, help=_("what was done (no personal data)"))
    done.set_defaults(run=meet_request)
    listing = sub.add_parser("requests", help=_("the requests and their deadlines"))
    listing.add_argument("--open", action="store_true", help=_("only those not met yet"))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_requests)


def _runner(store: Any, settings: Settings) -> Runner:
    from bot.core.calendars import Calendars
    from bot.core.work import Runner
    from bot.spine.dispatch import utcnow
    return Runner(store, settings, Calendars(), utcnow, on_commit=lambda: None)


async def _person(work: DoorWork, args: argparse.Namespace) -> int:
    from bot.core import privacy
    if args.case:
        return await privacy.person_of_case(work.uow, args.case)
    return int(args.account)


def erase_person(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core import privacy
    from complaints.errors import NotAllowed
    migrate(settings)

    async def run() -> Any:
        async with open_store(settings) as store:
            async def erase(work: DoorWork) -> Any:
                return await privacy.erase_on_request(work, None, await _person(work, args),
                                                      args.request)
            return await _runner(store, settings).run(erase, "cli")
    try:
        erased = asyncio.run(run())
    except NotAllowed as exc:
        return fail(_("cannot erase: {reason}").format(reason=_reason(exc)), 2)
    print(_("Erased: contact details and texts of {cases} PAKN, {photos} photos, {messages} "
            "messages. The person is told in their chats (pakn serve delivers it).").format(
        cases=erased.cases, photos=erased.photos, messages=erased.messages))
    return 0


def record_request(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core import privacy
    from complaints.errors import NotAllowed
    from complaints.requests import RequestKind
    migrate(settings)

    async def run() -> int:
        async with open_store(settings) as store:
            async def record(work: DoorWork) -> int:
                person = await _person(work, args)
                return await privacy.record_request(
                    work.uow, None, RequestKind(args.kind), work.now, person=person,
                    subject=args.case or f"account {person}", channel="staff",
                    calendar=await work.calendar(), rules=settings.deadline_rules)
            return await _runner(store, settings).run(record, "cli")
    try:
        number = asyncio.run(run())
    except NotAllowed as exc:
        return fail(_reason(exc), 2)
    print(_("Request {number} recorded.").format(number=number))
    return 0


def meet_request(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core import privacy
    from bot.spine.dispatch import utcnow
    migrate(settings)

    async def run() -> None:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            await privacy.meet_request(uow, None, args.number, utcnow(), args.outcome[:500])
    asyncio.run(run())
    return 0


def list_requests(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.core import privacy
    from bot.core.privacy import DataRequest
    from bot.spine.dispatch import utcnow
    migrate(settings)

    async def read() -> list[DataRequest]:
        async with open_store(settings) as store, store.unit_of_work() as uow:
            return await privacy.requests(uow, open_only=args.open)
    found, now = asyncio.run(read()), utcnow()
    if args.json:
        print(json.dumps([{**request.__dict__, "overdue": request.overdue(now)}
                          for request in found], default=str, ensure_ascii=False, indent=2))
        return 0
    if not found:
        print(_("No requests about personal data."))
    tz = settings.tz
    for request in found:
        state = (_("met {date}").format(date=format_datetime(request.met_at, tz))
                 if request.met_at else
                 _("OVERDUE since {date}").format(date=format_datetime(request.due_at, tz))
                 if request.overdue(now) else
                 _("open, due {date}").format(date=format_datetime(request.due_at, tz)))
        print(_("{number}. {kind} · {subject} · received {date} · {state}").format(
            number=request.id, kind=kind_label(request.kind), subject=request.subject,
            date=format_datetime(request.received_at, tz), state=state))

    return 0


def kind_label(kind: RequestKind) -> str:
    from complaints.requests import RequestKind
    return {RequestKind.ACCESS: _("access"), RequestKind.CORRECTION: _("correction"),
            RequestKind.ERASURE: _("erasure")}[kind]


def _reason(exc: NotAllowed) -> str:
    return {"unknown case": _("no PAKN has that code"),
            "unknown account": _("no account has that number"),
            "not a citizen's account": _("staff accounts and apps' accounts are not erased "
                                         "here")}.get(str(exc), str(exc))
