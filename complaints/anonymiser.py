"""Finding personal data in the free text of a PAKN, for complaints.privacy to blank out.

What is found:
- the sender's own details as they gave them (`known`), in any spelling: with or without
  diacritics, NFC or NFD, any case, extra or missing spaces; the phone in any format; of
  an address its house number with its street, the hamlet, ward or commune after them
  staying (they are public), or the whole of it if it has no house number;
- other people's names after a form of address or a title ("anh Tuấn", "ông Nguyễn Văn
  A", "cán bộ địa chính Lê Thị B", "Chủ tịch UBND xã Xuân Bắc Trần Văn C") and full names
  standing alone ("Trần Thị Hoa"), unless a street, school or public figure is meant;
- phone, identity (CCCD, CMND), tax, bank account and insurance numbers, licence plates,
  e-mail addresses, house numbers with their street.
What stays: dates, times, money, quantities, dossier and procedure codes, legal
references, and streets, hamlets, communes and offices named without a house number.

Everything is matched on a folded copy of the text (no diacritics, đ → d, case kept),
one character for one, so that each match maps back to the text as written.
"""

import re
import string
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

Span = tuple[int, int]


class _Folding(dict[int, str | None]):
    """A str.translate table filled as characters are met: a letter to its base letter,
    a combining mark to nothing, anything else to itself; never more than one
    character, so that folded positions map back to the text."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        folded: str | None = None
        if not unicodedata.combining(char):
            base = "".join(c for c in unicodedata.normalize("NFD", char)
                           if not unicodedata.combining(c))
            base = base.translate(_BARRED)
            folded = base if len(base) == 1 else char
        self[code] = folded
        return folded


_BARRED = str.maketrans("đĐÐ", "dDD")  # đ has no decomposition
_FOLDING = _Folding()


def fold(text: str) -> str:
    """Without diacritics (đ → d), case kept."""
    return text.translate(_FOLDING)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
"""A lower-case copy of folded text, position for position."""


class _Folded:
    """A text and its folded copy, with the way back from one to the other."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.text = fold(source)
        # Only NFD text loses characters (its combining marks) in folding.
        self._origin = None if len(self.text) == len(source) else [
            i for i, c in enumerate(source) if _FOLDING[ord(c)] is not None]

    def span(self, start: int, end: int) -> Span:
        if self._origin is None:
            return start, end
        first, last = self._origin[start], self._origin[end - 1] + 1
        while last < len(self.source) and _FOLDING[ord(self.source[last])] is None:
            last += 1  # the marks on the last letter
        return first, last

    def written(self, start: int, end: int) -> str:
        """The words as written, composed, in lower case, single-spaced."""
        first, last = self.span(start, end)
        return " ".join(unicodedata.normalize("NFC", self.source[first:last]).lower().split())


# ---------------------------------------------------------------------------------------
# Numbers: phones, identity, tax and account numbers, plates

_GAP = r"[^\S\n]{0,2}[.\-()]{0,2}[^\S\n]{0,2}"  # "0912 345 678", "(0251) 3..", "(024).38.."
# Each of these begins with a lookahead for its first character: it lets the engine skip
# ahead to where a match can begin (three times as fast for phones).
_PHONE = re.compile(rf"""
    (?=[(+\d])(?<![\d+\-/])(?<!\d[.,])
    (?:\([^\S\n]?)?
    (?: (?:\+[^\S\n]?84|84)(?:{_GAP}\(?0\)?)? | 0 )
    {_GAP}
    (?: [12](?:{_GAP}\d){{9}}    # landline (area code 2xx), or an old 11-digit mobile
      | [3-9](?:{_GAP}\d){{8}}   # mobile
    )
    (?!\d)
""", re.VERBOSE)

# Digits in groups ("079 085 012 345", "0312345678-001"), not inside a code or a date.
_DIGITS = re.compile(r"(?=\d)(?<![\w.,\-/])\d+(?:[ .,\-]\d{2,})*(?![.,/\-]?\w)")
_RECORD = re.compile(r"(?i:bien[ \t]+nhan|ho[ \t]+so|thu[ \t]+tu[ \t]+tuc|thu[ \t]+tu"
                     r"|van[ \t]+don|hoa[ \t]+don)[^\n\d]{0,6}\Z")
"""What numbers a dossier, a receipt or an invoice rather than a person."""
_MONEY_GROUPS = re.compile(r"[1-9]\d{0,2}(?:([ .,])\d{3})(?:\1\d{3})*")
_UNIT_AFTER = re.compile(
    r"[^\S\n]*(?:(?P<money>%|(?i:d|dong|vnd|trieu|tr|ty|ti|nghin|ngan|usd|m2|m|km|kg|tan"
    r"|lit|ha)\b)|(?:nguoi|ho|lan|ngay|thang|nam|tuan|gio|phut|can|thua)\b)")
