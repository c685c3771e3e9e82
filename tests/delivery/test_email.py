"""Email through the outbox to a local SMTP server (aiosmtpd on 127.0.0.1): the text and
its HTML alternative, the apology's PDF attached, the subject in the reader's language,
a refused address undeliverable with the server's words, a busy one or a server down
tried again."""

from collections.abc import AsyncIterator, Iterator

import pytest
from aiosmtpd.controller import Controller

from bot.channels.email import EmailChannel, SmtpServer
from bot.core.records import Chat, FileKind, Outgoing
from bot.delivery.notify import Notifier
from bot.delivery.outbox import OutboxDispatcher
from bot.files.media import Media
from bot.present.i18n import _
from bot.spine.messages import Button, Reply
from storage.uow import Store
from tests.clock import Clock
from tests.delivery.conftest import outbox_row
from tests.fakes.smtp_server import BUSY, REFUSED, Mailbox, start_server
from tests.ports import free_port

CITIZEN = "nguyenvanan@dan.example.vn"
FROM = "UBND xa Xuan Bac <pakn@xuanbac.example.gov.vn>"


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Mailbox]]:
    controller, mailbox = start_server()
    yield controller, mailbox
    controller.stop()


def channel_for(store: Store, clock: Clock, port: int) -> EmailChannel:
    async def rating_link(case_id: int) -> str:
        return f"https://pakn.example.gov.vn/danh-gia/{case_id:x}-signed"
    return EmailChannel(SmtpServer("127.0.0.1", port, None, None, starttls=False), FROM,
                        Media(store, clock), rating_link)


@pytest.fixture
async def dispatcher(store: Store, clock: Clock,
                     smtp: tuple[Controller, Mailbox]) -> AsyncIterator[OutboxDispatcher]:
    yield OutboxDispatcher(store, [channel_for(store, clock, smtp[0].port)], clock)


async def owe(store: Store, clock: Clock, reply: Reply, key: str, to: str = CITIZEN) -> int:
    async with store.unit_of_work() as uow:
        row_id = await uow.outbox.enqueue(Outgoing(Chat("email", to), reply.to_json(), key),
                                          clock())
    assert row_id is not None
    return row_id


async def test_the_apology_goes_as_text_html_and_its_pdf(
        store: Store, clock: Clock, dispatcher: OutboxDispatcher,
        smtp: tuple[Controller, Mailbox]) -> None:
    pdf = b"%PDF-1.4 the apology"
    async with store.unit_of_work() as uow:
        owner = await uow.accounts.identify("email", CITIZEN, CITIZEN, "", None, clock())
        document = await uow.attachments.add(owner.id, "email", clock(), content=pdf,
                                             mime="application/pdf",
                                             filename="PA-2026-000042-01.pdf",
                                             kind=FileKind.DOCUMENT)
    text = ("Văn bản xin lỗi: PA-2026-000042\nXem chi tiết tại https://pakn.example.gov.vn/"
            "cong-khai\n\nTrân trọng <UBND>")
    row_id = await owe(store, clock, Reply(text, document=document,
                                           buttons=((Button("Gửi PAKN", "mn:file"),),)), "ap")
    await dispatcher.deliver_all()
    [mail] = smtp[1].received
    assert mail.recipients == [CITIZEN] and mail.sender == "pakn@xuanbac.example.gov.vn"
    message = mail.message
    assert message["Subject"] == "Văn bản xin lỗi: PA-2026-000042"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None
    assert plain.get_content().replace("\r\n", "\n").strip() == text
    assert html is not None
    body = html.get_content()
    assert "&lt;UBND&gt;" in body and "<UBND>" not in body, "text is escaped in HTML"
    assert '<a href="https://pakn.example.gov.vn/cong-khai">' in body
    assert "Gửi PAKN" not in plain.get_content(), "buttons are left out"
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == "PA-2026-000042-01.pdf"
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_content() == pdf
    row = await outbox_row(store, row_id)
    assert row.status == "sent" and row.external_id == message["Message-ID"]


async def test_a_rating_request_carries_its_rating_link(
        store: Store, clock: Clock, dispatcher: OutboxDispatcher,
        smtp: tuple[Controller, Mailbox]) -> None:
    question = Reply("Ông/bà hài lòng thế nào?",
                     buttons=tuple((Button(f"Mức {n}", f"rt:42:{n}"),) for n in range(5, 0, -1)))
    await owe(store, clock, question, "rate")
    await dispatcher.deliver_all()
    [mail] = smtp[1].received
    plain = mail.message.get_body(("plain",))
    html = mail.message.get_body(("html",))
    assert plain is not None and html is not None
    link = "https://pakn.example.gov.vn/danh-gia/2a-signed"
    assert plain.get_content().split() == ["Ông/bà", "hài", "lòng", "thế", "nào?", link]
    assert f'<a href="{link}">' in html.get_content()


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_the_message_is_in_the_readers_language(
        store: Store, clock: Clock, dispatcher: OutboxDispatcher,
        smtp: tuple[Controller, Mailbox], language: str) -> None:
    async with store.unit_of_work() as uow:
        reader = await uow.accounts.identify("email", CITIZEN, CITIZEN, "", None, clock())
        await uow.accounts.set_language(reader.id, language)
        reader = await uow.accounts.get(reader.id)
        assert reader is not None
        await Notifier(uow, "vi", clock(), "t").notify(
            reader, lambda: Reply(_("Thank you for your rating!")), chats=[Chat("email",
                                                                                 CITIZEN)])
    await dispatcher.deliver_all()
    [mail] = smtp[1].received
    expected = {"vi": "Cảm ơn bạn đã đánh giá!", "en": "Thank you for your rating!"}
    assert mail.message["Subject"] == expected[language]


async def test_a_refused_address_is_undeliverable_with_the_servers_words(
        store: Store, clock: Clock, dispatcher: OutboxDispatcher,
        smtp: tuple[Controller, Mailbox]) -> None:
    row_id = await owe(store, clock, Reply("Xin chào"), "no", to=REFUSED)
    await dispatcher.deliver_all()
    row = await outbox_row(store, row_id)
    assert row.status == "undeliverable"
    assert "550" in (row.last_error or "") and "No such user" in (row.last_error or "")
    assert REFUSED not in (row.last_error or ""), "reasons are logged: no addresses in them"
    assert smtp[1].received == []


async def test_a_busy_mailbox_is_tried_again(
        store: Store, clock: Clock, dispatcher: OutboxDispatcher,
        smtp: tuple[Controller, Mailbox]) -> None:
    row_id = await owe(store, clock, Reply("Xin chào"), "busy", to=BUSY)
    await dispatcher.deliver_all()
    row = await outbox_row(store, row_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "451" in (row.last_error or "")


async def test_a_server_down_is_tried_again_and_the_message_goes_when_it_is_back(
        store: Store, clock: Clock) -> None:
    port = free_port()
    dispatcher = OutboxDispatcher(store, [channel_for(store, clock, port)], clock)
    row_id = await owe(store, clock, Reply("Xin chào"), "down")
    await dispatcher.deliver_all()
    row = await outbox_row(store, row_id)
    assert row.status == "pending" and "unreachable" in (row.last_error or "")
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        clock.advance(seconds=5)
        await dispatcher.deliver_all()
        assert (await outbox_row(store, row_id)).status == "sent"
        assert len(controller.handler.received) == 1
    finally:
        controller.stop()
