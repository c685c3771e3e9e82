"""The indicators on small histories counted by hand, on SQLite and PostgreSQL: each
formula's edges (empty period, exactly at target, under the minimum, a case resolved
the minute after its deadline, an extended case, midnight boundaries in local time)."""

from datetime import timedelta

from bot.app import bundled_directory_text
from bot.present.reports import make_report
from complaints.directory_file import parse_directory
from storage.uow import Store
from surveys.indicators import wilson
from surveys.periods import parse_period
from surveys.report import Report, Scope
from tests.reports.data import VN, case, citizen, handling, local, rating

DIRECTORY = parse_directory(bundled_directory_text())
NOW = local(2026, 4, 10)



EVERYTHING = Scope()


async def report(store: Store, period: str, scope: Scope = EVERYTHING,
                 groups: tuple[str, ...] = ("unit", "field")) -> Report:
    async with store.unit_of_work() as uow:
        return await make_report(uow.indicators, DIRECTORY, parse_period(period), scope, NOW,
                                 VN, groups)


async def add(store: Store, *rows: object) -> None:
    async with store.unit_of_work() as uow:
        uow.session.add_all(rows)


async def test_an_empty_period(store: Store) -> None:
    empty = await report(store, "2026-Q1")
    for rate in (empty.overall.satisfaction, empty.overall.pakn_on_time,
                 empty.overall.pakn_satisfaction):
        assert (rate.numerator, rate.denominator, rate.rate, rate.met) == (0, 0, None, None)
        assert rate.as_dict()["ci_low"] is None
    assert empty.groups == {"unit": {}, "field": {}}


async def test_satisfaction_at_target_below_it_and_under_the_minimum(store: Store) -> None:
    rows = []
    # Civil status: 92 of 100 satisfied, exactly the 92% target.
    rows += [rating(n, local(2026, 2, 1), 5 if n < 60 else 4 if n < 92 else 3)
             for n in range(100)]
    # Land: 26 of 30 satisfied (86.7%) against its own 90% target.
    rows += [rating(100 + n, local(2026, 2, 2), 4 if n < 26 else 1, unit="PTNMT",
                    field="dat_dai", procedure="1.013978") for n in range(30)]
    # Construction: 10 ratings, under the minimum of 30.
    rows += [rating(200 + n, local(2026, 2, 3), 5, unit="PKTHT", field="xay_dung",
                    procedure="1.013225") for n in range(10)]
    await add(store, *rows)
    result = await report(store, "2026-Q1", groups=("field", "unit", "procedure"))

    overall = result.overall.satisfaction
    assert (overall.numerator, overall.denominator) == (128, 140)
    assert overall.target == 0.92 and overall.met is False  # 91.4%
    fields = result.groups["field"]
    civil = fields["ho_tich"].satisfaction
    assert (civil.numerator, civil.denominator, civil.target, civil.met) == (92, 100, 0.92, True)
    low, high = civil.interval or (0, 0)
    assert (round(low, 4), round(high, 4)) == tuple(round(x, 4) for x in wilson(92, 100))
    assert round(low, 3) == 0.850 and round(high, 3) == 0.959
    land = fields["dat_dai"].satisfaction
    assert (land.numerator, land.denominator, land.target, land.met) == (26, 30, 0.90, False)
    building = fields["xay_dung"].satisfaction
    assert (building.rate, building.met) == (1.0, None), "not enough data"
    assert result.groups["procedure"]["1.013978"].satisfaction.denominator == 30
    assert set(result.groups["unit"]) == {"UBND-26428", "PTNMT", "PKTHT"}

    scoped = await report(store, "2026-Q1", Scope(unit="PTNMT"))
    assert (scoped.overall.satisfaction.numerator,
            scoped.overall.satisfaction.denominator) == (26, 30)


async def test_period_boundaries_are_local_midnight(store: Store) -> None:
    await add(store,
              rating(1, local(2026, 3, 31, 23, 59), 5),   # 16:59 UTC on 31/3: Q1
              rating(2, local(2026, 4, 1, 0, 0), 5),      # 17:00 UTC on 31/3: Q2
              rating(3, local(2026, 1, 1, 0, 0), 1),      # 17:00 UTC on 31/12/2025: Q1
              rating(4, local(2025, 12, 31, 23, 59), 1))  # 2025
    q1 = (await report(store, "2026-Q1")).overall.satisfaction
    q2 = (await report(store, "2026-Q2")).overall.satisfaction
    december = (await report(store, "2025-12")).overall.satisfaction
    assert (q1.numerator, q1.denominator) == (1, 2)
    assert (q2.numerator, q2.denominator) == (1, 1)
    assert (december.numerator, december.denominator) == (0, 1)
    months = (await report(store, "2026-Q1")).months
    assert [(label, m.satisfaction.denominator) for label, m in months] == [
        ("2026-01", 1), ("2026-03", 1)]


async def test_on_time_rate(store: Store) -> None:
    due = local(2026, 2, 16, 17)
    await add(store, citizen())
    await add(store,
              case(1, due, due - timedelta(minutes=60)),            # on time
              case(2, due, due),                                      # at the deadline: on time
              case(3, due, due + timedelta(minutes=1)),             # a minute late
              case(4, due, local(2026, 2, 20), extended=local(2026, 2, 23, 17)),  # extended
              case(5, due, None),                                     # open, deadline passed
              case(6, local(2026, 4, 20, 17), None),                  # due after now: unknown
              case(7, local(2026, 4, 3, 17), local(2026, 4, 1)),      # Q2, resolved early
              case(8, local(2026, 3, 31, 17), local(2026, 3, 30), unit="PTP", field="ho_tich"))
    q1 = await report(store, "2026-Q1")
    on_time = q1.overall.pakn_on_time
    # On time: 1, 2 and 8; known: 1-5 and 8. The extended case counts late.
    assert (on_time.numerator, on_time.denominator) == (3, 6)
    assert on_time.met is None, "6 cases are under the minimum of 30"
    assert q1.groups["unit"]["PTP"].pakn_on_time.numerator == 1
    q2 = (await report(store, "2026-Q2")).overall.pakn_on_time
    assert (q2.numerator, q2.denominator) == (1, 1), "the case due after now is not known yet"


async def test_handling_satisfaction_counts_cases_resolved_in_the_period(store: Store) -> None:
    await add(store, citizen())
    cases = [case(n, local(2026, 3, 1, 17), local(2026, 2, 10)) for n in range(1, 11)]
    cases.append(case(11, local(2026, 4, 20, 17), local(2026, 4, 2)))  # resolved in Q2
    await add(store, *cases)
    scores = [5, 5, 4, 4, 4, 4, 4, 3, 1, None]
    await add(store, *[handling(n, score) for n, score in enumerate(scores, start=1)],
              handling(11, 5))
    q1 = (await report(store, "2026-Q1")).overall.pakn_satisfaction
    assert (q1.numerator, q1.denominator, q1.target) == (7, 9, 0.90), "unanswered not counted"
    q2 = (await report(store, "2026-Q2")).overall.pakn_satisfaction
    assert (q2.numerator, q2.denominator) == (1, 1)