# A number after a word that names it; the words are found in a lower-case copy, which
# is some five times as fast as matching them regardless of case.
_NAMING = re.compile(r"""\b(?: so[ \t]*tk | stk | tk | tai[ \t]+khoan | cccd | cmnd | cmt
    | can[ \t]+cuoc | chung[ \t]+minh | dinh[ \t]+danh | ma[ \t]+so[ \t]+thue | mst | bhxh
    | bhyt | the[ \t]+bao[ \t]+hiem | gplx | bang[ \t]+lai | giay[ \t]+phep[ \t]+lai[ \t]+xe
    | ho[ \t]+chieu | passport | dang[ \t]+ky[ \t]+kinh[ \t]+doanh | dkkd | vietcombank | vcb
    | agribank | bidv | vietinbank | techcombank | tcb | mb[ \t]*bank | mb | acb | sacombank
    | vpbank | tpbank | shb | hdbank | ocb | vib | seabank | msb | eximbank | lpbank
    | lienvietpostbank | abbank | scb | ncb | pvcombank | baovietbank | kienlongbank
    | namabank | bac[ \t]+a[ \t]+bank | momo | zalopay | viettelpay )\b""", re.VERBOSE)
_NAMED_NUMBER = re.compile(r"""
    [^\n\d.;!?]{0,40}?
    (?<![\w.,\-/])
    (?P<number>[A-Za-z]{0,3}\d(?:[ .\-]?\d){5,18}(?:[^\S\n]?-[^\S\n]?\d{3})?  # 0312345678 - 001
      | \d{2}[A-Z]\d{7,8})                                                  # 47A8012345
    (?!\w)(?![.,/\-]\d)
""", re.VERBOSE)
_PLATE = re.compile(r"""
    (?=\d)(?<![\w.,\-/])\d{2}[^\S\n]?-?[^\S\n]?
    (?: [A-Za-z]{1,2}\d?[^\S\n]?[-.]?[^\S\n]?\d{3}\.\d{2}  # 60A-123.45, 60-B1 234.56
      | [A-Z]{1,2}\d?[^\S\n]?-?[^\S\n]?\d{4,5} )           # 60A12345, 60B1-23456
    (?!\w)(?![.,]\d)
""", re.VERBOSE)
_EMAIL = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def _numbers(plain: str) -> Iterator[Span]:
    for match in _PHONE.finditer(plain):
        start, end = match.span()
        # "(0251) 3874 123" is one number; of "(0912 345 678)" the brackets are not.
        yield start + (plain[start] == "(" and ")" not in match.group()), end
    for match in _DIGITS.finditer(plain):
        if not _RECORD.search(plain, max(0, match.start() - 30), match.start()) and \
                (span := _identifier(plain, *match.span(), least=9, named=False)):
            yield span
    for word in _NAMING.finditer(plain.translate(_ASCII_LOWER)):
        if (number := _NAMED_NUMBER.match(plain, word.end())) and \
                (span := _identifier(plain, *number.span("number"), least=6, named=True)):
            yield span
    for match in _PLATE.finditer(plain):
        yield match.span()


def _emails(plain: str) -> Iterator[Span]:
    if "@" in plain:  # most texts have none: no need to look
        for match in _EMAIL.finditer(plain):
            yield match.span()


def _identifier(plain: str, start: int, end: int, least: int, named: bool) -> Span | None:
    """The part of a run of digits that is an identifier, not an amount or a quantity:
    "0912345678 15 ngày" less its last group, "150.000.000 đồng" not at all; grouped in
    thousands like money, only after a keyword that names it ("STK", "CMND")."""
    if unit := _UNIT_AFTER.match(plain, end):
        cut = max(plain.rfind(separator, start, end) for separator in " .,-")
        if cut > start:
            end = cut
        elif unit.group("money"):
            return None
    run = plain[start:end]
    digits = sum(c.isdigit() for c in run)
    if not least <= digits <= 19 or (not named and _MONEY_GROUPS.fullmatch(run)):
        return None
    return start, end


# ---------------------------------------------------------------------------------------
# Vocabularies, written with diacritics; the same words without them are accepted only
# where that does not make them another common word ("đi", "cầu" → "di", "cau").

def _plain(words: str | Iterable[str]) -> frozenset[str]:
    """Folded to lower case; words given in one string are split at spaces."""
    return frozenset(fold(w).lower() for w in (words.split() if isinstance(words, str)
                                                else words))


def _written(words: str) -> frozenset[str]:
    return frozenset(words.split())


_FAMILY = _plain("""Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý
    Đinh Trịnh Trương Lương Đoàn Lâm Mai Tạ Tô Hà Cao Lưu Quách Thái Triệu Châu Đào Tăng
    Vương Kiều La Lại Tống Thạch Nông Diệp Khúc Hứa Phùng Bạch Mạc Ung Nghiêm Âu Giáp Khổng
    Lục Giang Ninh Phí Lò Tòng Kha Chu Tôn Thân Đàm Khương Mẫn Nhữ Tiêu Từ Vi""")
