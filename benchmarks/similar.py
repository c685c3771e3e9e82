"""Similar cases first (complaints/similar.py) on the labelled PAKN of
tests/data/similar_pakn.yaml: the texts are filed one after another, each compared (as
the bot does) with the earlier ones of the same field and area; a pair offered is right
when both texts are of the same group.

- pair precision: of the earlier cases offered (at most three), the share that are the
  same problem;
- pair recall: of the earlier cases that are the same problem, the share offered;
- filing recall: of the texts that have an earlier duplicate, the share shown at least one;
- clean filings: of the texts with no earlier duplicate, the share shown nothing.
Printed for a range of thresholds, the one in force marked; and the time per comparison.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.common import Machine, Table, report
from complaints.similar import SHOWN, THRESHOLD, most_similar

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "similar_pakn.yaml"
SWEEP = (0.30, 0.40, 0.45, 0.50, 0.52, 0.55, 0.58, 0.60, 0.65)


@dataclass(frozen=True)
class Filed:
    group: int
    field: str
    area: str
    text: str


@dataclass(frozen=True)
class Score:
    offered: int
    right: int
    duplicates: int
    found: int
    with_duplicate: int
    shown_one: int
    without: int
    shown_none: int

    @property
    def precision(self) -> float:
        return self.right / self.offered if self.offered else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.duplicates if self.duplicates else 1.0

    @property
    def filing_recall(self) -> float:
        return self.shown_one / self.with_duplicate if self.with_duplicate else 1.0

    @property
    def clean(self) -> float:
        return self.shown_none / self.without if self.without else 1.0


def load(path: Path = DATA) -> list[Filed]:
    """The texts in the order they are filed: round-robin over the groups, so that a
    group's texts come in at different times, as they would."""
    groups = yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    filed: list[Filed] = []
    depth = max(len(g["texts"]) for g in groups)
    for position in range(depth):
        for number, group in enumerate(groups):
            if position < len(group["texts"]):
                filed.append(Filed(number, group["field"], group["area"],
                                   group["texts"][position]))
    return filed


def score(filed: list[Filed], threshold: float, limit: int = SHOWN) -> Score:
    offered = right = duplicates = found = with_duplicate = shown_one = 0
    without = shown_none = 0
    for index, item in enumerate(filed):
        earlier = [(n, other.text) for n, other in enumerate(filed[:index])
                   if (other.field, other.area) == (item.field, item.area)]
        same = {n for n, _text in earlier if filed[n].group == item.group}
        shown = {m.key for m in most_similar(item.text, earlier, threshold, limit)}
        offered += len(shown)
        right += len(shown & same)
        duplicates += min(len(same), limit)
        found += len(shown & same)
        if same:
            with_duplicate += 1
            shown_one += bool(shown & same)
        else:
            without += 1
            shown_none += not shown
    return Score(offered, right, duplicates, found, with_duplicate, shown_one, without,
                 shown_none)


def main() -> None:
    machine = Machine()
    filed = load()
    groups = len({f.group for f in filed})
    table = Table("Similar cases offered, by threshold",
                  ["threshold", "offered", "pair precision", "pair recall",
                   "filing recall", "clean filings"])
    for threshold in sorted({*SWEEP, THRESHOLD}):
        s = score(filed, threshold)
        mark = " (in force)" if threshold == THRESHOLD else ""
        table.add(f"{threshold:.2f}{mark}", s.offered, f"{s.precision:.3f}",
                  f"{s.recall:.3f} ({s.found}/{s.duplicates})",
                  f"{s.filing_recall:.3f} ({s.shown_one}/{s.with_duplicate})",
                  f"{s.clean:.3f} ({s.shown_none}/{s.without})")
    pairs = sum(1 for i, a in enumerate(filed) for b in filed[:i]
                if (a.field, a.area) == (b.field, b.area))
    started = time.perf_counter()
    score(filed, THRESHOLD)
    elapsed = time.perf_counter() - started
    with_duplicates = sum(1 for g in range(groups) if sum(f.group == g for f in filed) > 1)
    report("similar", f"{len(filed)} texts in {groups} groups ({with_duplicates} with "
                      "duplicates), compared with the earlier ones of the same field and area",
           [table],
           [f"{pairs} comparisons in {elapsed * 1000:.0f} ms "
            f"({elapsed / max(pairs, 1) * 1e6:.0f} µs each, normalising included)",
            machine.describe()])
