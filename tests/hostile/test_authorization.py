"""The authorization matrix: every staff and administrator action, in chat and on the
dashboard, tried by a citizen, by staff of another unit, by a staff member since
revoked, through a stale button or form (the case has moved on), and through a forged
one. Each cell is a test: refused with a clear message, nothing changed, and the
refusal on record (who, what, which case, why)."""

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.clock import Clock
from tests.conversation.harness import MONDAY_MORNING
from tests.hostile.world import (
    CITIZEN,
    HANDLER,
    OTHER_UNIT,
    REVOKED,
    World,
    copy_of,
    template,
)
from tests.web.site import Site

FORGED = 1000
"""Added to the case's id: a case that does not exist."""
SURVIVOR = "PA-2026-000001"
"""The code of the world's one case (tests.hostile.world): the case a merge names (a
merge into itself is refused too, but only once the actor may handle it)."""


@dataclass(frozen=True)
class Action:
    name: str
    steps: tuple[str, ...]
    """What the actor sends ("{case}" is the case's id): the last is the one a stale
    button tries, after the earlier ones were done while the case was open."""
    reason: str
    """Why the non-staff, the other unit and the revoked are refused."""

    @property
    def about_case(self) -> bool:
        return "{case}" in "".join(self.steps)


CHAT = [
    Action("claim", ("ca:claim:{case}",), "not_allowed"),
    Action("reply", ("ca:reply:{case}", "text:We are looking into it this week."),
           "not_allowed"),
    Action("ask", ("ca:ask:{case}", "text:Which house number is nearest?"), "not_allowed"),
    Action("transfer", ("ca:transfer:{case}", "tt:{case}:PTP",
                        "text:This is for the Justice Office."), "not_allowed"),
    Action("resolve", ("ca:resolve:{case}", "text:The drain was cleared.",
                       "ss:resolve:{case}"), "not_allowed"),
    Action("apologise", ("ca:apologise:{case}", "text:Waiting for the survey team.",
                         "ss:d20260320:{case}"), "not_allowed"),
    Action("merge", ("ca:merge:{case}", f"text:{SURVIVOR}", "text:The same drain as before."),
           "not_allowed"),
    Action("open-card", ("ca:open:{case}",), "not_allowed"),
    Action("inbox", ("/hopthu",), "not_staff"),
    Action("inbox-button", ("mn:inbox",), "not_staff"),
    Action("sign-in-code", ("/dangnhap",), "not_staff"),
    Action("indicators", ("/thongke",), "not_admin"),
    Action("export", ("/xuat",), "not_admin"),
    Action("invite", ("/moi staff PTNMT",), "not_admin"),
]
WORDS = {"not_allowed": "cannot do that", "case_state:resolved": "already been resolved",
         "not_staff": "for staff of the units", "not_admin": "Only administrators"}
"""What the person is told, by the reason they were refused."""


def chat_cells() -> list[tuple[Action, str]]:
    cells = []
    for action in CHAT:
        actors = []
        if action.name != "open-card":  # the citizen is the sender: they may open it
            actors.append("citizen")
        if action.reason != "not_staff":  # staff of any unit may use the staff commands
            actors.append("other-unit")
        actors.append("revoked")
        if action.about_case:
            if action.name != "open-card":  # staff may still open a resolved case
                actors.append("stale")
            actors.append("forged")
        cells += [(action, actor) for actor in actors]
    return cells


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[str]:
    """The world, built once per database; every cell gets a copy of it."""
    with template(request.param, tmp_path_factory.mktemp("world")) as url:
        yield url


@pytest.fixture
def copied(built: str, tmp_path: Path) -> Iterator[str]:
    with copy_of(built, tmp_path) as url:
        yield url


@pytest.fixture
async def world(copied: str) -> AsyncIterator[World]:
    site = await Site(copied, Clock(MONDAY_MORNING)).start()
    try:
        yield await World(site).load()
    finally:
        await site.close()


@pytest.mark.parametrize(("action", "actor"), chat_cells(),
                         ids=[f"chat-{a.name}-by-{who}" for a, who in chat_cells()])