_MIDDLE = _plain("Văn Thị")
_NAMED_AFTER = frozenset(name.lower() for name in [
    "Hồ Chí Minh", "Hà Nội", "Hà Nam", "Hà Tĩnh", "Hà Giang", "Hà Tiên", "Hà Đông",
    "Cao Bằng", "Cao Lãnh", "Lai Châu", "Lâm Đồng", "Thái Bình", "Thái Nguyên",
    "Phan Thiết", "Phan Rang", "Trần Hưng Đạo", "Lý Thường Kiệt", "Lê Quý Đôn",
    "Nguyễn Tất Thành", "Võ Nguyên Giáp", "Tôn Đức Thắng", "Nguyễn Thị Minh Khai",
    "Nguyễn Văn Cừ", "Nguyễn Đình Chiểu", "Phan Đình Phùng", "Phan Bội Châu",
    "Phan Chu Trinh", "Nguyễn Bỉnh Khiêm", "Lê Hồng Phong", "Võ Thị Sáu",
    "Nguyễn Văn Trỗi", "Trần Quốc Toản", "Lý Tự Trọng", "Nguyễn Thái Học",
    "Huỳnh Thúc Kháng", "Nguyễn Hữu Cảnh", "Phạm Văn Đồng", "Nguyễn Văn Linh",
    "Võ Văn Kiệt", "Mai Chí Thọ", "Phạm Ngũ Lão", "Lê Thánh Tôn", "Lý Thái Tổ",
    "Trần Nhân Tông", "Ngô Gia Tự", "Tô Hiến Thành", "Nguyễn Công Trứ", "Trần Quang Khải",
    "Trần Khánh Dư", "Hoàng Văn Thụ", "Lê Văn Tám", "Hồ Xuân Hương", "Bà Rịa",
    "Bà Chiểu", "Bà Điểm", "Bà Đen", "Bà Triệu", "Bà Huyện Thanh Quan", "Ông Lãnh",
    "Ông Ích Khiêm", "Cô Giang", "Cô Bắc", "Anh Sơn", "Bà Quẹo", "Bà Hom", "Bác Hồ",
    "Chu Văn An", "Tôn Thất Thuyết", "Tôn Thất Tùng", "Hàn Mặc Tử",
])
"""Public figures, streets, schools and places that read like a person's name."""
_NAMED_AFTER_PLAIN = _plain(_NAMED_AFTER)
_PRESIDENT = frozenset(["hồ chí minh"])
"""After a title a name is a person's, but for "Chủ tịch Hồ Chí Minh"."""
_PRESIDENT_PLAIN = _plain(_PRESIDENT)

_NOT_A_NAME = _written("""xã phường huyện tỉnh quận ấp thôn xóm sở phòng ban uỷ ủy đảng bộ
    cục toà tòa viện tổ đội chủ phó trưởng giám bí cán chánh hiệu bệnh nhà tổng chợ cầu
    đường trạm cựu học giáo kỹ thợ hưu phố
    hẻm ngõ khu tờ thửa sổ giấy đơn phiếu luật nghị điều kính xin tôi chúng các những mọi
    người ông bà chị em cô chú bác cháu cụ dì cậu mợ thím ngày tháng hôm sáng chiều tối lúc
    khi sau trước theo do vì nên nhưng và hoặc nếu tuy còn cũng đã đang sẽ không chưa có bị
    là thì mà rất quá hãy mong đề kiến phản cảm chào nay hiện việc vấn tình ubnd hđnd""")
_NOT_A_NAME_PLAIN = _plain("""ubnd hđnd mttq xã ấp thôn xóm khu kp tp cty tôi các mọi người
    em ngày hôm khi theo và hoặc nếu chưa bị đã sẽ rất quá hãy mong đề xin kính chào việc""")
"""Without diacritics most of those are also given names (phong, hieu, thanh, nhung...)."""
_NOT_A_NAME_PAIRS = frozenset([
    "thị trấn", "thị xã", "quyết định", "thông tư", "thông báo", "công an", "công ty",
    "công dân", "công chức", "công văn", "công trình", "trung tâm",
    "trung ương", "thành phố", "thành uỷ", "nhà nước", "chi nhánh", "chi cục", "chi bộ",
    "chi hội", "hội đồng", "hội nông", "hội phụ", "hội cựu", "văn phòng", "văn bản",
    "đồng chí", "thanh tra", "ngân hàng", "nghĩa trang", "hồ sơ", "gia đình", "mặt trận",
    "trường thcs", "trường thpt", "trường tiểu", "trường mầm", "trường trung",
    "trường đại", "trường cao", "trường mẫu", "trường th", "trường mn", "tài nguyên",
    "kinh tế", "tư pháp", "văn hoá", "văn hóa", "y tế", "lao động", "điện lực",
    # roles ("tôi là Thương binh", "em là Sinh viên"), whose first word may be a name
    "thương binh", "bệnh binh", "sinh viên", "công nhân", "nông dân", "đoàn viên",
    "hội viên", "tiểu thương", "người dân", "nhân viên", "bác sĩ", "luật sư",
])
_NOT_A_NAME_PAIRS_PLAIN = _plain(_NOT_A_NAME_PAIRS) - {"van hoa"}  # Văn Hoa is a name
_PLACES = _written("""đường phố hẻm ngõ ngách kiệt quận huyện tỉnh xã phường ấp thôn xóm bản
    khu cầu chợ sông kênh rạch trường thcs thpt th mn học non tp trấn lộ ql đt tư vực
    viện đài chùa đền miếu thờ bến cảng động hồ núi đảo đèo cư trạm ngã""")
