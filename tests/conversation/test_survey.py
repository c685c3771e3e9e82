"""The satisfaction survey of a procedure: from a desk's link or /danhgia, resumable,
anonymous and unverified; a low rating leads to a PAKN if wanted."""

from sqlalchemy import select

from bot.core.survey_links import create_survey_link
from storage.models import RatingRow, SurveyDraftRow
from tests.conversation.harness import Harness, Out, one, to
from tests.conversation.test_pakn_flow import CITIZEN

OTHER = "1003"


async def link(bot: Harness, procedure: str = "1.001193",
               unit: str | None = "UBND-26428") -> str:
    async with bot.store.unit_of_work() as uow:
        return await create_survey_link(uow.surveys, procedure, unit, "Quầy 1", bot.clock())


async def ratings(bot: Harness) -> list[RatingRow]:
    async with bot.database.reading() as session:
        return list((await session.execute(select(RatingRow).order_by(RatingRow.id))).scalars())


async def answer_all(bot: Harness, chat: str, question: Out | None, score: int) -> None:
    """Answer every remaining scale question with `score`, and skip the comment."""
    while question is not None and question.buttons:
        payloads = [b["payload"] for b in question.buttons]
        choice = next((p for p in payloads if p.startswith("an:") and p.endswith(f":{score}")),
                      next((p for p in payloads if p.startswith("sc:skip")), None))
        if choice is None:
            return
        sent = to(chat, await bot.press(chat, choice))
        question = sent[-1] if sent else None


async def test_a_survey_from_a_desk_link(bot: Harness) -> None:
    token = await link(bot)
    started = await bot.text(CITIZEN, f"/start {token}")
    intro, first = [m for m in started if m.chat == CITIZEN]
    assert "Birth registration" in intro.text and "Xuan Bac Commune" in intro.text
    assert "anonymous" in intro.text
    assert "Question 1 of 7" in first.text
    assert first.labels()[:5] == ["Very satisfied", "Satisfied",
                                  "Neither satisfied nor dissatisfied", "Dissatisfied",
                                  "Very dissatisfied"]
    second = one(CITIZEN, await bot.press(CITIZEN, first.payload("an:overall:5")))
    assert "Question 2 of 7" in second.text and "Access" in second.text
    # Answered by number, as on a text-only channel.
    third = one(CITIZEN, await bot.text(CITIZEN, "2"))
    assert "Question 3 of 7" in third.text
    for _ in range(4):
        last = one(CITIZEN, await bot.text(CITIZEN, "1"))
    assert "Anything else" in last.text
    thanks = one(CITIZEN, await bot.text(CITIZEN, "Cán bộ hướng dẫn rất tận tình."))
    assert "answers were recorded" in thanks.text

    [row] = await ratings(bot)
    assert (row.unit_code, row.field_code, row.procedure_code, row.score, row.channel) == (
        "UBND-26428", "ho_tich", "1.001193", 5, "telegram")
    assert row.answers == {"overall": 5, "access": 4, "procedure": 5, "official": 5,
                           "result": 5, "feedback": 5}
    assert row.comment == "Cán bộ hướng dẫn rất tận tình."
    assert CITIZEN not in str(row.__dict__), "nothing ties the answers to the person"
    async with bot.database.reading() as session:
        assert (await session.execute(select(SurveyDraftRow))).first() is None


async def test_rate_command_left_and_resumed(bot: Harness) -> None:
    fields = one(CITIZEN, await bot.text(CITIZEN, "/danhgia"))
    assert fields.labels()[0] == "Land"
    procedures = one(CITIZEN, await bot.press(CITIZEN, "sc:field:chung_thuc"))
    assert any("2.000815" in label for label in procedures.labels())
    places = one(CITIZEN, await bot.press(CITIZEN, "sc:procedure:2.000815"))
    started = await bot.press(CITIZEN, places.payload("sc:place:26431"))
    await bot.press(CITIZEN, next(m for m in started if m.buttons).payload("an:overall:4"))
    # The citizen leaves for something else and comes back.
    await bot.text(CITIZEN, "/tracuu")
    offer = one(CITIZEN, await bot.text(CITIZEN, "/danhgia"))
    assert "did not finish" in offer.text and "Certified copy" in offer.text
    resumed = to(CITIZEN, await bot.press(CITIZEN, offer.payload("sc:resume:yes")))
    assert "Question 2 of 7" in resumed[-1].text
    await answer_all(bot, CITIZEN, resumed[-1], 4)
    [row] = await ratings(bot)
    assert (row.unit_code, row.procedure_code, row.score) == ("UBND-26431", "2.000815", 4)


async def test_a_low_rating_asks_why_and_offers_a_pakn(bot: Harness) -> None:
    token = await link(bot)
    started = await bot.text(CITIZEN, f"/start {token}")
    first = [m for m in started if m.buttons][-1]
    why = one(CITIZEN, await bot.press(CITIZEN, first.payload("an:overall:1")))
    assert "What went wrong" in why.text
    question = one(CITIZEN, await bot.text(CITIZEN, "Phải đi lại ba lần mới xong."))
    await answer_all(bot, CITIZEN, question, 2)
    [row] = await ratings(bot)
    assert row.score == 1 and row.comment == "Phải đi lại ba lần mới xong."
    async with bot.database.reading() as session:
        assert (await session.execute(select(SurveyDraftRow))).first() is None
    consent = one(CITIZEN, await bot.press(CITIZEN, "sc:pakn:-"))
    assert "Personal data notice" in consent.text
    after = [m for m in await bot.press(CITIZEN, consent.payload("cs:")) if m.chat == CITIZEN]
    assert "Which commune" in after[-1].text, "the field comes from the procedure"
    attach = one(CITIZEN, await bot.press(CITIZEN, "ch:area:26428"))
    assert "photos" in attach.text, "the description comes from the survey"
