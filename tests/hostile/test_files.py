"""Files as a careful attacker would try them: a signed link names one file forever (ids
never reused, the file's own key bound), forged and tampered links, exports by citizen
links, ids that are no number or too large, and uploads of anything, within a quota."""

import io
import json
import os
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import delete, select

from bot.channels.webchat import CHANNEL, chat_id_of
from bot.core.records import FileKind
from bot.files.images import clean_image
from bot.files.links import FileLinks
from storage.models import AttachmentRow
from tests.clock import Clock
from tests.hostile.checks import FUZZ, leaks, logged_errors
from tests.hostile.stage import Stage, Visitor
from tests.unit.test_images import PAYLOADS, SAMPLES, gps_exif, photo

GPS = 0x8825


async def upload(visitor: Visitor, content: bytes, language: str = "en"
                 ) -> tuple[int, dict[str, Any]]:
    form = aiohttp.FormData()
    form.add_field("photo", io.BytesIO(content), filename="p.jpg", content_type="image/jpeg")
    async with visitor.session.post("/chat/upload", data=form,
                                    headers={"Accept-Language": language}) as response:
        return response.status, json.loads(await response.text())


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, bytes]:
    path = urlsplit(url)
    async with session.get(f"{path.path}?{path.query}", allow_redirects=False) as response:
        return response.status, await response.read()


async def stored(stage: Stage, attachment_id: int) -> AttachmentRow | None:
    async with stage.service.database.reading() as session:
        return await session.get(AttachmentRow, attachment_id)


async def test_a_link_names_one_file_forever(stage: Stage) -> None:
    visitor = await stage.visitor()
    try:
        status, answer = await upload(visitor, photo("PNG"))
        assert status == 200
        first = answer["attachment_id"]
        link = await stage.service.link(first)
        assert link is not None
        status, body = await get(stage.http, link)
        row = await stored(stage, first)
        assert status == 200 and row is not None and body == row.content

        # Deleted, and a new upload: a new id, never the old one.
        async with stage.service.database.transaction() as session:
            await session.execute(delete(AttachmentRow).where(AttachmentRow.id == first))
        assert (await get(stage.http, link))[0] == 404
        status, answer = await upload(visitor, photo("JPEG"))
        assert answer["attachment_id"] > first

        # A database restored from an older backup gives the id to another file: the
        # link issued for the first still does not serve it (its key is not this one's).
        async with stage.service.database.transaction() as session:
            owner = (await session.execute(select(AttachmentRow.owner_id))).scalars().first()
            session.add(AttachmentRow(id=first, owner_id=owner, channel=CHANNEL,
                                      content=photo("WEBP"), mime="image/jpeg",
                                      created_at=stage.clock()))
        assert (await get(stage.http, link))[0] == 404
        fresh = await stage.service.link(first)
        assert fresh is not None and fresh != link
        assert (await get(stage.http, fresh))[0] == 200
    finally:
        await visitor.close()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@FUZZ
@given(exp=st.one_of(st.integers(-10, 10**15).map(str), st.text(max_size=20)),
       sig=st.one_of(st.text(max_size=50), st.binary(min_size=20, max_size=20).map(bytes.hex)),
       other_id=st.integers(1, 5))
async def test_forged_links_are_refused(stage: Stage, exp: str, sig: str,
                                        other_id: int) -> None:
    async with stage.service.store.unit_of_work() as uow:
        account = await uow.accounts.identify(CHANNEL, "forger", "forger", "", None,
                                              stage.clock())
        target = await uow.attachments.add(account.id, CHANNEL, stage.clock(),
                                           content=photo(), mime="image/jpeg")
    true_link = await stage.service.link(target)
    row = await stored(stage, target)
    links = stage.service.file_links
    assert true_link is not None and row is not None and links is not None
    query = dict(part.split("=", 1) for part in urlsplit(true_link).query.split("&"))
    forged = [f"/files/{target}?exp={exp}&sig={sig}",
              f"/files/{target}?exp={query['exp']}&sig={sig}",
              f"/files/{target}?exp={exp}&sig={query['sig']}",
              f"/files/{target + other_id}?exp={query['exp']}&sig={query['sig']}",
              f"/files/{target}?exp={int(query['exp']) + 1}&sig={query['sig']}"]
    # Signed with another deployment's key, or with the right one but not this file's key.
    for key, file_key in ((os.urandom(32), row.key), (os.urandom(32), ""),
                          (links.key, ""), (links.key, "x" + row.key),
                          (links.key, row.key[:-1])):
        forged.append(path_of(FileLinks(key, stage.url).url(target, file_key,
                                                            stage.clock())))
    with logged_errors() as errors:
        for path in forged:
            if path == path_of(true_link):
                continue
            async with stage.http.get(path) as response:
                # Not found; or refused before that when the query is not even text.
                assert response.status in (400, 404), path
        assert not errors.take()
    assert (await get(stage.http, true_link))[0] == 200


