"""The anonymiser, measured on labelled PAKN (tests/data/anonymisation.yaml: what must be
blanked and what must stay, by category), and tried on generated names, numbers and
addresses in any spelling."""

import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.anonymiser import Span, find, fold
from complaints.privacy import MASK, REMOVED, anonymise, scrub

DATA = Path(__file__).resolve().parent.parent / "data" / "anonymisation.yaml"


@dataclass(frozen=True)
class Labelled:
    text: str
    known: tuple[str, ...]
    mask: tuple[tuple[str, Span], ...]
    """(category, where) of each occurrence that must be blanked."""
    keep: tuple[tuple[str, Span], ...]


Form = Literal["NFC", "NFD"]


def load() -> list[Labelled]:
    return [_labelled(n, raw) for n, raw in
            enumerate(yaml.safe_load(DATA.read_text(encoding="utf-8")), 1)]


def _labelled(n: int, raw: dict[str, Any]) -> Labelled:
    form: Form = "NFD" if raw.get("nfd") else "NFC"
    text = unicodedata.normalize(form, raw["text"])

    def spans(labels: dict[str, list[str]] | None) -> tuple[tuple[str, Span], ...]:
        found = []
        for category, parts in (labels or {}).items():
            for part in parts:
                where = _occurrences(text, unicodedata.normalize(form, part))
                assert where, f"item {n}: {part!r} is not in its text"
                found += [(category, span) for span in where]
        return tuple(found)
    return Labelled(text, tuple((raw.get("known") or {}).values()), spans(raw.get("mask")),
                    spans(raw.get("keep")))


def _occurrences(text: str, part: str) -> list[Span]:
    """Where the part stands as whole words."""
    return [m.span() for m in re.finditer(rf"(?<!\w){re.escape(part)}(?!\w)", text)]


@dataclass
class Score:
    masked: Counter[str] = field(default_factory=Counter)
    to_mask: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)
    to_keep: Counter[str] = field(default_factory=Counter)
    blanks: int = 0
    """Stretches blanked in all, and of them, those over something labelled to blank."""
    blanks_labelled: int = 0
    missed: list[tuple[str, str]] = field(default_factory=list)
    """(category, text) of each miss: a span left, a keep blanked, a stray blank."""

    def add(self, item: Labelled, found: list[Span]) -> None:
        for category, (start, end) in item.mask:
            self.to_mask[category] += 1
            if any(s <= start and end <= e for s, e in found):
                self.masked[category] += 1
            else:
                self.missed.append((category, item.text[start:end]))
        for category, (start, end) in item.keep:
            self.to_keep[category] += 1
            if not any(s < end and start < e for s, e in found):
                self.kept[category] += 1
            else:
                self.missed.append((f"keep {category}", item.text[start:end]))
        for s, e in found:
            self.blanks += 1
            if any(s < end and start < e for _category, (start, end) in item.mask):
                self.blanks_labelled += 1
            else:
                self.missed.append(("stray", item.text[s:e]))

    def recall(self, category: str | None = None) -> float:
        if category is None:
            return sum(self.masked.values()) / sum(self.to_mask.values())
        return self.masked[category] / self.to_mask[category]

    def kept_share(self, category: str | None = None) -> float:
        if category is None:
            return sum(self.kept.values()) / sum(self.to_keep.values())
        return self.kept[category] / self.to_keep[category]

    def precision(self) -> float:
        return self.blanks_labelled / self.blanks if self.blanks else 1.0


def score(items: list[Labelled]) -> Score:
    result = Score()
    for item in items:
        result.add(item, find(item.text, item.known))
    return result


# ---------------------------------------------------------------------------------------
# The labelled set. The rules were written against its first 321 items; items 322 to 366
# were written afterwards and measured before any change to the rules: recall 0.969 (62 of
# 64 spans), nothing kept was blanked, one blank beyond the labels (a neighbour's house
# number the labels had missed). The thresholds sit at about that held-out level, below
# what the whole set gives now (1.00), so that a change losing a few cases anywhere fails.

RECALL = 0.97
RECALL_PER_CATEGORY = 0.9  # the smallest category has 23 spans: two misses there at most
KEPT = 0.98
PRECISION = 0.97
SCORE = score(load())


def test_the_labelled_set_is_large_and_varied() -> None:
    items = load()
    assert len(items) >= 320
    assert min(SCORE.to_mask.values()) >= 20, SCORE.to_mask
    assert sum(1 for item in items if not item.mask) >= 60, "texts with nothing personal"
    assert sum(1 for item in items if item.text != unicodedata.normalize("NFC", item.text)) \
        >= 20, "texts in NFD"


