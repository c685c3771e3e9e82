"""SMS through the outbox to a fake eSMS gateway on 127.0.0.1 that speaks its JSON API:
what the gateway receives (brandname, customer-care type, text without diacritics, links
for files, our RequestId), each class of its answers (taken, refused for the phone or
the text, a setting to fix, a server failure, unreachable), and its delivery reports
recorded on the message."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from bot.channels.sms import EsmsClient, SmsChannel
from bot.channels.sms.channel import REPORT_PATH
from bot.channels.sms.esms import Report
from bot.channels.sms.text import count
from bot.core.records import Chat, FileKind, Outgoing
from bot.delivery.outbox import OutboxDispatcher
from bot.files.links import FileLinks
from bot.files.media import Media
from bot.spine.messages import Button, Reply
from storage.uow import Store
from tests.clock import Clock
from tests.delivery.conftest import outbox_row
from tests.fakes.esms_gateway import API_KEY, BRAND, SECRET_KEY, FakeEsms
from tests.ports import free_port

PHONE = "0912345678"
SECRET = "report-secret-0123456789"
SITE = "https://pakn.example.gov.vn"


@dataclass
class Rig:
    gateway: FakeEsms
    channel: SmsChannel
    dispatcher: OutboxDispatcher
    store: Store
    clock: Clock
    report_url: str


@pytest.fixture
async def gateway() -> AsyncIterator[FakeEsms]:
    fake = await FakeEsms().start()
    yield fake
    await fake.stop()


async def _rig(store: Store, clock: Clock, gateway_url: str, gateway: FakeEsms,
               max_segments: int = 3, ascii_only: bool = True) -> AsyncIterator[Rig]:
    links = FileLinks(b"k" * 32, SITE)
    media = Media(store, clock)

    async def link(attachment_id: int) -> str | None:
        found = await media.linkable(attachment_id)
        return links.url(attachment_id, found.key, clock()) if found else None

    async def rating_link(case_id: int) -> str:
        return f"{SITE}/danh-gia/{case_id:x}-signed"

    async def on_report(report: Report) -> bool:
        async with store.unit_of_work() as uow:
            return await uow.outbox.record_report("sms", report.sms_id, report.delivered,
                                                  report.detail, clock())
    app = web.Application()
    runner = web.AppRunner(app, access_log=None)
    channel_ref: list[SmsChannel] = []

    async def report(request: web.Request) -> web.Response:
        return await channel_ref[0].report(request)
    app.router.add_get(REPORT_PATH, report)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    channel = SmsChannel(EsmsClient(gateway_url, API_KEY, SECRET_KEY, BRAND), link,
                         rating_link, ascii_only=ascii_only, max_segments=max_segments,
                         callback_url=base + REPORT_PATH.format(secret=SECRET),
                         callback_secret=SECRET, on_report=on_report)
    channel_ref.append(channel)
    yield Rig(gateway, channel, OutboxDispatcher(store, [channel], clock), store, clock,
              base + REPORT_PATH.format(secret=SECRET))
    await channel.stop()
    await runner.cleanup()


@pytest.fixture
async def rig(store: Store, clock: Clock, gateway: FakeEsms) -> AsyncIterator[Rig]:
    async for built in _rig(store, clock, gateway.url, gateway):
        yield built


async def owe(rig: Rig, reply: Reply, key: str, phone: str = PHONE) -> int:
    async with rig.store.unit_of_work() as uow:
        row_id = await uow.outbox.enqueue(Outgoing(Chat("sms", phone), reply.to_json(), key),
                                          rig.clock())
    assert row_id is not None
    return row_id


async def test_a_message_reaches_the_gateway_as_the_brand_without_diacritics(rig: Rig) -> None:
    text = ("PAKN PA-2026-000042 đã được trả lời: Ủy ban nhân dân xã Xuân Bắc đã sửa "
            "đường ống nước trước nhà ông.")
    row_id = await owe(rig, Reply(text, buttons=((Button("Gửi PAKN", "mn:file"),),)), "a")
    await rig.dispatcher.deliver_all()
    [sent] = rig.gateway.accepted()
    assert sent.body["Brandname"] == BRAND and sent.body["SmsType"] == "2"
    assert sent.body["IsUnicode"] == "0" and sent.body["RequestId"] == f"pakn-{row_id}"
    assert sent.phone == PHONE
    assert sent.text == ("PAKN PA-2026-000042 da duoc tra loi: Uy ban nhan dan xa Xuan Bac "
                         "da sua duong ong nuoc truoc nha ong.")
    assert "Gui PAKN" not in sent.text, "buttons cannot be pressed in an SMS"
    row = await outbox_row(rig.store, row_id)
    assert (row.status, row.external_id) == ("sent", sent.sms_id)


async def test_a_document_goes_as_a_signed_link_that_stays_whole(rig: Rig) -> None:
    async with rig.store.unit_of_work() as uow:
        owner = await uow.accounts.identify("sms", PHONE, PHONE, "", None, rig.clock())
        document = await uow.attachments.add(owner.id, "sms", rig.clock(), content=b"%PDF-1.4",
                                             mime="application/pdf", filename="xin-loi.pdf",
                                             kind=FileKind.DOCUMENT)
    long_text = "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết. " * 20
    await owe(rig, Reply(long_text, document=document), "doc")
    await rig.dispatcher.deliver_all()
    [sent] = rig.gateway.accepted()
    link = sent.text.splitlines()[-1]
    assert link.startswith(f"{SITE}/files/{document}?exp=") and "&sig=" in link
    assert count(sent.text).segments <= 3 and count(sent.text).gsm
    assert sent.text.splitlines()[0].endswith("..."), "the text is cut, the link kept"


async def test_a_rating_request_goes_as_its_rating_link(rig: Rig) -> None:
    question = Reply("Ông/bà hài lòng thế nào với cách UBND xã Xuân Bắc xử lý PAKN "
                     "PA-2026-000042?",
                     buttons=tuple((Button(f"Mức {n}", f"rt:42:{n}"),) for n in range(5, 0, -1)))
    await owe(rig, question, "rate")
    await rig.dispatcher.deliver_all()
    [sent] = rig.gateway.accepted()
    assert sent.text == ("Ong/ba hai long the nao voi cach UBND xa Xuan Bac xu ly PAKN "
                         f"PA-2026-000042?\n{SITE}/danh-gia/2a-signed")


async def test_unicode_texts_when_diacritics_are_kept(store: Store, clock: Clock,
                                                      gateway: FakeEsms) -> None:
    async for rig in _rig(store, clock, gateway.url, gateway, ascii_only=False):
        await owe(rig, Reply("Mã tra cứu của ông/bà: PA-2026-000042"), "u")
        await rig.dispatcher.deliver_all()
        [sent] = gateway.accepted()
        assert sent.text == "Mã tra cứu của ông/bà: PA-2026-000042"
        assert sent.body["IsUnicode"] == "1"


@pytest.mark.parametrize(("code", "reason"), [
    ("99", "blocked"), ("108", "not in a form"), ("146", "template"), ("177", "network"),
    ("555", "refused the message")])
async def test_refusals_of_the_phone_or_text_are_undeliverable_with_the_reason(
        rig: Rig, code: str, reason: str) -> None:
    rig.gateway.fail_next(code)
    row_id = await owe(rig, Reply("Xin chào"), f"r{code}")
    await rig.dispatcher.deliver_all()
    row = await outbox_row(rig.store, row_id)
    assert row.status == "undeliverable" and reason in (row.last_error or "")
    assert f"eSMS {code}" in (row.last_error or "")
    assert len(rig.gateway.requests) == 1, "never tried again"


@pytest.mark.parametrize(("failure", "reason"), [
    ("101", "ApiKey"), ("102", "price list"), ("103", "balance"), ("104", "brandname"),
    ("118", "message type"), ("140", "address"), (500, "HTTP 500"), (503, "HTTP 503"),
    (429, "HTTP 429")])
async def test_settings_to_fix_and_server_failures_are_retried(
        rig: Rig, failure: str | int, reason: str) -> None:
    rig.gateway.fail_next(failure)
    row_id = await owe(rig, Reply("Xin chào"), f"t{failure}")
    await rig.dispatcher.deliver_all()
    row = await outbox_row(rig.store, row_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert reason in (row.last_error or "")
    rig.clock.advance(seconds=5)
    await rig.dispatcher.deliver_all()
    row = await outbox_row(rig.store, row_id)
    assert row.status == "sent" and row.external_id == rig.gateway.accepted()[0].sms_id


async def test_a_retry_after_a_lost_answer_is_not_sent_twice(rig: Rig) -> None:
    row_id = await owe(rig, Reply("Xin chào"), "dup")
    async with rig.store.outbox_queue() as queue:
        [item] = await queue.claim_due(rig.clock(), 10, 60, ["sms"])
    assert await rig.channel.deliver(item) is not None  # taken; the answer "lost"
    rig.clock.advance(seconds=61)
    await rig.dispatcher.deliver_all()
    assert [r.code for r in rig.gateway.requests] == ["100", "124"]
    assert (await outbox_row(rig.store, row_id)).status == "sent"


async def test_an_unreachable_gateway_is_retried(store: Store, clock: Clock,
                                                 gateway: FakeEsms) -> None:
    async for rig in _rig(store, clock, f"http://127.0.0.1:{free_port()}/send", gateway):
        row_id = await owe(rig, Reply("Xin chào"), "down")
        await rig.dispatcher.deliver_all()
        row = await outbox_row(store, row_id)
        assert row.status == "pending" and "unreachable" in (row.last_error or "")


async def test_a_chat_that_is_not_a_phone_is_undeliverable(rig: Rig) -> None:
    for key, chat in (("n1", "+84912345678"), ("n2", "12345"), ("n3", "091234567x")):
        row_id = await owe(rig, Reply("Xin chào"), key, phone=chat)
        await rig.dispatcher.deliver_all()
        row = await outbox_row(rig.store, row_id)
        assert row.status == "undeliverable" and "national form" in (row.last_error or "")
    assert rig.gateway.requests == []


async def test_delivery_reports_are_recorded_on_the_message(rig: Rig) -> None:
    delivered_id = await owe(rig, Reply("Một"), "d1")
    failed_id = await owe(rig, Reply("Hai"), "d2", phone="0987654321")
    await rig.dispatcher.deliver_all()
    first, second = rig.gateway.accepted()
    assert first.body["CallbackUrl"] == rig.report_url
    # On the way (1, 2, 7) says nothing final.
    assert await rig.gateway.report(first, delivered=False, status="7") == 200
    assert (await outbox_row(rig.store, delivered_id)).report is None
    assert await rig.gateway.report(first, delivered=True) == 200
    assert await rig.gateway.report(second, delivered=False) == 200
    done = await outbox_row(rig.store, delivered_id)
    assert (done.status, done.report, done.reported_at) == ("sent", "delivered", rig.clock())
    failed = await outbox_row(rig.store, failed_id)
    assert (failed.status, failed.report) == ("undeliverable", "failed")
    assert "not delivered" in (failed.last_error or "")
    # A report sent again changes nothing.
    assert await rig.gateway.report(first, delivered=False) == 200
    assert (await outbox_row(rig.store, delivered_id)).report == "delivered"


async def test_a_report_without_the_secret_is_refused(rig: Rig) -> None:
    row_id = await owe(rig, Reply("Một"), "s1")
    await rig.dispatcher.deliver_all()
    [sent] = rig.gateway.accepted()
    wrong = rig.report_url.replace(SECRET, "x" * len(SECRET))
    assert await rig.gateway.report(sent, delivered=False, url=wrong) == 401
    assert await rig.gateway.report(sent, delivered=False,
                                    url=rig.report_url.rsplit("/", 1)[0] + "/") in (401, 404)
    assert (await outbox_row(rig.store, row_id)).report is None
