"""Erasing a person's data at their request, in one transaction, and the record of what
people asked about their data.

What identifies them goes, wherever the service keeps it: their contact details and what
they wrote on their cases (the description, what they added, their comments), the place
they shared, the photos they sent, their messages (inbound records of every channel),
unfinished dialogs and surveys, the names their chat apps show, their consent, the
phone of the dossiers they followed, the bodies of the messages sent to them and the
exports kept on the server. Their chat and user ids are replaced by pseudonyms (a keyed
hash: the same chat always gets the same one, which cannot be turned back into the id).
In the texts that stay because they are other people's (the answers and what staff
wrote, the messages about their cases) their name, address, phone and place, and any
phone or identity number, are blanked. The cases stay, with their codes, fields, units,
dates, status and ratings: the authority must keep its record of PAKN and count them.
SQLite then zeroes what was freed (secure_delete) and the file is checkpointed
(storage.db), so the bytes are gone from disk too.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import Chat, Erasure
from complaints.privacy import REMOVED, anonymise
from storage.db import scrub_after_commit
from storage.models import (
    AccountRow,
    ApologyRow,
    AttachmentRow,
    CaseEventRow,
    CaseFollowerRow,
    CaseRow,
    ConsentRow,
    DataRequestRow,
    DialogRow,
    DossierFollowerRow,
    DossierRow,
    FollowAttemptRow,
    HandlingRatingRow,
    IdentityRow,
    InboundRow,
    IntakeRow,
    OutboxRow,
    PublicationRow,
    RatingRow,
    ReplacedRatingRow,
    SenderChatRow,
    SurveyDraftRow,
)
from storage.outbox import PENDING, PURGED, UNDELIVERABLE

KEPT_FROM_INBOUND = ("command", "payload")
"""What stays of a message received: which command or button it was, not what it said."""
DIALOG_DETAILS = ("name", "phone", "address", "previous_contact")
EXPORTS = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv")
"""Exports kept on the server (sent to administrators): made again whenever needed."""
DASHBOARD = "dashboard"
Blank = Callable[[str | None], str | None]
Pseudonym = Callable[[str, str], str]
"""(channel, id) → the id's pseudonym."""


class SqlPrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def erase(self, account_id: int, pseudonym: Pseudonym, now: datetime) -> Erasure:
        account = await self.session.get(AccountRow, account_id)
        assert account is not None
        identities = list((await self.session.execute(
            select(IdentityRow).where(IdentityRow.account_id == account_id))).scalars())
        cases = list((await self.session.execute(
            select(CaseRow).where(CaseRow.citizen_id == account_id))).scalars())
        chats = sorted({(i.channel, i.chat_id) for i in identities}
                       | {(c.channel, c.chat_id) for c in cases})
        dialogs = list((await self.session.execute(select(DialogRow).where(
            tuple_(DialogRow.channel, DialogRow.chat_id).in_(chats))))
            .scalars()) if chats else []
        known = _known(account, identities, cases, dialogs)

        def blank(text: str | None) -> str | None:
            return None if text is None else anonymise(text, *known)

        for case in cases:
            case.contact_name = case.contact_phone = case.contact_address = REMOVED
            case.latitude = case.longitude = None
            case.text = REMOVED  # their own words
            case.answer = blank(case.answer)
            case.chat_id = pseudonym(case.channel, case.chat_id)
        case_ids = [case.id for case in cases]
        if case_ids:
            await self.session.execute(update(IntakeRow).where(
                IntakeRow.case_id.in_(case_ids)).values(email=None))
            await self._blank_history(case_ids, account_id, blank)
            # What was published of their cases was taken from what they wrote: it goes
            # too; the cases wait for a new decision on their blanked texts.
            await self.session.execute(
                delete(PublicationRow).where(PublicationRow.case_id.in_(case_ids)))
        photos = await self._drop_files(account_id)
        messages = 0
        for row in await self._inbound(chats):
            row.text = None
            row.data = {key: row.data[key] for key in KEPT_FROM_INBOUND if key in row.data}
            row.chat_id = pseudonym(row.channel, row.chat_id)
            messages += 1
        # What staff wrote about them (an answer that greets them by name) is kept, blanked.
        handlers = await self._handlers(case_ids, account_id)
        for row in await self._inbound(handlers):
            if (cleaned := blank(row.text)) != row.text:
                row.text = cleaned
        for dialog in dialogs:
            await self.session.delete(dialog)
        await self._blank_outbox(chats, pseudonym, handlers, case_ids, blank, now)
        await self._blank_comments(known, blank)
        await self.session.execute(
            delete(SurveyDraftRow).where(SurveyDraftRow.account_id == account_id))
        await self._forget_dossiers(account_id, pseudonym)
        await self.session.execute(
            delete(SenderChatRow).where(or_(SenderChatRow.account_id == account_id,
                                            SenderChatRow.case_id.in_(case_ids))))
        # The cases they followed stop writing to them (they are no longer counted as
        # having raised them): nothing about a follow is needed for the records.
        await self.session.execute(
            delete(CaseFollowerRow).where(CaseFollowerRow.account_id == account_id))
        for identity in identities:
            identity.external_id = pseudonym(identity.channel, identity.external_id)
            identity.chat_id = pseudonym(identity.channel, identity.chat_id)
            identity.profile_name, identity.language_code = "", None
        account.display_name, account.title = "", ""
        account.consent_version, account.consent_at = None, None
        account.erased_at, account.profile_withheld = now, True
        await self.session.flush()
        scrub_after_commit(self.session)
        return Erasure(cases=len(cases), photos=photos, messages=messages,
                       chats=tuple((Chat(channel, chat_id), pseudonym(channel, chat_id))
                                   for channel, chat_id in chats))

    async def _inbound(self, chats: list[tuple[str, str]]) -> list[InboundRow]:
        if not chats:
            return []
        return list((await self.session.execute(select(InboundRow).where(
            tuple_(InboundRow.channel, InboundRow.chat_id).in_(chats)))).scalars())

    async def _handlers(self, case_ids: list[int], account_id: int) -> list[tuple[str, str]]:
        """The chats of the staff who acted on the cases, the dashboard's included."""
        if not case_ids:
            return []
        actors = list((await self.session.execute(
            select(CaseEventRow.actor_id).distinct()
            .where(CaseEventRow.case_id.in_(case_ids), CaseEventRow.actor_id != account_id,
                   CaseEventRow.actor_id.is_not(None)))).scalars())
        if not actors:
            return []
        rows = await self.session.execute(select(IdentityRow.channel, IdentityRow.chat_id)
                                          .where(IdentityRow.account_id.in_(actors)))
        return [(channel, chat_id) for channel, chat_id in rows] + [
            (DASHBOARD, str(actor)) for actor in actors]

    async def _blank_history(self, case_ids: list[int], account_id: int,
                             blank: Blank) -> None:
        """Events, ratings and apologies of the cases: what the person wrote removed,
        what others wrote blanked, places dropped."""
        for event in (await self.session.execute(
                select(CaseEventRow).where(CaseEventRow.case_id.in_(case_ids)))).scalars():
            theirs = event.actor_id == account_id
            data = {key: (REMOVED if theirs else blank(value)) if isinstance(value, str)
                    else value for key, value in event.data.items() if key != "location"}
            if data != event.data:
                event.data = data
        for rating in (await self.session.execute(select(HandlingRatingRow).where(
                HandlingRatingRow.case_id.in_(case_ids)))).scalars():
            rating.comment = None
        for apology in (await self.session.execute(
                select(ApologyRow).where(ApologyRow.case_id.in_(case_ids)))).scalars():
            apology.reason = blank(apology.reason) or ""

    async def _drop_files(self, account_id: int) -> int:
        """Photos the person sent are deleted; documents made for them (an apology's PDF,
        which names them) lose their content but stay on record as sent; exports kept on
        the server are emptied (they were sent, and are made again when needed)."""
        files = list((await self.session.execute(
            select(AttachmentRow).where(AttachmentRow.owner_id == account_id))).scalars())
        photos = [f for f in files if f.mime.startswith("image/")]
        for photo in photos:
            await self.session.delete(photo)
        emptied = {"content": None, "telegram_file_id": None, "source_url": None, "size": 0}
        documents = [f.id for f in files if f not in photos]
        if documents:
            await self.session.execute(update(AttachmentRow)
                                       .where(AttachmentRow.id.in_(documents)).values(**emptied))
        await self.session.execute(update(AttachmentRow).where(
            AttachmentRow.mime.in_(EXPORTS), AttachmentRow.content.is_not(None))
            .values(**emptied))
        return len(photos)

    async def _blank_outbox(self, chats: list[tuple[str, str]], pseudonym: Pseudonym,
                            handlers: list[tuple[str, str]], case_ids: list[int],
                            blank: Blank, now: datetime) -> None:
        """Messages to the person's chats keep only the mark that they went, under the
        chat's pseudonym (those not yet sent are not sent: nobody may contact them now);
        messages to the handlers and about their cases (staff cards) are blanked."""
        if chats:
            for row in (await self.session.execute(select(OutboxRow).where(
                    tuple_(OutboxRow.channel, OutboxRow.chat_id).in_(chats)))).scalars():
                alias = pseudonym(row.channel, row.chat_id)
                row.body = dict(PURGED)
                # A message owed once per chat (a reminder) is keyed by its chat id too.
                row.idem_key = row.idem_key.replace(f":{row.chat_id}:", f":{alias}:")
                row.chat_id = alias
                if row.status == PENDING:
                    row.status, row.sent_at = UNDELIVERABLE, now
                    row.last_error = "erased at the person's request"
        about = [OutboxRow.case_id.in_(case_ids), OutboxRow.card_case_id.in_(case_ids)] \
            if case_ids else []
        theirs = [tuple_(OutboxRow.channel, OutboxRow.chat_id).in_(handlers)] if handlers else []
        if not about + theirs:
            return
        for row in (await self.session.execute(
                select(OutboxRow).where(or_(*about, *theirs)))).scalars():
            body = _blank_body(row.body, blank)
            if body != row.body:
                row.body = body


    async def _blank_comments(self, known: set[str], blank: Blank) -> None:
        """Survey comments are kept without a link to anyone: those that mention the
        person (as they wrote their details) are blanked."""
        needles = [value for value in known if len(value) >= 4]
        if not needles:
            return
        for column in (RatingRow.comment, ReplacedRatingRow.comment):
            table = column.class_
            for row in (await self.session.execute(select(table).where(
                    column.is_not(None), or_(*(column.contains(n, autoescape=True)
                                               for n in needles))))).scalars():
                row.comment = blank(row.comment)

    async def _forget_dossiers(self, account_id: int, pseudonym: Pseudonym) -> None:
        """The dossiers they followed lose the applicant's phone (it was theirs); their
        follows keep the chat's pseudonym; their tries at codes go."""
        follows = list((await self.session.execute(select(DossierFollowerRow).where(
            DossierFollowerRow.account_id == account_id))).scalars())
        for follow in follows:
            follow.chat_id = pseudonym(follow.channel, follow.chat_id)
        if follows:
            await self.session.execute(
                update(DossierRow).where(DossierRow.id.in_({f.dossier_id for f in follows}))
                .values(phone=None))
        await self.session.execute(
            delete(FollowAttemptRow).where(FollowAttemptRow.account_id == account_id))

    # --- what the service holds about a person ------------------------------------------

    async def holdings(self, account_id: int) -> dict[str, Any]:
        """Everything kept about a person, as plain values: for the copy they may ask for."""
        account = await self.session.get(AccountRow, account_id)
        assert account is not None
        identities = (await self.session.execute(select(IdentityRow).where(
            IdentityRow.account_id == account_id).order_by(IdentityRow.id))).scalars()
        consents = (await self.session.execute(select(ConsentRow).where(
            ConsentRow.account_id == account_id).order_by(ConsentRow.id))).scalars()
        cases = list((await self.session.execute(select(CaseRow).where(
            CaseRow.citizen_id == account_id).order_by(CaseRow.id))).scalars())
        ids = [case.id for case in cases]
        events = list((await self.session.execute(select(CaseEventRow).where(
            CaseEventRow.case_id.in_(ids)).order_by(CaseEventRow.id))).scalars()) if ids else []
        intakes = {r.case_id: r for r in (await self.session.execute(select(IntakeRow).where(
            IntakeRow.case_id.in_(ids)))).scalars()} if ids else {}
        ratings = {r.case_id: r for r in (await self.session.execute(select(
            HandlingRatingRow).where(HandlingRatingRow.case_id.in_(ids)))).scalars()} \
            if ids else {}
        photos = (await self.session.execute(select(AttachmentRow.case_id, AttachmentRow.mime)
                  .where(AttachmentRow.owner_id == account_id))).all()
        follows = (await self.session.execute(
            select(DossierRow.code, DossierFollowerRow.followed_at)
            .join(DossierRow, DossierRow.id == DossierFollowerRow.dossier_id)
            .where(DossierFollowerRow.account_id == account_id))).all()
        proved = (await self.session.execute(
            select(CaseRow.code, SenderChatRow.followed_at, SenderChatRow.channel)
            .join(CaseRow, CaseRow.id == SenderChatRow.case_id)
            .where(SenderChatRow.account_id == account_id,
                   SenderChatRow.followed_at.is_not(None)))).all()
        followed = (await self.session.execute(
            select(CaseRow.code, CaseFollowerRow.followed_at, CaseFollowerRow.via,
                   CaseFollowerRow.score, CaseFollowerRow.rated_at)
            .join(CaseRow, CaseRow.id == CaseFollowerRow.case_id)
            .where(CaseFollowerRow.account_id == account_id)
            .order_by(CaseFollowerRow.id))).all()
        draft = await self.session.get(SurveyDraftRow, account_id)
        return {
            "account": {"id": account.id, "name": account.display_name,
                        "language": account.language, "created_at": account.created_at,
                        "consent_version": account.consent_version,
                        "consent_at": account.consent_at},
            "identities": [{"channel": i.channel, "user_id": i.external_id,
                            "chat_id": i.chat_id, "profile_name": i.profile_name,
                            "created_at": i.created_at} for i in identities],
            "consents": [{"notice_version": c.notice_version, "channel": c.channel,
                          "given_at": c.given_at} for c in consents],
            "cases": [{
                "code": c.code, "received_at": c.received_at, "status": c.status,
                "field": c.field_code, "unit": c.unit_code, "area": c.area_code,
                "name": c.contact_name, "phone": c.contact_phone, "address": c.contact_address,
                "location": [c.latitude, c.longitude] if c.latitude is not None else None,
                "text": c.text, "answer": c.answer, "due_at": c.due_at,
                "resolved_at": c.resolved_at,
                "taken_by_staff": ({"email": intakes[c.id].email,
                                    "consent": intakes[c.id].consent_basis,
                                    "consent_recorded_at": intakes[c.id].consent_recorded_at}
                                   if c.id in intakes else None),
                "events": [{"at": e.at, "kind": e.kind, "data": e.data}
                           for e in events if e.case_id == c.id],
                "rating": ({"score": ratings[c.id].score, "comment": ratings[c.id].comment,
                            "rated_at": ratings[c.id].rated_at}
                           if c.id in ratings and ratings[c.id].score is not None else None),
            } for c in cases],
            "files": [{"case": next((c.code for c in cases if c.id == case_id), None),
                       "type": mime} for case_id, mime in photos],
            "dossiers": [{"code": code, "followed_at": at} for code, at in follows],
            "sender_chats": [{"code": code, "followed_at": at, "channel": channel}
                             for code, at, channel in proved],
            "cases_followed": [{"code": code, "followed_at": at, "via": via, "score": score,
                                "rated_at": rated_at}
                               for code, at, via, score, rated_at in followed],
            "survey_in_progress": dict(draft.data) if draft else None,
        }

    # --- requests about personal data ---------------------------------------------------

    async def add_request(self, **values: Any) -> int:
        row = DataRequestRow(**values)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def meet_request(self, request_id: int, by: int | None, now: datetime,
                           outcome: str) -> None:
        await self.session.execute(
            update(DataRequestRow).where(DataRequestRow.id == request_id,
                                         DataRequestRow.met_at.is_(None))
            .values(met_at=now, met_by=by, outcome=outcome))

    async def requests(self, open_only: bool = False, limit: int = 500) -> list[dict[str, Any]]:
        stmt = select(DataRequestRow).order_by(DataRequestRow.received_at.desc(),
                                               DataRequestRow.id.desc()).limit(limit)
        if open_only:
            stmt = stmt.where(DataRequestRow.met_at.is_(None))
        return [{column.key: getattr(row, column.key) for column in DataRequestRow.__table__.c}
                for row in (await self.session.execute(stmt)).scalars()]