def test_what_is_personal_is_blanked() -> None:
    assert SCORE.recall() >= RECALL, SCORE.missed


def test_every_kind_of_personal_data_is_blanked() -> None:
    low = {c: round(SCORE.recall(c), 3) for c in SCORE.to_mask
           if SCORE.recall(c) < RECALL_PER_CATEGORY}
    assert not low, (low, SCORE.missed)


def test_what_is_public_stays() -> None:
    assert SCORE.kept_share() >= KEPT, SCORE.missed


def test_little_else_is_blanked() -> None:
    assert SCORE.precision() >= PRECISION, SCORE.missed


# ---------------------------------------------------------------------------------------
# Behaviour the callers rely on

def test_scrub_blanks_numbers_only() -> None:
    assert scrub(None) is None
    assert scrub("Ông Nguyễn Văn An gọi 0912 345 678, CCCD 079085012345.") == \
        f"Ông Nguyễn Văn An gọi {MASK}, CCCD {MASK}."


def test_the_senders_details_become_one_mark_each() -> None:
    text = "Tôi là Trần Thị Bình, ở Tổ 5, ấp Bình Xuân, gọi 0987 654 321: đường ngập số 1."
    assert anonymise(text, "Trần Thị Bình", "0987654321", "Tổ 5, ấp Bình Xuân") == \
        f"Tôi là {MASK}, ở {MASK}, gọi {MASK}: đường ngập số 1."


def test_the_house_goes_and_the_area_stays() -> None:
    known = ("Nguyễn Văn Minh", "Số 12 đường Hùng Vương, khu phố 3, phường Xuân An")
    assert anonymise("Nhà số 12 đường Hùng Vương, khu phố 3, phường Xuân An ngập.", *known) \
        == f"Nhà {MASK}, khu phố 3, phường Xuân An ngập."
    assert anonymise("Đường Hùng Vương ngập.", *known) == "Đường Hùng Vương ngập."


def test_an_erased_detail_is_not_a_word_to_blank() -> None:
    assert anonymise("The obstacle was removed.", REMOVED, REMOVED) == \
        "The obstacle was removed."


def test_a_single_given_name_is_blanked_only_where_it_stands_for_the_person() -> None:
    known = ("Nguyễn Thị Bình",)
    assert anonymise("Cảm ơn, Bình rất hài lòng.", *known) == f"Cảm ơn, {MASK} rất hài lòng."
    for public in ("Bình thường xe rác đến lúc 6h.", "Đường ấp Bình Hoà ngập.",
                   "Tỉnh Bình Dương."):
        assert anonymise(public, *known) == public


# ---------------------------------------------------------------------------------------
# Generated: names, numbers and addresses in any spelling, inside sentences without digits

FAMILIES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
            "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm", "Đoàn"]
MIDDLES = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân", "Hoài",
           "Kim", "Bảo", "Gia", "Thuỳ", "Mỹ"]
GIVEN = ["Lan", "Hoa", "Tuấn", "Hùng", "Minh", "Dũng", "Hương", "Thảo", "Hạnh", "Phúc", "Sơn",
         "Hải", "Quang", "Long", "Trang", "Linh", "Khoa", "Đạt", "Thắng", "Hiếu", "Nhung",
         "Yến", "Thuý", "Loan", "Vân", "Khánh", "Phương", "Nga", "Diễm", "Kiên", "Lợi", "Tài",
         "Toàn", "Vinh", "Duy", "Huy", "Nghĩa", "Trâm", "Quyên", "Đông"]
BEFORE = ["Tôi đã gặp", "Đề nghị xem xét việc", "Hôm qua", "Xin cảm ơn", "Gia đình", "Nhờ"]
AFTER = [" đã hướng dẫn tận tình.", ", người ở tổ 3.", " không nghe máy.", " xin phản ánh.",
         "."]
SENTENCES = ["Đèn đường trước cổng chợ hỏng cả tháng nay,", "Xin phản ánh việc ngập nước:",
             "Kính gửi UBND xã Xuân Bắc,", "cảm ơn các anh chị", "liên hệ", "Người gửi:",
             "đề nghị xử lý sớm.", "(giờ hành chính)"]
