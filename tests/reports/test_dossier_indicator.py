"""The dossier on-time indicator and verified satisfaction on small histories counted by
hand, on SQLite and PostgreSQL: due at 17:00 and finished 17:00 or 17:01, returned with
no finish time, open past due, withdrawn and rejected left out, a new date that does not
move the count; late dossiers apologised for in time; unverified ratings beside the
figure, and counted only inside an administrator's inclusion."""

from datetime import date, timedelta

from bot.app import bundled_directory_text
from bot.core.records import NewRating, Stored
from bot.present.reports import make_report
from complaints.directory_file import parse_directory
from storage.models import RatingInclusionRow
from storage.uow import Store
from surveys.periods import parse_period
from surveys.report import Report, Scope
from tests.reports.data import (
    VN,
    citizen,
    dossier,
    dossier_apology,
    local,
    rating,
)

DIRECTORY = parse_directory(bundled_directory_text())
NOW = local(2026, 4, 10)



EVERYTHING = Scope()


async def report(store: Store, period: str, scope: Scope = EVERYTHING,
                 groups: tuple[str, ...] = ("unit", "field", "procedure", "channel",
                                            "month")) -> Report:
    async with store.unit_of_work() as uow:
        return await make_report(uow.indicators, DIRECTORY, parse_period(period), scope, NOW,
                                 VN, groups)


async def add(store: Store, *rows: object) -> None:
    async with store.unit_of_work() as uow:
        uow.session.add_all(rows)


async def test_dossiers_on_time_counted_by_hand(store: Store) -> None:
    due = local(2026, 3, 5, 17)
    await add(store,
              dossier(1, due, finished=due),                                  # on time
              dossier(2, due, finished=due + timedelta(minutes=1)),           # a minute late
              dossier(3, due, returned=due - timedelta(hours=1)),             # returned only
              dossier(4, due, finished=due - timedelta(days=1),
                      returned=due + timedelta(days=3)),                      # finished in time
              dossier(5, due),                                                # open past due
              dossier(6, due, status="withdrawn"),                            # left out
              dossier(7, due, status="rejected"),                             # left out
              dossier(8, local(2026, 4, 20, 17)),                             # Q2, not known
              dossier(9, local(2026, 3, 31, 17), finished=local(2026, 3, 30),
                      unit="UBND-26428", field="ho_tich", procedure="1.001193"),
              dossier(10, due, finished=due + timedelta(days=1)))             # late
    await add(store,
              dossier_apology(2, issued=local(2026, 3, 4, 10), owed_by=local(2026, 3, 4, 17)),
              dossier_apology(5, issued=local(2026, 3, 5, 9), owed_by=local(2026, 3, 4, 17)))
    q1 = await report(store, "2026-Q1")
    rate = q1.overall.dossier_on_time
    # On time: 1, 3, 4 and 9; known: 1-5, 9 and 10.
    assert (rate.numerator, rate.denominator) == (4, 7)
    assert rate.target == 0.96 and rate.met is None, "7 dossiers: not enough data"
    apologised = q1.overall.dossier_apologised_in_time
    assert (apologised.numerator, apologised.denominator, apologised.target) == (1, 3, None), \
        "late: 2, 5 and 10; only 2's apology came by the end of the day before"
    land = q1.groups["field"]["dat_dai"].dossier_on_time
    assert (land.numerator, land.denominator, land.target) == (3, 6, 0.95), "land: 95%"
    civil = q1.groups["field"]["ho_tich"].dossier_on_time
    assert (civil.numerator, civil.denominator, civil.target) == (1, 1, 0.96)
    assert q1.groups["unit"]["UBND-26428"].dossier_on_time.denominator == 1
    assert q1.groups["procedure"]["1.013978"].dossier_on_time.denominator == 6
    assert "telegram" not in q1.groups["channel"], "dossiers have no channel"
    assert [(label, m.dossier_on_time.denominator) for label, m in q1.months] == [
        ("2026-03", 7)]
    scoped = await report(store, "2026-Q1", Scope(procedure="1.001193"))
    assert scoped.overall.dossier_on_time.denominator == 1
    assert (await report(store, "2026-Q1", Scope(channel="telegram"))
            ).overall.dossier_on_time.denominator == 0
    q2 = (await report(store, "2026-Q2")).overall.dossier_on_time
    assert (q2.numerator, q2.denominator) == (0, 0), "due after now: not known yet"