_PLACES_PLAIN = _plain(_PLACES) - {"truong", "ba", "nam", "tu", "cu", "song", "cau", "thi",
                                   "ho"}

# Forms of address and titles before a name, by what may follow them:
_KIN = "kin"            # any name: "anh Tuấn", "bà Năm", "tôi là Nguyễn Văn A"
_OFFICIAL = "official"  # the same, or after the office: "cán bộ địa chính Lê Văn B"
_FAMILY_NAME = "family"  # only a full name, so a place is not taken for one:
# "công an Xuân Bắc", "trưởng ấp Bình Hoà" but "công an xã Trần Văn C"
_TITLES: dict[str, tuple[str, ...]] = {
    _KIN: ("ông", "bà", "anh", "chị", "em", "cô", "chú", "bác", "cháu", "cụ", "dì", "cậu",
           "mợ", "thím", "dượng", "vợ", "chồng", "thầy", "bạn", "ông/bà", "anh/chị",
           "tôi là", "tôi tên", "tôi tên là", "tên tôi là", "tên là", "tên", "em là",
           "em tên", "mình là", "mình tên", "cháu là", "cháu tên", "họ tên", "họ và tên",
           "ký tên", "người ký", "người làm đơn", "người viết đơn", "người phản ánh",
           "người kiến nghị", "người liên hệ", "người đứng đơn"),
    _OFFICIAL: ("cán bộ", "cb", "công chức", "viên chức", "nhân viên", "nv", "chuyên viên",
                "đồng chí", "đ/c", "tổ trưởng", "tổ phó", "kế toán", "thủ quỹ", "văn thư",
                "bác sĩ", "bs", "y tá", "điều dưỡng", "giáo viên", "thầy giáo", "cô giáo",
                "chủ hộ", "chủ nhà", "chủ quán", "chủ tiệm", "chủ xe", "chủ đất",
                "chủ cơ sở", "hàng xóm", "tài xế", "bảo vệ", "luật sư", "công an viên",
                "cảnh sát khu vực", "cskv", "thiếu uý", "trung uý", "thượng uý", "đại uý",
                "thiếu úy", "trung úy", "thượng úy", "đại úy", "thiếu tá", "trung tá",
                "thượng tá", "đại tá"),
    _FAMILY_NAME: ("chủ tịch", "phó chủ tịch", "ct", "pct", "bí thư", "phó bí thư",
                   "giám đốc", "phó giám đốc", "gđ", "trưởng phòng", "phó trưởng phòng",
                   "phó phòng", "trưởng ban", "phó ban", "trưởng công an",
                   "phó trưởng công an", "công an", "cảnh sát", "trưởng ấp", "phó ấp",
                   "phó trưởng ấp", "trưởng thôn", "trưởng xóm", "trưởng bản",
                   "trưởng khu phố", "trưởng kp", "chánh văn phòng", "chánh thanh tra",
                   "thanh tra", "kiểm lâm", "chủ nhiệm", "chủ đầu tư", "hiệu trưởng", "là"),
}
_ASCII_ONLY = ("a", "c", "e")  # "a Tuấn", "c Lan": chat shorthands for anh, chị, em
_NOT_WITHOUT_DIACRITICS = _plain("dì cậu mợ dượng vợ chồng cụ là")
"""Undotted, another common word: "di" (đi), "cau" (cầu), "vo" (vô), "la" (La, a family)."""

_TOKEN = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")
_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?"
                       r"[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?|[a-z]")


class _Title:
    __slots__ = ("kind", "written")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.written: set[str] = set()


def _titles() -> dict[tuple[str, ...], _Title]:
    index: dict[tuple[str, ...], _Title] = {}
    for kind, titles in _TITLES.items():
        for title in titles:
            key = tuple(_TOKEN.findall(fold(title)))
            index.setdefault(key, _Title(kind)).written.add(title)
    for shorthand in _ASCII_ONLY:
        index[(shorthand,)] = _Title(_KIN)
    return index


_TITLE_INDEX = _titles()
_TITLE_SIZES = {first: sorted({len(key) for key in _TITLE_INDEX if key[0] == first},
                              reverse=True) for first in {key[0] for key in _TITLE_INDEX}}
"""The lengths in words of the titles that begin with a word, longest first."""
_REACH = 11
"""Words from a title to the name it introduces, at most: "cán bộ tiếp nhận hồ sơ UBND xã
Xuân Bắc Nguyễn Thị C"."""


