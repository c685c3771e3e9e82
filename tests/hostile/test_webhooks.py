"""Fuzzing what the channels post: random and malformed updates, unknown kinds, bad
UTF-8, oversized text. None may get a server error (the webhooks answer 5xx only when
the database is down, on purpose), make a handler fail, or make the bot show anyone an
internal detail."""

import io
import json
from typing import Any

import aiohttp
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.checks import FUZZ, leaks, logged_errors
from tests.hostile.stage import Stage
from tests.hostile.strategies import (
    JSON,
    oa_events,
    telegram_updates,
    webchat_frames,
    zalo_bot_updates,
)

FRAME_LIMIT = 64 * 1024
"""The web chat's websocket takes frames up to this size."""
ANSWERED = {200, 400, 401, 413}
"""Taken, not an update, not signed, too large: what a webhook may answer here."""

BAD_BYTES = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda head, junk: head + junk, st.just(b'{"update_id": 5, "message": {"text": "'),
              st.binary(min_size=1, max_size=40)),
    st.sampled_from([b"", b"\xff\xfe\x00", b"{", b"[]", b"null", b"1e999999",
                     b'{"update_id": 1e309}', b"\xc3\x28" * 100, b'"\xed\xa0\x80"',
                     b'{"update_id": 7, "message": "\xff"}']),
)


async def _assert_held(stage: Stage, status: int, errors: Any, mark: int, sent: Any) -> None:
    shown = repr(sent)[:2000]
    assert status in ANSWERED, (status, shown)
    failures = errors.take()
    assert not failures, (failures, shown)
    for channel, chat, text in await stage.outbox_texts(mark):
        assert leaks(text) is None, (channel, chat, leaks(text), text[:300], shown)


@FUZZ
@given(update=st.one_of(telegram_updates(), telegram_updates(), JSON))
async def test_telegram_webhook_takes_anything(stage: Stage, update: Any) -> None:
    mark = await stage.last_outbox_id()
    with logged_errors() as errors:
        status = await stage.telegram_update(update)
        await _assert_held(stage, status, errors, mark, update)


@FUZZ
@given(body=BAD_BYTES)
async def test_telegram_webhook_takes_bad_bytes(stage: Stage, body: bytes) -> None:
    mark = await stage.last_outbox_id()
    with logged_errors() as errors:
        status = await stage.telegram_update(body)
        await _assert_held(stage, status, errors, mark, body)


async def test_telegram_webhook_refuses_a_wrong_secret_before_anything(stage: Stage) -> None:
    before = await stage.counts()
    for secret in (None, "", "wrong", "hostile-telegram-secre", "x" * 4000):
        assert await stage.telegram_update({"update_id": 1, "message": {}}, secret) == 401
    assert await stage.counts() == before


@FUZZ
@given(update=zalo_bot_updates())
async def test_zalo_bot_webhook_takes_anything(stage: Stage, update: Any) -> None:
    mark = await stage.last_outbox_id()
    with logged_errors() as errors:
        status = await stage.zalo_update(update)
        await _assert_held(stage, status, errors, mark, update)


@FUZZ
@given(body=BAD_BYTES)
async def test_zalo_bot_webhook_takes_bad_bytes(stage: Stage, body: bytes) -> None:
    mark = await stage.last_outbox_id()
    with logged_errors() as errors:
        status = await stage.zalo_update(body)
        await _assert_held(stage, status, errors, mark, body)


@FUZZ
@given(event=oa_events())
async def test_zalo_oa_webhook_takes_anything_signed(stage: Stage, event: Any) -> None:
    mark = await stage.last_outbox_id()
    with logged_errors() as errors:
        status = await stage.oa_event(event)
        await _assert_held(stage, status, errors, mark, event)


@FUZZ
@given(body=BAD_BYTES, signature=st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=80),
    st.just("mac="), st.just("mac=" + "0" * 64)))
async def test_zalo_oa_webhook_refuses_what_is_not_signed(stage: Stage, body: bytes,
                                                         signature: str) -> None:
    before = await stage.counts()
    with logged_errors() as errors:
        status = await stage.oa_raw(body, signature)
        assert status == 401, status
        assert not errors.take()
    assert await stage.counts() == before


@FUZZ
@given(frames=st.lists(st.one_of(webchat_frames().map(json.dumps), st.text(max_size=40)),
                       min_size=1, max_size=4))
async def test_web_chat_takes_anything(stage: Stage, frames: list[str]) -> None:
    visitor = await stage.visitor()
    try:
        await visitor.open()
        mark = await stage.last_outbox_id()
        with logged_errors() as errors:
            for frame in frames:
                answer = await visitor.frame(frame)
                if len(frame.encode("utf-8", "surrogatepass")) > FRAME_LIMIT:
                    # aiohttp refuses frames over the socket's limit by closing it.
                    assert answer == {"type": "closed", "code": 1009}, answer
                    await visitor.open()
                else:
                    assert answer["type"] in ("ack", "invalid"), (answer, frame[:300])
            await _assert_held(stage, 200, errors, mark, frames)
    finally:
        await visitor.close()


