"""Erasing a person's data at their request, in one transaction.

What identifies them goes: their contact details on their cases, the location they
shared, the photos they sent, what they wrote (inbound messages, unfinished dialogs),
the names their chat apps show, their consent. In the texts that stay (the PAKN's own
description, the answers and what staff wrote, the messages owed or sent about their
cases) their name, address, phone and place, and any phone or identity number, are
blanked. The cases themselves
stay, with their codes, fields, units, dates, status and ratings: the authority must keep
its record of PAKN and count them in its statistics.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from complaints.privacy import REMOVED, anonymise
from storage.models import (
    AccountRow,
    ApologyRow,
    AttachmentRow,
    CaseEventRow,
    CaseRow,
    DialogRow,
    HandlingRatingRow,
    IdentityRow,
    InboundRow,
    OutboxRow,
    SurveyDraftRow,
)
from storage.records import Erasure

KEPT_FROM_INBOUND = ("command", "payload")
"""What stays of a message received: which command or button it was, not what it said."""
DIALOG_DETAILS = ("name", "phone", "address", "previous_contact")
Blank = Callable[[str | None], str | None]

class SqlPrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def erase(self, account_id: int) -> Erasure:
        account = await self.session.get(AccountRow, account_id)
        assert account is not None
        identities = list((await self.session.execute(
            select(IdentityRow).where(IdentityRow.account_id == account_id))).scalars())
        chats = [(i.channel, i.chat_id) for i in identities]
        cases = list((await self.session.execute(
            select(CaseRow).where(CaseRow.citizen_id == account_id))).scalars())
        dialogs = list((await self.session.execute(select(DialogRow).where(
            tuple_(DialogRow.channel, DialogRow.chat_id).in_(chats))))
            .scalars()) if chats else []
        known = _known(account, identities, cases, dialogs)

        def blank(text: str | None) -> str | None:
            return None if text is None else anonymise(text, *known)

        for case in cases:
            case.contact_name = case.contact_phone = case.contact_address = REMOVED
            case.latitude = case.longitude = None
            case.text = blank(case.text) or ""
            case.answer = blank(case.answer)
        case_ids = [case.id for case in cases]
        if case_ids:
            await self._blank_history(case_ids, blank)
        photos = await self._drop_files(account_id)
        messages = 0
        for row in await self._inbound(chats):
            row.text = None
            row.data = {key: row.data[key] for key in KEPT_FROM_INBOUND if key in row.data}
            messages += 1
        # What staff wrote about them (an answer that greets them by name) is kept, blanked.
        handlers = await self._handlers(case_ids, account_id)
        for row in await self._inbound(handlers):
            if (cleaned := blank(row.text)) != row.text:
                row.text = cleaned
        for dialog in dialogs:
            dialog.state, dialog.data = "idle", {}
        await self._blank_outbox(chats + handlers, case_ids, blank)
        await self.session.execute(
            delete(SurveyDraftRow).where(SurveyDraftRow.account_id == account_id))
        for identity in identities:
            identity.profile_name = ""
        account.display_name, account.title = "", ""
        account.consent_version, account.consent_at = None, None
        await self.session.flush()
        return Erasure(cases=len(cases), photos=photos, messages=messages)

    async def _inbound(self, chats: list[tuple[str, str]]) -> list[InboundRow]:
        if not chats:
            return []
        return list((await self.session.execute(select(InboundRow).where(
            tuple_(InboundRow.channel, InboundRow.chat_id).in_(chats)))).scalars())

    async def _handlers(self, case_ids: list[int], account_id: int) -> list[tuple[str, str]]:
        """The chats of the staff who acted on the cases."""
        if not case_ids:
            return []
        actors = select(CaseEventRow.actor_id).where(CaseEventRow.case_id.in_(case_ids),
                                                     CaseEventRow.actor_id != account_id)
        rows = await self.session.execute(select(IdentityRow.channel, IdentityRow.chat_id)
                                          .where(IdentityRow.account_id.in_(actors)))
        return [(channel, chat_id) for channel, chat_id in rows]

    async def _blank_history(self, case_ids: list[int], blank: Blank) -> None:
        """Events, ratings and apologies of the cases: texts blanked, places dropped."""
        for event in (await self.session.execute(
                select(CaseEventRow).where(CaseEventRow.case_id.in_(case_ids)))).scalars():
            data = {key: blank(value) if isinstance(value, str) else value
                    for key, value in event.data.items() if key != "location"}
            if data != event.data:
                event.data = data
        for rating in (await self.session.execute(select(HandlingRatingRow).where(
                HandlingRatingRow.case_id.in_(case_ids)))).scalars():
            rating.comment = blank(rating.comment)
        for apology in (await self.session.execute(
                select(ApologyRow).where(ApologyRow.case_id.in_(case_ids)))).scalars():
            apology.reason = blank(apology.reason) or ""

    async def _drop_files(self, account_id: int) -> int:
        """Photos the person sent are deleted; documents made for them (an apology's PDF,
        which names them) lose their content but stay on record as sent."""
        files = list((await self.session.execute(
            select(AttachmentRow).where(AttachmentRow.owner_id == account_id))).scalars())
        photos = [f for f in files if f.mime.startswith("image/")]
        for photo in photos:
            await self.session.delete(photo)
        for document in files:
            if document not in photos:
                document.content, document.telegram_file_id = None, None
                document.source_url, document.size = None, 0
        return len(photos)

    async def _blank_outbox(self, chats: list[tuple[str, str]], case_ids: list[int],
                            blank: Blank) -> None:
        """Messages to the person's and the handlers' chats and about their cases (staff
        cards), as kept by the service: what has not gone out yet goes out blanked."""
        about = [OutboxRow.case_id.in_(case_ids), OutboxRow.card_case_id.in_(case_ids)] \
            if case_ids else []
        mine = [tuple_(OutboxRow.channel, OutboxRow.chat_id).in_(chats)] if chats else []
        if not about + mine:
            return
        for row in (await self.session.execute(
                select(OutboxRow).where(or_(*about, *mine)))).scalars():
            body = _blank_body(row.body, blank)
            if body != row.body:
                row.body = body


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
    return {value for value in known if isinstance(value, str) and value != REMOVED}


def _coordinates(latitude: object, longitude: object) -> list[str]:
    """A place as the service writes it into messages (its map links)."""
    return [f"{value:.6f}" for value in (latitude, longitude) if isinstance(value, float)]