class _Names:
    """Other people's names, over the words of a text."""

    def __init__(self, folded: _Folded) -> None:
        self.folded = folded
        matches = list(_TOKEN.finditer(folded.text))
        self.starts = [m.start() for m in matches]
        self.ends = [m.end() for m in matches]
        self.words = [m.group() for m in matches]
        self.lower = [w.lower() for w in self.words]
        self.capital = [w[0].isupper() for w in self.words]
        self._written: dict[int, str] = {}
        # Where the next capitalised word or family name is: most words that can begin a
        # title ("có", "là", "em") have none within reach and need no closer look.
        self.next_name = [0] * (len(self.words) + 1)
        self.next_name[-1] = len(self.words) + _REACH
        for i in range(len(self.words) - 1, -1, -1):
            self.next_name[i] = i if self.capital[i] or self.lower[i] in _FAMILY \
                else self.next_name[i + 1]

    def find(self) -> Iterator[Span]:
        i, count = 0, len(self.words)
        while i < count:
            name: Span | None = None
            if self.lower[i] in _TITLE_SIZES and self.next_name[i + 1] - i <= _REACH and \
                    (title := self._title_at(i)):
                kind, after = title
                name = self._after_title(kind, i, after)
            elif self.capital[i] and self._shape(i) and not (
                    i and self._spaced(i - 1, i) and self._shape(i - 1)
                    and not self._is(i - 1, _NOT_A_NAME, _NOT_A_NAME_PLAIN)):
                name = self._standing_alone(i)  # first of its run, or after "Tôi", "Đường"
            if name:
                yield self.starts[name[0]], self.ends[name[1] - 1]
                i = name[1]
            else:
                i += 1

    def _title_at(self, i: int) -> tuple[str, int] | None:
        for size in _TITLE_SIZES[self.lower[i]]:
            title = _TITLE_INDEX.get(tuple(self.lower[i:i + size]))
            if title is None or not all(self._joined(j, j + 1) for j in range(i, i + size - 1)) \
                    or (self.words[i].islower() and not all(  # "chu Dat" is chú Đạt
                        w.islower() for w in self.words[i + 1:i + size] if w.isalpha())):
                continue
            written = self.folded.written(self.starts[i], self.ends[i + size - 1])
            if written in title.written or (
                    written.isascii() and written not in _NOT_WITHOUT_DIACRITICS
                    and (title.written or self.words[i].islower())):
                if i and self._spaced(i - 1, i) and (
                        self._is(i - 1, _PLACES, _PLACES_PLAIN)  # chợ Bà Chiểu, đường Cô Giang
                        or (self._shape(i) and self._shape(i - 1)  # Phan Chu Trinh
                            and not self._is(i - 1, _NOT_A_NAME, _NOT_A_NAME_PLAIN))):
                    return None
                return title.kind, i + size
        return None

    def _after_title(self, kind: str, title: int, i: int) -> Span | None:
        if i < len(self.words) and self.words[i] == ":" and self._joined(i - 1, i):
            i += 1
        if i >= len(self.words) or not self._spaced(i - 1, i):
            return None
        # In capitals ("ÔNG NGUYỄN VĂN A") or in lower case ("ten ngo van hai") only a
        # full name is taken: "BAN DEM O" (ban đêm ở) is not one.
        capitals = self.words[title].isupper() and bool(_SYLLABLE.fullmatch(self.lower[title]))
        if capitals or self.words[i].islower():
            end = self._run(i, capitals, lower=not capitals)
            if end - i >= 3 and self.lower[i + 1] in _MIDDLE:
                # where a name in lower case ends is unknown: family, Văn or Thị, given
                return self._full_name(i, end if capitals else i + 3)
            if capitals:
                return None
        end = self._run(i, capitals)
        if end > i and kind != _FAMILY_NAME:
            if self._is(i, _NOT_A_NAME, _NOT_A_NAME_PLAIN) or (i + 1 < len(self.words) and self._is(
                    i, _NOT_A_NAME_PAIRS, _NOT_A_NAME_PAIRS_PLAIN, i + 2)):
                return None
            return self._unless_named_after(i, min(end, i + 4), titled=True)
        if end > i:
            return self._full_name(i, end, titled=True)
        if kind == _KIN:
            return None
        # After the office: "cán bộ tiếp nhận hồ sơ UBND xã Nguyễn Thị C".
        j = i
        while j < min(i + 6, len(self.words)) and (self.words[j].islower() or (
                self.words[j].isupper() and self.words[j].isalpha())) and \
                (j == i or self._spaced(j - 1, j)):
            j += 1
        if j == i or j >= len(self.words) or not self._spaced(j - 1, j):
            return None
        end = self._run(j, capitals=False)
        return self._full_name(j, end, titled=True) if end > j else None

    def _standing_alone(self, i: int) -> Span | None:
        """A full name with no title: three or four words, the first a family name."""
        capitals = self.words[i].isupper() and len(self.words[i]) > 1
        end = self._run(i, capitals)
        if end - i < 3 or self.lower[i] not in _FAMILY or \
                self._is(i, _NOT_A_NAME, _NOT_A_NAME_PLAIN):  # "Đường" is not "Dương"
            return None
        if capitals and self.lower[i + 1] not in _MIDDLE:
            return None  # "PHAN ANH VE VIEC" (phản ánh về việc)
        if i and self._spaced(i - 1, i) and self._is(i - 1, _PLACES, _PLACES_PLAIN):
            return None  # đường Nguyễn Văn Cừ, trường THCS Lê Quý Đôn
        return self._unless_named_after(i, min(end, i + 4))

    def _full_name(self, i: int, end: int, titled: bool = False) -> Span | None:
        """A family name and at least one more word, among the capitalised words from i
        (the commune's name may come first: "xã Xuân Bắc Nguyễn Văn A")."""
        for first in range(i, end - 1):
            if self.lower[first] in _FAMILY:
                return self._unless_named_after(first, min(end, first + 4), titled)
        return None

    def _unless_named_after(self, first: int, end: int, titled: bool = False) -> Span | None:
        """The name, unless a public figure, street or place is meant ("ông Võ Văn Kiệt"
        at the commune is not the premier: after a title only the President is)."""
        public, public_plain = (_PRESIDENT, _PRESIDENT_PLAIN) if titled else \
            (_NAMED_AFTER, _NAMED_AFTER_PLAIN)
        if any(self._is(first, public, public_plain, first + size)
               for size in range(end - first, 0, -1)):
            return None
        if first and self._shape(first - 1) and \
                self._is(first - 1, _NAMED_AFTER, _NAMED_AFTER_PLAIN, first + 1):
            return None  # "chợ Bà Chiểu", "đường Cô Giang", but "cô Giang" teaches
        return first, end

    def _run(self, i: int, capitals: bool, lower: bool = False) -> int:
        """Where the run of name-like words from i ends (i itself when there is none)."""
        j = i
        while j < len(self.words) and j < i + 8 and (j == i or self._spaced(j - 1, j)) \
                and self._shape(j, capitals, lower) and _SYLLABLE.fullmatch(self.lower[j]) \
                and (j == i or not self._is(j, _NOT_A_NAME, _NOT_A_NAME_PLAIN)):
            j += 1
        return j

    def _shape(self, i: int, capitals: bool = False, lower: bool = False) -> bool:
        word = self.words[i]
        if capitals or lower:
            return (word.isupper() if capitals else word.islower()) and word.isalpha()
        return word[0].isupper() and (len(word) == 1 or word[1:].islower())

    def _is(self, i: int, written: frozenset[str], plain: frozenset[str],
            end: int | None = None) -> bool:
        """Whether the words from i to end (one by default) are among those, as written
        or, when written without diacritics, among the plain ones."""
        if end is None:
            if i not in self._written:  # single words are looked up again and again
                self._written[i] = self.folded.written(self.starts[i], self.ends[i])
            as_written = self._written[i]
        else:
            as_written = self.folded.written(self.starts[i], self.ends[end - 1])
        return as_written in written if not as_written.isascii() else \
            " ".join(self.lower[i:end or i + 1]) in plain

    def _gap(self, i: int, j: int) -> str:
        return self.folded.text[self.ends[i]:self.starts[j]]

    def _spaced(self, i: int, j: int) -> bool:
        gap = self._gap(i, j)
        return bool(gap) and not gap.strip() and "\n" not in gap

    def _joined(self, i: int, j: int) -> bool:
        gap = self._gap(i, j)
        return not gap.strip() and "\n" not in gap


