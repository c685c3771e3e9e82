"""What reaches Telegram for each kind of reply, and what the outbox row records."""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.telegram import CAPABILITIES
from bot.delivery.outbox import OutboxDispatcher
from bot.spine.messages import Button, ButtonKind, Reply, fit
from storage.uow import Store
from tests.delivery.conftest import (
    PNG_BYTES,
    START,
    Clock,
    RecordingBotApi,
    attachment_row,
    enqueue,
    outbox_row,
)
from tests.fakes.telegram_api import Failure

TEXT_LIMIT = CAPABILITIES.text_limit

# --- text and keyboards -------------------------------------------------------------------


async def test_plain_text_is_sent_and_the_row_keeps_telegrams_message_id(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    text = "Xin chào! Phản ánh của bạn đã được tiếp nhận."
    row_id = await enqueue(store, 1001, Reply(text), "plain-1", clock())

    await dispatcher.deliver_all()

    [call] = fake_api.to_chat(1001)
    assert call.content_type == "application/json"  # one JSON body, not a form
    assert call.params["text"] == text
    assert "reply_markup" not in call.params
    row = await outbox_row(store, row_id)
    assert row.status == "sent"
    assert row.attempts == 1
    assert row.last_error is None
    assert row.external_id == str(fake_api.message_id(1001, text))
    assert row.sent_at == START
    assert row.lease_until is None


async def test_callback_buttons_arrive_as_an_inline_keyboard(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    reply = Reply("Bạn hài lòng với kết quả giải quyết?", buttons=(
        (Button("Hài lòng", "sv:1:good"), Button("Không hài lòng", "sv:1:bad")),
        (Button("Xem chi tiết", "case:PA-2026-000001"),),
    ))
    row_id = await enqueue(store, 1002, reply, "inline-1", clock())

    await dispatcher.deliver_all()

    [call] = fake_api.to_chat(1002)
    assert call.params["reply_markup"] == {"inline_keyboard": [
        [{"text": "Hài lòng", "callback_data": "sv:1:good"},
         {"text": "Không hài lòng", "callback_data": "sv:1:bad"}],
        [{"text": "Xem chi tiết", "callback_data": "case:PA-2026-000001"}],
    ]}
    row = await outbox_row(store, row_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.external_id == str(fake_api.message_id(1002, reply.text))


async def test_contact_and_location_buttons_arrive_as_a_reply_keyboard(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    reply = Reply("Cho biết số điện thoại và vị trí", buttons=(
        (Button("Gửi số điện thoại", kind=ButtonKind.SHARE_CONTACT),),
        (Button("Gửi vị trí", kind=ButtonKind.SHARE_LOCATION),),
        (Button("Bỏ qua", "skip"),),
    ))
    row_id = await enqueue(store, 1003, reply, "reply-kb-1", clock())

    await dispatcher.deliver_all()

    [call] = fake_api.to_chat(1003)
    markup = call.params["reply_markup"]
    assert "inline_keyboard" not in markup
    assert markup["keyboard"] == [
        [{"text": "Gửi số điện thoại", "request_contact": True}],
        [{"text": "Gửi vị trí", "request_location": True}],
        [{"text": "Bỏ qua"}],
    ]
    assert markup["one_time_keyboard"] is True
    assert markup["resize_keyboard"] is True
    row = await outbox_row(store, row_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.external_id == str(fake_api.message_id(1003, reply.text))


async def test_remove_keyboard_is_sent_as_reply_keyboard_remove(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    row_id = await enqueue(store, 1004, Reply("Cảm ơn bạn.", remove_keyboard=True), "rm-1",
                           clock())

    await dispatcher.deliver_all()

    [call] = fake_api.to_chat(1004)
    assert call.params["reply_markup"] == {"remove_keyboard": True}
    row = await outbox_row(store, row_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.external_id == str(fake_api.message_id(1004, "Cảm ơn bạn."))


# Any text Telegram takes: every character but lone surrogates, and not blank.
TEXTS = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=300).filter(
    str.strip)
LABELS = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30)
CHATS = itertools.count(1100)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS, labels=st.lists(LABELS, max_size=4))
async def test_any_text_and_keyboard_arrive_as_written_in_one_json_body(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock, text: str, labels: list[str]) -> None:
    """Quotes, backslashes, newlines, control characters, emoji and Vietnamese reach
    Telegram unchanged, keyboard included."""
    chat = next(CHATS)
    buttons = tuple((Button(label, f"b:{i}"),) for i, label in enumerate(labels))
    await enqueue(store, chat, Reply(text, buttons=buttons), f"any-{chat}", clock())

    await dispatcher.deliver_all()

    [call] = fake_api.to_chat(chat)
    assert call.content_type == "application/json"
    assert call.params["text"] == text
    if labels:
        assert call.params["reply_markup"] == {"inline_keyboard": [
            [{"text": label, "callback_data": f"b:{i}"}] for i, label in enumerate(labels)]}
    else:
        assert "reply_markup" not in call.params


# --- long texts -------------------------------------------------------------------------


async def test_a_long_reply_goes_as_several_messages_in_order_with_buttons_on_the_last(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    lines = [f"Dòng {i:04}: người dân phản ánh về đèn đường hỏng ở tổ dân phố số {i % 9}."
             for i in range(160)]
    text = "\n".join(lines)
    assert len(text) > 2 * TEXT_LIMIT
    reply = Reply(text, buttons=((Button("Đóng", "close:1"),),))
    parts = fit(reply, CAPABILITIES)
    row_ids = [await enqueue(store, 1005, part, f"long-{n}", clock())
               for n, part in enumerate(parts)]

    await dispatcher.deliver_all()

    calls = fake_api.to_chat(1005)
    assert len(calls) == 3
    sent = [c.params["text"] for c in calls]
    assert all(0 < len(part) <= TEXT_LIMIT for part in sent)
    # In order, cut at line breaks, nothing lost.
    assert "\n".join(sent) == text
    assert all(part.startswith("Dòng ") and part[-1] == "." for part in sent)
    assert [("reply_markup" in c.params) for c in calls] == [False, False, True]
    assert calls[-1].params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Đóng", "callback_data": "close:1"}]]}
    for row_id, part in zip(row_ids, sent, strict=True):
        row = await outbox_row(store, row_id)
        assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
        assert row.external_id == str(fake_api.message_id(1005, part))


async def test_a_text_telegram_refuses_as_too_long_is_undeliverable_with_the_reason(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    row_id = await enqueue(store, 1006, Reply("ư" * (TEXT_LIMIT + 10)), "long-x", clock())

    await dispatcher.deliver_all()

    row = await outbox_row(store, row_id)
    assert row.status == "undeliverable"
    assert row.last_error is not None and "too long" in row.last_error


# --- edits ------------------------------------------------------------------------------


async def test_an_edit_changes_the_message_the_row_it_edits_was_delivered_as(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    card = Reply("PA-2026-000001: đang xử lý", buttons=((Button("Nhận xử lý", "take:1"),),))
    card_id = await enqueue(store, 2001, card, "card-1", clock())
    await dispatcher.deliver_all()
    message_id = fake_api.message_id(2001, card.text)
    assert (await outbox_row(store, card_id)).external_id == str(message_id)

    clock.advance(minutes=5)
    redrawn = Reply("PA-2026-000001: đã giải quyết", buttons=((Button("Mở lại", "reopen:1"),),))
    edit_id = await enqueue(store, 2001, redrawn, "card-1-edit-1", clock(), kind="edit",
                            edit_of=card_id)
    await dispatcher.deliver_all()

    [edit] = fake_api.to_chat(2001, "editMessageText")
    assert int(edit.params["message_id"]) == message_id
    assert edit.params["text"] == redrawn.text
    assert edit.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Mở lại", "callback_data": "reopen:1"}]]}
    assert len(fake_api.to_chat(2001)) == 1  # no new message was sent
    row = await outbox_row(store, edit_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.external_id == str(message_id)
    assert row.sent_at == clock()


async def test_message_is_not_modified_counts_as_sent(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    card = Reply("PA-2026-000002: đang xử lý")
    card_id = await enqueue(store, 2002, card, "card-2", clock())
    await dispatcher.deliver_all()
    message_id = fake_api.message_id(2002, card.text)

    fake_api.fail_next("editMessageText", Failure(
        400, "Bad Request: message is not modified: specified new message content and reply "
             "markup are exactly the same as a current content and reply markup of the message"))
    edit_id = await enqueue(store, 2002, card, "card-2-edit-1", clock(), kind="edit",
                            edit_of=card_id)
    await dispatcher.deliver_all()

    [edit] = fake_api.to_chat(2002, "editMessageText")
    assert edit.params["_failed"] == 400
    assert int(edit.params["message_id"]) == message_id
    row = await outbox_row(store, edit_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.external_id == str(message_id)
    clock.advance(days=1)
    await dispatcher.deliver_all()
    assert len(fake_api.to_chat(2002, "editMessageText")) == 1  # not tried again


async def test_an_edit_of_a_message_never_delivered_is_undeliverable(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    fake_api.fail_next("sendMessage", Failure(403, "Forbidden: bot was blocked by the user"))
    card_id = await enqueue(store, 2003, Reply("PA-2026-000003: mới"), "card-3", clock())
    edit_id = await enqueue(store, 2003, Reply("PA-2026-000003: đang xử lý"), "card-3-edit-1",
                            clock(), kind="edit", edit_of=card_id)

    await dispatcher.deliver_all()

    assert len(fake_api.failed_to(2003)) == 1
    assert fake_api.to_chat(2003, "editMessageText") == []
    card = await outbox_row(store, card_id)
    assert (card.status, card.external_id) == ("undeliverable", None)
    row = await outbox_row(store, edit_id)
    assert row.status == "undeliverable"
    assert row.attempts == 1
    assert row.external_id is None
    assert row.last_error is not None and "never delivered" in row.last_error


# --- photos -----------------------------------------------------------------------------


async def test_a_web_chat_photo_is_uploaded_once_then_sent_by_telegrams_file_id(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    async with store.unit_of_work() as uow:
        account = await uow.accounts.identify("webchat", "chat1", "chat1", "", None, clock())
        attachment_id = await uow.attachments.add(account.id, "webchat", clock(),
                                                  content=PNG_BYTES, mime="image/png")
    first = Reply("PA-2026-000004: ảnh 1 của 1", buttons=((Button("Xem", "view:4"),),),
                  photo_attachment=attachment_id)
    first_id = await enqueue(store, 3001, first, "photo-1", clock())

    await dispatcher.deliver_all()

    [upload] = fake_api.to_chat(3001, "sendPhoto")
    assert upload.files == {"photo": PNG_BYTES}  # multipart upload of the stored bytes
    assert upload.content_type == "multipart/form-data"
    assert upload.params["caption"] == first.text
    assert upload.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Xem", "callback_data": "view:4"}]]}
    [result] = [r for r in fake_api.results if r["chat"]["id"] == 3001]
    file_id = result["photo"][-1]["file_id"]
    row = await outbox_row(store, first_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.external_id == str(result["message_id"])
    stored = await attachment_row(store, attachment_id)
    assert stored.telegram_file_id == file_id
    assert stored.content == PNG_BYTES

    second = Reply("PA-2026-000004: ảnh 1 của 1", photo_attachment=attachment_id)
    second_id = await enqueue(store, 3002, second, "photo-2", clock())
    await dispatcher.deliver_all()

    [by_id] = fake_api.to_chat(3002, "sendPhoto")
    assert by_id.files == {}
    assert by_id.content_type == "application/json"
    assert by_id.params["photo"] == file_id
    row = await outbox_row(store, second_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.external_id == str(fake_api.message_id(3002, second.text))
    assert len([c for c in fake_api.calls if c.files]) == 1  # uploaded exactly once


async def test_a_file_owed_to_several_chats_at_once_is_uploaded_once_per_file(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    """An apology's PDF goes to the applicant and to the staff who wrote it, a photo to
    everyone following a case: their chats' lines are delivered at the same time, and
    only the first send of each file uploads it."""
    async with store.unit_of_work() as uow:
        account = await uow.accounts.identify("webchat", "chat2", "chat2", "", None, clock())
        pdf = await uow.attachments.add(account.id, "webchat", clock(), content=b"%PDF-1.7 x",
                                        mime="application/pdf", filename="xin-loi.pdf")
        photo = await uow.attachments.add(account.id, "webchat", clock(),
                                          content=PNG_BYTES, mime="image/png")
    fake_api.upload_seconds = 0.3  # longer than the 1/30 s between two sends
    chats = range(3101, 3106)
    for chat in chats:
        await enqueue(store, chat, Reply("Văn bản xin lỗi", document=pdf), f"pdf-{chat}",
                      clock())
        await enqueue(store, chat, Reply("Ảnh hiện trường", photo_attachment=photo),
                      f"photo-{chat}", clock())

    await dispatcher.deliver_all()

    documents = [c for c in fake_api.calls if c.method == "sendDocument"]
    photos = [c for c in fake_api.calls if c.method == "sendPhoto"]
    assert sorted(int(c.params["chat_id"]) for c in documents) == list(chats)
    assert sorted(int(c.params["chat_id"]) for c in photos) == list(chats)
    assert [c.files for c in documents if c.files] == [{"document": b"%PDF-1.7 x"}]
    assert [c.files for c in photos if c.files] == [{"photo": PNG_BYTES}]
    kept = {(await attachment_row(store, pdf)).telegram_file_id,
            (await attachment_row(store, photo)).telegram_file_id}
    assert {c.params["document"] for c in documents if not c.files} | {
        c.params["photo"] for c in photos if not c.files} == kept


async def test_a_telegram_photo_is_sent_by_its_file_id(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    async with store.unit_of_work() as uow:
        account = await uow.accounts.identify("telegram", "555", "555", "An", "vi", clock())
        attachment_id = await uow.attachments.add(account.id, "telegram", clock(),
                                                  telegram_file_id="AgACAgIAAxkBAAIC-photo")
    reply = Reply("Ảnh người dân gửi", photo_attachment=attachment_id)
    row_id = await enqueue(store, 3003, reply, "photo-3", clock())

    await dispatcher.deliver_all()

    [call] = fake_api.to_chat(3003, "sendPhoto")
    assert call.files == {}
    assert call.params["photo"] == "AgACAgIAAxkBAAIC-photo"
    assert call.params["caption"] == reply.text
    row = await outbox_row(store, row_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.external_id == str(fake_api.message_id(3003, reply.text))
    assert (await attachment_row(store, attachment_id)).telegram_file_id == \
        "AgACAgIAAxkBAAIC-photo"


async def test_a_photo_no_longer_stored_is_undeliverable_not_lost(
        store: Store, dispatcher: OutboxDispatcher, fake_api: RecordingBotApi,
        clock: Clock) -> None:
    row_id = await enqueue(store, 3004, Reply("Ảnh", photo_attachment=987654), "photo-4",
                           clock())

    await dispatcher.deliver_all()

    assert fake_api.to_chat(3004, "sendPhoto") == []
    row = await outbox_row(store, row_id)
    assert (row.status, row.attempts, row.external_id) == ("undeliverable", 1, None)
    assert row.last_error is not None and "no longer stored" in row.last_error

