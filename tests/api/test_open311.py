"""Open311 GeoReport v2: an app lists the services, files a PAKN with a key from
`pakn api-key create`, and follows it to the answer; every response checked against the
spec's JSON schemas or its XML element names."""

from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.channels.open311 import Open311Sender
from bot.delivery.outbox import OutboxDispatcher
from complaints.people import Role
from storage.models import CaseRow, InboundRow, OutboxRow
from tests.api.conftest import Cli
from tests.api.georeport import valid, valid_xml
from tests.conversation.harness import CHANNEL, MONDAY_MORNING, Harness, Out, one
from tests.publishing import approve

Client = TestClient[web.Request, web.Application]
COMMUNE_STAFF = "2001"
LAND_STAFF = "2002"
DESCRIPTION = ("Tôi là Nguyễn Văn An, số 0912 345 678: hồ sơ khai sinh cho con tôi đã quá "
               "hạn hai tuần mà chưa có kết quả.")
FILING = {"service_code": "1.001193", "description": DESCRIPTION, "first_name": "Văn An",
          "last_name": "Nguyễn", "phone": "0912 345 678", "address_string": "Ấp 3, xã Xuân Bắc",
          "address_id": "26428", "lat": "10.9312345", "long": "107.4012345",
          "email": "an@example.org", "device_id": "phone-1"}


async def issue_key(cli: Cli, name: str = "Ứng dụng 1022 Đồng Nai") -> str:
    code, out = await cli("api-key", "create", "--name", name)
    assert code == 0, out
    assert "shown only this once" in out
    return next(line.strip() for line in out.splitlines() if line.strip().startswith("pakn_"))


async def post(api: Client, key: str, **changes: str | None) -> tuple[int, Any]:
    form = {k: v for k, v in {"api_key": key, **FILING, **changes}.items() if v is not None}
    response = await api.post("/open311/v2/requests.json?lang=en", data=form)
    return response.status, await response.json()


async def listed(api: Client, **query: str) -> list[str]:
    response = await api.get("/open311/v2/requests.json", params=query)
    assert response.status == 200, await response.text()
    return [r["service_request_id"] for r in valid("service_requests", await response.json())]


async def resolve_in_chat(bot: Harness, staff: str, case_id: int, answer: str) -> list[Out]:
    """What resolving the case through the staff's chat owes everyone."""
    await bot.press(staff, f"ca:resolve:{case_id}")
    check = one(staff, await bot.text(staff, answer))
    return await bot.press(staff, check.payload("ss:resolve:"))


