"""Nothing a citizen wrote is public until a person approved it: every public door (the
pages in both languages with their search, a case's page, open data in JSON and CSV with
its search, Open311 GET in JSON and XML) shows a resolved case's texts, the sender's
details and the place they gave only once staff of its unit or an administrator approved
them, exactly as approved, and no longer once withdrawn or reopened."""

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.core import publication
from complaints.errors import InvalidTransition, NotAllowed, ValidationError
from complaints.people import Role
from complaints.privacy import MASK
from storage.models import AccountRow, AuditRow, CaseRow, PublicationRow
from tests.api.georeport import valid, valid_xml
from tests.conversation.harness import CHANNEL, Harness, one
from tests.hostile.test_privacy import ADDRESS, CITIZEN, NAME, PHONES, STAFF, file, forget
from tests.publishing import approve, person, withdraw
from tests.reports.data import case as case_row
from tests.reports.data import citizen
from tests.unit.test_anonymiser import FAMILIES, GIVEN, MIDDLES

Client = TestClient[web.Request, web.Application]
OTHER_STAFF, HEAD, ADMIN = "2102", "2103", "2199"
ANSWER = f"Gửi bà {NAME} (0912 345 678): cống đã được nạo vét ngày 20/3."
WRITTEN = ("ngập nước hai tuần", "nạo vét ngày 20/3")
"""What the citizen and staff wrote: not public before approval, even blanked."""
PLACE = ("10.93", "107.41")
QUESTION = "Đường ấp Bình Hoà ngập nước hai tuần sau khi thi công cống thoát nước."
APPROVED_ANSWER = "Đơn vị thi công đã nạo vét xong cống ngày 20/3; đường đã hết ngập."
SECRETS = (NAME, ADDRESS, *PHONES, "Số 7", *PLACE)


@dataclass
class Outputs:
    """Everything the public doors serve about one case."""

    pages: dict[str, str]
    """Each door's answer, as text."""
    listed: dict[str, bool]
    """Whether each list or search door lists the case."""


async def text_of(api: Client, path: str) -> str:
    response = await api.get(path)
    assert response.status == 200, (path, response.status)
    return await response.text()


async def outputs(api: Client, code: str, search: str = "ngập nước") -> Outputs:
    """The case's own pages and every list and search that could show it."""
    own = {f"/{prefix}/pakn/{code}" for prefix in ("cong-khai", "public")} | {
        f"/open311/v2/requests/{code}.{kind}" for kind in ("json", "xml")} | {
        f"/open311/v2/requests.{kind}?service_request_id={code}" for kind in ("json", "xml")}
    lists = {f"/{prefix}/pakn{query}" for prefix in ("cong-khai", "public")
             for query in ("", f"?q={search}")} | {
        f"/api/cases.{kind}{query}" for kind in ("json", "csv")
        for query in ("", f"?q={search}")}
    # A search page shows what was searched for in its box: the reader's own words.
    pages = {path: (await text_of(api, path)).replace(f'value="{html.escape(search)}"', "")
             for path in sorted(own | lists)}
    pages["/open311/v2/requests.json"] = await text_of(api, "/open311/v2/requests.json")
    pages["/open311/v2/requests.xml"] = await text_of(api, "/open311/v2/requests.xml")
    return Outputs(pages, {path: code in pages[path] for path in lists})


def leaks(found: Outputs, secrets: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(path, secret) for path, text in found.pages.items()
            for secret in secrets if secret in html.unescape(text)]


async def resolved(bot: Harness) -> str:
    """A PAKN from the chat that names its sender, with their phone, address, a photo and
    a place; resolved by the unit with an answer that greets them by name."""
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code, case_id = await file(bot)
    await bot.press(STAFF, f"ca:resolve:{case_id}")
    check = one(STAFF, await bot.text(STAFF, ANSWER))
    await bot.press(STAFF, check.payload("ss:resolve:"))
    return code


