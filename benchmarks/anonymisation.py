"""The anonymiser (complaints/anonymiser.py) on the labelled PAKN of
tests/data/anonymisation.yaml: of what is labelled personal, how much it blanks (recall,
by category); of what is labelled public, how much it leaves; of what it blanks, how
much was labelled personal (precision); and the time it takes per text, on the labelled
texts and on texts of about 2,000 characters made of them.

Times are measured twice: with the sender's details new to it (their patterns compiled
afresh, as for each published case) and seen before (as for a survey comment after the
case). BENCH_ANONYMISATION_ROUNDS (20) passes over the texts.
"""

import re
import time
from collections.abc import Callable

from benchmarks.common import Machine, Table, env_int, percentile, report
from complaints import anonymiser
from complaints.privacy import anonymise
from tests.unit.test_anonymiser import (
    KEPT,
    PRECISION,
    RECALL,
    RECALL_PER_CATEGORY,
    Labelled,
    load,
    score,
)

ROUNDS = env_int("BENCH_ANONYMISATION_ROUNDS", 20)
LONG = 2000
HELD_OUT = ("The rules were written against the first 321 texts; texts 322 to 366 were "
            "written afterwards and measured before any change to the rules: recall 0.969 "
            "(62 of 64 spans), nothing kept was blanked, one blank beyond the labels (a "
            "neighbour's house number the labels had missed, since labelled). The last 8 "
            "texts are precision cases found by probing after that.")


def main() -> None:
    machine = Machine()
    items = load()
    result = score(items)
    blanked = Table("What must be blanked", ["category", "labelled", "blanked", "recall"])
    for category in sorted(result.to_mask):
        blanked.add(category, result.to_mask[category], result.masked[category],
                    f"{result.recall(category):.3f}")
    blanked.add("all", sum(result.to_mask.values()), sum(result.masked.values()),
                f"{result.recall():.3f}")
    kept = Table("What must stay", ["category", "labelled", "left", "kept"])
    for category in sorted(result.to_keep):
        kept.add(category, result.to_keep[category], result.kept[category],
                 f"{result.kept_share(category):.3f}")
    kept.add("all", sum(result.to_keep.values()), sum(result.kept.values()),
             f"{result.kept_share():.3f}")

    timing = Table("Time per text", ["texts", "characters (mean)", "sender's details",
                                     "mean (ms)", "p50 (ms)", "p99 (ms)"])
    for label, texts in (("labelled", items), (f"about {LONG:,} characters", _long(items))):
        for fresh in (True, False):
            took = _times(texts, _forget if fresh else _nothing)
            timing.add(f"{label} ({len(texts)})",
                       f"{sum(len(t.text) for t in texts) / len(texts):,.0f}",
                       "new" if fresh else "seen before", f"{_mean(took) * 1000:.3f}",
                       f"{percentile(took, 50) * 1000:.3f}",
                       f"{percentile(took, 99) * 1000:.3f}")

    missed = "; ".join(f"{category}: {text!r}" for category, text in result.missed[:10])
    notes = [
        f"{len(items)} texts, {sum(1 for i in items if not i.mask)} of them with nothing "
        f"personal, {sum(1 for i in items if i.text.isascii())} without diacritics; "
        f"{sum(result.to_mask.values())} spans labelled to blank, "
        f"{sum(result.to_keep.values())} to keep.",
        f"Precision: of the {result.blanks} stretches blanked, {result.blanks_labelled} were "
        f"over something labelled personal ({result.precision():.3f}).",
        HELD_OUT,
        f"Asserted by tests/unit/test_anonymiser.py: recall at least {RECALL} overall and "
        f"{RECALL_PER_CATEGORY} in each category, kept at least {KEPT}, precision at least "
        f"{PRECISION}.",
        f"Missed: {missed or 'nothing'}.",
        f"Machine: {machine.describe()}.",
    ]
    report("anonymisation", "Anonymisation of PAKN texts before publication",
           [blanked, kept, timing], notes)


def _long(items: list[Labelled]) -> list[Labelled]:
    """The labelled texts run together into texts of about LONG characters, each with
    the details of one sender (the first who gave them)."""
    joined, parts = [], []
    for item in items:
        parts.append(item)
        if sum(len(p.text) + 1 for p in parts) >= LONG:
            sender = next((p.known for p in parts if p.known), ())
            joined.append(Labelled(" ".join(p.text for p in parts), sender, (), ()))
            parts = []
    return joined


def _forget() -> None:
    """As if the sender's details were new: their patterns compiled afresh."""
    anonymiser._known.cache_clear()
    re.purge()


def _nothing() -> None:
    pass


def _times(items: list[Labelled], before_each: Callable[[], None]) -> list[float]:
    took = []
    for _ in range(ROUNDS):
        for item in items:
            before_each()
            start = time.perf_counter()
            anonymise(item.text, *item.known)
            took.append(time.perf_counter() - start)
    return took


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


if __name__ == "__main__":
    main()