async def test_in_chat(world: World, action: Action, actor: str) -> None:
    case = world.case_id
    steps = [step.replace("{case}", str(case + FORGED if actor == "forged" else case))
             for step in action.steps]
    chat = {"citizen": CITIZEN, "other-unit": OTHER_UNIT, "revoked": REVOKED,
            "stale": HANDLER, "forged": HANDLER}[actor]
    reason = {"stale": "case_state:resolved", "forged": "not_allowed"}.get(actor, action.reason)
    if actor == "revoked":
        await world.revoke()
    if actor == "stale":
        for step in steps[:-1]:
            await world.step(chat, step)
        await world.resolve_by_colleague()
        steps = steps[-1:]
    before = await world.state()
    known = len(await world.refusals())

    first = await world.step(chat, steps[0])
    for step in steps[1:]:
        await world.step(chat, step)

    assert any(WORDS[reason] in text for text in first), (reason, first)
    assert await world.state() == before, "a refused action changes nothing"
    recorded = (await world.refusals())[known:]
    account = await world.account(chat)
    assert recorded and all(r.account_id == account for r in recorded), recorded
    refusal = recorded[0]
    assert refusal.reason.startswith(reason), refusal.reason
    assert refusal.channel == "webchat" and refusal.update_key
    wanted_case = case + FORGED if actor == "forged" else case if action.about_case else None
    assert refusal.case_id == wanted_case
    assert _attempted(steps[0]) in refusal.action, (refusal.action, steps[0])


def _attempted(step: str) -> str:
    """How the record names a step: the button, the command, or the typed answer."""
    if step.startswith("text:"):
        return "text at "
    if step.startswith("/"):
        return step.split()[0]
    return f"button {step}"


# --- the dashboard --------------------------------------------------------------------

@dataclass(frozen=True)
class Form:
    name: str
    path: str
    """"{code}" is the case's tracking code."""
    fields: dict[str, str]

    @property
    def about_case(self) -> bool:
        return "{code}" in self.path


FORMS = [
    Form("claim", "/quan-tri/ho-so/{code}/claim", {}),
    Form("reply", "/quan-tri/ho-so/{code}/reply", {"text": "We are looking into it."}),
    Form("ask", "/quan-tri/ho-so/{code}/ask", {"text": "Which house number is nearest?"}),
    Form("transfer", "/quan-tri/ho-so/{code}/transfer",
         {"unit": "PTP", "text": "This is for the Justice Office."}),
    Form("apologise", "/quan-tri/ho-so/{code}/apologise",
         {"text": "Waiting for the survey team.", "day": "2026-03-20",
          "name": "Trần Văn Bình", "title": "Chuyên viên"}),
    Form("resolve", "/quan-tri/ho-so/{code}/resolve", {"text": "The drain was cleared."}),
    Form("merge", "/quan-tri/ho-so/{code}/merge",
         {"into": SURVIVOR, "text": "The same drain as before."}),
    Form("directory-upload", "/quan-tri/danh-ba", {}),
    Form("calendar-day", "/quan-tri/lich",
         {"day": "2026-03-20", "kind": "off", "reason": "Quyết định 1/QĐ-UBND"}),
    Form("calendar-confirm", "/quan-tri/lich/xac-nhan", {"year": "2027"}),
    Form("invite", "/quan-tri/moi", {"role": "admin"}),
]
FORM_WORDS = {"other_unit": "belongs to another unit", "not_admin": "for administrators",
              "not_staff": "no longer staff", "case_state:resolved": "already been resolved",
              "no_such_case": "no case with that code"}


def web_cells() -> list[tuple[Form, str]]:
    cells = []
    for form in FORMS:
        actors = ["citizen", "other-unit", "revoked"]
        if form.about_case:
            actors += ["stale", "forged"]
        cells += [(form, actor) for actor in actors]
    return cells


@pytest.mark.parametrize(("form", "actor"), web_cells(),
                         ids=[f"web-{f.name}-by-{who}" for f, who in web_cells()])