# ---------------------------------------------------------------------------------------
# House numbers with their street: "số 12 đường Hùng Vương", "12/3 Nguyễn Trãi", "nhà số
# 45, hẻm 3". A street named alone ("đường Hùng Vương bị ngập") is public and stays.

_CAP = r"[A-Z][a-z]{0,6}(?!\w)"
_HOUSE = r"[1-9]\d{0,3}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?){0,3}(?![\w/])"
_STREET_NAME = (rf"(?:[A-Z]{{1,2}}\d{{1,3}}[A-Z]?(?!\w)"                   # D5, N2
                rf"|{_CAP}(?:[^\S\n]+{_CAP}){{0,4}}"                        # Hùng Vương
                rf"|(?i:so[^\S\n]+)?\d{{1,4}}[A-Za-z]?(?:/\d{{1,4}})?(?![\w/])"  # hẻm 3, số 7
                rf"(?:[^\S\n]+{_CAP}(?:[^\S\n]+{_CAP}){{0,2}}(?:[^\S\n]+\d{{1,2}}(?!\w))?)?)")
_STREET = r"(?i:duong|pho|hem|hxh|ngo|ngach|kiet|quoc[^\S\n]+lo|ql|tinh[^\S\n]+lo|dai[^\S\n]+lo)"
# A street written in lower case ("so 12 duong hung vuong bi ngap"): its words up to the
# first that cannot be part of a name.
_NOT_IN_STREET = "|".join(sorted(_plain("""bị đã đang có không ko k thì là và nên ở tại của
    ngập hư hỏng nước rác đèn cống từ nay rồi mà nhà số gần trước sau cạnh bỏ chảy khu tổ ấp
    xã phường quận huyện tỉnh thành tp""")))
_INFORMAL_NAME = (rf"(?P<informal>(?:[^\S\n]+(?!(?:{_NOT_IN_STREET})(?![a-z]))[a-z]{{2,7}}"
                  rf"(?![A-Za-z])){{1,4}})")