async def test_what_people_were_sent_shows_nothing_internal(stage: Stage) -> None:
    """The fuzz tests read what the bot owes (the outbox); here the refusals of a bad
    command and a forged button are followed to the fake API, as people get them."""
    for update in ({"update_id": 1, "message": {"message_id": 1, "date": 1,
                                                 "chat": {"id": 7, "type": "private"},
                                                 "from": {"id": 7, "is_bot": False,
                                                          "first_name": "A",
                                                          "language_code": "en"},
                                                 "text": "/thongke 2026-Q9"}},
                   {"update_id": 2, "callback_query": {"id": "1", "chat_instance": "c",
                                                       "from": {"id": 7, "is_bot": False,
                                                                "first_name": "A",
                                                                "language_code": "en"},
                                                       "data": "ca:claim:999999999"}}):
        assert await stage.telegram_update(update) == 200
    await stage.delivered()
    sent = stage.sent_texts()
    assert any("Only administrators" in text for text in sent), sent
    assert any("cannot do that" in text for text in sent), sent
    for text in sent:
        assert leaks(text) is None, text[:300]


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xfc\xcf\xc0P\x0f\x00\x04\x85\x01\x80"
       b"\x84\xa9\x8c!\x00\x00\x00\x00IEND\xaeB`\x82")
FILENAMES = st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"),
                                  exclude_characters='"\\'), max_size=30)
PATH_PARTS = st.one_of(st.integers(-5, 10**20),
                       st.text(st.characters(min_codepoint=48, max_codepoint=122), max_size=20))
UPLOADS = st.fixed_dictionaries({
    "field": st.sampled_from(["photo", "photo", "file", ""]),
    "content": st.one_of(st.binary(max_size=200), st.just(PNG),
                         st.binary(max_size=50).map(lambda tail: PNG + tail),
                         st.just(b"\xff\xd8\xff" + b"\x00" * 100), st.just(b"RIFF....WEBP")),
    "filename": st.one_of(st.none(), FILENAMES),
    "content_type": st.sampled_from(["image/png", "text/plain", "application/octet-stream",
                                     "image/svg+xml"]),
    "origin": st.sampled_from([None, "same", "https://evil.example"]),
    "cookie": st.booleans(),
    "raw": st.one_of(st.none(), st.binary(max_size=120)),
})


@FUZZ
@given(upload=UPLOADS)
async def test_web_chat_uploads_take_anything(stage: Stage, upload: dict[str, Any]) -> None:
    visitor = await stage.visitor()
    session = visitor.session if upload["cookie"] else stage.http
    headers = {}
    if upload["origin"] is not None:
        headers["Origin"] = stage.url if upload["origin"] == "same" else upload["origin"]
    if upload["raw"] is not None:  # not a form at all
        body: Any = upload["raw"]
        headers["Content-Type"] = "multipart/form-data; boundary=xyz"
    else:
        body = aiohttp.FormData()
        body.add_field(upload["field"], io.BytesIO(upload["content"]), filename=upload["filename"],
                       content_type=upload["content_type"])
    try:
        with logged_errors() as errors:
            async with session.post("/chat/upload", data=body, headers=headers) as response:
                status, answer = response.status, await response.text()
            # 429: the address's upload quota for the hour, which the examples use up.
            assert status in {200, 400, 403, 413, 415, 429}, (status, answer, upload)
            assert not errors.take(), upload
        if status == 200:
            attachment = json.loads(answer)["attachment_id"]
            async with visitor.session.get(f"/chat/media/{attachment}") as own:
                assert own.status == 200, "the sender sees their photo"
            stranger = await stage.visitor()
            try:
                async with stranger.session.get(f"/chat/media/{attachment}") as other:
                    assert other.status == 404, "nobody else does"
            finally:
                await stranger.close()
    finally:
        await visitor.close()


@FUZZ
@given(path=st.one_of(
    st.builds("/chat/media/{}".format, PATH_PARTS),
    st.builds("/files/{}?exp={}&sig={}".format, PATH_PARTS, PATH_PARTS, PATH_PARTS),
    st.builds("/?lang={}&start={}".format, st.text(max_size=10), st.text(max_size=40)),
))
async def test_web_chat_pages_and_files_take_anything(stage: Stage, path: str) -> None:
    with logged_errors() as errors:
        async with stage.http.get(path) as response:
            assert response.status in {200, 400, 404}, (response.status, path)
        assert not errors.take(), path