def _known(account: AccountRow, identities: list[IdentityRow], cases: list[CaseRow],
           dialogs: list[DialogRow]) -> set[str]:
    """The person's own words for themselves, to blank wherever they appear."""
    known: list[object] = [account.display_name, *(i.profile_name for i in identities)]
    for case in cases:
        known += [case.contact_name, case.contact_phone, case.contact_address,
                  *_coordinates(case.latitude, case.longitude)]
    for dialog in dialogs:
        for key in DIALOG_DETAILS:
            value = dialog.data.get(key)
            known += value if isinstance(value, list) else [value]
        place = dialog.data.get("location")
        if isinstance(place, list) and len(place) == 2:
            known += _coordinates(*place)
    return {value for value in known if isinstance(value, str) and value and value != REMOVED}


def _coordinates(latitude: object, longitude: object) -> list[str]:
    """A place as the service writes it into messages (its map links)."""
    return [f"{value:.6f}" for value in (latitude, longitude) if isinstance(value, float)]


def _blank_body(body: dict[str, Any], blank: Blank) -> dict[str, Any]:
    """A message with its text and its buttons' labels blanked (a button offering the
    person's saved details names them)."""
    text = body.get("text")
    cleaned = {**body, "text": blank(text)} if isinstance(text, str) else dict(body)
    if isinstance(body.get("buttons"), list):
        cleaned["buttons"] = [[{**button, "label": blank(button.get("label"))}
                               if isinstance(button, dict) else button for button in row]
                              for row in body["buttons"] if isinstance(row, list)]
    return cleaned