"""Around a name, only those that begin in lower case or with punctuation follow it: a
capitalised word right after a name may be more of it."""
FOLLOWING = [s for s in SENTENCES if not s[0].isupper()]
FORMS: st.SearchStrategy[Form] = st.sampled_from(["NFC", "NFD"])


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def squeezed(text: str) -> str:
    return "".join(fold(text).lower().split())


@st.composite
def spelled(draw: st.DrawFn, words: list[str]) -> str:
    """Words as someone might type them: with or without diacritics, in any case, with
    one space, several or none between them, composed or not."""
    if draw(st.booleans()):
        words = [fold(w) for w in words]
    case = draw(st.sampled_from(["as is", "lower", "upper", "any"]))
    if case == "any":
        words = ["".join(c.upper() if draw(st.booleans()) else c.lower() for c in w)
                 for w in words]
    elif case != "as is":
        words = [getattr(w, case)() for w in words]
    gap = draw(st.sampled_from([" ", "  ", "   ", ""]))
    return unicodedata.normalize(draw(FORMS), gap.join(words))


full_names = st.tuples(st.sampled_from(FAMILIES), st.lists(st.sampled_from(MIDDLES),
                       min_size=1, max_size=2), st.sampled_from(GIVEN)).map(
    lambda parts: [parts[0], *parts[1], parts[2]])


@settings(max_examples=300, deadline=None)
@given(full_names, st.data())
def test_the_senders_name_is_blanked_in_any_spelling(name: list[str], data: st.DataObject) -> None:
    before = data.draw(st.sampled_from(SENTENCES))
    after = data.draw(st.sampled_from(FOLLOWING))
    written = data.draw(spelled(name))
    out = anonymise(f"{before} {written} {after}", " ".join(name))
    assert out == f"{before} {MASK} {after}", (written, out)
    for pair in itertools.pairwise(name):
        assert squeezed("".join(pair)) not in squeezed(out)


titled = st.one_of(
    st.tuples(st.sampled_from(["ông", "bà", "anh", "chị", "em", "cô", "chú", "bác", "cháu",
                               "cán bộ", "đồng chí", "chuyên viên", "tổ trưởng", "nhân viên",
                               "a", "c"]),
              st.one_of(st.sampled_from(GIVEN).map(lambda g: [g]),
                        st.tuples(st.sampled_from(MIDDLES), st.sampled_from(GIVEN)).map(list),
                        full_names)),
    st.tuples(st.sampled_from(["chủ tịch xã", "trưởng ấp", "công an xã", "giám đốc",
                               "phó chủ tịch UBND xã", "trưởng khu phố"]), full_names))


@settings(max_examples=300, deadline=None)
@given(titled, st.sampled_from(BEFORE), st.sampled_from(AFTER), st.booleans(), FORMS)
def test_a_name_after_a_title_is_blanked(title_name: tuple[str, list[str]], before: str,
                                         after: str, plain: bool, form: Form) -> None:
    title, name = title_name
    if title in ("a", "c"):  # chat shorthands for anh, chị: written without diacritics
        plain = True

    def written(text: str) -> str:
        return unicodedata.normalize(form, fold(text) if plain else text)
    out = anonymise(written(f"{before} {title} {' '.join(name)}{after}"))
    assert out == written(f"{before} {title} ") + MASK + written(after), out


@st.composite
def nationals(draw: st.DrawFn) -> str:
    """A Vietnamese phone number in national form: a mobile, or a landline of an area."""
    rest = draw(st.text("0123456789", min_size=8, max_size=8))
    if draw(st.booleans()):
        return draw(st.sampled_from(["03", "05", "07", "08", "09"])) + rest
    return (draw(st.sampled_from(["024", "028", "0251", "0254", "0236", "0292"])) + rest
            + "0")[:11]


@st.composite
def formatted(draw: st.DrawFn, national: str) -> str:
    """The number as someone might write it."""
    if len(national) == 10:
        groups = draw(st.sampled_from([(4, 3, 3), (3, 3, 4), (3, 4, 3), (4, 2, 2, 2), (10,)]))
    else:
        area = 3 if national[:3] in ("024", "028") else 4
        groups = draw(st.sampled_from([(area, 11 - area), (area, 4, 7 - area), (11,)]))
    separator = draw(st.sampled_from([" ", ".", "-", "  ", ""]))
    parts, at = [], 0
    for size in groups:
        parts.append(national[at:at + size])
        at += size
    prefix = draw(st.sampled_from(["0", "+84", "+84 ", "84", "(+84) ", "(+84)"]))
    parts[0] = prefix + parts[0][1:]
    if prefix == "0" and len(parts) > 1 and len(national) == 11 and draw(st.booleans()):
        parts[0] = f"({parts[0]})"
        separator = separator or " "
    return separator.join(parts)


