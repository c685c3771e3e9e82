"""Replies cut to what a channel takes in one message."""

from bot.channels import telegram, webchat
from bot.spine.messages import Button, Reply, fit, split_text


def test_a_short_reply_is_left_alone() -> None:
    reply = Reply("Xin chào", buttons=((Button("OK", "x:1"),),))
    assert fit(reply, telegram.CAPABILITIES) == [reply]


def test_a_channel_without_a_limit_takes_anything() -> None:
    reply = Reply("x" * 10_000)
    assert fit(reply, webchat.CAPABILITIES) == [reply]


def test_long_text_is_cut_at_line_breaks_with_the_buttons_last() -> None:
    text = "\n".join(f"line {n:03} " + "x" * 90 for n in range(100))
    buttons = ((Button("Close", "c:1"),),)
    parts = fit(Reply(text, buttons=buttons), telegram.CAPABILITIES)
    assert len(parts) == 3
    assert all(len(p.text) <= 4096 for p in parts)
    assert "\n".join(p.text for p in parts) == text
    assert [p.buttons for p in parts] == [(), (), buttons]


def test_a_line_longer_than_the_limit_is_cut_hard() -> None:
    assert [len(piece) for piece in split_text("y" * 9000, 4096)] == [4096, 4096, 808]


def test_a_photo_with_a_long_caption_goes_first_then_the_text() -> None:
    reply = Reply("z" * 2000, photo_attachment=7, buttons=((Button("Reply", "r:1"),),))
    photo, text = fit(reply, telegram.CAPABILITIES)
    assert (photo.photo_attachment, photo.text, photo.buttons) == (7, "", ())
    assert (text.photo_attachment, text.text, text.buttons) == (None, "z" * 2000, reply.buttons)


def test_a_photo_with_a_short_caption_stays_one_message() -> None:
    reply = Reply("PA-2026-000001: ảnh 1/2", photo_attachment=3)
    assert fit(reply, telegram.CAPABILITIES) == [reply]
