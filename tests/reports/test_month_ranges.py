"""Months are counted as ranges of the time indexes, their bounds worked out in local
time: the bounds themselves, and a period of ten years (more months than one statement
counts), on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.app import bundled_directory_text
from bot.present.reports import make_report
from complaints.directory_file import parse_directory
from storage.indicators import MONTHS_PER_STATEMENT, local_months
from storage.uow import Store
from surveys.periods import parse_period
from surveys.report import Scope
from tests.reports.data import VN, case, citizen, handling, local, rating


def test_months_are_cut_to_the_period_and_follow_summer_time() -> None:
    paris = ZoneInfo("Europe/Paris")  # summer time from 29 March 2026
    start = datetime(2026, 3, 15, tzinfo=paris).astimezone(UTC)
    end = datetime(2026, 5, 10, tzinfo=paris).astimezone(UTC)
    assert local_months(start, end, paris) == [
        ("2026-03", datetime(2026, 3, 14, 23, tzinfo=UTC), datetime(2026, 3, 31, 22, tzinfo=UTC)),
        ("2026-04", datetime(2026, 3, 31, 22, tzinfo=UTC), datetime(2026, 4, 30, 22, tzinfo=UTC)),
        ("2026-05", datetime(2026, 4, 30, 22, tzinfo=UTC), datetime(2026, 5, 9, 22, tzinfo=UTC)),
    ]
    year = parse_period("2026").bounds(VN)
    months = local_months(*year, VN)
    assert [label for label, _, _ in months] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert months[1][1] == datetime(2026, 1, 31, 17, tzinfo=UTC), "local midnight, +07:00"



async def test_ten_years_month_by_month(store: Store) -> None:
    async with store.unit_of_work() as uow:
        uow.session.add(citizen())
    async with store.unit_of_work() as uow:
        uow.session.add_all([
            rating(1, local(2016, 1, 1, 0, 0), 5),      # 17:00 UTC on 31/12/2015
            rating(2, local(2021, 6, 30, 23, 59), 2),
            rating(3, local(2026, 3, 31, 23, 59), 4),   # the last minute of the period
            rating(4, local(2026, 4, 1, 0, 0), 4),      # the first minute after it
            case(1, local(2016, 1, 1, 0, 30), local(2015, 12, 28)),             # on time
            case(2, local(2026, 3, 2, 17), local(2026, 3, 3, 9)),               # late
            case(3, local(2021, 6, 1, 17), None),                               # never
        ])
    async with store.unit_of_work() as uow:
        uow.session.add(handling(2, 5))

    period = parse_period("2016-01-01..2026-03-31")
    assert len(local_months(*period.bounds(VN), VN)) > MONTHS_PER_STATEMENT
    async with store.unit_of_work() as uow:
        report = await make_report(uow.indicators, parse_directory(bundled_directory_text()),
                                   period, Scope(), local(2026, 4, 10), VN, ())

    def figures(label: str) -> tuple[int, ...]:
        month = dict(report.months)[label]
        return tuple(n for rate in (month.satisfaction, month.pakn_on_time,
                                    month.pakn_satisfaction)
                     for n in (rate.numerator, rate.denominator))
    assert [label for label, _ in report.months] == ["2016-01", "2021-06", "2026-03"]
    assert figures("2016-01") == (1, 1, 1, 1, 0, 0)
    assert figures("2021-06") == (0, 1, 0, 1, 0, 0)
    assert figures("2026-03") == (1, 1, 0, 1, 1, 1)
