"""How alike two PAKN texts are, whatever their spelling: the measure behind "similar
cases first" (a citizen is shown the cases already filed about the same problem and may
follow one instead of filing another).

Texts are compared on a normal form: composed, without diacritics (đ → d), lower case,
punctuation and the words every PAKN uses ("đề nghị", "xã", "bà con"...) left out. The
measure is the Dice coefficient of the two texts' sets of character trigrams, taken word
by word as PostgreSQL's pg_trgm does (each word padded with two blanks in front and one
behind), so that a typo or a missing tone mark costs a trigram or two, not the word.
It is computed here, not in SQL, so that SQLite and PostgreSQL give the same answer; the
database only narrows the candidates (same field and area, open or lately answered).

The threshold was set on benchmarks/similar.py's labelled texts (see benchmarks/RESULTS.md).
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from complaints.anonymiser import fold

THRESHOLD = 0.55
"""The least score at which a case is offered as the same problem."""
SHOWN = 3
"""How many similar cases a citizen is shown at most."""

_NOT_WORD = re.compile(r"[^0-9a-z]+")

# Words (diacritics removed) too common in PAKN to tell one problem from another. Not
# "cau" (cầu, a bridge, folds like câu) nor "so" (sổ, the land-use book).
_STOPWORDS = """
a ah anh ba bac ban bi bo cac cai cam can chi cho chu co con cua cung da dang day de
den deo di dieu do duoc em gi gia giup hay het hien hon kien khi khong la lai lam len
loi luc ma minh mot muon nay neu nghi ngay nguoi nhan nhieu nhu nhung nua o on phai phan
qua ra rat roi sao se tai the theo thi thoi thuc tinh toi tu tuc va van vao ve vi viec voi
xa xin xu xuat ong phuong thon ap khu pho to dan tren trong ngoai nhe luon cu vay
"""
STOPWORDS = frozenset(_STOPWORDS.split())


def normalise(text: str) -> str:
    """The text as compared: no diacritics, lower case, words of letters and digits only,
    common words left out, single spaces."""
    plain = fold(unicodedata.normalize("NFC", text)).casefold()
    words = _NOT_WORD.sub(" ", plain).split()
    return " ".join(word for word in words if word not in STOPWORDS)


def trigrams(normal: str) -> frozenset[str]:
    """pg_trgm's trigrams of a normalised text: per word, padded "  word "."""
    grams: set[str] = set()
    for word in normal.split():
        padded = f"  {word} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def similarity(first: str, second: str) -> float:
    """From 0 (nothing in common) to 1 (the same words, however written)."""
    return dice(trigrams(normalise(first)), trigrams(normalise(second)))


class Candidate(NamedTuple):
    """A case a new PAKN may repeat, as the comparison reads it."""

    id: int
    text: str


@dataclass(frozen=True)
class Match:
    key: int
    score: float


def most_similar(text: str, candidates: Iterable[tuple[int, str]],
                 threshold: float = THRESHOLD, limit: int = SHOWN) -> list[Match]:
    """The candidates (key, text) at least `threshold` alike, the most alike first (the
    lower key first on a tie: the older case)."""
    wanted = trigrams(normalise(text))
    scored = [Match(key, dice(wanted, trigrams(normalise(other))))
              for key, other in candidates]
    found = sorted((m for m in scored if m.score >= threshold),
                   key=lambda m: (-m.score, m.key))
    return found[:limit]