async def test_exports_are_never_served_by_a_citizen_link(stage: Stage) -> None:
    visitor = await stage.visitor()
    try:
        chat = chat_id_of(visitor.token)
        async with stage.service.store.unit_of_work() as uow:
            account = await uow.accounts.identify(CHANNEL, chat, chat, "", None, stage.clock())
            export = await uow.attachments.add(account.id, CHANNEL, stage.clock(),
                                               content=b"code,text\n", mime="text/csv",
                                               filename="pakn.csv", kind=FileKind.EXPORT)
        row = await stored(stage, export)
        assert row is not None
        # A link signed exactly as for any other file, key and all: still refused.
        assert stage.service.file_links is not None
        signed = stage.service.file_links.url(export, row.key, stage.clock())
        assert (await get(stage.http, signed))[0] == 404
        async with visitor.session.get(f"/chat/media/{export}") as response:
            assert response.status == 404, "not even to the chat it was made in"
        # Zalo gets the dashboard's page for it, where only an administrator gets it.
        link = await stage.service.link(export)
        assert link == f"{stage.url}/quan-tri/xuat/tep/{export}"
        async with visitor.session.get(f"/quan-tri/xuat/tep/{export}",
                                       allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"].startswith("/quan-tri/dang-nhap")
    finally:
        await visitor.close()


ID_PARTS = st.one_of(st.integers(-5, 10**30).map(str), st.just(str(2**63)),
                     st.just(str(2**63 - 1)), st.just("1e3"), st.just("0x10"),
                     st.just("١٢"), st.just("+1"), st.just("01"),
                     st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF,
                                           exclude_characters="/?#%"), max_size=25))


@FUZZ
@given(part=ID_PARTS, route=st.sampled_from(["/chat/media/{}", "/files/{}?exp=9999999999&sig=0",
                                             "/quan-tri/tep/{}", "/quan-tri/xuat/tep/{}"]))
async def test_ids_in_paths_are_numbers_in_range_or_not_found(stage: Stage, part: str,
                                                              route: str) -> None:
    visitor = await stage.visitor()
    try:
        with logged_errors() as errors:
            async with visitor.session.get(route.format(part),
                                           allow_redirects=False) as response:
                assert response.status in {303, 400, 404}, (response.status, part)
            assert not errors.take(), part
    finally:
        await visitor.close()


UPLOAD_BYTES = st.one_of(
    st.binary(max_size=3000),
    st.builds(lambda sample, data: sample[:data], st.sampled_from(SAMPLES),
              st.integers(0, 60)),
    st.builds(lambda sample, payload: sample + payload, st.sampled_from(SAMPLES),
              st.sampled_from(PAYLOADS)),
    st.builds(lambda sample, payload: sample[:20] + payload, st.sampled_from(SAMPLES),
              st.sampled_from(PAYLOADS)),
    st.sampled_from(SAMPLES),
)


@FUZZ
@given(content=UPLOAD_BYTES, language=st.sampled_from(["en", "vi", "fr", ""]))
async def test_uploads_are_decoded_or_refused_with_a_reason(stage: Stage, content: bytes,
                                                            language: str) -> None:
    stage.clock.advance(hours=1)  # each example in an hour of its own: no quota here
    visitor = await stage.visitor()
    try:
        with logged_errors() as errors:
            status, answer = await upload(visitor, content, language)
            assert not errors.take()
        if status == 415:
            assert answer["error"] == "not_an_image"
            assert "photo" in answer["message"] or "ảnh" in answer["message"]
            assert leaks(answer["message"]) is None
            return
        assert status == 200, (status, answer)
        row = await stored(stage, answer["attachment_id"])
        assert row is not None and row.content is not None
        image = Image.open(io.BytesIO(row.content))
        image.load()
        assert not image.getexif()
        for payload in PAYLOADS:
            assert payload not in row.content
        async with visitor.session.get(f"/chat/media/{row.id}") as response:
            assert response.status == 200 and await response.read() == row.content
    finally:
        await visitor.close()


async def test_the_place_a_photo_was_taken_is_not_kept(stage: Stage) -> None:
    visitor = await stage.visitor()
    try:
        for fmt in ("JPEG", "PNG", "WEBP"):
            status, answer = await upload(visitor, photo(fmt, exif=gps_exif()))
            assert status == 200
            row = await stored(stage, answer["attachment_id"])
            assert row is not None and row.content is not None
            exif = Image.open(io.BytesIO(row.content)).getexif()
            assert not exif.get_ifd(GPS) and b"PhoneMaker" not in row.content
    finally:
        await visitor.close()


def noise(side: int) -> bytes:
    """A photo that compresses badly: about 0.7 bytes a pixel as JPEG."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "JPEG")
    return out.getvalue()


async def test_the_upload_quota_holds_per_person_and_per_address(database_url: str,
                                                                clock: Clock) -> None:
    stage = await Stage(database_url, clock, uploads_per_hour=3).start()
    first, second = await stage.visitor(), await stage.visitor()
    try:
        for _ in range(2):
            assert (await upload(first, photo()))[0] == 200
        assert (await upload(second, photo()))[0] == 200
        # The same address (127.0.0.1) has sent three: a new tab does not get round it.
        status, answer = await upload(second, photo(), "vi")
        assert status == 429 and answer["error"] == "too_many"
        status, answer = await upload(first, photo(), "en")
        assert status == 429
        assert answer["message"] == ("You have sent 3 files in the past hour, the most I "
                                     "can take. Please send more after the hour is over.")
        clock.advance(hours=1)
        assert (await upload(first, photo()))[0] == 200
    finally:
        await first.close()
        await second.close()
        await stage.close()


async def test_the_upload_quota_counts_bytes(database_url: str, clock: Clock) -> None:
    stage = await Stage(database_url, clock, upload_bytes_per_hour=1 << 20).start()
    visitor = await stage.visitor()
    try:
        big = noise(900)
        assert 1 << 19 < len(clean_image(big).content) < 1 << 20  # what is counted
        assert (await upload(visitor, big))[0] == 200
        status, answer = await upload(visitor, big)
        assert status == 429 and answer["error"] == "too_large"
        assert "1 MB of files in the past hour" in answer["message"]
        assert (await upload(visitor, photo()))[0] == 200, "a small one still fits"
    finally:
        await visitor.close()
        await stage.close()