async def test_nothing_before_approval_exactly_the_approved_text_after(
        bot: Harness, api: Client) -> None:
    code = await resolved(bot)
    before = await outputs(api, code)
    assert not leaks(before, SECRETS + WRITTEN), leaks(before, SECRETS + WRITTEN)
    assert not any(before.listed.values()), before.listed
    [item] = valid("service_requests", await (await api.get(
        f"/open311/v2/requests/{code}.json?lang=en")).json())
    assert (item["status"], item["status_notes"], item["description"]) == (
        "closed", "Resolved", None)
    assert (item["lat"], item["long"], item["address"]) == (None, None, "Xuan Bac Commune")
    [element] = valid_xml("service_requests", await (await api.get(
        f"/open311/v2/requests/{code}.xml")).read())
    assert (element["description"], element["lat"]) == (None, None)
    assert "not published yet" in await text_of(api, f"/public/pakn/{code}")

    # The unit's staff approve the texts as they edited them, without the place.
    approval = await approve(bot.store, bot.clock, CHANNEL, STAFF, code, question=QUESTION,
                             answer=APPROVED_ANSWER)
    assert approval.findings == () and approval.publication is not None
    after = await outputs(api, code)
    assert all(after.listed.values()), after.listed
    assert not leaks(after, SECRETS), leaks(after, SECRETS)
    [case] = (await (await api.get(f"/api/cases.json?q={code}")).json())["cases"]
    assert (case["question"], case["answer"]) == (QUESTION, APPROVED_ANSWER)
    assert case["published_at"] == "2026-03-02T09:00:00+07:00"
    [row] = list(csv.DictReader(io.StringIO(await text_of(api, "/api/cases.csv"))))
    assert (row["code"], row["question"], row["answer"]) == (code, QUESTION, APPROVED_ANSWER)
    [item] = valid("service_requests", await (await api.get(
        f"/open311/v2/requests/{code}.json")).json())
    assert (item["description"], item["status_notes"]) == (QUESTION, APPROVED_ANSWER)
    assert (item["lat"], item["long"]) == (None, None), "the place was not approved"
    [element] = valid_xml("service_requests", await (await api.get(
        f"/open311/v2/requests/{code}.xml")).read())
    assert (element["description"], element["status_notes"]) == (QUESTION, APPROVED_ANSWER)
    for prefix in ("cong-khai", "public"):
        page = await text_of(api, f"/{prefix}/pakn/{code}")
        assert paragraphs(page) == [QUESTION, APPROVED_ANSWER]
    # Searches match the approved texts, in any case and with or without diacritics,
    # never what was filed.
    for words, found in (("nạo vét xong", True), ("NAO VET XONG", True), ("thoát  nước", True),
                         (NAME, False), ("0912345678", False), ("Số 7", False),
                         ("hết ngập", True), ("thi_c", False), ("%", False)):
        for door in ("/api/cases.json", "/cong-khai/pakn", "/public/pakn"):
            shown = await text_of(api, f"{door}?q={words.replace('%', '%25')}")
            assert (code in shown) is found, (door, words)

    # Withdrawn: gone again from every door, and the texts are not kept for it.
    await withdraw(bot.store, bot.clock, CHANNEL, STAFF, code)
    gone = await outputs(api, code, search="nạo vét")
    assert not leaks(gone, (QUESTION, APPROVED_ANSWER, *WRITTEN)), leaks(
        gone, (QUESTION, APPROVED_ANSWER))
    assert not any(gone.listed.values()), gone.listed
    async with bot.database.reading() as session:
        kept = (await session.execute(select(PublicationRow))).scalar_one()
        actions = list((await session.execute(select(AuditRow.action).order_by(AuditRow.id)
                                               )).scalars())
    assert (kept.status, kept.question, kept.answer, kept.search_text) == (
        "withdrawn", None, None, None)
    assert kept.approved_by is not None and kept.approved_at is not None
    assert actions == ["publication.approved", "publication.withdrawn"]


def paragraphs(page: str) -> list[str]:
    return [html.unescape(p) for p in re.findall(
        r'<p class="(?:question|answer)">([^<]*)</p>', page)]


async def test_the_place_is_published_rounded_only_if_approved(bot: Harness,
                                                               api: Client) -> None:
    code = await resolved(bot)
    await approve(bot.store, bot.clock, CHANNEL, STAFF, code, location=True)
    [item] = valid("service_requests", await (await api.get(
        f"/open311/v2/requests/{code}.json")).json())
    assert (item["lat"], item["long"]) == (10.93, 107.41)
    assert MASK in item["description"], "the anonymiser's proposal, approved as it stood"
    assert NAME not in item["description"] and "0912" not in item["description"]