@settings(max_examples=300, deadline=None)
@given(nationals(), st.sampled_from(SENTENCES), st.sampled_from(SENTENCES), st.data())
def test_a_phone_number_is_blanked_in_any_format(national: str, before: str, after: str,
                                                 data: st.DataObject) -> None:
    written = data.draw(formatted(national))
    out = anonymise(f"{before} {written} {after}")
    assert out == f"{before} {MASK} {after}", (written, out)


@settings(max_examples=100, deadline=None)
@given(nationals(), st.data())
def test_the_senders_own_phone_is_blanked_even_without_its_prefix(national: str,
                                                                  data: st.DataObject) -> None:
    given_as = data.draw(formatted(national))
    out = anonymise(f"Gọi lại số {national[1:]} giúp tôi.", given_as)
    assert out == f"Gọi lại số {MASK} giúp tôi.", (given_as, out)


def grouped(draw: st.DrawFn, number: str, sizes: tuple[int, ...]) -> str:
    if draw(st.booleans()):
        return number
    separator = draw(st.sampled_from([" ", ".", "-"]))
    parts, at = [], 0
    for size in sizes:
        parts.append(number[at:at + size])
        at += size
    return separator.join(part for part in parts if part)


@st.composite
def identifiers(draw: st.DrawFn) -> str:
    """CCCD, CMND, tax codes and bank accounts, with the words that usually come before."""
    kind = draw(st.sampled_from(["cccd", "cmnd", "tax", "account"]))
    if kind == "cccd":
        number = "0" + f"{draw(st.integers(1, 96)):02d}" + draw(
            st.text("0123456789", min_size=9, max_size=9))
        return draw(st.sampled_from(["CCCD ", "số CCCD: ", "căn cước ", ""])) + grouped(
            draw, number, (3, 3, 3, 3))
    if kind == "cmnd":
        number = draw(st.sampled_from("0123")) + draw(
            st.text("0123456789", min_size=8, max_size=8))
        return draw(st.sampled_from(["CMND ", "CMND số ", "chứng minh nhân dân "])) + \
            grouped(draw, number, (3, 3, 3))
    if kind == "tax":
        number = draw(st.sampled_from("012345678")) + draw(
            st.text("0123456789", min_size=9, max_size=9))
        branch = draw(st.sampled_from(["", "-001", "-002", " - 003"]))
        return draw(st.sampled_from(["MST ", "mã số thuế: ", "MST: "])) + number + branch
    number = draw(st.text("0123456789", min_size=8, max_size=16))
    return draw(st.sampled_from(["STK ", "số tài khoản ", "tài khoản Vietcombank ",
                                 "Agribank: ", "TK ", "stk BIDV "])) + grouped(
        draw, number, (4, 4, 4, 4))


@settings(max_examples=300, deadline=None)
@given(identifiers(), st.sampled_from(SENTENCES), st.sampled_from(SENTENCES))
def test_identity_tax_and_account_numbers_are_blanked(number: str, before: str,
                                                      after: str) -> None:
    out = anonymise(f"{before} {number} {after}")
    assert not digits(out), (number, out)


emails = st.tuples(st.from_regex(r"[a-z][a-z0-9]{1,8}(?:[._][a-z0-9]{1,8}){0,2}", fullmatch=True),
                   st.sampled_from(["gmail.com", "yahoo.com.vn", "outlook.com",
                                    "dongnai.gov.vn", "fpt.edu.vn"]), st.booleans()).map(
    lambda e: (f"{e[0]}@{e[1]}".upper() if e[2] else f"{e[0]}@{e[1]}"))


@settings(max_examples=200, deadline=None)
@given(emails, st.sampled_from(SENTENCES), st.sampled_from(SENTENCES))
def test_an_email_address_is_blanked(email: str, before: str, after: str) -> None:
    out = anonymise(f"{before} {email} {after}")
    assert out == f"{before} {MASK} {after}", out


@st.composite
def plates(draw: st.DrawFn) -> str:
    province = f"{draw(st.integers(11, 99))}"
    series = draw(st.sampled_from("ABCDEFGHKLMNPSTUVXYZ"))
    if draw(st.booleans()):
        series += draw(st.sampled_from(["", "1", "2", "D"]))[:1] or ""
    serial = draw(st.text("0123456789", min_size=5, max_size=5))
    shape = draw(st.sampled_from(["{p}{s}-{a}.{b}", "{p}{s}{a}{b}", "{p}-{s} {a}.{b}",
                                  "{p}{s}-{a}{b}", "{p}{s} {a}.{b}"]))
    return shape.format(p=province, s=series, a=serial[:3], b=serial[3:])


