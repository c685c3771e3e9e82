"""The indicators page says which end of a due day its on-time figures use
(PAKN_END_OF_DAY: 17:00, the end of office hours, or 24:00 of the Civil Code)."""

from datetime import UTC, time

import pytest

from complaints.calendar import END_OF_CIVIL_DAY
from complaints.people import Role
from tests.clock import Clock
from tests.e2e import published
from tests.web.site import Site, local_start


@pytest.mark.parametrize(("end_of_day", "said"), [
    # The administrator reads the dashboard in their language, Vietnamese by default.
    (time(17, 0), "trước 17:00 ngày đến hạn, tức hết giờ làm việc"),
    (END_OF_CIVIL_DAY, "trước 24 giờ ngày đến hạn (Bộ luật Dân sự 2015, Điều 148)"),
])
async def test_the_indicators_say_when_a_due_day_ends(database_url: str, end_of_day: time,
                                                       said: str) -> None:
    await published.seed(database_url)
    site = await Site(database_url, Clock(local_start().astimezone(UTC)),
                      end_of_day=end_of_day).start()
    try:
        await site.join("admin", Role.ADMIN, None)
        client = await site.signed_in("admin")
        try:
            async with client.get("/quan-tri/chi-so") as response:
                assert response.status == 200
                page = await response.text()
        finally:
            await client.close()
    finally:
        await site.close()
    assert 'id="end-of-day"' in page and said in page