async def test_open_and_reopened_cases_are_never_published_with_their_text(
        bot: Harness, api: Client) -> None:
    await bot.join(STAFF, Role.STAFF, "PTNMT")
    code, case_id = await file(bot)
    with pytest.raises(InvalidTransition):
        await approve(bot.store, bot.clock, CHANNEL, STAFF, code, question=QUESTION,
                      answer=APPROVED_ANSWER)
    await bot.press(STAFF, f"ca:resolve:{case_id}")
    check = one(STAFF, await bot.text(STAFF, ANSWER))
    await bot.press(STAFF, check.payload("ss:resolve:"))
    await approve(bot.store, bot.clock, CHANNEL, STAFF, code, question=QUESTION,
                  answer=APPROVED_ANSWER)
    assert (await outputs(api, code)).listed["/api/cases.json"]

    # The sender, unhappy, reopens it: what was approved is no longer served.
    await bot.press(CITIZEN, f"rt:{case_id}:1")
    offer = one(CITIZEN, await bot.press(CITIZEN, f"rs:not_solved:{case_id}"))
    await bot.press(CITIZEN, offer.payload("rs:reopen:"))
    reopened = await outputs(api, code, search="nạo vét")
    assert not leaks(reopened, (QUESTION, APPROVED_ANSWER, *SECRETS))
    assert not any(reopened.listed.values()), reopened.listed

    # Resolved again (at the same moment, on the tests' clock), it waits for a new
    # decision: the old one does not come back.
    await bot.press(STAFF, f"ca:resolve:{case_id}")
    check = one(STAFF, await bot.text(STAFF, "Đã nạo vét lại toàn tuyến."))
    await bot.press(STAFF, check.payload("ss:resolve:"))
    again = await outputs(api, code, search="nạo vét")
    assert not leaks(again, (QUESTION, APPROVED_ANSWER)) and not any(again.listed.values())
    async with bot.store.unit_of_work() as uow:
        waiting, total = await uow.publications.waiting("PTNMT", 10, 0)
    assert ([c.code for c in waiting], total) == ([code], 1)


async def test_only_the_units_staff_and_administrators_decide(bot: Harness,
                                                              api: Client) -> None:
    code = await resolved(bot)
    await bot.join(OTHER_STAFF, Role.STAFF, "PTP")
    await bot.join(HEAD, Role.HEAD, "PTP")
    await bot.join(ADMIN, Role.ADMIN, None)
    for chat in (OTHER_STAFF, HEAD, CITIZEN):
        async with bot.store.unit_of_work() as uow:
            actor = (await person(uow, CHANNEL, chat)).as_actor()
            case = await uow.cases.get_by_code(code)
            assert case is not None
            for attempt in (publication.propose(uow, actor, case, bot.clock()),
                            publication.approve(uow, actor, case, QUESTION, APPROVED_ANSWER,
                                                bot.clock()),
                            publication.reject(uow, actor, case, bot.clock()),
                            publication.withdraw(uow, actor, case, bot.clock())):
                with pytest.raises(NotAllowed):
                    await attempt
    assert await count(bot) == 0
    assert not any((await outputs(api, code)).listed.values())
    approval = await approve(bot.store, bot.clock, CHANNEL, ADMIN, code, question=QUESTION,
                             answer=APPROVED_ANSWER)
    assert approval.publication is not None and await count(bot) == 1


async def count(bot: Harness) -> int:
    async with bot.database.reading() as session:
        return int((await session.execute(
            select(func.count()).select_from(PublicationRow))).scalar_one())


async def test_an_empty_question_is_refused(bot: Harness) -> None:
    code = await resolved(bot)
    for question in ("", "   ", "x"):
        with pytest.raises(ValidationError):
            await approve(bot.store, bot.clock, CHANNEL, STAFF, code, question=question,
                          answer=APPROVED_ANSWER)
    assert await count(bot) == 0


names = st.tuples(st.sampled_from(FAMILIES), st.sampled_from(MIDDLES),
                  st.sampled_from(GIVEN)).map(" ".join)
phones = st.sampled_from(["0912 345 678", "0912.345.678", "+84 912 345 678", "84912345678",
                          "(0251) 3871 234", "098-765-4321", "0987  654  321"])
