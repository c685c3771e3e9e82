"""The registry of indicators: what it refuses, and each indicator's target."""

import pytest

from surveys.indicators import (
    APOLOGISED,
    DEFINITIONS,
    Counts,
    Definition,
    Indicator,
    Targets,
    indicators,
    register,
)


@pytest.mark.parametrize("definition", [
    Definition(Indicator.SATISFACTION, "a", "b", "again", target=0.5),
    Definition("orphan", "a", "b", "beside nothing", beside="nothing"),
    Definition("both", "a", "b", "a target and beside", target=0.5, beside=APOLOGISED),
    Definition("neither", "a", "b", "no target, beside nothing"),
])
def test_the_registry_refuses_what_no_report_could_show(definition: Definition) -> None:
    before = list(DEFINITIONS)
    with pytest.raises(ValueError):
        register(definition)
    assert before == DEFINITIONS


def test_a_field_target_wins_over_the_directory_and_the_directory_over_the_definition(
        ) -> None:
    targets = Targets({Indicator.SATISFACTION: 0.93},
                      {Indicator.SATISFACTION: {"dat_dai": 0.9}}, minimum_count=1)
    counts = Counts(satisfied=9, rated=10, on_time=1, known=1)
    overall, land = indicators(counts, targets), indicators(counts, targets, "dat_dai")
    assert overall[Indicator.SATISFACTION].target == 0.93
    assert land[Indicator.SATISFACTION].target == 0.9
    assert land[Indicator.PAKN_ON_TIME].target == 0.95, "the definition's"
    assert land[APOLOGISED].target is None and land[APOLOGISED].met is None
    assert (land.satisfaction.numerator, land.satisfaction.denominator) == (9, 10)
    assert (Counts(rated=1) + Counts(known=2))["known"] == 2