async def test_on_the_dashboard(world: World, form: Form, actor: str) -> None:
    code = "PA-2026-999999" if actor == "forged" else world.code
    path = form.path.replace("{code}", code)
    if actor == "citizen":
        await _citizen_cannot_get_in(world, path, form)
        return
    chat = {"other-unit": OTHER_UNIT, "revoked": REVOKED, "stale": HANDLER,
            "forged": HANDLER}[actor]
    client = await world.signed_in(chat)
    try:
        page = f"/quan-tri/ho-so/{world.code}" if actor == "stale" else "/quan-tri/ho-so"
        csrf = await _csrf(client, page)
        if actor == "revoked":
            await world.revoke()
        if actor == "stale":
            await world.resolve_by_colleague()
        reason = {"other-unit": "other_unit" if form.about_case else "not_admin",
                  "revoked": "not_staff", "stale": "case_state:resolved",
                  "forged": "no_such_case"}[actor]
        before = await world.state()
        known = len(await world.refusals())
        status, text = await _post(client, path, form, csrf)
        assert status == {"no_such_case": 404, "case_state:resolved": 409}.get(reason, 403)
        assert FORM_WORDS[reason] in text, text[:1000]
        assert await world.state() == before, "a refused form changes nothing"
        recorded = (await world.refusals())[known:]
        assert [r.account_id for r in recorded] == [await world.account(chat)], recorded
        [refusal] = recorded
        assert (refusal.reason, refusal.channel) == (reason, "dashboard")
        assert refusal.case_id == (world.case_id if form.about_case and actor != "forged"
                                   else None)
        assert refusal.action == f"POST {path}"
        if actor == "revoked":  # and the session is over: nothing more gets in
            status, _text = await _post(client, path, form, csrf)
            assert status == 403 and len(await world.refusals()) == known + 1
    finally:
        await client.close()


async def _citizen_cannot_get_in(world: World, path: str, form: Form) -> None:
    """A citizen has no way in: no sign-in code (refused, on record), and a form posted
    without a session changes nothing (nobody to put on record)."""
    known = len(await world.refusals())
    answer = await world.say(CITIZEN, "/dangnhap")
    assert any(WORDS["not_staff"] in text for text in answer), answer
    before = await world.state()
    async with world.site.client() as client:
        status, text = await _post(client, path, form, "no-session")
    assert status == 403 and "This is not allowed" in text, "the error page, in words"
    assert await world.state() == before
    [refusal] = (await world.refusals())[known:]
    assert (refusal.account_id, refusal.reason, refusal.action) == (
        await world.account(CITIZEN), "not_staff", "/dangnhap")


async def _csrf(client: aiohttp.ClientSession, page: str) -> str:
    async with client.get(page) as response:
        assert response.status == 200, page
        found = re.search(r'name="csrf" value="([^"]+)"', await response.text())
    assert found is not None
    return found.group(1)


async def _post(client: aiohttp.ClientSession, path: str, form: Form,
                csrf: str) -> tuple[int, str]:
    data = aiohttp.FormData({"csrf": csrf, "nonce": "n" * 24, **form.fields})
    if form.name == "directory-upload":
        data.add_field("file", b"code: x\n", filename="directory.yaml",
                       content_type="application/yaml")
    async with client.post(path, data=data, allow_redirects=False,
                           headers={"Accept-Language": "en"}) as response:
        return response.status, await response.text()


def test_every_staff_and_administrator_action_is_in_the_matrix() -> None:
    """A new command or button for staff must be added above."""
    from bot.handlers import build_router
    from bot.spine.callbacks import CaseAction, StaffStep, TransferTo
    from bot.web.desk import ACTIONS

    router = build_router()
    guarded = {"hopthu", "thongke", "xuat", "moi", "dangnhap"}
    assert guarded <= set(router.commands)
    tried = " ".join(step for action in CHAT for step in action.steps)
    for command in guarded:
        assert f"/{command}" in tried, command
    for payload in (CaseAction, TransferTo, StaffStep):
        assert f"{payload.prefix}:" in tried, payload
    assert {f.name for f in FORMS if f.about_case} == set(ACTIONS)


async def test_dashboard_forms_take_bad_text(world: World) -> None:
    """A form's text with NUL, a lone surrogate or bytes that are not UTF-8 is stored as
    the database can take it, never a server error."""
    client = await world.signed_in(HANDLER)
    try:
        path = f"/quan-tri/ho-so/{world.code}"
        csrf = await _csrf(client, path)
        for number, (action, text) in enumerate((
                ("reply", b"Da nhan %ED%A0%80 ro"), ("reply", b"Da nhan %FF%FE ro"),
                ("resolve", b"Da xong%00 roi"))):
            body = (b"csrf=" + csrf.encode() + b"&nonce=" + b"b" * 23 + str(number).encode() +
                    b"&text=" + text.replace(b" ", b"+"))
            async with client.post(f"{path}/{action}", data=body, allow_redirects=False,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"}
                                   ) as response:
                assert response.status == 303, (text, await response.text())
    finally:
        await client.close()
    [case] = (await world.state())["cases"]
    assert "resolved" in case and "Da xong roi" in case