others = st.one_of(
    st.tuples(st.sampled_from(["ông", "bà", "anh", "chị", "cán bộ", "đồng chí"]), names
              ).map(" ".join),
    phones, st.sampled_from(["CCCD 075123456789", "CMND 271234567", "số nhà 45 Hùng Vương",
                             "email an.nguyen@example.org", "biển số 60A-123.45",
                             "STK 0071001234567 Vietcombank"]))


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(added=others, where=st.sampled_from(["question", "answer"]))
async def test_personal_data_added_in_an_edit_is_held_back(
        bot: Harness, api: Client, added: str, where: str) -> None:
    """Whatever personal data the approver's edit brings back, the anonymiser finds it:
    nothing is published until they confirm, having seen it; then exactly their text."""
    if not await _has_case(bot):
        await resolved(bot)
    code = "PA-2026-000001"
    texts = {"question": QUESTION, "answer": APPROVED_ANSWER}
    texts[where] = f"{texts[where]} Liên hệ {added} để biết thêm."
    async with bot.store.unit_of_work() as uow:
        actor = (await person(uow, CHANNEL, STAFF)).as_actor()
        case = await uow.cases.get_by_code(code)
        assert case is not None
        current = await publication.in_force(uow, case)
        if current is not None and current.status.value == "approved":
            await publication.withdraw(uow, actor, case, bot.clock())
    held = await approve(bot.store, bot.clock, CHANNEL, STAFF, code, **texts)
    assert held.publication is None and held.findings, added
    shown = await outputs(api, code, search="thi công")
    assert not leaks(shown, (added,)) and not any(shown.listed.values())
    confirmed = await approve(bot.store, bot.clock, CHANNEL, STAFF, code, confirmed=True,
                              **texts)
    assert confirmed.publication is not None
    [item] = (await (await api.get(f"/api/cases.json?q={code}")).json())["cases"]
    assert (item["question"], item["answer"]) == (texts["question"], texts["answer"])


async def _has_case(bot: Harness) -> bool:
    async with bot.database.reading() as session:
        return bool((await session.execute(select(func.count()).select_from(CaseRow))
                     ).scalar_one())


async def test_erasure_takes_down_what_was_published_of_the_persons_cases(
        bot: Harness, api: Client) -> None:
    code = await resolved(bot)
    await approve(bot.store, bot.clock, CHANNEL, STAFF, code, question=QUESTION,
                  answer=APPROVED_ANSWER, location=True)
    await forget(bot)
    gone = await outputs(api, code, search="nạo vét")
    assert not leaks(gone, (QUESTION, APPROVED_ANSWER, *PLACE)) and not any(
        gone.listed.values())
    assert await count(bot) == 0
    async with bot.store.unit_of_work() as uow:
        waiting, _total = await uow.publications.waiting("PTNMT", 10, 0)
    assert [c.code for c in waiting] == [code], "a new decision, on the blanked texts"


streets = st.sampled_from(["Hùng Vương", "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Quốc lộ 1A"])
hamlets = st.sampled_from(["ấp Bình Xuân", "ấp 3", "khu phố 2", "tổ 5"])
senders = st.fixed_dictionaries({
    "name": names, "phone": phones,
    "house": st.integers(1, 999), "street": streets, "hamlet": hamlets,
    "lat": st.floats(10.7, 11.2), "long": st.floats(107.2, 107.6),
    "token": st.integers(10**5, 10**6 - 1).map(lambda n: f"vụ{n}")})
serial = iter(range(100, 10**6))


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(sender=senders, resolved_case=st.booleans())
async def test_no_sender_and_no_text_is_public_before_approval(
        bot: Harness, api: Client, sender: dict[str, object], resolved_case: bool) -> None:
    """Whoever the sender and whatever they wrote, open or resolved: nothing of it in any
    door until approved, searches by any of it included."""
    address = f"Số {sender['house']} {sender['street']}, {sender['hamlet']}"
    written = (f"Tôi là {sender['name']}, ở {address}, gọi {sender['phone']}: hồ sơ "
               f"{sender['token']} chậm hai tuần.")
    code = f"PA-2026-{next(serial):06d}"
    async with bot.database.transaction() as session:
        if await session.get(AccountRow, 1) is None:
            session.add(citizen())
            await session.flush()
        row = case_row(int(code[-6:]), bot.clock() + timedelta(days=10),
                   bot.clock() if resolved_case else None)
        row.text, row.answer = written, f"Đã trả lời {sender['name']} về {sender['token']}."
        row.contact_name, row.contact_phone = str(sender["name"]), str(sender["phone"])
        row.contact_address, row.received_at = address, bot.clock()
        row.latitude, row.longitude = float(sender["lat"]), float(sender["long"])  # type: ignore[arg-type]
        session.add(row)
    secrets = (str(sender["name"]), str(sender["phone"]), address, str(sender["token"]),
               f"{sender['lat']:.3f}", f"{sender['long']:.3f}")
    found = await outputs(api, code, search=str(sender["token"]))
    assert not leaks(found, secrets), leaks(found, secrets)
    assert not any(found.listed.values()), found.listed
    for secret in secrets[:3]:
        for door in ("/api/cases.json", "/public/pakn"):
            response = await api.get(door, params={"q": secret})
            assert code not in await response.text(), (door, secret)