@settings(max_examples=200, deadline=None)
@given(plates(), st.sampled_from(SENTENCES), st.sampled_from(SENTENCES))
def test_a_licence_plate_is_blanked(plate: str, before: str, after: str) -> None:
    out = anonymise(f"{before} xe biển số {plate} {after}")
    assert not digits(out), (plate, out)


STREETS = ["Hùng Vương", "Lê Lợi", "Nguyễn Trãi", "Trần Phú", "Hai Bà Trưng",
           "Cách Mạng Tháng Tám", "Phan Đình Phùng", "Lý Thường Kiệt", "Nguyễn Văn Cừ"]


@st.composite
def houses(draw: st.DrawFn) -> tuple[str, str]:
    """A house number with its street, and the street."""
    street = draw(st.sampled_from(STREETS))
    number = str(draw(st.integers(1, 999)))
    if draw(st.booleans()):
        number += draw(st.sampled_from(["A", "B", f"/{draw(st.integers(1, 99))}"]))
    shape = draw(st.sampled_from(["số {n} đường {s}", "{n} {s}", "số {n} {s}",
                                  "số nhà {n}, đường {s}"]))
    return shape.format(n=number, s=street), street


@settings(max_examples=200, deadline=None)
@given(houses(), st.sampled_from(["Nhà tôi ở", "Cơ sở tại", "Địa chỉ:", "Quán ăn ở"]))
def test_a_house_number_with_its_street_is_blanked_and_the_street_alone_stays(
        house: tuple[str, str], before: str) -> None:
    address, street = house
    assert anonymise(f"{before} {address} gây ồn.") == f"{before} {MASK} gây ồn."
    assert anonymise(f"Đường {street} bị ngập.") == f"Đường {street} bị ngập."


@settings(max_examples=100, deadline=None)
@given(houses(), st.data())
def test_the_senders_address_is_blanked_in_any_spelling(house: tuple[str, str],
                                                        data: st.DataObject) -> None:
    address, _street = house
    written = data.draw(spelled(address.split()))
    out = anonymise(f"Tôi ở {written}, phường Xuân An.", f"{address}, phường Xuân An")
    assert not digits(out), (written, out)
    assert out.endswith(", phường Xuân An."), out


@st.composite
def public_figures(draw: st.DrawFn) -> str:
    """Dates, times, money, codes, legal references, percentages and quantities."""
    day, month = draw(st.integers(1, 28)), draw(st.integers(1, 12))
    year = draw(st.integers(2015, 2030))
    n = draw(st.integers(1, 999_999))
    amount = f"{draw(st.integers(1, 10**10)):,}".replace(",", ".")
    return draw(st.sampled_from([
        f"{day:02d}/{month:02d}/{year}", f"{day}/{month}", f"ngày {day} tháng {month} năm {year}",
        f"{day:02d}-{month:02d}-{year}", f"{day:02d}.{month:02d}.{year}",
        f"{draw(st.integers(0, 23))}h{draw(st.integers(0, 59)):02d}",
        f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}",
        f"{amount} đồng", f"{amount}đ", f"{amount} VNĐ", f"{draw(st.integers(1, 999))} triệu",
        f"PA-{year}-{n:06d}", f"HS-{year}-{n % 10000:04d}",
        f"000.00.{day:02d}.H{month:02d}-{year % 100:02d}{month:02d}{day:02d}-{n % 10000:04d}",
        f"1.{n:06d}", f"Nghị định {n % 400}/{year}/NĐ-CP",
        f"Quyết định số {n % 5000}/QĐ-UBND", f"Thông tư {month:02d}/{year}/TT-BTP",
        f"{n % 100}%", f"{n % 100},{day}%", f"{n % 1000} ngày", f"{n % 20} lần",
        f"{n % 5000} hộ", f"{n % 10000} m2",
    ]))


@settings(max_examples=400, deadline=None)
@given(st.lists(public_figures(), min_size=1, max_size=4), st.sampled_from(SENTENCES))
def test_dates_money_codes_and_quantities_stay(figures: list[str], sentence: str) -> None:
    text = f"{sentence} " + ", ".join(figures) + "."
    assert anonymise(text) == text