_ADDRESS = re.compile(rf"""
    (?<![\w/.,\-])
    (?P<marker>(?i:so[^\S\n]*nha|sn|so)[^\S\n]*:?[^\S\n]*)?
    (?P<house>{_HOUSE})
    (?: (?P<street>[^\S\n]*,?[^\S\n]*{_STREET}\.?
                   (?P<name>[^\S\n]+{_STREET_NAME})?{_INFORMAL_NAME}?
                   (?:[^\S\n]+{_STREET}\.?[^\S\n]+{_STREET_NAME}){{0,2}})  # ngõ 12 phố X
      | (?P<direct>[^\S\n]+{_CAP}(?:[^\S\n]+{_CAP}){{0,4}})
    )?
""", re.VERBOSE)
_BEFORE_HOUSE = _plain("nhà căn ở tại chỉ đc dc")
"""Words after which a number is a house: "nhà số 7", "địa chỉ: số 45"."""
_NOT_BEFORE_HOUSE = _plain("""ngày hôm tháng năm lúc giờ từ đến tới khoảng có gần hơn trên
    dưới mất hết lần thứ định văn tư điều khoản thửa tờ lô phòng quầy bàn cửa kiốt xe
    biển mã sơ đường phố hẻm ngõ ngách kiệt tổ ấp thôn xóm khu kp chương mục điểm
    phường quận xã huyện tỉnh thị tp p q""")
_NOT_A_STREET = _plain("""Tết Luật Điều Khoản Nghị Quyết Thông Chính Chủ Phó Trưởng Ông Bà
    Anh Chị Công Sở Phòng Ban Tôi Chúng Em Cháu Xin Kính Nay Hôm Ngày Tháng""")


def _addresses(plain: str) -> Iterator[Span]:
    for match in _ADDRESS.finditer(plain):
        words = plain[max(0, match.start() - 20):match.start()].split()
        before = words[-1].lower().rstrip(":") if words else ""
        marker = " ".join(re.findall(r"[a-z]+", (match.group("marker") or "").lower()))
        at_home = before in _BEFORE_HOUSE
        name, informal = match.group("name"), match.start("informal") >= 0
        # A street in lower case only where no name came first ("hẻm 3 trần hưng đạo", not
        # "đường Hùng Vương gây ồn") and after "số" or "nhà" ("12 ngõ nhỏ" is twelve lanes).
        end = match.end("name") if informal and name and name[-1].isalpha() else match.end()
        street = bool(match.group("street")) and (name is not None or informal) \
            and (not informal or bool(marker) or at_home)
        direct = bool(match.group("direct")) and \
            match.group("direct").split()[0].lower() not in _NOT_A_STREET
        if (street or direct) and before not in _NOT_BEFORE_HOUSE and not before.isdigit():
            yield match.start(), end
        elif marker in ("so nha", "sn") or (marker == "so" and at_home):
            yield match.start(), match.end("house")  # "nhà số 7": the house alone


# ---------------------------------------------------------------------------------------
# The sender's own details

_SEGMENTS = re.compile(r"[,;]|[^\S\n]-[^\S\n]")
_HOUSE_SEGMENT = re.compile(r"(?:(?:so|sn|so nha|nha so|nha)\s*)?\d")
_NUMBER_AND_NAME = re.compile(r"(?:(?:so|sn|so nha|nha so|nha)\s*)?\d[\w/]*\s+[a-z]")
_STREET_SEGMENT = re.compile(r"(?:duong|pho|hem|ngo|ngach|kiet|quoc lo|ql|tinh lo)\b")
_ONLY_PHONE = re.compile(r"[\d\s.+()\-]+")
_DIGIT_RUN = re.compile(rf"(?=\d)\d(?:{_GAP}\d)*")
_NAME_WORDS = re.compile(r"[A-Za-z]+(?:[\s'.\-]+[A-Za-z]+){0,6}")
_ADDRESS_WORDS = _plain("ấp thôn xóm tổ khu khóm khối buôn bản làng đường phố hẻm ngõ xã phường số")
"""An address without a number ("Ấp Bình Hoà") is still not a name."""
_BOUND = r"(?<![a-z\d])"


def _loose(words: list[str], gap: str) -> str:
    """The words, in lower case, with the gap between them and nothing but a boundary
    around them."""
    return _BOUND + gap.join(map(re.escape, words)) + r"(?![a-z\d])"


def _capitalised(words: list[str]) -> str:
    """The words as a name is written: each capitalised, or all in capitals."""
    titled = r"[^\S\n]+".join(re.escape(w[:1].upper() + w[1:]) for w in words)
    capitals = r"[^\S\n]+".join(re.escape(w.upper()) for w in words)
    return rf"(?<![A-Za-z\d])(?:{titled}|{capitals})(?![A-Za-z\d])"