async def test_services_are_the_fields_and_their_procedures(api: Client) -> None:
    response = await api.get("/open311/v2/services.json?lang=en")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    services = valid("services", await response.json())
    by_code = {s["service_code"]: s for s in services}
    assert by_code["ho_tich"]["service_name"] == "Civil status"
    birth = by_code["1.001193"]
    assert (birth["service_name"], birth["group"]) == ("Birth registration", "Civil status")
    assert {s["metadata"] for s in services} == {False}
    assert {s["type"] for s in services} == {"realtime"}
    codes = [s["service_code"] for s in services]
    assert codes.index("ho_tich") < codes.index("1.001193") < codes.index("chung_thuc"), \
        "each field is followed by its procedures"

    xml = await api.get("/open311/v2/services.xml")
    assert xml.headers["Content-Type"] == "text/xml; charset=utf-8"
    items = valid_xml("services", await xml.read())
    assert [i["service_code"] for i in items] == codes
    assert {i["metadata"] for i in items} == {"false"}
    assert next(i for i in items if i["service_code"] == "ho_tich")["service_name"] == "Hộ tịch"

    definition = await api.get("/open311/v2/services/1.001193.json")
    assert valid("service_definition", await definition.json()) == {
        "service_code": "1.001193", "attributes": []}
    missing = await api.get("/open311/v2/services/9.999999.json")
    assert missing.status == 404
    valid("errors", await missing.json())
    discovery = await api.get("/open311/discovery.json")
    endpoint = valid("discovery", await discovery.json())["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]


async def test_an_app_files_a_pakn_and_follows_it_to_the_answer(
        bot: Harness, api: Client, cli: Cli) -> None:
    key = await issue_key(cli)
    await bot.join(COMMUNE_STAFF, Role.STAFF, "UBND-26428")
    await bot.new_messages()

    status, created = await post(api, key)
    assert status == 200, created
    [receipt] = valid("post_response", created)
    code = receipt["service_request_id"]
    assert code == "PA-2026-000001"
    # 10 working days from Monday 2 March 2026.
    assert receipt["service_notice"] == ("Xuan Bac Commune People's Committee handles it; "
                                         "the answer is due by 16/03/2026.")
    assert receipt["account_id"] is None

    # Filed like a PAKN from the chat: recorded, routed, shown to the unit's staff.
    filed = await bot.new_messages()
    card = one(COMMUNE_STAFF, filed)
    for part in (code, "Birth registration (1.001193)", "Nguyễn Văn An", "0912 345 678",
                 "Ấp 3, xã Xuân Bắc", "Open311 app", "quá hạn hai tuần"):
        assert part in card.text, part
    assert card.payload("ca:claim:") and card.payload("ca:resolve:")
    assert not {"Reply", "Ask for information"} & set(card.labels()), \
        "the app's sender would never see a chat message"
    to_app = [m for m in filed if m.chat != COMMUNE_STAFF]
    assert len(to_app) == 1 and "Your PAKN was received" in to_app[0].text
    row = await bot.case(code)
    assert (row.channel, row.field_code, row.procedure_code, row.unit_code, row.area_code) == (
        "open311", "ho_tich", "1.001193", "UBND-26428", "26428")
    assert (row.contact_name, row.contact_phone, row.contact_address) == (
        "Nguyễn Văn An", "0912345678", "Ấp 3, xã Xuân Bắc")
    assert (row.latitude, row.longitude) == (10.9312345, 107.4012345)
    async with bot.database.reading() as session:
        inbound = (await session.execute(select(InboundRow).where(
            InboundRow.channel == "open311"))).scalar_one()
    assert (inbound.chat_id, inbound.text) == (row.chat_id, DESCRIPTION)

    # While nobody approved its publication: what GeoReport allows without a description.
    response = await api.get(f"/open311/v2/requests/{code.lower()}.json?lang=en")
    [item] = valid("service_requests", await response.json())
    assert item["status"] == "open"
    assert item["status_notes"] == "Received, waiting to be taken up"
    assert (item["service_code"], item["service_name"]) == ("1.001193", "Birth registration")
    assert item["agency_responsible"] == "Xuan Bac Commune People's Committee"
    assert item["requested_datetime"] == "2026-03-02T09:00:00+07:00"
    assert item["updated_datetime"] == "2026-03-02T09:00:00+07:00"
    assert item["expected_datetime"] == "2026-03-16T17:00:00+07:00"
    assert (item["address"], item["address_id"]) == ("Xuan Bac Commune", "26428")
    assert (item["lat"], item["long"], item["description"]) == (None, None, None)
    assert "media_url" not in item
    assert await listed(api) == [code]

    # Staff answer in their chat; the app sees the request closed, with the answer.
    bot.clock.advance(days=2)
    answered = await resolve_in_chat(
        bot, COMMUNE_STAFF, row.id,
        "Giấy khai sinh đã cấp cho ông Nguyễn Văn An, gọi 0912 345 678 nếu cần thêm.")
    to_app = [m.text for m in answered if m.chat == row.chat_id]
    assert "has been resolved" in to_app[0] and "How satisfied" in to_app[1]
    response = await api.get(f"/open311/v2/requests/{code}.json?lang=en")
    [item] = valid("service_requests", await response.json())
    assert (item["status"], item["status_notes"]) == ("closed", "Resolved")
    assert (item["description"], item["lat"]) == (None, None), "not approved yet"
    # Once the unit's staff approve the texts (and the place), they are published.
    await approve(bot.store, bot.clock, CHANNEL, COMMUNE_STAFF, code, location=True)
    response = await api.get(f"/open311/v2/requests/{code}.json")
    [item] = valid("service_requests", await response.json())
    assert item["status"] == "closed"
    assert item["status_notes"] == "Giấy khai sinh đã cấp cho ông […], gọi […] nếu cần thêm."
    assert "Nguyễn Văn An" not in item["description"] and "0912" not in item["description"]
    assert "quá hạn hai tuần" in item["description"]
    assert (item["lat"], item["long"]) == (10.931, 107.401), "coarsened to about 100 m"
    assert item["updated_datetime"] == "2026-03-04T09:00:00+07:00"
    assert item["service_notice"] is None
    xml = await api.get(f"/open311/v2/requests/{code}.xml")
    [element] = valid_xml("service_requests", await xml.read())
    assert (element["status"], element["lat"], element["zipcode"]) == ("closed", "10.931", None)
    assert await listed(api, status="closed") == [code]

    # What the bot owed the app's sender is recorded as delivered: nothing left pending.
    await OutboxDispatcher(bot.store, [Open311Sender()], bot.clock).deliver_all()
    async with bot.database.reading() as session:
        states = (await session.execute(select(OutboxRow.status).where(
            OutboxRow.channel == "open311"))).scalars().all()
    assert len(states) >= 3 and set(states) == {"sent"}, states  # receipt, answer, rating


async def test_the_list_filters_and_its_default_window(
        bot: Harness, api: Client, cli: Cli) -> None:
    key = await issue_key(cli)
    await bot.join(LAND_STAFF, Role.STAFF, "PTNMT")
    codes = {}
    for name, days_ago, service in (("old", 100, "dat_dai"), ("field", 10, "ho_tich"),
                                    ("procedure", 9, "1.001193"), ("land", 1, "dat_dai")):
        bot.clock.set(MONDAY_MORNING - timedelta(days=days_ago))
        status, created = await post(api, key, service_code=service)
        assert status == 200, created
        codes[name] = created[0]["service_request_id"]
    bot.clock.set(MONDAY_MORNING)
    land = await bot.case(codes["land"])
    await resolve_in_chat(bot, LAND_STAFF, land.id, "The boundary was measured again.")
    old, field, procedure, land_code = (codes[k] for k in ("old", "field", "procedure", "land"))

    assert await listed(api) == [land_code, procedure, field], "the last 90 days, newest first"
    start = (MONDAY_MORNING - timedelta(days=101)).isoformat()
    end = (MONDAY_MORNING - timedelta(days=99)).astimezone(bot.settings.tz).isoformat()
    assert await listed(api, start_date=start, end_date=end) == [old]
    assert await listed(api, end_date=end) == [old], "90 days up to end_date"
    assert await listed(api, start_date=start) == [old], "90 days from start_date"
    assert await listed(api, status="closed") == [land_code]
    assert await listed(api, status="open") == [procedure, field]
    assert await listed(api, status="open,closed") == [land_code, procedure, field]
    repeated = await api.get("/open311/v2/requests.json", params=[
        ("service_code", "ho_tich"), ("service_code", "dat_dai"), ("status", "open")])
    assert [r["service_request_id"] for r in await repeated.json()] == [field], \
        "arguments may be given several times"
    assert await listed(api, service_code="ho_tich") == [field], \
        "a PAKN naming a procedure is that procedure's request"
    assert await listed(api, service_code="1.001193") == [procedure]
    assert await listed(api, service_code="ho_tich,1.001193,dat_dai") == [
        land_code, procedure, field]
    assert await listed(api, service_request_id=f"{old.lower()},{field}", status="closed") == [
        field, old], "ids override the other arguments, the window included"

    xml = await api.get("/open311/v2/requests.xml", params={"status": "open"})
    items = valid_xml("service_requests", await xml.read())
    assert [i["service_request_id"] for i in items] == [procedure, field]
    assert {i["status"] for i in items} == {"open"}


async def test_refusals_use_the_spec_format_and_keep_nothing(
        bot: Harness, api: Client, cli: Cli) -> None:
    key = await issue_key(cli)

    async def refused(path: str, status: int, method: str = "GET",
                      **form: str) -> list[str]:
        response = await api.request(method, path, data=form or None)
        assert response.status == status, await response.text()
        if path.split("?")[0].endswith(".xml"):
            return [e["description"] or "" for e in valid_xml("errors", await response.read())]
        return [e["description"] for e in valid("errors", await response.json())]

    requests = "/open311/v2/requests.json?lang=en"
    assert await refused(requests, 403, "POST", **FILING) == ["api_key is missing or invalid"]
    assert await refused(requests, 403, "POST", api_key="pakn_wrong", **FILING)
    assert await refused("/open311/v2/requests.xml", 403, "POST", api_key="x", **FILING)

    problems = await refused(requests, 400, "POST", api_key=key, service_code="dat_dai")
    assert [p.split(":")[0] for p in problems] == [
        "description", "first_name, last_name", "phone", "address_string"]
    assert "at least 20 characters" in problems[0]
    wrong = await refused(requests, 400, "POST", api_key=key, **{
        **FILING, "phone": "+1 555 0100", "address_id": "99999", "lat": "10.9", "long": ""})
    assert [p.split(":")[0] for p in wrong] == ["phone", "lat, long", "address_id"]
    assert await refused(requests, 400, "POST", api_key=key, **{**FILING, "service_code": ""})
    assert await refused(requests, 404, "POST", api_key=key,
                         **{**FILING, "service_code": "9.999999"})

    assert await refused("/open311/v2/requests/PA-2026-999999.json", 404)
    assert await refused("/open311/v2/requests/PA-2026-999999.xml", 404)
    assert await refused("/open311/v2/requests.json?status=pending", 400)
    assert await refused("/open311/v2/requests.json?start_date=yesterday", 400)
    assert await refused("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z"
                         "&end_date=2026-06-01T00:00:00Z", 400), "more than 90 days"
    assert await refused("/open311/v2/requests.json?start_date=2026-02-01T00:00:00Z"
                         "&end_date=2026-01-01T00:00:00Z", 400), "ends before it starts"

    code, out = await cli("api-key", "revoke", "1")
    assert code == 0, out
    assert await refused(requests, 403, "POST", api_key=key, **FILING)
    code, out = await cli("api-key", "list")
    assert "1. Ứng dụng 1022 Đồng Nai" in out and "revoked" in out
    assert (await cli("api-key", "revoke", "1"))[0] == 2

    async with bot.database.reading() as session:
        kept = [(await session.execute(select(func.count()).select_from(model))).scalar_one()
                for model in (CaseRow, InboundRow)]
    assert kept == [0, 0], "a refused request leaves nothing behind"


async def test_the_reader_language_is_the_browser_s_else_vietnamese(
        bot: Harness, api: Client, cli: Cli) -> None:
    key = await issue_key(cli)
    response = await api.post("/open311/v2/requests.json", data={"api_key": key, **FILING})
    [receipt] = valid("post_response", await response.json())
    assert receipt["service_notice"].startswith("UBND xã Xuân Bắc"), receipt
    [to_app] = await bot.new_messages()
    assert to_app.text.startswith("PAKN của bạn đã được tiếp nhận"), \
        "the sender's messages in the language the app asked in"
    english = await api.get(f"/open311/v2/requests/{receipt['service_request_id']}.json",
                            headers={"Accept-Language": "en-GB,en;q=0.9"})
    [item] = valid("service_requests", await english.json())
    assert item["agency_responsible"] == "Xuan Bac Commune People's Committee"