async def test_thirty_dossiers_meet_or_miss_the_target(store: Store) -> None:
    due = local(2026, 2, 10, 17)
    # Civil status: 29 of 30 on time (96.7%): met against 96%.
    await add(store, *[dossier(n, due, finished=due + timedelta(minutes=1 if n == 1 else -60),
                               unit="UBND-26428", field="ho_tich", procedure="1.001193")
                       for n in range(1, 31)])
    # Land: 28 of 30 (93.3%): missed against its own 95%.
    await add(store, *[dossier(n, due, finished=due + timedelta(hours=1 if n > 58 else -1))
                       for n in range(31, 61)])
    q1 = await report(store, "2026-Q1")
    assert q1.groups["field"]["ho_tich"].dossier_on_time.met is True
    land = q1.groups["field"]["dat_dai"].dossier_on_time
    assert (land.numerator, land.denominator, land.met) == (28, 30, False)
    overall = q1.overall.dossier_on_time
    assert (overall.numerator, overall.denominator, overall.met) == (57, 60, False)


async def test_unverified_ratings_are_beside_the_figure_until_included(store: Store) -> None:
    when = local(2026, 2, 1)
    # 30 verified ratings, 26 satisfied (86.7%): the target is missed.
    verified = [rating(n, when, 5 if n < 26 else 2) for n in range(30)]
    # 40 unverified, all "very satisfied": a desk's poster, or a script.
    unverified = [rating(100 + n, when, 5, verified=False) for n in range(40)]
    await add(store, *verified, *unverified)
    before = await report(store, "2026-Q1")
    satisfaction = before.overall.satisfaction
    assert (satisfaction.numerator, satisfaction.denominator, satisfaction.met) == (
        26, 30, False), "unverified ratings never make the target met"
    beside = before.overall.satisfaction_unverified
    assert (beside.numerator, beside.denominator, beside.met) == (40, 40, None)
    assert before.groups["unit"]["UBND-26428"].satisfaction.denominator == 30
    assert before.inclusions == ()

    await add(store, citizen())
    await add(store, RatingInclusionRow(unit_code="UBND-26428", first_day=date(2026, 1, 1),
                                        last_day=date(2026, 3, 31), included_by=1,
                                        included_at=local(2026, 4, 1)),
              RatingInclusionRow(unit_code="PTNMT", first_day=date(2026, 1, 1),
                                 last_day=date(2026, 3, 31), included_by=1,
                                 included_at=local(2026, 4, 1)))
    after = await report(store, "2026-Q1")
    assert (after.overall.satisfaction.numerator,
            after.overall.satisfaction.denominator) == (66, 70)
    assert after.overall.satisfaction.met is True
    assert [(i.unit, i.first) for i in after.inclusions] == [
        ("PTNMT", date(2026, 1, 1)), ("UBND-26428", date(2026, 1, 1))]
    assert (await report(store, "2026-Q1", Scope(unit="PTNMT"))).inclusions[0].unit == "PTNMT"
    other_quarter = await report(store, "2026-Q2")
    assert other_quarter.inclusions == ()
    # An inclusion of a month counts that month only.
    assert [(label, m.satisfaction.denominator) for label, m in after.months] == [
        ("2026-02", 70)]


async def test_a_dossier_has_one_current_rating(store: Store) -> None:
    def given(source_id: str, day: int, score: int) -> NewRating:
        return NewRating(source="bot", source_id=source_id, rated_at=local(2026, 2, day),
                         unit="UBND-26428", field="ho_tich", procedure="1.001193",
                         channel="telegram", score=score, answers={"overall": score},
                         dossier="HS-000001", verified=True)
    async with store.unit_of_work() as uow:
        assert await uow.surveys.add_rating(given("a", 3, 2), NOW) is Stored.NEW
        assert await uow.surveys.add_rating(given("b", 5, 5), NOW) is Stored.REPLACED
        assert await uow.surveys.add_rating(given("c", 4, 1), NOW) is Stored.KEPT_OLDER
        assert await uow.surveys.add_rating(given("b", 5, 5), NOW) is Stored.EXISTS
        assert await uow.surveys.add_rating(given("a", 3, 2), NOW) is Stored.EXISTS
        assert await uow.surveys.current_rating("HS-000001") == local(2026, 2, 5)
    satisfaction = (await report(store, "2026-Q1")).overall.satisfaction
    assert (satisfaction.numerator, satisfaction.denominator) == (1, 1), "the latest counts"