class _Known:
    """The sender's details, as patterns compiled once per sender (a phone number and an
    e-mail address need none: they are looked for as digits and as a string). Those that
    ignore case are matched in lower case against a lower-case copy of the text: compiled
    with re.IGNORECASE they take three to six times as long to compile."""

    def __init__(self, values: tuple[str, ...]) -> None:
        self.anywhere: list[re.Pattern[str]] = []
        self.any_case: list[re.Pattern[str]] = []
        self.standalone: list[re.Pattern[str]] = []
        """Given names alone: only where they stand alone, mid-sentence."""
        self.phones: list[str] = []
        """Without the trunk prefix 0 or the country code 84."""
        self.emails: list[str] = []
        for value in values:
            self._add(" ".join(fold(value).lower().split()))

    def _add(self, value: str) -> None:
        if len(value) < 3:
            return
        if "@" in value:
            self.emails.append(value)
        elif _ONLY_PHONE.fullmatch(value) and 9 <= len(digits := re.sub(r"\D", "", value)) <= 12:
            self.phones.append(digits[2:] if digits.startswith("84") and len(digits) >= 11
                               else digits.removeprefix("0"))
        elif _NAME_WORDS.fullmatch(value) and value.split()[0] not in _ADDRESS_WORDS:
            words = re.findall(r"[a-z]+", value)
            if len(words) >= 3:
                self.any_case.append(re.compile(_loose(words, r"[^\S\n]*")))
                for pair in (words[-2:], [words[0], words[-1]]):
                    self.anywhere.append(re.compile(_capitalised(pair)))
            elif len(words) == 2:
                self.anywhere.append(re.compile(_capitalised(words)))
            self.standalone.append(re.compile(_capitalised(words[-1:])))
        elif re.search(r"[a-z]", value):
            self._address(value)
        else:
            self.any_case.append(re.compile(r"\s+".join(map(re.escape, value.split()))))

    def _address(self, value: str) -> None:
        """The house number with its street ("Số 12 đường Hùng Vương", "12/3 Nguyễn
        Trãi, phường 5": the street part; "Số 7, ấp Bình Hoà": the number where the
        hamlet follows it); without a house number, the address as given. The hamlet,
        ward or commune alone is public."""
        def words(text: str) -> str:
            return _loose(re.findall(r"[a-z\d]+(?:/[a-z\d]+)*", text), r"[^a-z\d\n]{0,3}")
        segments = [s.strip() for s in _SEGMENTS.split(value) if s.strip()]
        if not segments or not _HOUSE_SEGMENT.match(segments[0]):
            self.any_case.append(re.compile(words(value)))
            return
        house = 1
        while house < len(segments) and _STREET_SEGMENT.match(segments[house]):
            house += 1
        pattern = words(" ".join(segments[:house]))
        if house == 1 and not _NUMBER_AND_NAME.match(segments[0]) and len(segments) > 1:
            pattern += r"(?=[^a-z\d\n]{0,3}" + words(segments[1])[len(_BOUND):] + ")"
        self.any_case.append(re.compile(pattern))

    def find(self, plain: str) -> Iterator[Span]:
        lowered = plain.translate(_ASCII_LOWER)
        for pattern, text in [*((p, plain) for p in self.anywhere),
                              *((p, lowered) for p in self.any_case)]:
            for match in pattern.finditer(text):
                yield match.span()
        for email in self.emails:
            at = lowered.find(email)
            while at >= 0:
                yield at, at + len(email)
                at = lowered.find(email, at + 1)
        if self.phones:
            yield from self._phones(plain)
        for pattern in self.standalone:
            for match in pattern.finditer(plain):
                before = plain[max(0, match.start() - 20):match.start()].rstrip(" \t")
                after = plain[match.end():match.end() + 3].lstrip(" \t")
                if before and before[-1] not in ".!?\n" and not (
                        before[-1].isalpha() and before.split()[-1][0].isupper()) and not (
                        after[:1].isupper()):
                    yield match.span()

    def _phones(self, plain: str) -> Iterator[Span]:
        """The phone numbers among the digits of the text however they are grouped, with
        their 0 or 84 if they have one ("912345678", "0912 34 56 78", "+84 912...")."""
        for run in _DIGIT_RUN.finditer(plain):
            at = [run.start() + i for i, c in enumerate(run.group()) if c.isdigit()]
            digits = "".join(plain[i] for i in at)
            for national in self.phones:
                found = digits.find(national)
                while found >= 0:
                    first = found - (1 if digits[found - 1:found] == "0" else
                                     2 if digits[max(0, found - 2):found] == "84" else 0)
                    start = at[first] - (plain[at[first] - 1:at[first]] == "+")
                    yield start, at[found + len(national) - 1] + 1
                    found = digits.find(national, found + 1)


@lru_cache(maxsize=256)
def _known(values: tuple[str, ...]) -> _Known:
    return _Known(values)


# ---------------------------------------------------------------------------------------

def find_numbers(text: str) -> list[Span]:
    """Where the text has phone, identity, tax or account numbers or licence plates."""
    folded = _Folded(text)
    return _merged(folded, _numbers(folded.text))


def find(text: str, known: Iterable[str | None] = ()) -> list[Span]:
    """Where the text has personal data (see the module's description), `known` being
    the sender's own name, phone, address and e-mail as they gave them."""
    folded = _Folded(text)
    plain = folded.text
    values = tuple(sorted({v for v in known if v and v.strip()}))
    return _merged(folded, (
        *_known(values).find(plain), *_numbers(plain), *_addresses(plain),
        *_emails(plain), *_Names(folded).find()))


def _merged(folded: _Folded, spans: Iterable[Span]) -> list[Span]:
    """In the text's own positions, in order, overlapping or touching ones joined."""
    merged: list[Span] = []
    for start, end in sorted(folded.span(s, e) for s, e in spans if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
